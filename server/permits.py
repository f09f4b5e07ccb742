"""The permission table (app.permissions) applied again to every pushed operation.

An op is judged by the roles its actor held when it was made (``created_at`` as the device
reports it, moved by the clock offset the device reported): a role taken away later does not undo
work done before, and a role granted later does not cover work done before. Its subject is the
record as the server holds it (the case's window and that window's department) or, for a
creation, as the op describes it. A refusal is answered ``rejected`` / ``not_permitted`` with the
table's reason, and lands in the counter's quarantine list like every refusal.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from app.authz import staff_roles
from app.permissions import Holder, Subject, leave_approval_action, parse_roles, refusal
from app.sync.protocol import (
    INSPECTION_RESPOND,
    LEAVE_CANCEL,
    LEAVE_DECIDE,
    LEAVE_REQUEST,
    MAKEUP_DECIDE,
    MAKEUP_REQUEST,
    NOTICE_VOID,
    NUMBER_VOID,
    OP_PERMISSIONS,
    PUNCH_ADD,
    STAFF_SET_ROLES,
    Code,
)
from db.models import Inspection, LeaveRequest, Matter, PunchMakeup, Staff, Window
from server.appraisal_ops import appraisal_subject
from server.attendance_fields import number_parameter, to_local, to_utc
from server.oputil import OpContext, rejected
from server.rating_steps import rating_subject


def made_at(ctx: OpContext) -> dt.datetime:
    """When the op was made, in the server's naive UTC, corrected by the clock offset the device
    reported; never later than now (a clock ahead does not reach into the future)."""
    try:
        made = dt.datetime.fromisoformat(str(ctx.op.created_at)) if ctx.op.created_at else ctx.now
        if made.tzinfo is not None:
            made = made.astimezone(dt.UTC).replace(tzinfo=None)
        elif ctx.op.created_at:
            made = to_utc(made)  # a counter's local time (an op's time with an offset is taken as it says)
        skew = ctx.op.clock_skew_seconds
        if skew is not None and abs(skew) < 10 * 365 * 86400:
            made += dt.timedelta(seconds=skew)
    except (ValueError, OverflowError):  # not a time, or at the ends of the calendar
        return ctx.now
    return min(made, ctx.now)


def roles_at(ctx: OpContext, staff: Staff, when: dt.datetime) -> frozenset[str]:
    """The roles ``staff`` held at ``when``: the state before the first change after it, else now."""
    later = ctx.rows.roles_after(staff.id, when)
    return parse_roles(later) if later is not None else staff_roles(staff)


def _window_subject(ctx: OpContext, window_id: object, matter_id: object, requester: str | None) -> Subject:
    window = ctx.s.get(Window, window_id) if isinstance(window_id, str) else None
    if window is not None and window.hall_id != ctx.hall.id:
        window = None
    department = window.department_id if window is not None else None
    if department is None and isinstance(matter_id, str):
        matter = ctx.s.get(Matter, matter_id)
        department = matter.department_id if matter is not None else None
    return Subject(window_id=window.id if window else None, department_id=department, requester_id=requester)


def _subject(ctx: OpContext) -> Subject:
    payload = ctx.op.payload
    if ctx.op.kind == STAFF_SET_ROLES:
        target = payload.get("staff_id")
        return Subject(requester_id=target if isinstance(target, str) else None)
    if ctx.op.kind == NUMBER_VOID:  # a number of the device's own blocks: its window's
        return _window_subject(ctx, ctx.device.window_id, None, None)
    if ctx.op.kind.startswith("case.") or ctx.op.kind == NOTICE_VOID:  # a paper voided: its case's
        case = ctx.rows.case(ctx.op.entity_id)
        if case is not None:
            return _window_subject(ctx, case.window_id, case.matter_id, None)
        snapshot = payload.get("case")
        if isinstance(snapshot, dict):
            return _window_subject(ctx, snapshot.get("window_id"), snapshot.get("matter_id"), None)
        return Subject()
    return Subject()


_OWN_IN_PAYLOAD = (PUNCH_ADD, LEAVE_REQUEST, MAKEUP_REQUEST)
_OWN_HELD: dict[str, Any] = {LEAVE_CANCEL: LeaveRequest, INSPECTION_RESPOND: Inspection}
_DECISIONS: dict[str, Any] = {LEAVE_DECIDE: LeaveRequest, MAKEUP_DECIDE: PunchMakeup}


def _attendance_action(ctx: OpContext, action: str) -> str:
    """leave.decide: the tier the held request needs (its length by the hall parameters, or the
    leadership's for an AB岗 clash)."""
    if ctx.op.kind != LEAVE_DECIDE:
        return action
    held = ctx.s.get(LeaveRequest, ctx.op.entity_id)
    if held is None:
        return action
    by_length = leave_approval_action(held.days, number_parameter(ctx.s, ctx.hall.id, "leave.chief_max_days"),
                                      number_parameter(ctx.s, ctx.hall.id, "leave.business_max_days"))
    # the held request's tier was checked when it arrived: its length's, or the leadership's when it
    # would leave a window with neither post holder (AB岗)
    return "leave.approve_longer" if held.approval == "leave.approve_longer" else by_length


def _requester_subject(ctx: OpContext, staff: Staff) -> Subject | None:
    """A decision's subject: the requester's window and department, and the requester. Without a
    held request the role alone is judged (the handler refuses: there is nothing to decide)."""
    model = _DECISIONS.get(ctx.op.kind)
    if model is None:
        return None
    held = ctx.s.get(model, ctx.op.entity_id)
    if held is None:
        return Subject(window_id=staff.window_id, department_id=staff.department_id)
    requester = ctx.s.get(Staff, held.staff_id)
    if requester is None:
        return Subject(requester_id=held.staff_id)
    window = _window_subject(ctx, requester.window_id, None, requester.id)
    return Subject(window.window_id, requester.department_id or window.department_id, requester.id)


def _check_self(ctx: OpContext, staff: Staff) -> None:
    """attendance.self ops are one's own: the payload's (or the held row's) staff is the actor."""
    owner: object = None
    if ctx.op.kind in _OWN_IN_PAYLOAD:
        owner = ctx.op.payload.get("staff_id") if isinstance(ctx.op.payload, dict) else None
    elif ctx.op.kind in _OWN_HELD:
        held = ctx.s.get(_OWN_HELD[ctx.op.kind], ctx.op.entity_id)
        if held is None:
            return  # the handler answers: no such row
        owner = held.staff_id
    else:
        return
    if isinstance(owner, str) and owner != staff.id:  # not a text: the handler rejects the payload
        raise rejected(Code.NOT_PERMITTED, f"{staff.name}：只能办理本人的考勤事项。")


def covered_windows(ctx: OpContext, staff_id: str, when: dt.datetime) -> frozenset[str]:
    """Windows ``staff_id`` covers at ``when`` (naive UTC), by the counter's own rule
    (app.attendance.cover: the window's A away on approved leave then, and the staff its B or the
    named cover) applied to the server's rows."""
    return ctx.rows.covered(staff_id, to_local(when))


def check_permission(ctx: OpContext, staff: Staff) -> None:
    """Raise rejected/not_permitted unless ``staff`` held the permission ``ctx.op`` needs."""
    action = OP_PERMISSIONS.get(ctx.op.kind)
    if action is None:
        raise rejected(Code.UNKNOWN_KIND, f"服务器不支持“{ctx.op.kind}”类型的操作。")
    action = _attendance_action(ctx, action)
    when = made_at(ctx)
    windows = frozenset(w for w in (staff.window_id, ctx.device.window_id) if w) | covered_windows(ctx, staff.id, when)
    holder = Holder(staff.id, roles_at(ctx, staff, when), staff.department_id, windows)
    subject = (_requester_subject(ctx, staff) or rating_subject(ctx, staff) or appraisal_subject(ctx, staff)
               or _subject(ctx))
    reason = refusal(holder, action, subject)
    if reason is not None:
        raise rejected(Code.NOT_PERMITTED, f"{staff.name}：{reason}")
    _check_self(ctx, staff)
