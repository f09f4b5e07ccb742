"""A received case lapses at midnight while the app keeps running: the watcher deems it accepted
(Art. 32) without a restart, once, and the ledger then lists it as accepted."""

from __future__ import annotations

import datetime as dt

from app.dto import LedgerQuery
from app.services import Services
from tests.app.kit import IntakeKit
from ui.cases.lapse_watcher import LapseWatcher


def test_the_day_turning_over_deems_lapsed_cases_while_the_app_runs(qtbot, services: Services, runner, actor,
                                                                     clock, wait_idle) -> None:
    kit = IntakeKit(services)
    view = services.intake.open_case(actor, kit.request(kit.matter(case_type="promised").id, decision=None),
                                     window_id=None)
    clock.at = dt.datetime.combine(view.notify_due, dt.time(23, 59, 30))  # the last day of the limit
    watcher = LapseWatcher(services, runner, interval_ms=20)
    deemed: list[list[str]] = []
    watcher.cases_deemed.connect(deemed.append)
    watcher.start()
    wait_idle()
    qtbot.wait(100)  # several ticks on the same day: nothing to do
    assert deemed == [] and watcher.checked_on == view.notify_due
    clock.at = dt.datetime.combine(view.notify_due + dt.timedelta(days=1), dt.time(0, 0, 30))  # past midnight
    with qtbot.waitSignal(watcher.cases_deemed, timeout=5000):
        pass
    wait_idle()
    assert deemed == [[view.id]]
    rows = services.ledger.search(LedgerQuery(text=view.number))
    assert [(r.id, r.status) for r in rows] == [(view.id, "accepted")]
    qtbot.wait(100)
    assert deemed == [[view.id]]  # once
