"""Initial pull of a hall scope holding 50,000 rows by a new counter, against the real server
process on a fresh PostgreSQL database (127.0.0.1:5432; created and dropped here); then the same
pull killed half-way (SIGKILL of the counter process right after the server answered a page) and
resumed, counting the pages fetched twice.

The hall's rows are real counter work (cases with their notices, enquiries) recorded through
app.services and cloned for other counters (benchmarks.sync_common), applied by the server's own
push code in-process -- ``server.push.push_batch``, with ``synchronous_commit`` off for the
seeding only -- so the change log, checksums and rows are exactly what pushes produce (pushing
them over HTTP would take much longer). Seeding takes ~15-20 minutes; the seeded database is kept
as a pg_dump in $BENCH_PULL_DIR (default /tmp/counter-desk-pull) and restored into the fresh
database on later runs. The pull itself goes through the real engine (``services.sync.sync_once``
after ``enrol``) over loopback.

Usage: ``.venv/bin/python benchmarks/sync_pull.py [--rows 50000]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import sys
import time
from pathlib import Path
from urllib.parse import parse_qs

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.sync_common import START, Cloner, PgServer, demo_store, enrol_devices, pg_server, record_hours
from benchmarks.sync_queue import TimingTransport


def _pg_setting(server: PgServer, value: str | None) -> None:
    from tests.harness.servers import pg_admin

    name = server.db_url.rsplit("/", 1)[1]
    pg_admin(f'ALTER DATABASE "{name}" ' + (f"SET synchronous_commit = {value}" if value else
                                            "RESET synchronous_commit"))


def hall_rows(server: PgServer) -> int:
    from app.sync.protocol import hall_scope
    from server.engine import ServerDatabase
    from server.schema import ScopeCounter

    db = ServerDatabase(server.db_url)
    try:
        with db.snapshot() as s:
            counter = s.get(ScopeCounter, hall_scope(server.hall_id))
            return counter.row_count if counter else 0
    finally:
        db.dispose()


def seed(server: PgServer, rows: int) -> tuple[int, float]:
    """Fill the hall scope with at least ``rows`` rows; (ops applied, seconds)."""
    from server.engine import ServerDatabase
    from server.push import push_batch
    from server.schema import SyncDevice
    from server.wire import PushIn

    hours = record_hours(server.demo, server.folder, 8, 60)
    cloner = Cloner(hours)
    credential = enrol_devices(server, 1)[0]
    _pg_setting(server, "off")
    db = ServerDatabase(server.db_url)
    t, seq, applied = time.perf_counter(), 1, 0

    def now() -> dt.datetime:
        return dt.datetime.now(dt.UTC).replace(tzinfo=None)

    try:
        with db.snapshot() as s:
            device = s.get(SyncDevice, credential.split(".", 1)[0])
        assert device is not None
        while hall_rows(server) < rows:
            for _ in range(10):
                ops = cloner.clone(first_seq=seq)
                seq += len(ops)
                answers = push_batch(db, device, PushIn(ops=ops).ops, now)
                applied += sum(a["status"] == "applied" for a in answers)
            print(f"  seeding: {hall_rows(server)} rows ({time.perf_counter() - t:.0f} s)", file=sys.stderr)
    finally:
        db.dispose()
        _pg_setting(server, None)
    return applied, time.perf_counter() - t


def new_counter(server: PgServer, name: str) -> Path:
    """A fresh counter store of the hall (the demo store the server took over), enrolled."""
    from app.services import Services
    from tests.harness.driver import SteppingClock
    from tests.harness.template import write_server_url
    from tests.server.kit import IT

    folder = server.folder / name
    folder.mkdir()
    shutil.copyfile(server.demo, folder / "counter.sqlite3")
    write_server_url(folder, server.base)
    services = Services.open(folder / "counter.sqlite3", SteppingClock(START))
    try:
        services.sync.enrol(IT, server.base, server.process.enrolment_code("01"), name)
    finally:
        services.close()
    return folder / "counter.sqlite3"


def timed_pull(server: PgServer) -> None:
    from app.services import Services
    from app.sync.client import SyncService
    from app.sync.protocol import hall_scope
    from tests.harness.driver import SteppingClock

    store = new_counter(server, "fresh")
    services = Services.open(store, SteppingClock(START))
    transport = TimingTransport()
    sync = SyncService(services.ctx, lambda: server.base, transport=transport, timeout=600)
    try:
        t = time.perf_counter()
        report = sync.sync_once()
        total = time.perf_counter() - t
    finally:
        transport.close_now()
        services.close()
    scope = hall_scope(server.hall_id)
    hall = [e for e in transport.log if e[1] == "/v1/pull" and parse_qs(e[2]).get("scope") == [scope]]
    other = [e for e in transport.log if e[1] == "/v1/pull" and e not in hall]
    hall_s = max(e[4] for e in hall) - min(e[3] for e in hall)
    print(f"initial pull by a new counter: {report.pulled} rows in {total:.1f} s (one sync_once)")
    print(f"  hall scope: {len(hall)} pages, {hall_s:.1f} s from the first request to the last answer "
          f"(server time per page {1000 * sum(e[4] - e[3] for e in hall) / len(hall):.0f} ms; the rest is the "
          f"counter applying rows)")
    print(f"  reference scopes: {len(other)} pages, {sum(e[4] - e[3] for e in other):.1f} s of requests")


def interrupted_pull(server: PgServer, at_page: int) -> None:
    """Kill the counter right after the server answered hall page ``at_page``; resume; count pages."""
    from app.sync.protocol import hall_scope
    from tests.harness import check
    from tests.harness.procs import Child
    from tests.harness.proxy import Fault, FaultProxy, RequestInfo
    from tests.harness.servers import free_port
    from tests.harness.template import write_server_url

    store = new_counter(server, "interrupted")
    proxy = FaultProxy(free_port(), server.process.port).start()
    write_server_url(store.parent, f"http://127.0.0.1:{proxy.port}")
    scope = hall_scope(server.hall_id)
    seen: list[tuple[int, int]] = []  # (run, cursor) of every hall page asked for
    run = [1]
    children: list[Child] = []

    def policy(info: RequestInfo) -> Fault:
        q = parse_qs(info.query)
        if info.path == "/v1/pull" and q.get("scope") == [scope]:
            seen.append((run[0], int(q.get("cursor", ["0"])[0])))
            if run[0] == 1 and len(seen) == at_page:
                return Fault.KILL_CLIENT
        return Fault.PASS

    proxy.policy = policy
    proxy.on_kill = lambda info: children[-1].kill()
    argv = ["--store", str(store), "--login", "zhangmin", "--settle", "--attempts", "3"]
    try:
        t = time.perf_counter()
        children.append(Child("counter", "pull-1", argv, server.folder).start())
        code1 = children[-1].wait(600)
        first = time.perf_counter() - t
        run[0] = 2
        t = time.perf_counter()
        children.append(Child("counter", "pull-2", argv, server.folder).start())
        code2 = children[-1].wait(600)
        second = time.perf_counter() - t
    finally:
        proxy.stop()
    before = [c for r, c in seen if r == 1]
    after = [c for r, c in seen if r == 2]
    again = sum(1 for c in before if c >= after[0]) if after else 0
    print(f"interrupted pull: counter SIGKILLed (exit {code1}) after the server answered hall page {len(before)} "
          f"(cursor {before[-1]}), {first:.1f} s in")
    resumed_at = after[0] if after else "-"
    print(f"  resumed (exit {code2}) at cursor {resumed_at}: {len(after)} more pages in {second:.1f} s; "
          f"pages fetched twice: {again} (the one whose answer the kill lost)")
    server_view = check.read_server(server.db_url, server.hall_id)
    mine = check.read_store("interrupted", store, server.hall_id)
    same = mine.rows == server_view.rows
    print(f"  afterwards the counter holds {len(mine.rows)} hall rows, the server {len(server_view.rows)}: "
          f"{'identical' if same else 'DIFFERENT'}")


def _pg_tool(*argv: str) -> None:
    import subprocess

    subprocess.run(list(argv), check=True, capture_output=True)


def _plain_url(server: PgServer) -> str:
    return server.db_url.replace("postgresql+psycopg://", "postgresql://")


def restore_seeding(server: PgServer, dump: Path) -> bool:
    """Restore the seeding an earlier run kept in ``dump`` and start the server; False: none kept
    (nothing done)."""
    if not dump.exists():
        return False
    t = time.perf_counter()
    _pg_tool("pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction",
             f"--dbname={_plain_url(server)}", str(dump))
    server.process.start()
    print(f"hall scope restored from the seeding kept in {dump} ({time.perf_counter() - t:.0f} s)")
    return True


def seeded(server: PgServer, rows: int, dump: Path) -> None:
    """The hall filled to ``rows`` rows: restored from ``dump`` if an earlier run left it, else
    seeded here and dumped there for the next run (the server is started either way)."""
    if restore_seeding(server, dump):
        return
    server.process.start()
    applied, seconds = seed(server, rows)
    print(f"hall scope seeded: {hall_rows(server)} rows from {applied} applied ops ({seconds:.0f} s)")
    _pg_tool("pg_dump", "--format=custom", "--no-owner", f"--file={dump}", f"--dbname={_plain_url(server)}")
    server.process.stop()
    server.process.start()  # fresh connections after the seeding setting was reset


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--rows", type=int, default=50_000)
    p.add_argument("--kill-at-page", type=int, default=0, help="default: the middle page")
    p.add_argument("--cache", type=Path, default=Path(os.environ.get("BENCH_PULL_DIR", "/tmp/counter-desk-pull")),
                   help="keeps the demo store and a dump of the seeded database between runs")
    args = p.parse_args()
    args.cache.mkdir(parents=True, exist_ok=True)
    demo = args.cache / "demo.sqlite3"
    if not demo.exists():
        demo_store(demo)
    with pg_server(demo=demo, start=False) as server:
        seeded(server, args.rows, args.cache / f"hall-{args.rows}.dump")
        rows = hall_rows(server)
        print(f"hall scope: {rows} rows")
        timed_pull(server)
        interrupted_pull(server, args.kill_at_page or max(2, rows // 1000 // 2))


if __name__ == "__main__":
    main()
