"""Backup and restore of the server database; a restore renews the epoch and records where it
came from (server.meta.renew_epoch: the restored epoch and its scopes' last seqs), so counters
keep the pull cursors the restored data still covers.

SQLite: SQLite's online backup API (app.backup: page by page, safe while the server runs,
verified with quick_check). PostgreSQL: pg_dump in custom format, pg_restore --clean; the
PostgreSQL client programs must be on PATH. Errors: StorageError (SQLite) or
subprocess.CalledProcessError (PostgreSQL tools), each saying what failed.
"""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

from app import backup as sqlite_backup
from server.engine import ServerDatabase, migrate
from server.meta import renew_epoch

KEEP = 30


def _pg_url(db: ServerDatabase) -> str:
    return db.url.set(drivername="postgresql").render_as_string(hide_password=False)


def backup(db: ServerDatabase, folder: Path, now: dt.datetime) -> Path:
    """A verified copy of the database in ``folder``; returns its path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = db.sqlite_path
    if path is not None:
        return sqlite_backup.backup_now(path, folder, keep=KEEP, now=now)
    target = folder / f"counter-desk-server-{now:%Y%m%d-%H%M%S}.dump"
    subprocess.run(["pg_dump", "--format=custom", "--no-owner", f"--file={target}", f"--dbname={_pg_url(db)}"],
                   check=True, capture_output=True)
    return target


def restore(db: ServerDatabase, backup_file: Path, now: dt.datetime) -> str:
    """Put ``backup_file`` in place of the database (server stopped), then renew the epoch.

    SQLite keeps the replaced file beside the database. Returns the new epoch."""
    path = db.sqlite_path
    db.dispose()
    if path is not None:
        sqlite_backup.restore(backup_file, path, now=now)
    else:
        subprocess.run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction",
                        f"--dbname={_pg_url(db)}", str(backup_file)], check=True, capture_output=True)
    return renew_after_restore(db, now, f"restored from {backup_file.name}")


def renew_after_restore(db: ServerDatabase, now: dt.datetime, reason: str) -> str:
    """Migrate (a backup may predate the code) and give the database a new epoch, descending from
    the one the database holds now (the restored one; also after a restore by hand)."""
    migrate(db)
    with db.write() as s:
        return renew_epoch(s, reason, now)
