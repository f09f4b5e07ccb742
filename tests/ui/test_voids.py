"""作废文书 from the case dialog (a clerk goes through 授权, the chief voids) and the register window
(作废号登记簿: filters, the table, the PDF printed to a file and the Excel export)."""

from __future__ import annotations

import json
import sqlite3

from openpyxl import load_workbook
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLabel, QPlainTextEdit, QPushButton, QTableWidget

from app.dto import DecisionInput
from tests.ui.keyboard import type_text
from tests.ui.test_case_dialog import open_case
from ui.auth.authorise_dialog import AuthoriseDialog
from ui.cases.case_dialog import CaseDialog
from ui.documents.printing import pdf_printer
from ui.voids.register_window import VoidRegisterWindow
from ui.voids.void_notice_dialog import VoidNoticeDialog


def _case_dialog(qtbot, services, runner, actor, clerk, wait_idle) -> CaseDialog:
    view = open_case(services, actor, clerk, decision=DecisionInput(action="accept"))
    dialog = CaseDialog(services, runner, clerk, view.id)
    qtbot.addWidget(dialog)
    dialog.show()
    wait_idle()
    dialog.show_documents()
    return dialog


def test_a_clerk_voids_a_paper_through_the_chiefs_authorisation_and_the_case_shows_it(
        qtbot, services, runner, actor, clerk, wait_idle, db_path) -> None:
    dialog = _case_dialog(qtbot, services, runner, actor, clerk, wait_idle)
    row = next(i for i, p in enumerate(dialog.printables) if p.kind == "acceptance")
    number = dialog.printables[row].number
    dialog.notices.setCurrentCell(row, 0)
    button = dialog.findChild(QPushButton, "caseVoidNotice")
    assert button.isEnabled() and "首席代表" in button.toolTip()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    wait_idle()
    auth = dialog.findChild(AuthoriseDialog, "authoriseDialog")
    assert auth is not None and auth.isVisible()
    assert number in auth.findChild(QLabel, "authoriseIntro").text()
    type_text(qtbot, "liqiang", auth.login)
    type_text(qtbot, "demo1234", auth.password)
    qtbot.keyClick(auth.password, Qt.Key.Key_Return)
    wait_idle()
    void = dialog.findChild(VoidNoticeDialog, "voidNoticeDialog")
    assert void is not None and void.windowTitle() == "作废文书（李强授权）"
    void.category.setCurrentIndex(void.category.findData("misprint"))
    type_text(qtbot, "打印错位", void.findChild(QPlainTextEdit, "voidReason"))
    qtbot.mouseClick(void.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: any("【作废】" in dialog.notices.item(r, 0).text()
                                for r in range(dialog.notices.rowCount())), timeout=10000)
    wait_idle()
    rows = range(dialog.notices.rowCount())
    titles = {dialog.notices.item(r, 1).text(): dialog.notices.item(r, 0).text() for r in rows}
    assert titles[number] == "受理通知书【作废】"
    new = [n for n, t in titles.items() if t == "受理通知书"]
    assert len(new) == 1 and new[0] != number
    voided_row = next(r for r in rows if dialog.notices.item(r, 1).text() == number)
    note = dialog.notices.item(voided_row, 4).text()
    assert "打印错位" in note and new[0] in note
    with sqlite3.connect(db_path) as db:
        actor_name, detail = db.execute(
            "SELECT actor_name, detail FROM audit_event WHERE action = 'notice.void'").fetchone()
    assert actor_name == "李强" and json.loads(detail)["authorised_at_desk_of"] == clerk.id


def test_the_register_window_filters_prints_and_exports(qtbot, services, runner, actor, clerk, chief, wait_idle,
                                                        tmp_path, clock) -> None:
    view = open_case(services, actor, clerk, decision=DecisionInput(action="accept"))
    paper = next(n for n in view.notices if n.kind == "acceptance")
    receipt = next(n for n in view.notices if n.kind == "receipt")
    services.voids.void_notice(chief, paper.id, "misprint", "打印错位")
    services.voids.void_notice(chief, receipt.id, "left", "申请人离开未取", reissue=False)
    staff = services.auth.login("liqiang", "demo1234")
    window = VoidRegisterWindow(services, runner, staff)
    qtbot.addWidget(window)
    window.show()
    wait_idle()
    table = window.findChild(QTableWidget, "voidRegisterTable")
    assert table.rowCount() == 2
    assert {table.item(r, 1).text() for r in range(2)} == {paper.number, receipt.number}
    assert "共 2 个作废编号" in window.findChild(QLabel, "voidRegisterSummary").text()
    kind = window.findChild(QComboBox, "voidKind")
    kind.setCurrentIndex(kind.findData("receipt"))
    qtbot.mouseClick(window.findChild(QPushButton, "voidSearch"), Qt.MouseButton.LeftButton)
    wait_idle()
    assert table.rowCount() == 1 and table.item(0, 1).text() == receipt.number
    assert table.item(0, 5).text() == "申请人离开未取"
    kind.setCurrentIndex(0)
    window.refresh()
    wait_idle()
    out = tmp_path / "printed.pdf"
    window.print_to(pdf_printer(out))
    wait_idle()
    assert out.exists() and out.stat().st_size > 1000
    xlsx = tmp_path / "register.xlsx"
    window.export_to(xlsx)
    wait_idle()
    rows = list(load_workbook(xlsx).active.iter_rows(values_only=True))
    assert {rows[3][1], rows[4][1]} == {paper.number, receipt.number}
    assert "已导出" in window.findChild(QLabel, "voidRegisterSummary").text()


def test_a_clerk_is_told_who_may_see_the_register(qtbot, services, runner, clerk, wait_idle, shown_errors) -> None:
    window = VoidRegisterWindow(services, runner, clerk)
    qtbot.addWidget(window)
    window.show()
    wait_idle()
    assert shown_errors and "作废号登记簿" in shown_errors[0] and "首席代表" in shown_errors[0]
    assert not window.findChild(QPushButton, "voidPrint").isEnabled()


def test_a_skipped_number_is_registered_from_the_register_window(qtbot, services, runner, actor, clerk,
                                                                   wait_idle) -> None:
    view = open_case(services, actor, clerk, decision=DecisionInput(action="accept"))
    paper = next(n for n in view.notices if n.kind == "acceptance")
    skipped = paper.number[:-6] + f"{int(paper.number[-6:]) + 40:06d}"
    window = VoidRegisterWindow(services, runner, services.auth.login("liqiang", "demo1234"))
    qtbot.addWidget(window)
    window.show()
    wait_idle()
    qtbot.mouseClick(window.findChild(QPushButton, "voidSkip"), Qt.MouseButton.LeftButton)
    wait_idle()
    from ui.voids.skip_number_dialog import SkipNumberDialog

    dialog = window.findChild(SkipNumberDialog, "skipNumberDialog")
    assert dialog is not None and dialog.windowTitle() == "登记跳号"  # the chief herself: no 授权
    type_text(qtbot, skipped, dialog.number)
    type_text(qtbot, "打印程序中断", dialog.reason)
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    table = window.findChild(QTableWidget, "voidRegisterTable")
    qtbot.waitUntil(lambda: table.rowCount() == 1, timeout=10000)
    wait_idle()
    assert table.item(0, 1).text() == skipped and table.item(0, 4).text() == "（未出具文书）"
