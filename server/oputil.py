"""What every operation handler shares: the incoming op, the context it is applied in, the answer
shape, and OpRefused, which a handler raises to answer conflict/rejected/duplicate instead of
applied (nothing it wrote survives: the push driver rolls its savepoint back)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from app.sync.protocol import Code, OpStatus
from db.models import Hall
from server.changes import record_change
from server.chunk import DirectRows
from server.schema import ScopeCounter, SyncDevice


@dataclass(frozen=True)
class IncomingOp:
    op_id: str
    client_seq: int
    kind: str
    entity_id: str
    actor_id: str | None
    payload: dict[str, Any]
    created_at: str | None = None
    clock_skew_seconds: float | None = None


@dataclass(frozen=True)
class Echo:
    """The authoritative state sent back: the op's main row and related rows (e.g. notices)."""

    entity: str | None = None
    row: dict[str, Any] | None = None
    related: tuple[dict[str, Any], ...] = ()


@dataclass
class OpContext:
    s: Session
    device: SyncDevice
    hall: Hall
    counter: ScopeCounter  # the hall scope's counter, locked by the push driver
    op: IncomingOp
    now: dt.datetime
    changed: list[int] = field(default_factory=list)
    rows: DirectRows = field(default=None)  # type: ignore[assignment]  # the lookups (server.chunk)

    def __post_init__(self) -> None:
        if self.rows is None:
            self.rows = DirectRows(self.s)

    def change(self, entity: str, entity_id: str, row: dict[str, Any]) -> None:
        seq = record_change(self.s, self.counter, entity, entity_id, row, op_id=self.op.op_id, at=self.now,
                            rows=self.rows)
        if seq is not None:
            self.changed.append(seq)


class OpRefused(Exception):
    def __init__(self, status: OpStatus, code: Code, message: str, echo: Echo | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.echo = status, code, message, echo or Echo()


def related(entity: str, rows: Sequence[tuple[str, dict[str, Any]]]) -> tuple[dict[str, Any], ...]:
    return tuple({"entity": entity, "id": i, "row": r} for i, r in rows)


def answer(
    op: IncomingOp, status: OpStatus, echo: Echo, *, code: Code | None = None, message: str | None = None,
) -> dict[str, Any]:
    """One element of the push answer's ``results`` (docs/sync-protocol.md)."""
    return {
        "op_id": op.op_id, "client_seq": op.client_seq, "kind": op.kind, "status": status.value,
        "code": code.value if code else None, "message": message, "entity": echo.entity,
        "entity_id": op.entity_id, "row": echo.row, "related": list(echo.related),
    }


def rejected(code: Code, message: str, echo: Echo | None = None) -> OpRefused:
    return OpRefused(OpStatus.REJECTED, code, message, echo)


def conflict(code: Code, message: str, echo: Echo | None = None) -> OpRefused:
    return OpRefused(OpStatus.CONFLICT, code, message, echo)


def parse_day(value: Any) -> dt.date | None:
    """An ISO date from a payload; OpRefused(invalid_payload) when it does not parse."""
    if value in (None, ""):
        return None
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError as exc:
        raise rejected(Code.INVALID_PAYLOAD, f"日期“{value}”格式不正确。") from exc
