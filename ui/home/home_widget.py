"""The clerk's home (首页): who and where I am today, how many cases wait in each state, and the
cases whose limit has passed (红牌) or is about to (黄牌), so nothing runs late unseen."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.dto import CaseRow, HomeSummary, StaffInfo
from app.errors import DomainError
from app.services import Services
from ui.attendance.punch_panel import PunchPanel
from ui.errors import show_error
from ui.tasks import TaskRunner

# (counts key, objectName suffix); the captions are given in HomeWidget._tile_captions for tr().
_TILE_KEYS = ("received", "correction", "accepted", "suspended", "completed", "enquiries")
_RED = {"banner": "#b71c1c", "row": "#ffcdd2", "text": "#7f0000"}
_YELLOW = {"banner": "#f9a825", "row": "#fff59d", "text": "#5d4000"}
_COLUMNS = 6


@dataclass(frozen=True)
class _HomeData:
    """Everything the home shows, gathered off the GUI thread in one job."""

    summary: HomeSummary
    enquiries_today: int
    now: dt.datetime
    working_days: dict[str, int]  # case id -> working days overdue (red) or left (yellow)


def _load_home(services: Services, hall_id: str) -> _HomeData:
    summary = services.ledger.home(hall_id)
    enquiries = len(services.enquiries.today(hall_id))
    calendar = services.ctx.calendar()
    today = summary.today
    days: dict[str, int] = {}
    for row in summary.red:
        if row.due_date is not None:
            days[row.id] = calendar.working_days_between(row.due_date, today)
    for row in summary.yellow:
        if row.due_date is not None:
            days[row.id] = calendar.working_days_between(today, row.due_date)
    return _HomeData(summary, enquiries, services.ctx.clock.now(), days)


def greeting(hour: int) -> str:
    if hour < 12:
        return "上午好"
    return "下午好" if hour < 18 else "晚上好"


class HomeWidget(QWidget):
    case_changed = Signal(str)
    decide_requested = Signal(str)

    def __init__(self, services: Services, runner: TaskRunner, staff: StaffInfo, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services, self.runner, self.staff = services, runner, staff
        self._loading = False
        self._again = False
        self._dialog = None
        self.tiles: dict[str, QLabel] = {}
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 6)
        layout.setSpacing(8)
        layout.addWidget(self._build_greeting())
        self.punch_panel = PunchPanel(services, runner, staff)
        layout.addWidget(self.punch_panel)
        layout.addLayout(self._build_tiles())
        self.red_table, red_panel = self._build_warning_panel(
            "homeRed", self.tr("红牌（已超期）"), self.tr("暂无超期办件"), _RED)
        self.yellow_table, yellow_panel = self._build_warning_panel(
            "homeYellow", self.tr("黄牌（即将到期）"), self.tr("暂无即将到期办件"), _YELLOW)
        layout.addWidget(red_panel, 1)
        layout.addWidget(yellow_panel, 1)
        hints = QLabel(self.tr("F2 新收件　F3 台账　F4 首问登记　F5 刷新首页　F7 打卡　Ctrl+L 锁屏　"
                               "（在表格中按回车或双击打开办件）"))
        hints.setObjectName("homeHints")
        hints.setStyleSheet("color: #555;")
        layout.addWidget(hints)
        self._show_greeting(self.services.ctx.clock.now())

    # -- layout ----------------------------------------------------------------------------------
    def _build_greeting(self) -> QLabel:
        self.greeting = QLabel()
        self.greeting.setObjectName("homeGreeting")
        self.greeting.setStyleSheet("font-size: 18px; font-weight: bold; color: #0d47a1;")
        self.greeting.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        return self.greeting

    def _tile_captions(self) -> dict[str, str]:
        return {
            "received": self.tr("待决定"),
            "correction": self.tr("补正中"),
            "accepted": self.tr("办理中"),
            "suspended": self.tr("暂停计时"),
            "completed": self.tr("待取件"),
            "enquiries": self.tr("今日首问"),
        }

    def _build_tiles(self) -> QHBoxLayout:
        row = QHBoxLayout()
        row.setSpacing(10)
        captions = self._tile_captions()
        for key in _TILE_KEYS:
            tile = QFrame()
            tile.setObjectName("tile_" + key)
            tile.setFrameShape(QFrame.Shape.StyledPanel)
            tile.setStyleSheet("QFrame#tile_" + key + " { background: #e3f2fd; border: 1px solid #90caf9;"
                               " border-radius: 6px; }")
            value = QLabel("–")
            value.setObjectName("tile_" + key + "_value")
            value.setAlignment(Qt.AlignmentFlag.AlignCenter)
            value.setStyleSheet("font-size: 28px; font-weight: bold; color: #0d47a1; border: none;")
            caption = QLabel(captions[key])
            caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
            caption.setStyleSheet("font-size: 14px; color: #333; border: none;")
            inner = QVBoxLayout(tile)
            inner.setContentsMargins(6, 4, 6, 6)
            inner.setSpacing(0)
            inner.addWidget(value)
            inner.addWidget(caption)
            row.addWidget(tile, 1)
            self.tiles[key] = value
        return row

    def _build_warning_panel(
        self, name: str, title: str, empty_text: str, colours: dict[str, str]
    ) -> tuple[QTableWidget, QWidget]:
        panel = QWidget()
        banner = QLabel(title)
        banner.setObjectName(name + "Title")
        banner.setStyleSheet("background: " + colours["banner"] + "; color: white; font-size: 15px;"
                             " font-weight: bold; padding: 4px 8px;")
        table = QTableWidget(0, _COLUMNS)
        table.setObjectName(name + "Table")
        table.setHorizontalHeaderLabels([
            self.tr("办件编号"), self.tr("事项"), self.tr("申请人"), self.tr("状态"), self.tr("到期日"),
            self.tr("说明"),
        ])
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setTabKeyNavigation(False)
        table.verticalHeader().setVisible(False)
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        table.setStyleSheet("QTableWidget { selection-background-color: " + colours["banner"] + ";"
                            " selection-color: white; }")
        table.itemActivated.connect(self._on_table_activated)
        empty = QLabel(empty_text)
        empty.setObjectName(name + "Empty")
        empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        empty.setStyleSheet("color: #2e7d32; font-size: 15px; border: 1px dashed #a5d6a7;")
        stack = QStackedWidget()
        stack.setObjectName(name + "Stack")
        stack.addWidget(table)
        stack.addWidget(empty)
        stack.setCurrentWidget(empty)
        layout = QVBoxLayout(panel)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(banner)
        layout.addWidget(stack, 1)
        return table, panel

    # -- loading ---------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Reload counts and warnings; a refresh asked for while one runs is done after it."""
        if self._loading:
            self._again = True
            return
        self._loading = True
        self.punch_panel.refresh()
        services, hall_id = self.services, self.staff.hall_id
        self.runner.run(lambda: _load_home(services, hall_id), self._on_home_loaded, self._on_home_failed)

    def _on_home_loaded(self, data: _HomeData) -> None:
        self._finish_loading()
        self._show_greeting(data.now, data.summary.today)
        counts = data.summary.counts
        for key in _TILE_KEYS[:-1]:
            self.tiles[key].setText(str(counts.get(key, 0)))
        self.tiles["enquiries"].setText(str(data.enquiries_today))
        self._fill(self.red_table, data.summary.red, data.working_days, _RED, red=True)
        self._fill(self.yellow_table, data.summary.yellow, data.working_days, _YELLOW, red=False)

    def _on_home_failed(self, exc: Exception) -> None:
        self._finish_loading()
        show_error(self, exc)

    def _finish_loading(self) -> None:
        self._loading = False
        if self._again:
            self._again = False
            self.refresh()

    # -- showing ---------------------------------------------------------------------------------
    def _show_greeting(self, now: dt.datetime, today: dt.date | None = None) -> None:
        day = today or now.date()
        salute = greeting(now.hour)
        window = self.staff.window_label or self.tr("未分配窗口")
        self.greeting.setText(
            salute + "，" + self.staff.name + "　·　" + self.staff.hall_name + " " + window
            + "　·　" + self.tr("今天是") + " " + self.chinese_date(day)
        )

    def chinese_date(self, day: dt.date) -> str:
        """2026年3月2日 星期一"""
        weekdays = (self.tr("星期一"), self.tr("星期二"), self.tr("星期三"), self.tr("星期四"),
                    self.tr("星期五"), self.tr("星期六"), self.tr("星期日"))
        text = self.tr("{year}年{month}月{day}日").format(year=day.year, month=day.month, day=day.day)
        return text + " " + weekdays[day.weekday()]

    def _note(self, row: CaseRow, days: int | None, *, red: bool) -> str:
        limit = self.tr("告知期限") if row.status == "received" else self.tr("办结期限")
        if days is None:
            return limit
        if red:
            if days <= 0:
                return limit + self.tr("已过")
            return limit + self.tr("已超 {n} 个工作日").format(n=days)
        if days <= 0:
            return limit + self.tr("今日到期")
        return limit + self.tr("剩 {n} 个工作日").format(n=days)

    def _fill(self, table: QTableWidget, rows: tuple[CaseRow, ...], days: dict[str, int],
              colours: dict[str, str], *, red: bool) -> None:
        table.setRowCount(0)
        table.setRowCount(len(rows))
        background, foreground = QColor(colours["row"]), QColor(colours["text"])
        bold = QFont(table.font())
        bold.setBold(True)
        for r, row in enumerate(rows):
            due = row.due_date.isoformat() if row.due_date else ""
            values = (row.number, row.matter_name, row.applicant_name, row.status_label, due,
                      self._note(row, days.get(row.id), red=red))
            for c, value in enumerate(values):
                item = QTableWidgetItem(value)
                item.setData(Qt.ItemDataRole.UserRole, row.id)
                item.setBackground(background)
                item.setForeground(foreground)
                if c in (0, 4, 5):
                    item.setFont(bold)
                if c == 1:
                    item.setToolTip(value)
                table.setItem(r, c, item)
        stack = table.parentWidget()
        assert isinstance(stack, QStackedWidget)
        stack.setCurrentIndex(0 if rows else 1)

    # -- opening a case -----------------------------------------------------------------------------
    def _on_table_activated(self, item: QTableWidgetItem) -> None:
        case_id = item.data(Qt.ItemDataRole.UserRole)
        if case_id:
            self.open_case(str(case_id))

    def open_case(self, case_id: str) -> None:
        try:
            # imported here: the dialog is its own module and the home must work without it
            from ui.cases.case_dialog import CaseDialog
        except ModuleNotFoundError as exc:
            if exc.name != "ui.cases.case_dialog":
                raise
            show_error(self, DomainError(self.tr("办件详情窗口尚未安装，请从台账查看该办件。")))
            return
        dialog = CaseDialog(self.services, self.runner, self.staff, case_id, parent=self)
        dialog.case_changed.connect(self.case_changed)
        dialog.decide_requested.connect(self.decide_requested)
        dialog.finished.connect(self._on_dialog_finished)
        self._dialog = dialog
        dialog.open()

    def _on_dialog_finished(self, _result: int) -> None:
        self._dialog = None
