"""Prometheus metrics of the server (``GET /metrics``, docs/server-operations.md lists them).

prometheus_client keeps the counts. One worker process: the app's own registry. Several (``serve
--workers N``): its multiprocess mode, each worker writing its counts to files in
PROMETHEUS_MULTIPROC_DIR (``serve`` makes a fresh temporary folder for each start, before any worker
imports prometheus_client) and a scrape, whichever worker answers it, merging every worker's files.
A worker that died is reaped at the next scrape, so its in-flight pushes do not stay counted.

Labels are hall ids, device ids, route templates, number kinds and refusal codes: never a name, a
case number or anything typed by a person, so a scrape cannot leak citizens' data. The lease stock
is read from the database at scrape time with one grouped query, not counted as leases happen, so
every worker reports the same and a restart loses nothing.
"""

from __future__ import annotations

import datetime as dt
import glob
import hmac
import os
import re
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead
from prometheus_client.registry import Collector
from sqlalchemy import func, select

from app.paths import process_alive
from server.engine import ServerDatabase
from server.schema import NumberLease, SyncDevice

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
BATCH_BUCKETS = (1, 2, 5, 10, 25, 50, 100, 200, 500, 1000)
LOOPBACK = ("127.", "::1", "::ffff:127.")


def multiproc_dir() -> str | None:
    return os.environ.get(MULTIPROC_ENV) or None


class Metrics:
    """The server's counters, histograms and gauges; one per app (tests make many apps in one process)."""

    def __init__(self) -> None:
        r = self.registry = CollectorRegistry()
        self.requests = Counter("counter_desk_http_requests", "HTTP requests answered, by route template, "
                                "method and status", ["route", "method", "status"], registry=r)
        self.request_seconds = Histogram("counter_desk_http_request_seconds", "Time to answer an HTTP request",
                                         ["route", "method"], buckets=LATENCY_BUCKETS, registry=r)
        self.worker_requests = Gauge("counter_desk_worker_requests", "Requests answered by each live worker "
                                     "process (label pid with several workers)", multiprocess_mode="liveall",
                                     registry=r)
        self.push_ops = Counter("counter_desk_push_ops", "Pushed operations answered, by hall and status "
                                "(applied, duplicate, conflict, rejected)", ["hall", "status"], registry=r)
        self.push_seconds = Histogram("counter_desk_push_seconds", "Time to apply one push, by hall",
                                      ["hall"], buckets=LATENCY_BUCKETS, registry=r)
        self.push_batch = Histogram("counter_desk_push_batch_ops", "Operations per push, by hall", ["hall"],
                                    buckets=BATCH_BUCKETS, registry=r)
        self.push_combined = Histogram("counter_desk_push_transaction_pushes", "Pushes applied together in one "
                                       "transaction (group commit of a hall's small pushes), by hall", ["hall"],
                                       buckets=BATCH_BUCKETS, registry=r)
        self.push_in_flight = Gauge("counter_desk_push_in_flight", "Pushes waiting for or holding the hall's "
                                    "lock (the hall's queue depth)", ["hall"], multiprocess_mode="livesum",
                                    registry=r)
        self.refusals = Counter("counter_desk_refusals", "Refusals by code: where=request (an error answer) "
                                "or where=op (an operation of a push not applied)", ["where", "code"], registry=r)
        self.pull_pages = Counter("counter_desk_pull_pages", "Pull pages served, by hall", ["hall"], registry=r)
        self.pull_rows = Counter("counter_desk_pull_rows", "Rows sent in pull pages, by hall", ["hall"], registry=r)
        self.leases = Counter("counter_desk_number_leases", "Number blocks leased (new or answered again), "
                              "by hall and kind", ["hall", "kind"], registry=r)

    def request_done(self, route: str, method: str, status: int, seconds: float) -> None:
        self.requests.labels(route, method, str(status)).inc()
        self.request_seconds.labels(route, method).observe(seconds)
        self.worker_requests.inc()

    def refused(self, code: str, where: str = "request") -> None:
        self.refusals.labels(where, code).inc()

    @contextmanager
    def pushing(self, hall_id: str) -> Iterator[None]:
        """Counts the push as in flight for its hall while the block runs, and times it."""
        gauge = self.push_in_flight.labels(hall_id)
        gauge.inc()
        started = time.perf_counter()
        try:
            yield
        finally:
            gauge.dec()
            self.push_seconds.labels(hall_id).observe(time.perf_counter() - started)

    def combined(self, hall_id: str, pushes: int, ops: int) -> None:
        """One transaction of the hall's small pushes applied together (server.combine)."""
        self.push_combined.labels(hall_id).observe(pushes)

    def pushed(self, hall_id: str, results: Sequence[dict[str, Any]]) -> None:
        """The answers of one push: ops by status, refusals by code, the batch size."""
        self.push_batch.labels(hall_id).observe(len(results))
        statuses: dict[str, int] = {}
        for r in results:
            status = str(r.get("status", ""))
            statuses[status] = statuses.get(status, 0) + 1
            code = r.get("code")
            if status != "applied" and code:
                self.refused(str(code), "op")
        for status, count in statuses.items():
            self.push_ops.labels(hall_id, status).inc(count)

    def render(self, db: ServerDatabase, year: int) -> bytes:
        """The text exposition: every worker's counts, then the lease stock from the database."""
        path = multiproc_dir()
        if path:
            reap_dead_workers(path)
            merged = CollectorRegistry()
            MultiProcessCollector(merged, path)  # type: ignore[no-untyped-call]
            counts = generate_latest(merged)
        else:
            counts = generate_latest(self.registry)
        scraped = CollectorRegistry()
        scraped.register(LeaseStock(db, year))
        return counts + generate_latest(scraped)


class LeaseStock(Collector):
    """Numbers leased to each active device for ``year``, read at scrape time (one grouped query)."""

    def __init__(self, db: ServerDatabase, year: int) -> None:
        self.db, self.year = db, year

    def collect(self) -> Iterable[Metric]:
        numbers = GaugeMetricFamily("counter_desk_lease_numbers", "Numbers in the blocks leased to the device "
                                    "for the current year (its stock before what it has used)",
                                    labels=["hall", "device", "kind"])
        blocks = GaugeMetricFamily("counter_desk_lease_blocks", "Blocks leased to the device for the current year",
                                   labels=["hall", "device", "kind"])
        for hall, device, kind, count, total in lease_rows(self.db, self.year):
            numbers.add_metric([hall, device, kind], total)
            blocks.add_metric([hall, device, kind], count)
        yield numbers
        yield blocks


def lease_rows(db: ServerDatabase, year: int) -> list[tuple[str, str, str, int, int]]:
    """(hall, device, kind, blocks, numbers) of the active devices' leases of ``year``."""
    q = (select(NumberLease.hall_id, NumberLease.device_id, NumberLease.kind, func.count(),
                func.sum(NumberLease.last - NumberLease.first + 1))
         .join(SyncDevice, SyncDevice.id == NumberLease.device_id)
         .where(NumberLease.year == year, SyncDevice.revoked_at.is_(None))
         .group_by(NumberLease.hall_id, NumberLease.device_id, NumberLease.kind))
    with db.snapshot() as s:
        return [(h, d, k, int(c), int(n or 0)) for h, d, k, c, n in s.execute(q)]


_LIVE_FILE = re.compile(r"gauge_live\w*_(\d+)\.db$")


def reap_dead_workers(path: str) -> None:
    """Forget the live gauges of worker processes that are gone (killed, or restarted by uvicorn)."""
    if sys.platform == "win32":  # os.kill(pid, 0) would end the process there; no multi-worker serving anyway
        return
    pids = {int(m.group(1)) for f in glob.glob(os.path.join(path, "gauge_live*.db"))
            if (m := _LIVE_FILE.search(f))}
    for pid in pids:
        if not process_alive(pid):
            mark_process_dead(pid, path)  # type: ignore[no-untyped-call]


def scrape_allowed(client_host: str | None, authorization: str | None, token: str) -> bool:
    """/metrics answers loopback (a Prometheus or node agent on the server itself), or anyone with
    ``Authorization: Bearer <COUNTER_DESK_METRICS_TOKEN>`` when a token is set."""
    if client_host and client_host.startswith(LOOPBACK):
        return True
    if not token or not authorization or not authorization.startswith("Bearer "):
        return False
    return hmac.compare_digest(authorization.removeprefix("Bearer ").encode(), token.encode())


def local_year(now: dt.datetime) -> int:
    """The hall's year (Beijing time) of the server's naive-UTC ``now``: blocks are leased per local year."""
    return (now + dt.timedelta(hours=8)).year
