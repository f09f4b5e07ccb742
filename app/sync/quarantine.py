"""The quarantine list: operations the server answered conflict or rejected, kept with their
payload and the server's reason and row; a 首席代表 (role chief) or administrator settles each with
a note. Nothing is ever deleted: a settled op becomes 'resolved' and stays for the record, and the
server's version of its record (kept aside while it was held back) is taken over, unless another
op still holds the record. Each call is one local transaction; InvalidInput on refusal.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from app.authz import case_subject, require, window_subject
from app.context import Actor, AppContext
from app.errors import InvalidInput
from app.permissions import Subject
from app.sync import running
from app.sync.apply import release
from app.validation import check_text
from db.models import OutboxOp
from db.repositories import CaseRepository, ReferenceRepository
from db.sync_repository import SyncRepository


@dataclass(frozen=True)
class QuarantinedOp:
    op_id: str
    client_seq: int
    kind: str
    entity_id: str
    created_at: dt.datetime
    actor_name: str
    result: str  # 'conflict' | 'rejected'
    code: str  # the server's code
    message: str  # and its Chinese reason
    payload: dict[str, Any]  # the original operation's data
    server_row: dict[str, Any] | None
    resolved_at: dt.datetime | None
    resolved_by: str
    resolution_note: str


def _view(op: OutboxOp, names: dict[str, str]) -> QuarantinedOp:
    reply = op.server_reply or {}
    row = reply.get("row")
    return QuarantinedOp(
        op_id=op.op_id, client_seq=op.client_seq, kind=op.kind, entity_id=op.entity_id, created_at=op.created_at,
        actor_name=names.get(op.actor_id or "", "系统" if op.actor_id is None else ""), result=op.result or "",
        code=str(reply.get("code") or ""), message=str(reply.get("message") or ""), payload=dict(op.payload),
        server_row=row if isinstance(row, dict) else None, resolved_at=op.resolved_at, resolved_by=op.resolved_by,
        resolution_note=op.resolution_note,
    )


def listed(ctx: AppContext, include_resolved: bool) -> list[QuarantinedOp]:
    with ctx.db.read() as s:
        repo = SyncRepository(s)
        ops = repo.quarantined(include_resolved)
        names = repo.staff_names(op.actor_id for op in ops)
        return [_view(op, names) for op in ops]


def _subject(s: Session, kind: str, entity_id: str) -> Subject:
    """A case's op: the case's window; another op (an enquiry): this PC's window."""
    case = CaseRepository(s).get(entity_id) if kind.startswith("case.") else None
    if case is not None:
        return case_subject(s, case)
    device = ReferenceRepository(s).device()
    return window_subject(s, device.window_id if device else None)


def resolve(ctx: AppContext, actor: Actor, op_id: str, note: str) -> None:
    note = check_text(note, field="note", label="处理说明", required=True, max_len=2000)
    with ctx.db.write(foreign_keys=False) as s:
        op = SyncRepository(s).op(op_id)
        if op is None or op.status != "quarantined":
            raise InvalidInput("该操作不在待处理的同步异常中（可能已被处理）。", field="op_id")
        require(s, actor, "quarantine.resolve", _subject(s, op.kind, op.entity_id))
        op.status, op.resolved_at = "resolved", ctx.clock.now()
        op.resolved_by, op.resolution_note = actor.name, note
        s.flush()
        if op.entity_id not in SyncRepository(s).held([op.entity_id]):
            release(s, op.entity_id)
        running.forget_all(s)  # kept versions may be taken over: a pull's running checksum no longer holds
        ctx.audit(s, actor, action="sync.resolve", entity="outbox_op", entity_id=op.op_id,
                  summary=f"处理同步异常（{op.kind}，{op.result}）：{note}"[:500],
                  detail={"client_seq": op.client_seq, "code": (op.server_reply or {}).get("code")},
                  case_id=op.entity_id if op.kind.startswith("case.") else None)
