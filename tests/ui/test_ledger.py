"""The ledger (台账) as the clerk uses it: type, press Enter, read the row, open the case."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit, QPlainTextEdit, QPushButton, QTableView

import ui.ledger.ledger_widget as ledger_module
from app.cases.rules import MaterialCheck
from app.dto import Applicant, CaseView, DecisionInput, IntakeRequest
from app.services import Services
from tests.ui.keyboard import type_text
from ui.cases.case_dialog import CaseDialog
from ui.ledger.ledger_widget import LedgerWidget

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
STATUS, WARNING = 4, 7


def resident_id(first17: str) -> str:
    """A valid GB 11643 resident ID from its first 17 digits."""
    total = sum(int(c) * w for c, w in zip(first17, _WEIGHTS, strict=True))
    return first17 + "10X98765432"[total % 11]


def open_case(services: Services, actor, clerk, name: str, id_number: str, *, decide: bool = True,
              query: str = "yyzz") -> CaseView:
    matter = services.catalogue.find(query)[0]
    materials = tuple(
        MaterialCheck(t.name, t.is_main, t.deferrable, "received", t.originals, t.copies, material_id=t.id)
        for t in services.catalogue.detail(matter.id).materials
    )
    request = IntakeRequest(
        matter_id=matter.id, applicant=Applicant("person", name, id_number, "13800138000"), materials=materials,
        decision=DecisionInput(action="accept") if decide else None,
    )
    return services.intake.open_case(actor, request, window_id=clerk.window_id)


@pytest.fixture
def ledger(qtbot, services, runner, clerk, wait_idle) -> LedgerWidget:
    w = LedgerWidget(services, runner, clerk)
    qtbot.addWidget(w)
    w.resize(1366, 700)
    w.show()
    wait_idle()
    return w


def _search(qtbot, ledger: LedgerWidget, text: str, wait_idle) -> QTableView:
    box = ledger.findChild(QLineEdit, "ledgerSearch")
    box.clear()
    box.setFocus()
    type_text(qtbot, text, box)  # Chinese arrives as an input-method commit
    qtbot.keyClick(box, Qt.Key.Key_Return)
    wait_idle()
    return ledger.findChild(QTableView, "ledgerTable")


def _cell(table: QTableView, row: int, column: int, role=Qt.ItemDataRole.DisplayRole):
    return table.model().index(row, column).data(role)


def _choose(combo: QComboBox, text: str) -> None:
    """Pick an entry as the keyboard would (activated is what the ledger listens to)."""
    index = combo.findText(text)
    assert index >= 0, text
    combo.setCurrentIndex(index)
    combo.activated.emit(index)


def test_search_by_name_number_and_id_shows_the_chinese_status(
    qtbot, services, actor, clerk, ledger, wait_idle
) -> None:
    li = open_case(services, actor, clerk, "李明", resident_id("11010519491231002"))
    wang_id = resident_id("32010219800101123")
    wang = open_case(services, actor, clerk, "王芳", wang_id, decide=False)
    ledger.refresh()
    wait_idle()
    count = ledger.findChild(QLabel, "ledgerCount")
    assert count.text() == "共 2 件"

    table = _search(qtbot, ledger, "李明", wait_idle)
    assert table.model().rowCount() == 1
    assert _cell(table, 0, 0) == li.number and _cell(table, 0, STATUS) == "已受理办理中"
    assert count.text() == "共 1 件"

    table = _search(qtbot, ledger, wang.number, wait_idle)
    assert [_cell(table, r, 2) for r in range(table.model().rowCount())] == ["王芳"]
    assert _cell(table, 0, STATUS) == "已收件待决定"

    table = _search(qtbot, ledger, wang_id, wait_idle)
    assert table.model().rowCount() == 1 and _cell(table, 0, 2) == "王芳"
    assert _cell(table, 0, 3) == wang_id[:6] + "********" + wang_id[-4:]  # never the full number on screen

    table = _search(qtbot, ledger, "查无此人", wait_idle)
    assert table.model().rowCount() == 0 and count.text() == "共 0 件"


def test_overdue_case_is_red_and_the_red_filter_finds_it(
    qtbot, services, actor, clerk, clock, ledger, wait_idle
) -> None:
    view = open_case(services, actor, clerk, "李明", resident_id("11010519491231002"))
    assert view.due_date is not None
    ledger.refresh()
    wait_idle()
    table = ledger.findChild(QTableView, "ledgerTable")
    assert _cell(table, 0, WARNING) == "黄牌"  # promised in 1 working day: one day left
    assert _cell(table, 0, 1, Qt.ItemDataRole.BackgroundRole) == QColor("#fff4c2")

    clock.at = dt.datetime.combine(view.due_date + dt.timedelta(days=1), dt.time(9, 0))
    ledger.refresh()
    wait_idle()
    assert _cell(table, 0, WARNING) == "红牌"
    assert _cell(table, 0, 1, Qt.ItemDataRole.BackgroundRole) == QColor("#ffd6d6")

    warning = ledger.findChild(QComboBox, "ledgerWarning")
    _choose(warning, "红牌超期")
    wait_idle()
    assert table.model().rowCount() == 1 and _cell(table, 0, 0) == view.number
    _choose(warning, "黄牌预警")
    wait_idle()
    assert table.model().rowCount() == 0


def test_status_filter_and_limit_note(
    qtbot, services, actor, clerk, ledger, wait_idle, monkeypatch
) -> None:
    open_case(services, actor, clerk, "李明", resident_id("11010519491231002"))
    open_case(services, actor, clerk, "王芳", resident_id("32010219800101123"), decide=False)
    status = ledger.findChild(QComboBox, "ledgerStatus")
    _choose(status, "已收件待决定")
    wait_idle()
    table = ledger.findChild(QTableView, "ledgerTable")
    assert [_cell(table, r, 2) for r in range(table.model().rowCount())] == ["王芳"]
    _choose(status, "全部")
    monkeypatch.setattr(ledger_module, "LIMIT", 2)
    ledger.refresh()
    wait_idle()
    assert ledger.findChild(QLabel, "ledgerCount").text() == "共 2 件（仅显示前 2 件）"


def test_matters_load_and_received_date_range_filters(
    qtbot, services, actor, clerk, ledger, wait_idle
) -> None:
    open_case(services, actor, clerk, "李明", resident_id("11010519491231002"))
    matter = ledger.findChild(QComboBox, "ledgerMatter")
    assert matter.count() == 1 + len(services.catalogue.matters())
    by_date = ledger.by_date
    assert not ledger.date_from.isEnabled()
    by_date.setChecked(True)  # runs the query at once
    wait_idle()
    assert ledger.date_from.isEnabled() and ledger.model.rowCount() == 1
    ledger.date_to.setDate(ledger.date_from.date())  # a range that ends a month ago
    ledger.refresh()
    wait_idle()
    assert ledger.model.rowCount() == 0


def test_enter_and_double_click_open_the_case(qtbot, services, actor, clerk, ledger, wait_idle) -> None:
    view = open_case(services, actor, clerk, "李明", resident_id("11010519491231002"))
    search = ledger.findChild(QLineEdit, "ledgerSearch")
    table = _search(qtbot, ledger, "李明", wait_idle)
    qtbot.keyClick(search, Qt.Key.Key_Down)  # from the search box to the results
    assert table.hasFocus() and table.currentIndex().row() == 0
    qtbot.keyClick(table, Qt.Key.Key_Return)
    wait_idle()
    dialog = ledger.case_dialog
    assert isinstance(dialog, CaseDialog) and dialog.isVisible()
    assert view.number in dialog.findChild(QLabel, "caseHeader").text()
    dialog.reject()
    qtbot.waitUntil(lambda: ledger.case_dialog is None)

    rect = table.visualRect(table.model().index(0, 2))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())  # the first press
    qtbot.mouseDClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    wait_idle()
    assert ledger.case_dialog is not None and ledger.case_dialog.isVisible()
    assert ledger.case_dialog.view is not None and ledger.case_dialog.view.id == view.id
    ledger.case_dialog.reject()


def test_the_case_dialog_signals_are_relayed(qtbot, services, actor, clerk, ledger, wait_idle) -> None:
    received = open_case(services, actor, clerk, "王芳", resident_id("32010219800101123"), decide=False)
    ledger.open_case(received.id)
    wait_idle()
    with qtbot.waitSignal(ledger.decide_requested, timeout=5000) as decide:
        qtbot.mouseClick(ledger.case_dialog.findChild(QPushButton, "caseDecide"), Qt.MouseButton.LeftButton)
    assert decide.args == [received.id]
    qtbot.waitUntil(lambda: ledger.case_dialog is None)

    accepted = open_case(services, actor, clerk, "李明", resident_id("11010519491231002"))
    ledger.open_case(accepted.id)
    wait_idle()
    dialog = ledger.case_dialog
    with qtbot.waitSignal(ledger.case_changed, timeout=5000) as changed:
        qtbot.mouseClick(dialog.findChild(QPushButton, "caseSuspend"), Qt.MouseButton.LeftButton)
        type_text(qtbot, "现场核查", dialog.step.findChild(QPlainTextEdit, "stepReason"))
        qtbot.mouseClick(dialog.step.ok_button, Qt.MouseButton.LeftButton)
    assert changed.args == [accepted.id]
    wait_idle()
    ledger.refresh()  # what the main window does on case_changed
    wait_idle()
    table = _search(qtbot, ledger, "李明", wait_idle)
    assert _cell(table, 0, STATUS) == "暂停计时"
    dialog.reject()
