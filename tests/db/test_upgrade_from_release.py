"""A data file written by the first released version (schema 0001, two weeks of counter work with
every operation still waiting to be synced) is upgraded the way the app opens it, and loses nothing.

The file is tests/db/fixtures/release-0.1.0.sqlite3; fixtures/README.md says how it was made.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext

import app.upgrade as upgrade
from app.backup import check_integrity
from app.clock import FixedClock
from app.context import Actor
from app.dto import DecisionInput, LedgerQuery
from app.errors import AuthenticationFailed, StorageError
from app.numbering import parse_number
from app.services import Services
from db.engine import alembic_config, create_sqlite_engine, current_revision, head_revision, migrate
from db.repositories import JournalRepository
from tests.app.kit import IntakeKit

RELEASE = Path(__file__).parent / "fixtures" / "release-0.1.0.sqlite3"
RELEASE_REVISION = "0001"
AFTER = dt.datetime(2026, 3, 16, 9, 30)  # the Monday after the two weeks in the file
NEW_OUTBOX_COLUMNS = ("result", "server_reply", "acked_at", "acked_epoch")


# -- reading the raw file ------------------------------------------------------------------------


def _query(path: Path, sql: str, *args: Any) -> list[tuple[Any, ...]]:
    con = sqlite3.connect(path)
    try:
        return con.execute(sql, args).fetchall()
    finally:
        con.close()


def _tables(path: Path) -> dict[str, list[str]]:
    """Every table of the file with its columns; the FTS index is checked by searching, and
    alembic_version is meant to change."""
    names = [r[0] for r in _query(path, "SELECT name FROM sqlite_master WHERE type = 'table' "
                                        "AND name NOT LIKE 'case_fts%' AND name != 'alembic_version'")]
    return {t: [r[1] for r in _query(path, f'PRAGMA table_info("{t}")')] for t in names}


def _dump(path: Path, tables: dict[str, list[str]]) -> dict[str, list[tuple[Any, ...]]]:
    """Every row (rowid first) of ``tables`` in the given columns."""
    dump = {}
    for table, columns in tables.items():
        cols = ", ".join(f'"{c}"' for c in columns)
        dump[table] = _query(path, f'SELECT rowid, {cols} FROM "{table}" ORDER BY rowid')
    return dump


def _revision(path: Path) -> str:
    return str(_query(path, "SELECT version_num FROM alembic_version")[0][0])


def _last_client_seq(path: Path) -> int:
    return int(_query(path, "SELECT seq FROM sqlite_sequence WHERE name = 'outbox_op'")[0][0])


def _delete_newest_operation(path: Path) -> int:
    con = sqlite3.connect(path)
    try:
        newest = con.execute("SELECT max(client_seq) FROM outbox_op").fetchone()[0]
        con.execute("DELETE FROM outbox_op WHERE client_seq = ?", (newest,))
        con.commit()
    finally:
        con.close()
    return int(newest)


# -- fixtures ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An untouched copy to compare with (reading the file in place would leave -wal/-shm files
    in the source tree)."""
    assert RELEASE.exists(), f"{RELEASE} is missing: see tests/db/fixtures/README.md"
    path = tmp_path_factory.mktemp("release") / RELEASE.name
    shutil.copyfile(RELEASE, path)
    assert _revision(path) == RELEASE_REVISION
    return path


@pytest.fixture(scope="module")
def release_tables(release: Path) -> dict[str, list[str]]:
    return _tables(release)


@pytest.fixture(scope="module")
def release_dump(release: Path, release_tables) -> dict[str, list[tuple[Any, ...]]]:
    return _dump(release, release_tables)


@pytest.fixture
def release_copy(tmp_path: Path) -> Path:
    target = tmp_path / "counter-desk.sqlite3"
    shutil.copyfile(RELEASE, target)
    return target


@pytest.fixture
def upgraded(release_copy: Path) -> Iterator[Services]:
    """The release's file opened the way the app opens it (backup, migrate, verify)."""
    services = Services.open_demo(release_copy, FixedClock(AFTER))
    yield services
    services.close()


def _actor(services: Services, login: str = "zhangmin") -> Actor:
    info = services.auth.login(login, "demo1234")
    return Actor(info.id, info.name)


# -- the upgrade ---------------------------------------------------------------------------------


def test_the_release_file_is_what_the_tests_expect(release: Path, release_dump) -> None:
    assert check_integrity(release).ok
    assert len(release_dump["cases"]) >= 12 and len(release_dump["enquiry"]) >= 3
    statuses = {r[0] for r in _query(release, "SELECT DISTINCT status FROM cases")}
    assert statuses == {"received", "accepted", "correction", "rejected", "completed", "delivered", "voided"}
    assert _query(release, "SELECT count(*) FROM suspension WHERE ended_on IS NOT NULL") == [(1,)]
    assert len({r[0] for r in _query(release, "SELECT DISTINCT kind FROM notice")}) == 7
    assert {r[0] for r in _query(release, "SELECT DISTINCT status FROM outbox_op")} == {"pending"}
    assert head_revision() != RELEASE_REVISION  # otherwise nothing here is an upgrade


def test_opening_upgrades_to_head_and_keeps_every_row(
    upgraded: Services, release_copy: Path, release_tables, release_dump
) -> None:
    upgraded.close()
    assert _revision(release_copy) == head_revision()
    assert _dump(release_copy, release_tables) == release_dump
    assert check_integrity(release_copy).ok
    _query(release_copy, "INSERT INTO case_fts(case_fts) VALUES ('integrity-check')")  # raises if out of step


def test_the_pre_upgrade_backup_is_the_release_file(
    upgraded: Services, release_copy: Path, release_tables, release_dump
) -> None:
    backups = sorted((release_copy.parent / "backups" / "pre-upgrade").glob("*.sqlite3"))
    assert [b.name for b in backups] == [f"counter-desk-{AFTER:%Y%m%d-%H%M%S}.sqlite3"]
    assert check_integrity(backups[0]).ok
    assert _revision(backups[0]) == RELEASE_REVISION
    assert _dump(backups[0], release_tables) == release_dump


def test_pending_operations_are_the_same_in_the_same_order(upgraded: Services, release: Path) -> None:
    before = [
        (seq, op_id, kind, entity_id, json.loads(payload), dt.datetime.fromisoformat(at), *rest)
        for seq, op_id, kind, entity_id, payload, at, *rest in _query(
            release, "SELECT client_seq, op_id, kind, entity_id, payload, created_at, actor_id, status, attempts, "
                     "last_error FROM outbox_op ORDER BY client_seq")
    ]
    with upgraded.ctx.db.read() as s:
        ops = JournalRepository(s).ops()
        after = [(op.client_seq, op.op_id, op.kind, op.entity_id, op.payload, op.created_at, op.actor_id,
                  op.status, op.attempts, op.last_error) for op in ops]
        replies = {(op.result, op.server_reply, op.acked_at, op.acked_epoch) for op in ops}
    assert after == before
    assert replies == {(None, None, None, None)}  # the server has answered none of them
    stats = upgraded.ledger.outbox_stats()
    assert stats.pending == len(before)
    assert stats.oldest_pending_at == min(op[5] for op in before)


def test_new_columns_and_tables_start_empty(upgraded: Services, release_copy: Path) -> None:
    columns = [r[1] for r in _query(release_copy, "PRAGMA table_info(outbox_op)")]
    assert set(NEW_OUTBOX_COLUMNS) <= set(columns)
    nulls = " AND ".join(f"{c} IS NULL" for c in NEW_OUTBOX_COLUMNS)
    assert _query(release_copy, f"SELECT count(*) FROM outbox_op WHERE NOT ({nulls})") == [(0,)]
    assert _query(release_copy, "SELECT count(*) FROM sync_cursor") == [(0,)]
    assert _query(release_copy, "SELECT count(*) FROM sync_state") == [(0,)]
    con = sqlite3.connect(release_copy)
    try:
        con.execute("INSERT INTO sync_cursor(scope) VALUES ('hall:demo')")
        row = con.execute("SELECT cursor, typeof(cursor), checksum, updated_at FROM sync_cursor").fetchone()
    finally:
        con.close()
    assert row == (0, "integer", "", None)


def test_demo_logins_still_work(upgraded: Services) -> None:
    for login in ("zhangmin", "liqiang", "admin", "wangxin"):
        assert upgraded.auth.login(login, "demo1234").login == login
    assert upgraded.auth.login("wangxin", "demo1234").name == "王𬌗"
    with pytest.raises(AuthenticationFailed):
        upgraded.auth.login("zhangmin", "demo12345")


def test_work_goes_on_after_the_upgrade(upgraded: Services, release_copy: Path, release: Path) -> None:
    old_numbers = dict(_query(release, "SELECT number, kind FROM notice"))
    old_last_seq = _query(release, "SELECT max(client_seq) FROM outbox_op")[0][0]
    kit = IntakeKit(upgraded)
    actor = _actor(upgraded)
    view = upgraded.intake.open_case(actor, kit.request(kit.matter(case_type="promised").id, name="林新"),
                                     window_id=None)
    assert view.status == "accepted" and [n.kind for n in view.notices] == ["receipt", "acceptance"]
    old_blocks = _query(release, "SELECT id, next_value FROM number_block")
    for notice in view.notices:  # standalone: marked with the PC's window, apart from what it printed before
        assert notice.number not in old_numbers and notice.number.startswith("DEMO-01-2026-")
        assert all(parse_number(old) for old in old_numbers)  # the old papers keep their unmarked numbers
    assert view.number not in {r[0] for r in _query(release, "SELECT number FROM cases")}
    assert view.number.startswith("DEMO-01-2026C")
    assert set(old_blocks) <= set(_query(release_copy, "SELECT id, next_value FROM number_block"))  # kept
    new_seqs = [r[0] for r in _query(release_copy, "SELECT client_seq FROM outbox_op WHERE entity_id = ?", view.id)]
    assert new_seqs == [old_last_seq + 1]


def test_old_cases_go_on_after_the_upgrade(upgraded: Services) -> None:
    actor = _actor(upgraded)
    received = upgraded.ledger.search(LedgerQuery(text="冯婷"))[0]
    assert received.status == "received"
    old = upgraded.intake.get(received.id)
    decided = upgraded.intake.decide(actor, old.id, old.version, DecisionInput("accept"),
                                     IntakeKit(upgraded).materials(old.matter_id))
    assert decided.status == "accepted"
    delivered = upgraded.ledger.search(LedgerQuery(text="李明", status="delivered"))[0]
    acceptance = next(p for p in upgraded.notices.printables(delivered.id) if p.kind == "acceptance")
    assert acceptance.times_printed == 2  # printed, then 补打, before the upgrade
    steps = [e.action for e in upgraded.ledger.timeline(delivered.id)]
    assert steps[0] == "case.open" and steps[-1] == "case.deliver" and "notice.reprint" in steps


@pytest.mark.parametrize("text", ["王𬌗", "DEMO-2026C000001", "demo-2026c000001", "买买提", "青禾农业科技"])
def test_the_ledger_finds_old_cases(upgraded: Services, release: Path, text: str) -> None:
    rows = upgraded.ledger.search(LedgerQuery(text=text))
    assert len(rows) == 1
    expected = _query(release, "SELECT id FROM cases WHERE applicant_name LIKE ? OR number = ?",
                      f"%{text}%", text.upper())
    assert [r.id for r in rows] == [expected[0][0]]


def test_the_rare_name_and_long_remark_are_intact(upgraded: Services, release: Path) -> None:
    row = upgraded.ledger.search(LedgerQuery(text="王𬌗"))[0]
    view = upgraded.intake.get(row.id)
    assert view.applicant.name == "王𬌗"
    assert view.remark == _query(release, "SELECT remark FROM cases WHERE id = ?", row.id)[0][0]
    assert len(view.remark) == 5000


# -- client_seq is never handed out twice ------------------------------------------------------


def test_client_seq_is_not_reused_when_the_newest_operation_was_deleted(release_copy: Path) -> None:
    newest = _delete_newest_operation(release_copy)
    assert _last_client_seq(release_copy) == newest
    services = Services.open_demo(release_copy, FixedClock(AFTER))
    try:
        assert _last_client_seq(release_copy) == newest  # the upgrade kept the high-water mark
        kit = IntakeKit(services)
        view = services.intake.open_case(_actor(services), kit.request(kit.matter().id), window_id=None)
    finally:
        services.close()
    assert _query(release_copy, "SELECT client_seq FROM outbox_op WHERE entity_id = ?", view.id) == [(newest + 1,)]


def _rebuild_outbox(engine) -> None:
    """The mistake the real migration avoids: a batch migration that copies outbox_op."""
    migrate(engine)
    with engine.begin() as conn, Operations(MigrationContext.configure(conn)).batch_alter_table(
            "outbox_op", recreate="always") as batch:
        batch.add_column(sa.Column("note", sa.Text(), nullable=True))


def test_an_upgrade_that_rebuilds_the_outbox_is_rolled_back(
    release_copy: Path, release_tables, monkeypatch: pytest.MonkeyPatch
) -> None:
    _delete_newest_operation(release_copy)
    before = _dump(release_copy, release_tables)
    monkeypatch.setattr(upgrade, "migrate", _rebuild_outbox)
    with pytest.raises(StorageError, match=r"序号被重置.*已自动恢复为升级前的数据"):
        upgrade.upgrade_if_needed(release_copy, AFTER)
    assert _revision(release_copy) == RELEASE_REVISION
    assert _dump(release_copy, release_tables) == before


def test_a_failing_migration_restores_the_release_file(release_copy: Path, release_tables, release_dump) -> None:
    # a leftover table makes the real migration fail half-way
    _query(release_copy, "CREATE TABLE sync_state (x)")
    with pytest.raises(StorageError, match="已自动恢复为升级前的数据") as failure:
        Services.open_demo(release_copy, FixedClock(AFTER))
    assert "sync_state" in str(failure.value)
    assert _revision(release_copy) == RELEASE_REVISION
    assert _dump(release_copy, release_tables) == release_dump
    assert check_integrity(release_copy).ok
    assert list(release_copy.parent.glob("counter-desk.sqlite3.replaced-*"))  # the failed file is kept


# -- and back ------------------------------------------------------------------------------------


def test_downgrade_gives_back_the_release_schema_and_rows(
    release_copy: Path, release: Path, release_tables, release_dump
) -> None:
    newest = _delete_newest_operation(release_copy)
    schema = _query(release, "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY name")
    engine = create_sqlite_engine(release_copy)
    try:
        migrate(engine)
        cfg = alembic_config(engine)
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, RELEASE_REVISION)
        assert current_revision(engine) == RELEASE_REVISION
        assert _query(release_copy, "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY name") == schema
        assert _last_client_seq(release_copy) == newest
        expected = {**release_dump, "outbox_op": [r for r in release_dump["outbox_op"] if r[0] != newest]}
        assert _dump(release_copy, release_tables) == expected
        migrate(engine)
        assert current_revision(engine) == head_revision()
        assert _last_client_seq(release_copy) == newest
    finally:
        engine.dispose()
