"""The counter's own sync bookkeeping, in process on real counter store files (issue #16): no
server, no HTTP -- the answers and pages are built the way the server builds them, from real rows.

(a) Recording push answers: 10,000 pending ops of real counter work (intakes, decisions, enquiries,
    papers voided: the harness's counter driver through app.services, cloned with fresh ids and
    numbers) and the records they changed sit in the outbox and the tables of a demo counter store;
    20 answers of 500 ops each are recorded by ``app.sync.push._record``: applied with the echoed
    record (the case with its notices, suspensions, voided papers; the enquiry) and 5 conflicts
    per answer (quarantined, the server's versions kept aside). Floor: a bare ``executemany``
    UPDATE of the same outbox rows (status, answer, time, epoch) per answer.
(b) An initial pull of 50,000 rows of the same kind of work (cases with materials, notices,
    suspensions, enquiries, voided numbers) into a fresh demo store, through
    ``app.sync.pull.pull_scope`` in pages of 1,000 -- each page and its cursor in one transaction,
    the scope checksum compared with the server's at the end (the server's is computed here from
    the rows). Floor: a bare ``executemany`` INSERT of the same rows into the same tables, one
    transaction per page.

Goals (issue #16, the counter's share): an answer of 500 ops recorded in well under 0.1 s (10,000
ops pushed and acknowledged end to end <= 10 s); 50,000 rows applied with the checksum <= 2 s
(the whole pull <= 5 s end to end).

Usage: ``.venv/bin/python benchmarks/counter_sync.py [--rows 50000] [--answers 20]``.
"""

from __future__ import annotations

import argparse
import copy
import datetime as dt
import logging
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.sync_common import START, _generated_ids, _numbers, _rename, demo_store

Row = dict[str, Any]  # {"entity", "id", "row"} as a page carries it
EPOCH = "bench-epoch"
PAGE = 1000
BATCH = 500
CONFLICTS = 5  # per answer


def record_work(demo: Path, folder: Path, actions: int) -> tuple[list[Row], list[Row]]:
    """Real counter work on a copy of the demo store: its outbox ops and the hall rows they left."""
    from sqlalchemy import select

    from app.services import Services
    from app.sync.protocol import push_op
    from app.sync.rows import entity_row
    from db.models import Case, Enquiry, Notice, Suspension, VoidNumber
    from db.repositories import JournalRepository
    from tests.harness import driver
    from tests.harness.driver import Counter, SteppingClock

    driver.ECHO = False
    path = folder / "work.sqlite3"
    shutil.copyfile(demo, path)
    before = _row_keys(demo)
    clock = SteppingClock(START)
    services = Services.open(path, clock)
    try:
        counter = Counter(services, "zhangmin", random.Random(7), clock)
        for _ in range(actions):
            clock.tick(counter.rng)
            counter.step()
        with services.ctx.db.read() as s:
            ops = [push_op(op) for op in JournalRepository(s).ops()]
            rows = [{"entity": e, "id": obj.id, "row": entity_row(e, obj)}
                    for e, model in (("case", Case), ("notice", Notice), ("suspension", Suspension),
                                     ("enquiry", Enquiry), ("void_number", VoidNumber))
                    for obj in s.scalars(select(model)) if (e, obj.id) not in before]
    finally:
        services.close()
    return ops, rows


def _row_keys(path: Path) -> set[tuple[str, str]]:
    import sqlite3

    with sqlite3.connect(path) as con:
        return {(e, i) for e, table in (("case", "cases"), ("notice", "notice"), ("suspension", "suspension"),
                                        ("enquiry", "enquiry"), ("void_number", "void_number"))
                for (i,) in con.execute(f"SELECT id FROM {table}")}


def copies(ops: list[Row], rows: list[Row]):  # type: ignore[no-untyped-def]
    """Endless copies of the work as other counters did it: (ops, rows) with fresh ids and numbers."""
    span = max(_numbers(ops), _numbers(rows)) + 1
    k = 0
    while True:
        k += 1
        ids = _generated_ids(ops)
        ids.update({r["id"]: _new_id() for r in rows if r["id"] not in ids})
        codes: dict[str, str] = {}
        yield ([_rename(copy.deepcopy(o), ids, k * span, codes) for o in ops],
               [_rename(copy.deepcopy(r), ids, k * span, codes) for r in rows])


def _new_id() -> str:
    from app.ids import uuid7

    return uuid7()


def open_store(demo: Path, path: Path):  # type: ignore[no-untyped-def]
    from app.clock import FixedClock
    from app.services import Services

    shutil.copyfile(demo, path)
    return Services.open(path, FixedClock(START + dt.timedelta(days=1)))


def cycle_of(services: Any, api: Any = None) -> Any:
    from app.sync.cycle import Cycle, Tuning

    hall_id = _hall_id(services)
    return Cycle(services.ctx, api, hall_id, EPOCH, Tuning(page_size=PAGE))


def _hall_id(services: Any) -> str:
    from sqlalchemy import select

    from db.models import Hall

    with services.ctx.db.read() as s:
        return str(s.scalars(select(Hall.id)).first())


# -- bare inserts (the floor, and the setup of (a)) --------------------------------------------------


def bare_insert(s: Any, rows: list[Row]) -> None:
    """The rows into their tables with one executemany per table (no checks, no bookkeeping)."""
    from sqlalchemy import insert

    from app.sync.rows import ENTITIES, column_values
    from db.models import CaseMaterial

    by_table: dict[Any, list[dict[str, Any]]] = {}
    materials: list[dict[str, Any]] = []
    for r in rows:
        table = ENTITIES[r["entity"]][0].__table__
        by_table.setdefault(table, []).append(column_values(table, r["row"]))
        if r["entity"] == "case":
            materials += [{**column_values(CaseMaterial.__table__, m), "id": _new_id(), "case_id": r["id"]}
                          for m in r["row"]["materials"]]
    for table, values in by_table.items():
        s.execute(insert(table), values)
    if materials:
        s.execute(insert(CaseMaterial.__table__), materials)


# -- (a) push answers ---------------------------------------------------------------------------------


def answers_setup(demo: Path, folder: Path, source, n_ops: int, name: str):  # type: ignore[no-untyped-def]
    """A store holding ``n_ops`` pending ops and their records; the answers the server would give."""
    from sqlalchemy import insert

    from db.models import OutboxOp

    ops: list[Row] = []
    rows: list[Row] = []
    while len(ops) < n_ops:
        o, r = next(source)
        ops += o
        rows += r
    ops = ops[:n_ops]
    owners = {o["entity_id"] for o in ops}
    rows = [r for r in rows if _owner(r) in owners]
    services = open_store(demo, folder / f"{name}.sqlite3")
    with services.ctx.db.write(foreign_keys=False) as s:
        bare_insert(s, rows)
        s.execute(insert(OutboxOp.__table__), [
            {"client_seq": seq, "op_id": o["op_id"], "kind": o["kind"], "entity_id": o["entity_id"],
             "payload": o["payload"], "created_at": START, "actor_id": o.get("actor_id"), "status": "pending",
             "attempts": 0, "last_error": "", "resolved_by": ""}
            for seq, o in enumerate(ops, start=1)])
    by_owner: dict[str, list[Row]] = {}
    for r in rows:
        by_owner.setdefault(_owner(r), []).append(r)
    rng = random.Random(3)
    bodies = []
    for i in range(0, n_ops, BATCH):
        chunk = list(enumerate(ops[i:i + BATCH], start=i + 1))
        clash = {seq for seq, _ in rng.sample(chunk, min(CONFLICTS, len(chunk)))}
        bodies.append([_answer(seq, o, by_owner.get(o["entity_id"], []), seq in clash) for seq, o in chunk])
    return services, bodies


def _owner(r: Row) -> str:
    if r["entity"] in ("notice", "suspension"):
        return str(r["row"]["case_id"])
    if r["entity"] == "void_number":
        return str(r["row"].get("case_id") or r["id"])
    return str(r["id"])


def _answer(seq: int, op: Row, record: list[Row], clash: bool) -> dict[str, Any]:
    """As server.oputil.answer: the op's record as the server holds it, its papers related."""
    main = next((r for r in record if r["id"] == op["entity_id"]), None)
    related = [r for r in record if r is not main]
    return {"op_id": op["op_id"], "client_seq": seq, "kind": op["kind"],
            "status": "conflict" if clash else "applied",
            "code": "version_conflict" if clash else None, "message": "办件已被其他窗口更新" if clash else None,
            "entity": main["entity"] if main else None, "entity_id": op["entity_id"],
            "row": main["row"] if main else None, "related": related}


def bench_answers(demo: Path, folder: Path, source, n_answers: int) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import bindparam, update

    from app.sync import shapes
    from app.sync.push import _record
    from db.models import OutboxOp

    n_ops = n_answers * BATCH
    services, bodies = answers_setup(demo, folder, source, n_ops, "answers")
    floor_services, _ = answers_setup(demo, folder, source, n_ops, "answers-floor")
    try:
        cycle = cycle_of(services)
        took = []
        for body in bodies:
            results = shapes.results({"results": body}, [(a["op_id"], a["client_seq"]) for a in body])
            t = time.perf_counter()
            _record(cycle, results, EPOCH)
            took.append(time.perf_counter() - t)
        floor = []
        stmt = (update(OutboxOp.__table__).where(OutboxOp.__table__.c.client_seq == bindparam("seq"))
                .values(status=bindparam("st"), result=bindparam("res"), server_reply=bindparam("reply"),
                        acked_at=bindparam("at"), acked_epoch=bindparam("ep"), attempts=1))
        for body in bodies:
            params = [{"seq": a["client_seq"], "st": "acked" if a["status"] == "applied" else "quarantined",
                       "res": a["status"], "reply": a, "at": START, "ep": EPOCH} for a in body]
            t = time.perf_counter()
            with floor_services.ctx.db.write(foreign_keys=False) as s:
                s.execute(stmt, params)
            floor.append(time.perf_counter() - t)
        statuses = _statuses(services)
    finally:
        services.close()
        floor_services.close()
    per = sum(took) / len(took)
    print(f"(a) record push answers: {n_answers} x {BATCH} ops ({CONFLICTS} conflicts each) -> {statuses}")
    print("    goal:   one 500-op answer well under 0.100 s (10,000 ops pushed end to end <= 10 s)")
    print(f"    figure: {per:.3f} s per answer (max {max(took):.3f} s), {sum(took):.2f} s for {n_ops} ops")
    print(f"    floor:  {sum(floor) / len(floor):.3f} s per answer (bare executemany UPDATE of the outbox rows), "
          f"{sum(floor):.2f} s in all")


def _statuses(services: Any) -> dict[str, int]:
    from sqlalchemy import func, select

    from db.models import OutboxOp

    with services.ctx.db.read() as s:
        return {str(k): int(v) for k, v in s.execute(select(OutboxOp.status, func.count()).group_by(OutboxOp.status))}


# -- (b) initial pull ------------------------------------------------------------------------------------


class PageServer:
    """Serves pages of fixed rows as /v1/pull would (the api the cycle calls)."""

    def __init__(self, rows: list[Row], checksum: str) -> None:
        self.rows, self.checksum, self.calls = rows, checksum, 0

    def pull(self, scope: str, cursor: int, limit: int, epoch: str | None) -> dict[str, Any]:
        self.calls += 1
        chunk = self.rows[cursor:cursor + limit]
        return {"changes": chunk, "next_cursor": cursor + len(chunk), "has_more": cursor + len(chunk) < len(self.rows),
                "checksum": self.checksum, "epoch": EPOCH, "server_time": "2026-03-03T09:00:00+08:00"}


def bench_pull(demo: Path, folder: Path, source, n_rows: int) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from app.sync.checksum import from_hex, row_hash, to_hex
    from app.sync.protocol import hall_scope
    from app.sync.pull import pull_scope
    from app.sync.verify import local_checksum
    from db.models import SyncCursor

    rows: list[Row] = []
    while len(rows) < n_rows:
        rows += next(source)[1]
    rows = rows[:n_rows]
    services = open_store(demo, folder / "pull.sqlite3")
    floor_services = open_store(demo, folder / "pull-floor.sqlite3")
    try:
        cycle = cycle_of(services)
        scope = hall_scope(cycle.hall_id)
        with services.ctx.db.read() as s:
            there = from_hex(local_checksum(s, scope, cycle.hall_id))
        server_sum = to_hex(there + sum(row_hash(r["entity"], r["id"], r["row"]) for r in rows))
        cycle.api = PageServer(rows, server_sum)
        t = time.perf_counter()
        pull_scope(cycle, scope, may_repeat=True)
        took = time.perf_counter() - t
        with services.ctx.db.read() as s:
            cur = s.scalars(select(SyncCursor).where(SyncCursor.scope == scope)).one()
            verified = cur.verified == server_sum
            t = time.perf_counter()
            full = local_checksum(s, scope, cycle.hall_id)
            recompute = time.perf_counter() - t
        t = time.perf_counter()
        for i in range(0, len(rows), PAGE):
            with floor_services.ctx.db.write(foreign_keys=False) as s:
                bare_insert(s, rows[i:i + PAGE])
        floor = time.perf_counter() - t
    finally:
        services.close()
        floor_services.close()
    kinds: dict[str, int] = {}
    for r in rows:
        kinds[r["entity"]] = kinds.get(r["entity"], 0) + 1
    print(f"(b) initial pull of {len(rows)} rows {kinds} in {cycle.api.calls} pages of {PAGE}")
    print("    goal:   <= 2 s to apply the pages and compare the checksum (the whole pull <= 5 s end to end)")
    print(f"    figure: {took:.2f} s (pull_scope: pages, cursors, checksum; verified: {verified}, "
          f"full recompute matches: {full == server_sum})")
    print(f"    floor:  {floor:.2f} s (bare executemany INSERT of the same rows, one transaction per page)")
    print(f"    (a full recompute of the scope checksum afterwards, as verify/repair paths do: {recompute:.2f} s)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--answers", type=int, default=20)
    parser.add_argument("--actions", type=int, default=300, help="counter actions recorded as the template")
    args = parser.parse_args()
    logging.getLogger("app.sync").setLevel(logging.ERROR)  # the conflicts answered on purpose
    import app.sync.pull
    import app.sync.push  # noqa: F401 - the code measured, loaded before anything runs
    folder = Path(tempfile.mkdtemp(prefix="cd-countersync-"))
    try:
        demo = demo_store(folder / "demo" / "counter.sqlite3")
        t = time.perf_counter()
        ops, rows = record_work(demo, folder, args.actions)
        print(f"template: {len(ops)} ops, {len(rows)} rows of real counter work ({time.perf_counter() - t:.1f} s)")
        source = copies(ops, rows)
        bench_answers(demo, folder, source, args.answers)
        bench_pull(demo, folder, source, args.rows)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
