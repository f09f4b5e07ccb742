"""The server restored from an older backup gets a new epoch: each counter pushes again every
operation it retains, reports the numbers it holds, pulls everything again, and counters and
server agree again (docs/sync-protocol.md, section 2)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.sync.protocol import hall_scope
from db.models import Case, NumberBlock
from server import backup as server_backup
from server.meta import naive_utc
from tests.sync.kit import Hall, Tap, checksum, device_of, enquiry, hall_rows, intake, names, ops, unverified


def _server_cases(hall: Hall) -> int:
    with hall.server.db.snapshot() as s:
        return int(s.scalar(select(func.count()).select_from(Case)) or 0)


def _highest_held(*counters) -> int:
    top = 0
    for c in counters:
        with c.ctx.db.read() as s:
            top = max([top, *(b.last for b in s.scalars(select(NumberBlock).where(
                NumberBlock.kind == "notice-receipt", NumberBlock.source == "server")))])
    return top


def test_a_restore_from_an_older_backup_is_healed_by_the_counters(hall: Hall, tmp_path: Path) -> None:
    if hall.server.db.url.get_backend_name() != "sqlite" and not shutil.which("pg_restore"):
        pytest.skip("pg_dump/pg_restore are not installed")
    a, b = hall.counter("a", "01"), hall.counter("b", "02")
    intake(a, name="冯备份前")
    a.sync.sync_once()
    b.sync.sync_once()
    old_epoch = a.sync.status().epoch
    now = naive_utc(hall.server.clock)
    saved = server_backup.backup(hall.server.db, tmp_path / "backups", now)
    for name in ("冯之后一", "冯之后二", "冯之后三"):
        intake(a, name=name)
    enquiry(b, "备份之后的咨询")
    a.sync.tuning.low_watermark = 600  # a tops its blocks up after the backup: the restore forgets those leases
    a.sync.sync_once()
    a.sync.tuning.low_watermark = 100
    leased_after_backup = _highest_held(a)
    assert leased_after_backup > 1000
    b.sync.sync_once()
    assert _server_cases(hall) == 4
    new_epoch = server_backup.restore(hall.server.db, saved, now)  # the server lost 3 cases and 1 enquiry
    assert _server_cases(hall) == 1 and new_epoch != old_epoch

    report = a.sync.sync_once()
    assert report.epoch_changed and report.pending_after == 0
    assert (report.pushed, report.conflicts, report.rejected) == (4, 0, 0)  # every retained op, in order
    assert {op.acked_epoch for op in ops(a)} == {new_epoch}
    assert b.sync.sync_once().epoch_changed
    a.sync.sync_once()
    assert _server_cases(hall) == 4
    assert a.sync.status().epoch == b.sync.status().epoch == new_epoch
    rows, _ = hall.server.pull_all(device_of(a), hall_scope(hall.server.hall_id))
    assert checksum(rows) == checksum(hall_rows(a)) == checksum(hall_rows(b))
    assert names(b, "冯之后三") == ["冯之后三"] and names(a, "冯") and unverified(a) == unverified(b) == []
    # the restored server was told which numbers the counters hold: a new block starts above them
    third = hall.server.enrol("03")
    fresh = hall.server.lease(third, "notice-receipt").json()
    assert fresh["first"] > _highest_held(a, b) == leased_after_backup


@pytest.mark.parametrize("server_template", ["sqlite"], indirect=True)
def test_a_restore_noticed_in_a_push_answer_re_pushes_in_the_same_cycle(hall: Hall, tmp_path: Path) -> None:
    restored: list[str] = []
    now = naive_utc(hall.server.clock)

    def restore_after_meta(request, response):
        if request.url.path == "/v1/meta" and saved and not restored:
            restored.append(server_backup.restore(hall.server.db, saved[0], now))
        return response

    saved: list[Path] = []
    a = hall.counter("a", transport=Tap(hall.transport, after=restore_after_meta))
    intake(a, name="褚一")
    a.sync.sync_once()
    saved.append(server_backup.backup(hall.server.db, tmp_path / "backups", now))
    intake(a, name="褚二")
    report = a.sync.sync_once()  # restored right after this cycle's meta: the push answer has the new epoch
    assert restored and report.epoch_changed
    assert (report.pushed, report.pending_after) == (2, 0)  # 褚二, then 褚一 again, in this cycle
    assert {op.acked_epoch for op in ops(a)} == {restored[0]} and _server_cases(hall) == 2
