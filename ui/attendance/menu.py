"""The 考勤(&K) menu of the main window: 打卡 F7, 请假, 补签, 我的申请, 待我审批 (with the count, also in the
status line), then the month sheet, machine import, 查岗 and 作息时间 screens (opened lazily: they are
their own modules). Entries the signed-in person may not use are greyed with a tooltip saying who may;
permissions and counts are read on a worker, never on the GUI thread."""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu, QToolButton, QWidget

from app.context import Actor
from app.dto import StaffInfo
from app.errors import DomainError
from app.services import Services
from ui.errors import show_error
from ui.tasks import TaskRunner

log = logging.getLogger(__name__)

# (object name, caption, shortcut, slot name, permission action or None when everyone may)
_ENTRIES: tuple[tuple[str, str, str, str, str | None], ...] = (
    ("punchAction", "打卡(&D)", "F7", "punch", "attendance.self"),
    ("leaveAction", "请假(&Q)…", "Ctrl+Shift+Q", "open_leave", "attendance.self"),
    ("makeupAction", "补签(&B)…", "Ctrl+Shift+B", "open_makeup", "attendance.self"),
    ("myRequestsAction", "我的申请(&M)…", "", "open_my_requests", "attendance.self"),
    ("pendingAction", "待我审批(&P)…", "Ctrl+Shift+P", "open_pending", None),
    ("", "", "", "", None),
    ("monthSheetAction", "考勤月报(&Y)…", "", "open_month_sheet", None),
    ("machineImportAction", "导入考勤机记录(&I)…", "", "open_machine_import", "attendance.import"),
    ("inspectionAction", "查岗登记(&C)…", "", "open_inspection", "inspection.record"),
    ("myInspectionsAction", "我的查岗记录(&J)…", "", "open_my_inspections", None),
    ("scheduleAction", "作息时间(&S)…", "", "open_schedule", "schedule.change"),
)
_TIPS = {
    "punchAction": "记录一次打卡（上班、午间、下班）",
    "leaveAction": "提出请假或临时外出申请",
    "makeupAction": "漏打卡或打卡失败时申请补签",
    "myRequestsAction": "查看本人的请假和补签申请，撤销尚未开始的请假",
    "pendingAction": "需要本人审批的请假和补签申请",
    "monthSheetAction": "查看考勤月报（本人、本部门或全厅）",
    "machineImportAction": "导入大厅考勤机导出的打卡记录（CSV 或 Excel）",
    "inspectionAction": "登记查岗结果",
    "myInspectionsAction": "查看有关本人的查岗记录，确认或提出异议",
    "scheduleAction": "更改大厅作息时间和考勤规则",
}


def _not_installed(parent: QWidget, exc: ModuleNotFoundError, module: str) -> None:
    """A screen whose module is not installed yet: said plainly instead of a crash."""
    if exc.name != module:
        raise exc
    show_error(parent, DomainError("该功能尚未安装，请联系信息科。"))


def _show(widget: QWidget) -> QWidget:
    widget.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    widget.show()
    return widget


class AttendanceMenu(QObject):
    """Owns the menu's actions and the status-line button 待我审批 n. ``punch_slot`` is the home panel's
    punch (so F7 and the panel's button are one action)."""

    pending_count_changed = Signal(int)
    requests_changed = Signal()  # the person's own requests changed (the home panel shows how many wait)

    def __init__(self, services: Services, runner: TaskRunner, staff: StaffInfo, window: QMainWindow,
                 punch_slot: Callable[[], None]) -> None:
        super().__init__(window)
        self.services, self.runner, self.staff, self.window = services, runner, staff, window
        self.actor = Actor(staff.id, staff.name)
        self._punch_slot = punch_slot
        self.pending_count = 0
        self._counting = self._count_again = False
        self.menu = QMenu(self.tr("考勤(&K)"), window)
        self.menu.setObjectName("attendanceMenu")
        self.menu.setToolTipsVisible(True)
        self.actions: dict[str, QAction] = {}
        for name, caption, key, slot, _perm in _ENTRIES:
            if not name:
                self.menu.addSeparator()
                continue
            action = QAction(self.tr(caption), window)
            action.setObjectName(name)
            action.setToolTip(self.tr(_TIPS[name]))
            if key:
                action.setShortcut(QKeySequence(key))
            action.triggered.connect(getattr(self, slot))
            self.menu.addAction(action)
            window.addAction(action)
            self.actions[name] = action
        self.pending_button = QToolButton()
        self.pending_button.setObjectName("pendingApprovalsButton")
        self.pending_button.setAutoRaise(True)
        self.pending_button.setStyleSheet("color: #8a6d00; font-weight: bold;")
        self.pending_button.setVisible(False)
        self.pending_button.setToolTip(self.tr("打开待我审批"))
        self.pending_button.clicked.connect(self.open_pending)
        self.windows: dict[str, QWidget] = {}
        self._check_permissions()
        self.refresh_pending()

    # -- permissions and the count -----------------------------------------------------------------
    def _check_permissions(self) -> None:
        guarded = {name: perm for name, _c, _k, _s, perm in _ENTRIES if name and perm}
        for name in guarded:
            self.actions[name].setEnabled(False)
        actor, permissions = self.actor, self.services.permissions
        wanted = sorted(set(guarded.values()))
        self.runner.run(lambda: permissions.refusals(actor, wanted),
                        lambda refusals: self._on_permissions(guarded, refusals),
                        lambda exc: log.error("attendance permissions not read: %s", exc), owner=self.menu)

    def _on_permissions(self, guarded: dict[str, str], refusals: dict[str, str | None]) -> None:
        for name, perm in guarded.items():
            reason = refusals.get(perm)
            action = self.actions[name]
            action.setEnabled(reason is None)
            action.setToolTip(reason or self.tr(_TIPS[name]))

    def refresh_pending(self) -> None:
        """Re-count 待我审批 on a worker (after each sync and each decision)."""
        if self._counting:
            self._count_again = True
            return
        self._counting, self._count_again = True, False
        attendance, actor = self.services.attendance, self.actor
        self.runner.run(lambda: len(attendance.pending_for(actor)), self._on_pending, self._on_pending_failed,
                        owner=self.menu)

    def _counted(self) -> None:
        self._counting = False
        if self._count_again:
            self.refresh_pending()

    def _on_pending(self, count: int) -> None:
        self._counted()
        self.pending_count = count
        action = self.actions["pendingAction"]
        action.setText(self.tr("待我审批(&P)") + (f"（{count}）" if count else "") + "…")
        self.pending_button.setText(self.tr("待我审批 ") + str(count))
        self.pending_button.setVisible(count > 0)
        self.pending_count_changed.emit(count)

    def _on_pending_failed(self, exc: Exception) -> None:
        self._counted()
        log.warning("待我审批 not counted: %s", exc)

    # -- the entries ---------------------------------------------------------------------------------
    def punch(self) -> None:
        self._punch_slot()

    def _single(self, key: str, make: Callable[[], QWidget | None]) -> QWidget | None:
        """One window of each kind: a second use brings the open one forward."""
        existing = self.windows.get(key)
        try:
            if existing is not None and existing.isVisible():
                existing.raise_()
                existing.activateWindow()
                return existing
        except RuntimeError:  # deleted on close
            pass
        widget = make()
        if widget is not None:
            self.windows[key] = widget
            widget.destroyed.connect(lambda _o=None, k=key: self.windows.pop(k, None))
        return widget

    def open_leave(self) -> QWidget | None:
        from ui.attendance.leave_dialog import LeaveDialog

        def make() -> QWidget:
            dialog = LeaveDialog(self.services, self.runner, self.staff, self.window)
            dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            dialog.submitted.connect(lambda _item: self._after_request())
            dialog.open()
            return dialog

        return self._single("leave", make)

    def open_makeup(self) -> QWidget | None:
        from ui.attendance.makeup_dialog import MakeupDialog

        def make() -> QWidget:
            dialog = MakeupDialog(self.services, self.runner, self.staff, self.window)
            dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            dialog.submitted.connect(lambda _item: self._after_request())
            dialog.open()
            return dialog

        return self._single("makeup", make)

    def open_my_requests(self) -> QWidget | None:
        return self._requests(pending=False)

    def open_pending(self) -> QWidget | None:
        return self._requests(pending=True)

    def _requests(self, *, pending: bool) -> QWidget | None:
        from ui.attendance.requests_window import RequestsWindow

        def make() -> QWidget:
            window = RequestsWindow(self.services, self.runner, self.staff, self.window)
            window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            window.changed.connect(self.refresh_pending)
            window.changed.connect(self.requests_changed)
            window.show()
            return window

        window = self._single("requests", make)
        if window is not None:
            window.show_tab(pending=pending)  # type: ignore[attr-defined]
        return window

    def _after_request(self) -> None:
        self.requests_changed.emit()
        requests = self.windows.get("requests")
        if requests is not None:
            requests.refresh()  # type: ignore[attr-defined]

    def refresh_windows(self) -> None:
        """After a sync: the open lists and the count."""
        self.refresh_pending()
        self._after_request()

    # D2's screens: imported inside the slot (each is its own module and may not be installed)
    def open_month_sheet(self) -> QWidget | None:
        def make() -> QWidget | None:
            try:
                from ui.attendance.month_sheet_window import MonthSheetWindow
            except ModuleNotFoundError as exc:
                return _not_installed(self.window, exc, "ui.attendance.month_sheet_window")
            return _show(MonthSheetWindow(self.services, self.runner, self.staff, self.window))

        return self._single("month", make)

    def open_machine_import(self) -> QWidget | None:
        def make() -> QWidget | None:
            try:
                from ui.attendance.import_dialog import MachineImportDialog
            except ModuleNotFoundError as exc:
                return _not_installed(self.window, exc, "ui.attendance.import_dialog")
            return _show(MachineImportDialog(self.services, self.runner, self.staff, self.window))

        return self._single("import", make)

    def open_inspection(self) -> QWidget | None:
        def make() -> QWidget | None:
            try:
                from ui.attendance.inspection_dialog import InspectionDialog
            except ModuleNotFoundError as exc:
                return _not_installed(self.window, exc, "ui.attendance.inspection_dialog")
            return _show(InspectionDialog(self.services, self.runner, self.staff, self.window))

        return self._single("inspection", make)

    def open_my_inspections(self) -> QWidget | None:
        def make() -> QWidget | None:
            try:
                from ui.attendance.inspection_dialog import InspectionsWindow
            except ModuleNotFoundError as exc:
                return _not_installed(self.window, exc, "ui.attendance.inspection_dialog")
            return _show(InspectionsWindow(self.services, self.runner, self.staff, self.window))

        return self._single("inspections", make)

    def open_schedule(self) -> QWidget | None:
        def make() -> QWidget | None:
            try:
                from ui.attendance.schedule_dialog import ScheduleDialog
            except ModuleNotFoundError as exc:
                return _not_installed(self.window, exc, "ui.attendance.schedule_dialog")
            return _show(ScheduleDialog(self.services, self.runner, self.staff, self.window))

        return self._single("schedule", make)


def make_empty_post_alarm(services: Services, runner: TaskRunner, staff: StaffInfo,
                          parent: QWidget) -> QWidget | None:
    """The 空岗 banner (helper D2's EmptyPostAlarm); None while it is not installed."""
    try:
        from ui.attendance.empty_post_alarm import EmptyPostAlarm
    except ModuleNotFoundError as exc:
        if exc.name != "ui.attendance.empty_post_alarm":
            raise
        log.info("空岗 alarm not installed yet")
        return None
    alarm: QWidget = EmptyPostAlarm(services, runner, staff, parent)
    return alarm
