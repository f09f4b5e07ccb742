"""The commit-ordered change sequence and checksum of each scope (docs/sync-protocol.md, "Pull").

Every write to a scope runs inside a write transaction that first locks the scope's counter row
(``lock_scopes``: SELECT ... FOR UPDATE on PostgreSQL; SQLite has one writer at a time anyway)
and holds it to commit. A change takes the next sequence number from that row, so sequence order
is commit order: a reader that has seen seq n has seen every change with a smaller seq, and no
change with a smaller seq can commit later. Writers lock several scopes in sorted order (no
deadlocks).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app.sync import checksum
from server.chunk import DirectRows
from server.schema import ChangeLog, ScopeCounter, ScopeRow


def ensure_counter(s: Session, scope: str) -> None:
    """Create the counter row of ``scope`` if missing (race-free on both databases)."""
    dialect = sqlite if s.get_bind().dialect.name == "sqlite" else postgresql
    s.execute(
        dialect.insert(ScopeCounter)
        .values(scope=scope, last_seq=0, checksum=checksum.EMPTY, row_count=0)
        .on_conflict_do_nothing()
    )


def lock_scopes(s: Session, scopes: Iterable[str]) -> dict[str, ScopeCounter]:
    """Lock the counter rows of ``scopes`` until the transaction ends; returns them by scope."""
    out: dict[str, ScopeCounter] = {}
    for scope in sorted(set(scopes)):
        counter = _lock(s, scope)
        if counter is None:  # the scope's first write
            ensure_counter(s, scope)
            counter = _lock(s, scope)
        assert counter is not None
        out[scope] = counter
    return out


def _lock(s: Session, scope: str) -> ScopeCounter | None:
    return s.scalars(
        select(ScopeCounter).where(ScopeCounter.scope == scope).with_for_update().execution_options(
            populate_existing=True)
    ).one_or_none()


def record_change(
    s: Session, counter: ScopeCounter, entity: str, entity_id: str, row: dict[str, Any], *,
    op_id: str | None, at: dt.datetime, force: bool = False, rows: DirectRows | None = None,
) -> int | None:
    """Append one row version to the locked ``counter``'s scope; returns its seq.

    A row whose canonical JSON did not change adds nothing (returns None) unless ``force`` (a repair
    of a stored version that differs from its recorded hash: server.row_check). ``rows`` finds the
    scope row and writes the scope row and change-log row (a push chunk's are preloaded, and what
    it writes is sent together at the chunk's end: server.chunk.ChunkWrites)."""
    rows = rows or DirectRows(s)
    new_hash = checksum.to_hex(checksum.row_hash(entity, entity_id, row))
    current = rows.scope_hash(counter.scope, entity, entity_id)
    if current == new_hash and not force:
        return None
    seq = counter.last_seq + 1
    counter.last_seq = seq
    counter.checksum = checksum.replace(counter.checksum, current, new_hash)
    if current is None:
        counter.row_count += 1
    rows.write_change(
        {"scope": counter.scope, "entity": entity, "entity_id": entity_id, "seq": seq, "row_hash": new_hash},
        current is None,
        {"scope": counter.scope, "seq": seq, "entity": entity, "entity_id": entity_id, "op_id": op_id, "at": at,
         "row": row})
    return seq


@dataclass(frozen=True)
class Page:
    changes: list[dict[str, Any]]  # {"seq", "entity", "id", "row"}, ascending seq
    next_cursor: int
    has_more: bool
    last_seq: int
    checksum: str
    row_count: int


def pull_page(s: Session, scope: str, cursor: int, limit: int) -> Page:
    """The current rows of ``scope`` changed after ``cursor``, oldest first, at most ``limit``.

    Call inside ``ServerDatabase.snapshot()`` so the rows and the scope's checksum agree. Each
    row appears once, at its latest seq; older versions are superseded (kept in change_log)."""
    counter = s.get(ScopeCounter, scope)
    rows = s.execute(
        select(ChangeLog.seq, ChangeLog.entity, ChangeLog.entity_id, ChangeLog.row)
        .join(ScopeRow, (ScopeRow.scope == ChangeLog.scope) & (ScopeRow.seq == ChangeLog.seq))
        .where(ScopeRow.scope == scope, ScopeRow.seq > cursor)
        .order_by(ScopeRow.seq)
        .limit(limit + 1)
    ).all()
    has_more = len(rows) > limit
    rows = rows[:limit]
    changes = [{"seq": seq, "entity": entity, "id": eid, "row": row} for seq, entity, eid, row in rows]
    return Page(
        changes=changes, next_cursor=rows[-1][0] if rows else cursor, has_more=has_more,
        last_seq=counter.last_seq if counter else 0,
        checksum=counter.checksum if counter else checksum.EMPTY,
        row_count=counter.row_count if counter else 0,
    )
