"""Screenshots of roles on screen (issue #10): a clerk's greyed 作废 with its tooltip showing, the 授权
dialog a 首席代表 fills at the clerk's PC (and its answer to a wrong password), the settings a clerk
can only look at, and the 人员与角色 screen. Called by tools/screenshots.py.

A dialog opened over another and a tooltip are separate top-level windows, which ``grab()`` of one
widget does not include; the shots paint every window at the place Qt put it on the 1366×768 screen
that tools/screenshots.py asks the offscreen platform for (no window manager: no title bars).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QPoint
from PySide6.QtGui import QColor, QPainter, QPixmap
from PySide6.QtWidgets import QApplication, QLineEdit, QPushButton, QToolTip, QWidget

from app.services import Services
from ui.auth.authorise_dialog import AuthoriseDialog
from ui.cases.case_dialog import CaseDialog
from ui.main_window import MainWindow
from ui.staff.staff_roles_dialog import StaffRolesDialog
from ui.tasks import TaskRunner


def screen(*windows: QWidget) -> QPixmap:
    """The screen as a person sees it: each top-level window painted at its place, bottom first."""
    pix = QPixmap(QApplication.primaryScreen().geometry().size())
    pix.fill(QColor("#3a4a5c"))
    painter = QPainter(pix)
    for i, w in enumerate(windows):
        at = w.mapToGlobal(QPoint(0, 0))
        if i:  # a window above another: its edge, which a window manager would draw
            painter.setPen(QColor("#5b6b7c"))
            painter.drawRect(at.x() - 1, at.y() - 1, w.width() + 1, w.height() + 1)
        painter.drawPixmap(at, w.grab())
    painter.end()
    return pix


def _tooltip_window() -> QWidget | None:
    return next((w for w in QApplication.topLevelWidgets()
                 if w.metaObject().className() == "QTipLabel" and w.isVisible()), None)


def _centre_over(dialog: QWidget, parent: QWidget) -> None:
    dialog.adjustSize()
    dialog.move(parent.mapToGlobal(parent.rect().center()) - dialog.rect().center())


def permission_shots(services: Services, runner: TaskRunner, w: MainWindow, case_id: str, out: Path,
                     settle: Callable[[], None]) -> None:
    clerk = w.staff
    w.sync_worker.stop()
    w.status.show_sync(services.sync.status())  # this demo PC as it is, not the states shown before
    dialog = CaseDialog(services, runner, clerk, case_id, w)
    dialog.move(w.mapToGlobal(QPoint(110, 40)))  # as the app opens it: over the main window
    dialog.show()
    settle()
    void = dialog.findChild(QPushButton, "caseVoid")
    at = void.mapToGlobal(void.rect().center())
    QToolTip.showText(at, void.toolTip(), void)
    settle()
    tip = _tooltip_window()
    screen(w, dialog, *([tip] if tip else [])).save(str(out / "greyed_void_tooltip.png"))
    QToolTip.hideText()
    settle()

    dialog.findChild(QPushButton, "caseVoidAuthorise").click()
    settle()
    auth = dialog.findChild(AuthoriseDialog, "authoriseDialog")
    _centre_over(auth, dialog)
    auth.findChild(QLineEdit, "authoriseLogin").setText("liqiang")
    auth.findChild(QLineEdit, "authorisePassword").setText("demo1234")
    settle()
    screen(w, dialog, auth).save(str(out / "authorise_dialog.png"))
    auth.findChild(QLineEdit, "authorisePassword").setText("wrong")
    auth._on_submit()
    settle()
    screen(w, dialog, auth).save(str(out / "authorise_wrong_password.png"))
    auth.reject()
    dialog.accept()
    settle()

    settings = w.open_machine_settings()
    settle()
    settings.move(w.mapToGlobal(QPoint(380, 60)))
    QToolTip.showText(settings.lock_spin.mapToGlobal(settings.lock_spin.rect().center()),
                      settings.lock_spin.toolTip(), settings.lock_spin)
    settle()
    tip = _tooltip_window()
    screen(w, settings, *([tip] if tip else [])).save(str(out / "settings_greyed_for_clerk.png"))
    QToolTip.hideText()
    settings.reject()
    settle()


def staff_roles_shot(services: Services, runner: TaskRunner, out: Path, settle: Callable[[], None]) -> None:
    """人员与角色 as the hall's administrator sees it, about to make a clerk a 首席代表 as well."""
    dialog = StaffRolesDialog(services, runner, services.auth.login("admin", "demo1234"))
    dialog.show()
    settle()
    logins = [dialog.table.item(r, 0).text() for r in range(dialog.table.rowCount())]
    dialog.table.selectRow(logins.index("zhangmin"))
    dialog.checks["chief"].setChecked(True)
    dialog.reason.setText("兼任市场监管局首席代表")
    settle()
    dialog.grab().save(str(out / "staff_roles.png"))
    dialog.reject()
    settle()
