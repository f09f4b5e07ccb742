"""Issue #11, point 1: every pushed op is checked against its kind's schema before any rule runs, a bad
one is rejected with the field named and never stored, and no input is answered 500 — the cases an
attacker's probe found (a poisoned case.version that stopped every counter's pull, integers beyond
64 bits, a dict where a text belongs, a lone surrogate, a cursor beyond 64 bits, a scope that is not
of the grammar)."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from sqlalchemy import func, select

from app.sync import shapes
from db.models import Case, Enquiry
from server.schema import ChangeLog, InboxOp
from tests.server.attendance_kit import Hall, new_id, op, resend, status
from tests.server.conftest import CounterFactory
from tests.server.kit import Device, ServerKit, intake, outbox


def _real_open(server: ServerKit, counters: CounterFactory) -> tuple[Hall, dict[str, Any]]:
    counter = counters.new("a")
    intake(counter)
    device = server.enrol()
    return Hall(server, device), outbox(counter)[0]


def _stored(server: ServerKit) -> tuple[int, int, int]:
    with server.db.snapshot() as s:
        return (s.scalar(select(func.count()).select_from(Case)) or 0,
                s.scalar(select(func.count()).select_from(ChangeLog)) or 0,
                s.scalar(select(func.count()).select_from(InboxOp)) or 0)


def _every_row_passes_the_counters_checks(server: ServerKit, device: Device) -> int:
    rows, _ = server.pull_all(device, server.scope, limit=200)
    for (entity, rid), row in rows.items():
        shapes.check_row(entity, rid, row)  # raises SyncUnavailable: the counter would refuse the page
    return len(rows)


def _with(o: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    out = resend(copy.deepcopy(o))
    target: Any = out["payload"]
    keys = path.split(".")
    for key in keys[:-1]:
        target = target[int(key)] if isinstance(target, list) else target[key]
    target[int(keys[-1]) if isinstance(target, list) else keys[-1]] = value
    return out


POISON = [
    ("case.version", "two", "case.version"),  # stored as text by SQLite before: every pull failed after
    ("case.materials.0.originals", 10**30, "case.materials[0].originals"),
    ("case.suspended_days", 2**63, "case.suspended_days"),
    ("case.applicant_name", {"a": 1}, "case.applicant_name"),
    ("case.applicant_name", "欧阳\ud800", "case.applicant_name"),
    ("case.remark", "备注\x07", "case.remark"),
    ("case.received_at", "昨天上午", "case.received_at"),
    ("case.notify_due", "2026-02-30", "case.notify_due"),
    ("case.deemed_accepted", 1, "case.deemed_accepted"),
    ("case.version", True, "case.version"),
    ("case.matter_name", "事" * 201, "case.matter_name"),
    ("case.materials", {"0": {}}, "case.materials"),
    ("case.materials.0.name", None, "case.materials[0].name"),
    ("notices.0.number", ["SJ"], "notices[0].number"),
    ("notices.0.payload", "not a record", "notices[0].payload"),
    ("notices.0.issued_at", 1.5e300, "notices[0].issued_at"),
    ("to", {"status": "accepted"}, "to"),
]


@pytest.mark.parametrize(("path", "value", "named"), POISON, ids=[p[0] + ":" + repr(p[1])[:12] for p in POISON])
def test_a_case_op_breaking_its_schema_is_rejected_with_the_field_named_and_nothing_stored(
        server: ServerKit, counters: CounterFactory, path: str, value: Any, named: str) -> None:
    hall, opened = _real_open(server, counters)
    before = _stored(server)
    answer = hall.one(_with(opened, path, value))
    assert status(answer) == ("rejected", "invalid_payload"), answer
    assert f"“{named}”" in answer["message"], answer["message"]
    cases, changes, inbox = _stored(server)
    assert (cases, changes) == before[:2] and inbox == before[2] + 1  # only the answer is kept
    assert status(hall.one(resend(opened))) == ("applied", None)  # the good op still goes in
    other = server.enrol("02")  # and every counter of the hall still pulls what is there
    assert _every_row_passes_the_counters_checks(server, other) >= 3


def test_other_kinds_are_checked_field_by_field_too(server: ServerKit, counters: CounterFactory) -> None:
    hall, _ = _real_open(server, counters)
    enquiry = {"id": new_id(), "hall_id": server.hall_id, "window_id": None, "staff_id": hall.staff["zhangmin"],
               "topic": {"x": 1}, "answer": "带身份证", "at": "2026-03-02T09:00:00"}
    answers = hall.push(
        op("enquiry.add", enquiry["id"], hall.staff["zhangmin"], enquiry),
        op("staff.set_roles", hall.staff["zhangmin"], hall.staff["admin"],
           {"staff_id": hall.staff["zhangmin"], "roles": {"clerk": True}, "roles_before": "clerk", "reason": "x"}),
        op("number.void", new_id(), hall.staff["liqiang"], {"serial": 10**30}),
        op("punch.add", new_id(), hall.staff["zhangmin"], {"id": "x", "at": "\ud800"}),
        op("case.open", new_id(), hall.staff["zhangmin"], {"case": [1, 2]}),
        op("case.open", new_id(), hall.staff["zhangmin"], {"deep": json.loads("[" * 40 + "]" * 40)}),
    )
    assert [status(a) for a in answers] == [("rejected", "invalid_payload")] * 6, answers
    assert "“topic”" in answers[0]["message"] and "“roles”" in answers[1]["message"]
    with server.db.snapshot() as s:
        assert s.get(Enquiry, enquiry["id"]) is None


def _raw_push(hall: Hall, ops: Any) -> Any:
    headers = {**hall.device.headers, "Content-Type": "application/json"}
    return hall.server.client.post("/v1/push", content=json.dumps({"ops": ops}), headers=headers)


def test_a_bad_envelope_is_answered_422_never_500(server: ServerKit, counters: CounterFactory) -> None:
    hall, opened = _real_open(server, counters)
    for change in ({"client_seq": 10**20}, {"client_seq": 2**63}, {"op_id": "a\ud800"}, {"entity_id": "x\x00"},
                   {"kind": {"k": 1}}, {"actor_id": ["a"]}, {"created_at": "\ud800"}, {"payload": "x"},
                   {"clock_skew_seconds": float("nan")}, {"clock_skew_seconds": float("inf")}):
        r = _raw_push(hall, [{**resend(opened), **change}])
        assert r.status_code == 422, (change, r.status_code, r.text[:200])
    assert status(hall.one(resend(opened))) == ("applied", None)


def test_pull_parameters_are_checked(server: ServerKit) -> None:
    device = server.enrol()
    assert server.pull(device, server.scope, cursor=10**20).status_code == 422
    assert server.pull(device, server.scope, cursor=-1).status_code == 422
    assert server.pull(device, server.scope, limit=10**20).status_code == 422
    for scope in (f"{server.scope}:../other", f"{server.scope}:staff:x", "hall:", "hall:a b", "x" * 500):
        assert server.pull(device, scope).status_code in (400, 422), scope
    for raw in ("scope=hall:%ED%A0%80", "scope=hall:%FF", "scope=hall:%00"):  # not UTF-8, a lone surrogate, NUL
        assert server.client.get(f"/v1/pull?{raw}&cursor=0", headers=device.headers).status_code in (400, 422), raw
    assert server.pull(device, "hall:0000-other").status_code == 403
    assert server.pull(device, f"{server.scope}:staff").status_code == 200
    assert server.pull(device, server.scope, cursor=2**63 - 1).status_code == 409  # ahead: told so, not 500
