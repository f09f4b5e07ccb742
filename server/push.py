"""Push: apply a device's batch of outbox operations, each exactly once (docs/sync-protocol.md).

Operations are applied in client_seq order, in write transactions of up to OPS_PER_TRANSACTION
ops that first lock the hall scope's counter (so the hall's changes are numbered in commit order
and two pushes to one hall never interleave), each op in its own savepoint. An op is looked up in
the inbox first:

* (client_id, client_seq) answered before -> the stored answer, byte for byte (a replay); if that
  client_seq carried another op_id -> rejected ``client_seq_reused`` (not stored);
* op_id answered before under another client_seq -> duplicate ``op_replayed`` with the current row;
* otherwise the op's handler runs inside a savepoint: applied, or a conflict/rejected/duplicate
  answer with nothing written but the inbox row. A rejected op never blocks the ops after it.

An op's answer and its inbox row commit together with its rows. Several ops share a commit so a
backlog of thousands is not thousands of disk flushes, while the hall's lock is held only for a
few dozen ops at a time. A database error other than a refused op rolls back that transaction
and propagates before any answer is sent (the device pushes again; nothing is half-applied, and
ops committed by earlier transactions of the batch are answered from the inbox).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, event, select
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm import Session

from app.sync.protocol import (
    ANONYMOUS_KINDS,
    ATTENDANCE_IMPORT,
    ATTENDANCE_PUBLISH,
    CASE_ACTIONS,
    ENQUIRY_ADD,
    INSPECTION_RECORD,
    INSPECTION_RESPOND,
    NOTICE_VOID,
    NUMBER_VOID,
    PUNCH_ADD,
    SCHEDULE_SET,
    STAFF_SET_ROLES,
    SYSTEM_KINDS,
    Code,
    Entity,
    OpStatus,
    hall_scope,
)
from app.sync.rows import entity_row
from db.models import Enquiry, Hall, Staff
from server.appraisal_ops import APPRAISAL_HANDLERS, appraisal_echo
from server.attendance_ops import (
    apply_import,
    apply_inspection,
    apply_inspection_response,
    apply_publish,
    apply_punch,
    apply_schedule,
    attendance_echo,
)
from server.audit_chain import HallChain
from server.case_ops import apply_case_op, case_echo
from server.changes import lock_scopes
from server.chunk import FAST_KINDS, ChunkRows, ChunkWrites, DirectRows
from server.engine import ServerDatabase
from server.leave_ops import LEAVE_HANDLERS, held_echo
from server.notice_ops import apply_enquiry
from server.oputil import Echo, IncomingOp, OpContext, OpRefused, answer, rejected
from server.peer_ops import PEER_HANDLERS, peer_echo
from server.permits import check_permission
from server.rating_ops import RATING_HANDLERS, rating_echo
from server.schema import InboxOp, ScopeCounter, SyncDevice
from server.staff_ops import apply_staff_roles
from server.validation import check_op
from server.void_ops import apply_notice_void, apply_number_void, void_echo

Handler = Callable[[OpContext], Echo]
OPS_PER_TRANSACTION = 50
_INBOX: Table = InboxOp.__table__  # type: ignore[assignment]
log = logging.getLogger(__name__)
ATTENDANCE_HANDLERS: dict[str, Handler] = {
    PUNCH_ADD: apply_punch, ATTENDANCE_IMPORT: apply_import, SCHEDULE_SET: apply_schedule,
    INSPECTION_RECORD: apply_inspection, INSPECTION_RESPOND: apply_inspection_response,
    ATTENDANCE_PUBLISH: apply_publish, **LEAVE_HANDLERS,
}
# ratings, 差评整改, appeals (server.rating_ops) and peer evaluation (server.peer_ops); each module
# also gives the held row of its ops' entity: RATING_ECHO / PEER_ECHO
OTHER_HANDLERS: dict[str, Handler] = {**RATING_HANDLERS, **PEER_HANDLERS, **APPRAISAL_HANDLERS}


def _handler(kind: str) -> Handler | None:
    if kind in CASE_ACTIONS:
        return apply_case_op
    if kind == ENQUIRY_ADD:
        return apply_enquiry
    if kind == STAFF_SET_ROLES:
        return apply_staff_roles
    if kind == NOTICE_VOID:
        return apply_notice_void
    if kind == NUMBER_VOID:
        return apply_number_void
    return ATTENDANCE_HANDLERS.get(kind) or OTHER_HANDLERS.get(kind)


def current_echo(ctx: OpContext) -> Echo:
    """The authoritative row of the op's entity as the server holds it now."""
    if ctx.op.kind in CASE_ACTIONS or ctx.op.kind == NOTICE_VOID:
        return case_echo(ctx, ctx.rows.case(ctx.op.entity_id))
    if ctx.op.kind == NUMBER_VOID:
        return void_echo(ctx, ctx.op.entity_id)
    if ctx.op.kind == ENQUIRY_ADD:
        row = ctx.s.get(Enquiry, ctx.op.entity_id)
        return Echo(Entity.ENQUIRY, entity_row(Entity.ENQUIRY, row) if row else None)
    if ctx.op.kind in LEAVE_HANDLERS:
        return held_echo(ctx)
    if ctx.op.kind in ATTENDANCE_HANDLERS:
        return attendance_echo(ctx)
    if ctx.op.kind in RATING_HANDLERS:
        return rating_echo(ctx)
    if ctx.op.kind in PEER_HANDLERS:
        return peer_echo(ctx)
    if ctx.op.kind in APPRAISAL_HANDLERS:
        return appraisal_echo(ctx)
    return Echo()


def _check_actor(ctx: OpContext) -> None:
    if ctx.op.kind in ANONYMOUS_KINDS:
        if ctx.op.actor_id is not None:  # the applicant's rating, a sealed ballot: never a staff member's
            raise rejected(Code.INVALID_PAYLOAD, "评价和互评选票不应记录工作人员为操作人，服务器不接受该操作。")
        return
    if ctx.op.actor_id is None:
        if ctx.op.kind not in SYSTEM_KINDS:
            raise rejected(Code.NOT_AUTHORISED, "操作没有记录操作人。")
        return
    staff = ctx.s.get(Staff, ctx.op.actor_id)
    if staff is None or not staff.active or staff.hall_id != ctx.device.hall_id:
        raise rejected(Code.NOT_AUTHORISED, "操作人不是本大厅在岗人员，服务器不接受该操作。")
    check_permission(ctx, staff)


class _DatabaseRefused(Exception):
    """The database refused a row of a chunk applied without savepoints: redo it op by op."""


def _schema_refusal(op: IncomingOp) -> OpRefused | None:
    """What check_op says of ``op``'s payload (its kind's schema), found before the hall is locked."""
    try:
        check_op(op)
    except OpRefused as refused:
        return refused
    return None


def _run(ctx: OpContext, isolated: bool, schema: OpRefused | None) -> dict[str, Any]:
    """The op's answer. ``isolated``: inside its own savepoint, a row the database refuses rejects
    this op alone; otherwise (a fast kind, every check before the first write) it stops the chunk.
    ``schema``: check_op's refusal of the payload, if any (checked before any rule or lookup)."""
    handler = _handler(ctx.op.kind)
    try:
        with ctx.s.begin_nested() if isolated else nullcontext():
            if handler is None:
                raise rejected(Code.UNKNOWN_KIND, f"服务器不支持“{ctx.op.kind}”类型的操作。")
            if schema is not None:
                raise schema
            _check_actor(ctx)
            echo = handler(ctx)
        return answer(ctx.op, OpStatus.APPLIED, echo)
    except OpRefused as refused:
        echo = refused.echo if refused.echo.entity else current_echo(ctx)
        return answer(ctx.op, refused.status, echo, code=refused.code, message=refused.message)
    except (IntegrityError, DataError) as exc:
        if not isolated:
            raise _DatabaseRefused from exc
        message = f"服务器无法保存该操作的数据：{type(exc.orig).__name__}"
        return answer(ctx.op, OpStatus.REJECTED, current_echo(ctx), code=Code.INVALID_PAYLOAD, message=message)


class _Inbox:
    """The answers the server gave before: by (device, client_seq) and by op id. ``preload`` reads
    a chunk's with two IN-list queries and remembers the chunk's own answers as they are given (a
    chunk may hold the pushes of several devices of the hall: server.combine)."""

    def __init__(self, s: Session) -> None:
        self.s = s
        self._by_seq: dict[tuple[str, int], tuple[str, dict[str, Any]]] | None = None
        self._by_op: dict[str, tuple[int, str]] = {}

    def preload(self, segments: Sequence[Segment]) -> None:
        self._by_seq = {}
        wanted = {(segment.device.id, o.client_seq) for segment in segments for o in segment.ops}
        device_ids = sorted({device_id for device_id, _ in wanted})
        seqs = sorted({seq for _, seq in wanted})
        for i in range(0, len(seqs), 1000):  # one query for every device; a pair not asked for is left out
            for device_id, seq, op_id, stored in self.s.execute(
                    select(InboxOp.client_id, InboxOp.client_seq, InboxOp.op_id, InboxOp.answer)
                    .where(InboxOp.client_id.in_(device_ids), InboxOp.client_seq.in_(seqs[i:i + 1000]))):
                if (device_id, seq) in wanted:
                    self._by_seq[(device_id, seq)] = (op_id, stored)
        op_ids = sorted({o.op_id for segment in segments for o in segment.ops})
        for i in range(0, len(op_ids), 1000):
            for seq, op_id, status in self.s.execute(
                    select(InboxOp.client_seq, InboxOp.op_id, InboxOp.status)
                    .where(InboxOp.op_id.in_(op_ids[i:i + 1000])).order_by(InboxOp.client_seq)):
                self._by_op.setdefault(op_id, (seq, status))

    def stored(self, device_id: str, seq: int) -> tuple[str, dict[str, Any]] | None:
        if self._by_seq is not None:
            return self._by_seq.get((device_id, seq))
        row = self.s.get(InboxOp, (device_id, seq))
        return (row.op_id, row.answer) if row is not None else None

    def earlier(self, op_id: str) -> tuple[int, str] | None:
        if self._by_seq is not None:
            return self._by_op.get(op_id)
        row = self.s.scalars(select(InboxOp).where(InboxOp.op_id == op_id).limit(1)).first()
        return (row.client_seq, row.status) if row is not None else None

    def answered(self, device_id: str, op: IncomingOp, result: dict[str, Any]) -> None:
        if self._by_seq is not None:
            self._by_seq[(device_id, op.client_seq)] = (op.op_id, result)
            self._by_op.setdefault(op.op_id, (op.client_seq, result["status"]))


def _decide(ctx: OpContext, inbox: _Inbox, isolated: bool, schema: OpRefused | None) -> dict[str, Any]:
    earlier = inbox.earlier(ctx.op.op_id)
    if earlier is not None:
        message = f"该操作已于先前以序号 {earlier[0]} 提交过（结果：{earlier[1]}）。"
        return answer(ctx.op, OpStatus.DUPLICATE, current_echo(ctx), code=Code.OP_REPLAYED, message=message)
    return _run(ctx, isolated, schema)


@dataclass(frozen=True)
class Segment:
    """One push's ops (of one device), sorted by client_seq, with check_op's refusals of their
    payloads by id() of the op (found before the hall is locked: ``prepare``)."""

    device: SyncDevice
    ops: Sequence[IncomingOp]
    schema: dict[int, OpRefused]


def prepare(device: SyncDevice, ops: Sequence[IncomingOp]) -> Segment:
    """The push in client_seq order with its payloads' schema checks, which need no database: done
    here, outside the hall's serial section (an op whose seq is answered from the inbox or refused
    as reused never gets to its check)."""
    skews = [o.clock_skew_seconds for o in ops if o.clock_skew_seconds is not None]
    if skews:
        log.warning("device %s reports its clock %.0f s off the server's", device.id, -skews[-1])
    ordered = sorted(ops, key=lambda o: o.client_seq)
    schema = {id(op): refused for op in ordered if (refused := _schema_refusal(op)) is not None}
    return Segment(device, ordered, schema)


@dataclass
class _Chunk:
    """One locked write transaction of pushes of one hall: the hall, its counter and chain, the
    lookups, and the ops in the order they apply (device by device, each in client_seq order)."""

    s: Session
    hall: Hall
    counter: ScopeCounter
    chain: HallChain
    inbox: _Inbox
    rows: ChunkRows | None  # None: every op in its own savepoint, every lookup a query
    ops: Sequence[tuple[Segment, IncomingOp]]
    writes: ChunkWrites  # the inbox, change log, chain and scope rows, sent at the end (and before a slow op)


def _apply(chunk: _Chunk, index: int, segment: Segment, op: IncomingOp, now: dt.datetime) -> dict[str, Any]:
    """Apply (or answer again) one op inside the chunk's transaction; returns its answer. An
    applied op is appended to the hall's audit chain in the same transaction."""
    device = segment.device
    stored = chunk.inbox.stored(device.id, op.client_seq)
    if stored is not None:
        if stored[0] == op.op_id:
            return dict(stored[1])
        message = f"序号 {op.client_seq} 已被另一操作使用，请按服务器给出的序号上限重新编号后再提交。"
        return answer(op, OpStatus.REJECTED, Echo(), code=Code.CLIENT_SEQ_REUSED, message=message)
    fast = chunk.rows is not None and op.kind in FAST_KINDS
    s = chunk.s
    if chunk.rows is not None and not fast:
        _write(chunk)  # the chunk's rows so far, before this op's savepoint: a refusal there is the chunk's
    rows = chunk.rows if fast and chunk.rows is not None else DirectRows(s)
    ctx = OpContext(s=s, device=device, hall=chunk.hall, counter=chunk.counter, op=op, now=now, rows=rows)
    result = _decide(ctx, chunk.inbox, not fast, segment.schema.get(id(op)))
    chunk.writes.insert(_INBOX, {"client_id": device.id, "client_seq": op.client_seq, "op_id": op.op_id,
                                 "kind": op.kind[:48], "status": result["status"], "received_at": now,
                                 "answer": result, "clock_skew_seconds": op.clock_skew_seconds})
    chunk.inbox.answered(device.id, op, result)
    if result["status"] == OpStatus.APPLIED.value:
        chunk.chain.append(op, device.id, result, now)
    if chunk.rows is None:
        _write(chunk, refusal=False)
    elif not fast:  # it ran with its own lookups and may have written what the chunk's hold
        chunk.rows.reset()
        chunk.rows.preload([o for seg, o in chunk.ops[index + 1:]
                            if chunk.inbox.stored(seg.device.id, o.client_seq) is None])
    return result


def _write(chunk: _Chunk, *, refusal: bool = True) -> None:
    """Flush the chunk's ORM rows, then send its held write-only rows (server.chunk.ChunkWrites).
    ``refusal``: a row the database refuses is the set-based chunk's (redo it op by op)."""
    try:
        chunk.s.flush()
        chunk.writes.write(chunk.s)
    except (IntegrityError, DataError) as exc:
        if not refusal:
            raise
        raise _DatabaseRefused from exc


def apply_segments(db: ServerDatabase, segments: Sequence[Segment], now: Callable[[], dt.datetime], *,
                   preload: bool = True) -> list[list[dict[str, Any]]]:
    """The answers to each segment, all applied in one transaction holding their hall's lock, in
    the order given (a later op, of any segment, sees an earlier one's effect). With ``preload``
    the lookups are read up front and the fast kinds run without savepoints; should the database
    refuse a row then, the transaction is rolled back and each segment applied again on its own
    (several: so that one device's bad row costs the others nothing) or op by op (one)."""
    if not segments:
        return []
    hall_id = segments[0].device.hall_id
    assert all(seg.device.hall_id == hall_id for seg in segments), "one transaction holds one hall's lock"
    try:
        with db.write() as s:
            # The session's identity map holds rows weakly: without this, the clerk, window and matter
            # of every op would be selected again for each op (measured: ~3 selects per op on PostgreSQL).
            loaded: list[object] = []
            event.listen(s, "loaded_as_persistent", lambda _s, obj: loaded.append(obj))
            scope = hall_scope(hall_id)
            counter = lock_scopes(s, [scope])[scope]
            hall = s.get(Hall, hall_id)
            assert hall is not None
            writes = ChunkWrites()
            chain = HallChain(s, hall.id, writes)  # its head is read once: the hall's lock is held to commit
            inbox = _Inbox(s)
            ops = [(seg, op) for seg in segments for op in seg.ops]
            rows = ChunkRows(s, scope, hall.id, writes) if preload else None
            if rows is not None:
                inbox.preload(segments)
                # an op whose seq the inbox holds is answered from it (a push sent again): no lookups
                rows.preload([op for seg, op in ops if inbox.stored(seg.device.id, op.client_seq) is None])
            chunk = _Chunk(s, hall, counter, chain, inbox, rows, ops, writes)
            flat = [_apply(chunk, i, seg, op, now()) for i, (seg, op) in enumerate(ops)]
            _write(chunk, refusal=preload)
    except _DatabaseRefused:
        if not preload:
            raise
        if len(segments) > 1:
            log.warning("a row of a push chunk of %d pushes was refused; applying each push on its own", len(segments))
            return [apply_segments(db, [seg], now)[0] for seg in segments]
        log.warning("device %s: a row of a push chunk was refused; applying it op by op", segments[0].device.id)
        return apply_segments(db, segments, now, preload=False)
    answers: list[list[dict[str, Any]]] = []
    at = 0
    for seg in segments:
        answers.append(flat[at:at + len(seg.ops)])
        at += len(seg.ops)
    return answers


def push_batch(
    db: ServerDatabase, device: SyncDevice, ops: Sequence[IncomingOp], now: Callable[[], dt.datetime],
    chunk: int | None = None, *, preload: bool = True,
) -> list[dict[str, Any]]:
    """The answers to ``ops``, applied in client_seq order, ``chunk`` ops per transaction
    (``preload=False``: op by op, each in its own savepoint, as before server.chunk)"""
    whole = prepare(device, ops)
    answers: list[dict[str, Any]] = []
    size = chunk or OPS_PER_TRANSACTION
    for i in range(0, len(whole.ops), size):
        part = Segment(device, whole.ops[i:i + size], whole.schema)
        answers += apply_segments(db, [part], now, preload=preload)[0]
    return answers
