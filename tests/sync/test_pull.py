"""Pull: every entity of the hall lands in the local tables (a counter's ledger shows cases accepted
at other counters); an interrupted pull resumes from its cursor, losing at most one page; a local
copy that drifted from the server is noticed by the checksum and pulled again."""

from __future__ import annotations

import sqlite3

import httpx
import pytest

from app.clock import FixedClock
from app.services import Services
from app.sync.client import SyncUnavailable
from app.sync.protocol import hall_scope
from db.models import Case, Enquiry, Notice, Suspension
from tests.conftest import DEFAULT_NOW
from tests.sync.kit import (
    URL,
    Hall,
    Tap,
    actor,
    checksum,
    count,
    cursor_of,
    device_of,
    enquiry,
    hall_rows,
    intake,
    interrupt_after,
    names,
    unverified,
    wire,
)

CASES = 25  # 75 rows in the hall scope: a case and its two papers each


def _busy_counter(hall: Hall) -> Services:
    a = hall.counter("a")
    for i in range(CASES):
        intake(a, name=f"申请人{i:02d}")
    a.sync.sync_once()
    return a




def test_an_interrupted_initial_pull_resumes_from_its_cursor(hall: Hall, tmp_path) -> None:
    _busy_counter(hall)
    scope = hall_scope(hall.server.hall_id)
    fresh = Services.open(tmp_path / "fresh" / "counter-desk.sqlite3", FixedClock(DEFAULT_NOW))
    try:
        wire(fresh, Tap(hall.transport, hook=interrupt_after(3, scope)))
        fresh.sync.tuning.page_size = 10
        result = fresh.sync.set_up_from_server(URL, hall.code("02"), "二号窗口电脑")  # works despite the cut
        assert result.window_label.startswith("02号窗口")
        status = fresh.sync.status()
        assert status.enrolled and status.online is False and "无法连接" in status.last_error
        assert cursor_of(fresh, scope) == 30 and len(hall_rows(fresh)) == 30  # three whole pages, with their cursor
        resumed = Tap(hall.transport)
        wire(fresh, resumed)
        report = fresh.sync.sync_once()
        pulls = [r for r in resumed.paths("/v1/pull") if r.url.params["scope"] == scope]
        assert int(pulls[0].url.params["cursor"]) == 30  # not from the start
        assert report.pulled == 3 * CASES - 30  # the rest, nothing twice
        assert len(names(fresh, "申请人")) == CASES and count(fresh, Notice) == 2 * CASES
        assert unverified(fresh) == []
    finally:
        fresh.close()


def test_every_entity_of_the_hall_lands_in_the_local_tables(hall: Hall) -> None:
    a, b = hall.counter("a", "01"), hall.counter("b", "02")
    view = intake(a, name="孙悟")
    view = a.lifecycle.suspend(actor(a), view.id, view.version, "需要专家评审")
    a.lifecycle.resume(actor(a), view.id, view.version)
    enquiry(a, "社保转移怎么办")
    a.sync.sync_once()
    b.sync.sync_once()
    assert names(b, "孙悟") == ["孙悟"]
    assert (count(b, Case), count(b, Notice), count(b, Suspension), count(b, Enquiry)) == (1, 2, 1, 1)
    assert hall_rows(b) == hall_rows(a)  # the suspension keeps the id the counter gave it
    rows, _ = hall.server.pull_all(device_of(b), hall.server.scope)
    assert checksum(rows) == checksum(hall_rows(b))
    assert unverified(a) == unverified(b) == []


def test_a_copy_that_drifted_is_pulled_again_from_the_start(hall: Hall, caplog: pytest.LogCaptureFixture) -> None:
    a = _busy_counter(hall)
    b = hall.counter("b", "02")
    b.sync.sync_once()
    with sqlite3.connect(b.ctx.db.path) as con:  # e.g. someone edited the file
        con.execute("UPDATE cases SET applicant_name = '改过' WHERE applicant_name = '申请人07'")
    intake(a, name="新来的")
    a.sync.sync_once()
    report = b.sync.sync_once()
    assert "pulling it again from 0" in caplog.text
    assert report.pulled == 3 + 3 * (CASES + 1)  # the new case and its papers, then the whole scope again
    assert names(b, "申请人07") == ["申请人07"] and names(b, "改过") == []
    assert unverified(b) == []


def test_a_pull_that_fails_mid_page_applies_nothing_of_that_page(hall: Hall) -> None:
    _busy_counter(hall)
    scope = hall_scope(hall.server.hall_id)
    b = hall.counter("b", "02", transport=Tap(hall.transport, hook=interrupt_after(1, scope)))
    b.sync.tuning.page_size = 20
    with pytest.raises(SyncUnavailable):
        b.sync.sync_once()
    assert cursor_of(b, scope) == 20 and len(hall_rows(b)) == 20


def test_a_record_with_a_pending_operation_is_never_overwritten_by_a_pull(hall: Hall) -> None:
    a, b = hall.counter("a", "01"), hall.counter("b", "02")
    case = intake(a, name="王等待")
    a.sync.sync_once()
    b.sync.sync_once()
    a.lifecycle.complete(actor(a), case.id, case.version, approved=True, result="准予许可")
    a.sync.sync_once()
    scope = hall_scope(hall.server.hall_id)

    def clerk_acts_meanwhile(request: httpx.Request, _n: int) -> None:
        if request.url.path == "/v1/pull" and request.url.params["scope"] == scope and not done:
            done.append(b.lifecycle.suspend(actor(b), case.id, case.version, "需要现场核查"))  # after b's push

    done: list = []
    wire(b, Tap(hall.transport, hook=clerk_acts_meanwhile))
    report = b.sync.sync_once()
    assert done and report.pulled >= 1 and report.pending_after == 1
    assert b.intake.get(case.id).status == "suspended"  # the clerk's version, not the server's "completed"
    wire(b, hall.transport)
    report = b.sync.sync_once()
    assert report.conflicts == 1 and b.intake.get(case.id).status == "suspended"
    assert b.sync.quarantine()[0].server_row["status"] == "completed"  # type: ignore[index]


def test_a_cancelled_cycle_stops_between_batches_and_keeps_the_rest(hall: Hall) -> None:
    import threading

    cancel = threading.Event()

    def stop_after_first_push(request: httpx.Request, n: int) -> None:
        if request.url.path == "/v1/push":
            cancel.set()

    counter = hall.counter("a", transport=Tap(hall.transport, hook=stop_after_first_push))
    counter.sync.tuning.batch_size = 2
    for topic in ("一", "二", "三"):
        enquiry(counter, topic)
    report = counter.sync.sync_once(cancel)
    assert (report.pushed, report.pending_after, report.pulled) == (2, 1, 0)
    cancel.clear()
    wire(counter, hall.transport)
    assert counter.sync.sync_once().pushed == 1
