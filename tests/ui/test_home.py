"""The clerk's home on a real SQLite file: greeting, counts, and red/yellow warnings that follow
the working calendar as the clock moves."""

from __future__ import annotations

import datetime as dt
import sys
import types

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QDialog, QLabel, QStackedWidget, QTableWidget

from app.cases.rules import MaterialCheck
from app.context import Actor
from app.dto import Applicant, DecisionInput, EnquiryInput, IntakeRequest, MatterSummary
from app.services import Services
from ui.home.home_widget import HomeWidget

VALID_ID = "11010519491231002X"
ACCEPT_DAY = dt.date(2026, 3, 2)


def _promised_matter(services: Services) -> MatterSummary:
    # at least 3 days, so "2 working days left" exists between acceptance and the due date
    return next(m for m in services.catalogue.matters() if m.case_type == "promised" and m.promised_days >= 3)


def _open_case(services: Services, actor: Actor, matter_id: str, *, decision: DecisionInput | None):
    materials = tuple(
        MaterialCheck(t.name, t.is_main, t.deferrable, "received", t.originals, t.copies, material_id=t.id)
        for t in services.catalogue.detail(matter_id).materials
    )
    request = IntakeRequest(
        matter_id=matter_id, applicant=Applicant("person", "李明", VALID_ID, "13800138000"),
        materials=materials, decision=decision,
    )
    return services.intake.open_case(actor, request, window_id=None)


def _home(qtbot, services, runner, clerk, wait_idle) -> HomeWidget:
    w = HomeWidget(services, runner, clerk)
    qtbot.addWidget(w)
    w.resize(1366, 700)
    w.show()
    w.refresh()
    wait_idle()
    return w


def _tile(w: HomeWidget, key: str) -> str:
    return w.findChild(QLabel, "tile_" + key + "_value").text()


def _numbers(table: QTableWidget) -> list[str]:
    return [table.item(r, 0).text() for r in range(table.rowCount())]


def _shows_table(table: QTableWidget) -> bool:
    stack = table.parentWidget()
    assert isinstance(stack, QStackedWidget)
    return stack.currentWidget() is table


def _at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(9, 30))


def test_greeting_in_chinese_and_counts(qtbot, services, runner, clerk, actor, wait_idle):
    w = _home(qtbot, services, runner, clerk, wait_idle)
    greeting = w.findChild(QLabel, "homeGreeting").text()
    assert clerk.name in greeting
    assert clerk.window_label in greeting
    assert "2026年3月2日 星期一" in greeting
    assert "上午好" in greeting
    hints = w.findChild(QLabel, "homeHints").text()
    assert "F2 新收件" in hints and "F4 首问登记" in hints and "Ctrl+L 锁屏" in hints
    before = {key: int(_tile(w, key)) for key in ("received", "accepted", "enquiries")}

    matter = _promised_matter(services)
    _open_case(services, actor, matter.id, decision=None)
    _open_case(services, actor, matter.id, decision=DecisionInput(action="accept"))
    services.enquiries.record(actor, clerk.hall_id, clerk.window_id, EnquiryInput(topic="咨询社保卡补办"))
    w.refresh()
    wait_idle()

    assert int(_tile(w, "received")) == before["received"] + 1
    assert int(_tile(w, "accepted")) == before["accepted"] + 1
    assert int(_tile(w, "enquiries")) == before["enquiries"] + 1
    assert w.findChild(QLabel, "homeRedEmpty").text() == "暂无超期办件"
    assert not _shows_table(w.findChild(QTableWidget, "homeRedTable"))


def test_overdue_case_shows_in_red_table(qtbot, services, runner, clerk, actor, clock, wait_idle):
    matter = _promised_matter(services)
    view = _open_case(services, actor, matter.id, decision=DecisionInput(action="accept"))
    calendar = services.ctx.calendar()
    due = calendar.add_working_days(ACCEPT_DAY, matter.promised_days)
    assert view.due_date == due
    clock.at = _at(calendar.add_working_days(due, 1))

    w = _home(qtbot, services, runner, clerk, wait_idle)
    red = w.findChild(QTableWidget, "homeRedTable")
    assert view.number in _numbers(red)
    assert _shows_table(red)
    row = _numbers(red).index(view.number)
    assert red.item(row, 1).text() == matter.name
    assert red.item(row, 2).text() == "李明"
    assert red.item(row, 4).text() == due.isoformat()
    assert "已超 1 个工作日" in red.item(row, 5).text()
    assert view.number not in _numbers(w.findChild(QTableWidget, "homeYellowTable"))


def test_yellow_exactly_within_warning_window(qtbot, services, runner, clerk, actor, clock, wait_idle):
    matter = _promised_matter(services)
    view = _open_case(services, actor, matter.id, decision=DecisionInput(action="accept"))
    calendar = services.ctx.calendar()
    due = view.due_date
    one_left = calendar.add_working_days(ACCEPT_DAY, matter.promised_days - 1)
    two_left = calendar.add_working_days(ACCEPT_DAY, matter.promised_days - 2)
    assert calendar.add_working_days(one_left, 1) == due
    assert calendar.add_working_days(two_left, 2) == due

    clock.at = _at(two_left)  # default yellow window is 1 working day: not yet
    w = _home(qtbot, services, runner, clerk, wait_idle)
    yellow = w.findChild(QTableWidget, "homeYellowTable")
    assert view.number not in _numbers(yellow)
    assert w.findChild(QLabel, "homeYellowEmpty").text() == "暂无即将到期办件"

    clock.at = _at(one_left)
    w.refresh()
    wait_idle()
    assert view.number in _numbers(yellow)
    assert _shows_table(yellow)
    row = _numbers(yellow).index(view.number)
    assert "剩 1 个工作日" in yellow.item(row, 5).text()
    assert view.number not in _numbers(w.findChild(QTableWidget, "homeRedTable"))

    clock.at = _at(due)
    w.refresh()
    wait_idle()
    assert "今日到期" in yellow.item(_numbers(yellow).index(view.number), 5).text()


class _FakeCaseDialog(QDialog):
    case_changed = Signal(str)
    decide_requested = Signal(str)
    opened: list[str] = []  # noqa: RUF012 - a record for the test

    def __init__(self, services, runner, staff, case_id, parent=None) -> None:
        super().__init__(parent)
        self.case_id = case_id
        _FakeCaseDialog.opened.append(case_id)


def test_double_click_opens_case_dialog_and_relays_signals(
    qtbot, services, runner, clerk, actor, clock, wait_idle, monkeypatch
):
    module = types.ModuleType("ui.cases.case_dialog")
    module.CaseDialog = _FakeCaseDialog
    monkeypatch.setitem(sys.modules, "ui.cases.case_dialog", module)
    _FakeCaseDialog.opened.clear()
    matter = _promised_matter(services)
    view = _open_case(services, actor, matter.id, decision=DecisionInput(action="accept"))
    clock.at = _at(services.ctx.calendar().add_working_days(view.due_date, 1))
    w = _home(qtbot, services, runner, clerk, wait_idle)
    red = w.findChild(QTableWidget, "homeRedTable")
    row = _numbers(red).index(view.number)

    rect = red.visualItemRect(red.item(row, 1))
    qtbot.mouseClick(red.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(red.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.waitUntil(lambda: _FakeCaseDialog.opened == [view.id])
    dialog = w._dialog
    assert isinstance(dialog, _FakeCaseDialog)
    with qtbot.waitSignal(w.case_changed) as changed:
        dialog.case_changed.emit(view.id)
    assert changed.args == [view.id]
    with qtbot.waitSignal(w.decide_requested) as decide:
        dialog.decide_requested.emit(view.id)
    assert decide.args == [view.id]
    dialog.reject()


def test_greeting_follows_the_time_of_day() -> None:
    from ui.home.home_widget import greeting

    expected = ["上午好", "上午好", "下午好", "下午好", "晚上好", "晚上好"]
    assert [greeting(h) for h in (8, 11, 12, 17, 18, 23)] == expected
