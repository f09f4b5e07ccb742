"""The server checks the 补正 deadline again (#15 point 5): a correction decision whose deadline is
not after the day of the notice is refused; a correct one is kept with the case."""

from __future__ import annotations

import copy
import dataclasses

from app.dto import DecisionInput
from db.models import Case
from tests.app.kit import IntakeKit
from tests.server.kit import ServerKit, actor, login, outbox


def _correction_op(counter) -> dict:
    kit = IntakeKit(counter)
    m = max(counter.catalogue.matters(), key=lambda x: len(counter.catalogue.detail(x.id).materials))
    materials = kit.materials(m.id)
    materials[0] = dataclasses.replace(materials[0], status="missing")
    counter.intake.open_case(actor(counter), kit.request(m.id, materials=materials,
                             decision=DecisionInput("request_correction")), window_id=login(counter).window_id)
    return outbox(counter)[0]


def test_the_server_keeps_a_good_deadline_and_refuses_a_bad_one(server: ServerKit, counters) -> None:
    counter = counters.new("a")
    device = server.enrol()
    op = _correction_op(counter)
    due = op["payload"]["case"]["correction_due"]
    assert due is not None
    bad = copy.deepcopy(op)
    bad["payload"]["case"]["correction_due"] = op["payload"]["case"]["decided_at"][:10]
    body = server.push(device, [bad])
    assert [(r["status"], r["code"]) for r in body["results"]] == [("rejected", "rule_violation")]
    assert "补正期限" in body["results"][0]["message"]
    good = {**op, "client_seq": 2, "op_id": "01900000-0000-7000-8000-0000000000dd"}
    body = server.push(device, [good])
    assert body["results"][0]["status"] == "applied", body
    with server.db.snapshot() as s:
        case = s.get(Case, op["entity_id"])
        assert case is not None and case.correction_due.isoformat() == due
