"""Staff login at the start of a shift."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from app.dto import StaffInfo
from app.services import Services
from ui.tasks import TaskRunner


def sign_in_title(text: str) -> QLabel:
    """The hall's name over a sign-in window (this dialog, and the store's unlock at start)."""
    title = QLabel(text)
    title.setAlignment(Qt.AlignmentFlag.AlignCenter)
    title.setStyleSheet("font-size: 20px; font-weight: bold; padding: 12px;")
    return title


def credential_fields(owner: QWidget, message_name: str) -> tuple[QLineEdit, QLineEdit, QLabel, QFormLayout]:
    """用户名 and 密码 (objectNames login, password) in a form, and the red message line under them
    (long: a lockout names when to try again). Enter in the login moves to the password."""
    login = QLineEdit()
    login.setObjectName("login")
    login.setPlaceholderText(owner.tr("工号或登录名"))
    password = QLineEdit()
    password.setObjectName("password")
    password.setEchoMode(QLineEdit.EchoMode.Password)
    message = QLabel()
    message.setObjectName(message_name)
    message.setStyleSheet("color: #b00020;")
    message.setWordWrap(True)
    form = QFormLayout()
    form.addRow(owner.tr("用户名(&U)"), login)
    form.addRow(owner.tr("密码(&P)"), password)
    login.returnPressed.connect(password.setFocus)
    return login, password, message, form


class LoginDialog(QDialog):
    logged_in = Signal(object)  # StaffInfo

    def __init__(self, services: Services, runner: TaskRunner, hall_name: str, parent=None) -> None:
        super().__init__(parent)
        self.services, self.runner = services, runner
        self.staff: StaffInfo | None = None
        self.setWindowTitle(self.tr("窗口工作台 — 登录"))
        self.setMinimumWidth(420)
        title = sign_in_title(hall_name or self.tr("窗口工作台"))
        self.login_edit, self.password_edit, self.message, form = credential_fields(self, "loginMessage")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("登录"))
        self.buttons.accepted.connect(self._on_login_clicked)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)

    def submit(self, login: str, password: str) -> None:
        """Sign in with what was already typed (the store's unlock at start took the same two)."""
        self.login_edit.setText(login)
        self.password_edit.setText(password)
        self._on_login_clicked()

    def _on_login_clicked(self) -> None:
        login, password = self.login_edit.text(), self.password_edit.text()
        if not login.strip() or not password:
            self.message.setText(self.tr("请输入用户名和密码。"))
            return
        self.buttons.setEnabled(False)
        self.message.setText(self.tr("正在验证…"))
        self.runner.run(lambda: self.services.auth.login(login, password), self._on_ok, self._on_fail)

    def _on_ok(self, staff: StaffInfo) -> None:
        self.staff = staff
        self.logged_in.emit(staff)
        self.accept()

    def _on_fail(self, exc: Exception) -> None:
        self.buttons.setEnabled(True)
        self.message.setText(getattr(exc, "message", str(exc)))
        self.password_edit.clear()
        self.password_edit.setFocus()
