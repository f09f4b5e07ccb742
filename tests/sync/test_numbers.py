"""Number blocks leased from the server: papers numbered offline never collide, blocks are topped
up at the low watermark, next year's are leased in December, running out offline is a clear
NumbersExhausted, a standalone counter's numbers are reported when it enrols; and the clock skew
is shown and sent with the operations."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest
from sqlalchemy import delete, func, select

from app.clock import FixedClock
from app.errors import NumbersExhausted
from app.services import Services
from app.sync.client import SyncUnavailable
from db.models import Case, Device, NumberBlock
from server.schema import InboxOp, NumberLease
from tests.conftest import DEFAULT_NOW
from tests.sync.kit import IT, URL, Hall, Tap, count, device_of, intake, ops, wire


def _blocks(counter: Services, kind: str = "notice-receipt") -> list[tuple[int, int, int, str]]:
    with counter.ctx.db.read() as s:
        return [(b.year, b.first, b.last, b.source) for b in s.scalars(
            select(NumberBlock).where(NumberBlock.kind == kind).order_by(NumberBlock.year, NumberBlock.first))]


def test_blocks_run_out_offline_with_a_clear_message_and_are_topped_up_online(hall: Hall) -> None:
    counter = hall.counter("a", enrol=False)
    counter.sync.tuning.block_size, counter.sync.tuning.low_watermark = 2, 1
    counter.sync.enrol(IT, URL, hall.code(), "一号窗口")
    assert _blocks(counter) == [(2026, 1, 2, "server")]
    wire(counter, httpx.MockTransport(lambda r: (_ for _ in ()).throw(httpx.ConnectError("offline"))))
    first, second = intake(counter, name="甲"), intake(counter, name="乙")
    assert [n.number[-6:] for n in first.notices + second.notices] == ["000001", "000001", "000002", "000002"]
    cases, outbox = count(counter, Case), len(ops(counter))
    with pytest.raises(NumbersExhausted, match=r"办件（承诺件）编号（2026年度）已用完.*联网同步"):
        intake(counter, name="丙")
    assert (count(counter, Case), len(ops(counter))) == (cases, outbox)  # nothing half-written
    warnings = counter.sync.status().warnings
    assert any("收件回执 剩 0 个" in w and "办件（承诺件） 剩 0 个" in w for w in warnings)
    with pytest.raises(SyncUnavailable):
        counter.sync.sync_once()
    wire(counter, hall.transport)
    counter.sync.sync_once()  # top-up at the low watermark
    assert _blocks(counter)[-1][0:2] == (2026, 3) and counter.sync.status().warnings == ()
    assert intake(counter, name="丙").notices[0].number.endswith("000003")


def test_two_counters_offline_never_share_a_number(hall: Hall) -> None:
    a, b = hall.counter("a", "01"), hall.counter("b", "02")
    offline = httpx.MockTransport(lambda r: httpx.Response(503, text="down"))
    wire(a, offline)
    wire(b, offline)
    made = [intake(c, name=f"{c is a}{i}") for i in range(5) for c in (a, b)]
    numbers = [v.number for v in made] + [n.number for v in made for n in v.notices]
    assert len(numbers) == len(set(numbers)) == 30
    for c in (a, b):
        wire(c, hall.transport)
        assert c.sync.sync_once().conflicts == 0


def test_in_december_next_years_blocks_are_leased_and_missing_ones_warned(hall: Hall) -> None:
    hall.server.clock.at = dt.datetime(2026, 12, 14, 2, 0, tzinfo=dt.UTC)
    counter = hall.counter("a", enrol=False)
    counter.ctx.clock.at = dt.datetime(2026, 12, 14, 10, 0)  # type: ignore[attr-defined]
    counter.sync.enrol(IT, URL, hall.code(), "一号窗口")
    assert {year for year, *_ in _blocks(counter)} == {2026, 2027}
    assert counter.sync.status().warnings == ()
    with counter.ctx.db.write() as s:
        s.execute(delete(NumberBlock).where(NumberBlock.year == 2027, NumberBlock.kind == "notice-acceptance"))
    assert any("尚未领取2027年度编号（受理通知书）" in w for w in counter.sync.status().warnings)
    counter.sync.sync_once()
    assert counter.sync.status().warnings == ()
    # New Year's Day offline: the papers take next year's numbers from the block held
    wire(counter, httpx.MockTransport(lambda r: httpx.Response(503)))
    counter.ctx.clock.at = dt.datetime(2027, 1, 4, 9, 0)  # type: ignore[attr-defined]
    view = intake(counter, name="新年")
    assert view.number.startswith("DEMO-2027C") and view.notices[0].number.startswith("DEMO-2027-SJ")


def test_a_standalone_counter_enrols_and_its_numbers_are_reported(hall: Hall) -> None:
    counter = hall.counter("a", enrol=False)
    for name in ("单一", "单二", "单三"):  # standalone: numbers 1-3 of its own block, marked with window 01
        assert intake(counter, name=name).notices[0].number.startswith("DEMO-01-2026-SJ")
    counter.sync.enrol(IT, URL, hall.code(), "一号窗口")
    with counter.ctx.db.read() as s:
        assert s.scalars(select(Device)).one().standalone is False
        assert s.scalars(select(NumberBlock).where(NumberBlock.source == "station:01")).all()
    assert [b[1] for b in _blocks(counter) if b[3] == "server"] == [1]  # marked: not the hall's namespace
    view = intake(counter, name="单四")
    assert view.notices[0].number == "DEMO-2026-SJ000001"  # enrolled: the server's unmarked numbers
    report = counter.sync.sync_once()
    assert (report.applied, report.conflicts) == (4, 0)  # the standalone work joins the hall


def test_a_store_with_other_ids_takes_the_servers_ids(hall: Hall, tmp_path) -> None:
    """Mapping itself: tests/sync/test_standalone_enrol.py."""
    other = Services.open_demo(tmp_path / "other.sqlite3", FixedClock(DEFAULT_NOW))  # same hall file, new ids
    try:
        wire(other, hall.transport)
        other.sync.enrol(IT, URL, hall.code(), "一号窗口")
        assert other.sync.is_enrolled()
        with other.ctx.db.read() as s:
            device = s.scalars(select(Device)).one()
            assert device.standalone is False and device.hall_id == hall.server.hall_id
    finally:
        other.close()


def test_a_lost_lease_answer_gives_the_same_block_again(hall: Hall) -> None:
    lost: list[dict] = []

    def drop_first_lease(request: httpx.Request, response: httpx.Response) -> httpx.Response:
        if request.url.path == "/v1/numbers/lease" and not lost:
            lost.append(response.json())
            raise httpx.ReadError("connection reset")
        return response

    counter = hall.counter("a", enrol=False, transport=Tap(hall.transport, after=drop_first_lease))
    counter.sync.enrol(IT, URL, hall.code(), "一号窗口")  # the first lease's answer is lost: enrolled anyway
    counter.sync.sync_once()
    with counter.ctx.db.read() as s:
        assert s.get(NumberBlock, lost[0]["lease_id"]) is not None
        held = s.scalar(select(func.count()).select_from(NumberBlock))
    with hall.server.db.snapshot() as s:
        leased = s.scalar(select(func.count()).select_from(NumberLease).where(
            NumberLease.device_id == device_of(counter).id))
    assert held == leased == 11  # one block per kind, the lost one not leased twice


def test_clock_skew_is_warned_and_sent_with_the_operations(hall: Hall) -> None:
    counter = hall.counter("a")
    counter.ctx.clock.advance(minutes=-12)  # type: ignore[attr-defined]
    intake(counter, name="慢钟")
    counter.sync.sync_once()
    status = counter.sync.status()
    assert status.skew_seconds == 720.0
    assert any("本机时间比中心服务器慢 12 分钟" in w for w in status.warnings)
    with hall.server.db.snapshot() as s:
        assert s.scalars(select(InboxOp.clock_skew_seconds)).all() == [720.0]
    counter.ctx.clock.advance(minutes=12)  # type: ignore[attr-defined]
    counter.sync.sync_once()
    assert counter.sync.status().warnings == ()
