"""Staff login with argon2id password hashes."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.orm import Session

from app.authz import staff_roles
from app.context import Actor, AppContext
from app.dto import StaffInfo
from app.errors import AuthenticationFailed, NotPermitted
from app.permission_service import PermissionService
from db.models import Staff
from db.repositories import ReferenceRepository, StaffRepository

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def _verify(stored_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


class AuthService:
    """Login and unlock. Runs on a worker thread (argon2 takes ~50 ms by design)."""

    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx

    def login(self, login: str, password: str) -> StaffInfo:
        with self.ctx.db.read() as s:
            staff = StaffRepository(s).by_login(login.strip())
            if staff is None or not staff.active or not _verify(staff.password_hash, password):
                raise AuthenticationFailed("用户名或密码不正确。", field="password")
            return self._info(s, staff)

    def authorise(self, login: str, password: str, at_desk_of: str, action: str, *,
                  case_id: str | None = None, here: bool = False) -> Actor:
        """授权: a 首席代表 or administrator standing at this PC enters their login and password for one
        action. Returns them as the actor of that action (recorded as theirs, naming the person
        signed in here). AuthenticationFailed on a wrong password; NotPermitted, saying who may,
        when they do not hold the permission either."""
        with self.ctx.db.read() as s:
            staff = StaffRepository(s).by_login(login.strip())
            if staff is None or not staff.active or not _verify(staff.password_hash, password):
                raise AuthenticationFailed("授权人用户名或密码不正确。", field="password")
            actor = Actor(staff.id, staff.name, at_desk_of=at_desk_of if at_desk_of != staff.id else None)
        reason = PermissionService(self.ctx).refusal(actor, action, case_id=case_id, here=here)
        if reason is not None:
            raise NotPermitted(f"{staff.name}不能授权：{reason}", action=action)
        return actor

    def verify(self, staff_id: str, password: str) -> bool:
        """Unlock check after the idle lock: same person, right password."""
        with self.ctx.db.read() as s:
            staff = StaffRepository(s).get(staff_id)
            return bool(staff and staff.active and _verify(staff.password_hash, password))

    @staticmethod
    def _info(s: Session, staff: Staff) -> StaffInfo:
        ref = ReferenceRepository(s)
        hall = ref.hall(staff.hall_id)
        window = ref.window(staff.window_id)
        label = f"{window.number}号窗口 {window.name}" if window else "未分配窗口"
        return StaffInfo(
            id=staff.id, login=staff.login, name=staff.name, role=staff.role, hall_id=staff.hall_id,
            hall_name=hall.name if hall else "", window_id=staff.window_id, window_label=label,
            roles=staff_roles(staff), department_id=staff.department_id,
        )
