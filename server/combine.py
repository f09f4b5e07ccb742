"""Group commit of a hall's small pushes (docs/sync-protocol.md, "How the server applies a push").

A counter pushes after every action, so a hall's pushes are mostly 1-3 ops, and after an outage
all its counters push at once. Applied one by one, every such push pays a whole transaction's
fixed cost under the hall's lock (the lock, the lookups, the commit): 300 counters' pushes then
queue for tens of seconds. Instead, the pushes of one hall waiting in this process are applied
together: whichever request gets the hall's turn applies every push queued for the hall by then
(in arrival order, up to ``max_ops`` ops) in one transaction, and hands each request its own
answers. Each push still gets exactly the answers it would get alone, in that order; a later push
sees an earlier one's effect, as when they came one after the other.

* A push larger than ``max_ops`` goes the usual way (``push_batch``: chunks of its own), and so
  does an empty one (no transaction at all).
* Should the database refuse a row of the combined transaction, ``apply_segments`` applies each
  push again on its own; should anything else fail, so does this, so that one device's bad push
  (or a fault it triggers) costs the other pushes of the transaction nothing: they are answered.
* The turn is per hall and per process: halls never wait for each other here. Across worker
  processes the hall's database row lock (``lock_scopes``) still orders the transactions.
* What each answer also carries (the epoch, each device's highest client_seq) is read after the
  commit with one snapshot for all the pushes of the transaction, not one per push.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select

from server.engine import ServerDatabase
from server.meta import current_epoch
from server.oputil import IncomingOp
from server.push import OPS_PER_TRANSACTION, Segment, apply_segments, prepare, push_batch
from server.schema import InboxOp, SyncDevice

log = logging.getLogger(__name__)
Answers = list[dict[str, Any]]


@dataclass(frozen=True)
class Pushed:
    """A push's answers, with what its reply also says: the epoch after it was applied and the
    highest client_seq the server holds for the device."""

    results: Answers
    client_seq_high: int
    epoch: str


@dataclass(eq=False)
class _Waiting:
    segment: Segment
    answers: Answers | None = None
    high: int = 0
    epoch: str = ""
    error: BaseException | None = None
    done: bool = False


@dataclass(eq=False)
class _Hall:
    turn: threading.Lock = field(default_factory=threading.Lock)  # held by the request applying the queue
    queue: deque[_Waiting] = field(default_factory=deque)  # guarded by PushCombiner._lock


class PushCombiner:
    """Applies the small pushes of each hall together (see the module's docstring)."""

    def __init__(self, db: ServerDatabase, now: Callable[[], dt.datetime], max_ops: int = OPS_PER_TRANSACTION,
                 observe: Callable[[str, int, int], None] | None = None) -> None:
        self.db, self.now, self.max_ops = db, now, max_ops
        self._observe = observe  # (hall id, pushes, ops) of each combined transaction
        self._lock = threading.Lock()
        self._halls: dict[str, _Hall] = {}

    def hall(self, hall_id: str) -> _Hall:
        with self._lock:
            return self._halls.setdefault(hall_id, _Hall())

    def push(self, device: SyncDevice, ops: Sequence[IncomingOp]) -> Pushed:
        """The answers to ``ops``, as ``push_batch`` gives them."""
        if not ops or len(ops) > self.max_ops:  # nothing to apply, or chunks of its own
            results = push_batch(self.db, device, ops, self.now)
            epoch, highs = self._after([device.id])
            return Pushed(results, highs.get(device.id, 0), epoch)
        me = _Waiting(prepare(device, ops))
        hall = self.hall(device.hall_id)
        with self._lock:
            hall.queue.append(me)
        while not me.done:
            with hall.turn:
                if not me.done:  # else applied by the request that had the turn before
                    self._apply(device.hall_id, self._take(hall))
        if me.error is not None:
            raise me.error
        assert me.answers is not None
        return Pushed(me.answers, me.high, me.epoch)

    def _after(self, device_ids: Sequence[str]) -> tuple[str, dict[str, int]]:
        """The epoch and the devices' highest client_seq, read after their pushes committed."""
        ids = sorted(set(device_ids))
        with self.db.snapshot() as s:
            epoch = current_epoch(s)
            highs = {str(device): int(high) for device, high in s.execute(
                select(InboxOp.client_id, func.max(InboxOp.client_seq))
                .where(InboxOp.client_id.in_(ids)).group_by(InboxOp.client_id))}
        return epoch, highs

    def _take(self, hall: _Hall) -> list[_Waiting]:
        """The pushes queued for the hall, first come first, up to max_ops ops (at least one)."""
        taken: list[_Waiting] = []
        total = 0
        with self._lock:
            while hall.queue and (not taken or total + len(hall.queue[0].segment.ops) <= self.max_ops):
                waiting = hall.queue.popleft()
                taken.append(waiting)
                total += len(waiting.segment.ops)
        return taken

    def _apply(self, hall_id: str, taken: list[_Waiting]) -> None:
        try:
            if self._together(hall_id, taken):
                self._replies([w for w in taken if w.answers is not None])
            else:
                for waiting in taken:
                    self._alone(waiting)
        finally:
            for waiting in taken:
                if waiting.answers is None and waiting.error is None:
                    waiting.error = RuntimeError("the push was not applied")
                waiting.done = True

    def _together(self, hall_id: str, taken: list[_Waiting]) -> bool:
        """Apply the pushes in one transaction; False: it failed, apply each on its own."""
        try:
            answered = apply_segments(self.db, [w.segment for w in taken], self.now)
        except Exception as exc:
            if len(taken) == 1:
                taken[0].error = exc
                return True
            log.warning("hall %s: a transaction of %d pushes failed (%s); applying each push on its own",
                        hall_id, len(taken), type(exc).__name__)
            return False
        for waiting, answers in zip(taken, answered, strict=True):
            waiting.answers = answers
        if self._observe is not None:
            self._observe(hall_id, len(taken), sum(len(w.segment.ops) for w in taken))
        return True

    def _alone(self, waiting: _Waiting) -> None:
        try:
            waiting.answers = apply_segments(self.db, [waiting.segment], self.now)[0]
        except Exception as exc:
            waiting.error = exc
            return
        self._replies([waiting])

    def _replies(self, answered: list[_Waiting]) -> None:
        """The epoch and high mark of each answered push (committed: should this fail, the device
        pushes again and gets its answers from the inbox)."""
        if not answered:
            return
        try:
            epoch, highs = self._after([w.segment.device.id for w in answered])
        except Exception as exc:
            for waiting in answered:
                waiting.answers, waiting.error = None, exc
            return
        for waiting in answered:
            waiting.epoch, waiting.high = epoch, highs.get(waiting.segment.device.id, 0)
