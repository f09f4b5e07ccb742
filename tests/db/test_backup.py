"""Backups while the app writes, rotation, restore, and the integrity check at start."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest

from app.backup import backup_due, backup_now, check_integrity, latest_good_backup, list_backups, restore
from app.errors import StorageError
from app.services import Services
from tests.app.kit import IntakeKit

NOW = dt.datetime(2026, 3, 2, 18, 0)


def _cases(path: Path) -> int:
    with sqlite3.connect(path) as c:
        return int(c.execute("SELECT count(*) FROM cases").fetchone()[0])


def test_backup_of_a_live_database_rotates_and_restores(services: Services, actor, tmp_path: Path) -> None:
    kit = IntakeKit(services)
    db = services.ctx.db.path
    folder = tmp_path / "backups"
    services.intake.open_case(actor, kit.request(kit.matter().id), window_id=None)
    first = backup_now(db, folder, keep=3, now=NOW)
    assert _cases(first) == 1 and check_integrity(first).ok
    assert not backup_due(folder, NOW.date()) and backup_due(folder, NOW.date() + dt.timedelta(days=1))
    for day in range(1, 5):  # more days: only the newest three are kept
        services.intake.open_case(actor, kit.request(kit.matter().id), window_id=None)
        backup_now(db, folder, keep=3, now=NOW + dt.timedelta(days=day))
    kept = list_backups(folder)
    assert len(kept) == 3 and kept[0].name == "counter-desk-20260306-180000.sqlite3"
    assert _cases(kept[0]) == 5
    services.close()
    moved = restore(kept[-1], db, now=NOW + dt.timedelta(days=9))
    assert _cases(db) == 3 and moved.exists() and _cases(moved) == 5


def test_corruption_is_detected_and_the_latest_good_backup_found(tmp_path: Path, db_path: Path) -> None:
    folder = tmp_path / "backups"
    good = backup_now(db_path, folder, keep=5, now=NOW)
    broken = folder / "counter-desk-20260303-180000.sqlite3"  # newer, but damaged
    broken.write_bytes(good.read_bytes()[:4096] + b"\x00garbage" * 2000)
    assert check_integrity(db_path).ok
    damaged = tmp_path / "damaged.sqlite3"
    data = bytearray(db_path.read_bytes())
    data[4096 * 3:4096 * 3 + 2000] = b"\xff" * 2000  # trash a b-tree page
    damaged.write_bytes(bytes(data))
    assert not check_integrity(damaged).ok
    assert latest_good_backup(folder) == good
    with pytest.raises(StorageError, match="已损坏"):
        restore(broken, damaged, now=NOW)
    not_a_db = tmp_path / "x.sqlite3"
    not_a_db.write_bytes(b"hello")
    assert not check_integrity(not_a_db).ok


def test_start_refuses_a_damaged_file_and_restores_only_when_asked(tmp_path: Path, db_path: Path) -> None:
    from app.startup import daily_backup, recover_if_damaged

    assert daily_backup(db_path, keep=3, now=NOW) is not None
    assert daily_backup(db_path, keep=3, now=NOW + dt.timedelta(hours=2)) is None  # once a day
    healthy = db_path.read_bytes()
    data = bytearray(healthy)
    data[4096 * 3:4096 * 3 + 2000] = b"\xff" * 2000
    db_path.write_bytes(bytes(data))
    asked: list[tuple[str, bool]] = []
    assert not recover_if_damaged(db_path, lambda m, can: asked.append((m, can)) or False, NOW)
    assert "已损坏" in asked[0][0] and "counter-desk-20260302-180000" in asked[0][0] and asked[0][1]
    assert db_path.read_bytes() == bytes(data)  # declined: the damaged file is left exactly as it was
    assert recover_if_damaged(db_path, lambda m, can: True, NOW)
    assert check_integrity(db_path).ok and _cases(db_path) == 0
    assert any(p.name.startswith(db_path.name + ".replaced-") for p in db_path.parent.iterdir())
