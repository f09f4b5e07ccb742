"""评价统计: the hall's figures for a period — 好评率, 差评数, 整改按期率, 回访率, upheld appeals — per
window, department, matter or person, with the total last; the period a day, week, month, quarter,
year or a custom range around a date. Excel export. A 首席代表 sees their department (the service
decides the scope). Reads and the export run on the task runner."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtCore import QDate, Qt, QUrl
from PySide6.QtGui import QDesktopServices, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.context import Actor
from ui.errors import show_error
from ui.ratings.common import fill_table, make_table, rate_text
from ui.ratings.periods import PERIODS, period_label, period_range

GROUPS = {"window": "窗口", "department": "部门", "matter": "事项", "staff": "人员"}
NUMBER_HEADERS = ("已评价", "未评价", "好评", "中评", "差评", "好评率", "差评整改", "按期整改", "整改按期率",
                  "应回访", "已回访", "回访率", "申诉成立")


def _qdate(day: dt.date) -> QDate:
    return QDate(day.year, day.month, day.day)


def figure_cells(row) -> list[str]:  # FigureRow
    return [row.label, str(row.rated), str(row.unrated), str(row.good), str(row.medium), str(row.bad),
            rate_text(row.good_rate), str(row.followups), str(row.rectified_on_time),
            rate_text(row.rectified_on_time_rate), str(row.callbacks_due), str(row.callbacks_done),
            rate_text(row.callback_rate), str(row.upheld_appeals)]


class FiguresWindow(QWidget):
    def __init__(self, services, runner, staff, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.services, self.runner, self.staff = services, runner, staff
        self.actor = Actor(staff.id, staff.name)
        self.rows: list = []  # FigureRow
        self.exported: Path | None = None
        self.query = 0  # the latest read: an answer to an older choice of period or grouping is dropped
        self.setObjectName("ratingFiguresWindow")
        self.setWindowTitle(self.tr("评价统计"))
        self.resize(1280, 600)
        layout = QVBoxLayout(self)
        layout.addLayout(self._filters())
        self.title = QLabel()
        self.title.setObjectName("figuresTitle")
        self.title.setStyleSheet("font-size: 16px; font-weight: bold;")
        layout.addWidget(self.title)
        self.table = make_table("figuresTable", (GROUPS["window"], *NUMBER_HEADERS), 0)
        self.table.horizontalHeader().setMinimumSectionSize(72)  # figures side by side stay readable
        layout.addWidget(self.table, 1)
        note = QLabel(self.tr("好评：满意、非常满意；中评：基本满意；差评：不满意、非常不满意。")
                      + self.tr("申诉成立的评价不计入各项比率。"))
        note.setStyleSheet("color: #555555;")
        layout.addWidget(note)
        layout.addLayout(self._buttons())
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self.close)
        QShortcut(QKeySequence(Qt.Key.Key_F5), self, self.refresh)
        self._on_period_changed()

    # -- layout --------------------------------------------------------------------------------------
    def _filters(self) -> QHBoxLayout:
        today = self.services.ctx.today()
        self.period = QComboBox()
        self.period.setObjectName("figuresPeriod")
        for code, label in PERIODS.items():
            self.period.addItem(self.tr(label), code)
        self.period.setCurrentIndex(self.period.findData("month"))
        self.period.activated.connect(lambda _i: self._on_period_changed())
        self.anchor = self._date_edit("figuresAnchor", today)
        self.anchor.dateChanged.connect(lambda _d: self._on_period_changed())
        self.start, self.end = self._date_edit("figuresStart", today), self._date_edit("figuresEnd", today)
        for edit in (self.start, self.end):
            edit.dateChanged.connect(lambda _d: self._on_custom_changed())
        self.group = QComboBox()
        self.group.setObjectName("figuresGroup")
        for code, label in GROUPS.items():
            self.group.addItem(self.tr("按") + self.tr(label), code)
        self.group.activated.connect(lambda _i: self.refresh())
        row = QHBoxLayout()
        for caption, widget in ((self.tr("统计周期(&P)"), self.period), (self.tr("日期(&D)"), self.anchor),
                                (self.tr("从(&F)"), self.start), (self.tr("至(&T)"), self.end),
                                (self.tr("分组(&G)"), self.group)):
            label = QLabel(caption)
            label.setBuddy(widget)
            row.addWidget(label)
            row.addWidget(widget)
        row.addStretch(1)
        return row

    @staticmethod
    def _date_edit(name: str, day: dt.date) -> QDateEdit:
        edit = QDateEdit(_qdate(day))
        edit.setObjectName(name)
        edit.setDisplayFormat("yyyy-MM-dd")
        edit.setCalendarPopup(True)
        return edit

    def _buttons(self) -> QHBoxLayout:
        self.export_note = QLabel()
        self.export_note.setObjectName("figuresExported")
        self.open_folder = QPushButton(self.tr("打开所在文件夹(&O)"))
        self.open_folder.setObjectName("figuresOpenFolder")
        self.open_folder.setVisible(False)
        self.open_folder.clicked.connect(self._on_open_folder_clicked)
        refresh = QPushButton(self.tr("刷新(&R)"))
        refresh.clicked.connect(self.refresh)
        self.excel_button = QPushButton(self.tr("导出Excel(&E)…"))
        self.excel_button.setObjectName("figuresExcel")
        self.excel_button.setEnabled(False)
        self.excel_button.clicked.connect(self._on_export_clicked)
        row = QHBoxLayout()
        row.addWidget(self.export_note)
        row.addWidget(self.open_folder)
        row.addStretch(1)
        row.addWidget(refresh)
        row.addWidget(self.excel_button)
        return row

    # -- the period ----------------------------------------------------------------------------------
    def kind(self) -> str:
        return str(self.period.currentData())

    def range(self) -> tuple[dt.date, dt.date]:
        return self.start.date().toPython(), self.end.date().toPython()

    def _on_period_changed(self) -> None:
        """A fixed period: the dates follow the anchor (shown, not editable); custom: both dates free."""
        custom = self.kind() == "custom"
        self.anchor.setEnabled(not custom)
        self.start.setEnabled(custom)
        self.end.setEnabled(custom)
        if not custom:
            start, end = period_range(self.kind(), self.anchor.date().toPython())
            for edit, day in ((self.start, start), (self.end, end)):
                edit.blockSignals(True)
                edit.setDate(_qdate(day))
                edit.blockSignals(False)
        self.refresh()

    def _on_custom_changed(self) -> None:
        if self.kind() == "custom":
            self.refresh()

    def set_period(self, kind: str, anchor: dt.date) -> None:
        """For the keyboard-less caller (tests, a link from elsewhere): choose the period around ``anchor``."""
        self.period.setCurrentIndex(self.period.findData(kind))
        self.anchor.blockSignals(True)
        self.anchor.setDate(_qdate(anchor))
        self.anchor.blockSignals(False)
        self._on_period_changed()

    # -- reading -------------------------------------------------------------------------------------
    def refresh(self) -> None:
        start, end = self.range()
        by = str(self.group.currentData())
        if end < start:
            self.title.setText(self.tr("结束日期早于开始日期，请调整。"))
            self.excel_button.setEnabled(False)
            return
        ratings, actor = self.services.ratings, self.actor
        self.excel_button.setEnabled(False)
        self.query += 1
        query = self.query
        self.runner.run(lambda: ratings.figures(actor, start, end, by),
                        lambda rows: self._on_loaded(rows, by, start, end, query), self._on_failed, owner=self)

    def _on_loaded(self, rows: list, by: str, start: dt.date, end: dt.date, query: int = 0) -> None:
        if query and query != self.query:
            return
        self.rows = list(rows)
        self.table.setHorizontalHeaderLabels([self.tr(GROUPS[by])] + [self.tr(h) for h in NUMBER_HEADERS])
        fill_table(self.table, [figure_cells(r) for r in self.rows], bold_last=bool(self.rows), right_from=1)
        self.title.setText(self.tr("评价统计　{period}　按{by}").format(
            period=period_label(self.kind(), start, end), by=self.tr(GROUPS[by])))
        self.excel_button.setEnabled(bool(self.rows))

    def _on_failed(self, exc: Exception) -> None:
        self.rows = []
        self.table.setRowCount(0)
        self.title.setText(self.tr("未能读取评价统计。"))
        show_error(self, exc)

    # -- export --------------------------------------------------------------------------------------
    def default_name(self) -> str:
        start, end = self.range()
        by = GROUPS[str(self.group.currentData())]
        return f"评价统计-{period_label(self.kind(), start, end)}-按{by}.xlsx".replace(" ", "")

    def _on_export_clicked(self) -> None:
        default = str(Path.home() / self.default_name())
        name, _ = QFileDialog.getSaveFileName(self, self.tr("导出评价统计"), default, self.tr("Excel 工作簿 (*.xlsx)"))
        if name:
            self.export_to(Path(name))

    def export_to(self, path: Path) -> None:
        """Write the figures shown (period and grouping) to ``path`` on a worker."""
        if path.suffix.lower() != ".xlsx":
            path = path.with_suffix(".xlsx")
        (start, end), by = self.range(), str(self.group.currentData())
        ratings, actor = self.services.ratings, self.actor
        self.excel_button.setEnabled(False)
        self.runner.run(lambda: ratings.export_figures(actor, start, end, by, path), self._on_exported,
                        self._on_export_failed, owner=self)

    def _on_exported(self, path: Path) -> None:
        self.exported = Path(path)
        self.export_note.setText(self.tr("已导出：{path}").format(path=str(path)))
        self.open_folder.setVisible(True)
        self.excel_button.setEnabled(True)

    def _on_export_failed(self, exc: Exception) -> None:
        self.excel_button.setEnabled(bool(self.rows))
        show_error(self, exc)

    def _on_open_folder_clicked(self) -> None:
        if self.exported is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.exported.parent)))
