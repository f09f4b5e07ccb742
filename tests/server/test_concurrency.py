"""Two counters pushing at once while a third party pulls: the change sequence stays gap-free and
in commit order, so a reader never skips a row; number blocks leased at once never overlap.
Runs the server's code in threads against the real database (PostgreSQL row locks, SQLite's
single writer)."""

from __future__ import annotations

import itertools
import random
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sqlalchemy import select

from app.sync.checksum import scope_checksum
from server.changes import pull_page
from server.engine import ServerDatabase
from server.meta import naive_utc
from server.numbers import lease_block
from server.oputil import IncomingOp
from server.push import push_batch
from server.schema import ChangeLog, SyncDevice
from tests.server.kit import Device, ServerKit, install_blocks, intake, outbox

CASES_PER_COUNTER = 10


def _row(db: ServerDatabase, device: Device) -> SyncDevice:
    with db.snapshot() as s:
        row = s.get(SyncDevice, device.id)
        assert row is not None
        return row


def _incoming(op: dict[str, Any]) -> IncomingOp:
    return IncomingOp(op_id=op["op_id"], client_seq=op["client_seq"], kind=op["kind"], entity_id=op["entity_id"],
                      actor_id=op["actor_id"], payload=op["payload"], created_at=op["created_at"])


class Reader:
    """Polls the hall scope like a counter and checks every page continues exactly at its cursor."""

    def __init__(self, db: ServerDatabase, scope: str) -> None:
        self.db, self.scope = db, scope
        self.seen: list[int] = []
        self.polls = 0

    def run(self, writers_done: threading.Event) -> None:
        cursor = 0
        while True:
            finished = writers_done.is_set()
            with self.db.snapshot() as s:
                page = pull_page(s, self.scope, cursor, 4)
            seqs = [c["seq"] for c in page.changes]
            assert seqs == list(range(cursor + 1, cursor + 1 + len(seqs))), (cursor, seqs)
            assert page.next_cursor <= page.last_seq
            self.seen += seqs
            cursor, self.polls = page.next_cursor, self.polls + 1
            if finished and not page.has_more:
                return


def test_concurrent_pushes_make_a_gap_free_commit_ordered_sequence(server: ServerKit, counters) -> None:
    a, b = counters.new("a"), counters.new("b")
    dev_a, dev_b = server.enrol("01"), server.enrol("02")
    install_blocks(a, server, dev_a)
    install_blocks(b, server, dev_b)
    for i in range(CASES_PER_COUNTER):
        intake(a, name=f"甲{i}")
        intake(b, name=f"乙{i}")
    work = [(_row(server.db, dev_a), outbox(a)), (_row(server.db, dev_b), outbox(b))]
    reader = Reader(server.db, server.scope)
    done = threading.Event()

    def push_one_by_one(device: SyncDevice, ops: list[dict[str, Any]]) -> list[str]:
        now = lambda: naive_utc(server.clock)  # noqa: E731
        return [push_batch(server.db, device, [_incoming(op)], now)[0]["status"] for op in ops]

    with ThreadPoolExecutor(3) as pool:
        reading = pool.submit(reader.run, done)
        writers = [pool.submit(push_one_by_one, device, ops) for device, ops in work]
        statuses = [status for w in writers for status in w.result()]
        done.set()
        reading.result()
    assert statuses == ["applied"] * 2 * CASES_PER_COUNTER
    total = 2 * CASES_PER_COUNTER * 3  # each intake: the case, its receipt and its acceptance notice
    assert reader.seen == list(range(1, total + 1))
    with server.db.snapshot() as s:
        log = s.scalars(select(ChangeLog.seq).where(ChangeLog.scope == server.scope).order_by(ChangeLog.seq)).all()
    assert list(log) == list(range(1, total + 1))
    rows, page = server.pull_all(dev_a, server.scope, limit=100)
    assert len(rows) == total and page["checksum"] == scope_checksum((e, i, r) for (e, i), r in rows.items())


def test_number_blocks_leased_at_once_never_overlap(server: ServerKit) -> None:
    devices = [_row(server.db, server.enrol(w)) for w in ("01", "02")]
    sizes = random.Random(4).choices(range(1, 30), k=40)

    def lease_many(device: SyncDevice, my_sizes: list[int]) -> list[tuple[int, int]]:
        out = []
        for i, size in enumerate(my_sizes):
            with server.db.write() as s:
                block = lease_block(s, device, request_id=f"{threading.get_ident()}-{i}", kind="notice-acceptance",
                                    year=2026, size=size, now=naive_utc(server.clock))
                out.append((block.first, block.last))
        return out

    chunks = [sizes[i::4] for i in range(4)]
    with ThreadPoolExecutor(4) as pool:
        results = pool.map(lease_many, [devices[i % 2] for i in range(4)], chunks)
        blocks = sorted(b for r in results for b in r)
    assert blocks[0][0] == 1 and blocks[-1][1] == sum(sizes)
    for (_, last), (first, _) in itertools.pairwise(blocks):
        assert first == last + 1  # no overlap and no hole
