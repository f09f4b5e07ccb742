"""Presence and 空岗 on the server, on SQLite and PostgreSQL, with the tests' settable server clock
(2026-03-02 is a Monday; 01:30 UTC is 09:30 in the hall): counters say who is signed in with every
sync request; a window empty longer than the hall's limit raises one EmptyPost, kept open and closed
when somebody is back, pulled by every counter; a silent PC is told apart from nobody signed in."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx
from sqlalchemy import select

from app.sync.transport import STAFF_HEADER, ServerApi
from db.models import EmptyPost
from server import cli
from server.posts import check_all_halls, check_empty_posts
from server.schema import PostPresence
from tests.server.attendance_kit import Hall
from tests.server.kit import Device, ServerKit


def _report(server: ServerKit, device: Device, staff_id: str | None) -> None:
    """One sync request of ``device`` saying who is signed in ('' nobody)."""
    headers = {**device.headers, **({STAFF_HEADER: staff_id} if staff_id is not None else {})}
    r = server.client.get("/v1/device", headers=headers)
    assert r.status_code == 200, r.text


def _now(server: ServerKit) -> dt.datetime:
    return server.clock().astimezone(dt.UTC).replace(tzinfo=None)


def _check(server: ServerKit) -> list[EmptyPost]:
    return check_empty_posts(server.db, server.hall_id, _now(server))


def _posts(server: ServerKit) -> list[EmptyPost]:
    with server.db.snapshot() as s:
        rows = s.scalars(select(EmptyPost).order_by(EmptyPost.started_at)).all()
        for r in rows:
            s.expunge(r)
        return list(rows)


def test_a_window_left_without_anyone_signed_in_raises_one_empty_post_closed_when_somebody_is_back(
        server: ServerKit) -> None:
    device = server.enrol("01")
    hall = Hall(server, device)
    zhangmin = hall.staff["zhangmin"]
    _report(server, device, zhangmin)  # 09:30 signed in
    assert _check(server) == []
    server.clock.advance(minutes=1)
    _report(server, device, "")  # 09:31 signed out
    server.clock.advance(minutes=9)
    _report(server, device, "")  # still nobody at 09:40: 9 minutes, within the limit of 10
    assert _check(server) == []
    server.clock.advance(minutes=2)  # 09:42
    raised = _check(server)
    assert len(raised) == 1
    post = raised[0]
    assert post.window_id == hall.windows["01"] and post.ended_at is None and post.raised_by == "server"
    assert post.started_at == dt.datetime(2026, 3, 2, 9, 31) and "09:31 起无人登录" in post.basis
    assert _check(server) == [] and len(_posts(server)) == 1  # every minute: nothing new
    server.clock.advance(minutes=8)
    _report(server, device, zhangmin)  # 09:50 back
    closed = _check(server)
    assert [(p.id, p.ended_at, p.minutes) for p in closed] == [(post.id, dt.datetime(2026, 3, 2, 9, 50), 19)]
    assert _check(server) == []
    # every counter pulls it from the hall scope
    rows, _ = server.pull_all(server.enrol("02"), server.scope)
    assert rows[("empty_post", post.id)]["ended_at"] == "2026-03-02T09:50:00"
    assert rows[("empty_post", post.id)]["minutes"] == 19


def test_a_pc_that_went_silent_is_judged_from_what_the_server_knew(server: ServerKit) -> None:
    device = server.enrol("03")
    hall = Hall(server, device)
    _report(server, device, hall.staff["wangfang"])  # 09:30, then the PC is heard of no more
    server.clock.advance(minutes=12)
    raised = _check(server)
    assert len(raised) == 1 and raised[0].window_id == hall.windows["03"]
    assert raised[0].basis == "该窗口计算机 09:30 起未与中心联系，按中心掌握的情况判定"
    # a window without an enrolled PC is not watched
    assert {p.window_id for p in _posts(server)} == {hall.windows["03"]}
    # another PC of the same window with somebody signed in: staffed again
    spare = server.enrol("03")
    _report(server, spare, hall.staff["zhaoli"])
    closed = _check(server)
    assert [p.id for p in closed] == [raised[0].id] and closed[0].minutes == 12


def test_outside_hall_hours_nothing_is_raised_and_an_open_post_ends_with_the_half_day(server: ServerKit) -> None:
    device = server.enrol("01")
    _report(server, device, "")
    server.clock.advance(minutes=15)  # 09:45: empty since 09:30
    assert len(_check(server)) == 1
    server.clock.advance(hours=3)  # 12:45: lunch, outside hours
    closed = _check(server)
    assert len(closed) == 1 and closed[0].ended_at == dt.datetime(2026, 3, 2, 12, 0) and closed[0].minutes == 150
    assert _check(server) == []
    server.clock.advance(days=5)  # Saturday 7 March 12:45 +... a rest day: nothing
    server.clock.at = server.clock.at.replace(hour=2)  # 10:00 in the hall
    assert _check(server) == []


def test_the_staff_header_is_checked_and_kept_per_device(server: ServerKit) -> None:
    device = server.enrol("01")
    hall = Hall(server, device)
    for bad in ("nobody", "x" * 300, hall.staff["admin"].upper()):
        _report(server, device, bad)
    with server.db.snapshot() as s:
        assert s.get(PostPresence, device.id) is None  # ignored
    _report(server, device, hall.staff["zhangmin"])
    with server.db.snapshot() as s:
        row = s.get(PostPresence, device.id)
        assert row is not None and row.staff_id == hall.staff["zhangmin"] and row.window_id == hall.windows["01"]


def test_the_counter_sends_who_is_signed_in_with_every_sync_request(server: ServerKit) -> None:
    device = server.enrol("01")
    hall = Hall(server, device)
    transport: Any = server.client._transport  # the test server, in process
    api = ServerApi("http://127.0.0.1", device.credential, transport=transport, signed_in=hall.staff["wangxin"])
    try:
        api.pull(server.scope, 0, 10, None)
        with server.db.snapshot() as s:
            assert s.get(PostPresence, device.id).staff_id == hall.staff["wangxin"]
        api.sign_in(None)
        server.clock.advance(minutes=1)
        api.pull(server.scope, 0, 10, None)
        with server.db.snapshot() as s:
            assert s.get(PostPresence, device.id).staff_id is None
    finally:
        api.close()
    assert isinstance(transport, httpx.BaseTransport)


def test_the_command_line_runs_the_check_once_for_a_hall(server: ServerKit, capsys: Any) -> None:
    device = server.enrol("01")
    _report(server, device, "")
    url = str(server.db.url.render_as_string(hide_password=False))
    code = cli.main(["--db", url, "empty-posts", "--hall", "DEMO", "--at", "2026-03-02T01:45:00"])
    out = capsys.readouterr().out
    assert code == 0 and "1 条空岗记录已写入" in out and "无人登录" in out
    assert cli.main(["--db", url, "empty-posts", "--hall", "DEMO", "--at", "2026-03-02T09:46:00+08:00"]) == 0
    assert "0 条空岗记录已写入" in capsys.readouterr().out
    assert check_all_halls(server.db, _now(server) + dt.timedelta(minutes=20)) == 0


def test_a_real_counter_reports_its_signed_in_clerk_and_its_punch_and_leave_are_applied(
        server: ServerKit, counters: Any) -> None:
    from tests.server.kit import actor
    from tests.sync.kit import Hall as SyncHall

    counter = SyncHall(server, counters).counter("a")
    clerk = actor(counter)
    counter.sync.signed_in = clerk.id
    counter.attendance.punch(clerk)
    counter.attendance.request_leave(clerk, "事假", dt.datetime(2026, 3, 4, 8, 30), dt.datetime(2026, 3, 4, 17, 30),
                                     "家中有事")
    report = counter.sync.sync_once()
    assert (report.applied, report.rejected) == (2, 0), counter.sync.quarantine()
    with server.db.snapshot() as s:
        assert s.scalars(select(PostPresence)).one().staff_id == clerk.id
        from db.models import LeaveRequest, Punch

        punch = s.scalars(select(Punch)).one()
        assert punch.staff_id == clerk.id and punch.source == "counter"
        assert s.scalars(select(LeaveRequest)).one().status == "pending"
