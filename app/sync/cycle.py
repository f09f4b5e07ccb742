"""One sync cycle (docs/sync-protocol.md, section 10): meta (epoch, clock skew) → report held
numbers after a new epoch → push every pending op in client_seq order → top up number blocks →
pull every scope to the end, checking each scope's checksum.

Runs on the caller's worker thread. Every local write is its own short transaction (one per push
answer batch, per pull page, per lease, per epoch change), so a crash or a network failure at any
point leaves a store from which the next cycle simply carries on: the server answers a re-pushed
op with the answer it stored, a page is applied with its cursor or not at all. Errors: SyncError
subclasses from app.sync.errors (what committed before stays).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from app.context import AppContext
from app.sync import running, state
from app.sync.errors import EpochChanged, ServerRefusal, SyncUnavailable, garbage
from app.sync.protocol import device_scopes, hall_scope
from app.sync.transport import ServerApi, parse_server_time
from db.sync_repository import SyncRepository

log = logging.getLogger(__name__)
SKEW_LIMIT = 300.0  # seconds; beyond this the skew is shown and sent with the operations
MAX_EPOCH_RESTARTS = 2


@dataclass
class Tuning:
    batch_size: int = 500  # ops per push (the server's maximum)
    batch_bytes: int = 8 * 1024 * 1024  # and at most this much JSON per push (the server refuses > 32 MiB)
    page_size: int = 1000  # rows per pull page
    block_size: int = 500  # numbers per leased block
    low_watermark: int = 100  # lease another block when fewer are left
    # after a restore, a scope moved back to its mark may hold rows other counters have not pushed
    # again yet: for this long a checksum that differs waits for them instead of pulling it all again
    rewind_grace: dt.timedelta = field(default_factory=lambda: dt.timedelta(hours=2))


@dataclass
class Tally:
    pushed: int = 0
    applied: int = 0
    duplicates: int = 0
    conflicts: int = 0
    rejected: int = 0
    pulled: int = 0
    epoch_changed: bool = False
    reference_changed: bool = False


@dataclass
class Cycle:
    ctx: AppContext
    api: ServerApi
    hall_id: str
    epoch: str | None
    tuning: Tuning
    cancel: threading.Event | None = None
    skew: float | None = None
    tally: Tally = field(default_factory=Tally)
    progress: Callable[[int], None] | None = None  # rows pulled so far, after each page (any thread)

    @property
    def work_scope(self) -> str:
        return hall_scope(self.hall_id)

    def cancelled(self) -> bool:
        return self.cancel is not None and self.cancel.is_set()

    def now(self) -> dt.datetime:
        return self.ctx.clock.now()

    def meta(self) -> None:
        """The server's epoch and clock; a new epoch is taken on at once."""
        body = self.api.meta()
        self.observe_time(body.get("server_time"))
        epoch = body.get("epoch")
        if not isinstance(epoch, str) or not epoch:
            raise garbage("meta.epoch")
        self.observe_epoch(epoch)

    def observe_time(self, server_time: object) -> None:
        at = parse_server_time(server_time)
        self.skew = (at - self.now().astimezone()).total_seconds()
        if abs(self.skew) > SKEW_LIMIT:
            log.warning("device clock is %.0f s off the server's", -self.skew)

    def observe_epoch(self, epoch: str) -> None:
        if self.epoch is None:
            state.save(self.ctx, **{state.EPOCH: epoch})
            self.epoch = epoch
        elif epoch != self.epoch:
            self.change_epoch(epoch)

    def change_epoch(self, epoch: str) -> None:
        """The server was restored from a backup: in one transaction, every op acknowledged under
        another epoch becomes pending again (re-pushed in client_seq order; the server's idempotency
        makes that safe), the held numbers are to be reported, and each scope's cursor is kept as
        far as the server says the old epoch's changes survived (``GET /v1/epoch``): a cursor up to
        its mark stays, one beyond it goes back to the mark (rows it holds from the lost changes
        are then found by the scope's checksum), a scope without a mark is pulled from 0."""
        marks = self.marks_since(epoch)
        with self.ctx.db.write() as s:
            repo = SyncRepository(s)
            reopened = repo.reopen_acked(epoch)
            repo.put(state.EPOCH, epoch)
            repo.put(state.REPORT_NUMBERS, "1")
            repo.drop_prefix(state.REWOUND)
            kept = rewind_cursors(repo, device_scopes(self.hall_id), marks, self.now() + self.tuning.rewind_grace)
            running.forget_all(s)
        log.warning("server epoch changed %s -> %s: %d acknowledged ops to push again; cursors kept %s, "
                    "other scopes pulled from 0", self.epoch, epoch, reopened, kept or "nowhere")
        self.epoch = epoch
        self.tally.epoch_changed = True

    def marks_since(self, epoch: str) -> dict[str, int]:
        """The server's marks of our old epoch in ``epoch``; none (pull from 0, always safe) when
        there is no old epoch, the server refuses the question or has moved on to another epoch."""
        if self.epoch is None:
            return {}
        try:
            body = self.api.epoch_marks(self.epoch)
        except ServerRefusal as exc:
            log.warning("server gave no cursor marks for epoch %s (%s): pulling every scope from 0",
                        self.epoch, exc.code)
            return {}
        if body.get("epoch") != epoch:
            return {}
        return parse_marks(body.get("marks"))

    def skew_to_send(self) -> float | None:
        """The skew attached to pushed ops when it is over the limit (ARCHITECTURE.md, "Time")."""
        return round(self.skew, 1) if self.skew is not None and abs(self.skew) > SKEW_LIMIT else None


def parse_marks(raw: Any) -> dict[str, int]:
    """The ``marks`` of a /v1/epoch answer; garbage unless scope → seq ≥ 0."""
    if not isinstance(raw, dict) or not all(
            isinstance(k, str) and type(v) is int and v >= 0 for k, v in raw.items()):
        raise garbage("epoch.marks")
    return dict(raw)


def rewind_cursors(repo: SyncRepository, scopes: list[str], marks: dict[str, int],
                   patient_until: dt.datetime) -> dict[str, int]:
    """Every cursor to 0, but those of ``scopes`` with a mark to min(cursor, mark). A cursor moved
    back loses its verified checksum (it may hold rows of lost changes: the next check looks) and
    is marked ``REWOUND`` until ``patient_until`` (app.sync.pull). Returns the cursors kept (> 0)."""
    before = {scope: repo.cursor_value(scope) for scope in scopes}
    repo.reset_cursors()
    kept: dict[str, int] = {}
    for scope, (cursor, verified) in before.items():
        to = min(cursor, marks.get(scope, 0))
        if to > 0:
            row = repo.cursor(scope)
            row.cursor, row.verified = to, verified if to == cursor else ""
            kept[scope] = to
            if to < cursor:
                repo.put(state.REWOUND + scope, patient_until.isoformat() + "|")
    return kept


def run(cycle: Cycle, steps: list[Callable[[Cycle], None]]) -> Tally:
    """Meta, then the steps in order; an epoch change under way starts the steps again."""
    cycle.meta()
    for _ in range(MAX_EPOCH_RESTARTS + 1):
        try:
            for step in steps:
                if cycle.cancelled():
                    return cycle.tally
                step(cycle)
            return cycle.tally
        except EpochChanged as changed:
            cycle.change_epoch(changed.epoch)
    raise SyncUnavailable("中心服务器正在恢复数据，稍后自动重试。")
