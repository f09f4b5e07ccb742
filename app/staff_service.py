"""The hall's people and their roles (人员与角色). Roles are hall data: from the server when this PC
is enrolled (a change is sent as ``staff.set_roles`` and takes effect here with the next pull, once
the server has checked and applied it), from the hall file and this store when standalone."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select

from app.authz import require, staff_roles
from app.context import Actor, AppContext
from app.errors import InvalidInput, NotFound
from app.permissions import ROLE_LABELS, Subject, format_roles, known_roles, roles_label
from app.sync.protocol import STAFF_SET_ROLES
from app.validation import check_text
from db.models import Staff
from db.repositories import ReferenceRepository


@dataclass(frozen=True)
class StaffRoles:
    id: str
    login: str
    name: str
    window_label: str
    roles: frozenset[str]
    active: bool

    @property
    def roles_label(self) -> str:
        return roles_label(self.roles)


def checked_roles(roles: Iterable[str]) -> str:
    """The ``roles`` text of a staff row; InvalidInput for none or an unknown code."""
    text = known_roles(roles)
    if not text:
        choices = "、".join(ROLE_LABELS.values())
        raise InvalidInput(f"请至少选择一个角色（只能从{choices}中选）。", field="roles")
    return text


class StaffService:
    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx

    def roster(self) -> list[StaffRoles]:
        with self.ctx.db.read() as s:
            ref = ReferenceRepository(s)
            device = ref.device()
            windows = {w.id: w for w in ref.windows(device.hall_id)} if device else {}
            out = []
            for p in s.scalars(select(Staff).order_by(Staff.login)):
                w = windows.get(p.window_id or "")
                label = f"{w.number}号窗口" if w else ""
                out.append(StaffRoles(p.id, p.login, p.name, label, staff_roles(p), p.active))
            return out

    def set_roles(self, actor: Actor, staff_id: str, roles: Iterable[str], reason: str) -> bool:
        """Give ``staff_id`` exactly ``roles``: one transaction with its audit event and outbox op.
        Returns True when it took effect here at once (standalone), False when it waits for the
        server (enrolled: the pull brings the changed row back)."""
        text = checked_roles(roles)
        reason = check_text(reason, field="reason", label="变更原因", required=True, max_len=500)
        with self.ctx.action() as s:
            require(s, actor, "staff.roles", Subject(requester_id=staff_id))
            staff = s.get(Staff, staff_id)
            if staff is None:
                raise NotFound("找不到该人员。")
            before = format_roles(staff_roles(staff))
            if before == text:
                raise InvalidInput(f"{staff.name}的角色已是：{roles_label(text.split())}。", field="roles")
            device = ReferenceRepository(s).device()
            standalone = device is None or device.standalone
            summary = f"{staff.name}的角色：{roles_label(before.split())} → {roles_label(text.split())}（{reason}）"
            payload = {"staff_id": staff.id, "roles_before": before, "roles": text.split(), "reason": reason}
            if standalone:  # no server to wait for: the hall's data is this store
                staff.roles, staff.role = text, text.split()[0]
            self.ctx.record(s, actor, op_kind=STAFF_SET_ROLES, entity="staff", entity_id=staff.id,
                            summary=summary[:500], payload=payload)
            return standalone
