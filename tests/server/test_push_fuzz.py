"""Issue #11, point 1, the property-based part: real operations of many kinds (from a real counter and
crafted as the payload contract says) with one or two of their fields replaced by generated junk —
huge and negative integers, floats with NaN and infinities, texts with lone surrogates and control
characters, rare characters, impossible dates, records and lists where a value belongs — or removed,
pushed to the real server (SQLite and PostgreSQL). It must never answer 500, every answer must be of
the protocol's shape, and every row it stored must pass the counter's own checks of a pulled row
(app.sync.shapes) and fit a counter's SQLite columns. Bounded: FUZZ_EXAMPLES examples per backend."""

from __future__ import annotations

import contextlib
import copy
import json
import os
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from app.dto import EnquiryInput
from app.sync import shapes
from server.schema import ChangeLog
from server.validation import clean_text
from tests.server.attendance_kit import Hall, resend
from tests.server.conftest import CounterFactory
from tests.server.kit import ServerKit, actor, intake, outbox

FUZZ_EXAMPLES = int(os.environ.get("COUNTER_DESK_FUZZ_EXAMPLES", "120"))
INT64 = 2**63 - 1
STATUSES = {"applied", "duplicate", "conflict", "rejected"}

JUNK = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([2**31, 2**31 - 1, -(2**31) - 1, 2**53 + 1, 2**63, 2**64, -(2**63) - 1, 10**30, 0, -1]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(["\ud800", "a\udfffb", "\x00", "\x1b[31m", "\u202e", "𬌗𬌗𬌗", "x" * 300, "",
                     "2026-02-30", "9999-12-31T23:59:59", "0001-01-01", "2026-03-02T09:00:00+99:00",
                     "accepted", "received", "clerk chief", "../../etc", "hall:other"]),
    st.none(), st.booleans(),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
    st.lists(st.one_of(st.integers(), st.text(max_size=3)), max_size=3),
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix] if prefix else []
    if isinstance(value, dict):
        for k, v in value.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value[:3]):
            out += _paths(v, (*prefix, i))
    return out


def _set(payload: dict[str, Any], path: tuple[Any, ...], value: Any, delete: bool) -> None:
    target: Any = payload
    for key in path[:-1]:
        target = target[key]
    if delete and isinstance(target, dict):
        target.pop(path[-1], None)
    else:
        target[path[-1]] = value


def _counter_would_take(entity: str, rid: str, row: Any) -> None:
    shapes.check_row(entity, rid, row)

    def walk(v: Any) -> None:
        if isinstance(v, dict):
            for k, x in v.items():
                walk(k)
                walk(x)
        elif isinstance(v, list):
            for x in v:
                walk(x)
        elif isinstance(v, str):
            assert clean_text(v, multiline=True), (entity, rid, v)
        elif isinstance(v, int) and not isinstance(v, bool):
            assert -INT64 - 1 <= v <= INT64, (entity, rid, v)
        elif isinstance(v, float):
            assert v == v and abs(v) != float("inf"), (entity, rid, v)

    walk(row)


def _base_ops(server: ServerKit, counters: CounterFactory, hall: Hall) -> list[dict[str, Any]]:
    counter = counters.new("a")
    intake(counter)
    intake(counter, decision=None, name="王芳")
    enquiry = EnquiryInput(topic="营业执照怎么办？", answer="带身份证")
    counter.enquiries.record(actor(counter), server.hall_id, None, enquiry)
    real = outbox(counter)
    assert {o["kind"] for o in real} == {"case.open", "enquiry.add"}
    window = next(iter(hall.windows.values()))
    return [*real, hall.punch(), hall.leave(), hall.makeup(), hall.inspection(window), hall.schedule(),
            hall.publish()]


def test_no_generated_push_is_answered_500_and_nothing_stored_is_refused_by_a_counter(
        server: ServerKit, counters: CounterFactory) -> None:
    hall = Hall(server, server.enrol())
    bases = _base_ops(server, counters, hall)
    paths = [_paths(b["payload"]) for b in bases]
    seen: set[tuple[str, int]] = set()

    @settings(max_examples=FUZZ_EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(data=st.data())
    def one(data: st.DataObject) -> None:
        i = data.draw(st.integers(0, len(bases) - 1), label="op")
        o = resend(copy.deepcopy(bases[i]))
        for _ in range(data.draw(st.integers(1, 2), label="changes")):
            path = data.draw(st.sampled_from(paths[i]), label="path")
            value, delete = data.draw(JUNK, label="value"), data.draw(st.booleans(), label="delete")
            with contextlib.suppress(KeyError, IndexError, TypeError):  # a path under a value already replaced
                _set(o["payload"], path, value, delete)
        r = hall.post([o])
        assert r.status_code in (200, 422), (r.status_code, r.text[:300])
        if r.status_code == 200:
            (result,) = r.json()["results"]
            assert result["status"] in STATUSES and result["op_id"] == o["op_id"]
            json.dumps(result, allow_nan=False)  # the answer itself is valid JSON for the counter
        with server.db.snapshot() as s:
            new = [c for c in s.scalars(select(ChangeLog)) if (c.scope, c.seq) not in seen]
        seen.update((c.scope, c.seq) for c in new)
        for change in new:
            _counter_would_take(change.entity, change.entity_id, change.row)

    one()
    with server.db.snapshot() as s:
        assert (s.scalar(select(func.count()).select_from(ChangeLog)) or 0) > 0
    rows, _ = server.pull_all(server.enrol("02"), server.scope, limit=500)  # the hall still syncs
    for (entity, rid), row in rows.items():
        _counter_would_take(entity, rid, row)
