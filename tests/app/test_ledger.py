"""Ledger search and deadline colours."""

from __future__ import annotations

import datetime as dt

from app.dto import Applicant, IntakeRequest, LedgerQuery
from tests.app.kit import IntakeKit, resident_id


def test_search_by_number_name_id_substring_and_status(services, actor, kit: IntakeKit) -> None:
    m = kit.matter(case_type="promised")
    a = services.intake.open_case(actor, kit.request(m.id, name="欧阳娜娜"), window_id=None)
    other_id = resident_id("32010619880212345")
    b = services.intake.open_case(actor, kit.request(m.id, name="张三", id_number=other_id, decision=None),
                                  window_id=None)
    org = IntakeRequest(m.id, Applicant("org", "示范县青禾农业科技有限公司", "91350100M000100Y43", "",
                                        "赵刚"), tuple(kit.materials(m.id)), decision=None)
    c = services.intake.open_case(actor, org, window_id=None)

    def ids(**kw) -> set[str]:
        return {r.id for r in services.ledger.search(LedgerQuery(**kw))}

    assert ids(text=a.number) == {a.id}
    assert ids(text=a.query_code) == {a.id}
    assert ids(text="欧阳") == {a.id}  # name prefix
    assert ids(text="张三") == {b.id}
    assert ids(text=other_id) == {b.id}
    assert ids(text="青禾农业") == {c.id}  # substring via trigram index
    assert ids(status="received") == {b.id, c.id}
    assert ids(matter_id=m.id) == {a.id, b.id, c.id}
    assert ids(date_from=dt.date(2026, 3, 3)) == set()
    assert ids(date_from=dt.date(2026, 3, 2), date_to=dt.date(2026, 3, 2)) == {a.id, b.id, c.id}


def test_yellow_then_red(services, actor, kit, clock) -> None:
    cal = services.ctx.calendar()
    m = kit.matter(case_type="promised")
    view = services.intake.open_case(actor, kit.request(m.id), window_id=None)
    assert view.warning == ""
    day_before = cal.add_working_days(dt.date(2026, 3, 2), m.promised_days - 1)
    clock.at = dt.datetime.combine(day_before, dt.time(9))
    assert services.intake.get(view.id).warning == "yellow"
    assert [r.id for r in services.ledger.search(LedgerQuery(warning="yellow"))] == [view.id]
    assert services.ledger.search(LedgerQuery(warning="red")) == []
    clock.at = dt.datetime.combine(view.due_date, dt.time(17))
    assert services.intake.get(view.id).warning == "yellow"
    clock.at = dt.datetime.combine(view.due_date + dt.timedelta(days=1), dt.time(9))
    assert services.intake.get(view.id).warning == "red"
    home = services.ledger.home(services.auth.login("zhangmin", "demo1234").hall_id)
    assert [r.id for r in home.red] == [view.id]


def test_received_case_warns_on_the_notify_limit(services, actor, kit, clock) -> None:
    view = services.intake.open_case(actor, kit.request(kit.matter().id, decision=None), window_id=None)
    clock.at = dt.datetime.combine(view.notify_due, dt.time(9))
    assert services.intake.get(view.id).warning == "yellow"
    assert [r.id for r in services.ledger.search(LedgerQuery(warning="yellow"))] == [view.id]
