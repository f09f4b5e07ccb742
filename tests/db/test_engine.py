"""The local SQLite file: durability pragmas, migrations, and that the models match them."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from db.engine import alembic_config, current_revision, head_revision, migrate, open_database
from db.models import COUNTER_ONLY_INDEXES, Base


def test_every_connection_has_the_durability_pragmas(tmp_path: Path) -> None:
    db = open_database(tmp_path / "a.sqlite3")
    with db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    db.dispose()


def test_write_transactions_take_the_lock_up_front(tmp_path: Path) -> None:
    db = open_database(tmp_path / "a.sqlite3")
    with db.write() as s:
        s.execute(text("INSERT INTO parameter(key, value) VALUES ('x', '1')"))
        other = sqlite3.connect(tmp_path / "a.sqlite3", timeout=0.1)
        # BEGIN IMMEDIATE: a second writer is refused at once instead of deadlocking later
        try:
            other.execute("BEGIN IMMEDIATE")
            raise AssertionError("second writer got the lock")
        except sqlite3.OperationalError as exc:
            assert "locked" in str(exc)
        finally:
            other.close()
    db.dispose()


def test_foreign_keys_are_enforced(tmp_path: Path) -> None:
    db = open_database(tmp_path / "a.sqlite3")
    with pytest.raises(IntegrityError, match="FOREIGN KEY"), db.write() as s:
        s.execute(text('INSERT INTO matter_material(id, matter_id, seq, name, originals, copies, is_main, '
                       '"deferrable", notes) VALUES (\'m\', \'no-such-matter\', 1, \'x\', 1, 0, 1, 0, \'\')'))
    db.dispose()


def test_migrations_reach_head_downgrade_and_upgrade_again(tmp_path: Path) -> None:
    db = open_database(tmp_path / "a.sqlite3")
    assert current_revision(db.engine) == head_revision()
    cfg = alembic_config(db.engine)
    with db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "base")
    assert current_revision(db.engine) is None
    migrate(db.engine)
    assert current_revision(db.engine) == head_revision()
    db.dispose()


def test_models_and_migrations_agree(tmp_path: Path) -> None:
    db = open_database(tmp_path / "a.sqlite3")
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    # the FTS5 shadow tables are ours, made in the migration, not models
    diff = [d for d in diff if not (d[0] == "remove_table" and d[1].name.startswith("case_fts"))]
    # ... and so are the counter-only indexes (the server copies the models' tables)
    diff = [d for d in diff if not (d[0] == "remove_index" and d[1].name in COUNTER_ONLY_INDEXES)]
    assert diff == []
    db.dispose()
