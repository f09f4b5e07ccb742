"""End to end against the real server process (uvicorn on a loopback port): a counter set up from
the server on an empty store, and two counters working offline that meet again on the server."""

from __future__ import annotations

from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from app.clock import FixedClock
from app.context import Actor
from app.services import Services
from app.sync.client import SyncUnavailable
from db.models import NumberBlock
from tests.app.kit import IntakeKit
from tests.server.test_live_server import running_server
from tests.sync.kit import admin_code, hall_now, intake, login, names, wire


def _from_server(tmp: Path, name: str, base: str, window: str, progress=None) -> Services:
    services = Services.open(tmp / name / "counter-desk.sqlite3", FixedClock(hall_now()))
    assert not services.is_set_up()
    result = services.sync.set_up_from_server(base, admin_code(base, window), f"{window}号窗口电脑", progress)
    assert result.hall_name and result.window_label.startswith(f"{window}号窗口") and result.server_url == base
    wire(services, None, base)  # as the setup screen saves it in machine.ini
    return services


def _block_of(services: Services, kind: str, year: int, number: int) -> NumberBlock:
    with services.ctx.db.read() as s:
        return s.scalars(select(NumberBlock).where(NumberBlock.kind == kind, NumberBlock.year == year,
                                                   NumberBlock.first <= number, NumberBlock.last >= number)).one()


@pytest.mark.slow
def test_set_up_from_server_on_an_empty_store_gives_a_working_counter(server_url: str, tmp_path: Path) -> None:
    with running_server("--db", server_url) as (base, _):
        counted: list[int] = []
        counter = _from_server(tmp_path, "new", base, "01", counted.append)
        try:
            assert counted and counted == sorted(counted)  # a count after each page (the demo hall has no work yet)
            status = counter.sync.status()
            assert status.enrolled and status.online and status.epoch and status.pending == 0
            assert status.last_error == "" and status.warnings == ()  # next year's blocks too (it is December)
            clerk = login(counter)  # the password hash came from the server
            assert clerk.window_label.startswith("01号窗口")
            kit = IntakeKit(counter)
            view = counter.intake.open_case(
                Actor(clerk.id, clerk.name),
                kit.request(kit.matter(case_type="promised").id, name="林晓"), window_id=clerk.window_id)
            receipt = next(p for p in counter.notices.printables(view.id) if p.kind == "receipt")
            doc = counter.notices.prepare(Actor(clerk.id, clerk.name), receipt.notice_id, "receipt")
            assert receipt.number in "".join(p.extract_text() for p in PdfReader(doc.path).pages)
            block = _block_of(counter, "notice-receipt", hall_now().year, int(receipt.number[-6:]))
            assert block.source == "server"
            report = counter.sync.sync_once()
            assert (report.pushed, report.applied, report.pending_after) == (1, 1, 0)
        finally:
            counter.close()


@pytest.mark.slow
def test_two_counters_work_offline_and_then_both_ledgers_show_both_cases(server_url: str, tmp_path: Path) -> None:
    with running_server("--db", server_url) as (base, _):
        a = _from_server(tmp_path, "a", base, "01")
        b = _from_server(tmp_path, "b", base, "02")
    try:
        # the server is gone: both counters go on accepting cases
        mine = [intake(a, name="赵一"), intake(a, name="赵二")]
        theirs = [intake(b, name="钱三")]
        with pytest.raises(SyncUnavailable) as failure:
            a.sync.sync_once()
        assert "无法连接中心服务器" in failure.value.message
        status = a.sync.status()
        assert status.online is False and status.pending == 2 and status.last_error == failure.value.message
        with running_server("--db", server_url) as (base, _):
            for counter in (a, b):
                wire(counter, None, base)
            assert a.sync.sync_once().applied == 2
            assert b.sync.sync_once().applied == 1
            assert a.sync.sync_once().pulled >= 3  # b's case and its two notices
        numbers = [v.number for v in mine + theirs]
        papers = [n.number for v in mine + theirs for n in v.notices]
        assert len(set(numbers)) == 3 and len(set(papers)) == 6
        for counter in (a, b):
            assert names(counter, "赵一") == ["赵一"] and names(counter, "钱三") == ["钱三"]
            assert counter.sync.status().pending == 0
    finally:
        a.close()
        b.close()
