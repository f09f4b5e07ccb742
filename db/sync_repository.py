"""Queries of the sync client (app.sync): its state, pull cursors, the outbox as the server
answered it, rows held back (sync_shadow) and number blocks. Runs in the caller's session and
transaction, like every repository.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import delete, func, select, text, update
from sqlalchemy.orm import Session, selectinload

from db.models import (
    Base,
    Case,
    Enquiry,
    Matter,
    Notice,
    NumberBlock,
    OutboxOp,
    Staff,
    Suspension,
    SyncCursor,
    SyncShadow,
    SyncState,
    VoidNumber,
)

HELD = ("pending", "quarantined")  # statuses whose record keeps its local version


class SyncRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    # -- key/value state ---------------------------------------------------------------------
    def get(self, key: str) -> str | None:
        row = self.s.get(SyncState, key)
        return row.value if row else None

    def put(self, key: str, value: str) -> None:
        self.s.merge(SyncState(key=key, value=value))

    def drop(self, key: str) -> None:
        self.s.execute(delete(SyncState).where(SyncState.key == key))

    def state(self) -> dict[str, str]:
        return {r.key: r.value for r in self.s.scalars(select(SyncState))}

    # -- pull cursors --------------------------------------------------------------------------
    def cursor(self, scope: str) -> SyncCursor:
        row = self.s.get(SyncCursor, scope)
        if row is None:
            row = SyncCursor(scope=scope, cursor=0, checksum="", verified="")
            self.s.add(row)
        return row

    def cursor_value(self, scope: str) -> tuple[int, str]:
        """(cursor, verified checksum) of ``scope``; (0, '') when never pulled."""
        row = self.s.get(SyncCursor, scope)
        return (row.cursor, row.verified) if row else (0, "")

    def reset_cursors(self) -> None:
        self.s.execute(update(SyncCursor).values(cursor=0, verified=""))

    # -- outbox ----------------------------------------------------------------------------------
    def pending(self, after: int, limit: int) -> Sequence[OutboxOp]:
        return self.s.scalars(
            select(OutboxOp).where(OutboxOp.status == "pending", OutboxOp.client_seq > after)
            .order_by(OutboxOp.client_seq).limit(limit)
        ).all()

    def op(self, op_id: str) -> OutboxOp | None:
        return self.s.scalar(select(OutboxOp).where(OutboxOp.op_id == op_id))

    def op_stats(self) -> dict[str, tuple[int, dt.datetime | None]]:
        """status -> (count, oldest created_at)."""
        rows = self.s.execute(
            select(OutboxOp.status, func.count(), func.min(OutboxOp.created_at)).group_by(OutboxOp.status)
        ).all()
        return {str(status): (int(n), oldest) for status, n, oldest in rows}

    def quarantined(self, include_resolved: bool) -> Sequence[OutboxOp]:
        statuses = ["quarantined", "resolved"] if include_resolved else ["quarantined"]
        return self.s.scalars(
            select(OutboxOp).where(OutboxOp.status.in_(statuses)).order_by(OutboxOp.client_seq)
        ).all()

    def reopen_acked(self, epoch: str) -> int:
        """Acknowledged ops not acknowledged under ``epoch`` become pending again; returns how many."""
        result = self.s.execute(
            update(OutboxOp)
            .where(OutboxOp.status == "acked")
            .where(OutboxOp.acked_epoch.is_(None) | (OutboxOp.acked_epoch != epoch))
            .values(status="pending")
        )
        return int(getattr(result, "rowcount", 0) or 0)

    def held(self, owner_ids: Iterable[str]) -> set[str]:
        """Those of ``owner_ids`` (case or enquiry ids) with an op still pending or quarantined."""
        ids = list(set(owner_ids))
        out: set[str] = set()
        for i in range(0, len(ids), 500):
            out.update(self.s.scalars(
                select(OutboxOp.entity_id).where(OutboxOp.status.in_(HELD), OutboxOp.entity_id.in_(ids[i:i + 500]))
            ))
        return out

    def renumber_pending(self, first: int, above: int) -> int:
        """Move every pending op from client_seq ``first`` on above ``above``, keeping their order,
        and raise the AUTOINCREMENT mark so new ops follow; returns how many moved."""
        seqs = list(self.s.scalars(
            select(OutboxOp.client_seq).where(OutboxOp.status == "pending", OutboxOp.client_seq >= first)
            .order_by(OutboxOp.client_seq)
        ))
        top = max(above, int(self.s.scalar(select(func.max(OutboxOp.client_seq))) or 0))
        for i, seq in enumerate(seqs, start=1):
            self.s.execute(update(OutboxOp).where(OutboxOp.client_seq == seq).values(client_seq=top + i))
        self.s.execute(text("UPDATE sqlite_sequence SET seq = max(seq, :top) WHERE name = 'outbox_op'"),
                       {"top": top + len(seqs)})
        return len(seqs)

    def staff_names(self, ids: Iterable[str | None]) -> dict[str, str]:
        wanted = [i for i in set(ids) if i]
        return {s.id: s.name for s in self.s.scalars(select(Staff).where(Staff.id.in_(wanted)))} if wanted else {}

    # -- rows held back ----------------------------------------------------------------------------
    def shadows(self, owner_id: str) -> Sequence[SyncShadow]:
        return self.s.scalars(select(SyncShadow).where(SyncShadow.owner_id == owner_id)).all()

    def put_shadow(self, entity: str, entity_id: str, owner_id: str, scope: str,
                   row: dict[str, Any] | None) -> None:
        self.s.merge(SyncShadow(entity=entity, entity_id=entity_id, owner_id=owner_id, scope=scope, row=row))

    def drop_shadow(self, entity: str, entity_id: str) -> None:
        self.s.execute(delete(SyncShadow).where(SyncShadow.entity == entity, SyncShadow.entity_id == entity_id))

    def record_keys(self, owner_id: str) -> list[tuple[str, str]]:
        """(entity, id) of every local row of the record ``owner_id``: a case with its notices and
        suspensions, or an enquiry."""
        if self.s.get(Case, owner_id) is not None:
            notices = self.s.scalars(select(Notice.id).where(Notice.case_id == owner_id))
            suspensions = self.s.scalars(select(Suspension.id).where(Suspension.case_id == owner_id))
            voids = self.s.scalars(select(VoidNumber.id).where(VoidNumber.case_id == owner_id))
            return [("case", owner_id), *(("notice", n) for n in notices), *(("suspension", x) for x in suspensions),
                    *(("void_number", v) for v in voids)]
        if self.s.get(VoidNumber, owner_id) is not None:
            return [("void_number", owner_id)]
        return [("enquiry", owner_id)] if self.s.get(Enquiry, owner_id) is not None else []

    def shadowed(self, keys: Iterable[tuple[str, str]]) -> set[tuple[str, str]]:
        """Those of the (entity, id) ``keys`` that have a kept server version (or mark)."""
        wanted = list(set(keys))
        ids = list({i for _, i in wanted})
        found: set[tuple[str, str]] = set()
        for i in range(0, len(ids), 500):
            found.update((e, x) for e, x in self.s.execute(
                select(SyncShadow.entity, SyncShadow.entity_id).where(SyncShadow.entity_id.in_(ids[i:i + 500]))))
        return found & set(wanted)

    def shadowed_owners(self, owner_ids: Iterable[str]) -> set[str]:
        ids = list(set(owner_ids))
        out: set[str] = set()
        for i in range(0, len(ids), 500):
            out.update(self.s.scalars(select(SyncShadow.owner_id).where(SyncShadow.owner_id.in_(ids[i:i + 500]))))
        return out

    def ops_by_seq(self, seqs: Sequence[int]) -> dict[int, OutboxOp]:
        return {op.client_seq: op for op in self.s.scalars(select(OutboxOp).where(OutboxOp.client_seq.in_(seqs)))}

    def scope_shadows(self, scope: str) -> Sequence[SyncShadow]:
        return self.s.scalars(select(SyncShadow).where(SyncShadow.scope == scope)).all()

    # -- number blocks -----------------------------------------------------------------------------
    def blocks(self, source: str | None = None) -> Sequence[NumberBlock]:
        q = select(NumberBlock)
        if source is not None:
            q = q.where(NumberBlock.source == source)
        return self.s.scalars(q.order_by(NumberBlock.kind, NumberBlock.year, NumberBlock.first)).all()

    def remaining(self, year: int) -> dict[str, int]:
        """Numbers left per kind in the server blocks of ``year``."""
        rows = self.s.execute(
            select(NumberBlock.kind, func.sum(NumberBlock.last - NumberBlock.next_value + 1))
            .where(NumberBlock.source == "server", NumberBlock.year == year, NumberBlock.next_value <= NumberBlock.last)
            .group_by(NumberBlock.kind)
        ).all()
        return {str(kind): int(n or 0) for kind, n in rows}

    def add_block(self, block: NumberBlock) -> bool:
        """Store a leased block unless it is already here (a lease answered twice); True if added."""
        if self.s.get(NumberBlock, block.id) is not None:
            return False
        self.s.add(block)
        return True

    # -- rows by scope (checksum, preloading a page) -----------------------------------------------
    def all_rows(self, model: type[Base], **where: Any) -> Sequence[Base]:
        """Every row of ``model`` matching ``where`` (embedded materials loaded with them)."""
        q = select(model).filter_by(**where)
        if model is Case:
            q = q.options(selectinload(Case.materials))
        elif model is Matter:
            q = q.options(selectinload(Matter.materials))
        return self.s.scalars(q).all()

    def load(self, model: type[Base], key: str, ids: Sequence[Any]) -> list[Base]:
        """The rows of ``model`` with these keys (one query per 500). The session finds them by
        primary key without a query while the caller holds the list (its identity map is weak)."""
        column = getattr(model, key)
        out: list[Base] = []
        for i in range(0, len(ids), 500):
            q = select(model).where(column.in_(ids[i:i + 500]))
            if model is Case:
                q = q.options(selectinload(Case.materials))
            elif model is Matter:
                q = q.options(selectinload(Matter.materials))
            out += self.s.scalars(q).all()
        return out
