"""差评整改: every 不满意/非常不满意 with its closed loop — status, the window and the person rated, the
current step's limit in yellow/red as in the ledger, and the callback phone (masked unless the viewer
does the callback). Open ones come first, the most urgent on top (the service orders them). Enter on a
row (or 打开) opens the follow-up with its steps. Lists are read on a worker."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from app.context import Actor
from app.ratings.policy import FOLLOWUP_STATUS
from ui.errors import show_error
from ui.ratings.common import (
    DUE_FOREGROUND,
    at_text,
    due_text,
    fill_table,
    level_text,
    make_table,
    reasons_text,
    selected_row,
)
from ui.ratings.followup_dialog import FollowupDialog

HEADERS = ("状态", "当前期限", "窗口", "被评价人", "评价", "原因", "事项", "办件编号", "评价时间", "回访电话")
DUE_COLUMN = 1
OPEN = "open"  # the filter's entry for all that are not closed yet


class FollowupsWindow(QWidget):
    changed = Signal()  # a step was recorded

    def __init__(self, services, runner, staff, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.services, self.runner, self.staff = services, runner, staff
        self.actor = Actor(staff.id, staff.name)
        self.items: list = []  # FollowupItem, as shown
        self.dialogs: dict[str, FollowupDialog] = {}
        self.setObjectName("ratingFollowupsWindow")
        self.setWindowTitle(self.tr("差评整改"))
        self.resize(1280, 560)
        self.status = QComboBox()
        self.status.setObjectName("followupStatusFilter")
        self.status.addItem(self.tr("未结案"), OPEN)
        for code, label in FOLLOWUP_STATUS.items():
            self.status.addItem(self.tr(label), code)
        self.status.addItem(self.tr("全部"), None)
        self.status.activated.connect(lambda _i: self.refresh())
        status_label = QLabel(self.tr("显示(&X)"))
        status_label.setBuddy(self.status)
        self.table = make_table("followupsTable", HEADERS, 6)
        self.table.activated.connect(lambda _i: self.open_selected())
        self.summary = QLabel()
        self.summary.setObjectName("followupsSummary")
        legend = QLabel(self.tr("黄色：当前环节临近期限；红色：已超期。按回车键打开所选差评。"))
        legend.setStyleSheet("color: #555555;")
        self.open_button = QPushButton(self.tr("打开(&O)…"))
        self.open_button.setObjectName("openFollowup")
        self.open_button.clicked.connect(self.open_selected)
        refresh = QPushButton(self.tr("刷新(&R)"))
        refresh.clicked.connect(self.refresh)
        top = QHBoxLayout()
        top.addWidget(status_label)
        top.addWidget(self.status)
        top.addStretch(1)
        top.addWidget(refresh)
        bottom = QHBoxLayout()
        bottom.addWidget(self.summary, 1)
        bottom.addWidget(self.open_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addWidget(legend)
        layout.addLayout(bottom)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self.close)
        QShortcut(QKeySequence(Qt.Key.Key_F5), self, self.refresh)
        self.refresh()
        self.table.setFocus()

    # -- loading -------------------------------------------------------------------------------------
    def refresh(self) -> None:
        choice = self.status.currentData()
        ratings, actor = self.services.ratings, self.actor
        status = None if choice == OPEN else choice
        self.runner.run(lambda: ratings.followups(actor, status), lambda items: self._on_loaded(items, choice),
                        self._on_failed, owner=self)

    def _on_failed(self, exc: Exception) -> None:
        self.summary.setText(self.tr("未能读取差评整改。"))
        show_error(self, exc)

    def _on_loaded(self, items: list, choice: str | None) -> None:
        if choice == OPEN:
            items = [f for f in items if f.status != "closed"]
        current = self.selected()
        self.items = list(items)
        rows = [self._cells(f) for f in self.items]
        states = [f.due_state for f in self.items]
        colours = {(r, DUE_COLUMN): DUE_FOREGROUND[s] for r, s in enumerate(states) if s in DUE_FOREGROUND}
        fill_table(self.table, rows, backgrounds=states, foregrounds=colours)
        self._reselect(current.id if current is not None else None)
        red = sum(1 for s in states if s == "red")
        text = self.tr("共 {n} 件").format(n=len(self.items)) if self.items else self.tr("暂无差评")
        if red:
            text += self.tr("，其中 {red} 件已超期").format(red=red)
        self.summary.setText(text)
        self.open_button.setEnabled(bool(self.items))

    @staticmethod
    def _cells(f) -> list[str]:  # FollowupItem
        r = f.rating
        return [f.status_label, due_text(f.due, f.due_state), r.window_label, r.staff_name, level_text(r),
                reasons_text(r), r.matter_name, r.case_number, at_text(r.rated_at), f.phone]

    def _reselect(self, followup_id: str | None) -> None:
        for row, item in enumerate(self.items):
            if item.id == followup_id:
                self.table.selectRow(row)
                return

    # -- opening -------------------------------------------------------------------------------------
    def selected(self):  # -> FollowupItem | None
        row = selected_row(self.table, len(self.items))
        return None if row is None else self.items[row]

    def open_selected(self) -> FollowupDialog | None:
        item = self.selected()
        if item is None:
            return None
        existing = self.dialogs.get(item.id)
        try:
            if existing is not None and existing.isVisible():
                existing.raise_()
                existing.activateWindow()
                return existing
        except RuntimeError:  # deleted on close
            pass
        dialog = FollowupDialog(self.services, self.runner, self.staff, item.id, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.changed.connect(self._on_step)
        dialog.destroyed.connect(lambda _o=None, k=item.id: self.dialogs.pop(k, None))
        self.dialogs[item.id] = dialog
        dialog.open()
        return dialog

    def _on_step(self, _item) -> None:
        self.refresh()
        self.changed.emit()
