"""A counter's decision write against a floor measured in the same run (issue #16).

Two decision writes: ``open``, the clerk's 收件并受理 (IntakeService.open_case with an accept
decision: case + materials + receipt and acceptance notices + numbers + audit + outbox, one durable
transaction), and ``decide``, 受理 of a case received earlier (IntakeService.decide). The floor is
the least a durable write can cost on such a store: one row and one outbox row inserted in one
BEGIN IMMEDIATE … COMMIT, with the store's own pragmas (WAL, synchronous=FULL) on the store's own
driver (sqlite3 for plain, sqlcipher3 with the key for the encrypted store), into a copy of the
store file beside it (why a copy: ``floor_writer``), decision and floor in turn.

For each store (plain, encrypted; BENCH_STORES picks) and each load (quiet; busy: a process burning
CPU beside it) it prints the goal, p50 and p99 of the decision and of the floor, their ratio, the
decision's CPU time (this thread's: what the machine's load does not inflate much), the SQL
statements of one decision (counted on the engine, grouped by table/purpose with ``-v``) and how
much of a decision's time is spent inside SQLite (statements and COMMIT) — the rest is Python.

Goal: p50 ≤ 10× the floor, p99 ≤ 20 ms (quiet and busy).

Run: ``.venv/bin/python benchmarks/decision_write.py [-v]``; BENCH_DECISIONS sets the sample count
(default 400), BENCH_BUSY=0 leaves out the busy runs.
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event
from sqlalchemy.orm import Session

from app.cases.rules import MaterialCheck
from app.clock import FixedClock
from app.context import Actor
from app.dto import Applicant, DecisionInput, IntakeRequest
from app.services import Services
from benchmarks.stores import ENCRYPTED, PLAIN, checkpoint, encrypted_copy, ratio, selected
from db.engine import connect_raw
from tests.app.kit import statements
from tests.conftest import DEFAULT_NOW

N = int(os.environ.get("BENCH_DECISIONS", "400"))
WARM_UP = 20
GOAL_RATIO = 10.0
GOAL_P99_MS = 20.0


# -- the decision ------------------------------------------------------------------------------
def accept_request(services: Services) -> IntakeRequest:
    """收件并受理 of 营业执照 with every material received (the benchmark of test_bench_intake)."""
    m = services.catalogue.find("yyzz")[0]
    mats = tuple(
        MaterialCheck(t.name, t.is_main, t.deferrable, "received", t.originals, t.copies, material_id=t.id)
        for t in services.catalogue.detail(m.id).materials
    )
    return IntakeRequest(m.id, Applicant("person", "李明", "11010519491231002X", "13800138000"), mats,
                         decision=DecisionInput("accept"))


Sample = tuple[float, float]  # (wall ms, this thread's CPU ms) of one write


def _timed(fn: Callable[[], object]) -> Sample:
    t0, c0 = time.perf_counter(), time.thread_time()
    fn()
    return (time.perf_counter() - t0) * 1000, (time.thread_time() - c0) * 1000


Prepare = Callable[[], Callable[[], object]]  # does what is not timed, returns the write to time


def decision_writers(services: Services) -> dict[str, Prepare]:
    """``open``: 收件并受理 in one write (what the counter does most); ``decide``: 受理 of a case
    received earlier (its 仅收件 is the untimed preparation)."""
    clerk = services.auth.login("zhangmin", "demo1234")
    actor = Actor(clerk.id, clerk.name)
    req = accept_request(services)
    receive = dataclasses.replace(req, decision=None)

    def open_case() -> Callable[[], object]:
        return lambda: services.intake.open_case(actor, req, window_id=None)

    def decide() -> Callable[[], object]:
        case = services.intake.open_case(actor, receive, window_id=None)
        return lambda: services.intake.decide(actor, case.id, case.version, DecisionInput("accept"), req.materials)

    return {"open": open_case, "decide": decide}




def purpose(sql: str) -> str:
    """`SELECT cases`, `INSERT notice`, … : what a statement does to which table."""
    text = " ".join(sql.split())
    if text.startswith(("BEGIN", "COMMIT")):
        return text
    verb = text.split(" ", 1)[0].upper()
    pattern = {"SELECT": r"\bFROM (\w+)", "INSERT": r"INTO (\w+)", "UPDATE": r"UPDATE (\w+)",
               "DELETE": r"FROM (\w+)"}.get(verb, r"(\w+)")
    m = re.search(pattern, text, re.IGNORECASE)
    return f"{verb} {m.group(1) if m else '?'}"


# -- the floor ---------------------------------------------------------------------------------
FLOOR_TABLE = "bench_floor_row"


def floor_writer(path: Path, key: bytes | None) -> tuple[Callable[[], Sample], Callable[[], None]]:
    """One row + one outbox row, durable, on a copy of the store beside it (the same content, file
    system, pragmas and driver); (write, close). Not the store itself: a plain connection writing
    there is, to the app, another process's write, and the app then (rightly) reads its reference
    data afresh at the next decision (app.context.ReferenceCache). The outbox row is a real one (the
    same table and indexes as the app's),
    deleted again when closing."""
    copy = path.with_name("floor-" + path.name)
    shutil.copyfile(path, copy)
    con = connect_raw(copy, key)
    con.isolation_level = None
    for pragma in ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON", "busy_timeout=10000"):
        con.execute(f"PRAGMA {pragma}")
    con.execute(f"CREATE TABLE IF NOT EXISTS {FLOOR_TABLE} (id TEXT PRIMARY KEY, body TEXT NOT NULL)")
    counter = iter(range(10**9))
    outbox_sql = ("INSERT INTO outbox_op (op_id, kind, entity_id, payload, created_at, actor_id, status, attempts, "
                  "last_error) VALUES (?, 'bench.floor', ?, '{}', '2026-03-02 09:30:00', NULL, 'pending', 0, '')")

    def one() -> None:
        i = next(counter)
        con.execute("BEGIN IMMEDIATE")
        con.execute(f"INSERT INTO {FLOOR_TABLE} (id, body) VALUES (?, ?)", (f"row-{i}", "x" * 200))
        con.execute(outbox_sql, (f"bench-floor-{i}", f"row-{i}"))
        con.execute("COMMIT")

    def write() -> Sample:
        return _timed(one)

    def close() -> None:
        con.close()
        for leftover in (copy, copy.with_name(copy.name + "-wal"), copy.with_name(copy.name + "-shm")):
            leftover.unlink(missing_ok=True)

    return write, close


# -- measuring ---------------------------------------------------------------------------------
def p50_p99(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[max(0, int(len(ordered) * 0.99) - 1)]


def interleaved(decide: Callable[[], Sample], floor: Callable[[], Sample]) -> tuple[list[Sample], list[Sample]]:
    """Decision and floor in turn, so that both see the same machine."""
    for _ in range(WARM_UP):
        decide()
        floor()
    decisions: list[Sample] = []
    floors: list[Sample] = []
    for i in range(N):
        pair = [(decide, decisions), (floor, floors)]
        for fn, into in pair if i % 2 == 0 else pair[::-1]:
            into.append(fn())
    return decisions, floors


@contextmanager
def in_sqlite(services: Services) -> Iterator[list[float]]:
    """Milliseconds spent in the driver meanwhile: statements (cursor execute) and COMMIT (from
    the engine's commit event to the session's after_commit)."""
    spent = [0.0]
    started: list[float] = [0.0]

    def before(*_args: Any) -> None:
        started[0] = time.perf_counter()

    def after(*_args: Any) -> None:
        spent[0] += (time.perf_counter() - started[0]) * 1000

    engine = services.ctx.db.engine
    hooks = [(engine, "before_cursor_execute", before), (engine, "after_cursor_execute", after),
             (engine, "commit", before), (Session, "after_commit", after)]
    for target, name, fn in hooks:
        event.listen(target, name, fn)
    try:
        yield spent
    finally:
        for target, name, fn in hooks:
            event.remove(target, name, fn)


def _burn(stop: Any) -> None:
    x = 0
    while not stop.is_set():
        for _ in range(10_000):
            x = (x * 31 + 7) % 1_000_003


@contextmanager
def busy(on: bool) -> Iterator[None]:
    """A process burning one core while the block runs (the machine has two)."""
    if not on:
        yield
        return
    stop = multiprocessing.Event()
    proc = multiprocessing.Process(target=_burn, args=(stop,), daemon=True)
    proc.start()
    try:
        yield
    finally:
        stop.set()
        proc.join(5)
        if proc.is_alive():
            proc.terminate()


# -- the stores --------------------------------------------------------------------------------
def checkpoint_store(path: Path, key: bytes | None) -> None:
    con = connect_raw(path, key)
    try:
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        con.close()


def make_stores(folder: Path) -> dict[str, tuple[Path, bytes | None]]:
    plain = folder / "plain" / "counter.sqlite3"
    plain.parent.mkdir()
    Services.open_demo(plain, FixedClock(DEFAULT_NOW)).close()
    checkpoint(plain)
    stores: dict[str, tuple[Path, bytes | None]] = {PLAIN: (plain, None)}
    if ENCRYPTED in selected():
        enc = folder / "encrypted" / "counter.sqlite3"
        stores[ENCRYPTED] = (enc, encrypted_copy(plain, enc, DEFAULT_NOW))
    return {name: stores[name] for name in selected() if name in stores}


def statement_count(services: Services, prepare: Prepare, verbose: bool) -> int:
    write = prepare()
    with statements(services) as seen:
        write()
    if verbose:
        for what, n in sorted(Counter(purpose(s) for s in seen).items(), key=lambda kv: (-kv[1], kv[0])):
            print(f"      {n:3d}  {what}")
    return len(seen)


def _timing(prepare: Prepare) -> Callable[[], Sample]:
    return lambda: _timed(prepare())


def sqlite_share(services: Services, prepare: Prepare) -> tuple[float, float]:
    """(p50 wall ms, mean ms of it inside SQLite) over 50 decisions."""
    walls, inside = [], []
    for _ in range(50):
        write = prepare()
        with in_sqlite(services) as spent:
            walls.append(_timed(write)[0])
        inside.append(spent[0])
    return statistics.median(walls), statistics.mean(inside)


def report(name: str, kind: str, load: bool, decisions: list[Sample], floors: list[Sample]) -> None:
    (d50, d99), (f50, f99) = p50_p99([w for w, _ in decisions]), p50_p99([w for w, _ in floors])
    cpu = statistics.median(c for _, c in decisions)
    ok50, ok99 = d50 <= GOAL_RATIO * f50, d99 <= GOAL_P99_MS
    print(f"  {name:9s} {kind:6s} {'busy ' if load else 'quiet'}: p50 {d50:6.2f} ms  p99 {d99:6.2f} ms  "
          f"(cpu p50 {cpu:5.2f} ms) | floor p50 {f50:5.2f} ms  p99 {f99:5.2f} ms | ratio p50 {ratio(d50, f50)} "
          f"p99 {ratio(d99, f99)} | goal p50 ≤ ×{GOAL_RATIO:.0f}: {'met' if ok50 else 'NOT met'}, "
          f"p99 ≤ {GOAL_P99_MS:.0f} ms: {'met' if ok99 else 'NOT met'}  (n={N})")


def run_store(name: str, path: Path, key: bytes | None, verbose: bool, loads: list[bool]) -> None:
    services = Services.open(path, FixedClock(DEFAULT_NOW), key=key)
    checkpoint_store(path, key)
    floor, close_floor = floor_writer(path, key)
    try:
        for kind, prepare in decision_writers(services).items():
            prepare()()  # the first one of a session (reads what later ones may find kept)
            count = statement_count(services, prepare, verbose)
            wall, inside = sqlite_share(services, prepare)
            print(f"  {name} {kind}: {count} statements per decision write; "
                  f"{inside:.2f} ms of {wall:.2f} ms in SQLite (statements + commit)")
            for load in loads:
                with busy(load):
                    decisions, floors = interleaved(_timing(prepare), floor)
                report(name, kind, load, decisions, floors)
    finally:
        close_floor()
        services.close()


def main() -> None:
    verbose = "-v" in sys.argv[1:]
    loads = [False] + ([True] if os.environ.get("BENCH_BUSY", "1") != "0" else [])
    print(f"decision write (open: 收件并受理; decide: 受理 of a received case; synchronous=FULL) against a floor "
          f"of one row + one outbox row, one durable transaction on the same file; goal p50 ≤ ×{GOAL_RATIO:.0f} "
          f"floor, p99 ≤ {GOAL_P99_MS:.0f} ms")
    with tempfile.TemporaryDirectory(prefix="bench-decision-") as tmp:
        for name, (path, key) in make_stores(Path(tmp)).items():
            run_store(name, path, key, verbose, loads)


if __name__ == "__main__":
    main()
