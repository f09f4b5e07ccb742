"""Intake decisions under Art. 32 and the local 容缺 rules, against a real SQLite file."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import sqlite3

import pytest

from app.cases.rules import MaterialStatus
from app.dto import DecisionInput
from app.errors import IllegalTransition, InvalidInput
from tests.app.kit import VALID_ID, IntakeKit, resident_id


def _count(services, table: str) -> int:
    with sqlite3.connect(services.ctx.db.path) as c:
        return int(c.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def test_accept_writes_case_notices_audit_and_one_outbox_op(services, actor, kit: IntakeKit, clerk) -> None:
    m = kit.matter(case_type="promised")
    view = services.intake.open_case(actor, kit.request(m.id), window_id=clerk.window_id)
    assert view.status == "accepted"
    assert view.accepted_on == dt.date(2026, 3, 2)
    assert view.due_date == services.ctx.calendar().add_working_days(dt.date(2026, 3, 2), m.promised_days)
    assert [n.kind for n in view.notices] == ["receipt", "acceptance"]
    assert view.number.startswith("DEMO-01-2026C")  # standalone: marked with its window
    assert _count(services, "outbox_op") == 1
    assert _count(services, "audit_event") == 1
    op = services.ctx.db.path
    with sqlite3.connect(op) as c:
        kind, payload = c.execute("SELECT kind, payload FROM outbox_op").fetchone()
    assert kind == "case.open" and view.id in payload


def test_accept_refused_when_a_material_is_missing_and_nothing_is_written(services, actor, kit) -> None:
    m = kit.matter()
    materials = kit.materials(m.id)
    materials[0] = dataclasses.replace(materials[0], status=MaterialStatus.MISSING.value)
    with pytest.raises(InvalidInput, match="不能直接受理"):
        services.intake.open_case(actor, kit.request(m.id, materials=materials), window_id=None)
    assert _count(services, "cases") == 0
    assert _count(services, "outbox_op") == 0
    assert _count(services, "audit_event") == 0


def test_immediate_matter_is_due_the_same_day(services, actor, kit) -> None:
    m = kit.matter(case_type="immediate")
    view = services.intake.open_case(actor, kit.request(m.id), window_id=None)
    assert view.due_date == view.accepted_on == dt.date(2026, 3, 2)
    assert view.number.startswith("DEMO-01-2026J")


def _deferred_materials(kit: IntakeKit, matter_id: str) -> list:
    out = []
    for x in kit.materials(matter_id):
        out.append(dataclasses.replace(x, status="deferred") if x.deferrable else x)
    return out


def test_accept_deferred_rules(services, actor, kit, clock) -> None:
    m = kit.matter(deferral=True)
    due = services.ctx.calendar().add_working_days(clock.now().date(), m.promised_days)
    ok = DecisionInput("accept_deferred", supply_deadline=due, commitment_signed=True)
    materials = _deferred_materials(kit, m.id)
    with pytest.raises(InvalidInput, match="承诺书"):
        services.intake.open_case(actor, kit.request(m.id, materials=materials,
                                  decision=dataclasses.replace(ok, commitment_signed=False)), window_id=None)
    with pytest.raises(InvalidInput, match="不能晚于"):
        late = dataclasses.replace(ok, supply_deadline=due + dt.timedelta(days=1))
        services.intake.open_case(actor, kit.request(m.id, materials=materials, decision=late), window_id=None)
    main_missing = [dataclasses.replace(x, status="missing") if x.is_main else x for x in materials]
    with pytest.raises(InvalidInput, match="主审要件"):
        services.intake.open_case(actor, kit.request(m.id, materials=main_missing, decision=ok), window_id=None)
    view = services.intake.open_case(actor, kit.request(m.id, materials=materials, decision=ok), window_id=None)
    assert view.status == "accepted" and view.deferred_due == due
    assert "deferred" in [n.kind for n in view.notices]
    with pytest.raises(InvalidInput, match="容缺材料尚未补齐"):
        services.lifecycle.complete(actor, view.id, view.version, approved=True, result="准予")
    view = services.lifecycle.supply_deferred(actor, view.id, view.version)
    assert all(x.status == "received" for x in view.materials)


def test_deferral_refused_for_matter_not_on_the_list_and_for_dishonest_applicant(services, actor, kit, clock) -> None:
    plain = kit.matter(deferral=False)
    d = DecisionInput("accept_deferred", supply_deadline=clock.now().date(), commitment_signed=True)
    with pytest.raises(InvalidInput, match="容缺受理清单"):
        services.intake.open_case(actor, kit.request(plain.id, decision=d), window_id=None)
    import json

    from app.resources import resource_path

    hall = json.loads(resource_path("demo", "hall.json").read_text(encoding="utf-8"))
    dishonest = hall["dishonest_parties"][0]["id_number"]
    m = kit.matter(deferral=True)
    with pytest.raises(InvalidInput, match="失信"):
        services.intake.open_case(actor, kit.request(m.id, id_number=dishonest,
                                  materials=_deferred_materials(kit, m.id), decision=d), window_id=None)


def test_one_time_notice_lists_everything_and_a_second_may_not_add_checkable_items(services, actor, kit) -> None:
    m = max(services.catalogue.matters(), key=lambda x: len(services.catalogue.detail(x.id).materials))
    materials = kit.materials(m.id)
    assert len(materials) >= 3
    first = [dataclasses.replace(materials[0], status="missing"),
             dataclasses.replace(materials[1], status="defective", note="未签字"), *materials[2:]]
    view = services.intake.open_case(actor, kit.request(m.id, materials=first, decision="request_correction"),
                                     window_id=None)
    assert view.status == "correction"
    notice = next(n for n in view.notices if n.kind == "correction")
    assert set(notice.items) == {materials[0].name, materials[1].name}
    # materials[2] was received and checkable: it cannot appear in a second notice
    late = [dataclasses.replace(materials[0], status="received"), materials[1],
            dataclasses.replace(materials[2], status="defective"), *materials[3:]]
    with pytest.raises(InvalidInput, match="不得反复补正"):
        services.intake.decide(actor, view.id, view.version, DecisionInput("request_correction"), late)
    # the item missing the first time was not checkable then: it may be found defective now
    again = [dataclasses.replace(materials[0], status="defective", note="复印件不清晰"), *materials[1:]]
    view = services.intake.decide(actor, view.id, view.version, DecisionInput("request_correction"), again)
    assert view.status == "correction"
    view = services.intake.decide(actor, view.id, view.version, DecisionInput("accept"), materials)
    assert view.status == "accepted"


def test_reject_needs_reasons_basis_and_where_to_apply(services, actor, kit) -> None:
    m = kit.matter()
    bad = DecisionInput("reject", reject_category="outside_jurisdiction", reject_reason="属省级事权",
                        reject_legal_basis="《行政许可法》第三十二条")
    with pytest.raises(InvalidInput, match="有关行政机关"):
        services.intake.open_case(actor, kit.request(m.id, decision=bad), window_id=None)
    with pytest.raises(InvalidInput, match="理由"):
        services.intake.open_case(actor, kit.request(m.id, decision=dataclasses.replace(bad, reject_reason=" ")),
                                  window_id=None)
    good = dataclasses.replace(bad, redirect_to="省市场监督管理局")
    view = services.intake.open_case(actor, kit.request(m.id, decision=good), window_id=None)
    assert view.status == "rejected" and view.reject_reason == "属省级事权"
    assert "rejection" in [n.kind for n in view.notices]


def test_notify_limit_lapse_counts_as_accepted_from_receipt(services, actor, kit, clock) -> None:
    m = kit.matter(case_type="promised")
    view = services.intake.open_case(actor, kit.request(m.id, decision=None), window_id=None)
    assert view.status == "received"
    cal = services.ctx.calendar()
    assert view.notify_due == cal.add_working_days(dt.date(2026, 3, 2), 5)
    clock.at = dt.datetime.combine(view.notify_due, dt.time(16, 0))
    assert services.lifecycle.deem_lapsed() == []  # still within the limit on its last day
    clock.at = dt.datetime.combine(view.notify_due + dt.timedelta(days=1), dt.time(9, 0))
    with pytest.raises(InvalidInput, match="即为受理"):  # the decision finds it deemed accepted first
        services.intake.decide(actor, view.id, view.version, DecisionInput("request_correction"),
                               [dataclasses.replace(kit.materials(m.id)[0], status="missing")])
    assert services.lifecycle.deem_lapsed() == []  # done already, once
    after = services.intake.get(view.id)
    assert after.status == "accepted" and after.deemed_accepted
    assert after.accepted_on == dt.date(2026, 3, 2)
    assert after.due_date == cal.add_working_days(dt.date(2026, 3, 2), m.promised_days)


def test_a_lapsed_case_is_deemed_accepted_before_anyone_sees_it(services, actor, kit, clock) -> None:
    """Viewing a received case the day after its notify limit: it is a deemed acceptance, recorded
    once as the system's case.deem_accepted, and an acceptance decision on it is refused as well."""
    m = kit.matter(case_type="promised")
    view = services.intake.open_case(actor, kit.request(m.id, decision=None), window_id=None)
    clock.at = dt.datetime.combine(view.notify_due + dt.timedelta(days=1), dt.time(0, 1))
    seen = services.intake.get(view.id)
    assert (seen.status, seen.deemed_accepted, seen.accepted_on) == ("accepted", True, view.received_at.date())
    with pytest.raises(InvalidInput, match="即为受理") as refused:
        other = services.intake.open_case(actor, kit.request(m.id, decision=None), window_id=None)
        clock.at = dt.datetime.combine(other.notify_due + dt.timedelta(days=1), dt.time(9, 0))
        services.intake.decide(actor, other.id, other.version, DecisionInput("accept"), kit.materials(m.id))
    assert "无需再作受理决定" in str(refused.value)
    with sqlite3.connect(services.ctx.db.path) as con:
        kinds = [r[0] for r in con.execute("SELECT kind FROM outbox_op ORDER BY client_seq")]
    assert kinds.count("case.deem_accepted") == 2 and services.lifecycle.deem_lapsed() == []


def test_stale_version_is_refused(services, actor, kit) -> None:
    view = services.intake.open_case(actor, kit.request(kit.matter().id), window_id=None)
    services.lifecycle.suspend(actor, view.id, view.version, "专家评审")
    with pytest.raises(IllegalTransition, match="刷新"):
        services.lifecycle.suspend(actor, view.id, view.version, "再次")


def test_invalid_applicant_inputs_get_clear_messages(services, actor, kit) -> None:
    m = kit.matter()
    with pytest.raises(InvalidInput, match="校验位"):
        services.intake.open_case(actor, kit.request(m.id, id_number=VALID_BAD), window_id=None)
    with pytest.raises(InvalidInput, match="姓名"):
        services.intake.open_case(actor, kit.request(m.id, name="  "), window_id=None)
    assert _count(services, "cases") == 0


VALID_BAD = "110105194912310021"


def test_rare_character_and_long_remark_are_stored_intact(services, actor, kit) -> None:
    remark = ("申请人说明：" + "材料齐全无误。" * 800)[:5000]
    name = "王𬌗"
    view = services.intake.open_case(actor, kit.request(kit.matter().id, name=name, remark=remark), window_id=None)
    again = services.intake.get(view.id)
    assert again.applicant.name == name and len(again.remark) == 5000 and again.remark == remark
    with sqlite3.connect(services.ctx.db.path) as c:
        assert c.execute("SELECT applicant_name FROM cases").fetchone()[0] == name


def test_numbers_are_unique_and_sequential(services, actor, kit) -> None:
    m = kit.matter(case_type="promised")
    ids = [resident_id(f"110105199001{i + 10:02d}123") for i in range(1, 19)]
    numbers = [services.intake.open_case(actor, kit.request(m.id, id_number=ids[i % len(ids)]), window_id=None).number
               for i in range(30)]
    assert len(set(numbers)) == 30
    assert numbers == sorted(numbers)
    assert numbers[-1].endswith("000030")


def test_audit_trail_is_append_only(services, actor, kit) -> None:
    services.intake.open_case(actor, kit.request(kit.matter().id), window_id=None)
    with sqlite3.connect(services.ctx.db.path) as c, pytest.raises(sqlite3.DatabaseError, match="append-only"):
        c.execute("UPDATE audit_event SET summary = 'x'")
    with sqlite3.connect(services.ctx.db.path) as c, pytest.raises(sqlite3.DatabaseError, match="never deleted"):
        c.execute("DELETE FROM cases")



def test_every_notice_travels_in_the_operation_that_issued_it(services, actor, kit) -> None:
    """The server keeps the papers too: each notice row rides in the payload of its own action."""
    m = kit.matter(case_type="promised")
    view = services.intake.open_case(actor, kit.request(m.id), window_id=None)
    view = services.lifecycle.complete(actor, view.id, view.version, approved=True, result="准予登记")
    services.lifecycle.deliver(actor, view.id, view.version, recipient="李明", recipient_id=VALID_ID)
    good = DecisionInput("reject", reject_category="outside_jurisdiction", reject_reason="属省级事权",
                         reject_legal_basis="《行政许可法》第三十二条", redirect_to="省市场监督管理局")
    services.intake.open_case(actor, kit.request(m.id, decision=good), window_id=None)
    with sqlite3.connect(services.ctx.db.path) as c:
        rows = {r[0]: r[1:] for r in c.execute("SELECT number, id, case_id, kind, payload FROM notice")}
        ops = [(r[0], json.loads(r[1])) for r in c.execute("SELECT kind, payload FROM outbox_op ORDER BY client_seq")]
    shipped = [(kind, n) for kind, p in ops for n in p.get("notices", [])]
    assert sorted(n["number"] for _k, n in shipped) == sorted(rows)  # each exactly once
    for kind, n in shipped:
        notice_id, case_id, notice_kind, payload = rows[n["number"]]
        assert (n["id"], n["case_id"], n["kind"], n["payload"]) == (notice_id, case_id, notice_kind,
                                                                     json.loads(payload))
        assert kind.startswith("case.") and n["void"] is False
    kinds = {k: sorted(n["kind"] for kk, n in shipped if kk == k) for k, _n in shipped}
    assert kinds["case.complete"] == ["completion"] and kinds["case.deliver"] == ["pickup"]
