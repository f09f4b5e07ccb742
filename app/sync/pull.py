"""Pull: every scope of the device to the end, reference data first (docs/sync-protocol.md, 6).

Each page is applied with its cursor in one local transaction (foreign keys off: a page is in
change order, and a notice may come a page before its case; the scope is whole again at its
end). Rows of records held back by local work are kept aside, never written over them
(app.sync.apply). A row that clashes with a local unique key (e.g. a number a standalone counter
also gave out) is kept aside too and logged, so one bad row cannot stop the page. When a scope
has been pulled to its end, its checksum is compared with the local rows': the running checksum a
pull from 0 keeps page by page (app.sync.running), else (or when that one differs) recomputed over
the rows; a mismatch resets that scope's cursor to 0 and pulls it again once (logged); local work
is never deleted. Rows are written set-based (app.sync.apply.write_rows); a page that breaks a
local unique key is applied again row by row, each in a savepoint.
A row the counter cannot take (a value that does not fit its column: a server bug or a bad row an
old server stored) is skipped, the rest of the page and every other scope are pulled as usual, and
the row is kept on record (``bad_rows``) for the status line until a good version of it arrives.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.context import AppContext
from app.sync import running, shapes, state
from app.sync.apply import owner_of, take
from app.sync.cycle import Cycle
from app.sync.errors import CursorAhead, EpochChanged
from app.sync.protocol import device_scopes
from app.sync.verify import keys_sum, local_checksum, shaped_sum
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
        total = _running_start(cycle, s, scope, start)
    cursor = start
    while True:
        try:
            body = cycle.api.pull(scope, cursor, cycle.tuning.page_size, cycle.epoch)
        except CursorAhead:
            log.warning("cursor %d of %s is beyond the server's changes: pulling it from 0", cursor, scope)
            _reset(cycle, scope)
            start = cursor = 0
            with cycle.ctx.db.read() as s:
                total = running.start(s, scope, cycle.hall_id)
            continue
        page = shapes.page(body, cursor)
        if page.epoch != cycle.epoch:
            raise EpochChanged(page.epoch)
        for bad in page.bad:
            log.error("%s %s from %s cannot be taken (%s): skipped, the rest of the scope is pulled",
                      bad.entity, bad.id, scope, bad.field)
        total = _apply(cycle, scope, page, total)
        cursor = page.next_cursor
        if not page.has_more:
            break
        if cycle.cancelled():
            return
    if any(b.scope == scope for b in bad_rows(cycle.ctx)):
        return  # the copy lacks a row the server must repair: comparing checksums would only pull it all again
    _verify(cycle, scope, page.checksum, full=start == 0 or not may_repeat, total=total)


def _running_start(cycle: Cycle, s: Session, scope: str, start: int) -> running.Running | None:
    """The running checksum a pull from 0 starts (or a resumed one carries on with); None for an
    ordinary pull, whose end recomputes the checksum over the scope's rows."""
    return running.start(s, scope, cycle.hall_id) if start == 0 else running.resume(s, scope)


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


def _apply(cycle: Cycle, scope: str, page: shapes.Page,
           total: running.Running | None) -> running.Running | None:
    """The page's rows, the cursor after them and the running checksum, in one transaction."""
    try:
        with cycle.ctx.db.write(foreign_keys=False) as s:
            total = _rows(cycle, s, scope, page, total, one_by_one=False)
    except IntegrityError:
        with cycle.ctx.db.write(foreign_keys=False) as s:
            total = _rows(cycle, s, scope, page, total, one_by_one=True)
    cycle.tally.pulled += len(page.changes)
    if cycle.progress is not None:
        cycle.progress(cycle.tally.pulled)
    if page.changes and scope != cycle.work_scope:
        cycle.tally.reference_changed = True
    return total


def _rows(cycle: Cycle, s: Session, scope: str, page: shapes.Page, total: running.Running | None, *,
          one_by_one: bool) -> running.Running | None:
    repo = SyncRepository(s)
    owners = [o for o in (owner_of(c.entity, c.id, c.row) for c in page.changes) if o is not None]
    held = repo.held(owners)
    total = running.current(s, total)
    keys = {(c.entity, c.id) for c in page.changes}
    before = keys_sum(s, scope, cycle.hall_id, keys) if total is not None and keys else 0
    shaped: dict[tuple[str, str], dict[str, Any]] = {}
    if not one_by_one:
        shaped = take(s, scope, page.changes, held)
    else:
        for c in page.changes:
            try:
                with s.begin_nested():
                    take(s, scope, [c], held)
            except IntegrityError as exc:
                log.error("%s %s from %s clashes with a local row, kept aside: %s", c.entity, c.id, scope, exc.orig)
                repo.put_shadow(c.entity, c.id, owner_of(c.entity, c.id, c.row) or c.id, scope, c.row)
    s.flush()
    _note_bad_rows(s, scope, page, cycle.now())
    row = repo.cursor(scope)
    row.cursor, row.checksum, row.updated_at = page.next_cursor, page.checksum, cycle.now()
    if total is not None and keys:  # rows written as sent are hashed as written, the others read again
        after = shaped_sum(scope, cycle.hall_id, shaped) + keys_sum(s, scope, cycle.hall_id, keys - shaped.keys())
        total = total.moved(after - before, total.last_seq)
    running.keep(s, scope, total)
    return total


def _reset(cycle: Cycle, scope: str) -> None:
    with cycle.ctx.db.write() as s:
        row = SyncRepository(s).cursor(scope)
        row.cursor, row.verified = 0, ""


def _verify(cycle: Cycle, scope: str, checksum: str, *, full: bool, total: running.Running | None) -> None:
    """Compare the server's checksum with the local rows' (once per server checksum): with the
    running checksum of a pull from 0, else (or when that one differs) recomputed over the rows."""
    local = _local(cycle, scope, checksum, total)
    if local is None:
        _done(cycle, scope, total, None)
        return
    if local != checksum and not full and _patient(cycle, scope, checksum):
        return
    if local != checksum and not full:
        log.warning("scope %s differs from the server (local %s, server %s): pulling it again from 0",
                    scope, local, checksum)
        _reset(cycle, scope)
        pull_scope(cycle, scope, may_repeat=False)
        return
    if local != checksum:
        log.error("scope %s still differs from the server after a full pull (local %s, server %s)",
                  scope, local, checksum)
    _done(cycle, scope, total, checksum)


def _patient(cycle: Cycle, scope: str, checksum: str) -> bool:
    """True while a scope moved back to its mark by a restore (app.sync.cycle.rewind_cursors) is
    within its grace: the rows it holds beyond the mark are most likely other counters' work they
    have not pushed again yet, so the check waits for the server's checksum to move (a full pull
    now would only still differ). After the grace, a difference is pulled again from 0 as always:
    a change only the server made, lost in the restore, is never sent again."""
    with cycle.ctx.db.write() as s:
        repo = SyncRepository(s)
        raw = repo.get(state.REWOUND + scope)
        if not raw:
            return False
        until = dt.datetime.fromisoformat(raw.partition("|")[0])
        if cycle.now() >= until:
            repo.drop(state.REWOUND + scope)
            return False
        repo.put(state.REWOUND + scope, f"{until.isoformat()}|{checksum}")
    log.info("scope %s differs from the server %s after a restore: waiting until %s for the other counters' "
             "work to be pushed again", scope, checksum, until)
    return True


def _local(cycle: Cycle, scope: str, checksum: str, total: running.Running | None) -> str | None:
    """The local checksum to compare, or None when there is nothing to compare now."""
    with cycle.ctx.db.read() as s:
        repo = SyncRepository(s)
        _, verified = repo.cursor_value(scope)
        if verified == checksum:
            return None
        rewound = repo.get(state.REWOUND + scope)
        if rewound and rewound.partition("|")[2] == checksum and cycle.now() < dt.datetime.fromisoformat(
                rewound.partition("|")[0]):
            return None  # found differing after a restore and the server has not moved since
        if scope == cycle.work_scope and repo.op_stats().get("pending", (0, None))[0]:
            return None  # ops pushed after this cycle's push: their records are not settled yet
        total = running.current(s, total)
        if total is not None and total.checksum == checksum:
            return total.checksum
        return local_checksum(s, scope, cycle.hall_id)


def _done(cycle: Cycle, scope: str, total: running.Running | None, verified: str | None) -> None:
    """The scope's pull has reached its end: its running checksum is not kept any longer (it would
    not see a store edited outside the program); ``verified``: the server checksum compared."""
    if total is None and verified is None:
        return
    with cycle.ctx.db.write() as s:
        running.keep(s, scope, None)
        if verified is not None:
            SyncRepository(s).cursor(scope).verified = verified
            SyncRepository(s).drop(state.REWOUND + scope)
