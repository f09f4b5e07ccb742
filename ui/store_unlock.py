"""Opening the encrypted store at the program's start, and showing a new recovery key.

At a cold start the store is locked: the first person signs in here with their own login and
password, which opens the store *and* signs them in (one typing). Someone who has never signed in on
this PC cannot open it alone: a colleague who has signs in first, or IT types the recovery key.
Wrong passwords are braked (a growing wait after three); the argon2 work runs on a worker thread.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QInputDialog,
    QLabel,
    QPushButton,
    QVBoxLayout,
)

from app.store_encryption import store_label, unlock_with_password, unlock_with_recovery
from ui.login_dialog import credential_fields, sign_in_title
from ui.tasks import TaskRunner

FREE_TRIES = 3
MAX_WAIT_SECONDS = 60


def wait_after(failures: int) -> int:
    """Seconds to wait after ``failures`` wrong tries in a row: none for the first three, then 2, 4, 8… up to 60."""
    return 0 if failures < FREE_TRIES else min(MAX_WAIT_SECONDS, 2 ** (failures - FREE_TRIES + 1))


class UnlockDialog(QDialog):
    """Result: ``key`` (the store's), and ``credentials`` (login, password) when a staff member
    opened it (they are then signed in without typing again), None after the recovery key."""

    def __init__(self, runner: TaskRunner, db_path: Path, parent=None) -> None:
        super().__init__(parent)
        self.runner, self.db_path = runner, db_path
        self.key: bytes | None = None
        self.credentials: tuple[str, str] | None = None
        self.failures = 0
        self.setWindowTitle(self.tr("窗口工作台 — 登录"))
        self.setMinimumWidth(440)
        title = sign_in_title(store_label(db_path) or self.tr("窗口工作台"))
        title.setObjectName("unlockTitle")
        hint = QLabel(self.tr("本机数据已加密保存。请用您的用户名和密码登录，登录即解锁本机数据。"))
        hint.setWordWrap(True)
        self.login_edit, self.password_edit, self.message, form = credential_fields(self, "storeUnlockMessage")
        self.message.setMinimumHeight(self.fontMetrics().lineSpacing() * 3 + 4)  # the longest message: 3 lines
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("登录"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("退出"))
        self.recovery_button = QPushButton(self.tr("使用恢复密钥(&R)…"))
        self.recovery_button.setObjectName("useRecoveryKey")
        self.recovery_button.setToolTip(self.tr("信息科保管的 24 位恢复密钥（无人能登录时使用）"))
        self.buttons.addButton(self.recovery_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.accepted.connect(self._on_unlock_clicked)
        self.buttons.rejected.connect(self.reject)
        self.recovery_button.clicked.connect(self._on_recovery_clicked)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(hint)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self._wait = QTimer(self)
        self._wait.setSingleShot(True)
        self._wait.timeout.connect(self._end_wait)

    # -- staff password -------------------------------------------------------------------------
    def _on_unlock_clicked(self) -> None:
        login, password = self.login_edit.text().strip(), self.password_edit.text()
        if not login or not password:
            self.message.setText(self.tr("请输入用户名和密码。"))
            return
        self._busy(self.tr("正在验证…"))
        self.runner.run(lambda: unlock_with_password(self.db_path, login, password),
                        lambda key: self._opened(key, (login, password)), self._on_fail)

    # -- recovery key ----------------------------------------------------------------------------
    def _on_recovery_clicked(self) -> None:
        code, ok = QInputDialog.getText(self, self.tr("恢复密钥"),
                                        self.tr("请输入信息科保管的恢复密钥（24 位，可不输入横线）："))
        if not ok or not code.strip():
            return
        self._busy(self.tr("正在验证恢复密钥…"))
        self.runner.run(lambda: unlock_with_recovery(self.db_path, code), lambda key: self._opened(key, None),
                        self._on_fail)

    # -- outcome ---------------------------------------------------------------------------------
    def _busy(self, text: str) -> None:
        self.buttons.setEnabled(False)
        self.message.setText(text)

    def _opened(self, key: bytes, credentials: tuple[str, str] | None) -> None:
        self.key, self.credentials = key, credentials
        self.accept()

    def _on_fail(self, exc: Exception) -> None:
        self.failures += 1
        text = getattr(exc, "message", str(exc))
        wait = wait_after(self.failures)
        self.password_edit.clear()
        self.password_edit.setFocus()
        if wait:
            self.message.setText(text + self.tr("（已连续错误 %1 次，请 %2 秒后再试）")
                                 .replace("%1", str(self.failures)).replace("%2", str(wait)))
            self._wait.start(wait * 1000)
            return
        self.message.setText(text)
        self.buttons.setEnabled(True)

    def _end_wait(self) -> None:
        self.buttons.setEnabled(True)


class RecoveryCodeDialog(QDialog):
    """Shows a new recovery key once. 确定 only after the box that says it was written down."""

    def __init__(self, code: str, parent=None, *, reason: str = "") -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("窗口工作台 — 恢复密钥"))
        self.setMinimumWidth(520)
        intro = QLabel(reason or self.tr("本机数据已加密保存。下面是本机的恢复密钥："))
        intro.setWordWrap(True)
        self.code = QLabel(code)
        self.code.setObjectName("recoveryCode")
        self.code.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        font = QFont("monospace")
        font.setPointSize(18)
        font.setBold(True)
        self.code.setFont(font)
        self.code.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.code.setStyleSheet("padding: 12px; border: 1px solid #888;")
        advice = QLabel(self.tr(
            "请信息科抄录并妥善保管（不要存放在本机上）。所有能登录本机的人员都忘记密码、"
            "或本机数据要在其他电脑上恢复时，须凭恢复密钥打开数据。此密钥只显示这一次；"
            "信息科可随时用管理命令 counter-desk-admin recovery-key 生成新的恢复密钥。"))
        advice.setWordWrap(True)
        self.written = QCheckBox(self.tr("我已抄录恢复密钥，并交信息科保管(&W)"))
        self.written.setObjectName("recoveryWritten")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok)
        self.ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText(self.tr("确定"))
        self.ok.setEnabled(False)
        self.written.toggled.connect(self.ok.setEnabled)
        self.buttons.accepted.connect(self.accept)
        layout = QVBoxLayout(self)
        for w in (intro, self.code, advice, self.written, self.buttons):
            layout.addWidget(w)

    def reject(self) -> None:  # Esc does not skip it: the key is not shown again
        if self.written.isChecked():
            super().reject()
