"""Idle lock: the counter screen faces the public, so it locks itself after a quiet spell.

The lock is an overlay over the main window: everything under it (a half-typed intake)
stays exactly as it was and comes back after the password.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QApplication, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from app.dto import StaffInfo
from app.errors import DomainError
from app.services import Services
from ui.errors import show_error
from ui.tasks import TaskRunner

_ACTIVITY = {
    QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.MouseMove, QEvent.Type.Wheel,
}


class IdleWatcher(QObject):
    """Fires ``idle`` after ``minutes`` without keyboard or mouse input anywhere in the app."""

    idle = Signal()

    def __init__(self, minutes: float, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self.idle)
        self.set_minutes(minutes)
        QApplication.instance().installEventFilter(self)

    def set_minutes(self, minutes: float) -> None:
        self.timer.setInterval(max(1, int(minutes * 60_000)))
        self.timer.start()

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() in _ACTIVITY:
            self.timer.start()
        return False


class LockOverlay(QWidget):
    """Covers its parent window; only the logged-in clerk's password removes it."""

    unlocked = Signal()

    def __init__(self, services: Services, runner: TaskRunner, parent: QWidget) -> None:
        super().__init__(parent)
        self.services, self.runner = services, runner
        self.staff: StaffInfo | None = None
        self._hidden_windows: list[QWidget] = []
        self.setObjectName("lockOverlay")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setStyleSheet("#lockOverlay { background: #1f3b57; } QLabel { color: white; }")
        self.title = QLabel(self.tr("屏幕已锁定"))
        self.title.setStyleSheet("font-size: 28px; font-weight: bold;")
        self.who = QLabel()
        self.password = QLineEdit()
        self.password.setObjectName("unlockPassword")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText(self.tr("输入密码解锁"))
        self.password.setMaximumWidth(320)
        self.password.returnPressed.connect(self._on_unlock_clicked)
        self.button = QPushButton(self.tr("解锁"))
        self.button.clicked.connect(self._on_unlock_clicked)
        self.message = QLabel()
        self.message.setObjectName("unlockMessage")
        self.message.setWordWrap(True)
        self.message.setMaximumWidth(480)
        layout = QVBoxLayout(self)
        layout.setAlignment(Qt.AlignmentFlag.AlignCenter)
        for w in (self.title, self.who, self.password, self.button, self.message):
            layout.addWidget(w, alignment=Qt.AlignmentFlag.AlignCenter)
        self.hide()

    @property
    def locked(self) -> bool:
        return self.isVisible()

    def lock(self, staff: StaffInfo) -> None:
        if self.locked:
            return
        self.staff = staff
        self.who.setText(self.tr("当前用户：") + staff.name + "  " + staff.window_label)
        self.message.clear()
        self.password.clear()
        # dialogs left open (a half-filled decision) are hidden too, and come back on unlock
        self._hidden_windows = [
            w for w in QApplication.topLevelWidgets()
            if w.isVisible() and w is not self.window() and w.isWindow() and w.windowType() != Qt.WindowType.Popup
        ]
        for w in self._hidden_windows:
            w.hide()
        self.setGeometry(self.parentWidget().rect())
        self.show()
        self.raise_()
        self.password.setFocus()

    def _on_unlock_clicked(self) -> None:
        if self.staff is None:
            return
        staff_id, password = self.staff.id, self.password.text()
        self.button.setEnabled(False)
        self.runner.run(lambda: self.services.auth.verify(staff_id, password), self._on_verified,
                        self._on_verify_failed)

    def _on_verified(self, ok: bool) -> None:
        self.button.setEnabled(True)
        if not ok:
            self.message.setText(self.tr("密码不正确"))
            self.password.clear()
            return
        self.hide()
        for w in self._hidden_windows:
            w.show()
        self._hidden_windows = []
        self.unlocked.emit()

    def _on_verify_failed(self, exc: Exception) -> None:
        """LockedOut (too many wrong passwords) says when to try again; anything else is shown too."""
        self.button.setEnabled(True)
        self.password.clear()
        if isinstance(exc, DomainError):
            self.message.setText(exc.message)
            return
        self.message.setText(self.tr("核对未完成，请重试。"))
        show_error(self, exc)

    def resize_to_parent(self) -> None:
        if self.locked:
            self.setGeometry(self.parentWidget().rect())
