"""10,000 operations queued on one counter, pushed over loopback by the real sync engine to the
real server process on a fresh PostgreSQL database (127.0.0.1:5432; created and dropped here).

The queue is real counter work: the harness's counter driver doing random intakes with every
decision, enquiries and later steps through app.services on a standalone demo store, until the
outbox holds 10,000 operations (about 3-4 minutes; built once and kept in $BENCH_QUEUE_DIR or
/tmp/counter-desk-queue-10k). Each run copies it, enrols it (``services.sync.enrol``, as the hall's
IT would after working standalone) and times one ``sync_once()``: push every op in batches, top up
number blocks, pull the hall back. An HTTP transport that times each request separates the push.

Usage: ``.venv/bin/python benchmarks/sync_queue.py [--ops 10000]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import shutil
import sys
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.sync_common import START, demo_store, pg_server, summary_ms


class TimingTransport(httpx.HTTPTransport):
    """Records (method, path, query, started, ended, status) of every request the engine makes."""

    def __init__(self) -> None:
        super().__init__()
        self.log: list[tuple[str, str, str, float, float, int]] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        started = time.perf_counter()
        response = super().handle_request(request)
        response.read()
        self.log.append((request.method, request.url.path, request.url.query.decode(), started,
                         time.perf_counter(), response.status_code))
        return response

    def close(self) -> None:
        pass  # kept open across the engine's clients; closed at the end by close_now()

    def close_now(self) -> None:
        super().close()

    def span(self, path: str) -> tuple[int, float, list[float]]:
        """(requests, seconds from the first start to the last end, each duration) for ``path``."""
        hits = [e for e in self.log if e[1] == path]
        if not hits:
            return 0, 0.0, []
        return len(hits), max(e[4] for e in hits) - min(e[3] for e in hits), [e[4] - e[3] for e in hits]


def pending_ops(store: Path) -> int:
    import sqlite3

    with sqlite3.connect(store) as db:
        return int(db.execute("select count(*) from outbox_op where status = 'pending'").fetchone()[0])


def build_queue(folder: Path, ops: int) -> tuple[Path, Path]:
    """(demo store the server takes over, counter store with ``ops`` pending operations)."""
    from app.services import Services
    from tests.harness import driver
    from tests.harness.driver import Counter, SteppingClock

    driver.ECHO = False
    demo, queue = folder / "demo.sqlite3", folder / f"queue-{ops}.sqlite3"
    if demo.exists() and queue.exists() and pending_ops(queue) == ops:
        return demo, queue
    shutil.rmtree(folder, ignore_errors=True)
    demo_store(demo)
    work = folder / "building.sqlite3"
    shutil.copyfile(demo, work)
    clock = SteppingClock(START)
    services = Services.open(work, clock)
    t = time.perf_counter()
    try:
        counter = Counter(services, "zhangmin", random.Random(10_000), clock)
        done = 0
        while done < ops:
            for _ in range(min(200, ops - done)):
                clock.tick(counter.rng)
                counter.step()
            done = pending_ops(work)
            print(f"  queue: {done} ops ({time.perf_counter() - t:.0f} s)", file=sys.stderr)
    finally:
        services.close()
    import sqlite3

    with sqlite3.connect(work) as db:  # everything into the file itself before it is moved
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    if done > ops:
        raise SystemExit(f"made {done} ops, not {ops}: delete {folder} and run again")
    os.replace(work, queue)
    return demo, queue


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--ops", type=int, default=10_000)
    p.add_argument("--cache", type=Path, default=Path(os.environ.get("BENCH_QUEUE_DIR", "/tmp/counter-desk-queue-10k")))
    args = p.parse_args()
    from app.services import Services
    from app.sync.client import SyncService
    from tests.harness.driver import SteppingClock

    demo, queue = build_queue(args.cache, args.ops)
    with pg_server(demo=demo) as server:
        store = server.folder / "counter" / "counter.sqlite3"
        store.parent.mkdir(parents=True)
        shutil.copyfile(queue, store)
        services = Services.open(store, SteppingClock(START + dt.timedelta(days=1)))
        transport = TimingTransport()
        sync = SyncService(services.ctx, lambda: server.base, transport=transport, timeout=600)
        try:
            sync.enrol(server.base, server.process.enrolment_code("01"), "queue-bench")
            transport.log.clear()
            before = sync.status().pending
            t = time.perf_counter()
            report = sync.sync_once()
            total = time.perf_counter() - t
            status = sync.status()
        finally:
            transport.close_now()
            services.close()
        n, seconds, each = transport.span("/v1/push")
        pulls, pull_s, _ = transport.span("/v1/pull")
        print(f"queued: {before} ops on one counter; one sync_once() took {total:.1f} s")
        print(f"  push: {report.pushed} ops in {n} requests, {seconds:.1f} s = {report.pushed / seconds:.0f} ops/s "
              f"(applied {report.applied}, duplicates {report.duplicates}, conflicts {report.conflicts}, "
              f"rejected {report.rejected})")
        print(f"  per push request: {summary_ms(each)}")
        print(f"  pull afterwards: {report.pulled} rows in {pulls} pages, {pull_s:.1f} s")
        print(f"  pending after: {status.pending}, quarantined: {status.quarantined}")


if __name__ == "__main__":
    main()
