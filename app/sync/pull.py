"""Pull: every scope of the device to the end, reference data first (docs/sync-protocol.md, 6).

Each page is applied with its cursor in one local transaction (foreign keys off: a page is in
change order, and a notice may come a page before its case; the scope is whole again at its
end). Rows of records held back by local work are kept aside, never written over them
(app.sync.apply). A row that clashes with a local unique key (e.g. a number a standalone counter
also gave out) is kept aside too and logged, so one bad row cannot stop the page. When a scope
has been pulled to its end, its checksum is recomputed over the local rows; a mismatch resets
that scope's cursor to 0 and pulls it again once (logged); local work is never deleted.
A row the counter cannot take (a value that does not fit its column: a server bug or a bad row an
old server stored) is skipped, the rest of the page and every other scope are pulled as usual, and
the row is kept on record (``bad_rows``) for the status line until a good version of it arrives.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import asdict, dataclass

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.context import AppContext
from app.sync import shapes, state
from app.sync.apply import end_preload, owner_of, preload, take
from app.sync.cycle import Cycle
from app.sync.errors import CursorAhead, EpochChanged
from app.sync.protocol import device_scopes
from app.sync.verify import local_checksum
from db.sync_repository import SyncRepository

log = logging.getLogger(__name__)
MAX_BAD_ROWS = 200  # kept on record (the first of them are what the administrator needs)


def pull_all(cycle: Cycle) -> None:
    for scope in device_scopes(cycle.hall_id):
        if cycle.cancelled():
            return
        pull_scope(cycle, scope, may_repeat=True)


def pull_scope(cycle: Cycle, scope: str, *, may_repeat: bool) -> None:
    with cycle.ctx.db.read() as s:
        start, _ = SyncRepository(s).cursor_value(scope)
    cursor = start
    while True:
        try:
            body = cycle.api.pull(scope, cursor, cycle.tuning.page_size, cycle.epoch)
        except CursorAhead:
            log.warning("cursor %d of %s is beyond the server's changes: pulling it from 0", cursor, scope)
            _reset(cycle, scope)
            start = cursor = 0
            continue
        page = shapes.page(body, cursor)
        if page.epoch != cycle.epoch:
            raise EpochChanged(page.epoch)
        for bad in page.bad:
            log.error("%s %s from %s cannot be taken (%s): skipped, the rest of the scope is pulled",
                      bad.entity, bad.id, scope, bad.field)
        _apply(cycle, scope, page)
        cursor = page.next_cursor
        if not page.has_more:
            break
        if cycle.cancelled():
            return
    if any(b.scope == scope for b in bad_rows(cycle.ctx)):
        return  # the copy lacks a row the server must repair: comparing checksums would only pull it all again
    _verify(cycle, scope, page.checksum, full=start == 0 or not may_repeat)


def bad_rows(ctx: AppContext) -> list[BadRowNote]:
    """Rows the server sent that this counter could not take and skipped, oldest first (until a
    good version of the row arrives: the server's ``check-rows --repair`` sends one)."""
    with ctx.db.read() as s:
        return parse_bad_rows(SyncRepository(s).get(state.BAD_ROWS))


def parse_bad_rows(raw: str | None) -> list[BadRowNote]:
    """The ``bad_rows`` value of sync_state as notes."""
    return [BadRowNote(**b) for b in json.loads(raw)] if raw else []


@dataclass(frozen=True)
class BadRowNote:
    scope: str
    entity: str
    id: str
    field: str
    seen_at: str


def _note_bad_rows(s: Session, scope: str, page: shapes.Page, now: dt.datetime) -> None:
    """Keep the page's bad rows on record, and drop the ones a good version of arrived for."""
    repo = SyncRepository(s)
    raw = repo.get(state.BAD_ROWS)
    if not raw and not page.bad:
        return
    kept = parse_bad_rows(raw)
    arrived = {(c.entity, c.id) for c in page.changes} | {(b.entity, b.id) for b in page.bad}
    kept = [b for b in kept if (b.entity, b.id) not in arrived]
    kept += [BadRowNote(scope, b.entity, b.id, b.field, now.isoformat(timespec="seconds")) for b in page.bad]
    if kept:
        repo.put(state.BAD_ROWS, json.dumps([asdict(b) for b in kept[-MAX_BAD_ROWS:]], ensure_ascii=False))
    else:
        repo.drop(state.BAD_ROWS)


def _apply(cycle: Cycle, scope: str, page: shapes.Page) -> None:
    """The page's rows and the cursor after them, in one transaction."""
    try:
        with cycle.ctx.db.write(foreign_keys=False) as s:
            _rows(cycle, s, scope, page, one_by_one=False)
    except IntegrityError:
        with cycle.ctx.db.write(foreign_keys=False) as s:
            _rows(cycle, s, scope, page, one_by_one=True)
    cycle.tally.pulled += len(page.changes)
    if cycle.progress is not None:
        cycle.progress(cycle.tally.pulled)
    if page.changes and scope != cycle.work_scope:
        cycle.tally.reference_changed = True


def _rows(cycle: Cycle, s: Session, scope: str, page: shapes.Page, *, one_by_one: bool) -> None:
    repo = SyncRepository(s)
    owners = [o for o in (owner_of(c.entity, c.id, c.row) for c in page.changes) if o is not None]
    held = repo.held(owners)
    loaded = preload(s, page.changes)  # held while writing: the identity map is weak
    if not one_by_one:
        take(s, scope, page.changes, held)
        end_preload(s)
        s.flush()
    else:
        end_preload(s)  # a savepoint rolled back would leave rows it knew as new behind
        for c in page.changes:
            try:
                with s.begin_nested():
                    take(s, scope, [c], held)
            except IntegrityError as exc:
                log.error("%s %s from %s clashes with a local row, kept aside: %s", c.entity, c.id, scope, exc.orig)
                repo.put_shadow(c.entity, c.id, owner_of(c.entity, c.id, c.row) or c.id, scope, c.row)
    _note_bad_rows(s, scope, page, cycle.now())
    row = repo.cursor(scope)
    row.cursor, row.checksum, row.updated_at = page.next_cursor, page.checksum, cycle.now()
    del loaded


def _reset(cycle: Cycle, scope: str) -> None:
    with cycle.ctx.db.write() as s:
        row = SyncRepository(s).cursor(scope)
        row.cursor, row.verified = 0, ""


def _verify(cycle: Cycle, scope: str, checksum: str, *, full: bool) -> None:
    """Compare the server's checksum with the local rows' (once per server checksum)."""
    with cycle.ctx.db.read() as s:
        repo = SyncRepository(s)
        _, verified = repo.cursor_value(scope)
        if verified == checksum:
            return
        if scope == cycle.work_scope and repo.op_stats().get("pending", (0, None))[0]:
            return  # ops pushed after this cycle's push: their records are not settled yet
        local = local_checksum(s, scope, cycle.hall_id)
    if local != checksum and not full:
        log.warning("scope %s differs from the server (local %s, server %s): pulling it again from 0",
                    scope, local, checksum)
        _reset(cycle, scope)
        pull_scope(cycle, scope, may_repeat=False)
        return
    if local != checksum:
        log.error("scope %s still differs from the server after a full pull (local %s, server %s)",
                  scope, local, checksum)
    with cycle.ctx.db.write() as s:
        SyncRepository(s).cursor(scope).verified = checksum
