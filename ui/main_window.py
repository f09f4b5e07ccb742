"""The clerk's main window: home, intake, ledger and enquiry log as tabs, with a status line."""

from __future__ import annotations

import logging

from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QResizeEvent
from PySide6.QtWidgets import QMainWindow, QMessageBox, QTabWidget

from app.dto import StaffInfo
from app.services import Services
from ui.enquiry.enquiry_widget import EnquiryWidget
from ui.errors import show_error
from ui.home.home_widget import HomeWidget
from ui.intake.intake_widget import IntakeWidget
from ui.ledger.ledger_widget import LedgerWidget
from ui.lock import IdleWatcher, LockOverlay
from ui.settings.settings_dialog import MachineSettingsDialog
from ui.status_bar import CounterStatusBar
from ui.tasks import TaskRunner

log = logging.getLogger(__name__)


class MainWindow(QMainWindow):
    logged_out = Signal(bool)

    def __init__(self, services: Services, runner: TaskRunner, staff: StaffInfo) -> None:
        super().__init__()
        self.services, self.runner, self.staff = services, runner, staff
        self.setWindowTitle(self.tr("窗口工作台 — ") + staff.hall_name)
        self.runner.default_error = lambda exc: show_error(self, exc)
        self.tabs = QTabWidget()
        self.home = HomeWidget(services, runner, staff)
        self.intake = IntakeWidget(services, runner, staff)
        self.ledger = LedgerWidget(services, runner, staff)
        self.enquiry = EnquiryWidget(services, runner, staff)
        self.tabs.addTab(self.home, self.tr("首页(&1)"))
        self.tabs.addTab(self.intake, self.tr("收件受理(&2)"))
        self.tabs.addTab(self.ledger, self.tr("台账(&3)"))
        self.tabs.addTab(self.enquiry, self.tr("首问登记(&4)"))
        self.setCentralWidget(self.tabs)
        self.status = CounterStatusBar(services, runner, self)
        self.status.set_staff(staff)
        self.status.show_server(services.machine_settings().server_url)
        self.setStatusBar(self.status)
        self.lock_overlay = LockOverlay(services, runner, self)
        self.idle = IdleWatcher(services.idle_lock_minutes(), self)
        self.idle.idle.connect(self.lock)
        self._make_actions()
        self.intake.case_saved.connect(self._on_intake_case_saved)
        self.ledger.case_changed.connect(self._on_case_changed)
        self.home.case_changed.connect(self._on_case_changed)
        self.ledger.decide_requested.connect(self._on_decide_requested)
        self.home.decide_requested.connect(self._on_decide_requested)
        self.enquiry.enquiry_saved.connect(lambda _e: self.status.refresh())
        self.resize(1366, 768)
        self._restore_geometry()
        self.status.refresh()
        self.home.refresh()
        self.runner.run(services.lifecycle.deem_lapsed, lambda ids: ids and self._on_case_changed(""),
                        write=True)

    def _make_actions(self) -> None:
        specs = [
            (self.tr("新收件"), "F2", lambda: self._go(self.intake, self.intake.start_new)),
            (self.tr("台账"), "F3", lambda: self._go(self.ledger, self.ledger.focus_search)),
            (self.tr("首问登记"), "F4", lambda: self._go(self.enquiry, self.enquiry.focus_topic)),
            (self.tr("首页"), "F5", lambda: self._go(self.home, self.home.refresh)),
            (self.tr("锁屏"), "Ctrl+L", self.lock),
        ]
        menu = self.menuBar().addMenu(self.tr("操作(&O)"))
        for text, key, slot in specs:
            action = QAction(text, self)
            action.setShortcut(QKeySequence(key))
            action.triggered.connect(slot)
            menu.addAction(action)
            self.addAction(action)
        logout = QAction(self.tr("退出登录"), self)
        logout.triggered.connect(self._on_logout_triggered)
        menu.addSeparator()
        menu.addAction(logout)
        tools = self.menuBar().addMenu(self.tr("工具(&T)"))
        settings = QAction(self.tr("本机设置(&S)…"), self)
        settings.setObjectName("machineSettingsAction")
        settings.triggered.connect(self.open_machine_settings)
        tools.addAction(settings)

    def open_machine_settings(self) -> MachineSettingsDialog:
        dialog = MachineSettingsDialog(self.services, self.runner, self.staff, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.settings_saved.connect(self._on_machine_settings_saved)
        dialog.open()
        return dialog

    def _on_machine_settings_saved(self, _settings) -> None:
        self.idle.set_minutes(self.services.idle_lock_minutes())
        self.status.show_server(self.services.machine_settings().server_url)

    def _go(self, widget, then) -> None:
        self.tabs.setCurrentWidget(widget)
        then()

    def bring_forward(self) -> None:
        """Another start of the app on this data folder: show this window instead."""
        self.showNormal()
        self.raise_()
        self.activateWindow()

    def lock(self) -> None:
        self.lock_overlay.lock(self.staff)

    def _on_intake_case_saved(self, _case_id: str) -> None:
        self._on_case_changed(_case_id)

    def _on_decide_requested(self, case_id: str) -> None:
        self.tabs.setCurrentWidget(self.intake)
        self.activateWindow()
        self.intake.open_for_decision(case_id)

    def _on_case_changed(self, _case_id: str) -> None:
        self.status.refresh()
        self.home.refresh()
        self.ledger.refresh()

    def _on_logout_triggered(self) -> None:
        if self.intake.has_unsaved_input():
            answer = QMessageBox.question(
                self, self.tr("退出登录"), self.tr("收件页面有尚未保存的内容，确定退出登录吗？")
            )
            if answer != QMessageBox.StandardButton.Yes:
                return
        self.logged_out.emit(True)
        self.close()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.lock_overlay.resize_to_parent()

    def _restore_geometry(self) -> None:
        geometry = QSettings().value("ui/main_geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)

    def closeEvent(self, event: QCloseEvent) -> None:
        QSettings().setValue("ui/main_geometry", self.saveGeometry())
        self.runner.wait_all(10000)
        super().closeEvent(event)
