"""Group commit (server.combine): the small pushes of one hall's devices that queue while another
push has the hall's turn are applied together in one transaction, and every push gets exactly
the answers (and the server ends with exactly the rows) of the same pushes applied one after the
other. A refused row or a fault in one device's push costs the other pushes nothing. On SQLite and
PostgreSQL."""

from __future__ import annotations

import copy
import datetime as dt
import json
import shutil
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from db.models import Window
from server import devices
from server import push as push_module
from server.combine import PushCombiner
from server.engine import ServerDatabase
from server.push import push_batch
from server.schema import SyncDevice
from server.wire import PushIn
from tests.server.conftest import Template, pg_admin, pg_url
from tests.server.test_push_chunk import NOW, _now, server_state, work  # noqa: F401  (the module fixture)

DEVICES = 4


class Hall:
    """A server copy with DEVICES enrolled devices of the hall, and a twin database (the same rows,
    the same device ids) to apply the same pushes to one after the other."""

    def __init__(self, template: Template) -> None:
        self.template = template
        self.url = template.copy("combine")
        db = ServerDatabase(self.url)
        with db.write() as s:
            windows = s.scalars(select(Window).where(Window.hall_id == template.hall_id)
                                .order_by(Window.number)).all()
            ids = []
            for i in range(DEVICES):
                code, _, _ = devices.create_code(s, hall_id=template.hall_id, window_number=windows[i].number,
                                                 created_by="test", device_name=f"d{i}", ttl=dt.timedelta(hours=1),
                                                 now=NOW)
                device, _ = devices.redeem_code(s, code, request_id=f"r{i}", device_name=f"d{i}", now=NOW)
                ids.append(device.id)
        db.dispose()
        self.twin_url = self._clone()
        self.db, self.twin = ServerDatabase(self.url), ServerDatabase(self.twin_url)
        with self.db.snapshot() as s:
            self.devices = [s.get(SyncDevice, i) for i in ids]
            for d in self.devices:
                s.expunge(d)

    def _clone(self) -> str:
        if self.template.backend == "sqlite":
            target = self.template.tmp / f"twin-{uuid.uuid4().hex[:8]}.sqlite3"
            shutil.copyfile(self.url.removeprefix("sqlite:///"), target)
            return f"sqlite:///{target}"
        name = f"{self.url.rsplit('/', 1)[1]}_twin"
        pg_admin(f'CREATE DATABASE "{name}" TEMPLATE "{self.url.rsplit("/", 1)[1]}"')
        return pg_url(name)

    def state(self, db: ServerDatabase) -> dict[str, Any]:
        return server_state(db)

    def close(self) -> None:
        self.db.dispose()
        self.twin.dispose()
        self.template.drop_copy(self.twin_url)
        self.template.drop_copy(self.url)


@pytest.fixture
def hall(server_template: Template) -> Iterator[Hall]:
    h = Hall(server_template)
    yield h
    h.close()


def _pushes(ops: list[dict[str, Any]], parts: int) -> list[list[dict[str, Any]]]:
    """``ops`` cut into ``parts`` consecutive pushes, each numbered from client_seq 1 (its device's)."""
    size = -(-len(ops) // parts)
    return [[{**copy.deepcopy(op), "client_seq": i} for i, op in enumerate(ops[k:k + size], start=1)]
            for k in range(0, len(ops), size)]


def _together(combiner: PushCombiner, hall_id: str, pushes: list[tuple[SyncDevice, list[dict[str, Any]]]]
              ) -> list[Any]:
    """Each push from its own thread, queued in this order while the hall's turn is held, so that
    they are applied in one go when it is let go. Returns each push's answers (or its exception)."""
    turn = combiner.hall(hall_id).turn
    got: list[Any] = [None] * len(pushes)
    highs: list[int] = [0] * len(pushes)

    def one(i: int, device: SyncDevice, ops: list[dict[str, Any]]) -> None:
        try:
            pushed = combiner.push(device, PushIn(ops=ops).ops)
            highs[i] = pushed.client_seq_high
            got[i] = pushed.results
        except Exception as exc:  # the push's own failure, as the route would see it
            got[i] = exc

    threads = []
    with turn:
        for i, (device, ops) in enumerate(pushes):
            t = threading.Thread(target=one, args=(i, device, ops))
            t.start()
            threads.append(t)
            deadline = time.monotonic() + 10
            while len(combiner.hall(hall_id).queue) < i + 1:  # queued in order, behind the held turn
                assert time.monotonic() < deadline, "the push never queued"
                time.sleep(0.001)
    for t in threads:
        t.join(60)
    for i, (_device, ops) in enumerate(pushes):  # each reply says how far the server has its device's ops
        if not isinstance(got[i], Exception):
            assert highs[i] == max(op["client_seq"] for op in ops)
    return got


def _combiner(db: ServerDatabase, seen: list[tuple[int, int]]) -> PushCombiner:
    return PushCombiner(db, _now, max_ops=1000, observe=lambda _hall, pushes, ops: seen.append((pushes, ops)))


def test_pushes_of_four_devices_applied_together_answer_as_one_after_the_other(
        work: list[dict[str, Any]], hall: Hall) -> None:  # noqa: F811
    pushes = list(zip(hall.devices, _pushes(work, DEVICES), strict=True))
    seen: list[tuple[int, int]] = []
    got = _together(_combiner(hall.db, seen), hall.template.hall_id, pushes)
    assert seen == [(DEVICES, len(work))]  # one transaction
    want = [push_batch(hall.twin, device, PushIn(ops=ops).ops, _now) for device, ops in pushes]
    assert got == want
    statuses = [a["status"] for answers in got for a in answers]
    assert statuses.count("applied") > len(work) * 0.8, statuses
    assert hall.state(hall.db) == hall.state(hall.twin)
    # the same pushes again, together: every answer from the inbox, nothing changes
    before = hall.state(hall.db)
    assert _together(_combiner(hall.db, seen), hall.template.hall_id, pushes) == want
    assert hall.state(hall.db) == before


def test_a_refused_row_in_one_push_costs_the_others_nothing(work: list[dict[str, Any]], hall: Hall) -> None:  # noqa: F811
    opens = [op for op in work if op["kind"] == "case.open"][:6]
    first, second, third = _pushes(opens, 3)
    # the second push's second intake carries the first push's query code: only the database's
    # unique index sees it, at the combined transaction's flush
    second[1]["payload"]["case"]["query_code"] = first[0]["payload"]["case"]["query_code"]
    pushes = [(hall.devices[0], first), (hall.devices[1], second), (hall.devices[2], third)]
    seen: list[tuple[int, int]] = []
    got = _together(_combiner(hall.db, seen), hall.template.hall_id, pushes)
    want = [push_batch(hall.twin, device, PushIn(ops=ops).ops, _now) for device, ops in pushes]
    assert got == want
    assert [[a["status"] for a in answers] for answers in got] == [
        ["applied", "applied"], ["applied", "rejected"], ["applied", "applied"]]
    assert hall.state(hall.db) == hall.state(hall.twin)


def test_a_push_sent_again_while_its_first_copy_waits_is_answered_the_same(
        work: list[dict[str, Any]], hall: Hall) -> None:  # noqa: F811
    """A counter whose push timed out sends it again; both copies may end up in one transaction."""
    mine = _pushes(work[:10], 1)[0]
    other = _pushes(work[10:20], 1)[0]
    pushes = [(hall.devices[0], mine), (hall.devices[1], other), (hall.devices[0], mine)]
    got = _together(_combiner(hall.db, []), hall.template.hall_id, pushes)
    assert got[0] == got[2] and all(a["status"] == "applied" for a in got[0])
    want = [push_batch(hall.twin, device, PushIn(ops=ops).ops, _now) for device, ops in pushes]
    assert got == want
    assert hall.state(hall.db) == hall.state(hall.twin)


def test_a_fault_in_one_push_fails_that_push_alone(work: list[dict[str, Any]], hall: Hall,  # noqa: F811
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """A bug a device's op runs into (here: one planted in the case handler for one entity) fails
    that device's push; the others of the same transaction are applied and answered."""
    pushes = list(zip(hall.devices[:3], _pushes(work[:30], 3), strict=True))
    elsewhere = {op["entity_id"] for _, ops in (pushes[0], pushes[2]) for op in ops}
    doomed = next(op["entity_id"] for op in pushes[1][1]
                  if op["kind"].startswith("case.") and op["entity_id"] not in elsewhere)
    real = push_module.apply_case_op

    def planted(ctx: Any) -> Any:
        if ctx.op.entity_id == doomed:
            raise RuntimeError("planted fault")
        return real(ctx)

    monkeypatch.setattr(push_module, "apply_case_op", planted)
    seen: list[tuple[int, int]] = []
    got = _together(_combiner(hall.db, seen), hall.template.hall_id, pushes)
    assert isinstance(got[1], RuntimeError)
    assert seen == []  # the combined transaction did not commit
    monkeypatch.setattr(push_module, "apply_case_op", real)
    want = [push_batch(hall.twin, device, PushIn(ops=ops).ops, _now) for device, ops in (pushes[0], pushes[2])]
    assert [got[0], got[2]] == want


def test_a_large_push_goes_in_chunks_of_its_own(work: list[dict[str, Any]], hall: Hall) -> None:  # noqa: F811
    seen: list[tuple[int, int]] = []
    combiner = PushCombiner(hall.db, _now, max_ops=20, observe=lambda _h, p, o: seen.append((p, o)))
    ops = _pushes(work[:45], 1)[0]
    pushed = combiner.push(hall.devices[0], PushIn(ops=ops).ops)
    assert pushed.client_seq_high == 45
    got = pushed.results
    assert got == push_batch(hall.twin, hall.devices[0], PushIn(ops=ops).ops, _now)
    assert seen == []
    assert hall.state(hall.db) == hall.state(hall.twin)


def _device(db: ServerDatabase, hall_id: str, tag: str) -> SyncDevice:
    with db.write() as s:
        window = s.scalars(select(Window).where(Window.hall_id == hall_id).order_by(Window.number)).first()
        assert window is not None
        code, _, _ = devices.create_code(s, hall_id=hall_id, window_number=window.number, created_by="test",
                                         device_name=tag, ttl=dt.timedelta(hours=1), now=NOW)
        device, _ = devices.redeem_code(s, code, request_id=tag, device_name=tag, now=NOW)
        s.flush()
        s.expunge(device)
        return device


def _windows_moved(db: ServerDatabase, ops: list[dict[str, Any]], from_hall: str, to_hall: str
                   ) -> list[dict[str, Any]]:
    """The ops with each window of ``from_hall`` replaced by the window of the same number of ``to_hall``."""
    with db.snapshot() as s:
        windows = {hall: dict(s.execute(select(Window.number, Window.id).where(Window.hall_id == hall)).all())
                   for hall in (from_hall, to_hall)}
    text = json.dumps(ops, ensure_ascii=False)
    for number, window_id in windows[from_hall].items():
        text = text.replace(window_id, windows[to_hall][number])
    return list(json.loads(text))


def test_a_hall_held_up_holds_up_no_other_hall(work: list[dict[str, Any]], server_template: Template,  # noqa: F811
                                               tmp_path: Any) -> None:
    """While one hall's turn (and, on PostgreSQL, its row lock, as another worker process would hold
    it) is taken, another hall's push is applied at once; the first hall's push waits, then goes."""
    import psycopg

    from tests.server.test_workers import _moved_to, _other_hall

    url = server_template.copy("halls")
    demo = server_template.hall_id
    west, _ = _other_hall(url, tmp_path)
    db = ServerDatabase(url)
    try:
        enquiries = [op for op in work if op["kind"] == "enquiry.add"][:6]
        assert len(enquiries) == 6
        demo_ops = _pushes(enquiries[:3], 1)[0]
        west_ops = _pushes(_windows_moved(db, _moved_to(enquiries[3:], url, demo, west), demo, west), 1)[0]
        demo_device, west_device = _device(db, demo, "demo"), _device(db, west, "west")
        combiner = PushCombiner(db, _now)
        got: dict[str, Any] = {}

        def push(name: str, device: SyncDevice, ops: list[dict[str, Any]]) -> None:
            got[name] = [a["status"] for a in combiner.push(device, PushIn(ops=ops).ops).results]

        holder = None
        if server_template.backend == "postgresql":  # the hall's row, locked as by another worker's push
            holder = psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"))
            holder.execute("SELECT last_seq FROM scope_counter WHERE scope = %s FOR UPDATE", (f"hall:{demo}",))
        try:
            with combiner.hall(demo).turn:
                waiting = threading.Thread(target=push, args=("demo", demo_device, demo_ops))
                waiting.start()
                other = threading.Thread(target=push, args=("west", west_device, west_ops))
                other.start()
                other.join(30)
                assert got.get("west") == ["applied"] * 3, got
                assert waiting.is_alive() and "demo" not in got
        finally:
            if holder is not None:
                holder.rollback()
                holder.close()
        waiting.join(30)
        assert got["demo"] == ["applied"] * 3
    finally:
        db.dispose()
        server_template.drop_copy(url)


def test_an_empty_push_is_answered_without_a_transaction(hall: Hall) -> None:
    seen: list[tuple[int, int]] = []
    pushed = _combiner(hall.db, seen).push(hall.devices[0], [])
    assert (pushed.results, pushed.client_seq_high, seen) == ([], 0, [])
    assert pushed.epoch and hall.state(hall.db) == hall.state(hall.twin)
