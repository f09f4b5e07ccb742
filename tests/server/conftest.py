"""Server test fixtures: every server test runs on SQLite and on the real PostgreSQL.

PostgreSQL (127.0.0.1:5432, trust auth, user postgres): each xdist worker makes a seeded template
database once, and each test gets a fresh copy (CREATE DATABASE ... TEMPLATE), dropped after the
test; nothing else on that server is touched. SQLite: a seeded template file copied per test.
The server is seeded from the counter demo template of tests/conftest.py (import-counter), so a
counter store copied from that template and the server share every reference id.
"""

from __future__ import annotations

import datetime as dt
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from fastapi.testclient import TestClient

from app.clock import FixedClock
from app.services import Services
from server.api import create_app
from server.engine import ServerDatabase, migrate
from server.seed import import_counter_store
from server.settings import ServerSettings
from tests.conftest import DEFAULT_NOW
from tests.server.kit import ServerKit

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_PREFIX = "cdtest_"
BACKENDS = ("sqlite", "postgresql")


def pg_url(name: str) -> str:
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"


def pg_admin(sql: str) -> None:
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(sql)  # type: ignore[arg-type]


class Template:
    """A migrated, seeded server database that tests copy."""

    def __init__(self, backend: str, tmp: Path, counter_template: Path) -> None:
        self.backend = backend
        self.tmp = tmp
        if backend == "sqlite":
            self.path = tmp / "template.sqlite3"
            url = f"sqlite:///{self.path}"
        else:
            self.name = f"{PG_PREFIX}{uuid.uuid4().hex[:12]}_tpl"
            pg_admin(f'CREATE DATABASE "{self.name}"')
            url = pg_url(self.name)
        db = ServerDatabase(url)
        migrate(db)
        self.hall_id = import_counter_store(db, counter_template, DEFAULT_NOW)
        db.dispose()

    def copy(self, tag: str) -> str:
        """A URL of a fresh copy of the template."""
        if self.backend == "sqlite":
            target = self.tmp / f"{tag}-{uuid.uuid4().hex[:8]}.sqlite3"
            shutil.copyfile(self.path, target)
            return f"sqlite:///{target}"
        name = f"{PG_PREFIX}{uuid.uuid4().hex[:16]}"
        pg_admin(f'CREATE DATABASE "{name}" TEMPLATE "{self.name}"')
        return pg_url(name)

    def drop_copy(self, url: str) -> None:
        if self.backend == "postgresql":
            pg_admin(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')

    def close(self) -> None:
        if self.backend == "postgresql":
            pg_admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


@pytest.fixture(scope="session", params=BACKENDS)
def server_template(request: pytest.FixtureRequest, demo_template: Path,
                    tmp_path_factory: pytest.TempPathFactory) -> Iterator[Template]:
    template = Template(request.param, tmp_path_factory.mktemp(f"server-{request.param}"), demo_template)
    yield template
    template.close()


@pytest.fixture
def server_url(server_template: Template) -> Iterator[str]:
    url = server_template.copy("test")
    yield url
    server_template.drop_copy(url)


@pytest.fixture
def server_db(server_url: str) -> Iterator[ServerDatabase]:
    db = ServerDatabase(server_url)
    yield db
    db.dispose()


class UtcClock:
    """The server's clock in tests: aware UTC, settable."""

    def __init__(self) -> None:
        self.at = dt.datetime(2026, 3, 2, 1, 30, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.at

    def advance(self, **delta: float) -> None:
        self.at += dt.timedelta(**delta)


@pytest.fixture
def server_clock() -> UtcClock:
    return UtcClock()


@pytest.fixture
def server(server_db: ServerDatabase, server_clock: UtcClock, tmp_path: Path,
           server_template: Template) -> Iterator[ServerKit]:
    settings = ServerSettings(database_url=str(server_db.url), data_dir=tmp_path / "server-data")
    app = create_app(server_db, settings, server_clock)
    with TestClient(app) as client:
        yield ServerKit(client, server_db, server_template.hall_id, server_clock)


@pytest.fixture
def counters(tmp_path: Path, demo_template: Path) -> Iterator[CounterFactory]:
    factory = CounterFactory(tmp_path, demo_template)
    yield factory
    factory.close()


class CounterFactory:
    """Counter PCs of the demo hall, each its own store copied from the demo template."""

    def __init__(self, tmp: Path, template: Path) -> None:
        self.tmp, self.template = tmp, template
        self.opened: list[Services] = []

    def new(self, name: str, source: Path | None = None) -> Services:
        path = self.tmp / f"counter-{name}.sqlite3"
        if source is None:
            shutil.copyfile(self.template, path)
        else:
            import sqlite3

            with sqlite3.connect(source) as src, sqlite3.connect(path) as dst:
                src.backup(dst)
        services = Services.open_demo(path, FixedClock(DEFAULT_NOW))
        self.opened.append(services)
        return services

    def close(self) -> None:
        for s in self.opened:
            s.close()
