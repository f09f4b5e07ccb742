"""The server under test: its database (a copy of the prepared template, SQLite file or PostgreSQL
database) and its process (``counter-desk-server serve``), which the harness kills, restarts, backs
up and restores from an older backup -- always through the real ``counter-desk-server`` commands.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import time
import uuid
from pathlib import Path

import httpx

from tests.harness.procs import Child

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_PREFIX = "cdharness_"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def pg_url(name: str) -> str:
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"


def pg_admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(sql)  # type: ignore[arg-type]


def new_pg_database(template: str | None = None) -> str:
    """A fresh PostgreSQL database (optionally a copy of ``template``); returns its URL."""
    name = f"{PG_PREFIX}{uuid.uuid4().hex[:16]}"
    pg_admin(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    return pg_url(name)


def drop_pg_database(url: str) -> None:
    with contextlib.suppress(Exception):
        pg_admin(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')


def copy_database(source_url: str, folder: Path) -> str:
    """A copy of the server database at ``source_url`` for one scenario; returns its URL."""
    if source_url.startswith("sqlite:///"):
        source = Path(source_url.removeprefix("sqlite:///"))
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / "server.sqlite3"
        shutil.copyfile(source, target)
        return f"sqlite:///{target}"
    return new_pg_database(source_url.rsplit("/", 1)[1])


def drop_database(url: str) -> None:
    if url.startswith("postgresql"):
        drop_pg_database(url)


class ServerProcess:
    """One server database and the process serving it on 127.0.0.1:``port``."""

    def __init__(self, url: str, data_dir: Path, port: int, folder: Path) -> None:
        self.url, self.data_dir, self.port, self.folder = url, data_dir, port, folder
        self.child: Child | None = None
        self.children: list[Child] = []  # every process: serve, and each command
        self.starts = 0
        self.commands = 0
        self.events: list[str] = []

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _args(self, *argv: str) -> list[str]:
        return ["--db", self.url, "--data", str(self.data_dir), *argv]

    def running(self) -> bool:
        return self.child is not None and self.child.alive()

    def start(self, timeout: float = 30.0) -> None:
        """Start ``counter-desk-server serve`` and wait until it answers /v1/meta."""
        self.starts += 1
        # the 空岗 check off: it would raise rows from the wall clock while the scenario's counters,
        # on their own clocks, sign nobody in (tests/server/test_empty_posts.py checks it)
        self.child = Child("server", f"server-{self.starts}",
                           self._args("serve", "--host", "127.0.0.1", "--port", str(self.port)), self.folder,
                           env={"COUNTER_DESK_SERVER_EMPTY_POSTS_EVERY": "0"}).start()
        self.children.append(self.child)
        deadline = time.monotonic() + timeout
        while True:
            if not self.child.alive():
                raise RuntimeError(f"server exited ({self.child.exitcode}): {self.child.errors()[-2000:]}")
            try:
                if httpx.get(f"{self.base}/v1/meta", timeout=1).status_code == 200:
                    self.events.append("started")
                    return
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                self.child.kill()
                raise RuntimeError("server did not come up in time")
            time.sleep(0.02)

    def kill(self) -> None:
        """SIGKILL: requests in flight die with it (committed transactions stay)."""
        if self.child is not None:
            self.child.kill()
            self.events.append("killed")

    def stop(self) -> None:
        """SIGTERM: uvicorn finishes what is in flight and exits."""
        if self.child is not None:
            self.child.terminate()
            self.events.append("stopped")

    def cli(self, *argv: str) -> str:
        """``counter-desk-server ARGV`` against this database; its stdout, RuntimeError on failure."""
        self.commands += 1
        child = Child("server", f"cli-{self.commands}-{argv[0]}", self._args(*argv), self.folder).start()
        self.children.append(child)
        code = child.wait(120)
        if code is None:
            child.kill()
        out, err = "\n".join(child.lines()), child.errors()
        if code != 0:
            raise RuntimeError(f"counter-desk-server {' '.join(argv)} failed ({code}): {err.strip()[-2000:]}")
        return out.strip()

    def backup(self) -> Path:
        """An online backup (the server may be running)."""
        path = Path(self.cli("backup", "--to", str(self.data_dir / "backups")).splitlines()[-1])
        self.events.append(f"backup {path.name}")
        return path

    def restore(self, backup: Path) -> str:
        """Stop the server, put ``backup`` in place (new epoch), start it again; the new epoch."""
        self.stop()
        out = self.cli("restore", str(backup))
        self.events.append(f"restored {backup.name}")
        self.start()
        return out.rsplit(" ", 1)[-1]

    def epoch(self) -> str:
        return self.cli("epoch").splitlines()[-1]

    def enrolment_code(self, window: str) -> str:
        return self.cli("create-enrolment-code", "--window", window).split()[0]

    def close(self) -> None:
        if self.child is not None:
            self.child.kill()
