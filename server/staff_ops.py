"""``staff.set_roles``: a person's roles changed by someone the permission table allows (checked
by the push driver before this runs). The payload is checked field by field; the staff row is
written in the hall's staff scope and the change kept with its time, so later ops are judged by
the roles held when they were made."""

from __future__ import annotations

from typing import Any

from app.authz import staff_roles
from app.ids import uuid7
from app.permissions import format_roles, known_roles
from app.sync.protocol import Code, Entity, hall_ref_scope
from app.sync.rows import entity_row
from db.models import Staff
from server.changes import lock_scopes, record_change
from server.oputil import Echo, OpContext, conflict, rejected
from server.schema import StaffRoleChange


def _roles(payload: dict[str, Any]) -> str:
    raw = payload.get("roles")
    if not isinstance(raw, list) or not raw or not all(isinstance(r, str) for r in raw):
        raise rejected(Code.INVALID_PAYLOAD, "角色变更应列出至少一个角色。")
    text = known_roles(raw)
    if text is None:
        raise rejected(Code.INVALID_PAYLOAD, "角色变更含有未知的角色代码。")
    return text


def apply_staff_roles(ctx: OpContext) -> Echo:
    payload = ctx.op.payload
    staff_id, reason = payload.get("staff_id"), payload.get("reason", "")
    if not isinstance(staff_id, str) or staff_id != ctx.op.entity_id or not isinstance(reason, str):
        raise rejected(Code.INVALID_PAYLOAD, "角色变更的人员或原因无效。")
    roles = _roles(payload)
    staff = ctx.s.get(Staff, staff_id)
    if staff is None or staff.hall_id != ctx.hall.id:
        raise rejected(Code.UNKNOWN_REFERENCE, "中心服务器上没有本大厅的这名人员。")
    before = format_roles(staff_roles(staff))
    if payload.get("roles_before") != before:
        raise conflict(Code.STATE_MISMATCH, f"{staff.name}的角色已在中心被改过，请同步后重新设置。",
                       Echo(Entity.STAFF, entity_row(Entity.STAFF, staff)))
    staff.roles, staff.role = roles, roles.split()[0]
    ctx.s.add(StaffRoleChange(id=uuid7(), staff_id=staff.id, roles_before=before, roles_after=roles,
                              effective_at=ctx.now, changed_by=str(ctx.op.actor_id), reason=reason[:500],
                              op_id=ctx.op.op_id))
    ctx.s.flush()
    scope = hall_ref_scope(ctx.hall.id, "staff")
    counter = lock_scopes(ctx.s, [scope])[scope]
    record_change(ctx.s, counter, Entity.STAFF, staff.id, entity_row(Entity.STAFF, staff), op_id=ctx.op.op_id,
                  at=ctx.now)
    return Echo()
