"""What a server restore costs a hall of 300 counters: the pulls after it, old behaviour (every
scope from cursor 0) against kept cursors (each scope from min(cursor, mark), the marks asked for
with ``GET /v1/epoch?since=``), on PostgreSQL over loopback behind the real server process.

The hall scope is filled with real counter work: a few hundred rows pushed by the server's own push
code (benchmarks.sync_pull.seed), then copied in the change log as other counters' work (every
generated id, number and query code renamed as benchmarks.sync_common.Cloner does for ops, hashes
and the scope's checksum kept exact): pulls read only the change log, so they serve and send these
rows as any others, and a real counter takes them as it would the pushed ones. The seeded database
is kept as a dump in $BENCH_PULL_DIR. A backup is taken (``server.backup.backup``: pg_dump);
``--work-ops`` more operations are pushed over HTTP (the hall's last minutes of work); every
counter has pulled to the end; the server is stopped and restored (``server.backup.restore``:
pg_restore and a new epoch with its lineage) and started again; the lost work is pushed again (as
its counters do first, idempotently).

Then the pull loop each counter runs after a restore is timed as raw HTTP clients: the kept
cursors for all ``--counters`` devices, cursor 0 for ``--sample`` of them (the full pull is the
same for every counter; the hall's total is the sample's mean times the counters). Server time =
the sum of the pull requests' durations, one request at a time. The floor: one counter's ordinary
cycle of pulls (every scope from a cursor at the mark, so exactly the rows changed after it, and
no question about the epoch), times the counters: what the hall pays for those rows without any
restore. One real counter (app.services) pulls the whole hall before, and after the restore keeps
its cursors, pulls only what changed and ends with every scope's checksum matching.

Usage: ``.venv/bin/python benchmarks/restore_cost.py [--rows 50000] [--work-ops 2000] [--counters 300]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.sync_common import (
    START,
    Cloner,
    PgServer,
    _numbers,
    _rename,
    demo_store,
    enrol_devices,
    pg_server,
    push_all,
    record_hours,
)
from benchmarks.sync_pull import _pg_tool, _plain_url, hall_rows, restore_seeding, seed

GOAL_RATIO = 10.0  # the whole hall's pull after a restore at least 10x cheaper than pulling everything again
GOAL_FLOOR_RATIO = 2.0  # and within 2x of sending only what changed after the backup
PAGE = 1000
COPY_OFFSET = 600_000  # serials of the copied rows start here: above any the cloned pushes use


@dataclass
class Cost:
    rows: int = 0
    bytes: int = 0
    seconds: float = 0.0
    requests: int = 0

    def add(self, other: Cost) -> None:
        self.rows += other.rows
        self.bytes += other.bytes
        self.seconds += other.seconds
        self.requests += other.requests

    def times(self, n: float) -> Cost:
        return Cost(round(self.rows * n), round(self.bytes * n), self.seconds * n, round(self.requests * n))

    def __str__(self) -> str:
        return (f"{self.rows:,} rows, {self.bytes / 1e6:,.1f} MB, {self.seconds:,.1f} s of server time, "
                f"{self.requests:,} requests")


def _get(http: httpx.Client, path: str, params: dict[str, Any], cost: Cost) -> dict[str, Any]:
    t = time.perf_counter()
    r = http.get(path, params=params)
    cost.seconds += time.perf_counter() - t
    cost.requests += 1
    cost.bytes += len(r.content)
    r.raise_for_status()
    body = r.json()
    assert isinstance(body, dict)
    return body


def pull_loop(http: httpx.Client, cursors: dict[str, int], epoch: str) -> Cost:
    """Every scope from its cursor to the end, as the counter's pull does."""
    cost = Cost()
    for scope, cursor in cursors.items():
        more = True
        while more:
            page = _get(http, "/v1/pull", {"scope": scope, "cursor": cursor, "limit": PAGE, "epoch": epoch}, cost)
            changes = page["changes"]
            assert isinstance(changes, list)
            cost.rows += len(changes)
            cursor, more = int(page["next_cursor"]), bool(page["has_more"])
    return cost


def kept_cursors(http: httpx.Client, ends: dict[str, int], old_epoch: str, cost: Cost) -> tuple[str, dict[str, int]]:
    """What the counter's epoch change does with its cursors: min(cursor, mark), 0 without one."""
    body = _get(http, "/v1/epoch", {"since": old_epoch}, cost)
    marks = body["marks"]
    assert isinstance(marks, dict)
    return str(body["epoch"]), {scope: min(c, int(marks.get(scope, 0))) for scope, c in ends.items()}


def copy_rows(server: PgServer, rows: int) -> int:
    """Copies of the hall scope's rows appended to its change log until it holds ``rows``."""
    from sqlalchemy import insert, select

    from app.ids import uuid7
    from app.sync import checksum
    from app.sync.protocol import hall_scope
    from server.engine import ServerDatabase
    from server.schema import ChangeLog, ScopeCounter, ScopeRow

    scope = hall_scope(server.hall_id)
    db = ServerDatabase(server.db_url)
    copies = 0
    try:
        with db.snapshot() as s:
            source = [(e, i, r) for e, i, r in s.execute(
                select(ChangeLog.entity, ChangeLog.entity_id, ChangeLog.row)
                .join(ScopeRow, (ScopeRow.scope == ChangeLog.scope) & (ScopeRow.seq == ChangeLog.seq))
                .where(ScopeRow.scope == scope).order_by(ScopeRow.seq))]
        at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        step = _numbers([r for _, _, r in source]) + 1  # copies' serials never overlap
        while hall_rows(server) < rows:
            with db.write() as s:
                counter = s.get(ScopeCounter, scope)
                assert counter is not None
                for _ in range(20):
                    copies += 1
                    ids = {i: uuid7() for _, i, _ in source}
                    codes: dict[str, str] = {}
                    log, index, total = [], [], counter.checksum
                    for entity, old_id, row in source:
                        counter.last_seq += 1
                        new = _rename(row, ids, COPY_OFFSET + copies * step, codes)
                        new_hash = checksum.to_hex(checksum.row_hash(entity, ids[old_id], new))
                        total = checksum.replace(total, None, new_hash)
                        log.append({"scope": scope, "seq": counter.last_seq, "entity": entity,
                                    "entity_id": ids[old_id], "op_id": None, "at": at, "row": new})
                        index.append({"scope": scope, "entity": entity, "entity_id": ids[old_id],
                                      "seq": counter.last_seq, "row_hash": new_hash})
                    s.execute(insert(ChangeLog), log)
                    s.execute(insert(ScopeRow), index)
                    counter.checksum, counter.row_count = total, counter.row_count + len(source)
    finally:
        db.dispose()
    return copies


def seeded_hall(server: PgServer, rows: int, dump: Path) -> None:
    """The hall scope at ``rows`` rows (from ``dump`` if an earlier run left it); server started."""
    if restore_seeding(server, dump):
        return
    t = time.perf_counter()
    server.process.start()
    applied, _ = seed(server, min(rows, 400))
    copies = copy_rows(server, rows)
    print(f"hall scope seeded: {applied} ops pushed, then {copies} copies of its rows "
          f"({time.perf_counter() - t:.0f} s)")
    server.process.stop()
    _pg_tool("pg_dump", "--format=custom", "--no-owner", f"--file={dump}", f"--dbname={_plain_url(server)}")
    server.process.start()


def scope_ends(server: PgServer) -> dict[str, int]:
    """Every device scope's last seq: where a counter's cursors are after pulling to the end."""
    from app.sync.protocol import device_scopes
    from server.engine import ServerDatabase
    from server.schema import ScopeCounter

    db = ServerDatabase(server.db_url)
    try:
        with db.snapshot() as s:
            return {scope: (c.last_seq if (c := s.get(ScopeCounter, scope)) else 0)
                    for scope in device_scopes(server.hall_id)}
    finally:
        db.dispose()


def real_counter(server: PgServer, name: str):  # type: ignore[no-untyped-def]
    """A counter store of the hall (the demo store the server took over), enrolled."""
    from app.services import Services
    from app.sync.client import SyncService
    from tests.harness.driver import SteppingClock
    from tests.harness.template import write_server_url
    from tests.server.kit import IT

    folder = server.folder / name
    folder.mkdir()
    shutil.copyfile(server.demo, folder / "counter.sqlite3")
    write_server_url(folder, server.base)
    services = Services.open(folder / "counter.sqlite3", SteppingClock(START))
    services.sync = SyncService(services.ctx, lambda: server.base, timeout=600)
    services.sync.enrol(IT, server.base, server.process.enrolment_code("01"), name)
    return services


def restore_server(server: PgServer, saved: Path) -> str:
    from server import backup
    from server.engine import ServerDatabase

    server.process.stop()
    db = ServerDatabase(server.db_url)
    try:
        t = time.perf_counter()
        epoch = backup.restore(db, saved, dt.datetime.now(dt.UTC).replace(tzinfo=None))
        print(f"restored from {saved.name} in {time.perf_counter() - t:.1f} s: new epoch {epoch}")
        return epoch
    finally:
        db.dispose()
        server.process.start()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--rows", type=int, default=50_000)
    p.add_argument("--work-ops", type=int, default=2_000, help="operations pushed after the backup (lost by it)")
    p.add_argument("--counters", type=int, default=300)
    p.add_argument("--sample", type=int, default=3, help="counters timed pulling everything again (old way)")
    p.add_argument("--cache", type=Path, default=Path(os.environ.get("BENCH_PULL_DIR", "/tmp/counter-desk-pull")))
    args = p.parse_args()
    args.cache.mkdir(parents=True, exist_ok=True)
    demo = args.cache / "demo.sqlite3"
    if not demo.exists():
        demo_store(demo)
    from app.sync import state
    from server import backup

    work = Path(tempfile.mkdtemp(prefix="cd-restore-"))
    with pg_server(demo=demo, start=False) as server:
        seeded_hall(server, args.rows, args.cache / f"restore-hall-{args.rows}.dump")
        print(f"hall scope: {hall_rows(server)} rows; {args.counters} counters")
        creds = enrol_devices(server, args.counters + 1)
        pusher, devices = creds[0], creds[1:]
        counter = real_counter(server, "real")
        try:
            t = time.perf_counter()
            first = counter.sync.sync_once()
            print(f"the real counter's first pull: {first.pulled} rows in {time.perf_counter() - t:.1f} s")
            old_epoch = state.load(counter.ctx)[state.EPOCH]
            from server.engine import ServerDatabase

            db = ServerDatabase(server.db_url)
            try:
                saved = backup.backup(db, work / "backups", dt.datetime.now(dt.UTC).replace(tzinfo=None))
            finally:
                db.dispose()
            hours = record_hours(server.demo, work, 4, 60, seed=7)
            cloner = Cloner(hours)
            cloner.made = 300_000 // cloner.span  # numbers clear of the seeding's and of the copies'
            lost: list[dict[str, object]] = []
            while len(lost) < args.work_ops:
                lost += cloner.clone(first_seq=len(lost) + 1)
            lost = lost[:args.work_ops]
            pushed = push_all(server.base, pusher, lost)
            counter.sync.sync_once()
            ends = scope_ends(server)
            print(f"after the backup: {args.work_ops} ops pushed ({pushed}); every counter pulled to the end")
            restore_server(server, saved)
            again = push_all(server.base, pusher, lost)
            print(f"the lost work pushed again after the restore: {again}")
            new_cost, old_sample = Cost(), Cost()
            headers = {"Authorization": ""}
            for i, credential in enumerate(devices):
                headers["Authorization"] = f"Bearer {credential}"
                with httpx.Client(base_url=server.base, timeout=600, headers=headers) as http:
                    if i < args.sample:
                        meta = http.get("/v1/meta").json()
                        old_sample.add(pull_loop(http, dict.fromkeys(ends, 0), meta["epoch"]))
                    one = Cost()
                    epoch, cursors = kept_cursors(http, ends, old_epoch, one)
                    one.add(pull_loop(http, cursors, epoch))
                    new_cost.add(one)
                    if i == 0:  # the same rows in an ordinary cycle: every scope from a cursor at the mark
                        floor_one = pull_loop(http, cursors, epoch)
            old_cost = old_sample.times(args.counters / max(1, args.sample))
            floor = floor_one.times(args.counters)
            t = time.perf_counter()
            report = counter.sync.sync_once()
            real_s = time.perf_counter() - t
            from tests.sync.kit import unverified

            mismatched = unverified(counter)
            print(f"the real counter after the restore: epoch changed {report.epoch_changed}, {report.pulled} rows "
                  f"pulled in {real_s:.1f} s; scopes not matching the server: {mismatched or 'none'}")
        finally:
            counter.close()
    shutil.rmtree(work, ignore_errors=True)
    print(f"old (every scope from 0, {args.sample} timed x {args.counters / max(1, args.sample):.0f}): {old_cost}")
    print(f"new (kept cursors, all {args.counters} counters): {new_cost}")
    print(f"floor (an ordinary cycle's pulls of the rows changed after the mark, x{args.counters}): {floor}")
    ratio = old_cost.bytes / max(1, new_cost.bytes)
    floor_ratio = new_cost.seconds / max(1e-9, floor.seconds)
    print(f"restore, whole hall: goal old/new >= x{GOAL_RATIO:.0f} and new within x{GOAL_FLOOR_RATIO:.0f} "
          f"of the floor; "
          f"figure old/new x{ratio:.0f} in bytes, x{old_cost.rows / max(1, new_cost.rows):.0f} in rows, "
          f"x{old_cost.seconds / max(1e-9, new_cost.seconds):.0f} in server time; new/floor x{floor_ratio:.2f} "
          f"in server time (x{new_cost.bytes / max(1, floor.bytes):.2f} in bytes)")
    ok = ratio >= GOAL_RATIO and floor_ratio <= GOAL_FLOOR_RATIO and not mismatched
    print("goal met" if ok else "goal NOT met")


if __name__ == "__main__":
    main()
