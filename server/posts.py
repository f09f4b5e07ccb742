"""Presence at the windows and the 空岗 detector.

Presence: every authenticated sync request carries ``X-Counter-Desk-Staff`` (the staff signed in at
that counter, or empty). The server keeps one PostPresence row per device: ``staff_id`` and
``seen_at``. While somebody is signed in, ``seen_at`` is the last request that said so; while
nobody is, ``seen_at`` stays at the first request that said nobody (so it tells since when). A
header naming somebody who is not active staff of the device's hall is ignored.

空岗 (``check_empty_posts``), decided from what the server knows, run every minute:

* only during hall hours (the schedule in force on the server, morning and afternoon of the
  season) on working days of the server's calendar; times are the counters' local time (UTC+8);
* a window is staffed when a device of that window reported a signed-in person within the last
  ``PRESENT_FOR`` (2 minutes). Punches are not used: a punch says someone arrived, not that they
  are at the window now (the counter's own login is the better witness). A window without any
  enrolled device is not watched (the server knows nothing of it);
* otherwise it is empty since the latest moment a device of it last showed someone signed in (or
  said nobody was), never earlier than the start of the current half day; empty longer than the
  hall's ``empty_post.minutes`` raises one EmptyPost (raised_by "server", basis saying what the
  server knew); it stays open and is closed (ended_at, minutes) when somebody is back, or at the
  end of the half day. Each write goes through the hall scope's change log, so every counter pulls
  it within one sync cycle. Running it again at the same moment changes nothing.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.sync.protocol import Entity, hall_scope
from app.sync.rows import entity_row
from db.models import EmptyPost, Staff, Window
from server.attendance_fields import number_parameter, to_local
from server.attendance_sheet import hall_calendar, hall_schedule
from server.changes import lock_scopes, record_change
from server.engine import ServerDatabase
from server.schema import PostPresence, SyncDevice

PRESENT_FOR = dt.timedelta(minutes=2)
REFRESH_AFTER = dt.timedelta(seconds=30)  # a signed-in report newer than this is not written again


def record_presence(db: ServerDatabase, device: SyncDevice, header: str | None, now: dt.datetime) -> None:
    """Keep what the device's request said about who is signed in (``now``: naive UTC)."""
    if header is None:
        return
    staff_id = header.strip() or None
    with db.write() as s:
        if staff_id is not None:
            staff = s.get(Staff, staff_id) if len(staff_id) <= 36 else None
            if staff is None or not staff.active or staff.hall_id != device.hall_id:
                return
        row = s.get(PostPresence, device.id)
        if row is None:
            s.add(PostPresence(device_id=device.id, hall_id=device.hall_id, window_id=device.window_id,
                               staff_id=staff_id, seen_at=now))
            return
        if row.staff_id == staff_id and (staff_id is None or now - row.seen_at < REFRESH_AFTER):
            return  # nobody still: keep since when; somebody: fresh enough
        row.staff_id, row.seen_at, row.window_id = staff_id, now, device.window_id


@dataclass(frozen=True)
class WindowState:
    staffed: bool
    since: dt.datetime | None  # naive UTC: empty since (None: never seen)
    basis: str


def _hm(utc: dt.datetime) -> str:
    return f"{to_local(utc):%H:%M}"


def window_state(s: Session, window_id: str, now: dt.datetime) -> WindowState | None:
    """What the server knows of ``window_id`` now; None when no enrolled device watches it."""
    devices = s.scalars(select(SyncDevice).where(SyncDevice.window_id == window_id,
                                                 SyncDevice.revoked_at.is_(None))).all()
    if not devices:
        return None
    best: WindowState | None = None
    for device in devices:
        seen = s.get(PostPresence, device.id)
        if seen is None:
            continue
        if seen.staff_id is not None and now - seen.seen_at <= PRESENT_FOR:
            return WindowState(True, None, "")
        if seen.staff_id is not None:
            state = WindowState(False, seen.seen_at,
                                f"该窗口计算机 {_hm(seen.seen_at)} 起未与中心联系，按中心掌握的情况判定")
        else:
            state = WindowState(False, seen.seen_at, f"该窗口计算机 {_hm(seen.seen_at)} 起无人登录")
        if best is None or (best.since is not None and state.since is not None and state.since > best.since):
            best = state
    return best or WindowState(False, None, "今日该窗口计算机未向中心报告有人登录")


def _half_day(s: Session, hall_id: str, now: dt.datetime) -> tuple[dt.datetime, dt.datetime] | None:
    """The hall-hours half day (naive UTC start, end) ``now`` falls in, or None outside hours."""
    local = to_local(now)
    if not hall_calendar(s).is_working_day(local.date()):
        return None
    timetable = hall_schedule(s, hall_id).timetable_for(local.date())
    for start, end in (timetable.morning, timetable.afternoon):
        lo, hi = dt.datetime.combine(local.date(), start), dt.datetime.combine(local.date(), end)
        if lo <= local < hi:
            offset = local - now
            return lo - offset, hi - offset
    return None


def _write(s: Session, hall_id: str, row: EmptyPost, now: dt.datetime) -> None:
    scope = hall_scope(hall_id)
    counter = lock_scopes(s, [scope])[scope]
    s.flush()
    record_change(s, counter, Entity.EMPTY_POST, row.id, entity_row(Entity.EMPTY_POST, row), op_id=None, at=now)


def _close(s: Session, hall_id: str, post: EmptyPost, at_utc: dt.datetime, now: dt.datetime) -> None:
    post.ended_at = to_local(at_utc).replace(microsecond=0)
    post.minutes = max(0, int((post.ended_at - post.started_at).total_seconds() // 60))
    _write(s, hall_id, post, now)


def _open_posts(s: Session, hall_id: str) -> dict[str, EmptyPost]:
    rows = s.scalars(select(EmptyPost).where(EmptyPost.hall_id == hall_id, EmptyPost.ended_at.is_(None))).all()
    return {r.window_id: r for r in rows}


def check_empty_posts(db: ServerDatabase, hall_id: str, now: dt.datetime) -> list[EmptyPost]:
    """Raise and close the hall's 空岗 as of ``now`` (naive UTC); returns the rows written."""
    written: list[EmptyPost] = []
    with db.write() as s:
        open_posts = _open_posts(s, hall_id)
        half = _half_day(s, hall_id, now)
        limit = dt.timedelta(minutes=number_parameter(s, hall_id, "empty_post.minutes"))
        for window in s.scalars(select(Window).where(Window.hall_id == hall_id).order_by(Window.number)):
            post = open_posts.get(window.id)
            state = window_state(s, window.id, now) if half is not None else None
            if post is not None and (half is None or state is None or state.staffed):
                end = now if half is not None else min(now, _end_of(post, s, hall_id, now))
                _close(s, hall_id, post, end, now)
                written.append(post)
                continue
            if post is not None or half is None or state is None or state.staffed:
                continue
            since = max(state.since or half[0], half[0])
            if now - since > limit:
                post = EmptyPost(id=str(uuid.uuid4()), hall_id=hall_id, window_id=window.id,
                                 started_at=to_local(since).replace(microsecond=0), ended_at=None, minutes=0,
                                 raised_by="server", basis=state.basis, raised_at=to_local(now).replace(microsecond=0))
                s.add(post)
                _write(s, hall_id, post, now)
                written.append(post)
        for post in written:
            s.expunge(post)
    return written


def _end_of(post: EmptyPost, s: Session, hall_id: str, now: dt.datetime) -> dt.datetime:
    """Outside hours: the open post ends with the half day it started in (naive UTC)."""
    started = post.started_at
    timetable = hall_schedule(s, hall_id).timetable_for(started.date())
    for start, end in (timetable.morning, timetable.afternoon):
        lo, hi = dt.datetime.combine(started.date(), start), dt.datetime.combine(started.date(), end)
        if lo <= started < hi:
            return hi - (to_local(now) - now)
    return now


def check_all_halls(db: ServerDatabase, now: dt.datetime) -> int:
    """check_empty_posts for every hall; the number of rows written."""
    from db.models import Hall

    with db.snapshot() as s:
        halls = list(s.scalars(select(Hall.id)))
    return sum(len(check_empty_posts(db, hall_id, now)) for hall_id in halls)
