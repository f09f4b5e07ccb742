"""After a server restore the counters push again what the server lost, but keep the pull cursors
the restored data still covers (docs/sync-protocol.md, sections 2 and 9): a cursor up to the
restored scope's last seq (its mark) stays, one beyond it goes back to the mark, an epoch the
server does not descend from pulls from 0. Real server processes (uvicorn), SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import logging
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from app.services import Services
from app.sync import state
from app.sync.protocol import device_scopes, hall_scope
from db.models import Case, Notice
from server import backup as server_backup
from server.changes import ensure_counter
from server.deeming import deem_lapsed
from server.engine import ServerDatabase
from server.schema import ScopeCounter
from tests.server.conftest import Template
from tests.server.test_live_server import running_server
from tests.sync.kit import IT, admin_code, checksum, device_of, enquiry, hall_rows, intake, unverified, wire

pytestmark = pytest.mark.slow
NOW = dt.datetime(2026, 3, 2, 1, 30)


@pytest.fixture(autouse=True)
def _tools(server_url: str) -> None:
    if not server_url.startswith("sqlite") and not shutil.which("pg_restore"):
        pytest.skip("pg_dump/pg_restore are not installed")


@contextmanager
def serving(url: str, *counters: Services) -> Iterator[str]:
    """The real server on ``url``'s database, the counters pointed at it (a new port each time)."""
    with running_server("--db", url) as (base, _):
        for counter in counters:
            wire(counter, None, base)
        yield base


def enrolled(counters, base: str, name: str, window: str) -> Services:
    services = counters.new(name)
    wire(services, None, base)
    services.sync.enrol(IT, base, admin_code(base, window), f"{name}号窗口电脑")
    return services


def backup(url: str, folder: Path) -> Path:
    db = ServerDatabase(url)
    try:
        return server_backup.backup(db, folder, NOW + dt.timedelta(seconds=len(list(folder.glob("*")))))
    finally:
        db.dispose()


def restore(url: str, saved: Path) -> str:
    db = ServerDatabase(url)
    try:
        return server_backup.restore(db, saved, NOW)
    finally:
        db.dispose()


def server_rows(url: str, hall_id: str) -> tuple[int, int, list[str]]:
    """(cases, rows of every scope of a device, notice numbers) the server holds."""
    db = ServerDatabase(url)
    try:
        with db.snapshot() as s:
            cases = int(s.scalar(select(func.count()).select_from(Case)) or 0)
            rows = int(s.scalar(select(func.sum(ScopeCounter.row_count)).where(
                ScopeCounter.scope.in_(device_scopes(hall_id)))) or 0)
            numbers = list(s.scalars(select(Notice.number)))
        return cases, rows, numbers
    finally:
        db.dispose()


def last_seq(url: str, scope: str) -> int:
    db = ServerDatabase(url)
    try:
        with db.snapshot() as s:
            counter = s.get(ScopeCounter, scope)
            return counter.last_seq if counter else 0
    finally:
        db.dispose()


def cursors_kept(caplog: pytest.LogCaptureFixture) -> list[dict[str, int]]:
    """What each epoch change logged as the cursors it kept (app.sync.cycle)."""
    out = []
    for r in caplog.records:
        if r.name == "app.sync.cycle" and r.msg.startswith("server epoch changed"):
            kept = r.args[3] if isinstance(r.args, tuple) else None
            out.append(kept if isinstance(kept, dict) else {})
    return out


def agree(url: str, hall_id: str, *counters: Services) -> None:
    """Each counter's hall rows are the server's, and every scope's checksum was found matching."""
    with serving(url, *counters) as base, httpx.Client(base_url=base, timeout=30) as http:
        scope = hall_scope(hall_id)
        rows: dict[tuple[str, str], object] = {}
        cursor, more = 0, True
        while more:
            page = http.get("/v1/pull", params={"scope": scope, "cursor": cursor, "limit": 2000},
                            headers=device_of(counters[0]).headers).json()
            rows.update({(c["entity"], c["id"]): c["row"] for c in page["changes"]})
            cursor, more = page["next_cursor"], page["has_more"]
    for counter in counters:
        assert checksum(hall_rows(counter)) == checksum(rows)
        assert unverified(counter) == []


def test_a_restore_keeps_the_cursors_the_backup_covers(
        server_url: str, server_template: Template, counters, tmp_path: Path,
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    hall = hall_scope(server_template.hall_id)
    with running_server("--db", server_url) as (base, _):
        a, b = enrolled(counters, base, "a", "01"), enrolled(counters, base, "b", "02")
        for i in range(8):
            intake(a, name=f"蒋备份前{i}")
        a.sync.sync_once()
        b.sync.sync_once()
        saved = backup(server_url, tmp_path / "backups")
        for name in ("蒋之后一", "蒋之后二"):
            intake(a, name=name)
        enquiry(b, "备份之后的咨询")
        a.sync.sync_once()
        b.sync.sync_once()
        a.sync.sync_once()
        old_epoch = a.sync.status().epoch
    assert server_rows(server_url, server_template.hall_id)[0] == 10
    new_epoch = restore(server_url, saved)
    mark = last_seq(server_url, hall)
    assert server_rows(server_url, server_template.hall_id)[0] == 8 and new_epoch != old_epoch

    with serving(server_url, a, b):
        first_a = a.sync.sync_once()
        first_b = b.sync.sync_once()
        second_a = a.sync.sync_once()
    assert first_a.epoch_changed and first_b.epoch_changed
    assert (first_a.pushed, first_a.conflicts, first_a.rejected) == (10, 0, 0)  # every retained op
    assert (first_b.pushed, first_b.conflicts, first_b.rejected) == (1, 0, 0)
    # both were beyond the backup in the hall scope: moved back to its mark, the other scopes kept
    kept = cursors_kept(caplog)
    assert len(kept) == 2 and all(k[hall] == mark and len(k) > 1 for k in kept)
    # only what changed after the mark came down again: 2 cases with their papers, 1 enquiry
    pulled = first_a.pulled + first_b.pulled + second_a.pulled
    cases, rows, numbers = server_rows(server_url, server_template.hall_id)
    assert 0 < pulled <= 3 * 8 and rows > 4 * pulled
    assert cases == 10 and len(numbers) == len(set(numbers))
    agree(server_url, server_template.hall_id, a, b)
    assert {a.sync.status().epoch, b.sync.status().epoch} == {new_epoch}


def test_a_change_only_the_server_made_lost_in_the_restore_is_found_by_the_checksum(
        server_url: str, server_template: Template, counters, tmp_path: Path,
        caplog: pytest.LogCaptureFixture) -> None:
    """The server deemed a case accepted after the backup; the counters pulled it; the restore
    lost it and nobody will push it again. The counter moved back to the mark holds the deemed
    row: its checksum differs. Within the grace after the restore it waits (other counters'
    lost work would come back by their pushes); after it, the scope is pulled once from 0 and
    ends as the server's."""
    caplog.set_level(logging.INFO)
    with running_server("--db", server_url) as (base, _):
        a, b = enrolled(counters, base, "a", "01"), enrolled(counters, base, "b", "02")
        view = intake(a, decision=None, name="韩待告知")
        intake(a, name="韩已受理")
        a.sync.sync_once()
        b.sync.sync_once()
        saved = backup(server_url, tmp_path / "backups")
        db = ServerDatabase(server_url)
        try:  # the server alone: 视为受理 of the lapsed case
            later = dt.datetime.combine(view.notify_due + dt.timedelta(days=3), dt.time(2))
            assert deem_lapsed(db, server_template.hall_id, later) == [view.id]
        finally:
            db.dispose()
        b.sync.sync_once()
    with b.ctx.db.read() as s:
        assert s.get(Case, view.id).status == "accepted"
    restore(server_url, saved)
    caplog.clear()
    with serving(server_url, b):
        report = b.sync.sync_once()
        assert report.epoch_changed and cursors_kept(caplog) and report.pulled == 0
        assert b.sync.sync_once().pulled == 0 and unverified(b) == [hall_scope(server_template.hall_id)]
        assert not any("pulling it again from 0" in r.getMessage() for r in caplog.records)
        b.ctx.clock.advance(hours=3)  # the grace is over: nobody pushed the deemed case again
        report = b.sync.sync_once()
    assert any("pulling it again from 0" in r.getMessage() for r in caplog.records)
    assert report.pulled >= server_rows(server_url, server_template.hall_id)[0]
    with b.ctx.db.read() as s:
        assert s.get(Case, view.id).status == "received"
    agree(server_url, server_template.hall_id, b)


def test_two_restores_in_a_row_and_an_epoch_not_in_the_lineage(
        server_url: str, server_template: Template, counters, tmp_path: Path,
        caplog: pytest.LogCaptureFixture) -> None:
    """E0 → backup 1 → restore (E1) → backup 2 → restore (E2): a counter last seen in E0 keeps
    its cursor up to the least of both marks. Then backup 1 (of E0) again (E3 descends from E0):
    a counter last seen in E2 is not in E3's lineage and pulls everything from 0, as before."""
    caplog.set_level(logging.INFO)
    hall = hall_scope(server_template.hall_id)
    with running_server("--db", server_url) as (base, _):
        a, c = enrolled(counters, base, "a", "01"), enrolled(counters, base, "c", "03")
        for i in range(4):
            intake(a, name=f"沈{i}")
        a.sync.sync_once()
        c.sync.sync_once()
        first = backup(server_url, tmp_path / "backups")
        intake(a, name="沈五")
        a.sync.sync_once()
        c.sync.sync_once()  # c is beyond backup 1, then stays away through both restores
    restore(server_url, first)
    mark1 = last_seq(server_url, hall)
    with serving(server_url, a):
        a.sync.sync_once()
        intake(a, name="沈六")
        a.sync.sync_once()
        second = backup(server_url, tmp_path / "backups")
        intake(a, name="沈七")
        a.sync.sync_once()
    restore(server_url, second)
    assert last_seq(server_url, hall) > mark1
    caplog.clear()
    with serving(server_url, a, c):
        report = c.sync.sync_once()
        a.sync.sync_once()
        c.sync.sync_once()
    assert report.epoch_changed and cursors_kept(caplog)[0][hall] == mark1
    assert report.pulled < server_rows(server_url, server_template.hall_id)[1] / 4
    agree(server_url, server_template.hall_id, a, c)

    restore(server_url, first)  # E3 from E0 again: E1 and E2 are not its ancestors
    caplog.clear()
    with serving(server_url, a):
        report = a.sync.sync_once()
    assert report.epoch_changed and cursors_kept(caplog) == [{}]
    assert report.pulled >= server_rows(server_url, server_template.hall_id)[1]  # everything again
    agree(server_url, server_template.hall_id, a)


def test_the_marks_are_the_devices_own_and_a_bad_since_is_no_error(
        server_url: str, server_template: Template, counters, tmp_path: Path) -> None:
    with running_server("--db", server_url) as (base, _):
        a = enrolled(counters, base, "a", "01")
        intake(a)
        a.sync.sync_once()
        old = state.load(a.ctx)[state.EPOCH]
    db = ServerDatabase(server_url)
    try:
        with db.write() as s:
            ensure_counter(s, "hall:another-hall")  # a scope of another hall: never told to this device
    finally:
        db.dispose()
    saved = backup(server_url, tmp_path / "backups")
    new = restore(server_url, saved)
    headers = device_of(a).headers
    with running_server("--db", server_url) as (base, _), httpx.Client(base_url=base, timeout=30) as http:
        body = http.get("/v1/epoch", params={"since": old}, headers=headers).json()
        assert body["epoch"] == new and body["since"] == old
        assert set(body["marks"]) == set(device_scopes(server_template.hall_id))
        assert body["marks"][hall_scope(server_template.hall_id)] == last_seq(server_url, hall_scope(
            server_template.hall_id))
        current = http.get("/v1/epoch", params={"since": new}, headers=headers).json()
        assert current["marks"] == body["marks"]  # nothing changed since the restore
        for since in (str(uuid.uuid4()), "x" * 64, "' OR 1=1 --", "纪元", "lineage:" + old, "\x00", "%00", "\u202e"):
            r = http.get("/v1/epoch", params={"since": since}, headers=headers)
            assert r.status_code == 200 and r.json()["marks"] == {}, (since, r.text)
        for params in ({}, {"since": ""}, {"since": "x" * 65}):
            r = http.get("/v1/epoch", params=params, headers=headers)
            assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_request"
        assert http.get("/v1/epoch", params={"since": old}).status_code == 401


def test_renew_epoch_by_hand_records_the_same_lineage(server_url: str, server_template: Template,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    """After a restore by hand (pg_restore, or a file copied back) ``renew-epoch`` reads the
    restored database: its epoch becomes the predecessor, its scope counters the marks."""
    from server.cli import main
    from server.meta import current_epoch, marks_since

    db = ServerDatabase(server_url)
    try:
        with db.snapshot() as s:
            before = current_epoch(s)
            counters_now = {c.scope: c.last_seq for c in s.scalars(select(ScopeCounter))}
        assert main(["--db", server_url, "renew-epoch", "--reason", "restored by hand"]) == 0
        assert main(["--db", server_url, "renew-epoch"]) == 0  # twice: a chain
        with db.snapshot() as s:
            assert current_epoch(s) in capsys.readouterr().out
            assert marks_since(s, before) == counters_now and len(counters_now) > 1
            assert marks_since(s, "not-an-epoch") == {}
    finally:
        db.dispose()
