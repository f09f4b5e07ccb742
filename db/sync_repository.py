"""Queries of the sync client (app.sync): its state, pull cursors, the outbox as the server
answered it, rows held back (sync_shadow) and number blocks. Runs in the caller's session and
transaction, like every repository.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import JSON, ColumnElement, String, Table, bindparam, delete, func, insert, select, text, true, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import RowMapping
from sqlalchemy.orm import Session, selectinload

from db.models import (
    Base,
    Case,
    CaseMaterial,
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
CHUNK = 500  # ids per IN list


def _chunks(ids: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for i in range(0, len(ids), CHUNK):
        yield ids[i:i + CHUNK]


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

    def drop_prefix(self, prefix: str) -> None:
        self.s.execute(delete(SyncState).where(SyncState.key.startswith(prefix, autoescape=True)))

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

    def last_seq(self) -> int:
        """The highest client_seq in the outbox (0 when empty): it moves with every local operation."""
        return int(self.s.scalar(select(func.max(OutboxOp.client_seq))) or 0)

    def op_keys(self, seqs: Sequence[int]) -> dict[int, tuple[str, str, str]]:
        """client_seq -> (op_id, status, entity_id) of these ops."""
        out: dict[int, tuple[str, str, str]] = {}
        for chunk in _chunks(list(seqs)):
            out.update({seq: (op_id, status, entity_id) for seq, op_id, status, entity_id in self.s.execute(
                select(OutboxOp.client_seq, OutboxOp.op_id, OutboxOp.status, OutboxOp.entity_id)
                .where(OutboxOp.client_seq.in_(chunk)))})
        return out

    def record_answers(self, answers: Sequence[dict[str, Any]]) -> None:
        """One executemany: each dict names an op by ``b_seq`` and gives its status, result,
        server_reply, acked_at and acked_epoch; its attempts go up by one."""
        if not answers:
            return
        table = OutboxOp.__table__
        assert isinstance(table, Table)
        stmt = (update(table).where(table.c.client_seq == bindparam("b_seq"))
                .values(attempts=table.c.attempts + 1))
        self.s.execute(stmt, list(answers))

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

    def shadows_of(self, owner_ids: Iterable[str]) -> list[tuple[str, str, str, dict[str, Any] | None]]:
        """(owner_id, entity, entity_id, row) of the kept versions of these records (plain values:
        no ORM objects that a later executemany would leave stale)."""
        out: list[tuple[str, str, str, dict[str, Any] | None]] = []
        for chunk in _chunks(list(set(owner_ids))):
            out += [(o, e, i, r) for o, e, i, r in self.s.execute(
                select(SyncShadow.owner_id, SyncShadow.entity, SyncShadow.entity_id, SyncShadow.row)
                .where(SyncShadow.owner_id.in_(chunk)))]
        return out

    def case_versions(self, ids: Sequence[str]) -> dict[str, int]:
        out: dict[str, int] = {}
        for chunk in _chunks(list(ids)):
            out.update({i: int(v) for i, v in self.s.execute(select(Case.id, Case.version).where(Case.id.in_(chunk)))})
        return out

    def shadow_rows(self, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], tuple[str, dict[str, Any] | None]]:
        """(entity, id) -> (scope, kept row) for those of ``keys`` that have a kept version or mark."""
        wanted = set(keys)
        out: dict[tuple[str, str], tuple[str, dict[str, Any] | None]] = {}
        for chunk in _chunks(list({i for _, i in wanted})):
            for e, i, scope, row in self.s.execute(
                    select(SyncShadow.entity, SyncShadow.entity_id, SyncShadow.scope, SyncShadow.row)
                    .where(SyncShadow.entity_id.in_(chunk))):
                if (e, i) in wanted:
                    out[(e, i)] = (scope, row)
        return out

    def put_shadows(self, rows: Sequence[dict[str, Any]]) -> None:
        """Insert or replace kept versions: dicts of entity, entity_id, owner_id, scope, row."""
        if not rows:
            return
        table = SyncShadow.__table__
        assert isinstance(table, Table)
        stmt = sqlite_insert(table)
        stmt = stmt.on_conflict_do_update(index_elements=["entity", "entity_id"], set_={
            "owner_id": stmt.excluded.owner_id, "scope": stmt.excluded.scope, "row": stmt.excluded.row})
        self.s.execute(stmt, list(rows))

    def drop_shadows(self, keys: Iterable[tuple[str, str]]) -> None:
        params = [{"b_entity": e, "b_id": i} for e, i in keys]
        table = SyncShadow.__table__
        assert isinstance(table, Table)
        if params:  # Core: the ORM runs no DELETE with many parameter sets
            self.s.execute(delete(table).where(table.c.entity == bindparam("b_entity"),
                                               table.c.entity_id == bindparam("b_id")), params)

    def records_keys(self, owner_ids: Iterable[str]) -> dict[str, list[tuple[str, str]]]:
        """``record_keys`` of many owners at once (a few IN-list queries)."""
        ids = list(set(owner_ids))
        cases = set(self.ids_in(Case.id, ids))
        out: dict[str, list[tuple[str, str]]] = {c: [("case", c)] for c in cases}
        for entity, model in (("notice", Notice), ("suspension", Suspension), ("void_number", VoidNumber)):
            for chunk in _chunks(sorted(cases)):
                for rid, case_id in self.s.execute(select(model.id, model.case_id).where(model.case_id.in_(chunk))):
                    out[case_id].append((entity, rid))
        rest = [i for i in ids if i not in cases]
        voids = set(self.ids_in(VoidNumber.id, rest))
        out.update({v: [("void_number", v)] for v in voids})
        out.update({e: [("enquiry", e)] for e in self.ids_in(Enquiry.id, [i for i in rest if i not in voids])})
        return out

    def ids_in(self, column: Any, ids: Sequence[Any]) -> list[Any]:
        """Those of ``ids`` found in ``column``."""
        out: list[Any] = []
        for chunk in _chunks(list(ids)):
            out += self.s.scalars(select(column).where(column.in_(chunk))).all()
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

    # -- rows by scope (checksum) and set-based writes of pulled and echoed rows ---------------------
    def all_rows(self, model: type[Base], **where: Any) -> Sequence[Base]:
        """Every row of ``model`` matching ``where`` (embedded materials loaded with them)."""
        q = select(model).filter_by(**where)
        if model is Case:
            q = q.options(selectinload(Case.materials))
        elif model is Matter:
            q = q.options(selectinload(Matter.materials))
        return self.s.scalars(q).all()

    def table_rows(self, table: Table, where: dict[str, Any], key: str | None = None,
                   ids: Sequence[Any] | None = None) -> list[RowMapping]:
        """Rows of ``table`` (plain column values, no ORM objects) matching ``where``, and with
        ``key`` among ``ids`` when given (one query per 500)."""
        cond: ColumnElement[bool] = true()
        for column, value in where.items():
            cond = cond & (table.c[column] == value)
        if ids is None or key is None:
            return list(self.s.execute(select(table).where(cond)).mappings())
        out: list[RowMapping] = []
        for chunk in _chunks(list(ids)):
            out += self.s.execute(select(table).where(cond, table.c[key].in_(chunk))).mappings()
        return out

    def case_materials(self, case_ids: Sequence[str] | None = None,
                       hall_id: str | None = None) -> dict[str, list[RowMapping]]:
        """case id -> its material rows in seq order: of these cases, or of every case of ``hall_id``."""
        table = CaseMaterial.__table__
        assert isinstance(table, Table)
        out: dict[str, list[RowMapping]] = {}
        if case_ids is None:
            queries = [select(table).where(table.c.case_id.in_(select(Case.id).where(Case.hall_id == hall_id)))]
        else:
            queries = [select(table).where(table.c.case_id.in_(chunk)) for chunk in _chunks(list(case_ids))]
        for q in queries:
            for m in self.s.execute(q.order_by(table.c.case_id, table.c.seq)).mappings():
                out.setdefault(m["case_id"], []).append(m)
        return out

    def insert(self, table: Table, rows: Sequence[dict[str, Any]]) -> None:
        """One executemany INSERT (every dict with the same keys)."""
        if rows:
            self.s.execute(insert(table), list(rows))

    def update_by_key(self, table: Table, key: str, rows: Sequence[dict[str, Any]]) -> None:
        """One executemany UPDATE: each dict names its row by ``b_key`` (the value of ``key``) and
        gives the columns to set (the same ones in each)."""
        if rows:
            self.s.execute(update(table).where(table.c[key] == bindparam("b_key")), list(rows))

    def delete_ids(self, table: Table, ids: Sequence[str]) -> None:
        for chunk in _chunks(list(ids)):
            self.s.execute(delete(table).where(table.c.id.in_(chunk)))

    # -- a standalone store enrolled later (app.sync.idmap) ----------------------------------------
    def rewrite_ids(self, ids: dict[str, str], skip: Iterable[str]) -> int:
        """Replace each id of ``ids`` (local -> server) wherever the counter's tables hold it, but in
        the tables named in ``skip``: string columns whose value is exactly a mapped id, and values
        and keys equal to one inside JSON columns (op payloads, snapshots, sheets). Returns the rows
        changed. Ids are UUIDs, so an exact match is never anything else."""
        if not ids:
            return 0
        skipped = set(skip)
        self.s.execute(text("CREATE TEMP TABLE IF NOT EXISTS id_rewrite (old_id TEXT PRIMARY KEY, new_id TEXT)"))
        self.s.execute(text("DELETE FROM temp.id_rewrite"))
        self.s.execute(text("INSERT INTO temp.id_rewrite (old_id, new_id) VALUES (:o, :n)"),
                       [{"o": o, "n": n} for o, n in ids.items()])
        changed = 0
        for table in Base.metadata.sorted_tables:
            if table.name in skipped:
                continue
            for col in table.columns:
                if isinstance(col.type, JSON):
                    changed += self._rewrite_json(table, col.name, ids)
                elif isinstance(col.type, String) and (col.type.length or 0) >= 36:
                    changed += int(getattr(self.s.execute(text(
                        f'UPDATE "{table.name}" SET "{col.name}" = (SELECT new_id FROM temp.id_rewrite'
                        f' WHERE old_id = "{table.name}"."{col.name}")'
                        f' WHERE "{col.name}" IN (SELECT old_id FROM temp.id_rewrite)')), "rowcount", 0) or 0)
        self.s.execute(text("DROP TABLE temp.id_rewrite"))
        return changed

    def _rewrite_json(self, table: Table, column: str, ids: dict[str, str]) -> int:
        keys = [c.name for c in table.primary_key.columns]
        changed = []
        for row in self.s.execute(select(*table.primary_key.columns, table.c[column])
                                  .where(table.c[column].is_not(None))).mappings():
            value = _swap(row[column], ids)
            if value != row[column]:
                changed.append({**{f"b_{k}": row[k] for k in keys}, column: value})
        if changed:
            where = [table.c[k] == bindparam(f"b_{k}") for k in keys]
            self.s.execute(update(table).where(*where), changed)
        return len(changed)

    def drop_absent(self, model: type[Base], column: str, keep: Iterable[Any]) -> None:
        """Delete the rows of ``model`` whose ``column`` is not among ``keep``."""
        table = model.__table__
        assert isinstance(table, Table)
        wanted = set(keep)
        gone = [v for v in self.s.scalars(select(table.c[column])) if v not in wanted]
        for chunk in _chunks(gone):
            self.s.execute(delete(table).where(table.c[column].in_(chunk)))


def _swap(value: Any, ids: dict[str, str]) -> Any:
    """``value`` (decoded JSON) with every string or key equal to a mapped id replaced."""
    if isinstance(value, str):
        return ids.get(value, value)
    if isinstance(value, list):
        return [_swap(v, ids) for v in value]
    if isinstance(value, dict):
        return {ids.get(k, k): _swap(v, ids) for k, v in value.items()}
    return value
