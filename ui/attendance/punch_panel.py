"""今日考勤 on the home tab: today's date, each punch due (上班 08:30 ✓ 08:27 / 午间下班 12:00 待打卡 / 缺卡),
the flags of punches that need review (离线打卡，待核 in amber), the status so far and a big 打卡 (F7)
button. The punch and the reading run on the task runner; a refusal ("刚刚已打卡") is said on the panel."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from app.attendance.model import PunchResult, SlotState, TodayPunches
from app.context import Actor
from app.dto import StaffInfo
from app.errors import DomainError
from app.services import Services
from ui.errors import show_error
from ui.tasks import TaskRunner

GREEN, AMBER, RED, GREY, BLUE = "#1b7f3b", "#8a6d00", "#b00020", "#555555", "#0d47a1"
_STATE_COLOURS = {"done": GREEN, "missing": RED, "upcoming": GREY}
_WEEKDAYS = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")


def slot_text(slot: SlotState) -> str:
    """上班 08:30 ✓ 08:27 / 午间下班 12:00 待打卡 / 下班 17:30 缺卡"""
    head = f"{slot.label} {slot.due.strftime('%H:%M')}"
    if slot.state == "done" and slot.punch_at is not None:
        return f"{head} ✓ {slot.punch_at.strftime('%H:%M')}"
    return f"{head} {slot.state_label}"


def day_text(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日 {_WEEKDAYS[day.weekday()]}"


class PunchPanel(QFrame):
    punched = Signal(object)  # PunchResult
    loaded = Signal(object)  # TodayPunches

    def __init__(self, services: Services, runner: TaskRunner, staff: StaffInfo,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services, self.runner, self.staff = services, runner, staff
        self.actor = Actor(staff.id, staff.name)
        self.today: TodayPunches | None = None
        self._loading = self._again = False
        self.setObjectName("punchPanel")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setStyleSheet("QFrame#punchPanel { background: #f5f9ff; border: 1px solid #90caf9; border-radius: 6px; }"
                           " QLabel { border: none; }")
        self.title = self._label("punchTitle", f"font-size: 15px; font-weight: bold; color: {BLUE};")
        self.status_label = self._label("punchDayStatus", "font-size: 14px;")
        self.flags_label = self._label("punchFlags", f"color: {AMBER}; font-weight: bold;")
        self.message = self._label("punchMessage", f"color: {GREEN}; font-weight: bold;")
        self.slots_row = QHBoxLayout()
        self.slots_row.setSpacing(18)
        self.slots_row.addStretch(1)
        self.slot_labels: list[QLabel] = []
        self.button = QPushButton(self.tr("打卡 (F7)"))
        self.button.setObjectName("punchButton")
        self.button.setToolTip(self.tr("记录一次打卡：上班、午间和下班各打一次"))
        self.button.setMinimumSize(150, 56)
        self.button.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.button.setStyleSheet("QPushButton { font-size: 18px; font-weight: bold; color: white;"
                                  f" background: {BLUE}; border-radius: 6px; padding: 6px 18px; }}"
                                  " QPushButton:disabled { background: #90a4ae; }")
        self.button.clicked.connect(self.punch)
        left = QVBoxLayout()
        left.setSpacing(4)
        head = QHBoxLayout()
        head.addWidget(self.title)
        head.addSpacing(16)
        head.addWidget(self.status_label)
        head.addStretch(1)
        left.addLayout(head)
        left.addLayout(self.slots_row)
        left.addWidget(self.flags_label)
        left.addWidget(self.message)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        layout.addLayout(left, 1)
        layout.addWidget(self.button, 0, Qt.AlignmentFlag.AlignVCenter)
        self.title.setText(self.tr("今日考勤") + "　" + day_text(services.ctx.today()))
        self.status_label.setText(self.tr("正在读取今日打卡…"))
        self.flags_label.setVisible(False)

    def _label(self, name: str, style: str, text: str = "") -> QLabel:
        label = QLabel(text)
        label.setObjectName(name)
        label.setStyleSheet(style)
        return label

    # -- reading -----------------------------------------------------------------------------------
    def refresh(self) -> None:
        if self._loading:
            self._again = True
            return
        self._loading = True
        attendance, actor = self.services.attendance, self.actor
        self.runner.run(lambda: attendance.today(actor), self._on_loaded, self._on_load_failed)

    def _done_loading(self) -> None:
        self._loading = False
        if self._again:
            self._again = False
            self.refresh()

    def _on_loaded(self, today: TodayPunches) -> None:
        self._done_loading()
        self.today = today
        self.title.setText(self.tr("今日考勤") + "　" + day_text(today.day))
        waiting = len(today.open_requests)
        self.status_label.setText(self.tr("当前状态：") + today.status_label
                                  + (self.tr("　待审批的申请 {n} 项").format(n=waiting) if waiting else ""))
        self._show_slots(today)
        flags = list(dict.fromkeys(today.flags))
        self.flags_label.setText("⚠ " + "；".join(flags) if flags else "")
        self.flags_label.setVisible(bool(flags))
        self.loaded.emit(today)

    def _show_slots(self, today: TodayPunches) -> None:
        for label in self.slot_labels:
            self.slots_row.removeWidget(label)
            label.deleteLater()
        self.slot_labels = []
        if not today.slots:
            texts = [(self.tr("今天不是工作日，无需打卡") if not today.working else self.tr("今天无应打卡"), GREY, "")]
        else:
            texts = [(slot_text(s), AMBER if s.flag else _STATE_COLOURS.get(s.state, GREY), s.flag)
                     for s in today.slots]
        for i, (text, colour, flag) in enumerate(texts):
            label = self._label(f"punchSlot{i}", f"font-size: 15px; color: {colour};",
                                text + (f"（{flag}）" if flag else ""))
            self.slots_row.insertWidget(i, label)
            self.slot_labels.append(label)

    def slot_texts(self) -> list[str]:
        return [label.text() for label in self.slot_labels]

    def _on_load_failed(self, exc: Exception) -> None:
        self._done_loading()
        self.status_label.setText(self.tr("未能读取今日打卡"))
        if not isinstance(exc, DomainError):
            show_error(self, exc)
        else:
            self.status_label.setText(self.tr("未能读取今日打卡：") + exc.message)

    # -- punching ----------------------------------------------------------------------------------
    def punch(self) -> None:
        """打卡 now (F7 or the button); a second press while it runs does nothing."""
        if not self.button.isEnabled():
            return
        self.button.setEnabled(False)
        self.message.setText(self.tr("正在打卡…"))
        self.message.setStyleSheet(f"color: {GREY};")
        attendance, actor = self.services.attendance, self.actor
        self.runner.run(lambda: attendance.punch(actor), self._on_punched, self._on_punch_failed, write=True)

    def _on_punched(self, result: PunchResult) -> None:
        self.button.setEnabled(True)
        self.show_result(result)
        self.punched.emit(result)
        self.refresh()

    def show_result(self, result: PunchResult, prefix: str = "") -> None:
        self.message.setText(prefix + result.message)
        self.message.setStyleSheet(f"color: {AMBER if result.flagged else GREEN}; font-weight: bold;")

    def _on_punch_failed(self, exc: Exception) -> None:
        self.button.setEnabled(True)
        if isinstance(exc, DomainError):
            self.message.setText(exc.message)
            self.message.setStyleSheet(f"color: {RED}; font-weight: bold;")
            return
        self.message.setText("")
        show_error(self, exc)
