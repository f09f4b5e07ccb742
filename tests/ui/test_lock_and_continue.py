"""The idle lock keeps what was on screen; a received case is decided later from the ledger."""

from __future__ import annotations

import sqlite3

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit, QPushButton

from app.services import Services
from tests.ui.keyboard import type_text
from ui.main_window import MainWindow


@pytest.fixture
def window(qtbot, services: Services, runner, clerk, wait_idle):
    w = MainWindow(services, runner, clerk)
    qtbot.addWidget(w)
    w.show()
    wait_idle()
    return w


def test_idle_lock_hides_the_screen_and_unlock_restores_it(qtbot, window: MainWindow, wait_idle) -> None:
    w = window
    qtbot.keyClick(w, Qt.Key.Key_F2)
    name = w.intake.applicant.name
    name.setFocus()
    type_text(qtbot, "王𬌗", name)
    w.idle.set_minutes(0.001)  # 60 ms without input
    qtbot.waitUntil(lambda: w.lock_overlay.locked, timeout=3000)
    assert w.lock_overlay.geometry() == w.rect()
    password = w.lock_overlay.findChild(QLineEdit, "unlockPassword")
    w.idle.set_minutes(5)
    type_text(qtbot, "wrong", password)
    qtbot.keyClick(password, Qt.Key.Key_Return)
    wait_idle()
    assert w.lock_overlay.locked and "不正确" in w.lock_overlay.message.text()
    type_text(qtbot, "demo1234", password)
    qtbot.keyClick(password, Qt.Key.Key_Return)
    wait_idle()
    assert not w.lock_overlay.locked
    assert name.text() == "王𬌗"  # nothing typed was lost


def test_ctrl_l_locks_at_once(qtbot, window: MainWindow) -> None:
    qtbot.keyClick(window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert window.lock_overlay.locked


def test_received_case_is_decided_later_from_the_ledger(
    qtbot, window: MainWindow, services: Services, actor, wait_idle, shown_errors
) -> None:
    from tests.app.kit import IntakeKit

    kit = IntakeKit(services)
    m = kit.matter(case_type="promised")
    view = services.intake.open_case(actor, kit.request(m.id, name="周末", decision=None), window_id=None)
    w = window
    w.ledger.open_case(view.id)
    wait_idle()
    from ui.cases.case_dialog import CaseDialog

    dialog = w.ledger.findChild(CaseDialog, "caseDialog")
    qtbot.mouseClick(dialog.findChild(QPushButton, "caseDecide"), Qt.MouseButton.LeftButton)
    wait_idle()
    assert w.tabs.currentWidget() is w.intake
    assert view.number in w.intake.mode.text()
    assert w.intake.applicant.name.text() == "周末" and not w.intake.applicant.isEnabled()
    w.intake.materials.set_all("received")
    qtbot.keyClick(w.intake, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    wait_idle()
    assert shown_errors == []
    assert "已受理" in w.intake.result.text()
    with sqlite3.connect(services.ctx.db.path) as c:
        assert c.execute("SELECT status FROM cases WHERE id = ?", (view.id,)).fetchone()[0] == "accepted"
        kinds = [r[0] for r in c.execute("SELECT kind FROM outbox_op ORDER BY client_seq")]
    assert kinds == ["case.open", "case.decide"]
