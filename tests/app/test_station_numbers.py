"""Numbers a standalone counter issues carry its window number (issue #16): two standalone PCs of
one hall never print the same case or paper number, and neither meets the unmarked numbers the
server leases later. The server's side: tests/server/test_station_numbers.py."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from app.clock import FixedClock
from app.context import Actor
from app.dto import LedgerQuery
from app.errors import InvalidInput
from app.numbering import (
    case_number,
    notice_number,
    parse_number,
    parse_station_number,
    skip_used,
    station_mark,
    take_number,
)
from app.reports.cases import correction_ranges
from app.services import Services
from app.setup import HallFileError, demo_files, load_hall_file
from app.sync.blocks import held_numbers
from db.models import Device, NumberBlock
from db.report_repository import Span
from tests.app.kit import IntakeKit
from tests.conftest import DEFAULT_NOW, DEMO_CLERK


@pytest.fixture
def pair(tmp_path: Path, demo_template: Path):
    """Two standalone stores of the demo hall: one set up for window 01 (the template), one set up
    afresh for window 02."""
    first = tmp_path / "w01.sqlite3"
    shutil.copyfile(demo_template, first)
    a = Services.open_demo(first, FixedClock(DEFAULT_NOW))
    b = Services.open(tmp_path / "w02.sqlite3", FixedClock(DEFAULT_NOW))
    b.set_up(*demo_files(), window_number="02")
    yield a, b
    a.close()
    b.close()


def _intake(services: Services, n: int = 1) -> list:
    kit, clerk = IntakeKit(services), services.auth.login(*DEMO_CLERK)
    m = kit.matter(case_type="promised")
    return [services.intake.open_case(Actor(clerk.id, clerk.name), kit.request(m.id, name=f"申请人{i}"),
                                      window_id=None) for i in range(n)]


def _numbers(views: list) -> set[str]:
    return {v.number for v in views} | {n.number for v in views for n in v.notices}


def test_two_standalone_pcs_of_one_hall_issue_disjoint_numbers(pair) -> None:
    a, b = pair
    at_01, at_02 = _intake(a, 3), _intake(b, 3)
    assert at_01[0].number == "DEMO-01-2026C000001" and at_02[0].number == "DEMO-02-2026C000001"
    assert [n.number for n in at_02[2].notices] == ["DEMO-02-2026-SJ000003", "DEMO-02-2026-SL000003"]
    assert _numbers(at_01).isdisjoint(_numbers(at_02))
    assert len(_numbers(at_01)) == len(_numbers(at_02)) == 9  # a case and two papers each, all different
    server_leased = {case_number("DEMO", "promised", 2026, i) for i in range(1, 4)}
    assert server_leased.isdisjoint(_numbers(at_01) | _numbers(at_02))
    with b.ctx.db.read() as s:  # its own block per station, kind and year
        sources = {(x.source, x.kind, x.next_value) for x in s.scalars(select(NumberBlock))}
    assert sources == {("station:02", "case-promised", 4), ("station:02", "notice-receipt", 4),
                       ("station:02", "notice-acceptance", 4)}


def test_the_ledger_finds_a_case_by_its_marked_number(pair) -> None:
    a, _ = pair
    view, other = _intake(a, 2)
    for typed in (view.number, view.number.lower(), f" {view.number} "):
        assert [c.number for c in a.ledger.search(LedgerQuery(text=typed))] == [view.number]
    assert {c.number for c in a.ledger.search(LedgerQuery(text="DEMO-01-2026C"))} >= {view.number, other.number}


@pytest.mark.parametrize("number, hall, parts", [
    ("DEMO-03-2026J000001", None, ("03", "case-immediate", 2026, 1)),
    ("DEMO-03-2026-SJ000001", None, ("03", "notice-receipt", 2026, 1)),
    ("DEMO-2026J000001", None, (None, "case-immediate", 2026, 1)),
    ("DEMO-2026-SJ000001", None, (None, "notice-receipt", 2026, 1)),
    ("DEMO-A12345B-2026-BZ999999", None, ("A12345B", "notice-correction", 2026, 999999)),
    ("SH-PD-2026C000007", "SH-PD", (None, "case-promised", 2026, 7)),  # a hall code with a hyphen
    ("SH-PD-2026C000007", None, ("PD", "case-promised", 2026, 7)),  # ... reads as marked without it
    ("SH-PD-07-2026C000007", "SH-PD", ("07", "case-promised", 2026, 7)),
    ("XX-2026C000007", "DEMO", None),
    ("DEMO-2026X000001", None, None), ("DEMO-2026-XX000001", None, None), ("2026J000001", None, None),
    ("DEMO-123456789-2026J000001", "DEMO", None),  # a station mark is at most 8 characters
])
def test_numbers_are_read_back(number: str, hall: str | None, parts) -> None:
    assert parse_station_number(number, hall) == parts
    assert parse_number(number, hall) == (parts[1:] if parts and parts[0] is None else None)


def test_format_and_parse_round_trip() -> None:
    for station in (None, "01", "3", "A1", "ZZZZ9999"):
        for case_type, kind in (("immediate", "case-immediate"), ("referred", "case-referred")):
            n = case_number("DEMO", case_type, 2026, 42, station)
            assert parse_station_number(n, "DEMO") == parse_station_number(n) == (station, kind, 2026, 42)
        for kind in ("receipt", "pickup", "correction"):
            n = notice_number("DEMO", kind, 2027, 999999, station)
            assert parse_station_number(n, "DEMO") == (station, f"notice-{kind}", 2027, 999999)
    assert case_number("DEMO", "immediate", 2026, 1, "03") == "DEMO-03-2026J000001"
    assert notice_number("DEMO", "receipt", 2026, 1, "03") == "DEMO-03-2026-SJ000001"
    assert case_number("DEMO", "immediate", 2026, 1) == "DEMO-2026J000001"  # server-leased: as before
    assert station_mark(" a1 ") == "A1" and station_mark("3号") == "3" and station_mark("一号") == ""


def test_skip_used_never_moves_a_block_for_a_marked_number(services: Services) -> None:
    now = services.ctx.clock.now()
    with services.ctx.db.write() as s:
        s.add(NumberBlock(id="srv", kind="notice-receipt", year=2026, first=1, last=200, next_value=1,
                          source="server", leased_at=now))
        s.add(NumberBlock(id="own", kind="notice-receipt", year=2026, first=1, last=999_999, next_value=1,
                          source="station:01", leased_at=now))
    with services.ctx.db.write() as s:
        skip_used(s, "DEMO-02-2026-SJ000050")  # another PC's standalone paper, pulled later
        skip_used(s, "DEMO-01-2026-SJ000060")
    with services.ctx.db.read() as s:
        assert {b.id: b.next_value for b in s.scalars(select(NumberBlock))} == {"srv": 1, "own": 1}
    with services.ctx.db.write() as s:
        skip_used(s, "DEMO-2026-SJ000070")  # an unmarked one moves the server's block, not the station's
    with services.ctx.db.read() as s:
        assert {b.id: b.next_value for b in s.scalars(select(NumberBlock))} == {"srv": 71, "own": 1}


def test_held_numbers_leave_out_a_stations_own_blocks(services: Services) -> None:
    _intake(services, 2)  # station:01 blocks, numbers 1-2
    now = services.ctx.clock.now()
    with services.ctx.db.write() as s:  # what an older release issued unmarked, standalone
        s.add(NumberBlock(id="old", kind="notice-receipt", year=2026, first=1, last=999_999, next_value=8,
                          source="local", leased_at=now))
        s.add(NumberBlock(id="srv", kind="case-joint", year=2026, first=1, last=200, next_value=1,
                          source="server", leased_at=now))
    with services.ctx.db.read() as s:
        assert held_numbers(s) == [{"kind": "case-joint", "year": 2026, "highest": 200},
                                   {"kind": "notice-receipt", "year": 2026, "highest": 7}]


def test_an_old_unmarked_block_is_kept_and_new_numbers_are_marked(services: Services) -> None:
    """An upgraded standalone store: what it printed keeps its numbers, what it prints now is marked."""
    now = services.ctx.clock.now()
    with services.ctx.db.write() as s:
        s.add(NumberBlock(id="old", kind="case-promised", year=2026, first=1, last=999_999, next_value=6,
                          source="local", leased_at=now))
    assert _intake(services)[0].number == "DEMO-01-2026C000001"
    with services.ctx.db.read() as s:
        assert s.get(NumberBlock, "old").next_value == 6
    with services.ctx.db.write() as s:  # enrolled: only the unmarked blocks are used
        s.add_all(NumberBlock(id=f"srv-{kind}", kind=kind, year=2026, first=301, last=500, next_value=301,
                              source="server", leased_at=now)
                  for kind in ("case-promised", "notice-receipt", "notice-acceptance"))
        s.get(NumberBlock, "old").next_value = 1_000_000  # closed at enrolment (app.sync.enrol)
        s.scalars(select(Device)).one().standalone = False
    assert _intake(services)[0].number == "DEMO-2026C000301"
    with services.ctx.db.write() as s:
        assert take_number(s, "case-promised", 2026, standalone=False, now=now) == 302
    chief = services.auth.login("liqiang", "demo1234")
    with pytest.raises(InvalidInput, match="本机已联网"):  # its marked numbers will never be issued again
        services.voids.void_number(Actor(chief.id, chief.name), "DEMO-01-2026-SL000002", "skipped", "跳号")


def test_setup_refuses_a_window_number_that_cannot_mark_numbers(tmp_path: Path) -> None:
    hall, _ = demo_files()
    data = json.loads(hall.read_text(encoding="utf-8"))
    data["windows"][0]["number"] = "01-A"
    data["windows"][1]["number"] = "一号"
    data["windows"][2]["number"] = "123456789"
    data["windows"][3]["number"] = "a5"
    data["windows"][4]["number"] = "A5"
    for p in data["staff"]:
        p.pop("window_number", None)
    path = tmp_path / "hall.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(HallFileError) as caught:
        load_hall_file(path)
    errors = "\n".join(caught.value.errors)
    for bad in ("01-A", "一号", "123456789"):
        assert f"窗口号“{bad}”只能是 1 至 8 位字母或数字" in errors
    assert "窗口号 a5 重复" in errors  # a5 and A5 would mark numbers alike


def test_a_skipped_marked_number_is_voided_only_at_its_own_window(pair) -> None:
    a, b = pair
    paper = _intake(a)[0].notices[1]
    assert paper.number == "DEMO-01-2026-SL000001"
    chief = a.auth.login("liqiang", "demo1234")
    entry = a.voids.void_number(Actor(chief.id, chief.name), "demo-01-2026-sl000002", "skipped", "卡纸未出具")
    assert (entry.number, entry.with_paper) == ("DEMO-01-2026-SL000002", False)
    assert _intake(a)[0].notices[1].number == "DEMO-01-2026-SL000003"  # passed over
    chief_b = b.auth.login("liqiang", "demo1234")
    with pytest.raises(InvalidInput, match="其他窗口单机使用时的编号"):
        b.voids.void_number(Actor(chief_b.id, chief_b.name), "DEMO-01-2026-SL000005", "skipped", "跳号")
    with pytest.raises(InvalidInput, match="不在本机领取的编号段内"):
        b.voids.void_number(Actor(chief_b.id, chief_b.name), "DEMO-2026-SL000005", "skipped", "跳号")


def test_a_voided_marked_paper_is_reissued_marked(services: Services, chief: Actor) -> None:
    paper = _intake(services)[0].notices[1]
    result = services.voids.void_notice(chief, paper.id, "misprint", "打印错位")
    assert result.replacement_number == "DEMO-01-2026-SL000002"
    assert (result.entry.number, result.entry.kind, result.entry.year, result.entry.serial) == (
        "DEMO-01-2026-SL000001", "acceptance", 2026, 1)


def test_the_report_counts_marked_correction_notices() -> None:
    span = Span(dt.date(2026, 1, 1), dt.date(2026, 12, 31), dt.date(2026, 12, 31))
    ranges = correction_ranges("DEMO", [span], ["01", "02"])
    inside = [n for n in ("DEMO-2026-BZ000001", "DEMO-01-2026-BZ000001", "DEMO-02-2026-BZ000009")
              if any(lo <= n < hi for lo, hi in ranges)]
    outside = [n for n in ("DEMO-01-2026-SL000001", "DEMO-03-2026-BZ000001", "DEMO-2025-BZ000001")
               if any(lo <= n < hi for lo, hi in ranges)]
    assert len(inside) == 3 and outside == []


def test_a_standalone_notice_prints_its_marked_number(services: Services, actor: Actor) -> None:
    view = _intake(services)[0]
    receipt = next(p for p in services.notices.printables(view.id) if p.kind == "receipt")
    assert receipt.number == "DEMO-01-2026-SJ000001"
    doc = services.notices.prepare(actor, receipt.notice_id, "receipt")
    text = "\n".join(page.extract_text() for page in PdfReader(doc.path).pages)
    assert "DEMO-01-2026-SJ000001" in text and "DEMO-01-2026C000001" in text
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed: the text layer was read with pypdf only")
    text = subprocess.run(["pdftotext", "-layout", str(doc.path), "-"], check=True, capture_output=True,
                          text=True).stdout
    assert "DEMO-01-2026-SJ000001" in text and "DEMO-01-2026C000001" in text
