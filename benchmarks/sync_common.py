"""Shared by the sync benchmarks (benchmarks/sync_load.py, sync_queue.py, sync_pull.py).

* ``pg_server()``: a fresh PostgreSQL database on 127.0.0.1:5432 (created, and dropped at the
  end), migrated, holding the demo hall taken over from a demo counter store, served by the real
  ``counter-desk-server serve`` process.
* ``record_hours()``: real counter work -- the harness's counter driver doing random intakes,
  decisions, enquiries and later steps through app.services on a copy of that demo store -- and
  the operations it left in the outbox, exactly as a counter pushes them.
* ``Cloner``: the same work as another counter would have done it: every generated id, number and
  query code renamed, reference ids (matters, staff, windows) kept, so the server applies it for real.
"""

from __future__ import annotations

import copy
import datetime as dt
import random
import re
import shutil
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from app.ids import query_code, uuid7
from tests.harness.servers import ServerProcess, drop_database, free_port, new_pg_database

Op = dict[str, Any]
# group 1 + group 3: the number without its serial (group 4). The recorded work was done standalone, so its
# numbers carry the window (DEMO-03-2026J000001, group 2); a copy is another enrolled counter's work, whose
# numbers come from server blocks and carry none (DEMO-2026J000001)
CASE_NUMBER = re.compile(r"^([A-Z0-9]+-)([A-Z0-9]{1,8}-)?(\d{4}[A-Z])(\d{6})$")
NOTICE_NUMBER = re.compile(r"^([A-Z0-9]+-)([A-Z0-9]{1,8}-)?(\d{4}-[A-Z]{2})(\d{6})$")
START = dt.datetime(2026, 3, 2, 9, 0)


def demo_store(path: Path) -> Path:
    from app.clock import FixedClock
    from app.services import Services

    path.parent.mkdir(parents=True, exist_ok=True)
    Services.open_demo(path, FixedClock(START)).close()
    return path


@dataclass
class PgServer:
    base: str
    db_url: str
    hall_id: str
    folder: Path
    demo: Path
    process: ServerProcess


@contextmanager
def pg_server(folder: Path | None = None, demo: Path | None = None, *, start: bool = True) -> Iterator[PgServer]:
    """The demo hall (taken over from ``demo``, a demo counter store made here if None) on a fresh
    PostgreSQL database, behind the real server process (``start=False``: not started yet)."""
    from server.engine import ServerDatabase, migrate
    from server.seed import import_counter_store

    folder = folder or Path(tempfile.mkdtemp(prefix="cd-syncbench-"))
    demo = demo or demo_store(folder / "demo" / "counter.sqlite3")
    url = new_pg_database()
    process = ServerProcess(url, folder / "server-data", free_port(), folder)
    try:
        db = ServerDatabase(url)
        migrate(db)
        hall_id = import_counter_store(db, demo, START)
        db.dispose()
        if start:
            process.start()
        yield PgServer(process.base, url, hall_id, folder, demo, process)
    finally:
        process.stop()
        drop_database(url)


def record_hours(demo: Path, folder: Path, hours: int, actions: int, seed: int = 1) -> list[list[Op]]:
    """``hours`` different counter-hours of ``actions`` real actions each; their outbox ops."""
    from app.services import Services
    from app.sync.protocol import push_op
    from db.repositories import JournalRepository
    from tests.harness import driver
    from tests.harness.driver import Counter, SteppingClock

    driver.ECHO = False
    out = []
    for h in range(hours):
        path = folder / f"hour-{h}.sqlite3"
        shutil.copyfile(demo, path)
        clock = SteppingClock(START)
        services = Services.open(path, clock)
        try:
            counter = Counter(services, "zhangmin", random.Random(seed * 1000 + h), clock)
            for _ in range(actions):
                clock.tick(counter.rng)
                counter.step()
            with services.ctx.db.read() as s:
                out.append([push_op(op) for op in JournalRepository(s).ops()])
        finally:
            services.close()
    return out


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)
    elif isinstance(value, str):
        yield value


def _numbers(ops: list[Op]) -> int:
    """The highest serial number in ``ops`` (case and notice numbers)."""
    matches = (CASE_NUMBER.match(t) or NOTICE_NUMBER.match(t) for t in _strings(ops))
    return max((int(m.group(4)) for m in matches if m), default=0)


class Cloner:
    """Copies of recorded work as done by other counters: fresh ids, numbers and query codes."""

    def __init__(self, hours: list[list[Op]]) -> None:
        self.hours = hours
        self.span = max(_numbers(h) for h in hours) + 1
        self.made = 0

    def clone(self, hour: int | None = None, first_seq: int = 1) -> list[Op]:
        """The next copy (numbers shifted by one span per copy, so copies never clash); its ops
        numbered from ``first_seq`` (a device pushing several copies continues its sequence)."""
        source = self.hours[(self.made if hour is None else hour) % len(self.hours)]
        self.made += 1
        offset = self.made * self.span
        if offset + self.span > 999_999:
            raise ValueError("no serial numbers left for another copy")
        ids = _generated_ids(source)
        codes: dict[str, str] = {}
        ops = [_rename(copy.deepcopy(op), ids, offset, codes) for op in source]
        for seq, op in enumerate(ops, start=first_seq):
            op["client_seq"] = seq
        return ops


def _generated_ids(ops: list[Op]) -> dict[str, str]:
    """old -> new for every id a counter generated (records and ops), not reference ids."""
    found: set[str] = set()
    for op in ops:
        found.update({op["op_id"], op["entity_id"]})
        payload = op["payload"]
        for n in payload.get("notices", []):
            found.add(n["id"])
        for key in ("suspension", "void_number"):  # rows the counter made with the op
            if isinstance(payload.get(key), dict):
                found.add(payload[key]["id"])
    return {old: uuid7() for old in found}


def _rename(value: Any, ids: dict[str, str], offset: int, codes: dict[str, str]) -> Any:
    if isinstance(value, dict):
        out = {k: _rename(v, ids, offset, codes) for k, v in value.items()}
        if "query_code" in out and "number" in out:
            out["query_code"] = codes.setdefault(str(value["query_code"]), query_code())
        if isinstance(out.get("serial"), int) and isinstance(out.get("number"), str):  # a void-number register row
            m = NOTICE_NUMBER.match(out["number"])
            out["serial"] = int(m.group(4)) if m else out["serial"]
        return out
    if isinstance(value, list):
        return [_rename(v, ids, offset, codes) for v in value]
    if isinstance(value, str):
        if value in ids:
            return ids[value]
        m = CASE_NUMBER.match(value) or NOTICE_NUMBER.match(value)
        if m:
            return f"{m.group(1)}{m.group(3)}{int(m.group(4)) + offset:06d}"
    return value


def enrol_devices(server: PgServer, count: int) -> list[str]:
    """``count`` enrolled devices of the demo hall (codes made in the database, redeemed over HTTP);
    their credentials."""
    from sqlalchemy import select

    from db.models import Window
    from server import devices
    from server.engine import ServerDatabase

    db = ServerDatabase(server.db_url)
    codes = []
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    try:
        with db.write() as s:
            windows = [w.number for w in s.scalars(select(Window).where(Window.hall_id == server.hall_id))]
            for i in range(count):
                code, _, _ = devices.create_code(s, hall_id=server.hall_id, window_number=windows[i % len(windows)],
                                                 created_by="bench", device_name=f"bench-{i}",
                                                 ttl=dt.timedelta(hours=1), now=now)
                codes.append(code)
    finally:
        db.dispose()
    with httpx.Client(base_url=server.base, timeout=60) as http:
        creds = []
        for code in codes:
            r = http.post("/v1/enrol", json={"code": code, "device_name": "bench"})
            r.raise_for_status()
            creds.append(r.json()["credential"])
    return creds


def push_all(base: str, credential: str, ops: list[Op], batch: int = 500) -> dict[str, int]:
    """Push ``ops`` in batches; the count of each answer status (raises on an HTTP error)."""
    counts: dict[str, int] = {}
    with httpx.Client(base_url=base, timeout=300, headers={"Authorization": f"Bearer {credential}"}) as http:
        for i in range(0, len(ops), batch):
            r = http.post("/v1/push", json={"ops": ops[i:i + batch]})
            r.raise_for_status()
            for res in r.json()["results"]:
                counts[res["status"]] = counts.get(res["status"], 0) + 1
    return counts


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))]


def summary_ms(values: list[float]) -> str:
    ms = [v * 1000 for v in values]
    if not ms:
        return "no requests in this run (n=0)"
    return (f"p50 {percentile(ms, 50):.0f} ms, p90 {percentile(ms, 90):.0f} ms, p99 {percentile(ms, 99):.0f} ms, "
            f"max {max(ms):.0f} ms, mean {statistics.fmean(ms):.0f} ms (n={len(ms)})")


class Stopwatch:
    def __init__(self) -> None:
        self.start = time.perf_counter()

    def __call__(self) -> float:
        return time.perf_counter() - self.start
