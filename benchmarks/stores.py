"""Plain and encrypted stores side by side, for the benchmarks that compare them (issue #11:
numbers before and after encryption at rest; docs/benchmarks-encryption.md).

- ``plain``: the SQLite file as before encryption, through the standard library's sqlite3.
- ``encrypted``: the same content as a SQLCipher 4 file (app.store_encryption.encrypt_plain_store,
  the way an existing store is encrypted at its first start after the upgrade), opened with its key.
- ``plain-sqlcipher`` (a control, opt-in): the plain file through SQLCipher's own SQLite without a
  key. The two drivers carry different SQLite versions; this separates what the version changes
  (query planner, FTS5) from what the encryption costs.

``BENCH_STORES`` (comma-separated) picks which of them a benchmark runs; default plain,encrypted.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import db.engine
from app.store_encryption import encrypt_plain_store
from app.store_key import keyring_path

PLAIN, ENCRYPTED, CONTROL = "plain", "encrypted", "plain-sqlcipher"
KNOWN = (PLAIN, ENCRYPTED, CONTROL)


def selected(default: str = f"{PLAIN},{ENCRYPTED}") -> list[str]:
    stores = [s.strip() for s in os.environ.get("BENCH_STORES", default).split(",") if s.strip()]
    unknown = [s for s in stores if s not in KNOWN]
    if unknown:
        raise SystemExit(f"BENCH_STORES: unknown {unknown}; known: {', '.join(KNOWN)}")
    return stores


def versions() -> str:
    from sqlcipher3 import dbapi2 as sqlcipher

    con = sqlcipher.connect(":memory:")
    try:
        con.execute(f"PRAGMA key = \"x'{'00' * 32}'\"")  # the provider is told on a keyed connection
        cipher = con.execute("PRAGMA cipher_version").fetchone()[0]
        provider = con.execute("PRAGMA cipher_provider").fetchone()[0]
    finally:
        con.close()
    return (f"plain: sqlite3 (SQLite {sqlite3.sqlite_version}); encrypted: sqlcipher3 "
            f"(SQLCipher {cipher}, SQLite {sqlcipher.sqlite_version}, {provider})")


def checkpoint(path: Path) -> None:
    """Fold the WAL into the file, so that the file alone is the whole store (to copy it)."""
    con = sqlite3.connect(path)
    try:
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        con.close()


def encrypted_copy(plain: Path, target: Path, now: dt.datetime) -> bytes:
    """An encrypted copy of the plain store ``plain`` at ``target`` (its keyring beside it);
    the key. ``target``'s folder is its own (backups, keyring): the plain store is not touched."""
    checkpoint(plain)
    target.parent.mkdir(parents=True, exist_ok=True)
    for leftover in (target, target.with_name(target.name + "-wal"), target.with_name(target.name + "-shm"),
                     keyring_path(target)):
        leftover.unlink(missing_ok=True)
    shutil.copyfile(plain, target)
    return encrypt_plain_store(target, now).key


def copy_store(source: Path, target: Path) -> None:
    """The file (checkpointed first when it is still a plain WAL store) and its keyring if any."""
    wal = source.with_name(source.name + "-wal")
    if wal.exists() and wal.stat().st_size:
        raise RuntimeError(f"{source} has a WAL left: close it (or checkpoint) before copying")
    shutil.copyfile(source, target)
    if keyring_path(source).exists():
        shutil.copyfile(keyring_path(source), keyring_path(target))


@contextmanager
def sqlcipher_without_key() -> Iterator[None]:
    """While open, stores opened without a key go through SQLCipher's SQLite (the control)."""
    from sqlcipher3 import dbapi2 as sqlcipher

    original = db.engine.create_sqlite_engine

    def engine(path: Path, key: bytes | None = None) -> Any:
        if key is not None:
            return original(path, key)
        from sqlalchemy import create_engine, event

        eng = create_engine(f"sqlite+pysqlite:///{path}", future=True, module=sqlcipher,
                            creator=lambda: sqlcipher.connect(str(path), check_same_thread=False))
        event.listen(eng, "connect", db.engine._on_connect)
        event.listen(eng, "begin", db.engine._on_begin)
        return eng

    db.engine.create_sqlite_engine = engine  # type: ignore[assignment]
    try:
        yield
    finally:
        db.engine.create_sqlite_engine = original  # type: ignore[assignment]


def page_cache(services: Any, mib: int) -> None:
    """SQLite's page cache of the store's connections to ``mib`` MiB (an experiment: the app keeps
    the default 2 MiB). The pool's connections are made afresh with it."""
    from sqlalchemy import event

    engine = services.ctx.db.engine
    event.listen(engine, "connect", lambda con, _record: con.execute(f"PRAGMA cache_size = -{mib * 1024}"))
    engine.dispose()


def ratio(value: float, base: float) -> str:
    return f"×{value / base:.2f}" if base > 0 else "×—"
