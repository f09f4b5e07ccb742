"""Suspensions of the case clock (Art. 45) kept with ``case.suspend`` / ``case.resume``.

An op may carry ``suspension``: the full row the counter wrote. Without it (today's
counter does not send it yet) the server derives the row: on suspend a new one (id derived from the op id,
started the day of the case's update), on resume it closes the open one with the op's
``suspended_working_days``. Runs inside the push driver's savepoint.
"""

from __future__ import annotations

import uuid
from typing import Any

from app.cases.rules import Action
from app.sync.protocol import Code, Entity
from app.sync.rows import column_values, entity_row
from db.models import Case, Suspension
from server.oputil import OpContext, rejected

NAMESPACE = uuid.UUID("0b6c1f0e-8f0e-4d53-a7f5-2d1c4b9e7a31")


def check_suspension(ctx: OpContext, case_id: str, action: Action | None) -> None:
    """The suspension row a suspend/resume op carries fits its case (checked before anything is written)."""
    given = ctx.op.payload.get("suspension")
    if action in (Action.SUSPEND, Action.RESUME) and isinstance(given, dict):
        _values(case_id, given)


def _values(case_id: str, row: dict[str, Any]) -> dict[str, Any]:
    if row.get("case_id") != case_id or not row.get("id"):
        raise rejected(Code.INVALID_PAYLOAD, "暂停计时记录与办件不一致。")
    try:
        return column_values(Suspension.__table__, row)
    except ValueError as exc:
        raise rejected(Code.INVALID_PAYLOAD, "暂停计时记录的日期格式不正确。") from exc


def _from_payload(ctx: OpContext, case: Case, row: dict[str, Any]) -> Suspension:
    values = _values(case.id, row)
    held = ctx.rows.suspension(str(row["id"]))
    target = held or Suspension(id=row["id"])
    for key, value in values.items():
        setattr(target, key, value)
    if held is None:
        ctx.s.add(target)
    return target


def _derived(ctx: OpContext, case: Case, action: Action) -> Suspension | None:
    payload = ctx.op.payload
    if action == Action.SUSPEND:
        row = Suspension(id=str(uuid.uuid5(NAMESPACE, ctx.op.op_id)), case_id=case.id,
                         reason=str(payload.get("reason", "")), started_on=case.updated_at.date(), working_days=0)
        ctx.s.add(row)
        return row
    row_open = ctx.rows.open_suspension(case.id)
    if row_open is not None:
        row_open.ended_on = case.updated_at.date()
        row_open.working_days = int(payload.get("suspended_working_days", 0) or 0)
    return row_open


def write_suspension(ctx: OpContext, case: Case, action: Action | None) -> None:
    if action not in (Action.SUSPEND, Action.RESUME):
        return
    given = ctx.op.payload.get("suspension")
    row = _from_payload(ctx, case, given) if isinstance(given, dict) else _derived(ctx, case, action)
    if row is not None:
        ctx.rows.added_suspension(row)
        ctx.rows.flush()
        ctx.change(Entity.SUSPENSION, row.id, entity_row(Entity.SUSPENSION, row))
