"""Staff login with argon2id password hashes, braked against guessing (app.lockout).

An unknown or inactive login costs the same argon2 verification as a wrong password (against a
dummy hash made once, at the first unknown login), so the time of an answer does not tell which
logins exist.
"""

from __future__ import annotations

import functools
import logging
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.orm import Session

from app.authz import staff_roles
from app.context import Actor, AppContext
from app.dto import StaffInfo
from app.errors import AuthenticationFailed, NotPermitted, StorageError
from app.lockout import LoginBrake, login_key
from app.permission_service import PermissionService
from app.store_access import StoreAccess
from db.models import Staff
from db.repositories import ReferenceRepository, StaffRepository

log = logging.getLogger(__name__)
_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters


def hash_password(password: str) -> str:
    return _hasher.hash(password)


@functools.cache
def dummy_hash() -> str:
    """A hash no password matches, to verify against when the login is unknown (constant time), with
    the parameters real hashes are made with. Made at first need, not at import: the app's start
    does not wait for it (it cost ~200 ms of the frozen bundle's cold start)."""
    return hash_password(secrets.token_urlsafe(16))


def _check(staff: Staff | None, password: str) -> bool:
    """The password of an active ``staff``; the same argon2 cost when there is none."""
    ok = _verify(staff.password_hash if staff is not None else dummy_hash(), password)
    return ok and staff is not None and staff.active


def _verify(stored_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


class AuthService:
    """Login and unlock. Runs on a worker thread (argon2 takes ~50 ms by design)."""

    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx
        self.brake = LoginBrake(ctx)

    def login(self, login: str, password: str) -> StaffInfo:
        """LockedOut (an AuthenticationFailed) while the login is locked, or on the failure that
        locks it; AuthenticationFailed on other wrong passwords."""
        key = login_key(login)
        on_record = self.brake.check(key)
        with self.ctx.db.read() as s:
            staff = StaffRepository(s).by_login(login.strip())
            info = self._info(s, staff) if _check(staff, password) and staff is not None else None
            staff_id, name = (staff.id, staff.name) if staff is not None else (None, "")
            stored_hash = staff.password_hash if staff is not None else ""
        if info is None:
            self.brake.failed(key, via="login", staff_id=staff_id, name=name)
            raise AuthenticationFailed("用户名或密码不正确。", field="password")
        if on_record:
            self.brake.succeeded(key)
        try:  # the next start opens the encrypted store with this password too
            StoreAccess(self.ctx).signed_in(login.strip(), password, stored_hash)
        except StorageError as exc:  # the sign-in stands; IT sees why the keyring was not updated
            log.error("keyring not updated at sign-in: %s", exc.message)
        return info

    def authorise(self, login: str, password: str, at_desk_of: str, action: str, *,
                  case_id: str | None = None, here: bool = False) -> Actor:
        """授权: a 首席代表 or administrator standing at this PC enters their login and password for one
        action. Returns them as the actor of that action (recorded as theirs, naming the person
        signed in here). AuthenticationFailed on a wrong password; NotPermitted, saying who may,
        when they do not hold the permission either."""
        key = login_key(login)
        on_record = self.brake.check(key)
        with self.ctx.db.read() as s:
            staff = StaffRepository(s).by_login(login.strip())
            ok = _check(staff, password)
            staff_id, name = (staff.id, staff.name) if staff is not None else (None, "")
        if not ok or staff is None:
            self.brake.failed(key, via="authorise", staff_id=staff_id, name=name)
            raise AuthenticationFailed("授权人用户名或密码不正确。", field="password")
        if on_record:
            self.brake.succeeded(key)
        actor = Actor(staff.id, staff.name, at_desk_of=at_desk_of if at_desk_of != staff.id else None)
        reason = PermissionService(self.ctx).refusal(actor, action, case_id=case_id, here=here)
        if reason is not None:
            raise NotPermitted(f"{staff.name}不能授权：{reason}", action=action)
        return actor

    def verify(self, staff_id: str, password: str) -> bool:
        """Unlock check after the idle lock: same person, right password. Braked as the login is
        (the same count): LockedOut while locked or on the failure that locks it."""
        with self.ctx.db.read() as s:
            staff = StaffRepository(s).get(staff_id)
            login, name = (staff.login, staff.name) if staff is not None else (staff_id, "")
        key = login_key(login)
        on_record = self.brake.check(key)
        if not _check(staff, password):
            self.brake.failed(key, via="unlock", staff_id=staff_id, name=name)
            return False
        if on_record:
            self.brake.succeeded(key)
        return True

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
