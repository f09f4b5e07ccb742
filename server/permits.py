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

from sqlalchemy import select

from app.authz import staff_roles
from app.permissions import Holder, Subject, parse_roles, refusal
from app.sync.protocol import NOTICE_VOID, NUMBER_VOID, OP_PERMISSIONS, STAFF_SET_ROLES, Code
from db.models import Case, Matter, Staff, Window
from server.oputil import OpContext, rejected
from server.schema import StaffRoleChange

# Counters report their local wall-clock time without an offset; every hall keeps China Standard
# Time (UTC+8, no daylight saving). An op's time with an offset is taken as it says.
COUNTER_UTC_OFFSET = dt.timedelta(hours=8)


def _made_at(ctx: OpContext) -> dt.datetime:
    """When the op was made, in the server's naive UTC, corrected by the clock offset the device
    reported; never later than now (a clock ahead does not reach into the future)."""
    try:
        made = dt.datetime.fromisoformat(str(ctx.op.created_at)) if ctx.op.created_at else ctx.now
    except ValueError:
        return ctx.now
    if made.tzinfo is not None:
        made = made.astimezone(dt.UTC).replace(tzinfo=None)
    elif ctx.op.created_at:
        made -= COUNTER_UTC_OFFSET
    skew = ctx.op.clock_skew_seconds
    if skew is not None and abs(skew) < 10 * 365 * 86400:
        made += dt.timedelta(seconds=skew)
    return min(made, ctx.now)


def roles_at(ctx: OpContext, staff: Staff, when: dt.datetime) -> frozenset[str]:
    """The roles ``staff`` held at ``when``: the state before the first change after it, else now."""
    later = ctx.s.scalars(
        select(StaffRoleChange.roles_before)
        .where(StaffRoleChange.staff_id == staff.id, StaffRoleChange.effective_at > when)
        .order_by(StaffRoleChange.effective_at).limit(1)
    ).first()
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
        case = ctx.s.get(Case, ctx.op.entity_id)
        if case is not None:
            return _window_subject(ctx, case.window_id, case.matter_id, None)
        snapshot = payload.get("case")
        if isinstance(snapshot, dict):
            return _window_subject(ctx, snapshot.get("window_id"), snapshot.get("matter_id"), None)
        return Subject()
    return Subject()


def check_permission(ctx: OpContext, staff: Staff) -> None:
    """Raise rejected/not_permitted unless ``staff`` held the permission ``ctx.op`` needs."""
    action = OP_PERMISSIONS.get(ctx.op.kind)
    if action is None:
        raise rejected(Code.UNKNOWN_KIND, f"服务器不支持“{ctx.op.kind}”类型的操作。")
    windows = frozenset(w for w in (staff.window_id, ctx.device.window_id) if w)
    holder = Holder(staff.id, roles_at(ctx, staff, _made_at(ctx)), staff.department_id, windows)
    reason = refusal(holder, action, _subject(ctx))
    if reason is not None:
        raise rejected(Code.NOT_PERMITTED, f"{staff.name}：{reason}")
