"""The 差评整改 steps (followup.verify / rectify / callback / close) and appeals (rating.appeal /
appeal_decide) on the server, each checked field by field again against the rows the server holds.

A step moves a follow-up on in the order of app.ratings.policy (STEP_FROM / STEP_TO): 核实 ->
整改 -> 回访 -> 结案; a close needs a call-back result first. ``from_version`` must be the held
version (else ``conflict`` with the held row); the same step again is a duplicate. The 回访 limit
is computed here from the rectification day with the server's calendar and the hall's
``rating.callback_days``. Who may take a step on which window is the permission table's
(server.permits finds the rating's window). An appeal is the rated person's own, once per rating
with a level; its decision is the leadership's and never the appellant's.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.permissions import Subject
from app.ratings import policy
from app.sync.protocol import (
    FOLLOWUP_CALLBACK,
    FOLLOWUP_CLOSE,
    FOLLOWUP_RECTIFY,
    FOLLOWUP_VERIFY,
    RATING_APPEAL,
    RATING_APPEAL_DECIDE,
    RATING_KINDS,
    Code,
    Entity,
    OpStatus,
)
from app.sync.rows import columns_row, entity_row
from db.models import Base, Matter, Rating, RatingAppeal, RatingFollowup, Staff, Window
from server.attendance_fields import EchoOf, bad, build_row, command, number_parameter, to_local
from server.attendance_sheet import hall_calendar
from server.oputil import Echo, OpContext, OpRefused, conflict, rejected
from server.validation import clean_text

T = TypeVar("T", bound=Base)
CLOCK_SLACK = dt.timedelta(days=1)  # PCs' clocks differ: a step may look this much earlier than the last
MAX_DAYS = 366
FOLLOWUP = "差评整改"
APPEAL = "评价申诉"
STEP_LABELS = {FOLLOWUP_VERIFY: "核实", FOLLOWUP_RECTIFY: "登记整改措施", FOLLOWUP_CALLBACK: "回访",
               FOLLOWUP_CLOSE: "结案"}
# the payload keys of each step beside id / from_version / at (server.attendance_fields.command kinds)
STEP_KEYS: dict[str, dict[str, str]] = {
    FOLLOWUP_VERIFY: {"finding": "status", "note": "text"},
    FOLLOWUP_RECTIFY: {"measures": "text"},
    FOLLOWUP_CALLBACK: {"result": "status", "note": "text"},
    FOLLOWUP_CLOSE: {"note": "text"},
}
# payload key -> column of the follow-up, and the columns saying who and when, per step
STEP_COLUMNS: dict[str, tuple[dict[str, str], str, str]] = {
    FOLLOWUP_VERIFY: ({"finding": "verify_finding", "note": "verify_note"}, "verified_by", "verified_at"),
    FOLLOWUP_RECTIFY: ({"measures": "measures"}, "rectified_by", "rectified_at"),
    FOLLOWUP_CALLBACK: ({"result": "callback_result", "note": "callback_note"}, "callback_by", "callback_at"),
    FOLLOWUP_CLOSE: ({"note": "close_note"}, "closed_by", "closed_at"),
}
# the time of the step before (a step is not earlier than it, give or take the clocks)
PREVIOUS_AT = {FOLLOWUP_VERIFY: "opened_at", FOLLOWUP_RECTIFY: "verified_at", FOLLOWUP_CALLBACK: "rectified_at",
               FOLLOWUP_CLOSE: "callback_at"}


def held_row(ctx: OpContext, model: type[T], row_id: object, *, any_hall: bool = False) -> T | None:
    """The ``model`` row the server holds under ``row_id`` (of the device's hall unless
    ``any_hall``); None for an id that is not a clean short text (never looked up)."""
    if not isinstance(row_id, str) or not 0 < len(row_id) <= 36 or not clean_text(row_id, multiline=False):
        return None
    row = ctx.s.get(model, row_id)
    if row is None or (not any_hall and getattr(row, "hall_id", None) != ctx.hall.id):
        return None
    return row


def rating_subject(ctx: OpContext, staff: Staff) -> Subject | None:
    """The permission subject of a rating op (server.permits): the rated window and its department
    as the server holds the rating; an appeal's decision also names the appellant (never one's
    own). Nothing held: the role alone is judged at the staff's own window (the handler then
    answers that there is no such row). None for other kinds."""
    kind = ctx.op.kind
    if kind not in RATING_KINDS:
        return None
    rating_id: object = None
    requester = None
    if kind == RATING_APPEAL_DECIDE:
        appeal = held_row(ctx, RatingAppeal, ctx.op.entity_id)
        rating_id, requester = (appeal.rating_id, appeal.staff_id) if appeal else (None, None)
    elif kind in STEP_KEYS:
        followup = held_row(ctx, RatingFollowup, ctx.op.entity_id)
        rating_id = followup.rating_id if followup else None
    elif isinstance(ctx.op.payload, dict):  # an appeal: the rating it names
        rating_id = ctx.op.payload.get("rating_id")
    rating = held_row(ctx, Rating, rating_id)
    if rating is None:
        return Subject(window_id=staff.window_id, department_id=staff.department_id, requester_id=requester)
    window = held_row(ctx, Window, rating.window_id)
    department = window.department_id if window is not None else None
    if department is None:
        matter = held_row(ctx, Matter, rating.matter_id, any_hall=True)
        department = matter.department_id if matter is not None else None
    return Subject(window_id=window.id if window else None, department_id=department, requester_id=requester)


def step_echo(ctx: OpContext) -> Echo:
    """The held follow-up (followup.*) or appeal (rating.appeal*) of the op."""
    if ctx.op.kind in (RATING_APPEAL, RATING_APPEAL_DECIDE):
        appeal = held_row(ctx, RatingAppeal, ctx.op.entity_id)
        return Echo(Entity.RATING_APPEAL, entity_row(Entity.RATING_APPEAL, appeal) if appeal else None)
    followup = held_row(ctx, RatingFollowup, ctx.op.entity_id)
    return Echo(Entity.RATING_FOLLOWUP, entity_row(Entity.RATING_FOLLOWUP, followup) if followup else None)


def _write(ctx: OpContext, entity: str, row: RatingFollowup | RatingAppeal) -> None:
    ctx.s.add(row)
    ctx.s.flush()
    ctx.change(entity, row.id, entity_row(entity, row))


def device_time(ctx: OpContext, at: dt.datetime) -> dt.datetime:
    """A time a device wrote, corrected by the offset of its clock to the server's it reported (a
    PC whose clock is days ahead is not refused for it: its times are what its clock said)."""
    skew = ctx.op.clock_skew_seconds
    if skew is None or not abs(skew) < 10 * 365 * 86400:
        return at
    try:
        return at + dt.timedelta(seconds=skew)
    except OverflowError:
        return at


def _check_time(ctx: OpContext, at: dt.datetime, after: dt.datetime | None, what: str, field: str,
                echo: EchoOf) -> None:
    """Not in the server's future (the device's time corrected by the clock offset it reported), not
    before ``after`` (the step before), give or take the clocks."""
    if device_time(ctx, at) > to_local(ctx.now) + CLOCK_SLACK:
        raise bad(what, field, "晚于中心的当前时间", echo)
    if after is not None and at < after - CLOCK_SLACK:
        raise bad(what, field, "早于上一环节的时间", echo)


# -- 差评整改 steps -----------------------------------------------------------------------------

def _step_payload(ctx: OpContext, echo: EchoOf) -> dict[str, Any]:
    kind = ctx.op.kind
    p = command(ctx.op.payload, FOLLOWUP, echo, {"id": "id", "from_version": "version", "at": "when",
                                                 **STEP_KEYS[kind]})
    if p["id"] != ctx.op.entity_id:
        raise bad(FOLLOWUP, "id", "与操作对象不一致", echo)
    if kind == FOLLOWUP_VERIFY and p["finding"] not in policy.FINDINGS:
        raise bad(FOLLOWUP, "finding", "不是规定的核实结论", echo)
    if kind == FOLLOWUP_CALLBACK and p["result"] not in policy.CALLBACK_RESULTS:
        raise bad(FOLLOWUP, "result", "不是规定的回访结果", echo)
    if kind == FOLLOWUP_RECTIFY and not p["measures"].strip():
        raise bad(FOLLOWUP, "measures", "不能为空：请写明整改措施", echo)
    return p


def _same_step(ctx: OpContext, held: RatingFollowup, p: dict[str, Any]) -> bool:
    """The held follow-up is already this step's result (the op applied before)."""
    columns, by, at = STEP_COLUMNS[ctx.op.kind]
    return held.version == p["from_version"] + 1 and getattr(held, by) == ctx.op.actor_id \
        and getattr(held, at) == p["at"] and all(getattr(held, c) == p[k] for k, c in columns.items())


def days_parameter(s: Session, hall_id: str, key: str) -> int:
    """A limit in working days from the hall's parameters, kept within 0..MAX_DAYS (a wrong
    parameter is not a rule: it must not stall the server counting days)."""
    value = number_parameter(s, hall_id, key)
    return int(min(max(value, 0), MAX_DAYS)) if math.isfinite(value) else 0


def apply_step(ctx: OpContext) -> Echo:
    """``followup.verify`` / ``rectify`` / ``callback`` / ``close``: the next step of a 差评."""
    def echo() -> Echo:
        return step_echo(ctx)

    kind = ctx.op.kind
    p = _step_payload(ctx, echo)
    held = held_row(ctx, RatingFollowup, p["id"])
    if held is None:
        raise conflict(Code.CASE_UNKNOWN, "服务器上没有这条差评整改记录。", echo())
    if _same_step(ctx, held, p):
        raise OpRefused(OpStatus.DUPLICATE, Code.SAME_CONTENT, f"服务器上已有这次{STEP_LABELS[kind]}。", echo())
    if held.version != p["from_version"]:
        raise conflict(Code.STATE_MISMATCH, "这条差评整改已在中心被办理过，请同步后再办理。", echo())
    if held.status != policy.STEP_FROM[kind]:
        status = policy.FOLLOWUP_STATUS.get(held.status, held.status)
        raise rejected(Code.ILLEGAL_TRANSITION, f"该差评当前为“{status}”，不能{STEP_LABELS[kind]}。", echo())
    if kind == FOLLOWUP_CLOSE and not held.callback_result:
        raise rejected(Code.RULE_VIOLATION, "结案前须先登记回访结果（无法联系的也须登记）。", echo())
    _check_time(ctx, p["at"], getattr(held, PREVIOUS_AT[kind]), FOLLOWUP, "at", echo)
    columns, by, at = STEP_COLUMNS[kind]
    for key, column in columns.items():
        setattr(held, column, p[key])
    setattr(held, by, ctx.op.actor_id or "")
    setattr(held, at, p["at"])
    if kind == FOLLOWUP_RECTIFY:  # the 回访 limit by the server's calendar
        held.callback_due = policy.callback_due(p["at"].date(), hall_calendar(ctx.s),
                                                days_parameter(ctx.s, ctx.hall.id, "rating.callback_days"))
    held.status = policy.STEP_TO[kind]
    held.version += 1
    _write(ctx, Entity.RATING_FOLLOWUP, held)
    return echo()


# -- 申诉复核 --------------------------------------------------------------------------------------

def _appeal_row(ctx: OpContext, echo: EchoOf) -> RatingAppeal:
    row = build_row(RatingAppeal, ctx.op.payload, APPEAL, echo)
    if row.id != ctx.op.entity_id:
        raise bad(APPEAL, "id", "与操作对象不一致", echo)
    if row.hall_id != ctx.hall.id:
        raise rejected(Code.WRONG_HALL, "该评价申诉不属于本大厅。", echo())
    if row.ground not in policy.APPEAL_GROUNDS:
        raise bad(APPEAL, "ground", "不是规定的申诉理由（恶意评价或误评）", echo)
    if not row.reason.strip():
        raise bad(APPEAL, "reason", "不能为空：请写明申诉理由", echo)
    if row.status != "pending" or row.decided_by or row.decided_at is not None or row.decision_note \
            or row.version != 1:
        raise rejected(Code.INVALID_PAYLOAD, "新提出的评价申诉不应已有复核结果。", echo())
    if row.staff_id != ctx.op.actor_id:
        raise rejected(Code.NOT_PERMITTED, "申诉人与操作人不一致：只能对本人收到的评价提出申诉。", echo())
    return row


def apply_appeal(ctx: OpContext) -> Echo:
    """``rating.appeal``: the rated person appeals a rating (with a level), once."""
    def echo() -> Echo:
        return step_echo(ctx)

    row = _appeal_row(ctx, echo)
    held = held_row(ctx, RatingAppeal, row.id)
    if held is not None:
        if columns_row(held) == columns_row(row):
            raise OpRefused(OpStatus.DUPLICATE, Code.SAME_CONTENT, "服务器上已有这条申诉。", echo())
        raise conflict(Code.ALREADY_EXISTS, "服务器上的这条申诉与本机记录不一致。", echo())
    rating = held_row(ctx, Rating, row.rating_id)
    if rating is None:
        raise conflict(Code.CASE_UNKNOWN, "服务器上没有申诉所针对的评价。", echo())
    if rating.level is None:
        raise rejected(Code.RULE_VIOLATION, "未评价的记录不能申诉。", echo())
    if rating.staff_id != row.staff_id:
        raise rejected(Code.NOT_PERMITTED, "只有被评价的本人可以对该评价提出申诉。", echo())
    earlier = ctx.s.scalars(select(RatingAppeal).where(RatingAppeal.rating_id == row.rating_id).limit(1)).first()
    if earlier is not None:
        raise conflict(Code.ALREADY_EXISTS, "该评价已提出过申诉，每条评价只能申诉一次。",
                       Echo(Entity.RATING_APPEAL, entity_row(Entity.RATING_APPEAL, earlier)))
    _check_time(ctx, row.appealed_at, rating.rated_at, APPEAL, "appealed_at", echo)
    _write(ctx, Entity.RATING_APPEAL, row)
    return echo()


def apply_appeal_decide(ctx: OpContext) -> Echo:
    """``rating.appeal_decide``: the leadership upholds or dismisses a pending appeal, once."""
    def echo() -> Echo:
        return step_echo(ctx)

    p = command(ctx.op.payload, "申诉复核", echo, {"id": "id", "from_version": "version", "note": "text",
                                                   "at": "when"})
    upheld = ctx.op.payload.get("upheld")
    if not isinstance(upheld, bool):
        raise bad("申诉复核", "upheld", "应为是或否", echo)
    if p["id"] != ctx.op.entity_id:
        raise bad("申诉复核", "id", "与操作对象不一致", echo)
    held = held_row(ctx, RatingAppeal, p["id"])
    if held is None:
        raise conflict(Code.CASE_UNKNOWN, "服务器上没有这条评价申诉。", echo())
    if held.staff_id == ctx.op.actor_id:
        raise rejected(Code.NOT_PERMITTED, "不能复核本人提出的申诉。", echo())
    status = "upheld" if upheld else "dismissed"
    if held.version == p["from_version"] + 1 and held.status == status and held.decided_by == ctx.op.actor_id \
            and held.decided_at == p["at"] and held.decision_note == p["note"]:
        raise OpRefused(OpStatus.DUPLICATE, Code.SAME_CONTENT, "服务器上已是该复核结果。", echo())
    if held.version != p["from_version"]:
        raise conflict(Code.STATE_MISMATCH, "这条申诉已在中心被复核过或改过，请同步后再办理。", echo())
    if held.status != "pending":
        raise rejected(Code.ILLEGAL_TRANSITION, "这条申诉已复核，不能再次复核。", echo())
    _check_time(ctx, p["at"], held.appealed_at, "申诉复核", "at", echo)
    held.status, held.decided_by, held.decided_at = status, ctx.op.actor_id or "", p["at"]
    held.decision_note = p["note"]
    held.version += 1
    _write(ctx, Entity.RATING_APPEAL, held)
    return echo()


STEP_HANDLERS: dict[str, Callable[[OpContext], Echo]] = dict.fromkeys(STEP_KEYS, apply_step)
