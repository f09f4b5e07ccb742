"""Brakes on guessing at the counter (docs/security.md): login, unlock after the idle lock and 授权.

Wrong passwords are counted per login (as typed, stripped, lower case; an unknown login is counted
too, so a lock says nothing about whether a login exists) in the local ``login_lockout`` table, so a
restart of the app does not clear them. ``login.max_failures`` wrong passwords within
``login.window_minutes`` lock the login for ``login.lock_minutes``; each further lockout in a row
doubles it, up to ``login.max_lock_minutes`` (hall parameters, defaults in PARAMETERS). While
locked no password is checked and LockedOut names when to try again. A right password clears the
row. Each lockout is an audit event (``auth.lockout``) in the counter's audit chain.

Device time is all a counter has. A clock set back must not shorten a lock: a lock whose start lies
after now is taken as starting now, with its full length (and a failure window likewise), so
setting the clock back at most restarts the lock, never ends it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from app.context import Actor, AppContext
from app.errors import LockedOut
from db.lockout_repository import LockoutRepository
from db.models import LoginLockout

PARAMETERS = {
    "login.max_failures": "5",
    "login.window_minutes": "15",
    "login.lock_minutes": "5",
    "login.max_lock_minutes": "60",
}


@dataclass(frozen=True)
class LoginPolicy:
    max_failures: int = 5
    window: dt.timedelta = dt.timedelta(minutes=15)
    lock: dt.timedelta = dt.timedelta(minutes=5)
    max_lock: dt.timedelta = dt.timedelta(minutes=60)

    @classmethod
    def of(cls, parameters: dict[str, str]) -> LoginPolicy:
        def number(key: str) -> int:
            try:
                return max(1, int(parameters.get(key) or PARAMETERS[key]))
            except ValueError:
                return int(PARAMETERS[key])

        return cls(number("login.max_failures"), dt.timedelta(minutes=number("login.window_minutes")),
                   dt.timedelta(minutes=number("login.lock_minutes")),
                   dt.timedelta(minutes=number("login.max_lock_minutes")))


def login_key(login: str) -> str:
    return login.strip().lower()[:64]


def locked_message(until: dt.datetime, now: dt.datetime) -> str:
    minutes = max(1, -(-int((until - now).total_seconds()) // 60))
    when = f"{until:%H:%M}" if until.date() == now.date() else f"{until:%m月%d日 %H:%M}"
    return f"密码连续错误次数过多，该账号已暂时锁定。请在 {when} 之后（约 {minutes} 分钟后）再试。"


class LoginBrake:
    """The brake of one store. ``check`` before verifying a password, ``failed`` after a wrong one,
    ``succeeded`` after a right one. Each write is its own short transaction (BEGIN IMMEDIATE);
    run on a worker thread, as the password check is."""

    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx

    def policy(self) -> LoginPolicy:
        return LoginPolicy.of(self.ctx.parameters())

    def check(self, key: str) -> bool:
        """LockedOut while the login is locked; else whether any failure is on record for it."""
        now = self.ctx.clock.now()
        with self.ctx.db.read() as s:
            row = LockoutRepository(s).get(key)
            if row is None:
                return False
            locked_at, locked_until = row.locked_at, row.locked_until
        if locked_at is not None and locked_until is not None and locked_at > now:  # the clock went back
            with self.ctx.action() as s:
                row = LockoutRepository(s).get_or_new(key)
                locked_until = now + (locked_until - locked_at)
                row.locked_at, row.locked_until = now, locked_until
        if locked_until is not None and now < locked_until:
            raise LockedOut(locked_message(locked_until, now), until=locked_until)
        return True

    def failed(self, key: str, *, via: str, staff_id: str | None, name: str) -> None:
        """Count one wrong password; LockedOut when this one locks the login (audited)."""
        policy, now = self.policy(), self.ctx.clock.now()
        with self.ctx.action() as s:
            row = LockoutRepository(s).get_or_new(key)
            _count(row, policy, now)
            if row.failures < policy.max_failures:
                return
            until = _lock(row, policy, now)
            self.ctx.audit(
                s, Actor.system(), action="auth.lockout", entity="staff", entity_id=staff_id or key[:36],
                summary=f"{name or key} 密码连续错误 {policy.max_failures} 次，已锁定至 {until:%Y-%m-%d %H:%M}",
                detail={"login": key, "via": via, "failures": policy.max_failures,
                        "locked_until": until.isoformat(), "lockouts": row.lockouts},
            )
        raise LockedOut(locked_message(until, now), until=until)

    def succeeded(self, key: str) -> None:
        with self.ctx.action() as s:
            LockoutRepository(s).clear(key)


def _count(row: LoginLockout, policy: LoginPolicy, now: dt.datetime) -> None:
    if row.locked_until is not None and now - row.locked_until > policy.window:
        row.lockouts = 0  # quiet for a window after the last lock: the next one starts short again
    first = row.first_failure_at
    if first is None or now - first > policy.window:
        row.failures, row.first_failure_at = 0, now
    elif first > now:  # the clock went back: keep counting, from now
        row.first_failure_at = now
    row.failures = (row.failures or 0) + 1


def _lock(row: LoginLockout, policy: LoginPolicy, now: dt.datetime) -> dt.datetime:
    length = min(policy.lock * (1 << min(row.lockouts or 0, 20)), policy.max_lock)
    row.locked_at, row.locked_until = now, now + length
    row.lockouts = (row.lockouts or 0) + 1
    row.failures, row.first_failure_at = 0, None
    return now + length

