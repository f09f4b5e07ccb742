"""The running checksum of a scope pulled from cursor 0 (an initial pull, or a pull again after an
epoch change or a drift), so that its end is not a re-read of every local row.

It starts as ``local_checksum`` of what the store holds before the first page (little, on a new
counter); each page adds what its rows add to that checksum after the page minus what they added
before (app.sync.verify.keys_sum), and the sum is kept in ``sync_state`` in the page's own
transaction, beside the cursor: a pull interrupted and resumed carries on with it. It is only
trusted while nothing else changed the scope's rows: it notes the outbox's last client_seq, so
local work meanwhile (every local change is an operation) drops it, and so does recording a push
answer or settling a quarantined op. Without it the scope is checked with a full recompute, as
after an ordinary pull: a store edited outside the program is noticed there, which a sum kept
from page to page could not see, so the sum is dropped once the scope's pull has reached its end.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from app.sync import state
from app.sync.checksum import to_hex
from app.sync.verify import local_checksum
from db.sync_repository import SyncRepository


@dataclass(frozen=True)
class Running:
    total: int  # the local checksum, not yet reduced modulo 2^64
    last_seq: int  # the outbox's last client_seq when it was last brought up to date

    @property
    def checksum(self) -> str:
        return to_hex(self.total)

    def moved(self, delta: int, last_seq: int) -> Running:
        return Running(self.total + delta, last_seq)


def start(s: Session, scope: str, hall_id: str) -> Running:
    """The sum over what the store holds now (O(rows of the scope): little before an initial pull)."""
    total = int(local_checksum(s, scope, hall_id), 16)
    return Running(total, SyncRepository(s).last_seq())


def resume(s: Session, scope: str) -> Running | None:
    """The sum a pull of ``scope`` left, if it is still good."""
    raw = SyncRepository(s).get(state.RUNNING_SUM + scope)
    if not raw:
        return None
    total, _, seq = raw.partition(":")
    return current(s, Running(int(total, 16), int(seq)))


def current(s: Session, running: Running | None) -> Running | None:
    """``running`` if no local operation was recorded since it was brought up to date, else None."""
    if running is None or SyncRepository(s).last_seq() != running.last_seq:
        return None
    return running


def keep(s: Session, scope: str, running: Running | None) -> None:
    repo = SyncRepository(s)
    if running is None:
        repo.drop(state.RUNNING_SUM + scope)
    else:
        repo.put(state.RUNNING_SUM + scope, f"{running.checksum}:{running.last_seq}")


def forget_all(s: Session) -> None:
    """Rows of some scope changed outside a pull (a push answer adopted, a quarantined op settled)."""
    SyncRepository(s).drop_prefix(state.RUNNING_SUM)
