"""Brakes on guessing (docs/security.md): enrolment codes, administrator and staff passwords.

Failures are counted per key within ``window_seconds``: per account (the login typed, whether it
exists or not; administrator and staff logins share it, they check the same password), per source
address for logins, per source address for enrolment and for enrolment as a whole (the codes are the
only secret of that route). A key that reaches its limit is locked for ``lock_seconds``, doubled on
each further lockout of that key (capped at ``max_lock_seconds``); while any key of a request is
locked the request is answered 429 with ``Retry-After`` at once, before any password is checked,
and the request thread never sleeps. A success forgets the account's count (not the address's:
one known password must not buy an address new guesses at other accounts).

State is in this process's memory: thread-safe (one lock), bounded (``max_keys``; the oldest idle
keys go first), measured with ``time.monotonic`` so a clock set back or forward changes nothing, and
lost on restart (a restart is a deliberate act of the administrator). Every lockout is written to the
``lockout_event`` table and the log, which is what ``GET /v1/admin/lockouts`` and the
``lockouts`` command of server.cli show besides the locks in force.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import os
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any

from fastapi import Request
from sqlalchemy import or_, select

from server.attendance_fields import to_local
from server.errors import ApiError
from server.schema import LockoutEvent

if TYPE_CHECKING:
    from server.api import ServerState

log = logging.getLogger("counter_desk.server")

ENROL, ADMIN, STAFF = "enrol", "admin", "staff"
THROTTLE_ENV = "COUNTER_DESK_THROTTLE"  # e.g. "per_address=50,lock_seconds=600" (``serve`` reads it)


@dataclass(frozen=True)
class ThrottleSettings:
    per_account: int = 5  # wrong passwords for one login
    per_address: int = 20  # wrong passwords from one address, whatever the logins
    enrol_per_address: int = 20  # wrong enrolment codes from one address
    enrol_total: int = 200  # wrong enrolment codes from all addresses together
    window_seconds: float = 15 * 60
    lock_seconds: float = 5 * 60  # the first lockout of a key; each further one doubles it
    max_lock_seconds: float = 60 * 60
    max_keys: int = 10_000

    @classmethod
    def from_env(cls, text: str | None = None) -> ThrottleSettings:
        """The defaults with ``name=value`` pairs of COUNTER_DESK_THROTTLE (or ``text``) over them;
        ValueError names a pair that is not a setting or not a positive number."""
        raw = os.environ.get(THROTTLE_ENV, "") if text is None else text
        values: dict[str, Any] = {}
        names = {f.name: f.type for f in fields(cls)}
        for pair in filter(None, (p.strip() for p in raw.split(","))):
            name, _, value = pair.partition("=")
            name = name.strip()
            if name not in names:
                raise ValueError(f"{THROTTLE_ENV}: unknown setting {name!r}")
            number = float(value) if names[name] == "float" else int(value)
            if number <= 0:
                raise ValueError(f"{THROTTLE_ENV}: {name} must be positive")
            values[name] = number
        return cls(**values)


@dataclass
class _Entry:
    failures: deque[float] = field(default_factory=deque)
    locked_until: float = 0.0
    lockouts: int = 0
    last: float = 0.0


@dataclass(frozen=True)
class Key:
    """One counted thing: ``scope`` (account, address, enrol-address, enrol) and its value."""

    scope: str
    value: str
    limit: int

    @property
    def name(self) -> str:
        return f"{self.scope}:{self.value}"


@dataclass(frozen=True)
class Lock:
    key: Key
    seconds: float
    failures: int


class Throttle:
    """Failure counts and locks by key; every method is thread-safe and O(failures of the key)."""

    def __init__(self, settings: ThrottleSettings | None = None,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.settings = settings or ThrottleSettings()
        self._now = monotonic
        self._lock = threading.Lock()
        self._entries: OrderedDict[str, _Entry] = OrderedDict()

    def retry_after(self, keys: Sequence[Key]) -> float:
        """Seconds until every key of ``keys`` is free again (0: none is locked)."""
        now = self._now()
        with self._lock:
            waits = [e.locked_until - now for k in keys if (e := self._entries.get(k.name))]
        return max([0.0, *waits])

    def failed(self, keys: Sequence[Key]) -> list[Lock]:
        """Count one failure on each key; the keys this failure locked."""
        now, st = self._now(), self.settings
        locks: list[Lock] = []
        with self._lock:
            for key in keys:
                entry = self._entries.pop(key.name, None) or _Entry()
                self._entries[key.name] = entry  # most recently used last
                entry.last = now
                while entry.failures and entry.failures[0] <= now - st.window_seconds:
                    entry.failures.popleft()
                entry.failures.append(now)
                if len(entry.failures) >= key.limit and entry.locked_until <= now:
                    seconds = min(st.lock_seconds * 2 ** entry.lockouts, st.max_lock_seconds)
                    entry.locked_until, entry.lockouts = now + seconds, entry.lockouts + 1
                    locks.append(Lock(key, seconds, len(entry.failures)))
                    entry.failures.clear()
            self._trim(now)
        return locks

    def succeeded(self, key: Key) -> None:
        with self._lock:
            self._entries.pop(key.name, None)

    def current(self) -> list[tuple[str, float, int]]:
        """The locks in force: (key name, seconds left, lockouts of that key so far)."""
        now = self._now()
        with self._lock:
            return [(name, e.locked_until - now, e.lockouts) for name, e in self._entries.items()
                    if e.locked_until > now]

    def _trim(self, now: float) -> None:
        st = self.settings
        if len(self._entries) <= st.max_keys:
            return
        # an entry idle for the window and the longest lock holds nothing worth keeping
        idle = now - st.window_seconds - st.max_lock_seconds
        for name in [n for n, e in self._entries.items() if e.last < idle and e.locked_until <= now]:
            del self._entries[name]
        while len(self._entries) > st.max_keys:
            self._entries.popitem(last=False)


def address(request: Request) -> str:
    """The peer address of the connection (a proxy in front is one address: docs/security.md)."""
    return request.client.host if request.client else "unknown"


def login_keys(throttle: Throttle, request: Request, login: str) -> list[Key]:
    st = throttle.settings
    return [Key("account", login.strip().lower()[:64], st.per_account),
            Key("address", address(request), st.per_address)]


def enrol_keys(throttle: Throttle, request: Request) -> list[Key]:
    st = throttle.settings
    return [Key("enrol-address", address(request), st.enrol_per_address), Key("enrol", "all", st.enrol_total)]


def too_many(state: ServerState, keys: Sequence[Key]) -> None:
    """Refuse with 429 while a key is locked; checked before any password or code."""
    wait = state.throttle.retry_after(keys)
    if wait > 0:
        raise refusal(state, wait)


def refusal(state: ServerState, wait: float) -> ApiError:
    seconds = max(1, math.ceil(wait))
    at = to_local(state.now() + dt.timedelta(seconds=seconds))
    minutes = max(1, math.ceil(seconds / 60))
    error = ApiError(429, "too_many_attempts",
                     f"尝试次数过多，已暂时锁定。请在 {at:%H:%M} 之后（约 {minutes} 分钟后）再试。",
                     retry_after=seconds, retry_at=at.isoformat(timespec="minutes"))
    error.headers = {"Retry-After": str(seconds)}
    return error


def record_failure(state: ServerState, keys: Sequence[Key], route: str, hall_id: str | None) -> None:
    """Count the failure; a lockout it causes is logged and written to ``lockout_event``, and this
    very request is answered 429 (the attacker learns nothing from the last try's answer)."""
    locks = state.throttle.failed(keys)
    if not locks:
        return
    now = state.now()
    with state.db.write() as s:
        for lock in locks:
            s.add(LockoutEvent(at=now, route=route, scope=lock.key.scope, subject=lock.key.value[:200],
                               hall_id=hall_id, failures=lock.failures,
                               locked_until=now + dt.timedelta(seconds=lock.seconds)))
    for lock in locks:
        log.warning("lockout: %s %s after %d failures, %d s", route, lock.key.name, lock.failures, lock.seconds)
    raise refusal(state, max(lock.seconds for lock in locks))


def lockouts_json(state: ServerState, hall_id: str, since: dt.datetime) -> dict[str, Any]:
    """What the hall's administrator sees: the locks in force in this process, and the lockouts of
    the hall (and those of no hall: addresses, enrolment) recorded since ``since``."""
    with state.db.snapshot() as s:
        rows = s.scalars(select(LockoutEvent).where(
            LockoutEvent.at >= since, or_(LockoutEvent.hall_id == hall_id, LockoutEvent.hall_id.is_(None)))
            .order_by(LockoutEvent.at.desc()).limit(500)).all()
        recent = [event_json(e) for e in rows]
    current = [{"key": name, "seconds_left": math.ceil(left), "lockouts": n}
               for name, left, n in state.throttle.current()]
    return {"current": current, "recent": recent}


def event_json(e: LockoutEvent) -> dict[str, Any]:
    return {"at": e.at.isoformat(), "route": e.route, "scope": e.scope, "subject": e.subject,
            "hall_id": e.hall_id, "failures": e.failures, "locked_until": e.locked_until.isoformat()}
