"""The server applies the permission table again to every pushed op, generated: every op kind ×
every role, on SQLite and PostgreSQL. The ops are crafted (an enrolled device may send anything):
a real accepted case of window 01 exists on the server, and zhangmin (window 01, 市场监管) is given
exactly one role there; each op names zhangmin as its actor. A refusal is ``rejected`` /
``not_permitted`` saying who may; a permitted op goes on to the op's own checks (applied, or some
other answer), never not_permitted."""

from __future__ import annotations

import uuid
from itertools import count
from typing import Any

import pytest
from sqlalchemy import select, update

from app.permissions import PERMISSIONS, Role, who_may
from app.sync.protocol import OP_PERMISSIONS, STAFF_SET_ROLES, SYSTEM_KINDS
from db.models import Staff
from server.schema import StaffRoleChange
from tests.server.kit import Device, ServerKit, intake, outbox

SEQ = count(100)


def _staff(server: ServerKit) -> dict[str, Staff]:
    with server.db.snapshot() as s:
        rows = s.scalars(select(Staff)).all()
        for r in rows:
            s.expunge(r)
        return {r.login: r for r in rows}


def _give(server: ServerKit, login: str, roles: str) -> None:
    with server.db.write() as s:
        s.execute(update(Staff).where(Staff.login == login).values(roles=roles, role=roles.split()[0]))


def _op(kind: str, entity_id: str, actor_id: str, payload: dict[str, Any],
        created_at: str = "2026-03-02T09:31:00") -> dict[str, Any]:
    return {"op_id": str(uuid.uuid4()), "client_seq": next(SEQ), "kind": kind, "entity_id": entity_id,
            "actor_id": actor_id, "created_at": created_at, "payload": payload}


@pytest.fixture
def hall(server: ServerKit, counters) -> tuple[ServerKit, Device, dict[str, Any], dict[str, Staff]]:
    counter = counters.new("a")
    device = server.enrol("01")
    intake(counter)  # zhangmin, window 01, accepted
    first = server.push(device, outbox(counter))
    assert first["results"][0]["status"] == "applied"
    return server, device, first["results"][0]["row"], _staff(server)


def _crafted(kind: str, case: dict[str, Any], staff: dict[str, Staff]) -> dict[str, Any]:
    me = staff["zhangmin"].id
    if kind == STAFF_SET_ROLES:
        other = staff["wangfang"]
        return _op(kind, other.id, me, {"staff_id": other.id, "roles_before": other.roles,
                                        "roles": ["clerk", "chief"], "reason": "任命"})
    if kind == "enquiry.add":
        eid = str(uuid.uuid4())
        return _op(kind, eid, me, {"id": eid, "hall_id": case["hall_id"], "window_id": case["window_id"],
                                   "staff_id": me, "at": "2026-03-02T09:31:00", "topic": "咨询", "answer": "",
                                   "visitor": "", "phone": "", "matter_id": None, "referred_window": ""})
    if kind in ("number.void", "notice.void"):  # of the schema (server.validation), so the permission is judged
        vid = str(uuid.uuid4())
        row = {"id": vid, "hall_id": case["hall_id"], "number": f"{case['number'].split('-')[0]}-SJ-2026-000999",
               "kind": "receipt", "year": 2026, "serial": 999, "window_id": case["window_id"], "case_id": None,
               "notice_id": None, "category": "skipped", "reason": "跳号", "voided_at": "2026-03-02T09:31:00",
               "voided_by": me, "requested_by": None, "replaced_by": ""}
        if kind == "number.void":
            return _op(kind, vid, me, row)
        return _op(kind, case["id"], me, {"case_id": case["id"], "notice": {"id": str(uuid.uuid4())},
                                          "void_number": {**row, "case_id": case["id"]}})
    return _op(kind, case["id"], me, {"from": case["status"], "to": "suspended", "case": case, "reason": "核查"})


def test_every_pushed_kind_needs_a_permission() -> None:
    from server.push import _handler

    kinds = [k for k in OP_PERMISSIONS] + list(SYSTEM_KINDS)
    assert all(_handler(k) is not None for k in kinds)
    assert set(OP_PERMISSIONS.values()) <= set(PERMISSIONS)


@pytest.mark.parametrize("kind", sorted(OP_PERMISSIONS))
def test_every_kind_every_role(hall, kind: str) -> None:
    server, device, case, staff = hall
    action = OP_PERMISSIONS[kind]
    for role in Role:
        _give(server, "zhangmin", role.value)
        answer = server.push(device, [_crafted(kind, case, staff)])["results"][0]
        if role in PERMISSIONS[action].grants:
            assert answer["code"] != "not_permitted", (kind, role, answer)
        else:
            assert (answer["status"], answer["code"]) == ("rejected", "not_permitted"), (kind, role, answer)
            assert who_may(action) in answer["message"] and "张敏" in answer["message"]


def test_a_chief_cannot_act_outside_their_department_nor_a_clerk_outside_their_window(hall, counters) -> None:
    server, device, case, staff = hall
    void = {"from": "accepted", "to": "voided", "reason": "录入错误",
            "case": {**case, "status": "voided", "version": case["version"] + 1, "void_reason": "录入错误"}}
    chenjing = staff["chenjing"]  # 首席代表 of 自然资源
    answer = server.push(device, [{**_op("case.void", case["id"], chenjing.id, void)}])["results"][0]
    assert (answer["status"], answer["code"]) == ("rejected", "not_permitted") and "本部门" in answer["message"]
    # wangfang (window 03) pushing from window 03's PC: window 01's case is not hers
    other_device = server.enrol("03")
    step = {"from": "accepted", "to": "suspended", "case": case, "reason": "核查"}
    answer = server.push(other_device, [_op("case.suspend", case["id"], staff["wangfang"].id, step)])["results"][0]
    assert (answer["status"], answer["code"]) == ("rejected", "not_permitted")
    # the department's chief may
    answer = server.push(device, [_op("case.void", case["id"], staff["liqiang"].id, void)])["results"][0]
    assert answer["status"] == "applied", answer


def test_an_op_is_judged_by_the_roles_held_when_it_was_made(hall) -> None:
    server, device, case, staff = hall
    admin, liqiang = staff["admin"], staff["liqiang"]
    # the admin takes the chief role from liqiang at server time 01:30 UTC (09:30 in the hall)
    demote = _op(STAFF_SET_ROLES, liqiang.id, admin.id, {"staff_id": liqiang.id, "roles_before": "chief",
                                                         "roles": ["clerk"], "reason": "调离首席代表岗位"})
    assert server.push(device, [demote])["results"][0]["status"] == "applied"
    with server.db.snapshot() as s:
        change = s.scalars(select(StaffRoleChange)).one()
        assert (change.roles_before, change.roles_after, change.changed_by) == ("chief", "clerk", admin.id)
        assert s.get(Staff, liqiang.id).roles == "clerk"
    void = {"from": "accepted", "to": "voided", "reason": "录入错误",
            "case": {**case, "status": "voided", "version": case["version"] + 1, "void_reason": "录入错误"}}
    later = server.push(device, [_op("case.void", case["id"], liqiang.id, void, "2026-03-02T09:40:00")])
    assert later["results"][0]["code"] == "not_permitted"
    # made offline at 09:20, before the change, pushed now: still the chief's to make
    before = server.push(device, [_op("case.void", case["id"], liqiang.id, void, "2026-03-02T09:20:00")])
    assert before["results"][0]["status"] == "applied", before["results"][0]
    # the staff scope carries the change to every counter
    rows, _ = server.pull_all(device, f"hall:{server.hall_id}:staff")
    assert rows[("staff", liqiang.id)]["roles"] == "clerk"


def test_role_changes_are_checked_field_by_field(hall) -> None:
    server, device, _, staff = hall
    admin, target = staff["admin"], staff["wangfang"]
    bad = [
        {"staff_id": target.id, "roles_before": "clerk", "roles": ["boss"], "reason": "x"},
        {"staff_id": target.id, "roles_before": "clerk", "roles": [], "reason": "x"},
        {"staff_id": target.id, "roles_before": "clerk", "roles": "chief", "reason": "x"},
        {"staff_id": {"id": 1}, "roles_before": "clerk", "roles": ["chief"], "reason": "x"},
        {"staff_id": target.id, "roles_before": "clerk", "roles": ["chief"], "reason": 7},
    ]
    for payload in bad:
        answer = server.push(device, [_op(STAFF_SET_ROLES, target.id, admin.id, payload)])["results"][0]
        assert (answer["status"], answer["code"]) == ("rejected", "invalid_payload"), payload
    stale = {"staff_id": target.id, "roles_before": "chief", "roles": ["clerk", "chief"], "reason": "任命"}
    answer = server.push(device, [_op(STAFF_SET_ROLES, target.id, admin.id, stale)])["results"][0]
    assert (answer["status"], answer["code"]) == ("conflict", "state_mismatch")
    own = {"staff_id": admin.id, "roles_before": "admin", "roles": ["admin", "leader"], "reason": "x"}
    answer = server.push(device, [_op(STAFF_SET_ROLES, admin.id, admin.id, own)])["results"][0]
    assert answer["code"] == "not_permitted" and "本人" in answer["message"]
