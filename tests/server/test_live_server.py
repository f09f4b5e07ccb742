"""The real server process (uvicorn in a subprocess on a free loopback port), driven with httpx
like a counter: enrol, push real operations, pull them back. Also ``serve --demo`` from nothing,
which is what ``make server`` runs."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from app.sync.checksum import scope_checksum
from server.cli import main
from tests.server.kit import intake, outbox

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running_server(*argv: str, demo: bool = False) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    port = _free_port()
    serve = ["serve", "--port", str(port), *(["--demo"] if demo else [])]
    proc = subprocess.Popen([sys.executable, "-m", "server", *argv, *serve], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            # the 空岗 check would raise rows from the wall clock (test_empty_posts checks it)
                            env={**os.environ, "COUNTER_DESK_SERVER_EMPTY_POSTS_EVERY": "0"})
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
            try:
                if httpx.get(f"{base}/v1/meta", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "server did not come up"
                time.sleep(0.1)
        yield base, proc
    finally:
        proc.terminate()
        proc.wait(timeout=20)


@pytest.mark.slow
def test_a_counter_syncs_with_the_real_server(server_url: str, counters, capsys) -> None:
    assert main(["--db", server_url, "create-enrolment-code", "--window", "01"]) == 0
    code = capsys.readouterr().out.split()[0]
    counter = counters.new("a")
    intake(counter)
    intake(counter, decision=None, name="王芳")
    with running_server("--db", server_url) as (base, _), httpx.Client(base_url=base, timeout=30) as http:
        enrolled = http.post("/v1/enrol", json={"code": code, "device_name": "一号窗口"})
        assert enrolled.status_code == 201, enrolled.text
        auth = {"Authorization": f"Bearer {enrolled.json()['credential']}"}
        pushed = http.post("/v1/push", json={"ops": outbox(counter)}, headers=auth).json()
        assert [r["status"] for r in pushed["results"]] == ["applied", "applied"]
        scope = enrolled.json()["scopes"][-1]
        page = http.get("/v1/pull", params={"scope": scope}, headers=auth).json()
        rows = [(c["entity"], c["id"], c["row"]) for c in page["changes"]]
        assert len(rows) == 5 and page["checksum"] == scope_checksum(rows)  # 2 cases, 3 notices
        assert pushed["epoch"] == page["epoch"] == http.get("/v1/meta").json()["epoch"]


@pytest.mark.slow
def test_serve_demo_starts_from_nothing_and_prints_an_enrolment_code(tmp_path: Path) -> None:
    data = tmp_path / "server-data"
    with running_server("--data", str(data), demo=True) as (base, proc):
        assert (data / "server.sqlite3").exists()
        assert proc.stdout is not None
        line = ""
        while "enrolment code for window" not in line:
            line = proc.stdout.readline()
        code = line.rsplit(" ", 1)[1].strip()
        enrolled = httpx.post(f"{base}/v1/enrol", json={"code": code}, timeout=30)
        assert enrolled.status_code == 201 and enrolled.json()["hall"]["code"] == "DEMO"
