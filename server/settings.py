"""Server settings, read from the environment once at start (no settings file to set up).

``COUNTER_DESK_SERVER_DB``   database URL: ``postgresql://user@host/db`` (psycopg 3) or ``sqlite:///path``;
                             default: ``server.sqlite3`` in the data folder.
``COUNTER_DESK_SERVER_DATA`` the data folder (SQLite file, backups); default the user data folder
                             ``CounterDeskServer`` (``~/.local/share/CounterDeskServer`` on Linux).
``COUNTER_DESK_MAX_BODY_BYTES`` the largest request body (default 32 MiB; server.limits).
``COUNTER_DESK_METRICS_TOKEN`` lets a Prometheus elsewhere scrape ``/metrics`` with
                             ``Authorization: Bearer <token>``; without it only loopback may (server.metrics).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from platformdirs import user_data_dir

DB_ENV = "COUNTER_DESK_SERVER_DB"
DATA_ENV = "COUNTER_DESK_SERVER_DATA"
BODY_ENV = "COUNTER_DESK_MAX_BODY_BYTES"
METRICS_TOKEN_ENV = "COUNTER_DESK_METRICS_TOKEN"


@dataclass(frozen=True)
class ServerSettings:
    database_url: str
    data_dir: Path
    block_size: int = 200  # numbers per leased block when the device does not ask for a size
    max_block_size: int = 5000
    code_ttl_minutes: int = 60  # enrolment code lifetime when the administrator gives none
    max_code_ttl_minutes: int = 7 * 24 * 60
    page_size: int = 500  # pull page when the device does not ask for a size
    max_page_size: int = 2000
    max_batch: int = 500  # operations in one push
    max_body_bytes: int = 32 * 1024 * 1024  # a request body (413 body_too_large over it): COUNTER_DESK_MAX_BODY_BYTES
    metrics_token: str = ""  # COUNTER_DESK_METRICS_TOKEN: /metrics from other hosts with it ('' : loopback only)

    @classmethod
    def from_env(cls, database_url: str | None = None, data_dir: Path | None = None) -> ServerSettings:
        """Arguments win over the environment, the environment over the defaults."""
        folder = data_dir or Path(os.environ.get(DATA_ENV) or user_data_dir("CounterDeskServer", appauthor=False))
        url = database_url or os.environ.get(DB_ENV) or f"sqlite:///{folder / 'server.sqlite3'}"
        body = int(os.environ.get(BODY_ENV) or cls.max_body_bytes)
        token = os.environ.get(METRICS_TOKEN_ENV, "").strip()
        return cls(database_url=normalise_url(url), data_dir=folder, max_body_bytes=body, metrics_token=token)


def normalise_url(url: str) -> str:
    """PostgreSQL URLs use the psycopg 3 driver whatever the caller wrote."""
    for prefix in ("postgresql+psycopg2://", "postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url
