"""The audit chain on a file with 1,000,000 events: the start-up check and the cost of appending.

Builds the file once (chained as the app chains them; kept at $BENCH_AUDIT_DB or
/tmp/counter-desk-audit-1m.sqlite3; $BENCH_AUDIT_EVENTS for another size), then prints:

* the check end to end (AuditChainService.verify, as the app runs it at start): seconds and events/s;
* the start-up check as the app runs it, on the task runner's read pool behind a Qt event loop
  (offscreen): how long the GUI thread spent handing it over, and how late a 10 ms timer on the
  GUI thread fired while the check ran (median / p99 / max), against the same timer with no check;
* one clerk action's audit append (head lookup + hash + insert, committed) on the 1M-event file.

Run with ``make bench`` or ``.venv/bin/python benchmarks/audit_chain_1m.py``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from app.audit_chain import GENESIS, entry_hash, event_content
from app.clock import FixedClock
from app.context import Actor
from app.ids import uuid7
from app.services import Services
from db.repositories import JournalRepository

N = int(os.environ.get("BENCH_AUDIT_EVENTS", "1000000"))
PATH = Path(os.environ.get("BENCH_AUDIT_DB", "/tmp/counter-desk-audit-1m.sqlite3"))
NOW = dt.datetime(2026, 6, 1, 10, 0)
ACTIONS = ["case.open", "case.accept", "notice.print", "case.complete", "case.deliver", "enquiry.add"]


def build() -> None:
    services = Services.open_demo(PATH, FixedClock(NOW))
    clerk = services.auth.login("zhangmin", "demo1234")
    device = services.ctx.device_id
    with services.ctx.db.read() as s:
        seq, prev = JournalRepository(s).audit_head() or (0, GENESIS)
    services.close()
    con = sqlite3.connect(PATH)
    con.execute("PRAGMA synchronous=OFF")
    sql = ("INSERT INTO audit_event (id, at, actor_id, actor_name, device_id, action, entity, entity_id, case_id, "
           "summary, detail, seq, prev_hash, hash) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)")
    start = NOW - dt.timedelta(days=5 * 365)
    batch = []
    for i in range(1, N + 1):
        at = start + dt.timedelta(seconds=i * (5 * 365 * 86400 // N))
        case_id = uuid7()
        fields = dict(id=uuid7(), at=at, actor_id=clerk.id, actor_name=clerk.name, device_id=device,
                      action=ACTIONS[i % len(ACTIONS)], entity="case", entity_id=case_id, case_id=case_id,
                      summary=f"收件：营业执照变更登记 申请人李明{i}", detail={"op_id": uuid7()})
        seq += 1
        digest = entry_hash(event_content(**fields), seq, prev)
        batch.append((fields["id"], at.isoformat(sep=" ", timespec="microseconds"), clerk.id, clerk.name, device,
                      fields["action"], "case", case_id, case_id, fields["summary"], json.dumps(fields["detail"]),
                      seq, prev, digest))
        prev = digest
        if len(batch) == 50_000:
            con.executemany(sql, batch)
            con.commit()
            batch.clear()
            print(f"  {i:,} events", flush=True)
    if batch:
        con.executemany(sql, batch)
        con.commit()
    con.close()


def check(services: Services) -> None:
    runs = [services.audit_chain.verify() for _ in range(3)]
    assert all(r.ok for r in runs), runs[0].describe()
    best = min(r.seconds for r in runs)
    print(f"check end to end: {runs[0].checked:,} events in {best:.2f} s (best of 3; "
          f"{statistics.median(r.seconds for r in runs):.2f} s median) = {runs[0].checked / best:,.0f} events/s")


def _ticks(app, seconds: float | None, busy) -> list[float]:
    """Lateness (ms) of a 10 ms GUI-thread timer until ``busy()`` is false or ``seconds`` passed."""
    from PySide6.QtCore import QTimer

    late: list[float] = []
    last = [time.perf_counter()]
    started = last[0]
    timer = QTimer()
    timer.setInterval(10)

    def tick() -> None:
        now = time.perf_counter()
        late.append(max(0.0, (now - last[0]) * 1000 - 10))
        last[0] = now
        if not busy() or (seconds is not None and now - started > seconds):
            timer.stop()
            app.quit()

    timer.timeout.connect(tick)
    timer.start()
    app.exec()
    return late


def _summary(late: list[float]) -> str:
    late = sorted(late)
    return (f"median {statistics.median(late):.1f} ms, p99 {late[int(len(late) * 0.99) - 1]:.1f} ms, "
            f"max {late[-1]:.1f} ms over {len(late)} ticks")


def startup(services: Services) -> None:
    from PySide6.QtWidgets import QApplication

    from ui.tasks import TaskRunner

    app = QApplication.instance() or QApplication(sys.argv[:1])
    runner = TaskRunner()
    idle = _ticks(app, 3.0, lambda: True)
    reports: list = []
    t0 = time.perf_counter()
    runner.run(services.audit_chain.verify, reports.append)
    handed = (time.perf_counter() - t0) * 1000
    busy = _ticks(app, None, lambda: not reports)
    runner.wait_all()
    print(f"start-up check on the read pool: GUI thread spent {handed:.2f} ms handing it over; "
          f"the check took {reports[0].seconds:.2f} s on the worker")
    print(f"  10 ms GUI timer lateness, idle:           {_summary(idle)}")
    print(f"  10 ms GUI timer lateness, during check:   {_summary(busy)}")


def append(services: Services) -> None:
    info = services.auth.login("zhangmin", "demo1234")
    actor = Actor(info.id, info.name)
    samples = []
    for i in range(200):
        t0 = time.perf_counter()
        with services.ctx.action() as s:
            services.ctx.audit(s, actor, action="bench.append", entity="case", entity_id="x", summary=f"第{i}次")
        samples.append((time.perf_counter() - t0) * 1000)
    samples.sort()
    print(f"one action's audit append on {N:,} events (committed, synchronous=FULL): "
          f"median {statistics.median(samples):.2f} ms, p95 {samples[189]:.2f} ms")


def main() -> None:
    if not PATH.exists():
        t0 = time.perf_counter()
        print(f"building {N:,} chained audit events in {PATH} ...", flush=True)
        build()
        print(f"built in {time.perf_counter() - t0:.0f} s, {PATH.stat().st_size / 1e6:.0f} MB")
    services = Services.open(PATH, FixedClock(NOW))
    try:
        check(services)
        startup(services)
        append(services)  # last: it adds events (they stay chained, so later runs still pass)
    finally:
        services.close()


if __name__ == "__main__":
    main()
