"""``serve --workers 2``: the real server in two worker processes on a fresh PostgreSQL database.

Two enrolled counters of one hall and a counter of another hall push at once, each push on a new
connection so both workers take some; every answer is applied, each hall scope's change sequence
is gapless and unique (the hall's lock, SELECT ... FOR UPDATE of its counter row, holds across
processes), and one scrape of /metrics shows the counts of both workers. On SQLite ``serve``
refuses a second worker. The periodic checks' leader lock is taken by one process at a time.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select

from app.dto import EnquiryInput
from db.models import Hall, Staff
from server.cli import main
from server.engine import ServerDatabase
from server.leader import Leader
from server.schema import ChangeLog
from tests.server.conftest import Template
from tests.server.kit import ADMIN, Device, ServerKit, actor, install_blocks, intake, outbox
from tests.server.test_live_server import ROOT, _free_port

CASES = 8  # per counter of the first hall
ENQUIRIES = 8  # of the other hall's counter
BATCH = 2  # ops per push: several pushes each, interleaving between the counters


@contextmanager
def workers_server(url: str, folder: Path, workers: int = 2) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """``counter-desk-server serve --workers N --log-format json``; its log goes to a file (no pipe to fill)."""
    port = _free_port()
    log = (folder / "server.log").open("wb")
    proc = subprocess.Popen([sys.executable, "-m", "server", "--db", url, "--data", str(folder / "data"), "serve",
                             "--port", str(port), "--workers", str(workers), "--log-format", "json"],
                            cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                            env={**os.environ, "COUNTER_DESK_SERVER_EMPTY_POSTS_EVERY": "0"})
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            assert proc.poll() is None, (folder / "server.log").read_text(errors="replace")[-3000:]
            try:
                if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "server did not come up"
            time.sleep(0.2)
        yield base, proc
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()


def _other_hall(url: str, tmp: Path) -> tuple[str, str]:
    """A second hall (code WEST, logins with a suffix) seeded through the real ``seed-hall``; its id
    and its administrator's login."""
    demo = ROOT / "resources" / "demo"
    data = json.loads((demo / "hall.json").read_text(encoding="utf-8"))
    data["hall"]["code"], data["hall"]["name"] = "WEST", "西区政务服务中心"
    for person in data["staff"]:
        person["login"] += "_w"
    for window in data["windows"]:
        for post in ("a_post", "b_post"):
            if window.get(post):
                window[post] += "_w"
    (tmp / "west.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    assert main(["--db", url, "seed-hall", str(tmp / "west.json"), str(demo / "catalogue.json")]) == 0
    db = ServerDatabase(url)
    with db.snapshot() as s:
        hall_id = s.scalars(select(Hall.id).where(Hall.code == "WEST")).one()
    db.dispose()
    return hall_id, ADMIN[0] + "_w"


def _moved_to(ops: list[dict[str, Any]], url: str, from_hall: str, to_hall: str) -> list[dict[str, Any]]:
    """A demo counter's enquiries as the other hall's counter would push them: its hall and staff ids."""
    db = ServerDatabase(url)
    with db.snapshot() as s:
        staff = {login: sid for sid, login in s.execute(select(Staff.id, Staff.login))}
    db.dispose()
    text = json.dumps(ops, ensure_ascii=False).replace(from_hall, to_hall)
    for login, sid in staff.items():
        if login.endswith("_w") and login[:-2] in staff:
            text = text.replace(staff[login[:-2]], sid)
    return list(json.loads(text))


def _push_all(base: str, credential: str, ops: list[dict[str, Any]]) -> list[str]:
    """Push in batches, each on a new connection (``Connection: close``) so the workers share them."""
    statuses = []
    headers = {"Authorization": f"Bearer {credential}", "Connection": "close"}
    for i in range(0, len(ops), BATCH):
        r = httpx.post(f"{base}/v1/push", json={"ops": ops[i:i + BATCH]}, headers=headers, timeout=60)
        assert r.status_code == 200, r.text
        statuses += [a["status"] for a in r.json()["results"]]
    return statuses


def _scrape(base: str) -> list[Any]:
    r = httpx.get(f"{base}/metrics", headers={"Connection": "close"}, timeout=30)
    assert r.status_code == 200, r.text
    return [s for family in text_string_to_metric_families(r.text) for s in family.samples]


def _seqs(url: str, scope: str) -> list[int]:
    db = ServerDatabase(url)
    with db.snapshot() as s:
        seqs = list(s.scalars(select(ChangeLog.seq).where(ChangeLog.scope == scope).order_by(ChangeLog.seq)))
    db.dispose()
    return seqs


@pytest.mark.slow
def test_two_workers_apply_concurrent_pushes_of_two_halls_and_merge_their_metrics(
        server_url: str, server_template: Template, counters, tmp_path: Path) -> None:
    if server_template.backend != "postgresql":
        pytest.skip("several workers need PostgreSQL (the SQLite refusal is the test below)")
    west, west_admin = _other_hall(server_url, tmp_path)
    demo = server_template.hall_id
    a, b, w = counters.new("a"), counters.new("b"), counters.new("w")
    with workers_server(server_url, tmp_path) as (base, _proc), httpx.Client(base_url=base, timeout=60) as http:
        kit = ServerKit(http, ServerDatabase(server_url), demo, None)  # type: ignore[arg-type]
        dev_a, dev_b = kit.enrol("01"), kit.enrol("02")
        code = kit.code("01", auth=(west_admin, ADMIN[1]))["code"]  # issued by WEST's administrator
        enrolled = http.post("/v1/enrol", json={"code": code}).json()
        dev_w = Device(enrolled["device_id"], enrolled["credential"])
        install_blocks(a, kit, dev_a)
        install_blocks(b, kit, dev_b)
        for i in range(CASES):
            intake(a, name=f"甲{i}")
            intake(b, name=f"乙{i}")
        for i in range(ENQUIRIES):
            w.enquiries.record(actor(w), demo, None, EnquiryInput(topic=f"咨询{i}"))
        work = [(dev_a, outbox(a)), (dev_b, outbox(b)), (dev_w, _moved_to(outbox(w), server_url, demo, west))]
        before = {demo: len(_seqs(server_url, f"hall:{demo}")), west: len(_seqs(server_url, f"hall:{west}"))}
        with ThreadPoolExecutor(len(work)) as pool:
            answers = list(pool.map(lambda job: _push_all(base, job[0].credential, job[1]), work))
        for _ in range(40):  # more requests on new connections until a scrape has seen both workers
            samples = _scrape(base)
            served = {s.labels["pid"]: s.value for s in samples if s.name == "counter_desk_worker_requests"}
            if len(served) >= 2 and all(served.values()):
                break
            httpx.get(f"{base}/health", headers={"Connection": "close"}, timeout=10)
        kit.db.dispose()

    assert answers == [["applied"] * len(ops) for _dev, ops in work]
    for hall in (demo, west):
        seqs = _seqs(server_url, f"hall:{hall}")
        assert seqs == list(range(1, len(seqs) + 1)) and len(seqs) > before[hall]  # gapless, unique, grown
    pushed = {(s.labels["hall"], s.labels["status"]): s.value for s in samples
              if s.name == "counter_desk_push_ops_total"}
    assert pushed == {(demo, "applied"): len(work[0][1]) + len(work[1][1]), (west, "applied"): ENQUIRIES}
    assert len(served) == 2 and all(served.values()), served  # both workers answered, one scrape saw both
    requests = sum(s.value for s in samples if s.name == "counter_desk_http_requests_total")
    assert requests == sum(served.values())  # the merged count is every worker's count
    in_flight = [s.value for s in samples if s.name == "counter_desk_push_in_flight"]
    assert in_flight and not any(in_flight)


def test_serve_refuses_a_second_worker_on_sqlite(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'server.sqlite3'}"
    assert main(["--db", url, "serve", "--workers", "2"]) == 1
    assert "PostgreSQL" in capsys.readouterr().err
    assert not (tmp_path / "server.sqlite3").exists()  # refused before anything was opened


def test_one_process_at_a_time_holds_the_periodic_checks(server_url: str, server_template: Template) -> None:
    if server_template.backend != "postgresql":
        pytest.skip("SQLite has one process: it always leads")
    first, second = ServerDatabase(server_url), ServerDatabase(server_url)  # two pools, as two workers have
    one, two = Leader(first), Leader(second)
    try:
        assert one.holds() and one.holds()
        assert not two.holds()
        one.release()  # a worker stopping: the lock is free at once
        assert two.holds() and not one.holds()
        two._conn.invalidate()  # type: ignore[union-attr]  # a worker dying: its connection goes with the lock
        deadline = time.monotonic() + 10
        while not one.holds():  # the lock goes when the dead connection's backend has exited
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert not two.holds()  # it notices its connection is gone and finds the lock taken
    finally:
        one.release()
        two.release()
        first.dispose()
        second.dispose()


def test_a_request_id_is_unique_per_request() -> None:
    """Cheap guard on the fallback id (the log joins on it)."""
    from server import logs

    ids = set()
    for _ in range(100):
        info, token = logs.start_request("GET", "/health", None)
        ids.add(info.request_id)
        logs.end_request(token)
    assert len(ids) == 100
    info, token = logs.start_request("GET", "/health", "bad id\nwith newline" + str(uuid.uuid4()))
    logs.end_request(token)
    assert "\n" not in info.request_id
