"""补签: a missed or failed punch — the day, the slot (today's first missing slot by default), the time
claimed and the reason. Refusals (too late, not a due slot...) are said in red with the field focused;
what was typed stays."""

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
    QLabel,
    QLineEdit,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from app.attendance.model import MakeupItem, TodayPunches
from app.attendance.schedule import Schedule, expected_slots
from app.context import Actor
from app.dto import StaffInfo
from app.errors import DomainError
from app.services import Services
from ui.errors import show_error
from ui.tasks import TaskRunner

RED = "#b00020"


@dataclass(frozen=True)
class MakeupSetup:
    schedule: Schedule
    today: TodayPunches


def load_setup(services: Services, actor: Actor) -> MakeupSetup:
    return MakeupSetup(services.attendance.schedule(), services.attendance.today(actor))


class MakeupDialog(QDialog):
    submitted = Signal(object)  # MakeupItem

    def __init__(self, services: Services, runner: TaskRunner, staff: StaffInfo,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services, self.runner, self.staff = services, runner, staff
        self.actor = Actor(staff.id, staff.name)
        self.setup: MakeupSetup | None = None
        self.item: MakeupItem | None = None
        self.setObjectName("makeupDialog")
        self.setWindowTitle(self.tr("补签申请 — ") + staff.name)
        self.setMinimumWidth(460)
        self.day = QDateEdit()
        self.day.setObjectName("makeupDay")
        self.day.setCalendarPopup(True)
        self.day.setDisplayFormat("yyyy-MM-dd")
        self.slot = QComboBox()
        self.slot.setObjectName("makeupSlot")
        self.claimed = QTimeEdit()
        self.claimed.setObjectName("makeupClaimed")
        self.claimed.setDisplayFormat("HH:mm")
        self.reason = QLineEdit()
        self.reason.setObjectName("makeupReason")
        self.reason.setPlaceholderText(self.tr("如：考勤机故障、停电、忘记打卡"))
        self.error = QLabel()
        self.error.setObjectName("makeupError")
        self.error.setWordWrap(True)
        self.error.setStyleSheet(f"color: {RED};")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(self.tr("提交申请(&S)"))
        self.ok_button.setObjectName("makeupSubmit")
        self.ok_button.setEnabled(False)
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("取消"))
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        form = QFormLayout()
        for text, widget in ((self.tr("日期(&D)"), self.day), (self.tr("漏打的卡(&K)"), self.slot),
                             (self.tr("实际时间(&T)"), self.claimed), (self.tr("事由(&R)"), self.reason)):
            label = QLabel(text)
            label.setBuddy(widget)
            form.addRow(label, widget)
        note = QLabel(self.tr("补签须经首席代表审批；超过规定期限的不予受理。"))
        note.setStyleSheet("color: #555;")
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.day.dateChanged.connect(lambda _d: self._fill_slots())
        self.slot.currentIndexChanged.connect(self._slot_chosen)
        self.reason.returnPressed.connect(self.submit)
        services_, actor = services, self.actor
        self.runner.run(lambda: load_setup(services_, actor), self._on_setup, self._on_setup_failed)

    def _on_setup(self, setup: MakeupSetup) -> None:
        self.setup = setup
        day = setup.today.day
        self.day.setMaximumDate(QDate(day.year, day.month, day.day))
        self.day.setDate(QDate(day.year, day.month, day.day))
        self._fill_slots()
        missing = next((s.name for s in setup.today.slots if s.state == "missing"), None)
        if missing is not None:
            self.slot.setCurrentIndex(max(0, self.slot.findData(missing)))
        self.ok_button.setEnabled(True)
        self.reason.setFocus()

    def _on_setup_failed(self, exc: Exception) -> None:
        self.error.setText(self.tr("未能读取作息时间。"))
        show_error(self, exc)

    def _fill_slots(self) -> None:
        if self.setup is None:
            return
        previous = self.slot.currentData()
        self.slot.blockSignals(True)
        self.slot.clear()
        self._due: dict[str, dt.time] = {}
        for slot in expected_slots(self.setup.schedule, self.day.date().toPython()):
            self.slot.addItem(f"{slot.label}（{slot.at.strftime('%H:%M')}）", slot.name)
            self._due[slot.name] = slot.at
        self.slot.blockSignals(False)
        index = self.slot.findData(previous)
        self.slot.setCurrentIndex(index if index >= 0 else 0)
        self._slot_chosen()

    def _slot_chosen(self, _index: int = 0) -> None:
        at = getattr(self, "_due", {}).get(self.slot.currentData())
        if at is not None:
            self.claimed.setTime(QTime(at.hour, at.minute))

    def submit(self) -> None:
        if self.setup is None or not self.ok_button.isEnabled():
            return
        day, slot, reason = self.day.date().toPython(), str(self.slot.currentData() or ""), self.reason.text()
        claimed_at = dt.datetime.combine(day, self.claimed.time().toPython())
        self.error.setText("")
        self.ok_button.setEnabled(False)
        attendance, actor = self.services.attendance, self.actor
        self.runner.run(lambda: attendance.request_makeup(actor, day, slot, claimed_at, reason),
                        self._on_submitted, self._on_refused, write=True)

    def _on_submitted(self, item: MakeupItem) -> None:
        self.item = item
        self.submitted.emit(item)
        self.accept()

    def _on_refused(self, exc: Exception) -> None:
        self.ok_button.setEnabled(True)
        if not isinstance(exc, DomainError):
            show_error(self, exc)
            return
        self.error.setText(exc.message)
        widgets: dict[str, QWidget] = {"day": self.day, "slot": self.slot, "claimed_at": self.claimed,
                                       "reason": self.reason}
        widgets.get(exc.field or "", self.reason).setFocus()
