"""The rating ops on the server (rating.record, rating.appeal / appeal_decide, followup.*).

``rating.record`` is the applicant's rating from a counter's rating screen (评价器). It carries no
staff actor (server.push refuses one) and every field is checked again here: the case (or, for
the trigger ``enquiry``, the enquiry) is the hall's and in a state the trigger fits; the rating's
id is the one app.ratings.policy derives from the case, so a case has at most one rated row
whatever the channel; level, reasons, comment and phone by policy.check_rating. A rated row the
server holds already (the phone's, 扫码评价) wins: the counter is answered ``conflict`` with it.
For a 差评 the server opens the follow-up (差评整改) itself, with its own working calendar and the
hall's ``rating.rectify_days``: the counter's copy must be the same follow-up, its due date may
differ and the server's stands.

``store_rating`` writes a checked rating (and its follow-up) to the hall scope's change log; the
phone page (server.mobile_rating) uses it too. The follow-up steps and appeals are in
server.rating_steps. Runs inside the push driver's savepoint; nothing is written on a refusal.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from app.cases.rules import CaseStatus
from app.errors import InvalidInput
from app.ratings import policy
from app.sync.protocol import (
    RATING_APPEAL,
    RATING_APPEAL_DECIDE,
    RATING_RECORD,
    Code,
    Entity,
    OpStatus,
    hall_scope,
)
from app.sync.rows import columns_row, entity_row
from db.models import Case, Enquiry, Rating, RatingFollowup
from server.attendance_fields import (
    UUID_TEXT,
    EchoOf,
    bad,
    build_row,
    hall_staff,
    hall_window,
    to_local,
)
from server.attendance_sheet import hall_calendar
from server.changes import lock_scopes, record_change
from server.oputil import Echo, OpContext, OpRefused, conflict, rejected, related
from server.rating_steps import (
    STEP_HANDLERS,
    apply_appeal,
    apply_appeal_decide,
    days_parameter,
    device_time,
    held_row,
    step_echo,
)
from server.schema import SyncDevice

Change = Callable[[str, str, dict[str, Any]], object]
WHAT = "评价"
CLOCK_SLACK = dt.timedelta(days=1)  # a counter's clock may be this far ahead of the server's
# the case states each trigger fits (an enquiry's rating names the enquiry, not a case)
TRIGGER_STATES: dict[str, frozenset[str]] = {
    "complete": frozenset({CaseStatus.COMPLETED, CaseStatus.DELIVERED}),
    "deliver": frozenset({CaseStatus.DELIVERED}),
    "receipt": frozenset(CaseStatus) - {CaseStatus.VOIDED},  # every case was received, as the booth says
}
TRIGGER_LABELS = {"complete": "办结", "deliver": "出件", "receipt": "收件", "enquiry": "咨询"}


# -- echoes --------------------------------------------------------------------------------------

def rating_rows(s: Session, hall_id: str, rating: Rating | None) -> Echo:
    """A rating as the server holds it, its follow-up (if any) as a related row."""
    if rating is None or rating.hall_id != hall_id:
        return Echo(Entity.RATING, None)
    followup = s.get(RatingFollowup, policy.followup_id(rating.id))
    rows = [(followup.id, entity_row(Entity.RATING_FOLLOWUP, followup))] if followup is not None else []
    return Echo(Entity.RATING, entity_row(Entity.RATING, rating), related(Entity.RATING_FOLLOWUP, rows))


def rating_echo(ctx: OpContext) -> Echo:
    """The held row of the op's entity (server.push.current_echo): the rating with its follow-up,
    the follow-up, or the appeal; only rows of the device's hall."""
    if ctx.op.kind == RATING_RECORD:
        return rating_rows(ctx.s, ctx.hall.id, held_row(ctx, Rating, ctx.op.entity_id))
    return step_echo(ctx)


# -- writing -------------------------------------------------------------------------------------

def server_followup(s: Session, hall_id: str, rating: Rating) -> RatingFollowup | None:
    """The follow-up a 差评 opens, due by the server's calendar and the hall's parameter."""
    if not policy.is_bad(rating.level):
        return None
    return policy.new_followup(rating, hall_calendar(s), days_parameter(s, hall_id, "rating.rectify_days"))


def store_rating(s: Session, hall_id: str, rating: Rating, now: dt.datetime, *,
                 change: Change | None = None) -> RatingFollowup | None:
    """Write a checked ``rating`` and, for a 差评, the follow-up the server opens for it, to the
    hall scope's change log (``now``: naive UTC). ``change`` records a row (a push's
    OpContext.change, which names the op); by default the hall scope is locked and the rows are
    recorded without an op (the phone page). Returns the follow-up written, if any."""
    if change is None:
        scope = hall_scope(hall_id)
        counter = lock_scopes(s, [scope])[scope]

        def change(entity: str, entity_id: str, row: dict[str, Any]) -> object:
            return record_change(s, counter, entity, entity_id, row, op_id=None, at=now)

    followup = server_followup(s, hall_id, rating)
    s.add(rating)
    if followup is not None:
        s.add(followup)
    s.flush()
    change(Entity.RATING, rating.id, entity_row(Entity.RATING, rating))
    if followup is not None:
        change(Entity.RATING_FOLLOWUP, followup.id, entity_row(Entity.RATING_FOLLOWUP, followup))
    return followup


# -- rating.record ---------------------------------------------------------------------------------

def _checked_fields(row: Rating, echo: EchoOf) -> None:
    """Level, reasons, comment and phone by policy.check_rating (an 未评价 row has none of them);
    the stored values must be the normalised ones the counter keeps."""
    if row.level is None:
        if row.reasons or row.comment or row.callback_phone:
            raise rejected(Code.INVALID_PAYLOAD, "未评价的记录不应有评价原因、意见或回访电话。", echo())
        return
    if not isinstance(row.reasons, list):
        raise bad(WHAT, "reasons", "应为列表", echo)
    try:
        checked = policy.check_rating(row.level, row.reasons, row.comment, row.callback_phone)
    except InvalidInput as exc:
        field = {"phone": "callback_phone"}.get(exc.field or "", exc.field or "level")
        raise rejected(Code.INVALID_PAYLOAD, f"{WHAT}的“{field}”不正确：{exc.message}", echo()) from exc
    for field, given, kept in zip(("reasons", "comment", "callback_phone"),
                                  (row.reasons, row.comment, row.callback_phone), checked, strict=True):
        if given != kept:
            raise bad(WHAT, field, "不是规范的写法（应与评价器保存的一致）", echo)


def _from_this_pc(ctx: OpContext, device_id: str) -> bool:
    """The rating screen's PC: its id on the server, or its own install id (a UUID naming no
    other enrolled PC), as for punches."""
    if device_id == ctx.device.id:
        return True
    return UUID_TEXT.fullmatch(device_id) is not None and ctx.s.get(SyncDevice, device_id) is None


def _check_origin(ctx: OpContext, row: Rating, echo: EchoOf) -> None:
    """Where the rating came from: this hall's rating screen, at a plausible time."""
    if row.id != ctx.op.entity_id:
        raise bad(WHAT, "id", "与操作对象不一致", echo)
    if row.hall_id != ctx.hall.id:
        raise rejected(Code.WRONG_HALL, "该评价不属于本大厅。", echo())
    if row.channel != "counter":
        raise bad(WHAT, "channel", "应为评价器（counter）：扫码评价只由中心的评价页记录", echo)
    if not _from_this_pc(ctx, row.device_id):
        raise bad(WHAT, "device_id", "与提交它的计算机不符", echo)
    if row.trigger not in policy.TRIGGERS:
        raise bad(WHAT, "trigger", "不是规定的评价时机", echo)
    if device_time(ctx, row.rated_at) > to_local(ctx.now) + CLOCK_SLACK:
        raise bad(WHAT, "rated_at", "晚于中心的当前时间", echo)
    if row.id != policy.rating_id(row.case_id, row.level is not None):
        raise bad(WHAT, "id", "不是该办件评价的编号", echo)
    if row.window_id is not None:
        hall_window(ctx.s, ctx.hall.id, row.window_id, WHAT, echo)
    if row.staff_id is not None:
        hall_staff(ctx.s, ctx.hall.id, row.staff_id, WHAT, "staff_id", echo)


def _check_rated_thing(ctx: OpContext, row: Rating, echo: EchoOf) -> None:
    """The case (or enquiry) is the hall's, its matter the rating's, its state fits the trigger."""
    model: type[Case] | type[Enquiry] = Enquiry if row.trigger == "enquiry" else Case
    held = held_row(ctx, model, row.case_id, any_hall=True)
    what = "咨询登记" if model is Enquiry else "办件"
    if held is None:
        raise conflict(Code.CASE_UNKNOWN, f"服务器上没有该评价所属的{what}，请先同步该{what}。", echo())
    if held.hall_id != ctx.hall.id:
        raise rejected(Code.WRONG_HALL, f"该评价所属的{what}不属于本大厅。", echo())
    if row.matter_id != (held.matter_id or ""):
        raise bad(WHAT, "matter_id", f"与{what}的事项不一致", echo)
    if isinstance(held, Case) and held.status not in TRIGGER_STATES[row.trigger]:
        state = "已作废" if held.status == CaseStatus.VOIDED else f"尚未{TRIGGER_LABELS[row.trigger]}"
        raise rejected(Code.RULE_VIOLATION, f"该办件在中心{state}，不能记录{TRIGGER_LABELS[row.trigger]}后的评价。",
                       echo())


def _check_followup(payload: Any, row: Rating, server: RatingFollowup | None, echo: EchoOf) -> None:
    """The counter's follow-up is the one the server opens (its due date may differ: the server's
    calendar stands); no follow-up unless the rating is a 差评."""
    if server is None:
        if payload is not None:
            raise bad(WHAT, "followup", "只有差评才开启差评整改", echo)
        return
    if payload is None:
        raise bad(WHAT, "followup", "缺失：差评须开启差评整改", echo)
    client = columns_row(build_row(RatingFollowup, payload, "差评整改", echo))
    expected = columns_row(server)
    for key, value in expected.items():
        if key != "rectify_due" and client[key] != value:
            raise bad("差评整改", key, "与评价不符", echo)


def _check_held(ctx: OpContext, row: Rating) -> None:
    """One rated row per case: the held one (any channel) answers; the same row is a duplicate."""
    rated = held_row(ctx, Rating, policy.rating_id(row.case_id, True))
    if rated is not None and rated.id != row.id:  # an 未评价 after a rating (the phone's, say)
        raise conflict(Code.ALREADY_EXISTS, "该办件已评价，中心保留已有的评价。",
                       rating_rows(ctx.s, ctx.hall.id, rated))
    held = rated or held_row(ctx, Rating, row.id)
    if held is None:
        return
    echo = rating_rows(ctx.s, ctx.hall.id, held)
    if columns_row(held) == columns_row(row):
        raise OpRefused(OpStatus.DUPLICATE, Code.SAME_CONTENT, "服务器上已有这条评价。", echo)
    raise conflict(Code.ALREADY_EXISTS, "该办件已评价（每件只能评价一次），中心保留已有的评价。", echo)


def apply_rating(ctx: OpContext) -> Echo:
    """``rating.record``: the applicant's rating from a counter's rating screen."""
    def echo() -> Echo:
        return rating_echo(ctx)

    payload = ctx.op.payload
    if not isinstance(payload, dict) or "rating" not in payload or "followup" not in payload:
        raise rejected(Code.INVALID_PAYLOAD, "评价的数据格式不正确（应含 rating 和 followup）。", echo())
    row = build_row(Rating, payload["rating"], WHAT, echo)
    _check_origin(ctx, row, echo)
    _checked_fields(row, echo)
    _check_rated_thing(ctx, row, echo)
    _check_followup(payload["followup"], row, server_followup(ctx.s, ctx.hall.id, row), echo)
    _check_held(ctx, row)
    store_rating(ctx.s, ctx.hall.id, row, ctx.now, change=ctx.change)
    return echo()


RATING_HANDLERS: dict[str, Callable[[OpContext], Echo]] = {
    RATING_RECORD: apply_rating, RATING_APPEAL: apply_appeal, RATING_APPEAL_DECIDE: apply_appeal_decide,
    **STEP_HANDLERS,
}
