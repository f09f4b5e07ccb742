"""Punches at the counter: offline-first, append-only, flagged when the time cannot be trusted."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest

from app.attendance.policy import OFFLINE_AFTER
from app.errors import InvalidInput
from app.sync import state
from tests.app.attendance_kit import count, journal_sizes, last_op, who


def _enrol(services, *, synced_ago: dt.timedelta | None, skew: float | None) -> None:
    now = services.ctx.clock.now()
    state.save(services.ctx, **{
        state.CREDENTIAL: "dev.secret",
        state.LAST_SUCCESS: (now - synced_ago).isoformat() if synced_ago is not None else None,
        state.SKEW: f"{skew:.1f}" if skew is not None else None,
    })


def test_a_punch_is_recorded_with_its_audit_event_and_outbox_op(services, clock) -> None:
    me = who(services, "zhangmin")
    before = journal_sizes(services)
    result = services.attendance.punch(me)
    assert result.message == "已打卡 09:30" and not result.flagged
    p = result.punch
    assert (p.at, p.source, p.device_id, p.offline, p.flag, p.clock_offset_seconds) == (
        clock.at, "counter", services.ctx.device_id, False, "", None)  # standalone: its own clock is the hall's
    assert journal_sizes(services) == (before[0] + 1, before[1] + 1)
    op = last_op(services)
    assert (op["kind"], op["entity"], op["entity_id"], op["actor_id"]) == ("punch.add", "punch", p.id, me.id)
    assert op["payload"]["staff_id"] == me.id and op["payload"]["at"] == clock.at.isoformat()
    assert op["payload"]["source"] == "counter" and op["payload"]["flag"] == ""


def test_a_second_punch_within_a_minute_is_refused_politely_and_writes_nothing(services, clock) -> None:
    me = who(services, "zhangmin")
    services.attendance.punch(me)
    clock.advance(seconds=40)
    before = journal_sizes(services)
    with pytest.raises(InvalidInput, match="刚刚已打卡"):
        services.attendance.punch(me)
    assert journal_sizes(services) == before
    clock.advance(seconds=30)
    services.attendance.punch(me)  # more than a minute later: a new punch
    assert count(services, "punch") == 2


@pytest.mark.parametrize(("synced_ago", "skew", "expected"), [
    (dt.timedelta(minutes=2), 12.0, ""),
    (dt.timedelta(minutes=2), -299.0, ""),
    (OFFLINE_AFTER + dt.timedelta(minutes=1), 0.0, "离线打卡，待核"),
    (None, None, "离线打卡，待核"),
    (dt.timedelta(minutes=2), 480.0, "本机时钟与中心相差8分钟，待核"),
    (dt.timedelta(hours=3), -600.0, "离线打卡；本机时钟与中心相差10分钟，待核"),
], ids=["synced-small-skew", "synced-skew-within-tolerance", "not-synced-lately", "enrolled-never-synced",
        "clock-off-8-minutes", "offline-and-clock-off"])
def test_flags_of_an_enrolled_pc(services, synced_ago, skew, expected) -> None:
    _enrol(services, synced_ago=synced_ago, skew=skew)
    result = services.attendance.punch(who(services, "zhangmin"))
    assert result.punch.flag == expected and result.flagged == bool(expected)
    assert result.punch.offline == ("离线" in expected)
    assert result.punch.clock_offset_seconds == skew
    assert last_op(services)["payload"]["flag"] == expected


def test_a_clock_moved_backwards_since_this_pcs_last_punch_is_flagged(services, clock) -> None:
    services.attendance.punch(who(services, "zhangmin"))
    clock.at = clock.at - dt.timedelta(hours=1)  # someone set the PC's clock back
    result = services.attendance.punch(who(services, "wangfang"))
    assert "本机时钟倒退" in result.punch.flag and result.punch.flag.endswith("待核")
    clock.at = clock.at + dt.timedelta(minutes=5)
    assert "本机时钟倒退" in services.attendance.punch(who(services, "zhaoli")).punch.flag  # still before 09:30


def test_punches_are_append_only(services) -> None:
    me = who(services, "zhangmin")
    services.attendance.punch(me)
    with sqlite3.connect(services.ctx.db.path) as con:
        before = con.execute("SELECT id, at, flag FROM punch").fetchall()
    assert not hasattr(services.attendance, "delete_punch") and not hasattr(services.attendance, "edit_punch")
    services.attendance.today(me)
    services.attendance.my_requests(me)
    with sqlite3.connect(services.ctx.db.path) as con:
        assert con.execute("SELECT id, at, flag FROM punch").fetchall() == before


def test_the_first_login_of_the_day_punches_once(services, clock) -> None:
    me = who(services, "zhangmin")
    first = services.attendance.punch_on_login(me)
    assert first is not None and first.punch.at == clock.at
    assert "登录打卡" in last_op(services)["summary"]
    clock.advance(hours=2)
    assert services.attendance.punch_on_login(me) is None
    assert count(services, "punch") == 1
    clock.at = dt.datetime(2026, 3, 3, 8, 20)
    assert services.attendance.punch_on_login(me) is not None  # the next day: again
    assert count(services, "punch") == 2


def test_today_shows_the_slots_done_missing_and_upcoming(services, clock) -> None:
    me = who(services, "zhangmin")
    clock.at = dt.datetime(2026, 3, 2, 8, 27)
    services.attendance.punch(me)
    clock.at = dt.datetime(2026, 3, 2, 14, 20)  # no noon punches
    day = services.attendance.today(me)
    assert day.working and day.day == dt.date(2026, 3, 2)
    states = {s.name: (s.state, s.state_label) for s in day.slots}
    assert states == {"start": ("done", "已打卡"), "noon_out": ("missing", "缺卡"), "noon_in": ("missing", "缺卡"),
                      "end": ("upcoming", "待打卡")}
    assert [s.label for s in day.slots] == ["上班", "午间下班", "午间上班", "下班"]
    assert next(s for s in day.slots if s.name == "start").punch_at == dt.datetime(2026, 3, 2, 8, 27)
    assert "缺卡" in day.status_label
    assert day.open_requests == ()
    services.attendance.request_makeup(me, day.day, "noon_out", dt.datetime(2026, 3, 2, 12, 2), "忘记打卡")
    assert [r.title for r in services.attendance.today(me).open_requests] == ["补签（午间下班）"]


def test_a_flagged_punch_shows_in_today(services, clock) -> None:
    _enrol(services, synced_ago=None, skew=None)
    me = who(services, "zhangmin")
    clock.at = dt.datetime(2026, 3, 2, 8, 29)
    services.attendance.punch(me)
    day = services.attendance.today(me)
    assert day.flags == ("离线打卡，待核",)
    assert day.slots[0].flag == "离线打卡，待核"
    assert "待核" in day.status_label


def test_a_day_off_has_no_slots(services, clock) -> None:
    clock.at = dt.datetime(2026, 3, 7, 10, 0)  # a Saturday
    day = services.attendance.today(who(services, "zhangmin"))
    assert not day.working and day.slots == () and day.status_label == "休息"
