"""One hall's pushes applied by the server in process, against a set-based floor, on PostgreSQL
over loopback (127.0.0.1:5432; fresh databases created and dropped here).

The work is real counter work (the harness's counter driver doing intakes with every decision,
enquiries and later steps through app.services on a demo store; benchmarks.sync_common), cloned
for ``--ops`` operations as other counters of the hall would have made them. It is applied by
``server.push.push_batch`` in batches of 500, as a counter's push sends them; then the same
batches are pushed again (every answer must come from the inbox and nothing may change).

The floor writes exactly the rows the server wrote (cases, materials, notices, suspensions,
enquiries, void numbers, inbox, change log, scope rows, audit chain) into a second fresh database,
per 500 operations: the scope counter locked, a handful of IN-list lookups (inbox by seq and by
op id, cases by id and number, notices by id and number, void numbers, scope rows), multi-row
inserts, an executemany update of the cases a later op changed, one counter update, one commit.

Usage: ``.venv/bin/python benchmarks/server_push.py [--ops 5000] [--batch 500]``. Prints, for the
goal of issue #16 (>= 2,000 ops/s and within 2x of the floor), the figure and the floor.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import time
from collections import Counter as Tally
from collections import defaultdict
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, event, insert, select, update

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.sync_common import Cloner, Op, demo_store, pg_server, record_hours

GOAL_OPS_S = 2000.0
GOAL_FLOOR_RATIO = 2.0


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _device(db_url: str, hall_id: str) -> Any:
    from sqlalchemy import select as sel

    from db.models import Window
    from server import devices
    from server.engine import ServerDatabase
    from server.schema import SyncDevice

    db = ServerDatabase(db_url)
    try:
        with db.write() as s:
            window = s.scalars(sel(Window).where(Window.hall_id == hall_id).order_by(Window.number)).first()
            assert window is not None
            code, _, _ = devices.create_code(s, hall_id=hall_id, window_number=window.number, created_by="bench",
                                             device_name="bench", ttl=dt.timedelta(hours=1), now=_now())
            device, _ = devices.redeem_code(s, code, request_id="bench", device_name="bench", now=_now())
            device_id = device.id
        with db.snapshot() as s:
            found = s.get(SyncDevice, device_id)
            assert found is not None
            s.expunge(found)
            return found
    finally:
        db.dispose()


class Statements:
    """Counts the SQL statements an engine sends (executemany counts once)."""

    def __init__(self, engine: Any) -> None:
        self.count = 0
        self.kinds: Tally[str] = Tally()
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, _conn: Any, _cursor: Any, statement: str, _params: Any, _context: Any, _many: bool) -> None:
        self.count += 1
        words = statement.split()
        head = " ".join(words[:4]) if words else ""
        self.kinds[head[:60]] += 1


def _batches(ops: list[Op], size: int) -> list[list[Op]]:
    return [ops[i:i + size] for i in range(0, len(ops), size)]


def run_server(db_url: str, hall_id: str, ops: list[Op], size: int, chunk: int | None = None) -> dict[str, Any]:
    from server import push
    from server.engine import ServerDatabase
    from server.push import push_batch
    from server.schema import ScopeCounter
    from server.wire import PushIn

    held: list[float] = []  # per chunk: its transaction, from taking the hall's lock to commit
    apply_chunk = push.apply_segments

    def timed_chunk(*args: Any, **kwargs: Any) -> Any:
        t = time.perf_counter()
        try:
            return apply_chunk(*args, **kwargs)
        finally:
            held.append(time.perf_counter() - t)

    device = _device(db_url, hall_id)
    db = ServerDatabase(db_url)
    batches = [PushIn(ops=b).ops for b in _batches(ops, size)]
    counted = Statements(db.engine)
    statuses: Tally[str] = Tally()
    per_batch: list[float] = []
    try:
        push.apply_segments = timed_chunk  # type: ignore[assignment]
        try:
            t0 = time.perf_counter()
            for b in batches:
                t = time.perf_counter()
                answers = push_batch(db, device, b, _now, chunk)
                per_batch.append(time.perf_counter() - t)
                statuses.update(a["status"] if a["status"] == "applied" else f"{a['status']}:{a['code']}"
                                for a in answers)
            elapsed = time.perf_counter() - t0
        finally:
            push.apply_segments = apply_chunk
        statements = counted.count
        kinds = counted.kinds.most_common(40)
        with db.snapshot() as s:
            before = [(c.scope, c.last_seq, c.checksum) for c in s.scalars(select(ScopeCounter))]
        t = time.perf_counter()
        replay: Tally[str] = Tally()
        for b in batches:
            replay.update(a["status"] for a in push_batch(db, device, b, _now))
        replay_s = time.perf_counter() - t
        with db.snapshot() as s:
            after = [(c.scope, c.last_seq, c.checksum) for c in s.scalars(select(ScopeCounter))]
    finally:
        db.dispose()
    return {"elapsed": elapsed, "statuses": statuses, "statements": statements, "kinds": kinds,
            "per_batch": per_batch, "held": held, "replay_s": replay_s,
            "replay_unchanged": before == after, "replay": replay}


# --- the floor -------------------------------------------------------------------------------------

def _tables() -> dict[str, Any]:
    from db.models import Case, CaseMaterial, Enquiry, Notice, Suspension, VoidNumber
    from server.schema import AuditChainEntry, ChangeLog, InboxOp, ScopeRow

    return {"cases": Case.__table__, "case_material": CaseMaterial.__table__, "notice": Notice.__table__,
            "suspension": Suspension.__table__, "enquiry": Enquiry.__table__, "void_number": VoidNumber.__table__,
            "inbox_op": InboxOp.__table__, "change_log": ChangeLog.__table__, "scope_row": ScopeRow.__table__,
            "audit_chain_entry": AuditChainEntry.__table__}


def _written(db_url: str, ops: list[Op], size: int) -> list[dict[str, list[dict[str, Any]]]]:
    """The rows the server wrote, per batch of ``size`` ops (by the op that first wrote each row)."""
    from server.engine import ServerDatabase

    tables = _tables()
    db = ServerDatabase(db_url)
    try:
        with db.snapshot() as s:
            rows = {name: [dict(r._mapping) for r in s.execute(select(t))] for name, t in tables.items()}
    finally:
        db.dispose()
    batch_of_op = {op["op_id"]: i // size for i, op in enumerate(ops)}
    out: list[dict[str, list[dict[str, Any]]]] = [defaultdict(list) for _ in range(len(_batches(ops, size)))]
    first_batch: dict[str, int] = {}
    for c in sorted(rows["change_log"], key=lambda r: r["seq"]):
        if c["op_id"] in batch_of_op:
            out[batch_of_op[c["op_id"]]]["change_log"].append(c)
            first_batch.setdefault(c["entity_id"], batch_of_op[c["op_id"]])
    seq_batch = {op["client_seq"]: i // size for i, op in enumerate(ops)}
    _spread(out, "inbox_op", [r for r in rows["inbox_op"] if r["op_id"] in batch_of_op],
            lambda r: seq_batch.get(r["client_seq"]))
    _spread(out, "audit_chain_entry", rows["audit_chain_entry"], lambda r: batch_of_op.get(r["op_id"]))
    for name in ("cases", "notice", "suspension", "enquiry", "void_number"):
        _spread(out, name, rows[name], lambda r: first_batch.get(r["id"]))
    _spread(out, "case_material", rows["case_material"], lambda r: first_batch.get(r["case_id"]))
    _spread(out, "scope_row", rows["scope_row"], lambda r: first_batch.get(r["entity_id"]))
    return out


def _spread(out: list[dict[str, list[dict[str, Any]]]], name: str, rows: list[dict[str, Any]],
            batch: Any) -> None:
    for r in rows:
        b = batch(r)
        if b is not None:
            out[b][name].append(r)


def run_floor(db_url: str, hall_id: str, device_id: str, batches: list[dict[str, list[dict[str, Any]]]],
              ops: list[Op], size: int) -> float:
    """Seconds to write ``batches`` set-based into the fresh database ``db_url``."""
    from app.sync.protocol import hall_scope
    from db.models import Case, Notice, VoidNumber
    from server.changes import lock_scopes
    from server.engine import ServerDatabase
    from server.schema import InboxOp, ScopeRow, SyncDevice

    tables = _tables()
    db = ServerDatabase(db_url)
    scope = hall_scope(hall_id)
    order = ["cases", "case_material", "notice", "suspension", "enquiry", "void_number", "inbox_op",
             "change_log", "scope_row", "audit_chain_entry"]
    op_batches = _batches(ops, size)
    try:
        with db.write() as s:  # the floor's device, so the inbox rows' foreign key holds
            s.add(SyncDevice(id=device_id, hall_id=hall_id, window_id=None, name="floor", secret_hash="",
                             enrolled_at=_now(), enrolled_by="bench", revoke_reason=""))
        t0 = time.perf_counter()
        for rows, chunk in zip(batches, op_batches, strict=True):
            with db.write() as s:
                counter = lock_scopes(s, [scope])[scope]
                seqs = [o["client_seq"] for o in chunk]
                op_ids = [o["op_id"] for o in chunk]
                case_ids = [o["entity_id"] for o in chunk]
                numbers = [n.get("number") for o in chunk for n in o["payload"].get("notices", [])]
                s.execute(select(InboxOp.client_seq).where(InboxOp.client_id == device_id,
                                                           InboxOp.client_seq.in_(seqs))).all()
                s.execute(select(InboxOp.op_id).where(InboxOp.op_id.in_(op_ids))).all()
                s.execute(select(Case.__table__).where(Case.id.in_(case_ids))).all()
                s.execute(select(Case.id).where(Case.number.in_(
                    [str(o["payload"].get("case", {}).get("number")) for o in chunk]))).all()
                s.execute(select(Notice.__table__).where(Notice.case_id.in_(case_ids))).all()
                s.execute(select(Notice.id).where(Notice.number.in_(numbers))).all()
                s.execute(select(VoidNumber.id).where(VoidNumber.number.in_(numbers))).all()
                s.execute(select(ScopeRow.entity_id).where(ScopeRow.scope == scope,
                                                           ScopeRow.entity_id.in_(case_ids))).all()
                for name in order:
                    if rows.get(name):
                        s.execute(insert(tables[name]), rows[name])
                later = [{"i": o["entity_id"], "v": 1} for o in chunk if o["kind"] != "case.open"
                         and o["kind"].startswith("case.")]
                if later:
                    t = tables["cases"]
                    s.execute(update(t).where(t.c.id == bindparam("i"))
                              .values(version=t.c.version), later)
                counter.last_seq += len(rows.get("change_log", []))
        return time.perf_counter() - t0
    finally:
        db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ops", type=int, default=5000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--hours", type=int, default=6)
    parser.add_argument("--actions", type=int, default=60)
    parser.add_argument("--chunk", type=int, default=None, help="ops per write transaction (server default)")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="cd-serverpush-"))
    demo = demo_store(folder / "demo" / "counter.sqlite3")
    t = time.perf_counter()
    hours = record_hours(demo, folder, args.hours, args.actions)
    cloner = Cloner(hours)
    ops: list[Op] = []
    while len(ops) < args.ops:
        ops += cloner.clone(first_seq=len(ops) + 1)
    ops = ops[:args.ops]
    kinds = Tally(o["kind"] for o in ops)
    notices = sum(len(o["payload"].get("notices", [])) for o in ops)
    print(f"work: {len(ops)} ops ({dict(kinds.most_common())}), {notices} notices; "
          f"recorded in {time.perf_counter() - t:.0f} s", file=sys.stderr)
    with pg_server(folder / "a", demo, start=False) as server:
        result = run_server(server.db_url, server.hall_id, ops, args.batch, args.chunk)
        written = _written(server.db_url, ops, args.batch)
    with pg_server(folder / "b", demo, start=False) as floor_server:
        floor_s = run_floor(floor_server.db_url, floor_server.hall_id, "floor-device", written, ops, args.batch)
    ops_s = len(ops) / result["elapsed"]
    floor_ops_s = len(ops) / floor_s
    ratio = floor_ops_s / ops_s
    per = result["per_batch"]
    print(f"statuses: {dict(result['statuses'])}; replay: {dict(result['replay'])} in {result['replay_s']:.1f} s, "
          f"counters unchanged: {result['replay_unchanged']}")
    print(f"statements: {result['statements']} ({result['statements'] / len(ops):.2f} per op); top: "
          + "; ".join(f"{k} x{n}" for k, n in result["kinds"]))
    print(f"per batch of {args.batch}: median {statistics.median(per) * 1000:.0f} ms, max {max(per) * 1000:.0f} ms")
    from server.push import OPS_PER_TRANSACTION

    held = sorted(result["held"])
    print(f"hall lock held per chunk of {args.chunk or OPS_PER_TRANSACTION} ops ({len(held)} chunks): "
          f"median {statistics.median(held) * 1000:.0f} ms, p90 {held[int(len(held) * 0.9)] * 1000:.0f} ms, "
          f"max {held[-1] * 1000:.0f} ms")
    print(f"push apply, one hall: goal >= {GOAL_OPS_S:.0f} ops/s and within {GOAL_FLOOR_RATIO:.0f}x of the floor; "
          f"figure {ops_s:.0f} ops/s ({result['elapsed']:.2f} s for {len(ops)} ops); "
          f"floor {floor_ops_s:.0f} ops/s ({floor_s:.2f} s); floor/figure x{ratio:.2f}")
    ok = ops_s >= GOAL_OPS_S and ratio <= GOAL_FLOOR_RATIO and result["replay_unchanged"]
    print("goal met" if ok else "goal NOT met")


if __name__ == "__main__":
    main()
