"""Device enrolment, device credentials, revocation, and administrator/staff password checks.

A hall administrator creates a one-time code bound to a window; the counter PC redeems it once
and receives a device id and a secret (only the secret's SHA-256 is stored). Every sync call
presents ``Authorization: Bearer <device_id>.<secret>``. All functions run inside the caller's
write transaction and raise ApiError (401/403/404/409/410) with a Chinese message on refusal.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import uuid

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.auth import dummy_hash
from app.authz import staff_roles
from app.permissions import Holder, allowed, who_may
from db.models import Staff, Window
from server.errors import ApiError
from server.schema import EnrolmentCode, SyncDevice

CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L: read aloud and typed at the counter
CODE_LENGTH = 8
_hasher = PasswordHasher()


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def normalise_code(code: str) -> str:
    return "".join(c for c in code.upper() if c.isalnum())


def new_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return f"{raw[:4]}-{raw[4:]}"


def check_password(stored_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def authenticate_staff(s: Session, login: str, password: str) -> Staff:
    """An active staff member by login and password (argon2, as on the counter). An unknown or
    inactive login costs the same argon2 verification as a wrong password (against a dummy hash
    made at start-up), so the answer's time does not tell which logins exist."""
    staff = s.scalar(select(Staff).where(Staff.login == login.strip()))
    ok = check_password(staff.password_hash if staff is not None else dummy_hash(), password)
    if staff is None or not staff.active or not ok:
        raise ApiError(401, "staff_auth_failed", "用户名或密码不正确。")
    return staff


def authenticate_admin(s: Session, login: str, password: str) -> Staff:
    try:
        staff = authenticate_staff(s, login, password)
    except ApiError as exc:
        raise ApiError(401, "admin_auth_failed", "管理员用户名或密码不正确。") from exc
    if not allowed(Holder(staff.id, staff_roles(staff)), "device.enrol"):
        raise ApiError(403, "not_admin", f"设备登记需由{who_may('device.enrol')}办理。")
    return staff


def create_code(
    s: Session, *, hall_id: str, window_number: str, created_by: str, device_name: str, ttl: dt.timedelta,
    now: dt.datetime,
) -> tuple[str, EnrolmentCode, Window]:
    """A new one-time code for the window ``window_number`` of ``hall_id``; returns the code text."""
    window = s.scalar(select(Window).where(Window.hall_id == hall_id, Window.number == window_number.strip()))
    if window is None:
        raise ApiError(404, "window_unknown", f"本大厅没有 {window_number} 号窗口。")
    code = new_code()
    row = EnrolmentCode(
        id=str(uuid.uuid4()), code_hash=sha256_hex(normalise_code(code)), hall_id=hall_id, window_id=window.id,
        device_name=device_name or f"{window.number}号窗口", created_by=created_by, created_at=now,
        expires_at=now + ttl,
    )
    s.add(row)
    s.flush()
    return code, row, window


def redeem_code(
    s: Session, code: str, *, request_id: str, device_name: str, now: dt.datetime,
) -> tuple[SyncDevice, str]:
    """Enrol a device with ``code``; returns the device and its secret (shown this once).

    The same code with the same ``request_id`` again (the answer was lost) gives the same device a
    new secret; any other second use is refused."""
    row = s.scalar(select(EnrolmentCode).where(EnrolmentCode.code_hash == sha256_hex(normalise_code(code))))
    if row is None:
        raise ApiError(404, "enrolment_code_invalid", "登记码不正确，请核对后重新输入。")
    if row.used_at is not None:
        if request_id and row.request_id == request_id and row.device_id:
            device = s.get(SyncDevice, row.device_id)
            if device is not None and device.revoked_at is None:
                return device, _new_secret(device)
        raise ApiError(409, "enrolment_code_used", "该登记码已被使用，请向中心管理员重新申请。")
    if now >= row.expires_at:
        raise ApiError(410, "enrolment_code_expired", "该登记码已过期，请向中心管理员重新申请。")
    device_id = str(uuid.uuid4())
    taken = s.execute(
        update(EnrolmentCode).where(EnrolmentCode.id == row.id, EnrolmentCode.used_at.is_(None))
        .values(used_at=now, device_id=device_id, request_id=request_id or None)
    )
    if getattr(taken, "rowcount", 0) != 1:  # another request redeemed it a moment ago
        raise ApiError(409, "enrolment_code_used", "该登记码已被使用，请向中心管理员重新申请。")
    device = SyncDevice(
        id=device_id, hall_id=row.hall_id, window_id=row.window_id, name=(device_name or row.device_name)[:100],
        secret_hash="", enrolled_at=now, enrolled_by=row.created_by, revoke_reason="",
    )
    s.add(device)
    secret = _new_secret(device)
    s.flush()
    return device, secret


def _new_secret(device: SyncDevice) -> str:
    secret = secrets.token_urlsafe(32)
    device.secret_hash = sha256_hex(secret)
    return secret


def credential(device: SyncDevice, secret: str) -> str:
    return f"{device.id}.{secret}"


def authenticate_device(s: Session, authorization: str | None) -> SyncDevice:
    """The device presenting ``Authorization: Bearer <device_id>.<secret>``; 401 unknown, 403 revoked."""
    scheme, _, token = (authorization or "").partition(" ")
    device_id, _, secret = token.strip().partition(".")
    if scheme.lower() != "bearer" or not device_id or not secret:
        raise ApiError(401, "credential_missing", "本机未登记或登记凭据缺失，请先完成设备登记。")
    device = s.get(SyncDevice, device_id)
    if device is None or not hmac.compare_digest(device.secret_hash, sha256_hex(secret)):
        raise ApiError(401, "credential_invalid", "本机的登记凭据无效，请联系中心管理员重新登记。")
    if device.revoked_at is not None:
        raise ApiError(403, "device_revoked", "本机已被中心管理员停用，不能再同步。如有疑问请联系中心管理员。",
                       revoked_at=device.revoked_at.isoformat(), reason=device.revoke_reason)
    return device


def touch_device(s: Session, device_id: str, now: dt.datetime) -> None:
    """Record when the device was last heard from (at most once a minute: it costs a write)."""
    s.execute(
        update(SyncDevice).where(SyncDevice.id == device_id)
        .where(SyncDevice.last_seen_at.is_(None) | (SyncDevice.last_seen_at < now - dt.timedelta(minutes=1)))
        .values(last_seen_at=now)
    )


def revoke_device(s: Session, *, hall_id: str, device_id: str, by: str, reason: str, now: dt.datetime) -> SyncDevice:
    device = s.get(SyncDevice, device_id)
    if device is None or device.hall_id != hall_id:
        raise ApiError(404, "device_unknown", "本大厅没有该设备。")
    if device.revoked_at is None:
        device.revoked_at, device.revoked_by, device.revoke_reason = now, by, reason
    return device


def device_json(device: SyncDevice) -> dict[str, object]:
    return {
        "device_id": device.id, "hall_id": device.hall_id, "window_id": device.window_id, "name": device.name,
        "enrolled_at": device.enrolled_at.isoformat(), "last_seen_at": _iso(device.last_seen_at),
        "revoked_at": _iso(device.revoked_at), "revoke_reason": device.revoke_reason,
    }


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None
