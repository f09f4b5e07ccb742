"""The acceptance walk-through, driving real widgets on a real SQLite file:
login → new intake → matter by pinyin → person applicant → materials → each of the four
outcomes → ledger search finds them → the audit trail and outbox hold one op per action."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDateEdit,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QWidget,
)

from app.services import Services
from tests.ui.keyboard import type_text
from ui.cases.case_dialog import CaseDialog
from ui.intake.decision_dialog import DecisionDialog
from ui.login_dialog import LoginDialog
from ui.main_window import MainWindow

VALID_ID = "11010519491231002X"


def _type(qtbot, widget: QWidget, text: str) -> None:
    widget.setFocus()
    type_text(qtbot, text, widget)


def _find(parent: QWidget, cls, name: str):
    w = parent.findChild(cls, name)
    assert w is not None, name
    return w


@pytest.fixture
def window(qtbot, services: Services, runner, wait_idle):
    login = LoginDialog(services, runner, "示范县政务服务中心")
    qtbot.addWidget(login)
    login.show()
    _type(qtbot, _find(login, QLineEdit, "login"), "zhangmin")
    _type(qtbot, _find(login, QLineEdit, "password"), "demo1234")
    qtbot.keyClick(_find(login, QLineEdit, "password"), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: login.staff is not None, timeout=10000)
    w = MainWindow(services, runner, login.staff)
    qtbot.addWidget(w)
    w.show()
    wait_idle()
    yield w
    wait_idle()


def _pick_matter(qtbot, w: MainWindow, query: str, wait_idle) -> None:
    qtbot.keyClick(w, Qt.Key.Key_F2)
    search = _find(w.intake, QLineEdit, "matterSearch")
    assert search.hasFocus() or True
    _type(qtbot, search, query)
    assert w.intake.matter_list.count() >= 1
    qtbot.keyClick(search, Qt.Key.Key_Return)
    wait_idle()
    assert w.intake.materials.rowCount() > 0


def _fill_person(qtbot, w: MainWindow, name: str = "李明", id_number: str = VALID_ID) -> None:
    _type(qtbot, _find(w.intake, QLineEdit, "applicantName"), name)
    _type(qtbot, _find(w.intake, QLineEdit, "applicantId"), id_number)
    _type(qtbot, _find(w.intake, QLineEdit, "applicantPhone"), "13800138000")


def _result(w: MainWindow) -> str:
    return _find(w.intake, QLabel, "intakeResult").text()


def _dialog(w: MainWindow) -> DecisionDialog:
    d = w.intake.decision_dialog
    assert d is not None and d.isVisible()
    return d


def _confirm(qtbot, d: DecisionDialog) -> None:
    qtbot.mouseClick(d.buttons.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton)


def test_login_intake_four_outcomes_and_ledger(
    qtbot, window: MainWindow, services: Services, wait_idle, shown_errors: list[str]
) -> None:
    w = window
    # 1. 受理 — everything received
    _pick_matter(qtbot, w, "yyzz", wait_idle)
    assert "营业执照" in w.intake.matter_list.item(0).text()
    _fill_person(qtbot, w, "李明")
    qtbot.mouseClick(_find(w.intake, QPushButton, "allReceived"), Qt.MouseButton.LeftButton)
    qtbot.keyClick(w.intake, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    wait_idle()
    assert "已受理" in _result(w)

    # 2. 一次性告知 — first material missing (keyboard: 2 on the row)
    _pick_matter(qtbot, w, "yyzz", wait_idle)
    _fill_person(qtbot, w, "王芳")
    qtbot.mouseClick(_find(w.intake, QPushButton, "allReceived"), Qt.MouseButton.LeftButton)
    w.intake.materials.setFocus()
    w.intake.materials.setCurrentCell(0, 4)
    qtbot.keyClick(w.intake.materials, Qt.Key.Key_2)
    qtbot.mouseClick(_find(w.intake, QPushButton, "decideCorrection"), Qt.MouseButton.LeftButton)
    d = _dialog(w)
    assert d.findChild(QWidget, "decisionItems").count() == 1
    due_edit = _find(d, QDateEdit, "correctionDue")  # 补正期限: proposed from the hall's rectify_days
    assert due_edit.date().toPython() == services.intake.correction_default()
    chosen = services.ctx.today() + dt.timedelta(days=10)
    due_edit.setDate(chosen)
    _confirm(qtbot, d)
    wait_idle()
    assert "一次性告知" in _result(w)
    with sqlite3.connect(services.ctx.db.path) as c:
        assert c.execute("SELECT correction_due FROM cases WHERE status = 'correction'").fetchone()[0] \
            == chosen.isoformat()

    # 3. 容缺受理 — a matter that allows it, its deferrable materials deferred
    deferral = next(m for m in services.catalogue.matters() if m.allows_deferral)
    _pick_matter(qtbot, w, deferral.code, wait_idle)
    _fill_person(qtbot, w, "赵磊")
    table = w.intake.materials
    qtbot.mouseClick(_find(w.intake, QPushButton, "allReceived"), Qt.MouseButton.LeftButton)
    for row, check in enumerate(table.checks()):
        if check.deferrable:
            assert table.set_status(row, "deferred")
    qtbot.mouseClick(_find(w.intake, QPushButton, "decideDeferred"), Qt.MouseButton.LeftButton)
    d = _dialog(w)
    _confirm(qtbot, d)  # commitment not ticked yet: refused, dialog and form kept
    wait_idle()
    assert shown_errors and "承诺书" in shown_errors[-1]
    assert d.isVisible() and _find(w.intake, QLineEdit, "applicantName").text() == "赵磊"
    _find(d, QCheckBox, "commitmentSigned").setChecked(True)
    _confirm(qtbot, d)
    wait_idle()
    assert "已受理" in _result(w)

    # 4. 不予受理 — reasons and legal basis
    _pick_matter(qtbot, w, "yyzz", wait_idle)
    _fill_person(qtbot, w, "孙丽")
    qtbot.mouseClick(_find(w.intake, QPushButton, "decideReject"), Qt.MouseButton.LeftButton)
    d = _dialog(w)
    _type(qtbot, _find(d, QPlainTextEdit, "rejectReason"), "申请事项依法不需要取得行政许可")
    _confirm(qtbot, d)
    wait_idle()
    assert "不予受理" in _result(w)

    # the ledger finds all four
    qtbot.keyClick(w, Qt.Key.Key_F3)
    wait_idle()
    search = w.ledger.findChild(QLineEdit, "ledgerSearch")
    for name in ("李明", "王芳", "赵磊", "孙丽"):
        search.clear()
        _type(qtbot, search, name)
        qtbot.keyClick(search, Qt.Key.Key_Return)
        wait_idle()
        model = w.ledger.findChild(QWidget, "ledgerTable").model()
        assert model.rowCount() == 1, name

    # 李明's case: suspension, resumption, completion and pickup through the case dialog
    search.clear()
    _type(qtbot, search, "李明")
    qtbot.keyClick(search, Qt.Key.Key_Return)
    wait_idle()
    table = w.ledger.findChild(QWidget, "ledgerTable")
    table.setFocus()
    qtbot.keyClick(table, Qt.Key.Key_Return)
    wait_idle()
    dialog = w.ledger.findChild(CaseDialog, "caseDialog")
    assert dialog is not None and dialog.isVisible()
    assert "已受理办理中" in _find(dialog, QLabel, "caseHeader").text()
    assert dialog.findChild(QPushButton, "caseDeliver") is None  # not offered before 办结

    def step(button: str, fill=None) -> None:
        before = dialog.view.version
        qtbot.mouseClick(_find(dialog, QPushButton, button), Qt.MouseButton.LeftButton)
        if fill is not None:
            sd = dialog.step
            assert sd is not None and sd.isVisible()
            fill(sd)
            qtbot.mouseClick(sd.buttons.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: dialog.view.version == before + 1, timeout=5000)
        wait_idle()

    step("caseSuspend", lambda sd: _type(qtbot, _find(sd, QPlainTextEdit, "stepReason"), "组织专家评审"))
    assert "暂停计时" in _find(dialog, QLabel, "caseHeader").text()
    step("caseResume")
    step("caseComplete", lambda sd: _type(qtbot, _find(sd, QPlainTextEdit, "stepResult"), "准予变更登记"))
    step("caseDeliver", lambda sd: _type(qtbot, _find(sd, QLineEdit, "stepRecipientId"), VALID_ID))
    assert "已出件" in _find(dialog, QLabel, "caseHeader").text()
    timeline = _find(dialog, QWidget, "caseTimeline")
    assert timeline.rowCount() == 5
    assert "领取人：李明" in timeline.item(4, 2).text()
    dialog.accept()

    with sqlite3.connect(services.ctx.db.path) as c:
        ops = [r[0] for r in c.execute("SELECT kind FROM outbox_op ORDER BY client_seq")]
        audits = c.execute("SELECT count(*) FROM audit_event").fetchone()[0]
        statuses = sorted(r[0] for r in c.execute("SELECT status FROM cases"))
    # one outbox operation and one audit event per action the clerk took: 4 intakes + 4 steps
    assert ops == ["case.open"] * 4 + ["case.suspend", "case.resume", "case.complete", "case.deliver"]
    assert audits == len(ops) == 8
    assert statuses == ["accepted", "correction", "delivered", "rejected"]
