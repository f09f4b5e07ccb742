"""统计报表: the hall's figures of a period (a day, week, month, quarter, year or a custom range) grouped by
window, department or matter, beside the previous period's: 概览 (key figures with ▲▼ and the charts),
办件, 评价, 考勤, 月度趋势; 导出Excel, 打印/导出PDF and the month's 通报. A 首席代表 sees their department
(the service decides; the department box is fixed for them). Every read, render and write runs on the
task runner: the window shows "正在统计…" meanwhile and stays usable."""

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
    QTableWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.context import Actor
from app.errors import DomainError
from app.reports.model import BY_LABELS
from app.reports.periods import KINDS, custom, period_of
from app.reports.tables import appraisal_sections, sections, shown
from ui.errors import show_error
from ui.ratings.common import fill_table, make_table
from ui.reports import charts
from ui.reports.overview import KeyFigures

BUSY = "正在统计…"
TABS = (("cases", "办件(&C)"), ("ratings", "评价(&V)"), ("attendance", "考勤(&A)"), ("trend", "月度趋势(&M)"),
        ("appraisal", "考核排名(&K)"))
FILE_KINDS = {"xlsx": "Excel 工作簿 (*.xlsx)", "pdf": "PDF 文件 (*.pdf)", "bulletin": "PDF 文件 (*.pdf)"}


def _qdate(day: dt.date) -> QDate:
    return QDate(day.year, day.month, day.day)


class ReportsWindow(QWidget):
    def __init__(self, services, runner, staff, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.services, self.runner, self.staff = services, runner, staff
        self.actor = Actor(staff.id, staff.name)
        self.report = None  # Dashboard
        self.access = None  # ReportAccess
        self.exported: Path | None = None
        self.query = 0  # the latest read: the answer to an older choice is dropped
        self.busy = False
        self.status_text = ""
        self.setObjectName("reportsWindow")
        self.setWindowTitle(self.tr("统计报表"))
        self.resize(1360, 860)
        layout = QVBoxLayout(self)
        layout.addLayout(self._filters())
        self.title = QLabel()
        self.title.setObjectName("reportsTitle")
        self.title.setStyleSheet("font-size: 16px; font-weight: bold;")
        self.state = QLabel()
        self.state.setObjectName("reportsState")
        self.state.setStyleSheet("color: #555555;")
        self.state.setWordWrap(True)
        layout.addWidget(self.title)
        layout.addWidget(self.state)
        layout.addWidget(self._tabs(), 1)
        layout.addLayout(self._buttons())
        for key in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_F5):
            QShortcut(QKeySequence(key), self, self.refresh)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self.close)
        self._set_busy(True, self.tr("正在读取权限…"))
        reports, actor = services.reports, self.actor
        self.runner.run(lambda: reports.access(actor), self._on_access, self._on_failed)

    # -- layout -------------------------------------------------------------------------------------
    def _filters(self) -> QHBoxLayout:
        today = self.services.ctx.today()
        self.period = QComboBox()
        self.period.setObjectName("reportsPeriod")
        for code, label in KINDS.items():
            self.period.addItem(self.tr(label), code)
        self.period.setCurrentIndex(self.period.findData("month"))
        self.period.activated.connect(lambda _i: self._on_period_changed())
        self.anchor = self._date_edit("reportsAnchor", today)
        self.anchor.dateChanged.connect(lambda _d: self._on_period_changed())
        self.start, self.end = self._date_edit("reportsStart", today), self._date_edit("reportsEnd", today)
        for edit in (self.start, self.end):
            edit.dateChanged.connect(lambda _d: self._on_custom_changed())
        self.group = QComboBox()
        self.group.setObjectName("reportsGroup")
        for code, label in BY_LABELS.items():
            self.group.addItem(self.tr("按") + self.tr(label), code)
        self.group.activated.connect(lambda _i: self.refresh())
        self.department = QComboBox()
        self.department.setObjectName("reportsDepartment")
        self.department.activated.connect(lambda _i: self.refresh())
        self.go = QPushButton(self.tr("统计(&S)"))
        self.go.setObjectName("reportsRefresh")
        self.go.setToolTip(self.tr("按所选周期重新统计（Enter）"))
        self.go.clicked.connect(self.refresh)
        row = QHBoxLayout()
        for caption, widget in ((self.tr("统计周期(&P)"), self.period), (self.tr("日期(&D)"), self.anchor),
                                (self.tr("从(&F)"), self.start), (self.tr("至(&T)"), self.end),
                                (self.tr("分组(&G)"), self.group), (self.tr("部门(&B)"), self.department)):
            label = QLabel(caption)
            label.setBuddy(widget)
            row.addWidget(label)
            row.addWidget(widget)
        row.addWidget(self.go)
        row.addStretch(1)
        self._on_period_changed(refresh=False)
        return row

    @staticmethod
    def _date_edit(name: str, day: dt.date) -> QDateEdit:
        edit = QDateEdit(_qdate(day))
        edit.setObjectName(name)
        edit.setDisplayFormat("yyyy-MM-dd")
        edit.setCalendarPopup(True)
        return edit

    def _tabs(self) -> QTabWidget:
        self.tabs = QTabWidget()
        self.tabs.setObjectName("reportsTabs")
        overview = QWidget()
        box = QVBoxLayout(overview)
        self.figures = KeyFigures()
        box.addWidget(self.figures)
        row = QHBoxLayout()
        self.trend_view = charts.view(charts.trend_chart(()), "reportsTrendChart")
        self.group_view = charts.view(charts.group_chart([], "窗口"), "reportsGroupChart")
        self.levels_view = charts.view(charts.levels_chart(()), "reportsLevelsChart")
        row.addWidget(self.trend_view, 4)
        row.addWidget(self.group_view, 4)
        row.addWidget(self.levels_view, 3)
        box.addLayout(row, 1)
        self.tabs.addTab(overview, self.tr("概览(&O)"))
        self.tables: dict[str, QTableWidget] = {}
        self.notes: dict[str, QLabel] = {}
        for key, caption in TABS:
            page = QWidget()
            page_box = QVBoxLayout(page)
            page_box.setContentsMargins(0, 0, 0, 0)
            table = make_table(f"reports_{key}_table", ("",), 0)
            table.horizontalHeader().setMinimumSectionSize(64)
            note = QLabel()
            note.setObjectName(f"reports_{key}_note")
            note.setStyleSheet("color: #555555;")
            note.setWordWrap(True)
            page_box.addWidget(table, 1)
            page_box.addWidget(note)
            self.tables[key], self.notes[key] = table, note
            self.tabs.addTab(page, self.tr(caption))
        return self.tabs

    def _buttons(self) -> QHBoxLayout:
        self.export_note = QLabel()
        self.export_note.setObjectName("reportsExported")
        self.open_folder = QPushButton(self.tr("打开所在文件夹(&W)"))
        self.open_folder.setObjectName("reportsOpenFolder")
        self.open_folder.setVisible(False)
        self.open_folder.clicked.connect(self._on_open_folder_clicked)
        self.excel_button = QPushButton(self.tr("导出Excel(&E)…"))
        self.excel_button.setObjectName("reportsExcel")
        self.excel_button.clicked.connect(lambda: self._on_export_clicked("xlsx"))
        self.pdf_button = QPushButton(self.tr("打印/导出PDF(&X)…"))
        self.pdf_button.setObjectName("reportsPdf")
        self.pdf_button.clicked.connect(lambda: self._on_export_clicked("pdf"))
        self.bulletin_button = QPushButton(self.tr("月度通报(&N)…"))
        self.bulletin_button.setObjectName("reportsBulletin")
        self.bulletin_button.setToolTip(self.tr("所选日期所在月份的窗口服务情况通报（公文格式PDF）"))
        self.bulletin_button.clicked.connect(lambda: self._on_export_clicked("bulletin"))
        close = QPushButton(self.tr("关闭"))
        close.clicked.connect(self.close)
        row = QHBoxLayout()
        row.addWidget(self.export_note)
        row.addWidget(self.open_folder)
        row.addStretch(1)
        for button in (self.excel_button, self.pdf_button, self.bulletin_button, close):
            row.addWidget(button)
        return row

    # -- the period -----------------------------------------------------------------------------------
    def kind(self) -> str:
        return str(self.period.currentData())

    def _on_period_changed(self, refresh: bool = True) -> None:
        """A fixed period: the dates follow the anchor (shown, not editable); custom: both dates free."""
        is_custom = self.kind() == "custom"
        self.anchor.setEnabled(not is_custom)
        self.start.setEnabled(is_custom)
        self.end.setEnabled(is_custom)
        if not is_custom:
            chosen = period_of(self.kind(), self.anchor.date().toPython())
            for edit, day in ((self.start, chosen.start), (self.end, chosen.end)):
                edit.blockSignals(True)
                edit.setDate(_qdate(day))
                edit.blockSignals(False)
        if refresh:
            self.refresh()

    def _on_custom_changed(self) -> None:
        if self.kind() == "custom":
            self.refresh()

    def set_period(self, kind: str, anchor: dt.date, end: dt.date | None = None) -> None:
        """Choose the period around ``anchor`` (custom: ``anchor`` to ``end``) and count it."""
        self.period.setCurrentIndex(self.period.findData(kind))
        for edit, day in ((self.anchor, anchor), (self.start, anchor), (self.end, end or anchor)):
            edit.blockSignals(True)
            edit.setDate(_qdate(day))
            edit.blockSignals(False)
        self._on_period_changed()

    def chosen_period(self):  # Period
        if self.kind() == "custom":
            return custom(self.start.date().toPython(), self.end.date().toPython())
        return period_of(self.kind(), self.anchor.date().toPython())

    # -- reading --------------------------------------------------------------------------------------
    def _on_access(self, access) -> None:  # ReportAccess
        self.access = access
        if not access.may_view:
            self._set_busy(False, access.refusal or "")
            self.title.setText(self.tr("无权查看统计报表"))
            return
        self.department.clear()
        if access.department_id is None:
            self.department.addItem(self.tr("全部部门"), None)
        for department_id, name in access.departments:
            self.department.addItem(name, department_id)
        self.department.setEnabled(access.department_id is None)
        if access.department_id is not None:
            self.department.setToolTip(self.tr("首席代表只能查看本部门的统计报表"))
        self.refresh()

    def refresh(self) -> None:
        if self.access is None or not self.access.may_view:
            return
        try:
            period = self.chosen_period()
        except DomainError as exc:
            self.state.setText(exc.message)
            return
        reports, actor = self.services.reports, self.actor
        by, department = str(self.group.currentData()), self.department.currentData()
        self.query += 1
        query = self.query
        self._set_busy(True, self.tr(BUSY))
        self.runner.run(lambda: reports.dashboard(actor, period, by, department),
                        lambda report: self._on_loaded(report, query), lambda exc: self._on_failed(exc, query),
                        owner=self)

    def _set_busy(self, busy: bool, text: str = "") -> None:
        self.busy = busy
        ready = not busy and self.report is not None
        for button in (self.excel_button, self.pdf_button, self.bulletin_button):
            button.setEnabled(ready)
        if text or busy:
            self.state.setText(text)

    def _on_loaded(self, report, query: int = 0) -> None:
        if query and query != self.query:
            return
        self.report = report
        self.title.setText(self.tr("{title}　{period}　按{by}").format(title=report.title, period=report.period.label,
                                                                      by=report.by_label))
        self.figures.show_figures(report.key_figures)
        self._show_charts(report)
        self._show_appraisal(report)
        for section in sections(report):
            table = self.tables[section.key]
            table.setColumnCount(len(section.headers))
            table.setHorizontalHeaderLabels(list(section.headers))
            rows = [[shown(v, fmt) for v, fmt in zip(values, section.formats, strict=True)] for values in section.rows]
            fill_table(table, rows, bold_last=section.key != "trend" and bool(rows), right_from=1)
            self.notes[section.key].setText(section.note)
        made = report.made_at.strftime("%Y-%m-%d %H:%M")
        self.status_text = self.tr("{sub}　计算于 {made}").format(sub=report.subtitle, made=made)
        self._set_busy(False, self.status_text)

    def _show_appraisal(self, report) -> None:
        """The last published month's ranking the period covers, with its grade distribution (or the draft,
        said so); empty, saying why, when no month of the period has ended."""
        table, note = self.tables["appraisal"], self.notes["appraisal"]
        parts = appraisal_sections(report.appraisal)
        if not parts:
            table.setColumnCount(1)
            table.setHorizontalHeaderLabels([self.tr("考核")])
            fill_table(table, [])
            note.setText(self.tr("本期尚无已结束的月份，没有考核结果可显示。"))
            return
        ranking, grades = parts
        table.setColumnCount(len(ranking.headers))
        table.setHorizontalHeaderLabels(list(ranking.headers))
        fill_table(table, [[shown(v, f) for v, f in zip(row, ranking.formats, strict=True)] for row in ranking.rows],
                   right_from=3)
        spread = "，".join(f"{grade} {n} 人" for grade, n in grades.rows)
        note.setText(f"{report.appraisal.title}：{spread}。{report.appraisal.note}")

    def _show_charts(self, report) -> None:
        for view, chart in ((self.trend_view, charts.trend_chart(report.trend)),
                            (self.group_view, charts.group_chart(list(report.current.cases[:-1]), report.by_label)),
                            (self.levels_view, charts.levels_chart(report.current.levels))):
            old = view.chart()
            view.setChart(chart)
            if old is not None:
                old.deleteLater()

    def _on_failed(self, exc: Exception, query: int = 0) -> None:
        if query and query != self.query:
            return
        self._set_busy(False, self.tr("未能完成统计。"))
        show_error(self, exc)

    # -- export ---------------------------------------------------------------------------------------
    def default_name(self, kind: str) -> str:
        label = self.report.period.label if self.report is not None else ""
        if kind == "bulletin":
            month = period_of("month", self.chosen_period().start)
            return f"窗口服务情况通报-{month.label}.pdf"
        return f"统计报表-{label}-按{BY_LABELS[str(self.group.currentData())]}.{kind}".replace(" ", "")

    def _on_export_clicked(self, kind: str) -> None:
        if self.report is None:
            return
        default = str(Path.home() / self.default_name(kind))
        name, _ = QFileDialog.getSaveFileName(self, self.tr("导出统计报表"), default, self.tr(FILE_KINDS[kind]))
        if name:
            self.export_to(Path(name), kind)

    def export_to(self, path: Path, kind: str | None = None) -> None:
        """Write the report shown (.xlsx / .pdf), or the month's 通报 (kind 'bulletin'), on a worker."""
        if self.report is None:
            return
        kind = kind or ("xlsx" if path.suffix.lower() == ".xlsx" else "pdf")
        reports, report, actor = self.services.reports, self.report, self.actor
        if kind == "bulletin":
            month = period_of("month", self.chosen_period().start)
            department = self.department.currentData()

            def write() -> Path:
                source = report if report.period == month and report.by == "window" else reports.dashboard(
                    actor, month, "window", department)
                return reports.write_bulletin(source, path)
        elif kind == "xlsx":
            def write() -> Path:
                return reports.write_excel(report, path)
        else:
            def write() -> Path:
                return reports.write_pdf(report, path)
        self._set_busy(True, self.tr("正在生成文件…"))
        self.runner.run(write, self._on_exported, self._on_export_failed, owner=self)

    def _on_exported(self, path: Path) -> None:
        self.exported = Path(path)
        self.export_note.setText(self.tr("已导出：{path}").format(path=str(path)))
        self.open_folder.setVisible(True)
        self._set_busy(False, self.status_text)

    def _on_export_failed(self, exc: Exception) -> None:
        self._set_busy(False, self.status_text)
        show_error(self, exc)

    def _on_open_folder_clicked(self) -> None:
        if self.exported is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.exported.parent)))
