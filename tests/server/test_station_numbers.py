"""Two PCs of one hall that worked standalone at windows 01 and 02, then enrolled the same day: the
numbers each printed carry its window (app.numbering), so both push their cases and papers with
the same serials and the server applies them all (no number_taken); the hall's counters and the
leased blocks are untouched by them. A skipped marked number is voided only by its own window's
device. Runs on SQLite and PostgreSQL.

The two stores are copies of one demo store (the same reference ids; mapping the ids of stores set
up separately is tests/sync/test_standalone_enrol.py's); the second is moved to window 02 the way
setup would have placed it."""

from __future__ import annotations

import copy
import uuid
from typing import Any

from sqlalchemy import select

from app.context import Actor
from app.services import Services
from app.sync.blocks import held_numbers
from db.models import Case, Device, Hall, Notice, VoidNumber, Window
from server.number_audit import number_accounts
from server.schema import NumberCounter
from tests.server.kit import ServerKit, install_blocks, intake, outbox


def _statuses(body: dict[str, Any]) -> list[tuple[str, str | None]]:
    return [(r["status"], r["code"]) for r in body["results"]]


def _at_window(services: Services, number: str) -> None:
    with services.ctx.db.write() as s:
        window = s.scalars(select(Window).where(Window.number == number)).one()
        device = s.scalars(select(Device)).one()
        device.window_id, device.name = window.id, f"示范县政务服务中心 {number}号窗口"


def test_two_standalone_pcs_with_the_same_serials_are_both_applied(server: ServerKit, counters) -> None:
    a, b = counters.new("a"), counters.new("b")
    _at_window(b, "02")
    mine = [intake(a, name=n) for n in ("李明", "王芳")]
    theirs = [intake(b, name=n) for n in ("赵丽", "孙浩")]
    assert [v.number for v in mine] == ["DEMO-01-2026C000001", "DEMO-01-2026C000002"]
    assert [v.number for v in theirs] == ["DEMO-02-2026C000001", "DEMO-02-2026C000002"]
    for counter in (a, b):
        with counter.ctx.db.read() as s:
            assert held_numbers(s) == []  # nothing of the hall's leased namespace to report at enrolment
    dev_a, dev_b = server.enrol("01"), server.enrol("02")
    assert _statuses(server.push(dev_a, outbox(a))) == [("applied", None)] * 2
    assert _statuses(server.push(dev_b, outbox(b))) == [("applied", None)] * 2
    with server.db.snapshot() as s:
        cases = {c.number for c in s.scalars(select(Case))}
        notices = {n.number for n in s.scalars(select(Notice))}
        assert s.scalars(select(NumberCounter)).all() == []  # no counter raised by marked numbers
    assert cases == {v.number for v in mine + theirs}
    assert len(notices) == 8 and {"DEMO-01-2026-SJ000001", "DEMO-02-2026-SJ000001"} <= notices
    lease = server.lease(dev_a, "notice-receipt", size=50)  # the hall's blocks start at 1 as before
    assert lease.status_code == 200 and (lease.json()["first"], lease.json()["last"]) == (1, 50)
    with server.db.snapshot() as s:  # the marked papers are in no leased block: the block is all unused
        (account,) = number_accounts(s, s.scalars(select(Hall)).one(), 2026, "notice-receipt")
        assert (account.issued, account.voided, account.unused, account.gaps) == (0, 0, 50, ())


def test_a_marked_number_is_refused_when_another_case_holds_it(server: ServerKit, counters) -> None:
    """The same window twice (two PCs set up for 01): the marks are alike, uniqueness still holds."""
    a, b = counters.new("a"), counters.new("b")
    intake(a)
    intake(b, name="王芳")
    dev_a, dev_b = server.enrol("01"), server.enrol("01")
    assert _statuses(server.push(dev_a, outbox(a))) == [("applied", None)]
    body = server.push(dev_b, outbox(b))
    assert _statuses(body) == [("conflict", "number_taken")]
    assert "DEMO-01-2026C000001" in body["results"][0]["message"]


def test_a_skipped_marked_number_is_voided_by_its_own_window_only(server: ServerKit, counters) -> None:
    a = counters.new("a")
    intake(a)
    chief = a.auth.login("liqiang", "demo1234")
    entry = a.voids.void_number(Actor(chief.id, chief.name), "DEMO-01-2026-SL000002", "skipped", "卡纸未出具")
    ops = outbox(a)
    void_op = ops[-1]
    assert void_op["kind"] == "number.void" and void_op["payload"]["number"] == entry.number
    dev_a, dev_b = server.enrol("01"), server.enrol("02")
    stranger = {**copy.deepcopy(void_op), "op_id": str(uuid.uuid4())}  # the same row from the PC at window 02
    assert _statuses(server.push(dev_b, [stranger])) == [("rejected", "rule_violation")]
    assert _statuses(server.push(dev_a, ops)) == [("applied", None)] * 2
    with server.db.snapshot() as s:
        row = s.scalars(select(VoidNumber)).one()
        assert (row.number, row.kind, row.year, row.serial) == ("DEMO-01-2026-SL000002", "acceptance", 2026, 2)


def test_after_enrolment_new_numbers_are_the_servers_unmarked_ones(server: ServerKit, counters) -> None:
    a = counters.new("a")
    before = intake(a)
    device = server.enrol("01")
    install_blocks(a, server, device)  # what enrolment and the first sync do: standalone ends
    after = intake(a, name="王芳")
    assert before.number == "DEMO-01-2026C000001" and after.number == "DEMO-2026C000001"
    assert [n.number for n in after.notices] == ["DEMO-2026-SJ000001", "DEMO-2026-SL000001"]
    assert _statuses(server.push(device, outbox(a))) == [("applied", None)] * 2
