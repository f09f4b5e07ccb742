"""A counter that worked alone (单机) for weeks, enrolled later with a server seeded from the same
hall file (its own ids for everything): the PC's reference ids are mapped to the server's by
natural key (app.sync.idmap), and after one sync every case and paper it printed is on the server
under its number, nothing quarantined, both audit chains intact. Two standalone PCs of one hall
enrolled the same day; a store with a window the server lacks refused, nothing changed, and the
same code used again once the server has it. Real server process; SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.audit_chain import AuditChainService
from app.clock import FixedClock
from app.context import Actor
from app.dto import DecisionInput
from app.errors import InvalidInput
from app.services import Services
from app.setup import demo_files
from app.sync import state
from app.sync.idmap import ID_MAP
from db.models import (
    AuditEvent,
    Case,
    Department,
    Device,
    Hall,
    Matter,
    Notice,
    NumberBlock,
    OutboxOp,
    Punch,
    Staff,
    VoidNumber,
    Window,
)
from server.audit_chain import verify_hall
from server.engine import ServerDatabase, migrate
from server.schema import AuditChainEntry
from server.seed import publish_reference, seed_demo
from tests.app.kit import VALID_ID, IntakeKit
from tests.conftest import DEFAULT_NOW
from tests.server.conftest import BACKENDS, PG_PREFIX, pg_admin, pg_url
from tests.server.kit import IT
from tests.server.test_live_server import running_server
from tests.sync.kit import admin_code, hall_now, wire

PASSWORD = "demo1234"
REFUSED = ("中心服务器上缺少本机使用的大厅资料：窗口 12。请由中心管理员在服务器上补充后，用同一注册码重新注册；"
           "本机资料未作任何改动。")
CLERKS = {"01": ("zhangmin", "liqiang"), "02": ("liqiang", "liqiang")}  # window -> (clerk, chief who voids)


@pytest.fixture(params=BACKENDS)
def seeded_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A server database seeded from the demo hall file (server/seed.py: ids of its own)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'server.sqlite3'}"
    else:
        name = f"{PG_PREFIX}{uuid.uuid4().hex[:16]}"
        pg_admin(f'CREATE DATABASE "{name}"')
        url = pg_url(name)
    db = ServerDatabase(url)
    migrate(db)
    assert seed_demo(db, DEFAULT_NOW)
    db.dispose()
    yield url
    if request.param == "postgresql":
        pg_admin(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')


def standalone(tmp: Path, name: str, window: str, start: dt.datetime, hall_file: Path | None = None) -> Services:
    """A PC set up from the hall file at ``window`` (setup_hall: ids of its own), never enrolled."""
    pc = Services.open(tmp / name / "counter-desk.sqlite3", FixedClock(start))
    demo_hall, catalogue = demo_files()
    pc.set_up(hall_file or demo_hall, catalogue, window)
    return pc


def weeks_of_work(pc: Services, window: str, tag: str) -> None:
    """Three weeks at ``window``: a punch and a case a working day (accepted, 补正, 不予受理, only
    received), one case completed and delivered, one paper voided and issued again."""
    clerk_login, chief_login = CLERKS[window]
    clerk = pc.auth.login(clerk_login, PASSWORD)
    me = Actor(clerk.id, clerk.name)
    kit = IntakeKit(pc)
    matter = kit.matter(case_type="promised").id
    clock = pc.ctx.clock
    assert isinstance(clock, FixedClock)
    decisions = [DecisionInput("accept"), DecisionInput("request_correction"),
                 DecisionInput("reject", reject_category="not_licensable", reject_reason="不属于许可事项",
                               reject_legal_basis="《行政许可法》第三十二条"), None]
    accepted = []
    for day in range(15):
        clock.at = dt.datetime.combine(pc.ctx.calendar().add_working_days(clock.at.date(), 1), dt.time(9, 0))
        pc.attendance.punch(me)
        clock.advance(minutes=10)
        decision = decisions[day % len(decisions)]
        lacking = decision is not None and decision.action == "request_correction"
        materials = kit.materials(matter, "missing" if lacking else "received")
        view = pc.intake.open_case(me, kit.request(matter, name=f"{tag}{day:02d}", decision=decision,
                                                   materials=materials), window_id=clerk.window_id)
        if decision is not None and decision.action == "accept":
            accepted.append(view)
    done = pc.lifecycle.complete(me, accepted[0].id, accepted[0].version, approved=True, result="准予许可")
    pc.lifecycle.deliver(me, done.id, done.version, recipient="领取人", recipient_id=VALID_ID)
    paper = next(n for n in accepted[1].notices if n.kind == "acceptance")
    chief = pc.auth.authorise(chief_login, PASSWORD, clerk.id, "notice.void", case_id=accepted[1].id)
    pc.voids.void_notice(chief, paper.id, "misprint", "打印错位")
    clock.at = hall_now()


def numbers(pc: Services) -> tuple[set[str], set[str]]:
    """The case numbers and paper numbers this PC printed."""
    with pc.ctx.db.read() as s:
        return set(s.scalars(select(Case.number))), set(s.scalars(select(Notice.number)))


def enrol(pc: Services, base: str, window: str) -> None:
    wire(pc, None, base)
    pc.sync.enrol(IT, base, admin_code(base, window), f"{window}号窗口电脑")


def check_on_server(url: str, pcs: list[Services]) -> None:
    """Every case and paper of ``pcs`` on the server under its number, every op applied and chained."""
    db = ServerDatabase(url)
    try:
        with db.snapshot() as s:
            hall_id = s.scalars(select(Hall.id)).one()
            on_server = set(s.scalars(select(Case.number))), set(s.scalars(select(Notice.number)))
            chained = set(s.scalars(select(AuditChainEntry.op_id)))
            voided = set(s.scalars(select(VoidNumber.number)))
            punches = s.scalar(select(func.count()).select_from(Punch))
        assert verify_hall(db, hall_id).ok
    finally:
        db.dispose()
    for pc in pcs:
        cases, papers = numbers(pc)
        assert cases <= on_server[0] and papers <= on_server[1]
        with pc.ctx.db.read() as s:
            statuses = dict(s.execute(select(OutboxOp.status, func.count()).group_by(OutboxOp.status)).all())
            ops = set(s.scalars(select(OutboxOp.op_id)))
            assert set(s.scalars(select(VoidNumber.number))) <= voided
        assert statuses == {"acked": len(ops)}, statuses  # nothing quarantined, nothing left
        assert ops <= chained
    assert punches == 15 * len(pcs)


def mapped(pc: Services) -> dict[str, str]:
    """local id -> server id, as the enrolment kept them for support."""
    return {row[2]: row[3] for row in json.loads(state.load(pc.ctx)[ID_MAP])}


def check_counter(pc: Services, login: str) -> None:
    """One row per login and window (pulled rows did not come twice), the server's ids, the old
    audit intact, the old password still good."""
    with pc.ctx.db.read() as s:
        logins = list(s.scalars(select(Staff.login)))
        windows = list(s.scalars(select(Window.number)))
        assert len(logins) == len(set(logins)) and len(windows) == len(set(windows))
        assert s.scalar(select(func.count()).select_from(Hall)) == 1
        device = s.scalars(select(Device)).one()
        assert device.standalone is False and s.get(Window, device.window_id) is not None
        own = [b for b in s.scalars(select(NumberBlock)) if b.source != "server"]  # its window's blocks
        assert own and all(b.next_value > b.last for b in own)  # standalone numbering ended at enrolment
        actors = set(s.scalars(select(AuditEvent.actor_id).where(AuditEvent.actor_id.is_not(None))))
        staff_ids = set(s.scalars(select(Staff.id)))
    assert AuditChainService(pc.ctx).verify().ok
    ids = mapped(pc)
    assert actors and actors <= set(ids)  # the audit keeps the old ids; support can map them
    assert {ids[a] for a in actors} <= staff_ids
    assert pc.auth.login(login, PASSWORD).window_label
    assert pc.sync.status().pending == 0


@pytest.mark.slow
def test_a_standalone_pc_with_weeks_of_work_enrols_into_a_server_seeded_from_the_same_hall_file(
        seeded_url: str, tmp_path: Path) -> None:
    pc = standalone(tmp_path, "a", "01", hall_now() - dt.timedelta(days=30))
    try:
        weeks_of_work(pc, "01", "甲")
        before = numbers(pc)
        with running_server("--db", seeded_url) as (base, _):
            enrol(pc, base, "01")
            report = pc.sync.sync_once()
            assert report.conflicts == 0 and report.pending_after == 0
            pc.sync.sync_once()  # what the server made of them comes back
        assert numbers(pc) == before  # nothing renumbered, nothing pulled twice
        check_on_server(seeded_url, [pc])
        check_counter(pc, "zhangmin")
        with pc.ctx.db.read() as s:
            assert s.get(Department, s.scalars(select(Department.id)).first()) is not None
            assert s.scalar(select(func.count()).select_from(Matter)) > 0
    finally:
        pc.close()


@pytest.mark.slow
def test_two_standalone_pcs_of_one_hall_enrol_on_the_same_day_and_keep_their_numbers(
        seeded_url: str, tmp_path: Path) -> None:
    start = hall_now() - dt.timedelta(days=30)
    a, b = standalone(tmp_path, "a", "01", start), standalone(tmp_path, "b", "02", start)
    try:
        weeks_of_work(a, "01", "甲")
        weeks_of_work(b, "02", "乙")
        printed = [numbers(a), numbers(b)]
        with running_server("--db", seeded_url) as (base, _):
            enrol(a, base, "01")
            enrol(b, base, "02")
            for pc in (a, b, a, b):
                pc.sync.sync_once()
        check_on_server(seeded_url, [a, b])  # fails on colliding numbers until standalone PCs mark theirs
        for pc, login, (cases, papers) in ((a, "zhangmin", printed[0]), (b, "liqiang", printed[1])):
            check_counter(pc, login)
            mine = numbers(pc)
            assert cases <= mine[0] and papers <= mine[1]
        assert numbers(a) == numbers(b)  # each has the other's work too, once
    finally:
        a.close()
        b.close()


def _rows(path: Path) -> dict[str, list[tuple]]:
    """Every row of every table of the store but sync_state (which keeps the enrolment's request_id)."""
    with sqlite3.connect(path) as con:
        tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                            "AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'case_fts%'")]
        return {t: sorted(map(repr, con.execute(f'SELECT * FROM "{t}"'))) for t in tables if t != "sync_state"}


@pytest.mark.slow
def test_a_store_with_a_window_the_server_lacks_is_refused_unchanged_and_the_code_works_once_it_is_added(
        seeded_url: str, tmp_path: Path) -> None:
    data = json.loads(demo_files()[0].read_text(encoding="utf-8"))
    data["windows"].append({"number": "12", "name": "临时窗口", "department_code": "SCJ"})
    hall_file = tmp_path / "hall-with-12.json"  # this PC's hall file had a window more than the server's
    hall_file.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    pc = standalone(tmp_path, "a", "01", hall_now() - dt.timedelta(days=30), hall_file)
    db = ServerDatabase(seeded_url)
    try:
        weeks_of_work(pc, "01", "甲")
        path = pc.ctx.db.path
        before = _rows(path)
        with running_server("--db", seeded_url) as (base, _):
            wire(pc, None, base)
            code = admin_code(base, "01")
            with pytest.raises(InvalidInput) as refused:
                pc.sync.enrol(IT, base, code, "01号窗口电脑")
            assert refused.value.message == REFUSED
            assert _rows(path) == before and not pc.sync.is_enrolled()
            with db.write() as s:  # the server's IT adds the window and publishes it
                hall = s.scalars(select(Hall)).one()
                scj = s.scalars(select(Department).where(Department.code == "SCJ")).one()
                s.add(Window(id=str(uuid.uuid4()), hall_id=hall.id, number="12", name="临时窗口", department_id=scj.id,
                             zone=""))
                s.flush()
                publish_reference(s, DEFAULT_NOW)
            pc.sync.enrol(IT, base, code, "01号窗口电脑")  # the same code again: its request_id was kept
            assert pc.sync.sync_once().conflicts == 0
        check_on_server(seeded_url, [pc])
        check_counter(pc, "zhangmin")
        with pc.ctx.db.read() as s:
            assert s.scalars(select(Window.id).where(Window.number == "12")).one() in mapped(pc).values()
    finally:
        pc.close()
        db.dispose()
