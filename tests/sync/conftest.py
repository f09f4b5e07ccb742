"""Sync client tests: real counters (app.services) against the real server, in process through
FastAPI's test transport (fast, server clock settable) or as a uvicorn process on a loopback port
(end to end), on SQLite and PostgreSQL as tests/server does.

Counter times are naive Beijing time, as at the hall; the process time zone is set to
Asia/Shanghai so the clock skew against the server's UTC clock is what a hall would see.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator

import pytest

from tests.server.conftest import (  # noqa: F401 - fixtures
    counters,
    server,
    server_clock,
    server_db,
    server_template,
    server_url,
)
from tests.server.kit import ServerKit
from tests.sync.kit import Hall


@pytest.fixture(autouse=True)
def _beijing_time() -> Iterator[None]:
    before = os.environ.get("TZ")
    os.environ["TZ"] = "Asia/Shanghai"
    time.tzset()
    yield
    if before is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = before
    time.tzset()


@pytest.fixture
def hall(server: ServerKit, counters) -> Hall:  # noqa: F811
    return Hall(server, counters)
