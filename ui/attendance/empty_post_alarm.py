"""The 空岗 alarm: a red banner listing the open 空岗 events the person signed in may see (the chief of
the window's department, the business section, leaders, supervisors; the service decides), hidden
when there are none. ``refresh()`` re-reads on a worker (also every minute while shown); a click
opens the list of today's events, open and closed."""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFrame,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.context import Actor

log = logging.getLogger(__name__)
REFRESH_MS = 60_000  # the server raises 空岗 within a sync cycle; a minute is enough to show it
EVENT_HEADERS = ("窗口", "开始", "结束", "分钟", "状态", "中心判定依据")


class EmptyPostAlarm(QFrame):
    changed = Signal(int)  # number of open events shown

    def __init__(self, services, runner, staff, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services, self.runner, self.staff = services, runner, staff
        self.actor = Actor(staff.id, staff.name)
        self.events: list = []  # EmptyPostItem, open ones first
        self.setObjectName("emptyPostAlarm")
        self.setStyleSheet("#emptyPostAlarm { background: #c62828; border-radius: 4px; }"
                           "#emptyPostAlarm QLabel { color: white; font-weight: bold; }")
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip(self.tr("点击查看今天的空岗记录"))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 6)
        self.text = QLabel()
        self.text.setObjectName("emptyPostAlarmText")
        self.text.setWordWrap(True)
        layout.addWidget(self.text)
        self.setVisible(False)
        self.timer = QTimer(self)
        self.timer.setInterval(REFRESH_MS)
        self.timer.timeout.connect(self.refresh)
        self.timer.start()
        self.refresh()

    def refresh(self) -> None:
        attendance, actor = self.services.attendance, self.actor
        self.runner.run(lambda: attendance.empty_posts(actor), self._on_loaded, self._on_failed, owner=self)

    def open_events(self) -> list:
        return [e for e in self.events if e.is_open]

    def _on_loaded(self, events) -> None:
        self.events = list(events)
        open_now = self.open_events()
        self.text.setText("\n".join(e.label for e in open_now))
        self.setVisible(bool(open_now))
        self.changed.emit(len(open_now))

    def _on_failed(self, exc: Exception) -> None:
        # A banner re-read every minute must not open a message box each time: keep what was shown, log.
        log.warning("空岗 read failed: %s", getattr(exc, "__traceback_text__", exc))

    def mousePressEvent(self, event) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.show_list()
        super().mousePressEvent(event)

    def show_list(self) -> EmptyPostListDialog:
        dialog = EmptyPostListDialog(self.events, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog


class EmptyPostListDialog(QDialog):
    """Today's 空岗 events (open and closed)."""

    def __init__(self, events, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("emptyPostList")
        self.setWindowTitle(self.tr("今日空岗记录"))
        self.resize(760, 320)
        layout = QVBoxLayout(self)
        self.table = QTableWidget(len(events), len(EVENT_HEADERS))
        self.table.setObjectName("emptyPostTable")
        self.table.setHorizontalHeaderLabels([self.tr(h) for h in EVENT_HEADERS])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setStretchLastSection(True)
        for i, e in enumerate(events):
            ended = e.ended_at.strftime("%H:%M") if e.ended_at else ""
            state = self.tr("空岗中") if e.is_open else self.tr("已恢复")
            for j, text in enumerate((e.window_label, e.started_at.strftime("%H:%M"), ended, str(e.minutes),
                                      state, e.basis)):
                self.table.setItem(i, j, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()
        layout.addWidget(self.table)
        if not events:
            layout.addWidget(QLabel(self.tr("今天没有空岗记录。")))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

