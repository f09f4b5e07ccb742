"""Leave (请假 / 临时外出) and 补签 ops on the server: leave.request / decide / cancel, makeup.request /
decide. Requests are creations checked field by field and against the server's rows (the authority:
two counters approving offline are both checked here, the second one against the first); decisions
and cancellations are commands whose ``from_version`` must equal the held version (else conflict
``state_mismatch`` echoing the held row). The permission tier of a decision is checked by
server.permits before this runs.

AB岗: a leave that would leave one of the person's windows with both its A and B away at some moment
(the other post holder has an approved leave overlapping it) goes to the hall's leadership: its
request is held at the leadership's tier (leave.approve_longer) whatever the asking PC knew, and it is
approved only by a leader naming a cover (``cover_staff_id``); a clash that arises after the request
is checked on approval.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import or_, select

from app.attendance.policy import Span, leave_days
from app.attendance.policy import post_conflict as policy_post_conflict
from app.attendance.schedule import expected_slots
from app.errors import DomainError
from app.permissions import Holder, allowed, leave_approval_action
from app.sync.protocol import LEAVE_CANCEL, LEAVE_DECIDE, LEAVE_REQUEST, MAKEUP_DECIDE, Code, Entity, OpStatus
from app.sync.rows import entity_row
from db.models import LeaveRequest, PunchMakeup, Staff, Window
from server.attendance_fields import (
    EchoOf,
    bad,
    build_row,
    command,
    hall_staff,
    list_parameter,
    number_parameter,
)
from server.attendance_ops import check_new, check_owner
from server.attendance_sheet import hall_calendar, hall_schedule
from server.oputil import Echo, OpContext, OpRefused, conflict, rejected
from server.permits import made_at, roles_at

OPEN = ("pending", "approved")
SLOTS = ("start", "noon_out", "noon_in", "end")
OUT_KIND = "临时外出"


def leave_echo(ctx: OpContext, leave_id: str) -> Echo:
    row = ctx.s.get(LeaveRequest, leave_id)
    return Echo(Entity.LEAVE, entity_row(Entity.LEAVE, row) if row else None)


def makeup_echo(ctx: OpContext, makeup_id: str) -> Echo:
    row = ctx.s.get(PunchMakeup, makeup_id)
    return Echo(Entity.MAKEUP, entity_row(Entity.MAKEUP, row) if row else None)


def held_echo(ctx: OpContext) -> Echo:
    """The held row of a leave / 补签 op (server.push.current_echo)."""
    if ctx.op.kind in (LEAVE_REQUEST, LEAVE_DECIDE, LEAVE_CANCEL):
        return leave_echo(ctx, ctx.op.entity_id)
    return makeup_echo(ctx, ctx.op.entity_id)


def leave_tier(ctx: OpContext, days: float) -> str:
    return leave_approval_action(days, number_parameter(ctx.s, ctx.hall.id, "leave.chief_max_days"),
                                 number_parameter(ctx.s, ctx.hall.id, "leave.business_max_days"))


def _overlapping(ctx: OpContext, staff_id: str, starts: dt.datetime, ends: dt.datetime, statuses: tuple[str, ...],
                 not_id: str) -> LeaveRequest | None:
    return ctx.s.scalars(select(LeaveRequest).where(
        LeaveRequest.staff_id == staff_id, LeaveRequest.status.in_(statuses), LeaveRequest.id != not_id,
        LeaveRequest.starts_at < ends, LeaveRequest.ends_at > starts).order_by(LeaveRequest.starts_at).limit(1)).first()


def _span(row: LeaveRequest) -> Span:
    return Span(row.id, row.staff_id, row.kind, row.starts_at, row.ends_at, row.status)


def post_conflict(ctx: OpContext, leave: LeaveRequest) -> str:
    """'' unless a window of the person would have both A and B away (the other post holder has an
    open leave overlapping it, as the counter checks with app.attendance.policy): then the message."""
    windows = ctx.s.scalars(select(Window).where(
        Window.hall_id == ctx.hall.id, or_(Window.a_staff_id == leave.staff_id, Window.b_staff_id == leave.staff_id))
        .order_by(Window.number)).all()
    for window in windows:
        partner_id = window.b_staff_id if window.a_staff_id == leave.staff_id else window.a_staff_id
        if not partner_id or partner_id == leave.staff_id:
            continue
        others = ctx.s.scalars(select(LeaveRequest).where(
            LeaveRequest.staff_id == partner_id, LeaveRequest.status.in_(OPEN), LeaveRequest.id != leave.id,
            LeaveRequest.starts_at < leave.ends_at, LeaveRequest.ends_at > leave.starts_at)).all()
        partner = ctx.s.get(Staff, partner_id)
        message = policy_post_conflict(_span(leave), [_span(x) for x in others], f"{window.number}号窗口",
                                       partner.name if partner else partner_id)
        if message:
            return message
    return ""


def _check_days(ctx: OpContext, row: LeaveRequest, echo: EchoOf) -> None:
    """The days counted as the counter counts them (app.attendance.policy.leave_days on the server's
    schedule and calendar), and the approval tier they need."""
    try:
        days = leave_days(hall_schedule(ctx.s, ctx.hall.id), hall_calendar(ctx.s), row.kind, row.starts_at,
                          row.ends_at)
    except DomainError as exc:
        raise rejected(Code.RULE_VIOLATION, exc.message, echo()) from exc
    if days <= 0:
        raise rejected(Code.RULE_VIOLATION, "所选时间内没有需要上班的时段，无需请假。", echo())
    if abs(row.days - days) > 1e-6:
        raise bad("请假申请", "days", f"与起止时间不符（应为 {days:g} 天）", echo)
    tier = leave_tier(ctx, row.days)
    if row.approval not in (tier, LEADER_TIER):
        raise bad("请假申请", "approval", "与请假天数应有的审批层级不符", echo)
    if post_conflict(ctx, row):
        # AB岗: the other post holder's approved leave (perhaps not yet at the asking PC) means the
        # hall's leadership decides; the server holds it so and echoes it (the authority's tier)
        row.approval = LEADER_TIER


def apply_leave_request(ctx: OpContext) -> Echo:
    def echo() -> Echo:
        return leave_echo(ctx, ctx.op.entity_id)

    row = build_row(LeaveRequest, ctx.op.payload, "请假申请", echo)
    check_owner(ctx, row, "请假申请", echo)
    if row.staff_id != ctx.op.actor_id:
        raise rejected(Code.NOT_PERMITTED, "只能本人提出请假申请。", echo())
    if row.status != "pending" or row.version != 1 or row.decided_by or row.decided_at or row.decision_note \
            or row.cover_staff_id is not None:
        raise rejected(Code.INVALID_PAYLOAD, "新提出的请假申请应为待审批状态。", echo())
    if row.kind not in list_parameter(ctx.s, ctx.hall.id, "leave.types"):
        raise bad("请假申请", "kind", "不是本大厅的请假类别", echo)
    if row.ends_at <= row.starts_at:
        raise bad("请假申请", "ends_at", "应晚于开始时间", echo)
    if not row.reason.strip():
        raise bad("请假申请", "reason", "不能为空", echo)
    _check_days(ctx, row, echo)
    check_new(ctx, ctx.s.get(LeaveRequest, row.id), row, echo)
    other = _overlapping(ctx, row.staff_id, row.starts_at, row.ends_at, OPEN, row.id)
    if other is not None:
        raise rejected(Code.RULE_VIOLATION, f"与已有的{other.kind}申请（{other.starts_at:%m-%d %H:%M}至"
                                            f"{other.ends_at:%m-%d %H:%M}）时间重叠。", echo())
    ctx.s.add(row)
    ctx.s.flush()
    ctx.change(Entity.LEAVE, row.id, entity_row(Entity.LEAVE, row))
    return echo()


LEADER_TIER = "leave.approve_longer"
DECIDE_KEYS = {"id": "id", "from_version": "version", "status": "status", "note": "text", "decided_at": "when"}


def _decision(ctx: OpContext, what: str, model: type[LeaveRequest] | type[PunchMakeup], keys: dict[str, str],
              echo: EchoOf) -> tuple[dict[str, Any], Any]:
    """The checked command and the held row, or a duplicate / conflict."""
    p = command(ctx.op.payload, what, echo, keys)
    if p["id"] != ctx.op.entity_id or p["status"] not in ("approved", "rejected"):
        raise rejected(Code.INVALID_PAYLOAD, f"{what}的对象或结果不正确。", echo())
    held: Any = ctx.s.get(model, p["id"])
    if held is None or held.hall_id != ctx.hall.id:
        raise conflict(Code.CASE_UNKNOWN, f"服务器上没有这份申请（提出它的操作可能未被接受），不能{what}。", echo())
    if held.staff_id == ctx.op.actor_id:
        raise rejected(Code.NOT_PERMITTED, "不能审批本人提出的申请。", echo())
    if (held.status, held.version, held.decided_by, held.decided_at, held.decision_note) == \
            (p["status"], p["from_version"] + 1, ctx.op.actor_id, p["decided_at"], p["note"]):
        raise OpRefused(OpStatus.DUPLICATE, Code.SAME_CONTENT, "服务器上已是该审批结果。", echo())
    if held.status != "pending" or held.version != p["from_version"]:
        raise conflict(Code.STATE_MISMATCH, "这份申请已在中心被处理过，请同步后查看。", echo())
    return p, held


def _decided(held: Any, ctx: OpContext, p: dict[str, Any]) -> None:
    held.status, held.decided_by, held.decided_at = p["status"], ctx.op.actor_id, p["decided_at"]
    held.decision_note = p["note"]
    held.version += 1


def _is_leader(ctx: OpContext) -> bool:
    staff = ctx.s.get(Staff, ctx.op.actor_id)
    if staff is None:
        return False
    return allowed(Holder(staff.id, roles_at(ctx, staff, made_at(ctx)), staff.department_id), "leave.approve_longer")


def _check_cover(ctx: OpContext, held: LeaveRequest, cover: str | None, echo: EchoOf) -> None:
    message = post_conflict(ctx, held)
    if cover is not None:
        staff = hall_staff(ctx.s, ctx.hall.id, cover, "请假审批", "cover_staff_id", echo)
        if not staff.active or staff.id == held.staff_id:
            raise bad("请假审批", "cover_staff_id", "不能是请假人本人或已停用的人员", echo)
        if _overlapping(ctx, staff.id, held.starts_at, held.ends_at, ("approved",), held.id) is not None:
            raise rejected(Code.RULE_VIOLATION, f"顶岗人员{staff.name}在此期间也已获准请假。", echo())
    if message and (cover is None or not _is_leader(ctx)):
        raise rejected(Code.RULE_VIOLATION, message, echo())


def apply_leave_decide(ctx: OpContext) -> Echo:
    def echo() -> Echo:
        return leave_echo(ctx, ctx.op.entity_id)

    p, held = _decision(ctx, "请假审批", LeaveRequest, {**DECIDE_KEYS, "cover_staff_id": "id?"}, echo)
    if p["status"] == "approved":
        _check_cover(ctx, held, p["cover_staff_id"], echo)
        held.cover_staff_id = p["cover_staff_id"]
    elif p["cover_staff_id"] is not None:
        raise bad("请假审批", "cover_staff_id", "只在批准时填写", echo)
    _decided(held, ctx, p)
    ctx.s.flush()
    ctx.change(Entity.LEAVE, held.id, entity_row(Entity.LEAVE, held))
    return echo()


def apply_leave_cancel(ctx: OpContext) -> Echo:
    def echo() -> Echo:
        return leave_echo(ctx, ctx.op.entity_id)

    p = command(ctx.op.payload, "撤销请假", echo, {"id": "id", "from_version": "version", "cancelled_at": "when"})
    if p["id"] != ctx.op.entity_id:
        raise bad("撤销请假", "id", "与操作对象不一致", echo)
    held = ctx.s.get(LeaveRequest, p["id"])
    if held is None or held.hall_id != ctx.hall.id:
        raise conflict(Code.CASE_UNKNOWN, "服务器上没有这份请假申请，不能撤销。", echo())
    if held.staff_id != ctx.op.actor_id:
        raise rejected(Code.NOT_PERMITTED, "只有申请人本人可以撤销请假。", echo())
    if held.status == "cancelled" and held.version == p["from_version"] + 1 and held.decided_at == p["cancelled_at"]:
        raise OpRefused(OpStatus.DUPLICATE, Code.SAME_CONTENT, "服务器上这份请假已撤销。", echo())
    if held.status not in OPEN or held.version != p["from_version"]:
        raise conflict(Code.STATE_MISMATCH, "这份请假申请已在中心被处理过，请同步后查看。", echo())
    if p["cancelled_at"] >= held.starts_at:
        raise rejected(Code.RULE_VIOLATION, "请假已开始，不能撤销。", echo())
    held.status, held.decided_by, held.decided_at = "cancelled", ctx.op.actor_id, p["cancelled_at"]
    held.version += 1
    ctx.s.flush()
    ctx.change(Entity.LEAVE, held.id, entity_row(Entity.LEAVE, held))
    return echo()


# -- 补签 -------------------------------------------------------------------------------------------

def _check_makeup_rules(ctx: OpContext, row: PunchMakeup, echo: EchoOf) -> None:
    if row.slot not in SLOTS or row.slot not in {x.name for x in expected_slots(hall_schedule(ctx.s, ctx.hall.id),
                                                                                    row.day)}:
        raise bad("补签申请", "slot", "不是应打卡的时段", echo)
    if row.claimed_at.date() != row.day:
        raise bad("补签申请", "claimed_at", "应在补签的当天", echo)
    if not row.reason.strip():
        raise bad("补签申请", "reason", "不能为空", echo)
    asked = row.requested_at.date()
    limit = int(number_parameter(ctx.s, ctx.hall.id, "makeup.limit_days"))
    if asked < row.day or hall_calendar(ctx.s).working_days_between(row.day, asked) > limit:
        raise rejected(Code.RULE_VIOLATION, f"补签应在当天起 {limit} 个工作日内提出。", echo())


def apply_makeup_request(ctx: OpContext) -> Echo:
    def echo() -> Echo:
        return makeup_echo(ctx, ctx.op.entity_id)

    row = build_row(PunchMakeup, ctx.op.payload, "补签申请", echo)
    check_owner(ctx, row, "补签申请", echo)
    if row.staff_id != ctx.op.actor_id:
        raise rejected(Code.NOT_PERMITTED, "只能本人提出补签申请。", echo())
    if row.status != "pending" or row.version != 1 or row.decided_by or row.decided_at or row.decision_note:
        raise rejected(Code.INVALID_PAYLOAD, "新提出的补签申请应为待审批状态。", echo())
    _check_makeup_rules(ctx, row, echo)
    check_new(ctx, ctx.s.get(PunchMakeup, row.id), row, echo)
    other = ctx.s.scalars(select(PunchMakeup).where(
        PunchMakeup.staff_id == row.staff_id, PunchMakeup.day == row.day, PunchMakeup.slot == row.slot,
        PunchMakeup.status.in_(OPEN)).limit(1)).first()
    if other is not None:
        raise rejected(Code.RULE_VIOLATION, "这一时段已有补签申请。", echo())
    ctx.s.add(row)
    ctx.s.flush()
    ctx.change(Entity.MAKEUP, row.id, entity_row(Entity.MAKEUP, row))
    return echo()


def apply_makeup_decide(ctx: OpContext) -> Echo:
    def echo() -> Echo:
        return makeup_echo(ctx, ctx.op.entity_id)

    p, held = _decision(ctx, "补签审批", PunchMakeup, DECIDE_KEYS, echo)
    _decided(held, ctx, p)
    ctx.s.flush()
    ctx.change(Entity.MAKEUP, held.id, entity_row(Entity.MAKEUP, held))
    return echo()


LEAVE_HANDLERS = {
    LEAVE_REQUEST: apply_leave_request, LEAVE_DECIDE: apply_leave_decide, LEAVE_CANCEL: apply_leave_cancel,
    "makeup.request": apply_makeup_request, MAKEUP_DECIDE: apply_makeup_decide,
}
