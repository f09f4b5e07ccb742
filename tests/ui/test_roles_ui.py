"""What each role sees greyed, and the 人员与角色 screen: settings and the quarantine list greyed for a
clerk with who may (and 授权 beside them), the roles screen reachable only for the administrator or
leadership, where a role is changed with a reason and the change is stored."""

from __future__ import annotations

import json
import sqlite3

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QCheckBox, QLabel, QLineEdit

from tests.ui.keyboard import type_text
from tests.ui.test_sync_ui import ScriptedSync, conflict, scripted  # noqa: F401 - the fixture
from ui.auth.authorise_dialog import AuthoriseDialog
from ui.main_window import MainWindow
from ui.settings.settings_dialog import MachineSettingsDialog
from ui.staff.staff_roles_dialog import StaffRolesDialog


def _window(qtbot, services, runner, staff, wait_idle) -> MainWindow:
    w = MainWindow(services, runner, staff)
    qtbot.addWidget(w)
    w.sync_worker.poll_ms = 3_600_000
    w.show()
    wait_idle()
    return w


def _authorise(qtbot, parent, login: str, wait_idle) -> None:
    auth = parent.findChild(AuthoriseDialog, "authoriseDialog")
    assert auth is not None and auth.isVisible()
    type_text(qtbot, login, auth.findChild(QLineEdit, "authoriseLogin"))
    password = auth.findChild(QLineEdit, "authorisePassword")
    type_text(qtbot, "demo1234", password)
    qtbot.keyClick(password, Qt.Key.Key_Return)
    wait_idle()


def test_settings_greyed_for_a_clerk_and_an_admin_authorises_a_change(qtbot, services, runner, clerk, wait_idle,
                                                                      db_path) -> None:
    w = _window(qtbot, services, runner, clerk, wait_idle)
    w.findChild(QAction, "machineSettingsAction").trigger()
    dialog = w.findChild(MachineSettingsDialog)
    wait_idle()
    for field in (dialog.server_edit, dialog.lock_spin, dialog.save_button):
        assert not field.isEnabled() and field.toolTip().startswith("更改本机设置需由中心管理员办理")
    assert not dialog.enrol_button.isEnabled()
    assert "登记本机到中心服务器需由中心管理员办理" in dialog.enrol_button.toolTip()
    assert dialog.authorise_button.isVisible() and dialog.authorise_button.text() == "中心管理员授权修改(&A)…"
    qtbot.mouseClick(dialog.authorise_button, Qt.MouseButton.LeftButton)
    _authorise(qtbot, dialog, "admin", wait_idle)
    assert dialog.lock_spin.isEnabled() and "黄伟已授权" in dialog.notice.text()
    dialog.lock_spin.setValue(3)
    with qtbot.waitSignal(dialog.settings_saved, timeout=10000):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    wait_idle()
    assert services.machine_settings().idle_lock_minutes == 3
    with sqlite3.connect(db_path) as db:
        name, detail = db.execute("SELECT actor_name, detail FROM audit_event WHERE action = 'machine.settings'"
                                  ).fetchone()
    assert name == "黄伟" and json.loads(detail)["authorised_at_desk_of"] == clerk.id


def test_a_clerk_sees_resolve_greyed_and_a_chief_authorises_it(qtbot, services, runner, clerk, scripted,  # noqa: F811
                                                               wait_idle) -> None:
    scripted.items = [conflict()]
    w = _window(qtbot, services, runner, clerk, wait_idle)
    dialog = w.open_quarantine()
    wait_idle()
    assert not dialog.resolve_button.isEnabled()
    assert "处理未被中心接受的操作需由首席代表（本部门）或中心管理员办理" in dialog.resolve_button.toolTip()
    assert dialog.authorise_button.isVisible() and dialog.authorise_button.text() == "首席代表授权处理(&A)…"
    dialog.note_edit.setText("已核对：该件已由02号窗口办结")
    qtbot.keyClick(dialog.note_edit, Qt.Key.Key_Return)  # Enter takes the way open to her: 授权
    _authorise(qtbot, dialog, "liqiang", wait_idle)
    assert scripted.resolved == [("op-1", "已核对：该件已由02号窗口办结")]
    assert dialog.message.text() == "已记录。（李强授权）"


def test_the_roles_screen_is_greyed_for_a_clerk(qtbot, services, runner, clerk, wait_idle) -> None:
    w = _window(qtbot, services, runner, clerk, wait_idle)
    action = w.findChild(QAction, "staffRolesAction")
    assert not action.isEnabled() and action.toolTip().startswith("设置人员角色需由中心领导或中心管理员办理")


def test_an_administrator_changes_a_role_with_a_reason(qtbot, services, runner, wait_idle) -> None:
    admin = services.auth.login("admin", "demo1234")
    w = _window(qtbot, services, runner, admin, wait_idle)
    action = w.findChild(QAction, "staffRolesAction")
    assert action.isEnabled()
    action.trigger()
    dialog = w.findChild(StaffRolesDialog)
    wait_idle()
    logins = [dialog.table.item(r, 0).text() for r in range(dialog.table.rowCount())]
    row = logins.index("zhangmin")
    assert dialog.table.item(row, 3).text() == "窗口人员"
    dialog.table.selectRow(row)
    assert dialog.who.text() == "张敏（zhangmin）" and dialog.findChild(QCheckBox, "role_clerk").isChecked()
    chief = dialog.findChild(QCheckBox, "role_chief")
    chief.setFocus()
    qtbot.keyClick(chief, Qt.Key.Key_Space)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    wait_idle()
    message = dialog.findChild(QLabel, "staffRolesMessage").text()
    assert message == "请填写变更原因。" and dialog.findChild(QCheckBox, "role_chief").isChecked()  # choice kept
    type_text(qtbot, "兼任市场监管局首席代表", dialog.reason)
    qtbot.keyClick(dialog.reason, Qt.Key.Key_Return)
    wait_idle()
    assert "已保存" in dialog.message.text()
    assert dialog.table.item(row, 3).text() == "窗口人员、首席代表"
    assert next(p for p in services.staff.roster() if p.login == "zhangmin").roles == {"clerk", "chief"}
    own = logins.index("admin")
    dialog.table.selectRow(own)
    assert not dialog.save_button.isEnabled() and "不能由本人审批本人" in dialog.save_button.toolTip()


def test_the_business_section_sees_intake_greyed(qtbot, services, runner, wait_idle) -> None:
    w = _window(qtbot, services, runner, services.auth.login("liuyang", "demo1234"), wait_idle)
    accept = w.intake.decision_buttons["decideAccept"]
    assert not accept.isEnabled()
    assert accept.toolTip() == ("收件和作出受理决定需由窗口人员（本窗口）或首席代表（本部门）办理"
                                "（当前登录人的角色：中心业务科）。")
    w.intake.start_new()  # a new intake does not bring them back
    assert not accept.isEnabled() and not w.intake.decision_buttons["receiveOnly"].isEnabled()
