"""The counter's appraisal use cases (量化考核): the month's draft computed from this PC's data, the
scoring rules, 表扬信/锦旗, point items and their approval, the business section's adjustments, the
chiefs' comments, the leadership's quota approval, and publishing (a correction is a new version).

Offline-first like intake: each write is one transaction (``ctx.action()``) holding its row, the audit
event and the outbox op (``ctx.record``), after ``app.authz.require``; the server checks every rule
again and computes the published month from its own rows with the same functions
(app.appraisal.facts.hall_month, app.appraisal.score.appraise_month). Every method runs on a worker.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.appraisal import facts as mf
from app.appraisal.awards import QuarterResult, WindowIndicators, YearResult, red_flag_windows, year_awards
from app.appraisal.codec import appraisal_from_json, appraisal_json
from app.appraisal.model import (
    COMMENDATION_LABELS,
    ITEM_KIND_LABELS,
    ITEM_STATUS_LABELS,
    AppraisalVersion,
    AppraisalView,
    CommendationRow,
    CommentRow,
    ItemRow,
)
from app.appraisal.rules import parse_rules, rules_content
from app.appraisal.score import MonthAppraisal, appraise_month
from app.attendance import common
from app.attendance.common import Labels
from app.attendance.months import hall_sheet
from app.authz import holder_of, may, require
from app.context import Actor, AppContext
from app.errors import InvalidInput, NotFound, NotPermitted
from app.ids import uuid7
from app.permissions import Holder, Subject, refusal
from app.sync.protocol import (
    APPRAISAL_ADJUST,
    APPRAISAL_COMMENT,
    APPRAISAL_ITEM_DECIDE,
    APPRAISAL_ITEM_PROPOSE,
    APPRAISAL_PUBLISH,
    APPRAISAL_QUOTA_RAISE,
    APPRAISAL_RULES_SET,
    COMMENDATION_RECORD,
    Entity,
)
from app.sync.rows import columns_row
from app.validation import check_text
from db.models import (
    AppraisalComment,
    AppraisalItem,
    AppraisalMonth,
    AppraisalQuota,
    AppraisalRules,
    Case,
    Commendation,
    Rating,
    RatingAppeal,
)
from db.repositories import ReferenceRepository

MAX_ITEM_POINTS = 20.0  # one manual item or adjustment, either way
ACTIONS = ("appraisal.view", "appraisal.rules", "appraisal.item_propose", "appraisal.adjust", "appraisal.comment",
           "appraisal.publish", "appraisal.quota_raise", "commendation.record")


def check_points(points: Any, *, field: str = "points") -> float:
    """A hand-entered item's points: a number, not 0, within ±20, at most two decimals."""
    if isinstance(points, bool) or not isinstance(points, int | float) or not math.isfinite(points):
        raise InvalidInput("分值应为数字。", field=field)
    if points == 0 or abs(points) > MAX_ITEM_POINTS:
        raise InvalidInput(f"分值应在 -{MAX_ITEM_POINTS:g} 到 {MAX_ITEM_POINTS:g} 之间且不为 0。", field=field)
    return round(float(points), 2)


class AppraisalService:
    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx

    # -- computing --------------------------------------------------------------------------------
    def compute(self, s: Session, year: int, month: int) -> MonthAppraisal:
        """The hall's month from this store's rows, with the rules in force (the draft)."""
        hall = common.hall_id(s)
        inputs = mf.hall_month(s, hall, year, month, calendar=self.ctx.calendar(), as_of=self.ctx.today(),
                              makeup_days=common.params(self.ctx).makeup_days)
        return appraise_month(inputs.rules, year, month, inputs.people, inputs.windows, inputs.facts,
                              rules_version=inputs.rules_version, quota_raised=inputs.quota_raised)

    def month_view(self, actor: Actor, year: int, month: int) -> AppraisalView:
        """The month as ``actor`` may see it: the hall (business section, leadership, supervisors), their
        department (首席代表), else only themselves."""
        mf.month_bounds(year, month)
        with self.ctx.db.read() as s:
            holder = holder_of(s, actor)
            department, own = _scope(holder)
            hall = common.hall_id(s)
            key = mf.month_key(year, month)
            labels = Labels(s, hall)
            draft = _narrowed(self.compute(s, year, month), department, actor.id if own else None)
            versions = tuple(_version(row, labels, department, actor.id if own else None)
                             for row in s.scalars(select(AppraisalMonth).where(
                                 AppraisalMonth.hall_id == hall, AppraisalMonth.month == key)
                                 .order_by(AppraisalMonth.version.desc())))
            items = tuple(_item_row(i, labels) for i in s.scalars(
                select(AppraisalItem).where(AppraisalItem.hall_id == hall, AppraisalItem.month == key)
                .order_by(AppraisalItem.entered_at, AppraisalItem.id))
                if not own or i.staff_id == actor.id or i.entered_by == actor.id)
            comments = tuple(_comment_row(c, labels) for c in s.scalars(
                select(AppraisalComment).where(AppraisalComment.hall_id == hall, AppraisalComment.month == key)
                .order_by(AppraisalComment.written_at)) if not own and department in (None, c.department_id))
            first, last = mf.month_bounds(year, month)
            commendations = tuple(_commendation_row(c, labels) for c in s.scalars(
                select(Commendation).where(Commendation.hall_id == hall, Commendation.day >= first,
                                           Commendation.day <= last).order_by(Commendation.day))
                if not own or c.staff_id == actor.id)
            quota = s.scalar(select(AppraisalQuota.id).where(AppraisalQuota.hall_id == hall,
                                                             AppraisalQuota.month == key)) is not None
            dept = labels.departments.get(department or "")
            scope = f"{actor.name}本人" if own else dept.name if dept else "全大厅"
            ref = ReferenceRepository(s).hall(hall)
            return AppraisalView(
                year=year, month=month, title=f"{ref.name if ref else ''} {year}年{month}月量化考核".strip(),
                scope_label=scope, draft=draft, versions=versions, items=items, comments=comments,
                commendations=commendations, quota_raised=quota, own_only=own, department_id=department,
                month_over=self.ctx.today() > last, may=_may(s, actor, holder),
                made_at=self.ctx.clock.now())

    # -- quarter and year ------------------------------------------------------------------------
    def quarter(self, actor: Actor, year: int, quarter: int) -> QuarterResult:
        """红旗窗口 of a quarter on the five indicators, from this PC's data for its three months."""
        if not 1 <= quarter <= 4:
            raise InvalidInput(f"季度有误：第{quarter}季度。", field="quarter")
        months = [3 * quarter - 2, 3 * quarter - 1, 3 * quarter]
        with self.ctx.db.read() as s:
            require(s, actor, "appraisal.view", Subject(department_id=holder_of(s, actor).department_id))
            hall = common.hall_id(s)
            first, last = mf.month_bounds(year, months[0])[0], mf.month_bounds(year, months[-1])[1]
            inputs = mf.hall_month(s, hall, year, months[-1], calendar=self.ctx.calendar(), as_of=self.ctx.today(),
                                   makeup_days=common.params(self.ctx).makeup_days)
            tallies = {w.window_id: _Indicators() for w in inputs.windows}
            _case_indicators(s, hall, first, last, tallies)
            _rating_indicators(s, hall, first, last, tallies)
            for m in months:
                if mf.month_bounds(year, m)[0] > self.ctx.today():
                    continue
                self._attendance_indicators(s, hall, year, m, tallies)
            indicators = [t.done(wid) for wid, t in tallies.items()]
            return red_flag_windows(inputs.rules, quarter, year, inputs.windows, indicators)

    def _attendance_indicators(self, s: Session, hall: str, year: int, month: int,
                               tallies: dict[str, _Indicators]) -> None:
        result = self.compute(s, year, month)
        sheet = hall_sheet(s, hall, year, month, calendar=self.ctx.calendar(), as_of=self.ctx.today(),
                           makeup_days=common.params(self.ctx).makeup_days)
        since = mf.attendance_since(s, hall)  # days before the hall's first punch are not judged (as the month)
        workdays: dict[str, tuple[float, float]] = {}
        for pm in sheet.people:
            days = [d for d in pm.days if since is not None and d.working and since <= d.day <= self.ctx.today()]
            workdays[pm.person.staff_id] = (float(len(days)), sum(1 - d.absent_halves / 2 for d in days))
        for p in result.people:
            t = tallies.get(p.person.window_id or "")
            if t is None:
                continue
            due, present = workdays.get(p.person.staff_id, (0.0, 0.0))
            t.due += due
            t.present += max(0.0, present)
            t.members.add(p.person.staff_id)
            t.discipline -= sum(f.points for f in p.facts if not f.via and f.fact.kind in DISCIPLINE and f.points < 0)
        for w in result.windows:
            if w.window.window_id in tallies:
                tallies[w.window.window_id].discipline -= sum(f.points for f in w.facts
                                                              if f.fact.kind in DISCIPLINE and f.points < 0)

    def year(self, actor: Actor, year: int) -> tuple[YearResult, tuple[int, ...]]:
        """先进个人 / 先进窗口 of a year from its published months (the latest version of each), and the
        months of the year not published (yet)."""
        with self.ctx.db.read() as s:
            require(s, actor, "appraisal.view")
            hall = common.hall_id(s)
            rules, _ = mf.rules_in_force(s, hall)
            latest: dict[str, AppraisalMonth] = {}
            for row in s.scalars(select(AppraisalMonth).where(AppraisalMonth.hall_id == hall,
                                                              AppraisalMonth.month.like(f"{year:04d}-%"))):
                if row.month not in latest or row.version > latest[row.month].version:
                    latest[row.month] = row
            months = []
            for row in latest.values():
                try:
                    months.append(appraisal_from_json(row.result))
                except InvalidInput:
                    continue
            missing = tuple(m for m in range(1, 13) if mf.month_key(year, m) not in latest)
            return year_awards(rules, year, months), missing

    # -- rules ----------------------------------------------------------------------------------
    def rules(self) -> tuple[dict[str, Any], int]:
        with self.ctx.db.read() as s:
            rules, version = mf.rules_in_force(s, common.hall_id(s))
            return rules_content(rules), version

    def set_rules(self, actor: Actor, content: dict[str, Any], note: str) -> int:
        text = check_text(note, field="note", label="变更说明", max_len=500)
        parsed = parse_rules(content)
        with self.ctx.action() as s:
            require(s, actor, "appraisal.rules")
            hall = common.hall_id(s)
            held = s.scalar(select(func.max(AppraisalRules.version)).where(AppraisalRules.hall_id == hall))
            version = (held or 0) + 1
            row = AppraisalRules(id=uuid7(), hall_id=hall, version=version, content=rules_content(parsed), note=text,
                                 created_by=actor.id or "", created_at=self.ctx.clock.now())
            s.add(row)
            s.flush()
            self.ctx.record(s, actor, op_kind=APPRAISAL_RULES_SET, entity=Entity.APPRAISAL_RULES, entity_id=row.id,
                            summary=f"考核评分规则第{version}版" + (f"：{text}" if text else ""),
                            payload=columns_row(row))
            return version

    # -- 表扬信、锦旗 ------------------------------------------------------------------------------
    def record_commendation(self, actor: Actor, kind: str, *, staff_id: str | None, window_id: str | None,
                            day: dt.date, note: str) -> str:
        if kind not in COMMENDATION_LABELS:
            raise InvalidInput("请选择表扬信或锦旗。", field="kind")
        text = check_text(note, field="note", label="说明", max_len=500)
        if day > self.ctx.today():
            raise InvalidInput("收到日期不能晚于今天。", field="day")
        with self.ctx.action() as s:
            labels = Labels(s)
            subject = _target(labels, staff_id, window_id)
            require(s, actor, "commendation.record", subject)
            row = Commendation(id=uuid7(), hall_id=common.hall_id(s), kind=kind, staff_id=staff_id,
                               window_id=None if staff_id else window_id, day=day, note=text,
                               recorded_by=actor.id or "", recorded_at=self.ctx.clock.now())
            s.add(row)
            s.flush()
            who = labels.name(staff_id) if staff_id else labels.window(window_id)
            self.ctx.record(s, actor, op_kind=COMMENDATION_RECORD, entity=Entity.COMMENDATION, entity_id=row.id,
                            summary=f"登记{COMMENDATION_LABELS[kind]}：{who}", payload=columns_row(row))
            return row.id

    # -- point items -------------------------------------------------------------------------------
    def propose_item(self, actor: Actor, year: int, month: int, kind: str, *, staff_id: str | None,
                     window_id: str | None, reason: str, points: float | None = None) -> str:
        """不规范收件 / 违规收费 (at the rules' points) or 其他加减分 (with ``points``), for the business
        section to approve."""
        if kind not in mf.ITEM_KINDS:
            raise InvalidInput("请选择加减分事项的类别。", field="kind")
        value = check_points(points) if kind == "manual" else 0.0
        return self._item(actor, year, month, kind, staff_id, window_id, reason, value, APPRAISAL_ITEM_PROPOSE,
                          "appraisal.item_propose", "proposed")

    def adjust(self, actor: Actor, year: int, month: int, *, staff_id: str | None, window_id: str | None,
               points: float, reason: str) -> str:
        """The business section's adjustment of the draft (in force at once; never of one's own score)."""
        return self._item(actor, year, month, mf.ADJUSTMENT, staff_id, window_id, reason, check_points(points),
                          APPRAISAL_ADJUST, "appraisal.adjust", "approved")

    def _item(self, actor: Actor, year: int, month: int, kind: str, staff_id: str | None, window_id: str | None,
              reason: str, points: float, op_kind: str, action: str, status: str) -> str:
        mf.month_bounds(year, month)
        text = check_text(reason, field="reason", label="事由", max_len=500, required=True)
        now = self.ctx.clock.now()
        with self.ctx.action() as s:
            labels = Labels(s)
            subject = _target(labels, staff_id, window_id)
            require(s, actor, action, subject if action != "appraisal.adjust"
                    else replace(subject, requester_id=staff_id))
            row = AppraisalItem(id=uuid7(), hall_id=common.hall_id(s), month=mf.month_key(year, month), kind=kind,
                                staff_id=staff_id, window_id=None if staff_id else window_id, points=points,
                                reason=text, entered_by=actor.id or "", entered_at=now, status=status,
                                decided_by=actor.id or "" if status == "approved" else "",
                                decided_at=now if status == "approved" else None, decision_note="", version=1)
            s.add(row)
            s.flush()
            who = labels.name(staff_id) if staff_id else labels.window(window_id)
            shown = f"{points:+g} 分" if kind in ("manual", mf.ADJUSTMENT) else "按规则计分"
            self.ctx.record(s, actor, op_kind=op_kind, entity=Entity.APPRAISAL_ITEM, entity_id=row.id,
                            summary=f"{year}年{month}月考核{ITEM_KIND_LABELS[kind]}：{who}，{shown}，{text}"[:500],
                            payload=columns_row(row))
            return row.id

    def decide_item(self, actor: Actor, item_id: str, approve: bool, note: str = "") -> None:
        text = check_text(note, field="note", label="审批意见", max_len=500)
        if not approve and not text.strip():
            raise InvalidInput("不批准时请写明理由。", field="note")
        with self.ctx.action() as s:
            row = s.get(AppraisalItem, item_id)
            if row is None:
                raise NotFound("没有这条加减分事项。")
            require(s, actor, "appraisal.adjust", Subject(requester_id=row.entered_by))
            if row.staff_id is not None and row.staff_id == actor.id:
                raise NotPermitted("不能审批与本人考核得分有关的事项。", action="appraisal.adjust")
            if row.status != "proposed":
                raise InvalidInput("这条事项已审批过。", field="status")
            before = row.version
            row.status = "approved" if approve else "refused"
            row.decided_by, row.decided_at, row.decision_note = actor.id or "", self.ctx.clock.now(), text
            row.version += 1
            s.flush()
            self.ctx.record(s, actor, op_kind=APPRAISAL_ITEM_DECIDE, entity=Entity.APPRAISAL_ITEM, entity_id=row.id,
                            summary=f"{'批准' if approve else '不批准'}考核{ITEM_KIND_LABELS.get(row.kind, row.kind)}："
                                    f"{row.reason}"[:500],
                            payload={"id": row.id, "from_version": before, "status": row.status, "note": text,
                                     "decided_at": row.decided_at.isoformat() if row.decided_at else None})

    # -- comments and quota -------------------------------------------------------------------------
    def comment(self, actor: Actor, year: int, month: int, text: str, *, staff_id: str | None = None) -> str:
        mf.month_bounds(year, month)
        body = check_text(text, field="text", label="意见", max_len=1000, required=True)
        with self.ctx.action() as s:
            holder = holder_of(s, actor)
            require(s, actor, "appraisal.comment", Subject(department_id=holder.department_id))
            labels = Labels(s)
            if staff_id is not None:
                person = labels.staff.get(staff_id)
                if person is None or labels.department_of(person) != holder.department_id:
                    raise InvalidInput("只能对本部门人员的考核提出意见。", field="staff_id")
            row = AppraisalComment(id=uuid7(), hall_id=common.hall_id(s), month=mf.month_key(year, month),
                                   department_id=holder.department_id, staff_id=staff_id, text=body,
                                   written_by=actor.id or "", written_at=self.ctx.clock.now())
            s.add(row)
            s.flush()
            self.ctx.record(s, actor, op_kind=APPRAISAL_COMMENT, entity=Entity.APPRAISAL_COMMENT, entity_id=row.id,
                            summary=f"对{year}年{month}月考核提出意见：{body}"[:500], payload=columns_row(row))
            return row.id

    def raise_quota(self, actor: Actor, year: int, month: int, note: str) -> None:
        mf.month_bounds(year, month)
        text = check_text(note, field="note", label="批准说明", max_len=500, required=True)
        with self.ctx.action() as s:
            require(s, actor, "appraisal.quota_raise")
            hall, key = common.hall_id(s), mf.month_key(year, month)
            if s.scalar(select(AppraisalQuota.id).where(AppraisalQuota.hall_id == hall, AppraisalQuota.month == key)):
                raise InvalidInput(f"{year}年{month}月的优秀比例已批准提高。", field="month")
            row = AppraisalQuota(id=uuid7(), hall_id=hall, month=key, note=text, approved_by=actor.id or "",
                                 approved_at=self.ctx.clock.now())
            s.add(row)
            s.flush()
            self.ctx.record(s, actor, op_kind=APPRAISAL_QUOTA_RAISE, entity=Entity.APPRAISAL_QUOTA, entity_id=row.id,
                            summary=f"批准提高{year}年{month}月优秀比例：{text}"[:500], payload=columns_row(row))

    # -- publishing ----------------------------------------------------------------------------------
    def publish(self, actor: Actor, year: int, month: int, reason: str = "") -> int:
        """Publish the month (after it ended); a later publication is a correction and needs a reason.
        The server computes the published result from its own rows; it comes back with the sync."""
        last = mf.month_bounds(year, month)[1]
        if self.ctx.today() <= last:
            raise InvalidInput(f"{year}年{month}月尚未结束，不能发布考核结果。", field="month")
        text = check_text(reason, field="reason", label="更正原因", max_len=500)
        with self.ctx.action() as s:
            require(s, actor, "appraisal.publish")
            hall, key = common.hall_id(s), mf.month_key(year, month)
            latest = s.scalar(select(func.max(AppraisalMonth.version)).where(
                AppraisalMonth.hall_id == hall, AppraisalMonth.month == key)) or 0
            if latest and not text.strip():
                raise InvalidInput(f"{year}年{month}月已发布第{latest}版，更正发布须填写更正原因。", field="reason")
            result = self.compute(s, year, month)
            row = AppraisalMonth(id=uuid7(), hall_id=hall, month=key, version=latest + 1,
                                 rules_version=result.rules_version, result=appraisal_json(result), reason=text,
                                 published_by=actor.id or "", published_at=self.ctx.clock.now())
            s.add(row)
            s.flush()
            self.ctx.record(s, actor, op_kind=APPRAISAL_PUBLISH, entity=Entity.APPRAISAL_MONTH, entity_id=row.id,
                            summary=(f"发布{year}年{month}月量化考核结果第{row.version}版"
                                     + (f"，更正：{text}" if text else ""))[:500], payload=columns_row(row))
            return row.version


# -- helpers -----------------------------------------------------------------------------------------

DISCIPLINE = ("late", "early", "missing", "absent_half", "inspection", "empty_post")


@dataclass
class _Indicators:
    cases: int = 0
    on_time: int = 0
    rated: int = 0
    good: int = 0
    bad: int = 0
    due: float = 0.0
    present: float = 0.0
    discipline: float = 0.0
    members: set[str] = field(default_factory=set)

    def done(self, window_id: str) -> WindowIndicators:
        per_member = self.discipline / max(1, len(self.members))  # a big window is not marked down for its size
        return WindowIndicators(window_id, self.cases, self.on_time, self.rated, self.good, self.bad, self.due,
                                self.present, round(per_member, 2))


def _case_indicators(s: Session, hall: str, first: dt.date, last: dt.date, tallies: dict[str, _Indicators]) -> None:
    """Completions of the quarter with a limit, and how many were in time, per window."""
    start, end = dt.datetime.combine(first, dt.time()), dt.datetime.combine(last + dt.timedelta(days=1), dt.time())
    q = select(Case.window_id, Case.completed_at, Case.due_date).where(
        Case.hall_id == hall, Case.completed_at >= start, Case.completed_at < end, Case.due_date.is_not(None))
    for window, done, due in s.execute(q):
        t = tallies.get(window or "")
        if t is not None:
            t.cases += 1
            t.on_time += done.date() <= due


def _rating_indicators(s: Session, hall: str, first: dt.date, last: dt.date, tallies: dict[str, _Indicators]) -> None:
    start, end = dt.datetime.combine(first, dt.time()), dt.datetime.combine(last + dt.timedelta(days=1), dt.time())
    upheld = select(RatingAppeal.rating_id).where(RatingAppeal.status == "upheld")
    q = select(Rating.window_id, Rating.level).where(Rating.hall_id == hall, Rating.level.is_not(None),
                                                     Rating.rated_at >= start, Rating.rated_at < end,
                                                     Rating.id.not_in(upheld))
    for window, level in s.execute(q):
        t = tallies.get(window or "")
        if t is not None:
            t.rated += 1
            t.good += level >= 4
            t.bad += level <= 2

def _may(s: Session, actor: Actor, holder: Holder) -> dict[str, str | None]:
    """What the viewer may do: on the whole hall, or (a chief) on their own department."""
    out = {}
    for action in ACTIONS:
        reason = may(s, actor, action)
        if reason is not None and holder.department_id:
            reason = may(s, actor, action, Subject(department_id=holder.department_id))
        out[action] = reason
    return out


def _scope(holder: Holder) -> tuple[str | None, bool]:
    """(department, own only) the viewer may see."""
    if refusal(holder, "appraisal.view", Subject()) is None:
        return None, False
    if holder.department_id and refusal(holder, "appraisal.view", Subject(department_id=holder.department_id)) is None:
        return holder.department_id, False
    return None, True


def _narrowed(m: MonthAppraisal, department: str | None, staff_id: str | None) -> MonthAppraisal:
    if staff_id is not None:
        return replace(m, people=tuple(p for p in m.people if p.person.staff_id == staff_id), windows=(),
                       unmatched=())
    if department is not None:
        return replace(m, people=tuple(p for p in m.people if p.person.department_id == department),
                       windows=tuple(w for w in m.windows if w.window.department_id == department), unmatched=())
    return m


def _version(row: AppraisalMonth, labels: Labels, department: str | None, staff_id: str | None) -> AppraisalVersion:
    try:
        result: MonthAppraisal | None = _narrowed(appraisal_from_json(row.result), department, staff_id)
    except (InvalidInput, KeyError, TypeError, ValueError, AttributeError):
        result = None
    who = labels.name(row.published_by)
    label = f"第{row.version}版 {row.published_at:%Y-%m-%d} {who}" + (f" 更正：{row.reason}" if row.reason else "")
    return AppraisalVersion(row.id, row.version, row.rules_version, row.published_at, who, row.reason, label, result)


def _target(labels: Labels, staff_id: str | None, window_id: str | None) -> Subject:
    """The subject of an item about a person or a window of this hall (exactly one of them)."""
    if (staff_id is None) == (window_id is None):
        raise InvalidInput("请选择一位人员或一个窗口。", field="staff_id")
    if staff_id is not None:
        person = labels.staff.get(staff_id)
        if person is None:
            raise InvalidInput("没有这位人员。", field="staff_id")
        return Subject(window_id=person.window_id, department_id=labels.department_of(person))
    window = labels.windows.get(window_id or "")
    if window is None:
        raise InvalidInput("没有这个窗口。", field="window_id")
    return Subject(window_id=window.id, department_id=window.department_id)


def _item_row(i: AppraisalItem, labels: Labels) -> ItemRow:
    return ItemRow(i.id, i.month, i.kind, ITEM_KIND_LABELS.get(i.kind, i.kind), i.staff_id, i.window_id,
                   labels.name(i.staff_id) if i.staff_id else labels.window(i.window_id),
                   i.points if i.kind in ("manual", mf.ADJUSTMENT) else None, i.reason, i.entered_by,
                   labels.name(i.entered_by), i.entered_at, i.status, ITEM_STATUS_LABELS.get(i.status, i.status),
                   labels.name(i.decided_by), i.decision_note, i.version)


def _comment_row(c: AppraisalComment, labels: Labels) -> CommentRow:
    dept = labels.departments.get(c.department_id or "")
    return CommentRow(c.id, dept.name if dept else "", labels.name(c.staff_id), c.text, labels.name(c.written_by),
                      c.written_at)


def _commendation_row(c: Commendation, labels: Labels) -> CommendationRow:
    return CommendationRow(c.id, COMMENDATION_LABELS.get(c.kind, c.kind),
                           labels.name(c.staff_id) if c.staff_id else labels.window(c.window_id), c.day, c.note,
                           labels.name(c.recorded_by))
