"""请假: type (the hall's list), start and end as a date and 上午/下午 (临时外出: a date and the hours),
the reason; shows the working days it counts and who approves ("需首席代表审批"). A refusal is said in
red under the form with the field it concerns focused, and everything typed stays."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from PySide6.QtCore import QDate, QTime, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QStackedWidget,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from app.attendance.model import APPROVAL_LABELS, LeaveItem
from app.attendance.policy import OUT_KIND, leave_days
from app.attendance.schedule import Schedule
from app.context import Actor
from app.dto import StaffInfo
from app.errors import DomainError
from app.permissions import leave_approval_action
from app.services import Services
from app.workcal import WorkingCalendar
from ui.errors import show_error
from ui.tasks import TaskRunner

RED = "#b00020"
MORNING, AFTERNOON = "am", "pm"


@dataclass(frozen=True)
class LeaveSetup:
    """What the dialog needs, read once on a worker."""

    kinds: tuple[str, ...]
    schedule: Schedule
    calendar: WorkingCalendar
    chief_max: float
    business_max: float
    today: dt.date


def load_setup(services: Services) -> LeaveSetup:
    params = services.ctx.parameters()
    return LeaveSetup(tuple(services.attendance.leave_types()), services.attendance.schedule(),
                      services.ctx.calendar(), float(params.get("leave.chief_max_days", "1")),
                      float(params.get("leave.business_max_days", "2")), services.ctx.today())


def days_label(days: float, kind: str) -> str:
    if kind == OUT_KIND:
        hours = days * 8
        return f"{hours:g}小时"
    return f"{days:g}天"


class _HalfDayEdit(QWidget):
    """A date and 上午/下午."""

    def __init__(self, name: str, half: str) -> None:
        super().__init__()
        self.date = QDateEdit()
        self.date.setObjectName(name + "Date")
        self.date.setCalendarPopup(True)
        self.date.setDisplayFormat("yyyy-MM-dd")
        self.half = QComboBox()
        self.half.setObjectName(name + "Half")
        self.half.addItem("上午", MORNING)
        self.half.addItem("下午", AFTERNOON)
        self.half.setCurrentIndex(self.half.findData(half))
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.date)
        row.addWidget(self.half)
        row.addStretch(1)


class LeaveDialog(QDialog):
    submitted = Signal(object)  # LeaveItem

    def __init__(self, services: Services, runner: TaskRunner, staff: StaffInfo,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services, self.runner, self.staff = services, runner, staff
        self.actor = Actor(staff.id, staff.name)
        self.setup: LeaveSetup | None = None
        self.item: LeaveItem | None = None
        self.setObjectName("leaveDialog")
        self.setWindowTitle(self.tr("请假申请 — ") + staff.name)
        self.setMinimumWidth(520)
        self.kind = QComboBox()
        self.kind.setObjectName("leaveKind")
        self.start = _HalfDayEdit("leaveStart", MORNING)
        self.end = _HalfDayEdit("leaveEnd", AFTERNOON)
        self.out_date = QDateEdit()
        self.out_date.setObjectName("leaveOutDate")
        self.out_date.setCalendarPopup(True)
        self.out_date.setDisplayFormat("yyyy-MM-dd")
        self.out_from = QTimeEdit(QTime(9, 0))
        self.out_from.setObjectName("leaveOutFrom")
        self.out_to = QTimeEdit(QTime(11, 0))
        self.out_to.setObjectName("leaveOutTo")
        for edit in (self.out_from, self.out_to):
            edit.setDisplayFormat("HH:mm")
        self.reason = QPlainTextEdit()
        self.reason.setObjectName("leaveReason")
        self.reason.setTabChangesFocus(True)
        self.reason.setPlaceholderText(self.tr("请写明请假事由"))
        self.reason.setFixedHeight(80)
        self.quote = QLabel()
        self.quote.setObjectName("leaveQuote")
        self.quote.setStyleSheet("font-weight: bold; color: #0d47a1;")
        self.error = QLabel()
        self.error.setObjectName("leaveError")
        self.error.setWordWrap(True)
        self.error.setStyleSheet(f"color: {RED};")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(self.tr("提交申请(&S)"))
        self.ok_button.setObjectName("leaveSubmit")
        self.ok_button.setEnabled(False)
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("取消"))
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        self._layout()
        for signal in (self.kind.currentIndexChanged, self.start.date.dateChanged, self.start.half.currentIndexChanged,
                       self.end.date.dateChanged, self.end.half.currentIndexChanged, self.out_date.dateChanged,
                       self.out_from.timeChanged, self.out_to.timeChanged):
            signal.connect(self._update_quote)
        self.start.date.dateChanged.connect(self._follow_start)
        services_ = services
        self.runner.run(lambda: load_setup(services_), self._on_setup, self._on_setup_failed)

    def _layout(self) -> None:
        self.halves = QWidget()
        halves = QFormLayout(self.halves)
        halves.setContentsMargins(0, 0, 0, 0)
        halves.addRow(self._buddy(self.tr("开始(&B)"), self.start.date), self.start)
        halves.addRow(self._buddy(self.tr("结束(&E)"), self.end.date), self.end)
        self.hours = QWidget()
        hours = QFormLayout(self.hours)
        hours.setContentsMargins(0, 0, 0, 0)
        times = QHBoxLayout()
        times.addWidget(self.out_from)
        times.addWidget(QLabel(self.tr("至")))
        times.addWidget(self.out_to)
        times.addStretch(1)
        hours.addRow(self._buddy(self.tr("日期(&B)"), self.out_date), self.out_date)
        hours.addRow(self._buddy(self.tr("时间(&E)"), self.out_from), times)
        self.period = QStackedWidget()
        self.period.addWidget(self.halves)
        self.period.addWidget(self.hours)
        form = QFormLayout()
        form.addRow(self._buddy(self.tr("请假类型(&T)"), self.kind), self.kind)
        form.addRow(self.period)
        form.addRow(self._buddy(self.tr("事由(&R)"), self.reason), self.reason)
        form.addRow(self.tr("天数与审批"), self.quote)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)

    def _buddy(self, text: str, widget: QWidget) -> QLabel:
        label = QLabel(text)
        label.setBuddy(widget)
        return label

    # -- setup and the computed days -----------------------------------------------------------------
    def _on_setup(self, setup: LeaveSetup) -> None:
        self.setup = setup
        today = QDate(setup.today.year, setup.today.month, setup.today.day)
        for edit in (self.start.date, self.end.date, self.out_date):
            edit.setDate(today)
        self.kind.addItems(list(setup.kinds))
        self.ok_button.setEnabled(bool(setup.kinds))
        self._update_quote()
        self.kind.setFocus()

    def _on_setup_failed(self, exc: Exception) -> None:
        self.error.setText(self.tr("未能读取请假类型和作息时间。"))
        show_error(self, exc)

    def _follow_start(self, date: QDate) -> None:
        if self.end.date.date() < date:
            self.end.date.setDate(date)

    def is_outing(self) -> bool:
        return self.kind.currentText() == OUT_KIND

    def period_times(self) -> tuple[dt.datetime, dt.datetime]:
        """The start and end the form says, on the hall's timetable of those days."""
        assert self.setup is not None
        if self.is_outing():
            day = self.out_date.date().toPython()
            return (dt.datetime.combine(day, self.out_from.time().toPython()),
                    dt.datetime.combine(day, self.out_to.time().toPython()))
        start_day, end_day = self.start.date.date().toPython(), self.end.date.date().toPython()
        schedule = self.setup.schedule
        start_table, end_table = schedule.timetable_for(start_day), schedule.timetable_for(end_day)
        start = start_table.morning[0] if self.start.half.currentData() == MORNING else start_table.afternoon[0]
        end = end_table.morning[1] if self.end.half.currentData() == MORNING else end_table.afternoon[1]
        return dt.datetime.combine(start_day, start), dt.datetime.combine(end_day, end)

    def _update_quote(self) -> None:
        self.period.setCurrentWidget(self.hours if self.is_outing() else self.halves)
        if self.setup is None or not self.kind.currentText():
            self.quote.setText("")
            return
        starts_at, ends_at = self.period_times()
        if ends_at <= starts_at:
            self.quote.setText(self.tr("结束时间须晚于开始时间"))
            return
        try:
            days = leave_days(self.setup.schedule, self.setup.calendar, self.kind.currentText(), starts_at, ends_at)
        except (DomainError, NotImplementedError):
            self.quote.setText("")
            return
        action = leave_approval_action(days, self.setup.chief_max, self.setup.business_max)
        self.quote.setText(self.tr("共 ") + days_label(days, self.kind.currentText()) + "，"
                           + self.tr("需") + APPROVAL_LABELS.get(action, ""))

    # -- submitting --------------------------------------------------------------------------------
    def submit(self) -> None:
        if self.setup is None or not self.ok_button.isEnabled():
            return
        kind, reason = self.kind.currentText(), self.reason.toPlainText()
        starts_at, ends_at = self.period_times()
        self.error.setText("")
        self.ok_button.setEnabled(False)
        attendance, actor = self.services.attendance, self.actor
        self.runner.run(lambda: attendance.request_leave(actor, kind, starts_at, ends_at, reason),
                        self._on_submitted, self._on_refused, write=True)

    def _on_submitted(self, item: LeaveItem) -> None:
        self.item = item
        self.submitted.emit(item)
        self.accept()

    def _field_widget(self, field: str) -> QWidget:
        outing = self.is_outing()
        widgets: dict[str, QWidget] = {
            "kind": self.kind, "reason": self.reason,
            "starts_at": self.out_from if outing else self.start.date,
            "ends_at": self.out_to if outing else self.end.date,
        }
        return widgets.get(field, self.out_date if outing else self.start.date)

    def _on_refused(self, exc: Exception) -> None:
        self.ok_button.setEnabled(True)
        if not isinstance(exc, DomainError):
            show_error(self, exc)
            return
        self.error.setText(exc.message)
        self._field_widget(exc.field or "").setFocus()
