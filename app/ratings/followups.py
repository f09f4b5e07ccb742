"""差评整改: the closed loop a 差评 opens for the hall's supervisor — 核实 (verify) → 整改 (rectify,
within ``rating.rectify_days`` working days of the rating) → 回访 (call back, within
``rating.callback_days`` of the rectification) → 结案 (close). Each step keeps who, when and what, and
is one op of its own (``followup.*``); the server checks the same order, version and permission."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from app.authz import require
from app.cases.views import yellow_before
from app.context import Actor, AppContext
from app.errors import InvalidInput, NotFound, NotPermitted
from app.ratings import policy
from app.ratings.common import VIEW, Labels, Viewer, due_state, rating_item, reviewer
from app.ratings.model import FollowupItem, FollowupStep
from app.sync.protocol import (
    FOLLOWUP_CALLBACK,
    FOLLOWUP_CLOSE,
    FOLLOWUP_RECTIFY,
    FOLLOWUP_VERIFY,
    OP_PERMISSIONS,
    Entity,
)
from app.validation import check_text
from db.models import Rating, RatingFollowup
from db.rating_repository import RatingRepository

NOTE_MAX = 1000
MEASURES_MAX = 2000
NO_PHONE_NOTE = "未留电话"


class _Context:
    """What turning follow-up rows into items needs, read once per call."""

    def __init__(self, ctx: AppContext, s: Session, seen: Viewer, rows: list[RatingFollowup]) -> None:
        repo = RatingRepository(s)
        self.seen = seen
        self.ratings = repo.ratings_by_id(f.rating_id for f in rows)
        self.appeals = repo.appeals_of(self.ratings)
        self.numbers = repo.case_numbers(f.case_id for f in rows)
        self.labels = Labels(s, (r.matter_id for r in self.ratings.values()))
        self.today = ctx.today()
        self.yellow_limit = yellow_before(ctx.calendar(), self.today, ctx.int_parameter("yellow_days_before"))

    def visible(self, f: RatingFollowup) -> bool:
        rating = self.ratings.get(f.rating_id)
        return rating is not None and self.seen.may(VIEW, self.labels.subject(rating))

    def item(self, f: RatingFollowup) -> FollowupItem:
        rating = self.ratings[f.rating_id]
        subject = self.labels.subject(rating)

        def may(kind: str) -> bool:
            return f.status == policy.STEP_FROM[kind] and self.seen.may(OP_PERMISSIONS[kind], subject)

        due = current_due(f)
        return FollowupItem(
            id=f.id, rating=rating_item(rating, self.labels, self.seen, self.appeals.get(rating.id),
                                        self.numbers.get(f.case_id, "")),
            status=f.status, status_label=policy.FOLLOWUP_STATUS.get(f.status, f.status), opened_at=f.opened_at,
            rectify_due=f.rectify_due, callback_due=f.callback_due, due=due,
            due_state=due_state(due, self.today, self.yellow_limit), steps=steps(f, rating, self.labels),
            finding=f.verify_finding, measures=f.measures, callback_result=f.callback_result, version=f.version,
            can_verify=may(FOLLOWUP_VERIFY), can_rectify=may(FOLLOWUP_RECTIFY), can_callback=may(FOLLOWUP_CALLBACK),
            can_close=may(FOLLOWUP_CLOSE) and bool(f.callback_result),
            phone=rating.callback_phone if self.seen.phone_view else policy.mask_phone(rating.callback_phone),
        )


def current_due(f: RatingFollowup) -> dt.date | None:
    """The limit the open step answers for: 整改 until rectified, then 回访; none once closed."""
    if f.status in ("verify", "rectify"):
        return f.rectify_due
    if f.status == "callback":
        return f.callback_due
    return None


def steps(f: RatingFollowup, rating: Rating, labels: Labels) -> list[FollowupStep]:
    """The steps so far, oldest first: the 差评 itself, then each step done."""
    said = "、".join(policy.REASONS.get(c, c) for c in rating.reasons or [])
    opened = "；".join(t for t in (f"原因：{said}" if said else "", f"意见：{rating.comment}" if rating.comment else "")
                      if t)
    out = [FollowupStep("收到差评", "办事群众", f.opened_at, opened)]
    if f.verified_at is not None:
        text = policy.FINDINGS.get(f.verify_finding, f.verify_finding) + (f"：{f.verify_note}" if f.verify_note else "")
        out.append(FollowupStep("核实", labels.name(f.verified_by), f.verified_at, text))
    if f.rectified_at is not None:
        out.append(FollowupStep("整改", labels.name(f.rectified_by), f.rectified_at, f.measures))
    if f.callback_at is not None:
        text = (policy.CALLBACK_RESULTS.get(f.callback_result, f.callback_result)
                + (f"：{f.callback_note}" if f.callback_note else ""))
        out.append(FollowupStep("回访", labels.name(f.callback_by), f.callback_at, text))
    if f.closed_at is not None:
        out.append(FollowupStep("结案", labels.name(f.closed_by), f.closed_at, f.close_note))
    return out


def _order(item: FollowupItem) -> tuple[bool, dt.date, float]:
    """Open first, the most urgent (earliest due) first; then closed, the latest closed first."""
    if item.status != "closed":
        return False, item.due or dt.date.max, item.opened_at.timestamp()
    closed = item.steps[-1].at or item.opened_at
    return True, dt.date.max, -closed.timestamp()


def listed(ctx: AppContext, actor: Actor, status: str | None = None) -> list[FollowupItem]:
    if status is not None and status not in policy.FOLLOWUP_STATUS:
        raise InvalidInput("未知的整改状态。", field="status")
    with ctx.db.read() as s:
        seen = reviewer(s, actor)
        rows = list(RatingRepository(s).followups(status))
        book = _Context(ctx, s, seen, rows)
        return sorted((book.item(f) for f in rows if book.visible(f)), key=_order)


def one(ctx: AppContext, actor: Actor, followup_id: str) -> FollowupItem:
    with ctx.db.read() as s:
        seen = reviewer(s, actor)
        row = RatingRepository(s).followup(followup_id)
        if row is None:
            raise NotFound("找不到该差评整改记录。")
        book = _Context(ctx, s, seen, [row])
        if row.rating_id not in book.ratings:
            raise NotFound("找不到该差评对应的评价记录，请联网同步后再试。")
        if not book.visible(row):
            raise NotPermitted("该差评不在您可查看的范围内。", action=VIEW)
        return book.item(row)


# -- the steps ---------------------------------------------------------------------------------

Apply = Callable[[RatingFollowup, Rating, str, dt.datetime], tuple[dict[str, Any], str]]


def verify(finding: str, note: str) -> Apply:
    if finding not in policy.FINDINGS:
        raise InvalidInput("请选择核实结果（属实、部分属实或不属实）。", field="finding")
    text = check_text(note, field="note", label="核实情况", max_len=NOTE_MAX)

    def apply(f: RatingFollowup, rating: Rating, who: str, now: dt.datetime) -> tuple[dict[str, Any], str]:
        f.verified_by, f.verified_at, f.verify_finding, f.verify_note = who, now, finding, text
        return {"finding": finding, "note": text}, f"核实（{policy.FINDINGS[finding]}）" + (f"：{text}" if text else "")
    return apply


def rectify(measures: str, callback_due: Callable[[dt.date], dt.date]) -> Apply:
    text = check_text(measures, field="measures", label="整改措施", required=True, max_len=MEASURES_MAX)

    def apply(f: RatingFollowup, rating: Rating, who: str, now: dt.datetime) -> tuple[dict[str, Any], str]:
        f.rectified_by, f.rectified_at, f.measures = who, now, text
        f.callback_due = callback_due(now.date())
        return {"measures": text}, f"整改措施：{text}"
    return apply


def callback(result: str, note: str) -> Apply:
    if result not in policy.CALLBACK_RESULTS:
        raise InvalidInput("请选择回访结果（满意、不满意或无法联系）。", field="result")
    text = check_text(note, field="note", label="回访情况", max_len=NOTE_MAX)

    def apply(f: RatingFollowup, rating: Rating, who: str, now: dt.datetime) -> tuple[dict[str, Any], str]:
        said = text or (NO_PHONE_NOTE if result == "unreachable" and not rating.callback_phone else "")
        f.callback_by, f.callback_at, f.callback_result, f.callback_note = who, now, result, said
        return {"result": result, "note": said}, f"回访（{policy.CALLBACK_RESULTS[result]}）" + (
            f"：{said}" if said else "")
    return apply


def close(note: str) -> Apply:
    text = check_text(note, field="note", label="结案说明", max_len=NOTE_MAX)

    def apply(f: RatingFollowup, rating: Rating, who: str, now: dt.datetime) -> tuple[dict[str, Any], str]:
        if not f.callback_result:
            raise InvalidInput("请先完成回访并记录回访结果，再结案。", field="status")
        f.closed_by, f.closed_at, f.close_note = who, now, text
        return {"note": text}, "结案" + (f"：{text}" if text else "")
    return apply


def step(ctx: AppContext, actor: Actor, kind: str, followup_id: str, from_version: int, apply: Apply) -> FollowupItem:
    """One step of the loop: permission on the rating's window, the status the step comes from, the
    version the screen showed; then the row (version + 1) and its op in one transaction."""
    now = ctx.clock.now()
    with ctx.action() as s:
        repo = RatingRepository(s)
        f = repo.followup(followup_id)
        rating = repo.rating(f.rating_id) if f is not None else None
        if f is None or rating is None:
            raise NotFound("找不到该差评整改记录。")
        labels = Labels(s, [rating.matter_id])
        require(s, actor, OP_PERMISSIONS[kind], labels.subject(rating))
        if f.status != policy.STEP_FROM[kind]:
            raise InvalidInput(f"该差评已进入下一环节（{policy.FOLLOWUP_STATUS.get(f.status, f.status)}），"
                               "请刷新后按当前环节办理。", field="status")
        if f.version != from_version:
            raise InvalidInput("该差评整改记录已被他人更新，请刷新后重试。", field="version")
        fields, what = apply(f, rating, actor.id or "", now)
        f.status, f.version = policy.STEP_TO[kind], from_version + 1
        s.flush()
        ctx.record(s, actor, op_kind=kind, entity=Entity.RATING_FOLLOWUP, entity_id=f.id,
                   summary=f"差评整改：{labels.window(rating.window_id)} {labels.name(rating.staff_id)} {what}"[:500],
                   payload={"id": f.id, "from_version": from_version, "at": now.isoformat(), **fields})
    return one(ctx, actor, followup_id)
