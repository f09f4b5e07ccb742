"""Roles travel as hall data: a change made at one counter is checked and applied by the server and
reaches every counter with the next pull; refused changes are quarantined, and an op is judged by
the roles of its actor, on the counter offline and again on the server."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from app.context import Actor
from app.errors import NotPermitted
from tests.sync.kit import Hall, enquiry, login, ops


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


def test_a_role_change_that_lost_a_race_is_quarantined_and_keeps_no_staff_row_aside(hall: Hall) -> None:
    """Two counters change a person's roles from the same state: the second is a conflict
    (state_mismatch), quarantined; the staff row the server answered with is reference data, taken
    over at once and never kept aside under the hall's work scope (it would never verify there)."""
    from app.sync.protocol import hall_ref_scope, hall_scope
    from app.sync.verify import local_checksum
    from db.models import SyncCursor, SyncShadow

    a, b = hall.counter("a", "01"), hall.counter("b", "03")
    admin, target = login(a, "admin"), login(a, "hejia")
    for counter in (a, b):
        counter.staff.set_roles(Actor(admin.id, admin.name), target.id, ["clerk", "chief"], "任命为卫健委首席代表")
    assert a.sync.sync_once().applied == 1
    assert b.sync.sync_once().conflicts == 1
    assert [(q.kind, q.code) for q in b.sync.quarantine()] == [("staff.set_roles", "state_mismatch")]
    assert b.auth.login("hejia", "demo1234").roles == {"clerk", "chief"}
    enquiry(a)  # the hall's work moves on: b's hall scope must still verify
    a.sync.sync_once()
    b.sync.sync_once()
    with b.ctx.db.read() as s:
        assert s.query(SyncShadow).count() == 0
        for scope in (hall_scope(target.hall_id), hall_ref_scope(target.hall_id, "staff")):
            assert local_checksum(s, scope, target.hall_id) == s.get(SyncCursor, scope).checksum, scope
