"""Backups of the local store with SQLite's online backup API (safe while the app writes),
rotation, restore for IT staff, and the integrity check run at start.

An encrypted store (``key`` given) is copied page by page between two SQLCipher connections under
the same key, so a backup is as encrypted as the store; the keyring is copied into the backup folder
with it (a backup folder taken elsewhere opens with a staff password or the recovery key).

Qt-free. Errors: StorageError with a message that says what to do.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from app.errors import StorageError
from db.engine import STORE_ERRORS, connect_raw

_FAILURES: tuple[type[Exception], ...] = (OSError, *STORE_ERRORS)
PREFIX = "counter-desk-"
SUFFIX = ".sqlite3"


@dataclass(frozen=True)
class Integrity:
    ok: bool
    detail: str


def check_integrity(db_path: Path, key: bytes | None = None) -> Integrity:
    """``PRAGMA quick_check`` without writing anything (read-only URI); ``key`` for an encrypted file."""
    if not db_path.exists():
        return Integrity(True, "new")
    try:
        con = connect_raw(db_path, key, read_only=True)
        try:
            rows = [r[0] for r in con.execute("PRAGMA quick_check").fetchall()]
        finally:
            con.close()
    except STORE_ERRORS as exc:
        return Integrity(False, str(exc))
    return Integrity(rows == ["ok"], "; ".join(rows[:5]))


def backup_folder(db_path: Path) -> Path:
    return db_path.parent / "backups"


def list_backups(folder: Path) -> list[Path]:
    """Newest first."""
    return sorted(folder.glob(f"{PREFIX}*{SUFFIX}"), reverse=True)


def backup_now(db_path: Path, folder: Path, *, keep: int, now: dt.datetime, key: bytes | None = None) -> Path:
    """Copy the live database page by page, verify the copy, keep the newest ``keep``."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{PREFIX}{now:%Y%m%d-%H%M%S}{SUFFIX}"
    partial = target.with_suffix(".partial")
    try:
        partial.unlink(missing_ok=True)  # a partial of a crashed run: the backup starts afresh
        src = connect_raw(db_path, key)
        dst = connect_raw(partial, key)
        try:
            src.backup(dst)
            # a copy is one file: the store's WAL mode would leave -wal/-shm beside it (and behind a rename)
            dst.execute("PRAGMA journal_mode=DELETE")
        finally:
            dst.close()
            src.close()
        if not check_integrity(partial, key).ok:
            raise StorageError("备份文件校验未通过，已放弃本次备份。请联系信息科检查磁盘。")
        if key is not None:
            _copy_keyring(db_path, folder)
        os.replace(partial, target)
    except _FAILURES as exc:
        partial.unlink(missing_ok=True)
        raise StorageError(f"自动备份失败（{exc}）。业务数据不受影响，请联系信息科检查备份目录和磁盘空间。") from exc
    for old in list_backups(folder)[keep:]:
        old.unlink(missing_ok=True)
    return target


def backup_due(folder: Path, today: dt.date) -> bool:
    """True when no backup of ``today`` exists yet (one a day)."""
    stamp = f"{PREFIX}{today:%Y%m%d}-"
    return not any(p.name.startswith(stamp) for p in list_backups(folder))


def _copy_keyring(db_path: Path, folder: Path) -> None:
    from app.store_key import KEYRING_NAME, keyring_path

    ring = keyring_path(db_path)
    if ring.exists():
        tmp = folder / (KEYRING_NAME + ".tmp")
        shutil.copyfile(ring, tmp)
        os.replace(tmp, folder / KEYRING_NAME)


def latest_good_backup(folder: Path, key: bytes | None = None) -> Path | None:
    return next((p for p in list_backups(folder) if check_integrity(p, key).ok), None)


def restore(backup: Path, db_path: Path, *, now: dt.datetime, key: bytes | None = None) -> Path:
    """Put ``backup`` in place of the database; the replaced file is kept beside it.

    Returns the path the old file was moved to. The app must not be running.
    """
    if not check_integrity(backup, key).ok:
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
