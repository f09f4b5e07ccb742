"""我的申请 and 待我审批, two tabs of one window.

我的申请: the signed-in person's leave and 补签 requests with their state; 撤销 for a leave that has not
started. 待我审批: the pending requests this person may decide — who, type, period, days, reason, the
tier it needs; 批准 / 不批准 with a note (required to refuse); a leave that would leave a window with
neither A nor B needs a named temporary cover, chosen here. Lists are read on a worker; every decision
goes through the write pool, then both lists reload and ``changed`` is emitted."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.attendance.model import RequestItem
from app.context import Actor
from app.dto import StaffInfo
from app.errors import DomainError
from app.services import Services
from ui.errors import show_error
from ui.tasks import TaskRunner

RED, GREEN, AMBER, GREY = "#b00020", "#1b7f3b", "#8a6d00", "#555555"
_STATE_COLOURS = {"pending": AMBER, "approved": GREEN, "rejected": RED, "cancelled": GREY}
MINE_HEADERS = ("申请", "时间", "天数", "事由", "状态", "审批", "提交时间")
PENDING_HEADERS = ("申请人", "窗口", "申请", "时间", "天数", "事由", "需审批", "提交时间")


def _table(name: str, headers: tuple[str, ...], stretch: int) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setObjectName(name)
    table.setHorizontalHeaderLabels(list(headers))
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setTabKeyNavigation(False)
    table.verticalHeader().setVisible(False)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.horizontalHeader().setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    return table


def _fill(table: QTableWidget, rows: list[tuple[list[str], RequestItem]], state_col: int | None) -> None:
    table.setRowCount(0)
    table.setRowCount(len(rows))
    for r, (cells, item) in enumerate(rows):
        for c, text in enumerate(cells):
            cell = QTableWidgetItem(text)
            cell.setData(Qt.ItemDataRole.UserRole, item.id)
            cell.setToolTip(text)
            if c == state_col:
                cell.setForeground(QColor(_STATE_COLOURS.get(item.status, GREY)))
            table.setItem(r, c, cell)
    if rows:
        table.selectRow(0)


class RequestsWindow(QWidget):
    changed = Signal()

    def __init__(self, services: Services, runner: TaskRunner, staff: StaffInfo,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.services, self.runner, self.staff = services, runner, staff
        self.actor = Actor(staff.id, staff.name)
        self.mine: list[RequestItem] = []
        self.pending: list[RequestItem] = []
        self.setObjectName("requestsWindow")
        self.setWindowTitle(self.tr("我的申请与待我审批 — ") + staff.name)
        self.resize(1100, 520)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("requestsTabs")
        self.tabs.addTab(self._mine_tab(), self.tr("我的申请(&M)"))
        self.tabs.addTab(self._pending_tab(), self.tr("待我审批(&P)"))
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self.close)
        self._choices_loaded = False
        self.refresh()

    # -- layout ----------------------------------------------------------------------------------
    def _mine_tab(self) -> QWidget:
        tab = QWidget()
        self.mine_table = _table("myRequestsTable", MINE_HEADERS, 3)
        self.mine_table.itemSelectionChanged.connect(self._mine_selected)
        self.mine_summary = QLabel()
        self.mine_summary.setObjectName("myRequestsSummary")
        self.cancel_button = QPushButton(self.tr("撤销申请(&C)"))
        self.cancel_button.setObjectName("cancelRequest")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel_selected)
        refresh = QPushButton(self.tr("刷新(&R)"))
        refresh.clicked.connect(self.refresh)
        row = QHBoxLayout()
        row.addWidget(self.mine_summary, 1)
        row.addWidget(refresh)
        row.addWidget(self.cancel_button)
        layout = QVBoxLayout(tab)
        layout.addWidget(self.mine_table, 1)
        layout.addLayout(row)
        return tab

    def _pending_tab(self) -> QWidget:
        tab = QWidget()
        self.pending_table = _table("pendingTable", PENDING_HEADERS, 5)
        self.pending_table.itemSelectionChanged.connect(self._pending_selected)
        self.pending_summary = QLabel()
        self.pending_summary.setObjectName("pendingSummary")
        self.conflict = QLabel()
        self.conflict.setObjectName("pendingConflict")
        self.conflict.setWordWrap(True)
        self.conflict.setStyleSheet(f"color: {AMBER}; font-weight: bold;")
        self.cover = QComboBox()
        self.cover.setObjectName("pendingCover")
        self.cover_label = QLabel(self.tr("临时顶岗(&G)"))
        self.cover_label.setBuddy(self.cover)
        self.note = QLineEdit()
        self.note.setObjectName("pendingNote")
        self.note.setPlaceholderText(self.tr("审批意见（不批准时必填）"))
        note_label = QLabel(self.tr("意见(&O)"))
        note_label.setBuddy(self.note)
        self.error = QLabel()
        self.error.setObjectName("pendingError")
        self.error.setWordWrap(True)
        self.error.setStyleSheet(f"color: {RED};")
        self.approve_button = QPushButton(self.tr("批准(&A)"))
        self.approve_button.setObjectName("approveRequest")
        self.approve_button.clicked.connect(lambda: self.decide(True))
        self.reject_button = QPushButton(self.tr("不批准(&N)"))
        self.reject_button.setObjectName("rejectRequest")
        self.reject_button.clicked.connect(lambda: self.decide(False))
        self.note.returnPressed.connect(lambda: self.decide(True))
        cover_row = QHBoxLayout()
        cover_row.addWidget(self.cover_label)
        cover_row.addWidget(self.cover, 1)
        decide_row = QHBoxLayout()
        decide_row.addWidget(note_label)
        decide_row.addWidget(self.note, 1)
        decide_row.addWidget(self.approve_button)
        decide_row.addWidget(self.reject_button)
        layout = QVBoxLayout(tab)
        layout.addWidget(self.pending_table, 1)
        layout.addWidget(self.pending_summary)
        layout.addWidget(self.conflict)
        layout.addLayout(cover_row)
        layout.addLayout(decide_row)
        layout.addWidget(self.error)
        self._show_cover(False)
        self._set_decidable(False)
        return tab

    def show_tab(self, *, pending: bool) -> None:
        self.tabs.setCurrentIndex(1 if pending else 0)
        (self.pending_table if pending else self.mine_table).setFocus()

    # -- loading ---------------------------------------------------------------------------------
    def refresh(self) -> None:
        attendance, actor = self.services.attendance, self.actor
        self.runner.run(lambda: attendance.my_requests(actor), self._on_mine, self._on_load_failed, owner=self)
        self.runner.run(lambda: attendance.pending_for(actor), self._on_pending, self._on_load_failed, owner=self)
        if not self._choices_loaded:
            self.runner.run(attendance.staff_choices, self._on_choices, lambda _e: None, owner=self)

    def _on_load_failed(self, exc: Exception) -> None:
        show_error(self, exc)

    def _on_mine(self, items: list[RequestItem]) -> None:
        self.mine = list(items)
        rows = [([i.title, i.period_label, i.days_label, i.reason, i.status_label, self._decided(i),
                  i.requested_at.strftime("%m-%d %H:%M")], i) for i in self.mine]
        _fill(self.mine_table, rows, 4)
        self.mine_summary.setText(self.tr("共 {n} 项申请").format(n=len(self.mine)) if self.mine
                                  else self.tr("暂无申请"))
        self._mine_selected()

    def _decided(self, item: RequestItem) -> str:
        detail = item.leave or item.makeup
        if detail is not None and detail.decided_by_name:
            note = f"：{detail.decision_note}" if detail.decision_note else ""
            return f"{detail.decided_by_name}{note}"
        return item.approval_label

    def _on_pending(self, items: list[RequestItem]) -> None:
        self.pending = list(items)
        rows = [([i.staff_name, i.window_label, i.title, i.period_label, i.days_label, i.reason, i.approval_label,
                  i.requested_at.strftime("%m-%d %H:%M")], i) for i in self.pending]
        _fill(self.pending_table, rows, None)
        self.tabs.setTabText(1, self.tr("待我审批(&P)") + (f"（{len(self.pending)}）" if self.pending else ""))
        self.pending_summary.setText(self.tr("共 {n} 项待审批").format(n=len(self.pending)) if self.pending
                                     else self.tr("暂无待我审批的申请"))
        self._pending_selected()

    def _on_choices(self, choices: list[tuple[str, str]]) -> None:
        self._choices_loaded = True
        self.cover.clear()
        self.cover.addItem(self.tr("（请选择顶岗人员）"), None)
        for staff_id, label in choices:
            self.cover.addItem(label, staff_id)

    # -- selection -------------------------------------------------------------------------------
    def _selected(self, table: QTableWidget, items: list[RequestItem]) -> RequestItem | None:
        row = table.currentRow()
        if not table.selectedItems() or not 0 <= row < len(items):
            return None
        return items[row]

    def selected_mine(self) -> RequestItem | None:
        return self._selected(self.mine_table, self.mine)

    def selected_pending(self) -> RequestItem | None:
        return self._selected(self.pending_table, self.pending)

    def _mine_selected(self) -> None:
        item = self.selected_mine()
        self.cancel_button.setEnabled(item is not None and item.can_cancel)

    def _pending_selected(self) -> None:
        item = self.selected_pending()
        self._set_decidable(item is not None)
        conflict = item.post_conflict if item is not None else ""
        self.conflict.setText("⚠ " + conflict if conflict else "")
        self.conflict.setVisible(bool(conflict))
        self._show_cover(bool(conflict))

    def _show_cover(self, shown: bool) -> None:
        self.cover.setVisible(shown)
        self.cover_label.setVisible(shown)

    def _set_decidable(self, on: bool) -> None:
        for widget in (self.approve_button, self.reject_button, self.note):
            widget.setEnabled(on)

    # -- acting ----------------------------------------------------------------------------------
    def cancel_selected(self) -> None:
        item = self.selected_mine()
        if item is None or not item.can_cancel or item.kind != "leave":
            return
        self.cancel_button.setEnabled(False)
        attendance, actor, leave_id = self.services.attendance, self.actor, item.id
        self.runner.run(lambda: attendance.cancel_leave(actor, leave_id), self._on_acted, self._on_cancel_failed,
                        write=True, owner=self)

    def _on_cancel_failed(self, exc: Exception) -> None:
        self._mine_selected()
        show_error(self, exc)

    def decide(self, approve: bool) -> None:
        item = self.selected_pending()
        if item is None or not self.approve_button.isEnabled():
            return
        note = self.note.text().strip()
        if not approve and not note:
            self.error.setText(self.tr("不批准时须填写理由。"))
            self.note.setFocus()
            return
        cover = self.cover.currentData() if item.post_conflict else None
        self.error.setText("")
        self._set_decidable(False)
        attendance, actor, request_id = self.services.attendance, self.actor, item.id
        if item.kind == "leave":
            def job() -> object:
                return attendance.decide_leave(actor, request_id, approve, note, cover)
        else:
            def job() -> object:
                return attendance.decide_makeup(actor, request_id, approve, note)
        self.runner.run(job, self._on_decided, self._on_decide_failed, write=True, owner=self)

    def _on_decided(self, _item: object) -> None:
        self.note.clear()
        self._on_acted(_item)

    def _on_acted(self, _item: object) -> None:
        self.refresh()
        self.changed.emit()

    def _on_decide_failed(self, exc: Exception) -> None:
        self._set_decidable(True)
        if not isinstance(exc, DomainError):
            show_error(self, exc)
            return
        self.error.setText(exc.message)
        (self.cover if exc.field == "cover_staff_id" and self.cover.isVisible() else self.note).setFocus()
