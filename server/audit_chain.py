"""The server's own audit chain: per hall, every operation it applied, in the order it applied
them, linked by hash (docs/audit-chain.md; the hashing and the walk are app/audit_chain.py's).

An entry names the op (op_id, kind, the device that sent it, the actor) and carries ``digest``:
SHA-256 over the canonical JSON of the op as received and the answer given. Entries are appended
by the push driver in the op's own transaction, after the hall's scope counter is locked
(server/push.py), so the hall's chain is numbered in commit order without gaps; ``HallChain``
reads the head once per locked chunk and keeps it in memory; the chunk's entries are inserted
together (one executemany) with its other write-only rows.

``verify_hall`` walks one hall's chain in pages (streaming) and names the first broken link.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
from collections.abc import Iterator
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from app.audit_chain import GENESIS, ChainLink, ChainReport, entry_hash, verify_links
from app.sync.checksum import canonical_json
from app.sync.protocol import PEER_BALLOT
from db.models import Hall
from server.chunk import ChunkWrites
from server.engine import ServerDatabase
from server.oputil import IncomingOp
from server.schema import AuditChainEntry

PAGE = 20_000
_CHAIN: Table = AuditChainEntry.__table__  # type: ignore[assignment]


def op_digest(op: IncomingOp, result: dict[str, Any]) -> str:
    """SHA-256 hex of the op as the device sent it and of the answer the server gave. A sealed
    peer-evaluation ballot is digested without its payload: the server keeps nothing derived from
    it beyond the opened ballot itself (docs/peer-evaluation.md)."""
    payload = None if op.kind == PEER_BALLOT else op.payload
    sent = {"op_id": op.op_id, "client_seq": op.client_seq, "kind": op.kind, "entity_id": op.entity_id,
            "actor_id": op.actor_id, "payload": payload, "created_at": op.created_at}
    return hashlib.sha256(canonical_json({"op": sent, "answer": result}).encode("utf-8")).hexdigest()


def _content(e: Any) -> dict[str, Any]:
    return {"hall_id": e.hall_id, "op_id": e.op_id, "kind": e.kind, "device_id": e.device_id,
            "actor_id": e.actor_id, "at": e.at.replace(tzinfo=None).isoformat(), "digest": e.digest}


def _link(e: Any) -> ChainLink:
    return ChainLink(e.seq, e.op_id, e.prev_hash, e.hash, entry_hash(_content(e), e.seq, e.prev_hash))


class HallChain:
    """The head of one hall's chain during a push transaction that holds the hall's lock. Its
    entries are plain rows held in ``writes`` (server.chunk.ChunkWrites) and inserted with the
    chunk's other write-only rows."""

    def __init__(self, s: Session, hall_id: str, writes: ChunkWrites) -> None:
        self.s, self.hall_id, self.writes = s, hall_id, writes
        row = s.execute(
            select(_CHAIN.c.seq, _CHAIN.c.hash).where(_CHAIN.c.hall_id == hall_id)
            .order_by(_CHAIN.c.seq.desc()).limit(1)
        ).first()
        self._head: tuple[int, str] = (int(row[0]), str(row[1])) if row else (0, GENESIS)

    def append(self, op: IncomingOp, device_id: str, result: dict[str, Any], at: dt.datetime) -> None:
        seq, prev = self._head
        entry = {"hall_id": self.hall_id, "seq": seq + 1, "op_id": op.op_id, "kind": op.kind[:48],
                 "device_id": device_id, "actor_id": op.actor_id, "at": at, "digest": op_digest(op, result),
                 "prev_hash": prev}
        content = {"hall_id": self.hall_id, "op_id": op.op_id, "kind": entry["kind"], "device_id": device_id,
                   "actor_id": op.actor_id, "at": at.replace(tzinfo=None).isoformat(), "digest": entry["digest"]}
        entry["hash"] = link = entry_hash(content, seq + 1, prev)
        self.writes.insert(_CHAIN, entry)
        self._head = (seq + 1, link)


def _links(db: ServerDatabase, hall_id: str) -> Iterator[ChainLink]:
    after = 0
    while True:
        with db.snapshot() as s:
            rows = s.execute(
                select(*AuditChainEntry.__table__.columns)
                .where(AuditChainEntry.hall_id == hall_id, AuditChainEntry.seq > after)
                .order_by(AuditChainEntry.seq).limit(PAGE)
            ).all()
        for row in rows:
            yield _link(row)
        if len(rows) < PAGE:
            return
        after = rows[-1].seq


def verify_hall(db: ServerDatabase, hall_id: str, cancel: threading.Event | None = None) -> ChainReport:
    """One hall's chain end to end, each page in its own snapshot; storage errors propagate."""
    return verify_links(_links(db, hall_id), cancel=cancel)


def verify_all(db: ServerDatabase) -> dict[str, tuple[str, ChainReport]]:
    """Every hall's chain: hall id -> (hall code, report)."""
    with db.snapshot() as s:
        halls = [(h.id, h.code) for h in s.scalars(select(Hall).order_by(Hall.code))]
    return {hall_id: (code, verify_hall(db, hall_id)) for hall_id, code in halls}
