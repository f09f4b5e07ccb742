"""The clerk's main window: home, intake, ledger and enquiry log as tabs, with a status line."""

from __future__ import annotations

import logging
import threading

from PySide6.QtCore import QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QResizeEvent
from PySide6.QtWidgets import QLabel, QMainWindow, QMessageBox, QTabWidget, QVBoxLayout, QWidget

from app.context import Actor
from app.dto import StaffInfo
from app.errors import DomainError
from app.services import Services
from ui.appraisal.menu import AppraisalMenu
from ui.attendance.menu import AttendanceMenu, make_empty_post_alarm
from ui.cases.lapse_watcher import LapseWatcher
from ui.enquiry.enquiry_widget import EnquiryWidget
from ui.errors import show_error
from ui.home.home_widget import HomeWidget
from ui.intake.intake_widget import IntakeWidget
from ui.ledger.ledger_widget import LedgerWidget
from ui.lock import IdleWatcher, LockOverlay
from ui.peer.menu import PeerMenu
from ui.rating_screen.controller import RatingScreenController
from ui.rating_screen.hook import invitations
from ui.ratings.menu import RatingsMenu
from ui.reports.menu import ReportsMenu
from ui.settings.settings_dialog import MachineSettingsDialog
from ui.staff.staff_roles_dialog import StaffRolesDialog
from ui.status_bar import CounterStatusBar
from ui.sync.quarantine_dialog import QuarantineDialog
from ui.sync.sync_worker import SyncWorker
from ui.tasks import TaskRunner

log = logging.getLogger(__name__)


class MainWindow(QMainWindow):
    logged_out = Signal(bool)

    def __init__(self, services: Services, runner: TaskRunner, staff: StaffInfo, *,
                 punch_on_login: bool = False) -> None:
        """``punch_on_login``: the window opens on a login (not for a test or a tool): punch if it is the
        day's first, on the write pool, and say so in the status line."""
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
        self.empty_post_alarm = make_empty_post_alarm(services, runner, staff, self)
        self.setCentralWidget(self._central())
        self.status = CounterStatusBar(services, runner, self)
        self.status.set_staff(staff)
        self.setStatusBar(self.status)
        # 评价器: the applicant's screen, driven from here but recording on its own code path; the
        # clerk's status line only says what it is doing, never the level chosen
        self.rating_state = QLabel()
        self.rating_state.setObjectName("ratingScreenState")
        self.status.insertPermanentWidget(0, self.rating_state)
        self.rating_screen = RatingScreenController(services.ctx, runner, self)
        self.rating_screen.state_changed.connect(self.rating_state.setText)
        invitations.install(self.rating_screen.invite)
        self.sync_worker = SyncWorker(services, self)
        self.sync_worker.status_changed.connect(self.status.show_sync)
        self.sync_worker.synced.connect(lambda _r: self._on_case_changed(""))
        self.sync_worker.synced.connect(lambda _r: self._on_synced_attendance())
        self.runner.write_committed.connect(self.sync_worker.request)
        self.status.quarantine_requested.connect(self.open_quarantine)
        self.lock_overlay = LockOverlay(services, runner, self)
        self.idle = IdleWatcher(services.idle_lock_minutes(), self)
        self.idle.idle.connect(self.lock)
        self.lock_overlay.unlocked.connect(lambda: self._set_signed_in(self.staff.id))
        self._make_actions()
        self._make_attendance()
        self._make_ratings()
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
        # Art. 32: lapsed cases deemed accepted at start and whenever the day turns over while it runs
        self.lapse_watcher = LapseWatcher(services, runner, self)
        self.lapse_watcher.cases_deemed.connect(lambda _ids: self._on_case_changed(""))
        self.lapse_watcher.start()
        self._set_signed_in(staff.id)
        if punch_on_login:
            self.punch_on_login()
        self.sync_worker.start()
        self._audit_cancel = threading.Event()
        QTimer.singleShot(0, self._check_audit_chain)  # once the window is up: never on the way to it

    def _central(self) -> QWidget:
        """The tabs, with the 空岗 banner above them when that screen is installed (hidden when none)."""
        if self.empty_post_alarm is None:
            return self.tabs
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.empty_post_alarm)
        layout.addWidget(self.tabs, 1)
        return central

    # -- attendance (考勤) ---------------------------------------------------------------------------
    def _make_attendance(self) -> None:
        """The 考勤 menu between 操作 and 工具, its F7 being the home panel's 打卡; in the status line the
        last punch ("已打卡 08:27") and 待我审批 n."""
        self.attendance = AttendanceMenu(self.services, self.runner, self.staff, self, self.home.punch_panel.punch)
        actions = self.menuBar().actions()
        self.menuBar().insertMenu(actions[1] if len(actions) > 1 else None, self.attendance.menu)
        self.punch_status = QLabel()
        self.punch_status.setObjectName("punchStatus")
        self.status.removeWidget(self.status.clock_label)  # the clock stays last, at the right
        for widget in (self.punch_status, self.attendance.pending_button, self.status.clock_label):
            self.status.addPermanentWidget(widget)
        self.status.clock_label.show()
        self.attendance.pending_button.setVisible(self.attendance.pending_count > 0)
        self.home.punch_panel.punched.connect(lambda result: self.show_punch(result.message, result.flagged))
        self.attendance.requests_changed.connect(self.home.punch_panel.refresh)

    # -- ratings and peer evaluation (评价、互评) ---------------------------------------------------
    def _make_ratings(self) -> None:
        """The 评价 and 互评 menus after 考勤 (before 工具); their lists refresh after each sync."""
        self.ratings = RatingsMenu(self.services, self.runner, self.staff, self)
        self.peer = PeerMenu(self.services, self.runner, self.staff, self)
        for menu in (self.ratings.menu, self.peer.menu):
            actions = self.menuBar().actions()
            tools = next((a for a in actions if a.text().startswith(self.tr("工具"))), None)
            self.menuBar().insertMenu(tools, menu)
        self.sync_worker.synced.connect(lambda _r: self.ratings.refresh_windows())
        self.sync_worker.synced.connect(lambda _r: self.peer.refresh_windows())
        self._make_appraisal()

    # -- the monthly appraisal (考核) and the hall's reports (报表) ------------------------------------
    def _make_appraisal(self) -> None:
        """The 考核 and 报表 menus before 工具; a case behind a score opens in the case window."""
        self.appraisal = AppraisalMenu(self.services, self.runner, self.staff, self)
        self.reports = ReportsMenu(self.services, self.runner, self.staff, self)
        for menu in (self.appraisal.menu, self.reports.menu):
            tools = next((a for a in self.menuBar().actions() if a.text().startswith(self.tr("工具"))), None)
            self.menuBar().insertMenu(tools, menu)
        self.appraisal.open_case.connect(self._open_case)
        self.sync_worker.synced.connect(lambda _r: self.appraisal.refresh_windows())

    def _open_case(self, case_id: str) -> None:
        from ui.cases.case_dialog import CaseDialog

        dialog = CaseDialog(self.services, self.runner, self.staff, case_id, parent=self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    def show_punch(self, text: str, flagged: bool = False) -> None:
        """The punch line in the status bar: "已打卡 08:27" (amber when the punch needs review)."""
        self.punch_status.setText(text)
        self.punch_status.setToolTip(text)
        self.punch_status.setStyleSheet("color: #8a6d00;" if flagged or "待核" in text else "color: #1b7f3b;")

    def punch_on_login(self) -> None:
        """The day's first login punches (services.attendance.punch_on_login, on the write pool); a failure
        does not stand in the way of work: the status line says so and F7 is there."""
        attendance, actor = self.services.attendance, Actor(self.staff.id, self.staff.name)
        self.runner.run(lambda: attendance.punch_on_login(actor), self._on_login_punched,
                        self._on_login_punch_failed, write=True, owner=self)

    def _on_login_punched(self, result) -> None:  # PunchResult | None (None: punched today already)
        if result is None:
            return
        self.show_punch(self.tr("登录时已自动打卡：") + result.message, result.flagged)
        self.home.punch_panel.show_result(result, self.tr("登录时已自动打卡："))
        self.home.punch_panel.refresh()

    def _on_login_punch_failed(self, exc: Exception) -> None:
        log.warning("punch on login failed: %s", getattr(exc, "__traceback_text__", exc))
        reason = exc.message if isinstance(exc, DomainError) else self.tr("打卡记录未能保存")
        self.show_punch(self.tr("登录时自动打卡未成功：") + reason + self.tr("，请按 F7 打卡"), True)

    def _on_synced_attendance(self) -> None:
        self.attendance.refresh_windows()
        refresh = getattr(self.empty_post_alarm, "refresh", None)
        if refresh is not None:
            refresh()

    def _set_signed_in(self, staff_id: str | None) -> None:
        """Tell the sync client who is at this counter (the server's 空岗 check), when it can be told."""
        sync = getattr(self.services, "sync", None)
        if sync is not None and hasattr(sync, "signed_in"):
            sync.signed_in = staff_id

    def _check_audit_chain(self) -> None:
        """The audit chain end to end on a read worker (seconds on a big store); a break stays in
        the status line and the log, a whole chain shows nothing."""
        self.runner.run(lambda: self.services.audit_chain.verify(self._audit_cancel), self._on_audit_checked,
                        lambda exc: log.error("audit chain check failed: %s", exc), owner=self)

    def _on_audit_checked(self, report) -> None:
        if report.ok:
            log.info("audit chain intact: %d events in %.1f s", report.checked, report.seconds)
            return
        log.warning("audit chain broken: %s (%d events intact)", report.describe(), report.last_seq)
        self.status.show_audit_check(report)

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
        for text, key, slot, name in (
            (self.tr("立即同步(&Y)"), "Ctrl+Shift+S", lambda: self.sync_worker.request(), "syncNowAction"),
            (self.tr("同步冲突(&Q)…"), "", lambda: self.open_quarantine(), "quarantineAction"),
            (self.tr("作废号登记簿(&Z)…"), "", lambda: self.open_void_register(), "voidRegisterAction"),
        ):
            action = QAction(text, self)
            action.setObjectName(name)
            if key:
                action.setShortcut(QKeySequence(key))
            action.triggered.connect(slot)
            tools.addAction(action)
            self.addAction(action)
        self._make_staff_action(tools)

    def _make_staff_action(self, tools) -> None:
        """人员与角色: only for those who may (staff.roles, asked on a worker); greyed with who may otherwise."""
        tools.setToolTipsVisible(True)
        tools.addSeparator()
        self.staff_action = QAction(self.tr("人员与角色(&R)…"), self)
        self.staff_action.setObjectName("staffRolesAction")
        self.staff_action.setEnabled(False)
        self.staff_action.setToolTip(self.tr("正在核对权限…"))
        self.staff_action.triggered.connect(lambda: self.open_staff_roles())
        tools.addAction(self.staff_action)
        actor, permissions = Actor(self.staff.id, self.staff.name), self.services.permissions
        self.runner.run(lambda: permissions.refusal(actor, "staff.roles"), self._on_staff_permission, owner=self)

    def _on_staff_permission(self, reason: str | None) -> None:
        self.staff_action.setEnabled(reason is None)
        self.staff_action.setToolTip(reason or self.tr("查看和修改人员的角色"))

    def open_staff_roles(self) -> StaffRolesDialog:
        dialog = StaffRolesDialog(self.services, self.runner, self.staff, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def open_quarantine(self) -> QuarantineDialog:
        dialog = QuarantineDialog(self.services, self.runner, self.staff, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.resolved.connect(lambda _op: self.sync_worker.refresh_status())
        dialog.open()
        return dialog

    def open_void_register(self):  # -> VoidRegisterWindow (imported when first opened)
        from ui.voids.register_window import VoidRegisterWindow

        window = VoidRegisterWindow(self.services, self.runner, self.staff, self)
        window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        window.show()
        return window

    def open_machine_settings(self) -> MachineSettingsDialog:
        dialog = MachineSettingsDialog(self.services, self.runner, self.staff, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.settings_saved.connect(self._on_machine_settings_saved)
        dialog.open()
        return dialog

    def _on_machine_settings_saved(self, _settings) -> None:
        self.idle.set_minutes(self.services.idle_lock_minutes())
        self.sync_worker.settings_changed()
        self.rating_screen.reload_settings()

    def unsynced_warning(self) -> str:
        """What to say before logging out or quitting while work waits for the server ('' if nothing)."""
        st = self.sync_worker.status
        if st is None or not st.server_url or not st.enrolled or st.pending == 0:
            return ""
        return (self.tr("还有 ") + str(st.pending) + self.tr(" 条操作尚未同步到中心服务器。") +
                self.tr("它们已保存在本机，不会丢失，下次联网时自动同步；但在此之前其他窗口看不到。"))

    def _go(self, widget, then) -> None:
        self.tabs.setCurrentWidget(widget)
        then()

    def bring_forward(self) -> None:
        """Another start of the app on this data folder: show this window instead."""
        self.showNormal()
        self.raise_()
        self.activateWindow()

    def lock(self) -> None:
        self._set_signed_in(None)
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
        if not self._confirm_leaving(self.tr("退出登录")):
            return
        self._confirmed = True
        self.logged_out.emit(True)
        self.close()

    def _confirm_leaving(self, title: str) -> bool:
        """Typed but unsaved intake, or work not yet on the server: ask before leaving."""
        reasons = [self.tr("收件页面有尚未保存的内容。")] if self.intake.has_unsaved_input() else []
        if warning := self.unsynced_warning():
            reasons.append(warning)
        if not reasons:
            return True
        answer = QMessageBox.question(self, title, "\n\n".join(reasons) + self.tr("\n\n确定要") + title + "？")
        return answer == QMessageBox.StandardButton.Yes

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.lock_overlay.resize_to_parent()

    def _restore_geometry(self) -> None:
        geometry = QSettings().value("ui/main_geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)

    def closeEvent(self, event: QCloseEvent) -> None:
        if not getattr(self, "_confirmed", False) and not self._confirm_leaving(self.tr("退出窗口工作台")):
            event.ignore()
            return
        QSettings().setValue("ui/main_geometry", self.saveGeometry())
        invitations.install(None)
        self._set_signed_in(None)
        self._audit_cancel.set()  # a check still walking a big chain must not hold up quitting
        self.sync_worker.stop()
        self.runner.wait_all(10000)
        super().closeEvent(event)
