"""Upgrading the schema never loses typed work or pending sync operations: a failing or lossy
migration is rolled back to the pre-upgrade backup with an explanation."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest

import app.upgrade as upgrade
from app.errors import StorageError
from app.services import Services
from db.engine import create_sqlite_engine
from tests.app.kit import IntakeKit

NOW = dt.datetime(2026, 3, 2, 18, 0)


def _with_pending_work(db_path: Path) -> dict[str, int]:
    services = Services.open_demo(db_path)
    clerk = services.auth.login("zhangmin", "demo1234")
    from app.context import Actor

    kit = IntakeKit(services)
    for name in ("李明", "王𬌗"):
        services.intake.open_case(Actor(clerk.id, clerk.name), kit.request(kit.matter().id, name=name),
                                  window_id=None)
    services.close()
    with sqlite3.connect(db_path) as c:
        return {t: c.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("cases", "outbox_op", "notice")}


def _counts(db_path: Path) -> dict[str, int]:
    with sqlite3.connect(db_path) as c:
        return {t: c.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("cases", "outbox_op", "notice")}


def _pretend_new_revision(monkeypatch: pytest.MonkeyPatch, migration) -> None:
    monkeypatch.setattr(upgrade, "head_revision", lambda: "9999_next")
    monkeypatch.setattr(upgrade, "migrate", migration)


def test_nothing_to_do_when_current(db_path: Path) -> None:
    assert upgrade.upgrade_if_needed(db_path, NOW) is None


def test_a_good_upgrade_keeps_everything_and_a_backup(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = _with_pending_work(db_path)

    def add_column(engine) -> None:
        with engine.begin() as conn:
            conn.exec_driver_sql("ALTER TABLE cases ADD COLUMN extra TEXT DEFAULT ''")

    _pretend_new_revision(monkeypatch, add_column)
    backup = upgrade.upgrade_if_needed(db_path, NOW)
    assert backup is not None and backup.exists() and "pre-upgrade" in str(backup)
    assert _counts(db_path) == before


@pytest.mark.parametrize("failure", ["raises", "loses_an_operation", "loses_a_case"])
def test_a_bad_upgrade_is_rolled_back(db_path: Path, monkeypatch: pytest.MonkeyPatch, failure: str) -> None:
    before = _with_pending_work(db_path)

    def bad(engine) -> None:
        with engine.begin() as conn:
            conn.exec_driver_sql("ALTER TABLE cases ADD COLUMN half_done TEXT")
            if failure == "raises":
                raise RuntimeError("near \"COLUM\": syntax error")
            if failure == "loses_an_operation":
                conn.exec_driver_sql("DELETE FROM outbox_op WHERE client_seq = 1")
            else:
                conn.exec_driver_sql("DROP TRIGGER cases_no_delete")
                conn.exec_driver_sql("DELETE FROM case_material")
                conn.exec_driver_sql("DELETE FROM cases WHERE rowid = 1")

    _pretend_new_revision(monkeypatch, bad)
    with pytest.raises(StorageError, match="已自动恢复为升级前的数据"):
        upgrade.upgrade_if_needed(db_path, NOW)
    assert _counts(db_path) == before
    engine = create_sqlite_engine(db_path)
    with engine.connect() as conn:
        columns = [r[1] for r in conn.exec_driver_sql("PRAGMA table_info(cases)")]
    engine.dispose()
    assert "half_done" not in columns  # the file is the pre-upgrade one
