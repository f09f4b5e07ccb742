"""The 报表(&R) menu of the main window: 统计报表 (the hall's figures of a period with charts, Excel, PDF and
the monthly 通报). Greyed with a tooltip saying who may for those without report.view; whether the person
may is read on a worker, never on the GUI thread (a 首席代表 sees their own department)."""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QWidget

from app.context import Actor
from app.dto import StaffInfo
from app.services import Services
from ui.tasks import TaskRunner

log = logging.getLogger(__name__)
TIP = "按窗口、部门或事项统计办件、评价和考勤，与上期对比，带月度趋势图；可导出Excel、PDF和月度通报"


class ReportsMenu(QObject):
    """Owns the menu's action and the one reports window."""

    def __init__(self, services: Services, runner: TaskRunner, staff: StaffInfo, parent: QWidget) -> None:
        super().__init__(parent)
        self.services, self.runner, self.staff, self.parent_widget = services, runner, staff, parent
        self.actor = Actor(staff.id, staff.name)
        self.menu = QMenu(self.tr("报表(&R)"), parent)
        self.menu.setObjectName("reportsMenu")
        self.menu.setToolTipsVisible(True)
        self.action: QAction = self.menu.addAction(self.tr("统计报表(&S)…"))
        self.action.setObjectName("reportsAction")
        self.action.setToolTip(self.tr(TIP))
        self.action.setEnabled(False)  # until the permission table has answered
        self.action.triggered.connect(self.open_reports)
        parent.addAction(self.action)
        self.window: QWidget | None = None
        reports, actor = services.reports, self.actor
        self.runner.run(lambda: reports.access(actor), self._on_access,
                        lambda exc: log.error("report permission not read: %s", exc), owner=self.menu)

    def _on_access(self, access) -> None:  # ReportAccess
        self.action.setEnabled(access.may_view)
        self.action.setToolTip(access.refusal or self.tr(TIP))

    def open_reports(self) -> QWidget:
        """The reports window; a second use brings the open one forward."""
        from ui.reports.reports_window import ReportsWindow

        try:
            if self.window is not None and self.window.isVisible():
                self.window.raise_()
                self.window.activateWindow()
                return self.window
        except RuntimeError:  # deleted on close
            pass
        window = ReportsWindow(self.services, self.runner, self.staff, self.parent_widget)
        window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        window.destroyed.connect(self._on_window_destroyed)
        self.window = window
        window.show()
        return window

    def _on_window_destroyed(self, _obj=None) -> None:
        self.window = None
