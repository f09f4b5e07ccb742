"""A leave request travels as it does in a hall, against the real server process: asked at the
clerk's PC, approved at the chief's PC, seen approved back at the clerk's; a longer one is not the
chief's to approve -- a chief whose PC was tampered with to approve it anyway is refused by the server
-- and the business section approves it at a third PC. Punches and the 空岗 rule ride the same sync."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import text

from app.context import Actor
from app.errors import NotPermitted
from app.services import Services
from app.sync.protocol import hall_scope
from app.sync.verify import local_checksum
from db.models import SyncCursor
from tests.server.test_live_server import running_server
from tests.sync.kit import login
from tests.sync.test_end_to_end import _from_server


def _who(services: Services, name: str) -> Actor:
    staff = login(services, name)
    return Actor(staff.id, staff.name)


def _leave(counter: Services, who: Actor, days: int, after: int = 1) -> str:
    """A leave of ``days`` working days from the ``after``-th working day ahead, asked at ``counter``."""
    cal = counter.ctx.calendar()
    first = cal.add_working_days(counter.ctx.today(), after)
    last = cal.add_working_days(first, days - 1)
    return counter.attendance.request_leave(who, "事假", dt.datetime.combine(first, dt.time(8, 30)),
                                            dt.datetime.combine(last, dt.time(17, 30)), "家中有事").id


def zhangmin_hall(counter: Services) -> str:
    return login(counter, "zhangmin").hall_id


def _status(counter: Services, who: Actor, leave_id: str) -> str:
    return next(r.status for r in counter.attendance.my_requests(who) if r.id == leave_id)


@pytest.mark.slow
def test_a_leave_request_travels_from_clerk_to_chief_to_business_and_back(server_url: str, tmp_path: Path) -> None:
    with running_server("--db", server_url) as (base, _):
        clerk_pc = _from_server(tmp_path, "a", base, "01")
        chief_pc = _from_server(tmp_path, "b", base, "02")
        hall_pc = _from_server(tmp_path, "c", base, "03")
        try:
            zhangmin = _who(clerk_pc, "zhangmin")
            chief, business = _who(chief_pc, "liqiang"), _who(hall_pc, "liuyang")
            punched = clerk_pc.attendance.punch(zhangmin)
            short = _leave(clerk_pc, zhangmin, 1)
            assert clerk_pc.sync.sync_once().applied == 2  # the punch and the request

            chief_pc.sync.sync_once()
            assert [r.id for r in chief_pc.attendance.pending_for(chief)] == [short]  # 待我审批 at the chief's PC
            chief_pc.attendance.decide_leave(chief, short, True, "同意")
            assert chief_pc.sync.sync_once().applied == 1
            clerk_pc.sync.sync_once()
            assert _status(clerk_pc, zhangmin, short) == "approved"

            longer = _leave(clerk_pc, zhangmin, 2, after=3)  # two days: the business section's to approve
            clerk_pc.sync.sync_once()
            chief_pc.sync.sync_once()
            assert longer not in {r.id for r in chief_pc.attendance.pending_for(chief)}
            with pytest.raises(NotPermitted):
                chief_pc.attendance.decide_leave(chief, longer, True, "我来批")
            with chief_pc.ctx.db.write() as s:  # a tampered PC grants its chief the business section's role
                s.execute(text("UPDATE staff SET roles = 'chief business' WHERE login = 'liqiang'"))
            chief_pc.attendance.decide_leave(chief, longer, True, "我来批")
            report = chief_pc.sync.sync_once()
            assert report.rejected == 1
            [refused] = chief_pc.sync.quarantine()
            assert (refused.kind, refused.code) == ("leave.decide", "not_permitted")
            assert "中心业务科" in refused.message

            hall_pc.sync.sync_once()
            assert longer in {r.id for r in hall_pc.attendance.pending_for(business)}
            hall_pc.attendance.decide_leave(business, longer, True, "同意，注意交接")
            assert hall_pc.sync.sync_once().applied == 1
            clerk_pc.sync.sync_once()
            assert _status(clerk_pc, zhangmin, longer) == "approved"
            assert _status(clerk_pc, zhangmin, short) == "approved"
            hall_pc.sync.sync_once()
            with hall_pc.ctx.db.read() as s:
                assert s.execute(text("SELECT count(*) FROM punch WHERE id = :id"),
                                 {"id": punched.punch.id}).scalar() == 1
            for counter in (clerk_pc, hall_pc):  # the attendance rows count in the hall scope's checksum
                with counter.ctx.db.read() as s:
                    scope = hall_scope(zhangmin_hall(counter))
                    assert local_checksum(s, scope, zhangmin_hall(counter)) == s.get(SyncCursor, scope).checksum
        finally:
            for counter in (clerk_pc, chief_pc, hall_pc):
                counter.close()
