"""Push: every pending op in client_seq order, in batches; each batch's answers recorded in one
local transaction (docs/sync-protocol.md, section 5).

Per answer: applied/duplicate → the op is acknowledged (status 'acked', kept for a re-push after
an epoch change) and the server's rows of its record are taken over unless another op still holds
the record back; conflict/rejected → 'quarantined' with the server's answer, the local rows stay
and the server's versions are kept aside (app.sync.apply.hold); ``client_seq_reused`` (this store
was rolled back behind what the server saw) → the op and every later pending one are moved above
the server's ``client_seq_high`` and pushed again. An answer that is not the protocol's shape
records nothing (SyncUnavailable). A crash after the server committed and before the answer was
recorded leaves the ops pending: pushed again, the server answers with the stored answer.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from sqlalchemy.orm import Session

from app.sync import running, shapes
from app.sync.apply import adopt_all, echo_rows
from app.sync.cycle import Cycle
from app.sync.errors import garbage
from app.sync.protocol import Code, OpStatus, push_op
from db.models import OutboxOp
from db.sync_repository import SyncRepository

log = logging.getLogger(__name__)
ACKED = (OpStatus.APPLIED, OpStatus.DUPLICATE)


def push_all(cycle: Cycle) -> None:
    after = 0
    while not cycle.cancelled():
        with cycle.ctx.db.read() as s:
            pending = SyncRepository(s).pending(after, cycle.tuning.batch_size)
            ops = _within([_wire(op, cycle.skew_to_send()) for op in pending], cycle.tuning.batch_bytes)
        if not ops:
            return
        body = cycle.api.push(ops)
        epoch = shapes.field(body, "epoch", str, "push")
        results = shapes.results(body, [(o["op_id"], o["client_seq"]) for o in ops])
        high = shapes.field(body, "client_seq_high", int, "push")
        restored = epoch != cycle.epoch
        if restored:  # restored meanwhile: acknowledged ops are pending again, from the first
            cycle.observe_epoch(epoch)
        reused = _record(cycle, results, epoch)
        after = 0 if restored or reused else ops[-1]["client_seq"]
        if reused:
            _renumber(cycle, min(reused), high)


def _within(ops: list[dict[str, Any]], budget: int) -> list[dict[str, Any]]:
    """The first ops whose JSON fits ``budget`` bytes (escaped as ASCII: the most they can take on the
    wire), at least one: ops with photos are sent in smaller batches than the server's body limit."""
    out: list[dict[str, Any]] = []
    size = 0
    for op in ops:
        size += len(json.dumps(op)) + 1
        if out and size > budget:
            break
        out.append(op)
    return out


def _wire(op: OutboxOp, skew: float | None) -> dict[str, Any]:
    out = push_op(op)
    if skew is not None:
        out["clock_skew_seconds"] = skew
    return out


def _record(cycle: Cycle, results: list[shapes.Result], epoch: str) -> list[int]:
    """Store a batch's answers in one transaction, set-based: the ops' statuses with one
    executemany, the echoed rows adopted together (``_adopt``); returns the client_seqs answered
    reused."""
    reused: list[int] = []
    now = cycle.now()
    with cycle.ctx.db.write(foreign_keys=False) as s:
        repo = SyncRepository(s)
        held_ops = repo.op_keys([r.client_seq for r in results])
        answered: list[tuple[str, shapes.Result]] = []
        for r in results:
            op_id, status, entity_id = held_ops.get(r.client_seq, ("", "", ""))
            if op_id != r.op_id or status != "pending":
                continue  # not ours to record (answered already, or renumbered meanwhile)
            if r.status == OpStatus.REJECTED and r.code == Code.CLIENT_SEQ_REUSED:
                reused.append(r.client_seq)
                continue
            answered.append((entity_id, r))
            _count(cycle, r)
        repo.record_answers([{"b_seq": r.client_seq, "status": "acked" if r.status in ACKED else "quarantined",
                              "result": r.status, "server_reply": r.raw, "acked_at": now, "acked_epoch": epoch}
                             for _, r in answered])
        if answered:
            running.forget_all(s)  # the echoed rows change what a pull's running checksum counted
        _adopt(cycle, s, answered)
    return reused


def _adopt(cycle: Cycle, s: Session, answered: list[tuple[str, shapes.Result]]) -> None:
    """Take over (or keep aside) the rows the server echoed, in client_seq order."""
    repo = SyncRepository(s)
    owners = [owner for owner, _ in answered]
    held, shadowed = repo.held(owners), repo.shadowed_owners(owners)
    echoes = [(owner, echo_rows(r.entity, owner, r.row, r.related)) for owner, r in answered]
    adopt_all(s, cycle.work_scope, echoes, held, shadowed)


def _count(cycle: Cycle, r: shapes.Result) -> None:
    t = cycle.tally
    t.pushed += 1
    if r.status == OpStatus.APPLIED:
        t.applied += 1
    elif r.status == OpStatus.DUPLICATE:
        t.duplicates += 1
    elif r.status == OpStatus.CONFLICT:
        t.conflicts += 1
        log.warning("op %s (%s) conflicts: %s %s", r.op_id, r.client_seq, r.code, r.message)
    else:
        t.rejected += 1
        log.warning("op %s (%s) rejected: %s %s", r.op_id, r.client_seq, r.code, r.message)


def _renumber(cycle: Cycle, first: int, high: int) -> None:
    if high < first:
        raise garbage("push.client_seq_high")
    with cycle.ctx.db.write() as s:
        moved = SyncRepository(s).renumber_pending(first, high)
    log.warning("client_seq %d.. already used at the server (store restored from a backup?): "
                "%d pending ops moved above %d", first, moved, high)

