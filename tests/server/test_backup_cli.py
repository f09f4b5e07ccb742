"""Backup and restore through ``counter-desk-server`` (SQLite online backup; pg_dump/pg_restore on
PostgreSQL): a restore brings back the old data and renews the epoch."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from server.cli import main
from server.engine import ServerDatabase
from server.schema import EnrolmentCode


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    assert main(list(argv)) == 0
    return capsys.readouterr().out.strip()


def _codes(url: str) -> int:
    db = ServerDatabase(url)
    try:
        with db.snapshot() as s:
            return int(s.scalar(select(func.count()).select_from(EnrolmentCode)) or 0)
    finally:
        db.dispose()


def test_restore_brings_back_the_backup_and_renews_the_epoch(
        server_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    if server_url.startswith("postgresql") and not (shutil.which("pg_dump") and shutil.which("pg_restore")):
        pytest.skip("the PostgreSQL client programs pg_dump/pg_restore are not installed")
    before = _run(capsys, "--db", server_url, "epoch")
    backup = Path(_run(capsys, "--db", server_url, "backup", "--to", str(tmp_path / "backups")))
    assert backup.exists() and backup.stat().st_size > 0
    code = _run(capsys, "--db", server_url, "create-enrolment-code", "--window", "01")
    assert "01号窗口" in code and _codes(server_url) == 1
    restored = _run(capsys, "--db", server_url, "restore", str(backup))
    after = _run(capsys, "--db", server_url, "epoch")
    assert after != before and after in restored
    assert _codes(server_url) == 0  # what happened after the backup is gone; devices re-push it


def test_renew_epoch_by_hand_and_errors_are_one_line(server_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    before = _run(capsys, "--db", server_url, "epoch")
    assert _run(capsys, "--db", server_url, "renew-epoch", "--reason", "pg_restore by hand") != before
    assert main(["--db", server_url, "create-enrolment-code", "--window", "99"]) == 1
    assert "没有 99 号窗口" in capsys.readouterr().err
