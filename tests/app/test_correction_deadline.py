"""#15 point 5: the 补正 deadline — asked in the decision (default: the hall's rectify_days working
days), stored on the case, printed on the one-time notice, and yellow/red in the ledger."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io

import pytest
from pypdf import PdfReader

from app.documents.pdf import render_pdf
from app.dto import DecisionInput, LedgerQuery
from app.errors import InvalidInput
from app.services import Services
from tests.app.kit import IntakeKit


def _correction(services: Services, actor, kit: IntakeKit, due: dt.date | None = None):
    m = max(services.catalogue.matters(), key=lambda x: len(services.catalogue.detail(x.id).materials))
    materials = kit.materials(m.id)
    materials[0] = dataclasses.replace(materials[0], status="missing")
    decision = DecisionInput("request_correction", correction_due=due)
    return services.intake.open_case(actor, kit.request(m.id, materials=materials, decision=decision),
                                     window_id=None)


def _notice_text(services: Services, view) -> str:
    notice = next(n for n in view.notices if n.kind == "correction")
    data = services.notices.notice_data(notice.id, "correction", reprint=False)
    return "".join(p.extract_text() for p in PdfReader(io.BytesIO(render_pdf(data))).pages).replace("\n", "")


def test_the_default_deadline_is_rectify_days_working_days_and_it_is_printed(services, actor, kit) -> None:
    today = services.ctx.today()
    expected = services.ctx.calendar().add_working_days(today, services.ctx.int_parameter("rectify_days"))
    assert services.intake.correction_default(today) == expected
    view = _correction(services, actor, kit)
    assert view.status == "correction"
    assert view.correction_due == expected
    text = _notice_text(services, view)
    assert f"请于{expected.year}年{expected.month}月{expected.day}日前补正" in text


def test_a_chosen_deadline_is_stored_and_printed_and_a_wrong_one_refused(services, actor, kit) -> None:
    today = services.ctx.today()
    chosen = today + dt.timedelta(days=20)
    view = _correction(services, actor, kit, chosen)
    assert view.correction_due == chosen
    assert f"请于{chosen.year}年{chosen.month}月{chosen.day}日前补正" in _notice_text(services, view)
    for bad, words in ((today, "应晚于"), (today - dt.timedelta(days=3), "应晚于"),
                       (today + dt.timedelta(days=91), "不能超过")):
        with pytest.raises(InvalidInput, match=words) as err:
            _correction(services, actor, kit, bad)
        assert err.value.field == "correction_due"


def test_the_ledger_shows_the_correction_deadline_yellow_then_red(db_path, clock, actor, kit, services) -> None:
    today = services.ctx.today()
    due = services.ctx.calendar().add_working_days(today, 1)
    view = _correction(services, actor, kit, due)
    rows = services.ledger.search(LedgerQuery(warning="yellow", limit=50))
    row = next(r for r in rows if r.id == view.id)
    assert row.warning == "yellow" and row.due_date == due
    assert view.id not in {r.id for r in services.ledger.search(LedgerQuery(warning="red", limit=50))}
    later = Services.open(db_path, type(clock)(dt.datetime.combine(due + dt.timedelta(days=1), dt.time(9))))
    try:
        red = later.ledger.search(LedgerQuery(warning="red", limit=50))
        assert next(r for r in red if r.id == view.id).warning == "red"
        assert later.lifecycle.get(view.id).warning == "red"
    finally:
        later.close()
