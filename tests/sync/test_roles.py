"""Roles travel as hall data: a change made at one counter is checked and applied by the server and
reaches every counter with the next pull; refused changes are quarantined, and an op is judged by
the roles of its actor, on the counter offline and again on the server."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from app.context import Actor
from app.errors import NotPermitted
from tests.sync.kit import Hall, login, ops


def test_a_role_change_reaches_every_counter_through_the_server(hall: Hall) -> None:
    a, b = hall.counter("a", "01"), hall.counter("b", "03")
    admin = login(a, "admin")
    waits = a.staff.set_roles(Actor(admin.id, admin.name), login(a, "wangfang").id, ["clerk", "chief"],
                              "任命为人社局首席代表")
    assert waits is False  # enrolled: the server decides
    assert a.auth.login("wangfang", "demo1234").roles == {"clerk"}  # not yet here
    report = a.sync.sync_once()
    assert report.applied == 1 and report.rejected == 0
    assert a.auth.login("wangfang", "demo1234").roles == {"clerk", "chief"}
    b.sync.sync_once()
    assert b.auth.login("wangfang", "demo1234").roles == {"clerk", "chief"}
    assert [op.status for op in ops(a)] == ["acked"]


def test_a_crafted_role_change_from_a_counter_is_refused_by_the_server_and_quarantined(hall: Hall) -> None:
    a = hall.counter("a", "01")
    clerk = login(a, "zhangmin")
    with pytest.raises(NotPermitted):  # the counter refuses it ...
        a.staff.set_roles(Actor(clerk.id, clerk.name), login(a, "wangfang").id, ["chief"], "我来任命")
    # ... and a counter whose copy of the roles was tampered with is refused by the server
    with a.ctx.db.write() as s:
        s.execute(text("UPDATE staff SET roles = 'admin' WHERE login = 'zhangmin'"))
    a.staff.set_roles(Actor(clerk.id, clerk.name), login(a, "wangfang").id, ["chief"], "我来任命")
    report = a.sync.sync_once()
    assert report.rejected == 1
    refused = a.sync.quarantine()[0]
    assert (refused.kind, refused.code) == ("staff.set_roles", "not_permitted")
    assert "中心领导或中心管理员" in refused.message
    assert a.auth.login("wangfang", "demo1234").roles == {"clerk"}
