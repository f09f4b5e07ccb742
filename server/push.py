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
from typing import Any

from sqlalchemy import event, func, select
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
from db.repositories import CaseRepository
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
        return case_echo(ctx, CaseRepository(ctx.s).get(ctx.op.entity_id))
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


def _run(ctx: OpContext) -> dict[str, Any]:
    handler = _handler(ctx.op.kind)
    try:
        with ctx.s.begin_nested():
            if handler is None:
                raise rejected(Code.UNKNOWN_KIND, f"服务器不支持“{ctx.op.kind}”类型的操作。")
            check_op(ctx.op)  # the kind's schema, before any rule or lookup
            _check_actor(ctx)
            echo = handler(ctx)
        return answer(ctx.op, OpStatus.APPLIED, echo)
    except OpRefused as refused:
        echo = refused.echo if refused.echo.entity else current_echo(ctx)
        return answer(ctx.op, refused.status, echo, code=refused.code, message=refused.message)
    except (IntegrityError, DataError) as exc:
        message = f"服务器无法保存该操作的数据：{type(exc.orig).__name__}"
        return answer(ctx.op, OpStatus.REJECTED, current_echo(ctx), code=Code.INVALID_PAYLOAD, message=message)


def _decide(ctx: OpContext) -> dict[str, Any]:
    earlier = ctx.s.scalars(select(InboxOp).where(InboxOp.op_id == ctx.op.op_id).limit(1)).first()
    if earlier is not None:
        message = f"该操作已于先前以序号 {earlier.client_seq} 提交过（结果：{earlier.status}）。"
        return answer(ctx.op, OpStatus.DUPLICATE, current_echo(ctx), code=Code.OP_REPLAYED, message=message)
    return _run(ctx)


def _apply(s: Session, counter: ScopeCounter, hall: Hall, device: SyncDevice, op: IncomingOp,
           now: dt.datetime, chain: HallChain) -> dict[str, Any]:
    """Apply (or answer again) one op inside the caller's transaction; returns its answer. An
    applied op is appended to the hall's audit chain in the same transaction."""
    stored = s.get(InboxOp, (device.id, op.client_seq))
    if stored is not None:
        if stored.op_id == op.op_id:
            return dict(stored.answer)
        message = f"序号 {op.client_seq} 已被另一操作使用，请按服务器给出的序号上限重新编号后再提交。"
        return answer(op, OpStatus.REJECTED, Echo(), code=Code.CLIENT_SEQ_REUSED, message=message)
    ctx = OpContext(s=s, device=device, hall=hall, counter=counter, op=op, now=now)
    result = _decide(ctx)
    s.add(InboxOp(client_id=device.id, client_seq=op.client_seq, op_id=op.op_id, kind=op.kind[:48],
                  status=result["status"], received_at=now, answer=result,
                  clock_skew_seconds=op.clock_skew_seconds))
    if result["status"] == OpStatus.APPLIED.value:
        chain.append(op, device.id, result, now)
    s.flush()
    return result


def _apply_chunk(db: ServerDatabase, device: SyncDevice, ops: Sequence[IncomingOp],
                 now: Callable[[], dt.datetime]) -> list[dict[str, Any]]:
    with db.write() as s:
        # The session's identity map holds rows weakly: without this, the clerk, window and matter
        # of every op would be selected again for each op (measured: ~3 selects per op on PostgreSQL).
        loaded: list[object] = []
        event.listen(s, "loaded_as_persistent", lambda _s, obj: loaded.append(obj))
        scope = hall_scope(device.hall_id)
        counter = lock_scopes(s, [scope])[scope]
        hall = s.get(Hall, device.hall_id)
        assert hall is not None
        chain = HallChain(s, hall.id)  # its head is read once: the hall's lock is held to commit
        return [_apply(s, counter, hall, device, op, now(), chain) for op in ops]


def push_batch(
    db: ServerDatabase, device: SyncDevice, ops: Sequence[IncomingOp], now: Callable[[], dt.datetime],
) -> list[dict[str, Any]]:
    """The answers to ``ops``, applied in client_seq order."""
    skews = [o.clock_skew_seconds for o in ops if o.clock_skew_seconds is not None]
    if skews:
        log.warning("device %s reports its clock %.0f s off the server's", device.id, -skews[-1])
    ordered = sorted(ops, key=lambda o: o.client_seq)
    answers: list[dict[str, Any]] = []
    for i in range(0, len(ordered), OPS_PER_TRANSACTION):
        answers += _apply_chunk(db, device, ordered[i:i + OPS_PER_TRANSACTION], now)
    return answers


def client_seq_high(s: Session, device_id: str) -> int:
    """The highest client_seq the server holds for ``device_id`` (0: none)."""
    return int(s.scalar(select(func.max(InboxOp.client_seq)).where(InboxOp.client_id == device_id)) or 0)
