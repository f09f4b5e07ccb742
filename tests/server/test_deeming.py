"""视为受理 on the server (#15 point 6): received cases the server holds become deemed accepted once
their notify limit has passed, and a decision a counter made in time while offline still stands."""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt

from app.clock import FixedClock
from app.dto import DecisionInput
from db.models import Case
from server.deeming import deem_all_halls, deem_lapsed
from tests.app.kit import IntakeKit
from tests.server.kit import ServerKit, actor, intake, login, outbox


def _received(server: ServerKit, counter, device):
    view = intake(counter, decision=None)
    body = server.push(device, outbox(counter))
    assert [r["status"] for r in body["results"]] == ["applied"]
    return view


def _held(server: ServerKit, case_id: str) -> Case:
    with server.db.snapshot() as s:
        case = s.get(Case, case_id)
        assert case is not None
        s.expunge(case)
        return case


def _utc(day: dt.date, hour: int = 9) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour)) - dt.timedelta(hours=8)


def test_a_lapsed_received_case_is_deemed_accepted_on_the_server_and_pulled(server: ServerKit, counters) -> None:
    counter = counters.new("a")
    device = server.enrol()
    view = _received(server, counter, device)
    assert deem_lapsed(server.db, server.hall_id, _utc(view.notify_due)) == []  # the last day is still in time
    cursor = server.pull(device, server.scope).json()["next_cursor"]
    assert deem_all_halls(server.db, _utc(view.notify_due + dt.timedelta(days=1))) == 1
    case = _held(server, view.id)
    assert (case.status, case.deemed_accepted, case.accepted_on) == ("accepted", True, case.received_on)
    assert case.due_date is not None and case.due_date > case.received_on
    assert case.version == view.version + 1
    changes = server.pull(device, server.scope, cursor=cursor).json()["changes"]
    assert [(c["entity"], c["row"]["status"]) for c in changes] == [("case", "accepted")]
    assert deem_all_halls(server.db, _utc(view.notify_due + dt.timedelta(days=2))) == 0  # once


def test_a_decision_made_in_time_offline_stands_over_the_servers_deeming(server: ServerKit, counters) -> None:
    counter = counters.new("a")
    device = server.enrol()
    view = _received(server, counter, device)
    assert isinstance(counter.ctx.clock, FixedClock)
    counter.ctx.clock.at = dt.datetime.combine(view.notify_due, dt.time(16))  # the last day, offline
    kit = IntakeKit(counter)
    materials = kit.materials(view.matter_id)
    materials[0] = dataclasses.replace(materials[0], status="missing")
    counter.intake.decide(actor(counter), view.id, view.version, DecisionInput("request_correction"), materials)
    decision = outbox(counter, after=1)
    assert [o["kind"] for o in decision] == ["case.decide"]
    server.clock.at = _utc(view.notify_due + dt.timedelta(days=3)).replace(tzinfo=dt.UTC)  # the server's today
    deem_lapsed(server.db, server.hall_id, _utc(view.notify_due + dt.timedelta(days=3)))
    assert _held(server, view.id).status == "accepted"

    late = copy.deepcopy(decision[0])  # the same decision, but made after the limit: the deeming stands
    late["created_at"] = dt.datetime.combine(view.notify_due + dt.timedelta(days=1), dt.time(9)).isoformat()
    late["op_id"], late["client_seq"] = "01900000-0000-7000-8000-0000000000ee", 90
    body = server.push(device, [late])
    assert [(r["status"], r["code"]) for r in body["results"]] == [("conflict", "state_mismatch")]

    body = server.push(device, decision)
    assert [r["status"] for r in body["results"]] == ["applied"], body
    case = _held(server, view.id)
    assert (case.status, case.deemed_accepted, case.accepted_on) == ("correction", False, None)
    assert case.correction_due is not None


def test_a_counters_own_deeming_of_a_case_the_server_deemed_is_a_duplicate(server: ServerKit, counters) -> None:
    counter = counters.new("a")
    device = server.enrol()
    view = _received(server, counter, device)
    later = view.notify_due + dt.timedelta(days=1)
    deem_lapsed(server.db, server.hall_id, _utc(later))
    assert isinstance(counter.ctx.clock, FixedClock)
    counter.ctx.clock.at = dt.datetime.combine(later, dt.time(10))
    assert counter.intake.deem_lapsed() == [view.id]
    ops = outbox(counter, after=1)
    assert [o["kind"] for o in ops] == ["case.deem_accepted"]
    body = server.push(device, ops)
    assert [(r["status"], r["code"]) for r in body["results"]] == [("duplicate", "superseded")]
    assert body["results"][0]["row"]["status"] == "accepted"
    assert login(counter).window_id  # the counter is still signed in to its window
