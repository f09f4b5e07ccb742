"""Brakes on guessing as the clerk sees them: the login dialog and the idle lock's unlock say, in
Chinese, that the login is locked and when to try again (app.lockout)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QLineEdit, QWidget

from tests.ui.keyboard import type_text
from ui.lock import LockOverlay
from ui.login_dialog import LoginDialog


def _try(qtbot, wait_idle, field: QLineEdit, password: str) -> None:
    field.clear()
    type_text(qtbot, password, field)
    qtbot.keyClick(field, Qt.Key.Key_Return)
    wait_idle()


def test_the_login_dialog_says_the_login_is_locked_and_until_when(qtbot, services, runner, wait_idle,
                                                                   tmp_path: Path) -> None:
    dialog = LoginDialog(services, runner, "示范县政务服务中心")
    qtbot.addWidget(dialog)
    dialog.show()
    type_text(qtbot, "zhangmin", dialog.findChild(QLineEdit, "login"))
    password = dialog.findChild(QLineEdit, "password")
    message = dialog.findChild(QLabel, "loginMessage")
    for _ in range(4):
        _try(qtbot, wait_idle, password, "wrong")
        assert message.text() == "用户名或密码不正确。"
    _try(qtbot, wait_idle, password, "wrong")
    assert "该账号已暂时锁定" in message.text() and "之后（约 5 分钟后）再试" in message.text()
    _try(qtbot, wait_idle, password, "demo1234")  # the right password waits too
    assert "该账号已暂时锁定" in message.text() and dialog.isVisible()
    dialog.grab().save(str(tmp_path / "login-locked.png"))


def test_the_unlock_screen_says_the_login_is_locked(qtbot, services, runner, wait_idle, clerk) -> None:
    window = QWidget()
    qtbot.addWidget(window)
    window.resize(900, 600)
    window.show()
    overlay = LockOverlay(services, runner, window)
    overlay.lock(clerk)
    password = overlay.findChild(QLineEdit, "unlockPassword")
    message = overlay.findChild(QLabel, "unlockMessage")
    for _ in range(4):
        _try(qtbot, wait_idle, password, "wrong")
        assert message.text() == "密码不正确"
    _try(qtbot, wait_idle, password, "wrong")
    assert "该账号已暂时锁定" in message.text()
    _try(qtbot, wait_idle, password, "demo1234")
    assert "该账号已暂时锁定" in message.text() and overlay.locked
