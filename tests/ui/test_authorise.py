"""Roles on screen: a clerk sees 作废 greyed with who may, and a 首席代表 standing at the clerk's PC
authorises it (授权) with their own password; the void is recorded as theirs, naming the clerk."""

from __future__ import annotations

import json
import sqlite3

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QLineEdit, QMessageBox, QPlainTextEdit, QPushButton

from app.context import Actor
from app.dto import DecisionInput
from tests.ui.keyboard import type_text
from tests.ui.test_case_dialog import open_case
from ui.auth.authorise_dialog import AuthoriseDialog
from ui.cases.case_dialog import CaseDialog

WHO_MAY_VOID = "首席代表（本部门）或中心业务科"


@pytest.fixture
def clerk_case(qtbot, services, runner, actor, clerk, wait_idle) -> CaseDialog:
    view = open_case(services, actor, clerk, decision=DecisionInput(action="accept"))
    dialog = CaseDialog(services, runner, clerk, view.id)
    qtbot.addWidget(dialog)
    dialog.show()
    wait_idle()
    assert dialog.view is not None
    return dialog


def _button(dialog, name: str) -> QPushButton:
    button = dialog.findChild(QPushButton, name)
    assert button is not None, name
    return button


def _ask_authorisation(qtbot, dialog: CaseDialog) -> AuthoriseDialog:
    ask = _button(dialog, "caseVoidAuthorise")
    assert ask.isEnabled() and ask.text() == "首席代表授权作废(&V)…"
    qtbot.mouseClick(ask, Qt.MouseButton.LeftButton)
    auth = dialog.findChild(AuthoriseDialog, "authoriseDialog")
    assert auth is not None and auth.isVisible()
    return auth


def _type_credentials(qtbot, auth: AuthoriseDialog, login: str, password: str) -> None:
    login_edit = auth.findChild(QLineEdit, "authoriseLogin")
    assert auth.focusWidget() is login_edit  # keyboard first: the chief types at once
    type_text(qtbot, login, login_edit)
    qtbot.keyClick(login_edit, Qt.Key.Key_Return)  # Enter moves on to the password
    password_edit = auth.findChild(QLineEdit, "authorisePassword")
    assert auth.focusWidget() is password_edit
    type_text(qtbot, password, password_edit)
    qtbot.keyClick(password_edit, Qt.Key.Key_Return)  # Enter submits


def _message(auth: AuthoriseDialog) -> str:
    return auth.findChild(QLabel, "authoriseMessage").text()


def test_a_clerk_sees_void_greyed_with_who_may(clerk_case: CaseDialog) -> None:
    void = _button(clerk_case, "caseVoid")
    assert not void.isEnabled() and void.text() == "作废"
    assert WHO_MAY_VOID in void.toolTip() and "当前登录人的角色：窗口人员" in void.toolTip()
    assert "首席代表授权作废" in void.toolTip()  # and what to do instead
    assert _button(clerk_case, "caseSuspend").isEnabled()  # her own window's case: the steps are hers
    assert _button(clerk_case, "caseComplete").isEnabled()


def test_the_chief_authorises_the_void_and_the_audit_names_them(qtbot, services, clerk, clerk_case, wait_idle,
                                                                 db_path) -> None:
    auth = _ask_authorisation(qtbot, clerk_case)
    assert auth.windowTitle() == "首席代表授权" == auth.findChild(QLabel, "authoriseHeading").text()
    intro = auth.findChild(QLabel, "authoriseIntro").text()
    assert "作废办件：" + clerk_case.view.number in intro and WHO_MAY_VOID in intro and "张敏" in intro
    _type_credentials(qtbot, auth, "liqiang", "demo1234")
    wait_idle()
    step = clerk_case.findChild(QPlainTextEdit, "stepReason")
    assert step is not None and clerk_case.step.windowTitle() == "作废办件（李强授权）"
    type_text(qtbot, "申请人撤回申请", step)
    qtbot.mouseClick(clerk_case.step.ok_button, Qt.MouseButton.LeftButton)
    box = clerk_case.step.findChild(QMessageBox, "stepConfirm")
    box.button(QMessageBox.StandardButton.Yes).click()
    qtbot.waitUntil(lambda: "已作废" in clerk_case.header.text(), timeout=10000)
    wait_idle()
    assert services.intake.get(clerk_case.case_id).status == "voided"
    with sqlite3.connect(db_path) as db:
        rows = db.execute("SELECT actor_name, summary, detail FROM audit_event WHERE action = 'case.void'").fetchall()
    assert len(rows) == 1
    name, summary, detail = rows[0]
    assert name == "李强" and summary.endswith("（授权办理）")
    assert json.loads(detail)["authorised_at_desk_of"] == clerk.id


def test_a_wrong_password_keeps_the_dialog_and_what_was_typed(qtbot, clerk_case, wait_idle) -> None:
    auth = _ask_authorisation(qtbot, clerk_case)
    _type_credentials(qtbot, auth, "liqiang", "wrong-pass")
    wait_idle()
    assert auth.isVisible() and _message(auth) == "授权人用户名或密码不正确。"
    assert auth.findChild(QLineEdit, "authoriseLogin").text() == "liqiang"
    password = auth.findChild(QLineEdit, "authorisePassword")
    assert password.text() == "wrong-pass" and auth.focusWidget() is password
    assert password.selectedText() == "wrong-pass"  # retyping replaces it
    assert clerk_case.step is None  # nothing was voided, no reason asked
    qtbot.keyClick(auth, Qt.Key.Key_Escape)  # Esc cancels
    assert not auth.isVisible() and clerk_case.step is None


def test_a_chief_of_another_department_is_refused_with_who_may(qtbot, services, clerk_case, wait_idle) -> None:
    auth = _ask_authorisation(qtbot, clerk_case)
    _type_credentials(qtbot, auth, "chenjing", "demo1234")  # 首席代表 of 自然资源局, not 市场监管
    wait_idle()
    message = _message(auth)
    assert auth.isVisible() and message.startswith("陈静不能授权：") and WHO_MAY_VOID in message
    login = auth.findChild(QLineEdit, "authoriseLogin")
    assert login.text() == "chenjing" and auth.focusWidget() is login
    assert services.intake.get(clerk_case.case_id).status == "accepted"


def test_a_chief_voids_without_authorisation(qtbot, services, runner, actor, clerk, wait_idle) -> None:
    view = open_case(services, actor, clerk, decision=DecisionInput(action="accept"))
    dialog = CaseDialog(services, runner, services.auth.login("liqiang", "demo1234"), view.id)
    qtbot.addWidget(dialog)
    dialog.show()
    wait_idle()
    assert _button(dialog, "caseVoid").isEnabled() and dialog.findChild(QPushButton, "caseVoidAuthorise") is None


def test_steps_on_another_windows_case_are_greyed(qtbot, services, runner, wait_idle) -> None:
    other = services.auth.login("wangfang", "demo1234")  # 人力社保 window 03
    view = open_case(services, Actor(other.id, other.name), other, decision=DecisionInput(action="accept"))
    dialog = CaseDialog(services, runner, services.auth.login("zhangmin", "demo1234"), view.id)
    qtbot.addWidget(dialog)
    dialog.show()
    wait_idle()
    suspend = _button(dialog, "caseSuspend")
    assert not suspend.isEnabled() and "只能对本窗口的事项" in suspend.toolTip()

