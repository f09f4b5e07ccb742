"""Number blocks leased from the server (docs/sync-protocol.md, section 7), so a paper numbered
offline never collides with another counter's.

``top_up`` leases a block of every kind that runs below the low watermark for this year, and in
December for next year too (the first working day of January may be offline). A lease keeps its
``request_id`` in sync_state until the answer is stored, so a lost answer is asked for again and
the server hands out the same block; the block is stored in its own transaction. A kind the
server has no numbers left of is logged and skipped. ``report_held`` tells a restored server the
numbers this counter holds (after a new epoch). ``warnings`` are the status line's texts.
Runs on the sync worker's thread; network errors propagate as SyncUnavailable/SyncRefused.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from sqlalchemy.orm import Session

from app.ids import uuid7
from app.numbering import STATION_SOURCE, kind_label
from app.sync import shapes, state
from app.sync.cycle import Cycle
from app.sync.errors import ServerRefusal, garbage
from app.sync.protocol import NUMBER_KINDS
from db.models import NumberBlock
from db.sync_repository import SyncRepository

log = logging.getLogger(__name__)


def wanted(s: Session, today: dt.date, low_watermark: int) -> list[tuple[str, int]]:
    """(kind, year) of the blocks to lease now."""
    repo = SyncRepository(s)
    years = [today.year, today.year + 1] if today.month == 12 else [today.year]
    out = []
    for year in years:
        left = repo.remaining(year)
        out += [(kind, year) for kind in sorted(NUMBER_KINDS) if left.get(kind, 0) < low_watermark]
    return out


def top_up(cycle: Cycle) -> None:
    with cycle.ctx.db.read() as s:
        todo = wanted(s, cycle.now().date(), cycle.tuning.low_watermark)
    for kind, year in todo:
        if cycle.cancelled():
            return
        lease(cycle, kind, year)


def lease(cycle: Cycle, kind: str, year: int) -> bool:
    """Lease one block of ``kind`` for ``year``; False when the server has none left."""
    key = f"{state.LEASE}{kind}:{year}"
    with cycle.ctx.db.write() as s:
        repo = SyncRepository(s)
        request_id = repo.get(key) or uuid7()
        repo.put(key, request_id)
    try:
        body = cycle.api.lease({"request_id": request_id, "kind": kind, "year": year, "size": cycle.tuning.block_size})
    except ServerRefusal as refusal:
        log.error("no block of %s for %d: %s %s", kind, year, refusal.code, refusal.message)
        if refusal.code == "request_id_reused":
            state.save(cycle.ctx, **{key: None})
        return False
    block = _block(body, kind, year, cycle.now())
    with cycle.ctx.db.write() as s:
        repo = SyncRepository(s)
        if repo.add_block(block):
            log.info("leased %s %d: %d-%d", kind, year, block.first, block.last)
        repo.drop(key)
    return True


def _block(body: dict[str, Any], kind: str, year: int, now: dt.datetime) -> NumberBlock:
    lease_id = shapes.field(body, "lease_id", str, "lease")
    first, last = shapes.field(body, "first", int, "lease"), shapes.field(body, "last", int, "lease")
    if body.get("kind") != kind or body.get("year") != year or not 1 <= first <= last or not lease_id:
        raise garbage("lease")
    return NumberBlock(id=lease_id, kind=kind, year=year, first=first, last=last, next_value=first,
                       source="server", leased_at=now)


def held_numbers(s: Session) -> list[dict[str, Any]]:
    """Per kind and year the highest number this counter holds or has used, of the hall's unmarked
    numbers: the blocks the server leased, and what it issued standalone before station marks. A
    station's own blocks are left out: their numbers carry the window number (app.numbering) and
    never meet the hall's counters."""
    highest: dict[tuple[str, int], int] = {}
    for b in SyncRepository(s).blocks():
        if b.source.startswith(STATION_SOURCE):
            continue
        top = b.last if b.source == "server" else b.next_value - 1
        if top >= 1 and b.kind in NUMBER_KINDS:
            highest[(b.kind, b.year)] = max(highest.get((b.kind, b.year), 0), top)
    return [{"kind": k, "year": y, "highest": h} for (k, y), h in sorted(highest.items())]


def report_held(cycle: Cycle) -> None:
    """After a new epoch: the restored server must not lease again what this counter holds."""
    with cycle.ctx.db.read() as s:
        if SyncRepository(s).get(state.REPORT_NUMBERS) is None:
            return
        used = held_numbers(s)
    for i in range(0, len(used), 100):
        cycle.api.report(used[i:i + 100])
    state.save(cycle.ctx, **{state.REPORT_NUMBERS: None})
    log.info("reported held numbers of %d kinds/years to the server", len(used))


def warnings(s: Session, today: dt.date, low_watermark: int) -> list[str]:
    """Kinds running low this year; in December, kinds with no block for next year."""
    repo = SyncRepository(s)
    left = repo.remaining(today.year)
    low = [f"{kind_label(k)} 剩 {left.get(k, 0)} 个" for k in sorted(NUMBER_KINDS) if left.get(k, 0) < low_watermark]
    out = []
    if low:
        out.append(f"{today.year}年度编号即将用完（{'，'.join(low)}），请尽快联网同步领取新的编号段。")
    if today.month == 12:
        ahead = repo.remaining(today.year + 1)
        missing = [kind_label(k) for k in sorted(NUMBER_KINDS) if ahead.get(k, 0) == 0]
        if missing:
            out.append(f"尚未领取{today.year + 1}年度编号（{'、'.join(missing)}），请在年底前联网同步，"
                       "否则新年起离线时不能出具这些文书。")
    return out
