"""Effectively once: replaying the whole outbox changes nothing on the server, and an answer lost
between the server's commit and the counter's record (a crash, a dropped connection) is taken
from the server's stored answer on the next push, without duplicating anything."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import func, select

from app.sync.client import SyncUnavailable
from db.models import Case, Enquiry, Notice
from tests.sync.kit import (
    Hall,
    Tap,
    actor,
    checksum,
    device_of,
    enquiry,
    hall_rows,
    intake,
    names,
    ops,
    reopen_all,
    wire,
)


def _server_counts(hall: Hall) -> dict[str, int]:
    with hall.server.db.snapshot() as s:
        return {m.__tablename__: int(s.scalar(select(func.count()).select_from(m)) or 0)
                for m in (Case, Notice, Enquiry)}


def _work(counter) -> None:
    view = intake(counter, name="周一")
    intake(counter, decision=None, name="周二")
    enquiry(counter)
    counter.lifecycle.suspend(actor(counter), view.id, view.version, "需要现场核查")


def test_replaying_the_whole_outbox_three_times_changes_nothing_on_the_server(hall: Hall) -> None:
    counter = hall.counter("a")
    _work(counter)
    first = counter.sync.sync_once()
    assert (first.pushed, first.applied, first.pending_after) == (4, 4, 0)
    footprint, counts, local = hall.server.footprint(), _server_counts(hall), hall_rows(counter)
    answers = [op.server_reply for op in ops(counter)]
    for _ in range(3):
        assert reopen_all(counter) == 4
        again = counter.sync.sync_once()
        assert (again.pushed, again.pending_after, again.conflicts, again.rejected) == (4, 0, 0, 0)
        assert hall.server.footprint() == footprint  # inbox, change log, scope counters and checksums
        assert _server_counts(hall) == counts
        assert [op.server_reply for op in ops(counter)] == answers  # the stored answers, identical
        assert hall_rows(counter) == local
    rows, page = hall.server.pull_all(device_of(counter), hall.server.scope)
    assert page["checksum"] == checksum(rows) == checksum(local)


@pytest.mark.parametrize("failure", [httpx.ReadError, httpx.ReadTimeout, httpx.RemoteProtocolError])
def test_an_answer_lost_after_the_servers_commit_is_taken_from_the_server_on_the_next_push(
        hall: Hall, failure: type[Exception]) -> None:
    lost = []

    def drop_the_answer(request: httpx.Request, response: httpx.Response) -> httpx.Response:
        if request.url.path == "/v1/push" and not lost:
            lost.append(response.json())
            raise failure("connection lost")
        return response

    counter = hall.counter("a", transport=Tap(hall.transport, after=drop_the_answer))
    _work(counter)
    with pytest.raises(SyncUnavailable):
        counter.sync.sync_once()
    assert [r["status"] for r in lost[0]["results"]] == ["applied"] * 4  # the server committed them
    assert len(ops(counter, "pending")) == 4  # the counter never heard so
    footprint = hall.server.footprint()
    report = counter.sync.sync_once()
    assert (report.pushed, report.applied, report.pending_after) == (4, 4, 0)
    assert hall.server.footprint() == footprint  # answered from the inbox, nothing applied twice
    assert [op.server_reply for op in ops(counter)] == lost[0]["results"]
    assert _server_counts(hall) == {"cases": 2, "notice": 3, "enquiry": 1}


def test_a_counter_restored_from_its_own_backup_moves_its_new_ops_above_what_the_server_saw(
        hall: Hall, caplog: pytest.LogCaptureFixture) -> None:
    counter = hall.counter("a")
    before = hall.counters.new("a-restored", source=counter.ctx.db.path)  # this PC's backup, taken now
    intake(counter, name="陈备份后一")
    intake(counter, name="陈备份后二")
    counter.sync.sync_once()  # the server has client_seq 1 and 2 of this device
    wire(before, hall.transport)  # the PC's store is put back from the backup, work goes on
    enquiry(before, "恢复后的咨询")
    assert [op.client_seq for op in ops(before)] == [1]
    report = before.sync.sync_once()
    assert "moved above 2" in caplog.text
    assert (report.applied, report.rejected, report.pending_after) == (1, 0, 0)
    assert [op.client_seq for op in ops(before)] == [3]
    assert sorted(names(before, "陈")) == ["陈备份后一", "陈备份后二"]  # what the backup missed comes back
    # the numbers those cases took are not handed out again by the restored blocks
    view = intake(before, name="陈恢复后")
    assert view.number.endswith("000003") and before.sync.sync_once().applied == 1
    assert _server_counts(hall) == {"cases": 3, "notice": 6, "enquiry": 1}


def test_a_replayed_older_answer_never_takes_a_case_back(hall: Hall) -> None:
    a, b = hall.counter("a", "01"), hall.counter("b", "02")
    case = intake(a, name="蒋旧答")
    a.sync.sync_once()
    b.sync.sync_once()
    b.lifecycle.complete(actor(b), case.id, case.version, approved=True, result="准予许可")
    b.sync.sync_once()
    a.sync.sync_once()
    assert a.intake.get(case.id).status == "completed"
    reopen_all(a)  # its answer "lost": pushed again, the server answers with the case as it was then
    report = a.sync.sync_once()
    assert report.applied == 1 and ops(a)[0].server_reply["row"]["status"] == "accepted"  # type: ignore[index]
    assert a.intake.get(case.id).status == "completed"
