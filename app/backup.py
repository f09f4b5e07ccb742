"""Backups of the local store with SQLite's online backup API (safe while the app writes),
rotation, restore for IT staff, and the integrity check run at start.

Qt-free. Errors: StorageError with a message that says what to do.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from app.errors import StorageError

PREFIX = "counter-desk-"
SUFFIX = ".sqlite3"


@dataclass(frozen=True)
class Integrity:
    ok: bool
    detail: str


def check_integrity(db_path: Path) -> Integrity:
    """``PRAGMA quick_check`` without writing anything (read-only URI)."""
    if not db_path.exists():
        return Integrity(True, "new")
    try:
        con = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
        try:
            rows = [r[0] for r in con.execute("PRAGMA quick_check").fetchall()]
        finally:
            con.close()
    except sqlite3.DatabaseError as exc:
        return Integrity(False, str(exc))
    return Integrity(rows == ["ok"], "; ".join(rows[:5]))


def backup_folder(db_path: Path) -> Path:
    return db_path.parent / "backups"


def list_backups(folder: Path) -> list[Path]:
    """Newest first."""
    return sorted(folder.glob(f"{PREFIX}*{SUFFIX}"), reverse=True)


def backup_now(db_path: Path, folder: Path, *, keep: int, now: dt.datetime) -> Path:
    """Copy the live database page by page, verify the copy, keep the newest ``keep``."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{PREFIX}{now:%Y%m%d-%H%M%S}{SUFFIX}"
    partial = target.with_suffix(".partial")
    try:
        src = sqlite3.connect(db_path)
        dst = sqlite3.connect(partial)
        try:
            src.backup(dst)
        finally:
            dst.close()
            src.close()
        if not check_integrity(partial).ok:
            raise StorageError("备份文件校验未通过，已放弃本次备份。请联系信息科检查磁盘。")
        os.replace(partial, target)
    except (OSError, sqlite3.Error) as exc:
        partial.unlink(missing_ok=True)
        raise StorageError(f"自动备份失败（{exc}）。业务数据不受影响，请联系信息科检查备份目录和磁盘空间。") from exc
    for old in list_backups(folder)[keep:]:
        old.unlink(missing_ok=True)
    return target


def backup_due(folder: Path, today: dt.date) -> bool:
    """True when no backup of ``today`` exists yet (one a day)."""
    stamp = f"{PREFIX}{today:%Y%m%d}-"
    return not any(p.name.startswith(stamp) for p in list_backups(folder))


def latest_good_backup(folder: Path) -> Path | None:
    return next((p for p in list_backups(folder) if check_integrity(p).ok), None)


def restore(backup: Path, db_path: Path, *, now: dt.datetime) -> Path:
    """Put ``backup`` in place of the database; the replaced file is kept beside it.

    Returns the path the old file was moved to. The app must not be running.
    """
    if not check_integrity(backup).ok:
        raise StorageError(f"备份文件 {backup.name} 已损坏，不能用于恢复。请选择其他备份。")
    kept = db_path.with_name(f"{db_path.name}.replaced-{now:%Y%m%d-%H%M%S}")
    if db_path.exists():
        os.replace(db_path, kept)
    for side in ("-wal", "-shm"):
        extra = db_path.with_name(db_path.name + side)
        if extra.exists():
            os.replace(extra, kept.with_name(kept.name + side))
    shutil.copyfile(backup, db_path)
    return kept
