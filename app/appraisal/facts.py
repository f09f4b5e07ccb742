"""The facts a month's appraisal scores (量化考核的依据), read from the rows of one store: the counter's
over the hall data it has pulled, the server's over what it holds (both call :func:`hall_month`).

Every fact names its source row, so that a score leads to the list of facts behind it and each of
them to its record: the day of the attendance sheet (迟到, 早退, 缺卡, 旷工 from
app.attendance.months.hall_sheet, the same rules the sheet shows), the overdue case, the 差评 that
survived appeal, the 空岗 event, the 查岗 finding, the 表扬信 or 锦旗, the person's 互评 result of a round
of the month (a quarterly round counts in the quarter's last month), and the approved point items
(不规范收件, 违规收费, 其他加减分, 业务科调整).
"""

from __future__ import annotations

import calendar as cal
import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from app.appraisal.rules import ScoringRules, default_rules, parse_rules
from app.appraisal.score import Fact, Person, WindowInfo
from app.attendance.common import Labels, window_label
from app.attendance.months import hall_sheet
from app.authz import staff_roles
from app.cases.rules import CaseStatus
from app.errors import DomainError, InvalidInput
from app.permissions import Role
from app.workcal import WorkingCalendar
from db.models import (
    AppraisalItem,
    AppraisalQuota,
    AppraisalRules,
    Case,
    Commendation,
    EmptyPost,
    Inspection,
    PeerResult,
    PeerRound,
    Punch,
    Rating,
    RatingAppeal,
)
from db.repositories import ReferenceRepository

OK_FINDING = "在岗"  # the 查岗 finding that is no problem (parameter inspection.findings lists it first)
ITEM_KINDS = ("irregular_receipt", "unauthorised_fee", "manual")  # proposed, then approved
ADJUSTMENT = "adjustment"  # the business section's, in force at once
UNIT_ITEMS = ("irregular_receipt", "unauthorised_fee")  # at the rules' points; the others carry theirs
OPEN_STATUSES = (CaseStatus.ACCEPTED, CaseStatus.RECEIVED, CaseStatus.CORRECTION)


@dataclass(frozen=True)
class MonthInputs:
    """What :func:`app.appraisal.score.appraise_month` needs for one hall and month."""

    year: int
    month: int
    rules: ScoringRules
    rules_version: int
    people: tuple[Person, ...]
    windows: tuple[WindowInfo, ...]
    facts: tuple[Fact, ...]
    quota_raised: bool
    hall_name: str


def month_key(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}"


def month_bounds(year: int, month: int) -> tuple[dt.date, dt.date]:
    if not 1 <= month <= 12 or not 2000 <= year <= 2100:
        raise InvalidInput(f"月份有误：{year}年{month}月。", field="month")
    return dt.date(year, month, 1), dt.date(year, month, cal.monthrange(year, month)[1])


def rules_in_force(s: Session, hall: str) -> tuple[ScoringRules, int]:
    """The highest version of the hall's scoring rules (version 0: the defaults of DOMAIN.md)."""
    row = s.scalars(select(AppraisalRules).where(AppraisalRules.hall_id == hall)
                    .order_by(AppraisalRules.version.desc()).limit(1)).first()
    if row is None:
        return default_rules(), 0
    try:
        return parse_rules(row.content), row.version
    except (DomainError, TypeError, ValueError, KeyError, AttributeError):  # checked when stored
        return default_rules(), 0


def _people(s: Session, labels: Labels) -> tuple[list[Person], list[WindowInfo]]:
    windows = []
    for w in sorted(labels.windows.values(), key=lambda x: (x.number, x.id)):
        d = labels.departments.get(w.department_id or "")
        windows.append(WindowInfo(w.id, window_label(w), w.department_id, d.name if d else ""))
    people = []
    for p in sorted(labels.staff.values(), key=lambda x: (x.staff_no or "~", x.login)):
        posts = labels.posts_of(p.id)
        chief = Role.CHIEF in staff_roles(p)
        if not p.active or (p.window_id is None and not posts and not chief):
            continue  # the hall's own management is appraised elsewhere
        window_id = p.window_id or (posts[0][0].id if posts else None)
        dept = labels.department_of(p)
        d = labels.departments.get(dept or "")
        people.append(Person(p.id, p.name, p.staff_no or "", dept, d.name if d else "中心", window_id,
                             labels.window(window_id), chief))
    return people, windows


def attendance_since(s: Session, hall: str) -> dt.date | None:
    """The day of the hall's first punch: days before it are before attendance was kept here."""
    first = s.scalar(select(func.min(Punch.at)).where(Punch.hall_id == hall))
    return first.date() if first is not None else None


def _attendance(s: Session, hall: str, year: int, month: int, calendar: WorkingCalendar, as_of: dt.date,
                makeup_days: int, ids: set[str]) -> list[Fact]:
    since = attendance_since(s, hall)
    if since is None:
        return []  # the hall keeps no attendance here (yet): no day is judged
    sheet = hall_sheet(s, hall, year, month, calendar=calendar, as_of=as_of, makeup_days=makeup_days)
    out = []
    for pm in sheet.people:
        sid = pm.person.staff_id
        if sid not in ids:
            continue
        for d in pm.days:
            if d.day < since:
                continue
            source = f"{sid}/{d.day.isoformat()}"
            if d.absent_halves:
                out.append(Fact("absent_half", sid, None, d.day, f"{d.day:%m月%d日} 旷工 {d.absent_halves} 个半天",
                                "attendance_day", source, float(d.absent_halves)))
            if d.late_count:
                out.append(Fact("late", sid, None, d.day, f"{d.day:%m月%d日} 迟到 {d.late_minutes} 分钟",
                                "attendance_day", source, float(d.late_count)))
            if d.early_count:
                out.append(Fact("early", sid, None, d.day, f"{d.day:%m月%d日} 早退 {d.early_minutes} 分钟",
                                "attendance_day", source, float(d.early_count)))
            if d.missing_slots:
                out.append(Fact("missing", sid, None, d.day,
                                f"{d.day:%m月%d日} 缺卡 {len(d.missing_slots)} 次（可补签）", "attendance_day", source,
                                float(len(d.missing_slots))))
    return out


def _overdue(s: Session, hall: str, first: dt.date, last: dt.date, as_of: dt.date) -> list[Fact]:
    """A case counts once, in the month of its first overdue day: completed after its due date, or
    still being handled past it."""
    q = select(Case.id, Case.number, Case.matter_name, Case.status, Case.due_date, Case.completed_at, Case.created_by,
               Case.window_id).where(Case.due_date >= first - dt.timedelta(days=1), Case.due_date < last,
                                     Case.hall_id == hall, Case.status != CaseStatus.VOIDED,
                                     # done on or after its last day, or not done: the rest were in time
                                     or_(Case.completed_at.is_(None), Case.completed_at >= Case.due_date))
    out = []
    for cid, number, matter, status, due, completed, by, window in s.execute(q):
        late_day = due + dt.timedelta(days=1)
        if late_day > as_of or not first <= late_day <= last:
            continue
        done = completed.date() if completed is not None else None
        if done is not None and done <= due:
            continue
        if done is None and status not in OPEN_STATUSES:
            continue  # suspended (the clock is stopped), rejected, or never accepted
        how = f"{done:%m月%d日}办结" if done else "逾期未办结"
        out.append(Fact("overdue_case", by, window, late_day,
                        f"办件 {number}（{matter}）应于 {due:%m月%d日} 前办结，{how}", "case", cid))
    return out


def _ratings(s: Session, hall: str, start: dt.datetime, end: dt.datetime) -> list[Fact]:
    rows = s.scalars(select(Rating).where(Rating.hall_id == hall, Rating.level.is_not(None), Rating.level <= 2,
                                          Rating.rated_at >= start, Rating.rated_at < end)).all()
    appeals = {a.rating_id: a for a in s.scalars(select(RatingAppeal).where(
        RatingAppeal.rating_id.in_([r.id for r in rows])))} if rows else {}
    out = []
    for r in rows:
        appeal = appeals.get(r.id)
        if appeal is not None and appeal.status == "upheld":
            continue  # out of appraisal; the rating and the decision stay on the record
        level = "非常不满意" if r.level == 1 else "不满意"
        note = "（申诉待复核）" if appeal is not None and appeal.status == "pending" else (
            "（申诉未获支持）" if appeal is not None else "")
        out.append(Fact("bad_rating", r.staff_id, r.window_id, r.rated_at.date(),
                        f"{r.rated_at:%m月%d日} 差评：{level}{note}", "rating", r.id))
    return out


def _empty_posts(s: Session, hall: str, start: dt.datetime, end: dt.datetime) -> list[Fact]:
    q = select(EmptyPost).where(EmptyPost.hall_id == hall, EmptyPost.started_at >= start, EmptyPost.started_at < end)
    return [Fact("empty_post", None, e.window_id, e.started_at.date(),
                 f"{e.started_at:%m月%d日 %H:%M} 空岗 {e.minutes} 分钟", "empty_post", e.id) for e in s.scalars(q)]


def _inspections(s: Session, hall: str, start: dt.datetime, end: dt.datetime) -> list[Fact]:
    q = select(Inspection).where(Inspection.hall_id == hall, Inspection.at >= start, Inspection.at < end,
                                 Inspection.finding != OK_FINDING)
    out = []
    for i in s.scalars(q):
        answer = {"confirmed": "（本人已确认）", "disputed": "（本人有异议）"}.get(i.response, "（待本人确认）")
        out.append(Fact("inspection", i.staff_id, i.window_id, i.at.date(),
                        f"{i.at:%m月%d日 %H:%M} 查岗：{i.finding}{answer}", "inspection", i.id))
    return out


def _commendations(s: Session, hall: str, first: dt.date, last: dt.date) -> list[Fact]:
    q = select(Commendation).where(Commendation.hall_id == hall, Commendation.day >= first, Commendation.day <= last)
    names = {"praise_letter": "表扬信", "banner": "锦旗"}
    return [Fact(c.kind, c.staff_id, c.window_id if c.staff_id is None else None, c.day,
                 f"{c.day:%m月%d日} {names.get(c.kind, c.kind)}" + (f"：{c.note}" if c.note else ""),
                 "commendation", c.id)
            for c in s.scalars(q) if c.kind in names]


def _peer(s: Session, hall: str, year: int, month: int) -> list[Fact]:
    periods = [month_key(year, month)]
    if month % 3 == 0:
        periods.append(f"{year:04d}-Q{month // 3}")
    rounds = {r.id: r for r in s.scalars(select(PeerRound).where(
        PeerRound.hall_id == hall, PeerRound.status == "closed", PeerRound.period.in_(periods)))}
    if not rounds:
        return []
    q = select(PeerResult).where(PeerResult.round_id.in_(list(rounds)), PeerResult.score.is_not(None))
    last = month_bounds(year, month)[1]
    return [Fact("peer", r.ratee_id, None, last,
                 f"{rounds[r.round_id].title}：综合 {r.score:.2f} 分（{r.ballots} 票）", "peer_result", r.id,
                 float(r.score or 0)) for r in s.scalars(q)]


def _items(s: Session, hall: str, key: str) -> list[Fact]:
    q = select(AppraisalItem).where(AppraisalItem.hall_id == hall, AppraisalItem.month == key,
                                    AppraisalItem.status == "approved")
    out = []
    for i in s.scalars(q):
        day = (i.decided_at or i.entered_at).date()
        label = {"irregular_receipt": "不规范收件", "unauthorised_fee": "违规收费", "manual": "其他加减分",
                 ADJUSTMENT: "业务科调整"}.get(i.kind, i.kind) + f"：{i.reason}"
        explicit = None if i.kind in UNIT_ITEMS else float(i.points)
        out.append(Fact(i.kind, i.staff_id, i.window_id if i.staff_id is None else None, day, label,
                        "appraisal_item", i.id, 1.0, explicit))
    return out


def hall_month(s: Session, hall: str, year: int, month: int, *, calendar: WorkingCalendar, as_of: dt.date,
               makeup_days: int) -> MonthInputs:
    """Everything the month's appraisal of ``hall`` rests on, from the rows of this store."""
    first, last = month_bounds(year, month)
    start, end = dt.datetime.combine(first, dt.time()), dt.datetime.combine(last + dt.timedelta(days=1), dt.time())
    labels = Labels(s, hall)
    people, windows = _people(s, labels)
    ids = {p.staff_id for p in people}
    facts: list[Fact] = []
    facts += _attendance(s, hall, year, month, calendar, as_of, makeup_days, ids)
    facts += _overdue(s, hall, first, last, as_of)
    facts += _ratings(s, hall, start, end)
    facts += _empty_posts(s, hall, start, end)
    facts += _inspections(s, hall, start, end)
    facts += _commendations(s, hall, first, last)
    facts += _peer(s, hall, year, month)
    facts += _items(s, hall, month_key(year, month))
    rules, version = rules_in_force(s, hall)
    raised = s.scalar(select(AppraisalQuota.id).where(AppraisalQuota.hall_id == hall,
                                                      AppraisalQuota.month == month_key(year, month))) is not None
    ref = ReferenceRepository(s).hall(hall)
    facts.sort(key=lambda f: (f.day, f.kind, f.source_id))
    return MonthInputs(year, month, rules, version, tuple(people), tuple(windows), tuple(facts), raised,
                       ref.name if ref else "")

