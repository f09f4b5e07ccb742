"""What a decision write costs in SQL statements, and that the reference data a decision keeps
between transactions (app.context.ReferenceCache) is read afresh once it changed (issue #16).

The counts are the statements SQLAlchemy sends to the store (every cursor execute, BEGIN
included) plus COMMITs, for one decision after a first one of the session; a change that adds
statements to every decision makes these fail. benchmarks/decision_write.py lists them."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest
from sqlalchemy import text

from app.context import Actor
from app.dto import CaseView, DecisionInput
from app.errors import NotFound
from app.services import Services
from app.sync.apply import write_row
from app.sync.protocol import Entity
from db.models import Matter
from tests.app.kit import IntakeKit, statements

# reached: 16 (收件并受理) and 23 (受理 of a case received earlier); a margin of 2
OPEN_AND_ACCEPT_MAX = 18
DECIDE_MAX = 25




def _accept(services: Services, actor: Actor, kit: IntakeKit, matter_id: str) -> CaseView:
    return services.intake.open_case(actor, kit.request(matter_id), window_id=None)


def test_receive_and_accept_stays_within_its_statements(services, actor, kit: IntakeKit) -> None:
    m = kit.matter(case_type="promised")
    request = kit.request(m.id)
    services.intake.open_case(actor, request, window_id=None)  # the session's first: reads what later ones keep
    with statements(services) as seen:
        view = services.intake.open_case(actor, request, window_id=None)
    assert view.status == "accepted" and [n.kind for n in view.notices] == ["receipt", "acceptance"]
    assert len(seen) <= OPEN_AND_ACCEPT_MAX, "\n".join(seen)
    writes = [s for s in seen if not s.lstrip().upper().startswith(("SELECT", "BEGIN", "COMMIT"))]
    assert not any(s.lstrip().upper().startswith("UPDATE CASES") for s in writes), "the case is inserted as decided"
    assert sum(1 for s in seen if s == "COMMIT") == 1


def test_decision_on_a_received_case_stays_within_its_statements(services, actor, kit: IntakeKit) -> None:
    m = kit.matter(case_type="promised")
    materials = kit.materials(m.id)
    request = kit.request(m.id, decision=None)
    for _ in range(2):  # the second one is counted
        received = services.intake.open_case(actor, request, window_id=None)
        with statements(services) as seen:
            view = services.intake.decide(actor, received.id, received.version, DecisionInput("accept"), materials)
    assert view.status == "accepted"
    assert len(seen) <= DECIDE_MAX, "\n".join(seen)


def test_a_decision_sees_a_parameter_a_pull_changed(services, actor, kit: IntakeKit) -> None:
    m = kit.matter(case_type="promised")
    before = _accept(services, actor, kit, m.id)  # notify limit 5 working days, kept now
    with services.ctx.db.write() as s:  # what the sync client's pull does with a pulled parameter
        write_row(s, Entity.PARAMETER, {"key": "notify_limit_days", "value": "2"})
    received = services.intake.open_case(actor, kit.request(m.id, decision=None), window_id=None)
    calendar = services.ctx.calendar()
    assert before.notify_due == calendar.add_working_days(dt.date(2026, 3, 2), 5)
    assert received.notify_due == calendar.add_working_days(dt.date(2026, 3, 2), 2)


def test_a_decision_sees_a_parameter_the_settings_changed(services, actor, kit: IntakeKit) -> None:
    m = kit.matter(case_type="promised")
    services.intake.open_case(actor, kit.request(m.id, decision=None), window_id=None)
    admin = services.auth.login("liuyang", "demo1234")  # 中心业务科
    services.settings.set_parameter(Actor(admin.id, admin.name), "notify_limit_days", "3")
    received = services.intake.open_case(actor, kit.request(m.id, decision=None), window_id=None)
    assert received.notify_due == services.ctx.calendar().add_working_days(dt.date(2026, 3, 2), 3)


def test_a_decision_sees_a_matter_changed_by_plain_sql(services, actor, kit: IntakeKit) -> None:
    """A set-based pull writes rows with plain SQL through the store's engine: seen too."""
    m = kit.matter(case_type="promised")
    first = _accept(services, actor, kit, m.id)
    with services.ctx.db.write() as s:
        s.execute(text("UPDATE matter SET promised_days = promised_days + 7 WHERE id = :id"), {"id": m.id})
    later = _accept(services, actor, kit, m.id)
    calendar = services.ctx.calendar()
    assert first.due_date == calendar.add_working_days(dt.date(2026, 3, 2), m.promised_days)
    assert later.due_date == calendar.add_working_days(dt.date(2026, 3, 2), m.promised_days + 7)


def test_a_matter_withdrawn_by_a_pull_is_refused_at_the_next_decision(services, actor, kit: IntakeKit) -> None:
    m = kit.matter(case_type="promised")
    _accept(services, actor, kit, m.id)
    with services.ctx.db.write() as s:  # the ORM way (write_row's upsert of a matter)
        matter = s.get(Matter, m.id)
        assert matter is not None
        matter.active = False
    with pytest.raises(NotFound):
        _accept(services, actor, kit, m.id)


def test_a_change_rolled_back_leaves_the_kept_values_right(services, actor, kit: IntakeKit) -> None:
    m = kit.matter(case_type="promised")
    _accept(services, actor, kit, m.id)
    with pytest.raises(RuntimeError), services.ctx.db.write() as s:
        s.execute(text("UPDATE matter SET promised_days = 99 WHERE id = :id"), {"id": m.id})
        # read inside the open write: its own change is seen, and not kept
        assert services.ctx.matter(s, m.id).promised_days == 99  # type: ignore[union-attr]
        raise RuntimeError("the pull failed")
    later = _accept(services, actor, kit, m.id)
    assert later.due_date == services.ctx.calendar().add_working_days(dt.date(2026, 3, 2), m.promised_days)


def test_a_parameter_written_past_the_engine_is_seen(services, actor, kit: IntakeKit) -> None:
    """Another process (or a plain sqlite3 connection) changes the WAL: the kept values go."""
    m = kit.matter(case_type="promised")
    _accept(services, actor, kit, m.id)
    assert services.ctx.int_parameter("notify_limit_days") == 5
    with sqlite3.connect(services.ctx.db.path) as con:
        con.execute("INSERT OR REPLACE INTO parameter (key, value) VALUES ('notify_limit_days', '4')")
    assert services.ctx.int_parameter("notify_limit_days") == 4
    received = services.intake.open_case(actor, kit.request(m.id, decision=None), window_id=None)
    assert received.notify_due == services.ctx.calendar().add_working_days(dt.date(2026, 3, 2), 4)


def test_a_write_past_the_engine_is_seen_after_reload_reference(services, actor, kit: IntakeKit) -> None:
    m = kit.matter(case_type="promised")
    _accept(services, actor, kit, m.id)
    with sqlite3.connect(services.ctx.db.path) as con:  # not through the engine: the cache cannot know
        con.execute("UPDATE matter SET promised_days = promised_days + 3 WHERE id = ?", (m.id,))
    services.ctx.reload_reference()  # what the sync client calls after a pull changed reference data
    later = _accept(services, actor, kit, m.id)
    assert later.due_date == services.ctx.calendar().add_working_days(dt.date(2026, 3, 2), m.promised_days + 3)


def test_numbers_stay_unique_and_the_audit_chain_whole_across_decisions(services, actor, kit: IntakeKit) -> None:
    m = kit.matter(case_type="promised")
    views = [_accept(services, actor, kit, m.id) for _ in range(4)]
    numbers = [v.number for v in views] + [n.number for v in views for n in v.notices]
    assert len(set(numbers)) == len(numbers) == 12
    assert services.audit_chain.verify().ok
