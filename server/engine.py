"""The server's database: PostgreSQL (psycopg 3) in production, a SQLite file as the default.

Transactions (what runs where):
* ``write()``: one write transaction. On SQLite it starts with BEGIN IMMEDIATE (one writer at a
  time; WAL, synchronous=FULL and foreign keys on every connection, as on the counter). On
  PostgreSQL it is READ COMMITTED; writers that must be ordered lock a counter row
  (``SELECT ... FOR UPDATE``, server.changes) and hold it to commit.
* ``snapshot()``: a read transaction that sees one consistent state across statements
  (REPEATABLE READ on PostgreSQL; a WAL read transaction on SQLite), used by pull so the rows, the
  cursor and the checksum of a page agree.
Errors propagate as SQLAlchemy exceptions after the transaction is rolled back.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from db.engine import create_sqlite_engine

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


class ServerDatabase:
    def __init__(self, url: str) -> None:
        self.url = make_url(url)
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
        if self.is_sqlite:
            path = Path(self.url.database or "server.sqlite3")
            path.parent.mkdir(parents=True, exist_ok=True)
            self.engine: Engine = create_sqlite_engine(path)
            writer: Engine = self.engine.execution_options(sqlite_begin="IMMEDIATE")
            reader: Engine = self.engine
        else:
            self.engine = create_engine(self.url, pool_pre_ping=True, pool_size=10, max_overflow=10)
            writer = self.engine
            reader = self.engine.execution_options(isolation_level="REPEATABLE READ")
        self._write = sessionmaker(writer, expire_on_commit=False)
        self._snapshot = sessionmaker(reader, expire_on_commit=False)

    @property
    def sqlite_path(self) -> Path | None:
        return Path(self.url.database or "") if self.is_sqlite else None

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One write transaction; commits at the end of the block, rolls back on any error."""
        with self._write() as session, session.begin():
            yield session

    @contextmanager
    def snapshot(self) -> Iterator[Session]:
        """One read transaction over a single consistent snapshot."""
        with self._snapshot() as session, session.begin():
            yield session

    def dispose(self) -> None:
        self.engine.dispose()


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


def migrate(db: ServerDatabase, revision: str = "head") -> None:
    """Bring the server schema to ``revision`` (default: newest), then make sure an epoch exists."""
    from server.meta import ensure_epoch

    cfg = alembic_config()
    with db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
    with db.write() as s:
        ensure_epoch(s)


def open_server_database(url: str, *, upgrade: bool = True) -> ServerDatabase:
    db = ServerDatabase(url)
    if upgrade:
        migrate(db)
    return db
