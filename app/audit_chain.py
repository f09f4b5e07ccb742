"""The audit trail as a hash chain (docs/audit-chain.md), Qt-free and shared by counter and server.

Each entry carries its place in the chain (``seq``, 1, 2, 3, … with no gaps), the hash of the
entry before it (``prev_hash``; the first entry's is GENESIS) and its own ``hash``: SHA-256 (hex)
over the canonical JSON of its content together with ``seq`` and ``prev_hash``. Editing an entry
changes its hash; deleting one leaves a gap in ``seq``; an entry slipped in does not link to the
one before it. ``verify_links`` walks a chain in ``seq`` order, streaming, and names the first
broken link.

What a chain without a secret cannot show: the newest entries cut off the end, or the whole chain
rewritten from some point with the hashes recomputed. The server's own chain over the operations
it accepted is the witness for those (server/audit_chain.py).

The counter's use case, ``AuditChainService``, reads its store's chain in pages (each in its own
short read transaction) and returns a plain ``ChainReport``; run it on a worker thread.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any, NamedTuple

from db.repositories import JournalRepository

if TYPE_CHECKING:
    from app.context import AppContext

GENESIS = "0" * 64
PAGE = 5_000  # rows per read transaction; small enough that building a page never stalls the GUI thread long
# canonical_json (app/sync/checksum.py) with the encoder built once: a check encodes a million entries
_canonical = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode


class BreakKind(StrEnum):
    EDITED = "edited"  # the entry's content no longer gives its hash
    DELETED = "deleted"  # entries missing: a gap in seq
    INSERTED = "inserted"  # an entry that is not part of the chain where it stands


class ChainLink(NamedTuple):
    """One stored entry as the verifier sees it: where it says it stands, the hashes it carries,
    and ``computed``: the hash its stored content gives now. (A NamedTuple, not a frozen
    dataclass: a million of them are made in a check, and this is several times cheaper.)"""

    seq: Any  # an int when untouched; whatever the table holds otherwise (None, 2.5, …)
    id: str
    prev_hash: str | None
    hash: str | None
    computed: str


@dataclass(frozen=True)
class ChainBreak:
    kind: BreakKind
    seq: int | None  # the position where the chain breaks (the first missing one, for a deletion)
    id: str | None  # the entry found there (for a deletion: the first one after the gap)
    last_missing: int | None = None  # for a deletion: the last missing position

    def describe(self) -> str:
        """One sentence in Chinese for the clerk, IT and the command line."""
        if self.kind is BreakKind.DELETED:
            span = f"第 {self.seq} 条" if self.last_missing == self.seq else f"第 {self.seq}–{self.last_missing} 条"
            return f"{span}记录缺失（被删除）"
        if self.kind is BreakKind.EDITED:
            return f"第 {self.seq} 条记录（{self.id}）的内容被改动"
        if self.seq is None:
            return f"有一条不在记录链中的记录（{self.id}）被插入"
        return f"第 {self.seq} 条记录（{self.id}）不接续前一条（被插入或替换）"


@dataclass(frozen=True)
class ChainReport:
    checked: int  # entries walked (up to and including the break)
    last_seq: int  # the last position found intact
    head: str  # the hash of that entry (GENESIS for an empty chain)
    broken: ChainBreak | None
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.broken is None

    def describe(self) -> str:
        if self.broken is None:
            return f"审计记录校验通过：共 {self.checked} 条，记录链完整。"
        return f"审计记录校验未通过：{self.broken.describe()}。"


def entry_hash(content: Mapping[str, Any], seq: int, prev_hash: str) -> str:
    """SHA-256 hex of an entry: its content with its place in the chain."""
    text = _canonical({**content, "seq": seq, "prev_hash": prev_hash})
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def event_content(
    *, id: str, at: dt.datetime, actor_id: str | None, actor_name: str, device_id: str, action: str,
    entity: str, entity_id: str, case_id: str | None, summary: str, detail: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """What of a counter audit event the hash covers: every column but the chain's own. The time
    is written as stored (naive, no time zone) so a value read back gives the same text."""
    return {
        "id": id, "at": at.replace(tzinfo=None).isoformat(), "actor_id": actor_id, "actor_name": actor_name,
        "device_id": device_id, "action": action, "entity": entity, "entity_id": entity_id, "case_id": case_id,
        "summary": summary, "detail": dict(detail or {}),
    }


class _Walk:
    """The running state of a verification; ``step`` returns the break at a link, if any."""

    def __init__(self, last_seq: int = 0, head: str = GENESIS) -> None:
        self.checked, self.last_seq, self.head = 0, last_seq, head

    def step(self, link: ChainLink) -> ChainBreak | None:
        self.checked += 1
        expected = self.last_seq + 1
        if not isinstance(link.seq, int) or link.seq < expected:
            return ChainBreak(BreakKind.INSERTED, link.seq if isinstance(link.seq, int) else None, link.id)
        if link.seq > expected:
            return ChainBreak(BreakKind.DELETED, expected, link.id, last_missing=link.seq - 1)
        if link.prev_hash != self.head:
            return ChainBreak(BreakKind.INSERTED, link.seq, link.id)
        if link.hash != link.computed:
            return ChainBreak(BreakKind.EDITED, link.seq, link.id)
        self.last_seq, self.head = link.seq, link.computed
        return None


def verify_links(links: Iterable[ChainLink], *, last_seq: int = 0, head: str = GENESIS,
                 cancel: threading.Event | None = None) -> ChainReport:
    """Walk ``links`` (ascending seq) from the position after ``last_seq``/``head``; stops at
    the first broken link. ``cancel`` set: stops early and reports what was walked so far."""
    started = time.perf_counter()
    walk = _Walk(last_seq, head)
    broken = None
    for link in links:
        broken = walk.step(link)
        if broken is not None or (cancel is not None and cancel.is_set()):
            break
    return ChainReport(walk.checked, walk.last_seq, walk.head, broken, time.perf_counter() - started)


# -- the counter's chain ----------------------------------------------------------------------


def stored_event_link(row: Sequence[Any]) -> ChainLink:
    """A ChainLink from a row of JournalRepository.audit_chain_page (``at`` and ``detail`` as the
    text SQLite holds: read back the way the ORM would, so the hash is the one written). The
    content is event_content's, inlined: this runs a million times in a check (the chain tests
    fail if the two ever differ: events written through event_content would no longer verify)."""
    seq, id_, prev_hash, hash_, at, actor_id, actor_name, device_id, action, entity, entity_id, case_id, \
        summary, detail = row
    if not isinstance(seq, int):
        return ChainLink(seq, id_, prev_hash, hash_, "")
    content = {
        "id": id_, "at": dt.datetime.fromisoformat(at).isoformat() if isinstance(at, str) else str(at),
        "actor_id": actor_id, "actor_name": actor_name, "device_id": device_id, "action": action, "entity": entity,
        "entity_id": entity_id, "case_id": case_id, "summary": summary,
        "detail": (json.loads(detail) if detail else None) or {}, "seq": seq, "prev_hash": prev_hash or "",
    }
    computed = hashlib.sha256(_canonical(content).encode("utf-8")).hexdigest()
    return ChainLink(seq, id_, prev_hash, hash_, computed)


class AuditChainService:
    """Checks the counter's own audit chain end to end.

    Runs on a worker thread (about 15 s for a million events on a busy 2-core PC, see
    benchmarks/audit_chain_1m.py; ``cancel`` stops it early); reads in pages of ``PAGE``
    entries, each in its own short read transaction, so it never holds the WAL back for long
    and never blocks a writer. Returns a ChainReport; storage errors propagate."""

    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx

    def verify(self, cancel: threading.Event | None = None,
               progress: Callable[[int], None] | None = None) -> ChainReport:
        started = time.perf_counter()
        report = verify_links(self._links(progress), cancel=cancel)
        if report.ok and not (cancel is not None and cancel.is_set()):
            with self.ctx.db.read() as s:
                stray = JournalRepository(s).unchained_audit_id()
            if stray is not None:  # rows without a place in the chain (an INSERT that ignored it)
                report = ChainReport(report.checked, report.last_seq, report.head,
                                     ChainBreak(BreakKind.INSERTED, None, stray))
        return ChainReport(report.checked, report.last_seq, report.head, report.broken,
                           time.perf_counter() - started)

    def _links(self, progress: Callable[[int], None] | None) -> Iterator[ChainLink]:
        after: Any = None
        seen = 0
        while True:
            with self.ctx.db.read() as s:
                rows = JournalRepository(s).audit_chain_page(after, PAGE)
            for row in rows:
                yield stored_event_link(row)
            if len(rows) < PAGE:
                return
            after = rows[-1].seq
            seen += len(rows)
            if progress is not None:
                progress(seen)
