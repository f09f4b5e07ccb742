"""申诉复核: leadership decides the appeals staff made against a rating — 申诉成立 (the rating stays on
the record but no longer counts in appraisal) or 不成立 — always with a note. Nobody decides their own
appeal: the buttons are greyed with the reason. Lists are read on a worker, decisions go through the
write pool; a refusal is said inline."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from app.context import Actor
from app.errors import DomainError
from ui.errors import show_error
from ui.ratings.common import (
    APPEAL_COLOURS,
    RED,
    at_text,
    fill_table,
    level_text,
    make_table,
    reasons_text,
    selected_row,
)

HEADERS = ("申诉人", "窗口", "办件编号", "事项", "评价", "原因", "申诉类别", "申诉理由", "申诉时间", "状态", "复核意见")
STATE_COLUMN = 9
ALL = "all"


class AppealsWindow(QWidget):
    changed = Signal()  # an appeal was decided

    def __init__(self, services, runner, staff, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.services, self.runner, self.staff = services, runner, staff
        self.actor = Actor(staff.id, staff.name)
        self.items: list = []  # AppealItem
        self.refusal: str | None = None  # why this person may not decide appeals at all
        self.setObjectName("ratingAppealsWindow")
        self.setWindowTitle(self.tr("申诉复核"))
        self.resize(1280, 540)
        self.status = QComboBox()
        self.status.setObjectName("appealStatusFilter")
        for text, code in ((self.tr("待复核"), "pending"), (self.tr("申诉成立"), "upheld"),
                           (self.tr("申诉不成立"), "dismissed"), (self.tr("全部"), ALL)):
            self.status.addItem(text, code)
        self.status.activated.connect(lambda _i: self.refresh())
        status_label = QLabel(self.tr("显示(&X)"))
        status_label.setBuddy(self.status)
        self.table = make_table("appealsTable", HEADERS, 7)
        self.table.itemSelectionChanged.connect(self._on_selected)
        self.summary = QLabel()
        self.summary.setObjectName("appealsSummary")
        refresh = QPushButton(self.tr("刷新(&R)"))
        refresh.clicked.connect(self.refresh)
        top = QHBoxLayout()
        top.addWidget(status_label)
        top.addWidget(self.status)
        top.addStretch(1)
        top.addWidget(refresh)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.summary)
        layout.addLayout(self._decide_row())
        layout.addWidget(self.error)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self.close)
        QShortcut(QKeySequence(Qt.Key.Key_F5), self, self.refresh)
        self._ask_permission()
        self.refresh()

    def _decide_row(self) -> QHBoxLayout:
        self.note = QLineEdit()
        self.note.setObjectName("appealDecisionNote")
        self.note.setPlaceholderText(self.tr("复核意见（必填）"))
        note_label = QLabel(self.tr("复核意见(&O)"))
        note_label.setBuddy(self.note)
        self.uphold_button = QPushButton(self.tr("申诉成立(&U)"))
        self.uphold_button.setObjectName("upholdAppeal")
        self.uphold_button.clicked.connect(lambda: self.decide(True))
        self.dismiss_button = QPushButton(self.tr("申诉不成立(&D)"))
        self.dismiss_button.setObjectName("dismissAppeal")
        self.dismiss_button.clicked.connect(lambda: self.decide(False))
        self.error = QLabel()
        self.error.setObjectName("appealDecisionError")
        self.error.setWordWrap(True)
        self.error.setStyleSheet(f"color: {RED};")
        row = QHBoxLayout()
        row.addWidget(note_label)
        row.addWidget(self.note, 1)
        row.addWidget(self.uphold_button)
        row.addWidget(self.dismiss_button)
        self._set_decidable(None)
        return row

    # -- loading -------------------------------------------------------------------------------------
    def _ask_permission(self) -> None:
        permissions, actor = self.services.permissions, self.actor
        self.runner.run(lambda: permissions.refusal(actor, "rating.appeal_decide"), self._on_permission,
                        lambda _exc: None, owner=self)

    def _on_permission(self, refusal: str | None) -> None:
        self.refusal = refusal
        self._on_selected()

    def refresh(self) -> None:
        choice = self.status.currentData()
        ratings, actor = self.services.ratings, self.actor
        status = None if choice == ALL else choice
        self.runner.run(lambda: ratings.appeals(actor, status), self._on_loaded, self._on_failed, owner=self)

    def _on_failed(self, exc: Exception) -> None:
        self.summary.setText(self.tr("未能读取申诉。"))
        show_error(self, exc)

    def _on_loaded(self, items: list) -> None:
        self.items = list(items)
        rows = [[a.staff_name, a.rating.window_label, a.rating.case_number, a.rating.matter_name,
                 level_text(a.rating), reasons_text(a.rating), a.ground_label, a.reason, at_text(a.appealed_at),
                 a.status_label, self._decision(a)] for a in self.items]
        colours = {(r, STATE_COLUMN): APPEAL_COLOURS.get(a.status, "#555555") for r, a in enumerate(self.items)}
        fill_table(self.table, rows, foregrounds=colours)
        self.summary.setText(self.tr("共 {n} 项申诉").format(n=len(self.items)) if self.items
                             else self.tr("暂无申诉"))
        self._on_selected()

    @staticmethod
    def _decision(appeal) -> str:
        if not appeal.decided_by_name:
            return ""
        note = f"：{appeal.decision_note}" if appeal.decision_note else ""
        return f"{appeal.decided_by_name} {at_text(appeal.decided_at)}{note}"

    # -- deciding ------------------------------------------------------------------------------------
    def selected(self):  # -> AppealItem | None
        row = selected_row(self.table, len(self.items))
        return None if row is None else self.items[row]

    def _on_selected(self) -> None:
        self._set_decidable(self.selected())

    def _set_decidable(self, item) -> None:
        on = item is not None and item.can_decide and item.status == "pending"
        for widget in (self.uphold_button, self.dismiss_button, self.note):
            widget.setEnabled(on)
        tip = self.tr("申诉成立：该评价保留在记录中，但不计入考核") if on else self._why_not(item)
        self.uphold_button.setToolTip(tip)
        self.dismiss_button.setToolTip(tip if not on else self.tr("申诉不成立：评价照常计入考核"))

    def _why_not(self, item) -> str:
        if self.refusal:
            return self.refusal
        if item is None:
            return self.tr("请先选择一项申诉")
        if item.status != "pending":
            return self.tr("该申诉已复核")
        if item.staff_id == self.staff.id:
            return self.tr("不能复核本人的申诉，需由其他中心领导复核")
        return self.tr("不能复核这项申诉")

    def decide(self, upheld: bool) -> None:
        item = self.selected()
        if item is None or not self.uphold_button.isEnabled():
            return
        note = self.note.text().strip()
        if not note:
            self.error.setText(self.tr("请填写复核意见。"))
            self.note.setFocus()
            return
        self.error.setText("")
        self._set_decidable(None)
        ratings, actor, appeal_id, version = self.services.ratings, self.actor, item.id, item.version
        self.runner.run(lambda: ratings.decide_appeal(actor, appeal_id, version, upheld, note), self._on_decided,
                        self._on_decide_failed, write=True, owner=self)

    def _on_decided(self, _item) -> None:
        self.note.clear()
        self.refresh()
        self.changed.emit()

    def _on_decide_failed(self, exc: Exception) -> None:
        self._on_selected()
        if not isinstance(exc, DomainError):
            show_error(self, exc)
            return
        self.error.setText(exc.message)
        self.note.setFocus()
