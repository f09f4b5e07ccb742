"""Push: real counter operations applied once, answered identically on replay, checked with the
shared domain rules; conflicts echo the server's row, rejections never block later ops."""

from __future__ import annotations

import copy
from typing import Any

from sqlalchemy import select

from app.dto import EnquiryInput
from db.models import Case, Notice, NumberBlock
from server.schema import InboxOp
from tests.server.conftest import CounterFactory
from tests.server.kit import ServerKit, actor, intake, outbox


def _statuses(body: dict[str, Any]) -> list[tuple[str, str | None]]:
    return [(r["status"], r["code"]) for r in body["results"]]


def test_real_intakes_apply_and_a_replayed_batch_gets_identical_answers(server: ServerKit, counters) -> None:
    counter = counters.new("a")
    device = server.enrol()
    views = [intake(counter), intake(counter, decision=None, name="王芳")]
    enquiry = EnquiryInput(topic="营业执照怎么办？", answer="带身份证")
    counter.enquiries.record(actor(counter), server.hall_id, None, enquiry)
    ops = outbox(counter)
    assert [o["kind"] for o in ops] == ["case.open", "case.open", "enquiry.add"]
    first = server.push(device, ops)
    assert _statuses(first) == [("applied", None)] * 3
    assert first["client_seq_high"] == 3 and first["epoch"]
    assert first["results"][0]["row"]["number"] == views[0].number
    assert {r["row"]["kind"] for r in first["results"][0]["related"]} == {"receipt", "acceptance"}
    footprint = server.footprint()
    for _ in range(3):
        again = server.push(device, ops)
        assert again["results"] == first["results"]
        assert server.footprint() == footprint
    with server.db.snapshot() as s:
        assert s.get(Case, views[0].id).status == "accepted"
        assert len(s.scalars(select(Notice)).all()) == 3


def test_same_op_under_another_client_seq_is_a_duplicate_and_a_reused_seq_is_refused(
        server: ServerKit, counters) -> None:
    counter = counters.new("a")
    device = server.enrol()
    intake(counter)
    op = outbox(counter)[0]
    assert server.push(device, [op])["results"][0]["status"] == "applied"
    moved = {**op, "client_seq": 7}
    answer = server.push(device, [moved])["results"][0]
    assert (answer["status"], answer["code"]) == ("duplicate", "op_replayed")
    assert answer["row"]["status"] == "accepted"
    other = {**op, "op_id": "01900000-0000-7000-8000-000000000000"}
    reused = server.push(device, [other])["results"][0]
    assert (reused["status"], reused["code"]) == ("rejected", "client_seq_reused")
    with server.db.snapshot() as s:
        assert len(s.scalars(select(Case)).all()) == 1
        assert sorted(i.client_seq for i in s.scalars(select(InboxOp))) == [1, 7]


def test_a_case_changed_at_another_window_is_a_conflict_echoing_the_server_row(
        server: ServerKit, counters: CounterFactory) -> None:
    a = counters.new("a")
    view = intake(a, decision=None)  # received, decide later
    b = counters.new("b", source=a.ctx.db.path)  # the same case, at another window
    a.intake.decide(actor(a), view.id, view.version, _accept(), _materials(a, view.id))
    b.lifecycle.void(actor(b, "liqiang"), view.id, view.version, "申请人撤回申请")
    dev_a, dev_b = server.enrol("01"), server.enrol("02")
    assert _statuses(server.push(dev_a, outbox(a))) == [("applied", None)] * 2
    body = server.push(dev_b, outbox(b))
    assert _statuses(body) == [("duplicate", "op_replayed"), ("conflict", "state_mismatch")]
    echoed = body["results"][1]
    assert echoed["row"]["status"] == "accepted" and echoed["row"]["version"] == 2
    assert "已受理办理中" in echoed["message"]
    assert {r["row"]["kind"] for r in echoed["related"]} == {"receipt", "acceptance"}


def _accept():
    from app.dto import DecisionInput

    return DecisionInput(action="accept")


def _materials(services, case_id: str):
    from app.cases.rules import MaterialCheck

    view = services.intake.get(case_id)
    return [MaterialCheck(m.name, m.is_main, m.deferrable, "received", m.originals, m.copies, m.note)
            for m in view.materials]


def _illegal_deliver(op: dict[str, Any]) -> dict[str, Any]:
    bad = copy.deepcopy(op)
    bad.update(op_id="01900000-0000-7000-8000-0000000000aa", client_seq=op["client_seq"] + 1, kind="case.deliver")
    bad["payload"].update({"from": "accepted", "to": "delivered"})
    bad["payload"]["case"].update(status="delivered", version=3)
    bad["payload"].pop("notices", None)
    return bad


def test_an_illegal_transition_is_rejected_and_does_not_block_the_next_op(server: ServerKit, counters) -> None:
    counter = counters.new("a")
    device = server.enrol()
    intake(counter)
    opened = outbox(counter)[0]
    bad = _illegal_deliver(opened)
    intake(counter, name="王芳")
    second = {**outbox(counter)[1], "client_seq": bad["client_seq"] + 1}
    body = server.push(device, [opened, bad, second])
    assert _statuses(body) == [("applied", None), ("rejected", "illegal_transition"), ("applied", None)]
    assert "不能执行“出件”" in body["results"][1]["message"]
    assert body["results"][1]["row"]["status"] == "accepted"  # the authoritative row, unchanged


def test_the_server_checks_the_intake_rules_and_the_actor_again(server: ServerKit, counters) -> None:
    counter = counters.new("a")
    device = server.enrol()
    intake(counter)
    op = outbox(counter)[0]
    missing = copy.deepcopy(op)
    missing["payload"]["case"]["materials"][0]["status"] = "missing"
    body = server.push(device, [missing])
    assert _statuses(body) == [("rejected", "rule_violation")]
    assert "不能直接受理" in body["results"][0]["message"]
    stranger = {**copy.deepcopy(op), "client_seq": 2, "op_id": "01900000-0000-7000-8000-0000000000bb",
                "actor_id": "01900000-0000-7000-8000-0000000000cc"}
    assert _statuses(server.push(device, [stranger])) == [("rejected", "not_authorised")]
    with server.db.snapshot() as s:
        assert s.scalars(select(Case)).all() == []


def test_a_notice_number_taken_by_another_device_is_a_conflict(server: ServerKit, counters) -> None:
    a = counters.new("a")
    b = counters.new("b")
    with b.ctx.db.write() as s:  # b's case numbers differ, its notice numbers do not (both standalone at 01)
        s.add_all(NumberBlock(id=f"blk-{t}", kind=f"case-{t}", year=2026, first=500, last=999, next_value=500,
                              source="station:01", leased_at=a.ctx.clock.now())
                  for t in ("immediate", "promised", "joint", "referred"))
    intake(a)
    mine = intake(b, name="王芳")
    dev_a, dev_b = server.enrol("01"), server.enrol("02")
    assert _statuses(server.push(dev_a, outbox(a))) == [("applied", None)]
    body = server.push(dev_b, outbox(b))
    assert _statuses(body) == [("conflict", "number_taken")]
    answer = body["results"][0]
    assert answer["row"] is None  # the server has no such case
    clash = answer["related"][0]["row"]
    assert clash["number"] == "DEMO-01-2026-SJ000001" and clash["case_id"] != mine.id
    with server.db.snapshot() as s:
        assert s.get(Case, mine.id) is None


def test_ops_without_notice_rows_are_accepted(server: ServerKit, counters) -> None:
    counter = counters.new("a")
    device = server.enrol()
    intake(counter)
    op = copy.deepcopy(outbox(counter)[0])
    op["payload"].pop("notices", None)
    assert _statuses(server.push(device, [op])) == [("applied", None)]
    with server.db.snapshot() as s:
        assert s.scalars(select(Notice)).all() == []


def test_suspend_resume_and_append_only_enquiries(server: ServerKit, counters) -> None:
    counter = counters.new("a")
    device = server.enrol()
    view = intake(counter)
    who = actor(counter)
    view = counter.lifecycle.suspend(who, view.id, view.version, "组织专家评审")
    counter.lifecycle.resume(who, view.id, view.version)
    counter.enquiries.record(who, server.hall_id, None, EnquiryInput(topic="咨询"))
    ops = outbox(counter)
    assert _statuses(server.push(device, ops)) == [("applied", None)] * 4
    rows, _ = server.pull_all(device, server.scope)
    suspensions = [r for (entity, _), r in rows.items() if entity == "suspension"]
    assert [(r["reason"], r["ended_on"]) for r in suspensions] == [("组织专家评审", "2026-03-02")]
    changed = copy.deepcopy(ops[-1])
    changed.update(op_id="01900000-0000-7000-8000-0000000000dd", client_seq=99)
    changed["payload"]["topic"] = "改过的内容"
    answer = server.push(device, [changed])["results"][0]
    assert (answer["status"], answer["code"]) == ("conflict", "already_exists")
    assert answer["row"]["topic"] == "咨询"
