"""AB岗 cover: who may take in for which window right now. While a window's A is away on approved
leave, its B (or the temporary cover leadership named) may work that window; app.authz adds these
windows to the permission table's window scope and intake records ``Case.acting_for``.

The permission check has no clock of its own: each store's clock is registered here by the
attendance service (the app's context clock), so a test's fixed clock is the check's "now" too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from app.clock import Clock, SystemClock
from db.models import LeaveRequest, Window

_CLOCKS: dict[str, Clock] = {}  # database URL -> the clock of the context that opened it
_SYSTEM = SystemClock()


def register_clock(engine: Engine, clock: Clock) -> None:
    _CLOCKS[str(engine.url)] = clock


def now_for(s: Session) -> dt.datetime:
    """The registered clock of the store ``s`` works on (else the system clock)."""
    return _CLOCKS.get(str(s.get_bind().engine.url), _SYSTEM).now()


@dataclass(frozen=True)
class Cover:
    window: Window
    leave: LeaveRequest


def covers(s: Session, staff_id: str, now: dt.datetime | None = None) -> list[Cover]:
    """The windows ``staff_id`` covers at ``now``: the window's A is on approved leave then, and
    ``staff_id`` is its B or the temporary cover named on the A's or the B's leave (leadership names
    one when both are away)."""
    at = now or now_for(s)
    leaves = s.scalars(select(LeaveRequest).where(
        LeaveRequest.status == "approved", LeaveRequest.starts_at <= at, LeaveRequest.ends_at > at)).all()
    if not leaves:
        return []
    return covers_among(leaves, s.scalars(select(Window).order_by(Window.number)).all(), staff_id)


def covers_among(leaves: Sequence[LeaveRequest], windows: Sequence[Window], staff_id: str) -> list[Cover]:
    """``covers`` on given rows: ``leaves`` the approved leaves running at the moment asked about,
    ``windows`` in number order (the server judges a chunk of pushed ops on rows it loaded once)."""
    away = {x.staff_id: x for x in leaves}
    out = []
    for window in windows:
        leave = away.get(window.a_staff_id or "")
        if leave is None or window.a_staff_id == staff_id:
            continue
        b_leave = away.get(window.b_staff_id or "")
        named = {leave.cover_staff_id, b_leave.cover_staff_id if b_leave else None}
        if staff_id in named or (staff_id == window.b_staff_id and b_leave is None):
            out.append(Cover(window, leave))
    return out


def cover_windows(leaves: Sequence[LeaveRequest], windows: Sequence[Window], staff_id: str) -> frozenset[str]:
    return frozenset(c.window.id for c in covers_among(leaves, windows, staff_id))


def covered_window_ids(s: Session, staff_id: str, now: dt.datetime | None = None) -> frozenset[str]:
    return frozenset(c.window.id for c in covers(s, staff_id, now))
