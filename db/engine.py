"""Opening the local SQLite file: pragmas, transactions, migrations.

Durability settings follow ARCHITECTURE.md: WAL, synchronous=FULL, foreign keys on, and write
transactions started with BEGIN IMMEDIATE so two writers never deadlock half-way.

With a key the file is a SQLCipher 4 database (AES-256, every page and the WAL encrypted; see
docs/security.md "Encrypted local store"): the same SQL through the ``sqlcipher3`` driver, the raw
32-byte key given before anything is read. Where the key comes from is app.store_key's business.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def connect_raw(path: Path | str, key: bytes | None = None, *, read_only: bool = False) -> sqlite3.Connection:
    """A DB-API connection on the file: the standard library's for a plain file, SQLCipher's with
    the key applied for an encrypted one (backups, integrity checks and migrations use this)."""
    if key is None:
        return sqlite3.connect(f"file:{path}?mode=ro", uri=True) if read_only else sqlite3.connect(path)
    from sqlcipher3 import dbapi2 as sqlcipher

    con = sqlcipher.connect(f"file:{path}?mode=ro" if read_only else str(path), uri=read_only,
                            check_same_thread=False)
    apply_key(con, key)
    return con  # type: ignore[no-any-return]


def apply_key(con: Any, key: bytes) -> None:
    """The raw key (no passphrase derivation: the key is random, not typed) before any read."""
    if len(key) != 32:
        raise ValueError("the store key is 32 bytes")
    # a wrong key is an expected answer here (a backup of another store): no lines on stderr for it
    con.execute("PRAGMA cipher_log_level = NONE")
    con.execute(f"PRAGMA key = {key_literal(key)}")


def key_literal(key: bytes) -> str:
    """SQLCipher's spelling of a raw key (``PRAGMA key = …``, ``ATTACH … KEY …``)."""
    return f"\"x'{key.hex()}'\""


def _store_errors() -> tuple[type[Exception], ...]:
    from sqlcipher3 import dbapi2 as sqlcipher

    return (sqlite3.Error, sqlcipher.Error)


# what either driver raises (their classes are distinct)
STORE_ERRORS: tuple[type[Exception], ...] = _store_errors()


def _on_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
    # Take transaction control away from pysqlite so BEGIN is ours (see _on_begin).
    dbapi_connection.isolation_level = None
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=FULL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()


def _on_begin(conn: Any) -> None:
    mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
    conn.exec_driver_sql(f"BEGIN {mode}")


def create_sqlite_engine(path: Path, key: bytes | None = None) -> Engine:
    """An engine on the SQLite file at ``path`` with the house pragmas on every connection; with
    ``key``, on the SQLCipher file (the key applied first on every new connection)."""
    if key is None:
        engine = create_engine(f"sqlite+pysqlite:///{path}", future=True)
    else:
        from sqlcipher3 import dbapi2 as sqlcipher

        engine = create_engine(f"sqlite+pysqlite:///{path}", future=True, module=sqlcipher,
                               creator=lambda: connect_raw(path, key))
    event.listen(engine, "connect", _on_connect)
    event.listen(engine, "begin", _on_begin)
    return engine


class Database:
    """The local store: one file, a session factory for reads and one for write transactions."""

    def __init__(self, path: Path, key: bytes | None = None) -> None:
        self.path = path
        self.key = key  # None: a plain file (tests, tools); the app opens its store with one
        self.engine = create_sqlite_engine(path, key)
        self._read = sessionmaker(self.engine, expire_on_commit=False)
        self._writer = self.engine.execution_options(sqlite_begin="IMMEDIATE")
        self._write = sessionmaker(self._writer, expire_on_commit=False)

    @contextmanager
    def write(self, *, foreign_keys: bool = True) -> Iterator[Session]:
        """One write transaction (BEGIN IMMEDIATE ... COMMIT); rolls back on any error.

        ``foreign_keys=False`` runs it on a connection with foreign keys off (SQLite can switch
        them only outside a transaction; they are switched on again before the connection goes
        back to the pool). The sync client applies pulled pages so: a page is the server's rows
        in change order, where a notice can come a page before the case it belongs to."""
        if foreign_keys:
            with self._write() as session, session.begin():
                yield session
            return
        with self._writer.connect() as conn:
            raw = conn.connection.driver_connection
            assert raw is not None
            raw.execute("PRAGMA foreign_keys=OFF")
            try:
                with Session(bind=conn, expire_on_commit=False) as session, session.begin():
                    yield session
            finally:
                raw.execute("PRAGMA foreign_keys=ON")

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only session; WAL lets it run beside a writer."""
        with self._read() as session:
            yield session

    def dispose(self) -> None:
        self.engine.dispose()


def alembic_config(engine: Engine | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if engine is not None:
        cfg.set_main_option("sqlalchemy.url", str(engine.url))
    return cfg


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the schema of ``engine``'s database to ``revision`` (default: newest)."""
    cfg = alembic_config(engine)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def open_database(path: Path, key: bytes | None = None) -> Database:
    """Open (creating if needed) and migrate the database file at ``path`` (encrypted with ``key``)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    db = Database(path, key)
    migrate(db.engine)
    return db
