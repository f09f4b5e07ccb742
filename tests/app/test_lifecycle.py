"""After acceptance: suspension, completion, pickup, voiding; illegal steps refused."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest

from app.cases.rules import TRANSITIONS, Action, CaseStatus, next_status
from app.errors import IllegalTransition, InvalidInput
from tests.app.kit import VALID_ID, IntakeKit


def test_suspension_does_not_count_and_full_path_to_pickup(services, actor, kit: IntakeKit, clock) -> None:
    cal = services.ctx.calendar()
    view = services.intake.open_case(actor, kit.request(kit.matter(case_type="promised").id), window_id=None)
    due0 = view.due_date
    with pytest.raises(InvalidInput, match="暂停计时原因"):
        services.lifecycle.suspend(actor, view.id, view.version, "  ")
    view = services.lifecycle.suspend(actor, view.id, view.version, "现场核查（不计入办理时限）")
    assert view.status == "suspended" and view.warning == ""
    clock.at = dt.datetime.combine(cal.add_working_days(clock.at.date(), 3), dt.time(10))
    view = services.lifecycle.resume(actor, view.id, view.version)
    assert view.status == "accepted"
    assert view.due_date == cal.add_working_days(due0, 3)
    with pytest.raises(IllegalTransition, match="不能执行“出件”"):
        services.lifecycle.deliver(actor, view.id, view.version, recipient="李明", recipient_id=VALID_ID)
    with pytest.raises(InvalidInput, match="办理结果"):
        services.lifecycle.complete(actor, view.id, view.version, approved=True, result="")
    view = services.lifecycle.complete(actor, view.id, view.version, approved=True, result="准予登记，核发营业执照")
    assert view.status == "completed" and view.approved is True
    with pytest.raises(InvalidInput):
        services.lifecycle.deliver(actor, view.id, view.version, recipient="李明", recipient_id="123")
    view = services.lifecycle.deliver(actor, view.id, view.version, recipient="李明", recipient_id=VALID_ID)
    assert view.status == "delivered" and view.recipient_name == "李明"
    steps = [e.action for e in services.ledger.timeline(view.id)]
    assert steps == ["case.open", "case.suspend", "case.resume", "case.complete", "case.deliver"]
    with sqlite3.connect(services.ctx.db.path) as c:
        ops = [r[0] for r in c.execute("SELECT kind FROM outbox_op ORDER BY client_seq")]
        suspension = c.execute("SELECT working_days, ended_on FROM suspension").fetchone()
    assert ops == steps
    assert suspension[0] == 3 and suspension[1] is not None


def test_void_needs_a_reason_and_ends_the_case(services, actor, chief, kit) -> None:
    view = services.intake.open_case(actor, kit.request(kit.matter().id), window_id=None)
    with pytest.raises(InvalidInput, match="作废原因"):
        services.lifecycle.void(chief, view.id, view.version, "")
    view = services.lifecycle.void(chief, view.id, view.version, "申请人撤回申请")
    assert view.status == "voided" and view.allowed_actions == ()
    with pytest.raises(IllegalTransition):
        services.lifecycle.suspend(actor, view.id, view.version, "x")


@pytest.mark.parametrize("state", list(CaseStatus))
def test_every_action_outside_the_table_is_refused(state: CaseStatus) -> None:
    for action in Action:
        if action in TRANSITIONS[state]:
            assert next_status(state.value, action) == TRANSITIONS[state][action]
        else:
            with pytest.raises(IllegalTransition):
                next_status(state.value, action)


def test_terminal_states_allow_nothing() -> None:
    for state in (CaseStatus.DELIVERED, CaseStatus.REJECTED, CaseStatus.VOIDED):
        assert TRANSITIONS[state] == {}
