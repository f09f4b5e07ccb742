"""What happens before the store is opened: refuse to write into a damaged file, offer the
latest good backup instead; afterwards, the daily backup. Qt-free: the UI supplies ``ask``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from app.backup import backup_due, backup_folder, backup_now, check_integrity, latest_good_backup, restore
from app.errors import StorageError

DAMAGED = (
    "本机数据文件已损坏（{detail}）。为避免损坏扩大，程序不会写入该文件。\n\n"
    "{offer}\n\n如有疑问，请联系信息科，并保留数据目录：{folder}"
)


def recover_if_damaged(db_path: Path, ask: Callable[[str, bool], bool], now: dt.datetime,
                       key: bytes | None = None) -> bool:
    """True when the store can be opened (sound, or restored from a backup the user accepted).

    ``ask(message, can_restore)`` shows the message; it returns True when the user chose to
    restore the offered backup.
    """
    report = check_integrity(db_path, key)
    if report.ok:
        return True
    backup = latest_good_backup(backup_folder(db_path), key)
    offer = (f"可以用最近的完好备份恢复：{backup.name}（此后录入的内容需核对补录）。" if backup
             else "没有找到可用的备份。")
    message = DAMAGED.format(detail=report.detail[:200], offer=offer, folder=db_path.parent)
    if not ask(message, backup is not None) or backup is None:
        return False
    restore(backup, db_path, now=now, key=key)
    return True


def daily_backup(db_path: Path, keep: int, now: dt.datetime, key: bytes | None = None) -> Path | None:
    """Back up once a day; returns the new file, or None when today's exists."""
    folder = backup_folder(db_path)
    if not backup_due(folder, now.date()):
        return None
    return backup_now(db_path, folder, keep=keep, now=now, key=key)


__all__ = ["StorageError", "daily_backup", "recover_if_damaged"]
