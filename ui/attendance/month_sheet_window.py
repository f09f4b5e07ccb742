"""考勤月报: a month's attendance per person (totals) and as a day grid, computed now from this PC's
data or as published; PDF / Excel export; 关闭并发布 by the business section (a later publication is a
correction and needs a reason). Staff without attendance.view see only themselves (the service
decides the scope). Every read, render and write runs on the task runner."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

from PySide6.QtCore import QDate, Qt, QUrl
from PySide6.QtGui import QDesktopServices, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QFileDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QPushButton,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.context import Actor
from app.errors import InvalidInput
from ui.attendance.month_sheet_model import LEGEND, MonthGridTableModel, MonthTotalsTableModel
from ui.errors import show_error

LIVE = -1  # the version box's entry for the live computation


def last_month(today: dt.date) -> tuple[int, int]:
    first = today.replace(day=1) - dt.timedelta(days=1)
    return first.year, first.month


class MonthSheetWindow(QWidget):
    def __init__(self, services, runner, staff, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.services, self.runner, self.staff = services, runner, staff
        self.actor = Actor(staff.id, staff.name)
        self.view = None  # MonthView
        self.may_publish: str | None = "…"  # the refusal; None when the person may publish
        self.exported: Path | None = None
        self.setObjectName("monthSheetWindow")
        self.setWindowTitle(self.tr("考勤月报"))
        self.resize(1280, 680)
        layout = QVBoxLayout(self)
        layout.addLayout(self._filters())
        self.title = QLabel()
        self.title.setObjectName("monthSheetTitle")
        self.title.setStyleSheet("font-size: 16px; font-weight: bold;")
        self.state = QLabel()
        self.state.setObjectName("monthSheetState")
        self.versions_label = QLabel()
        self.versions_label.setObjectName("monthSheetVersions")
        self.versions_label.setWordWrap(True)
        for label in (self.title, self.state, self.versions_label):
            layout.addWidget(label)
        layout.addWidget(self._tables(), 1)
        layout.addLayout(self._buttons())
        QShortcut(QKeySequence(Qt.Modifier.CTRL | Qt.Key.Key_PageUp), self, activated=lambda: self.step(-1))
        QShortcut(QKeySequence(Qt.Modifier.CTRL | Qt.Key.Key_PageDown), self, activated=lambda: self.step(1))
        self._ask_publish_permission()
        self.refresh()

    # -- layout -------------------------------------------------------------------------------------
    def _filters(self) -> QHBoxLayout:
        year, month = last_month(self.services.ctx.today())
        self.month = QDateEdit(QDate(year, month, 1))
        self.month.setObjectName("monthSheetMonth")
        self.month.setDisplayFormat("yyyy年MM月")
        self.month.setToolTip(self.tr("Ctrl+PgUp 上个月，Ctrl+PgDn 下个月"))
        self.month.dateChanged.connect(lambda _d: self.refresh())
        self.department = QComboBox()
        self.department.setObjectName("monthSheetDepartment")
        self.department.addItem(self.tr("全部部门"), None)
        self.department.activated.connect(lambda _i: self.refresh())
        self.version_box = QComboBox()
        self.version_box.setObjectName("monthSheetVersion")
        self.version_box.addItem(self.tr("实时计算"), LIVE)
        self.version_box.activated.connect(lambda _i: self._show())
        self.department_label = QLabel(self.tr("部门"))
        row = QHBoxLayout()
        for text, widget in ((self.tr("月份"), self.month), (None, self.department),
                             (self.tr("显示"), self.version_box)):
            row.addWidget(QLabel(text) if text else self.department_label)
            row.addWidget(widget)
        row.addStretch(1)
        return row

    def _tables(self) -> QTabWidget:
        self.totals_model, self.grid_model = MonthTotalsTableModel(self), MonthGridTableModel(self)
        self.totals, self.grid = QTableView(), QTableView()
        self.totals.setObjectName("monthSheetTotals")
        self.grid.setObjectName("monthSheetGrid")
        for view, model in ((self.totals, self.totals_model), (self.grid, self.grid_model)):
            view.setModel(model)
            view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
            view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.grid.horizontalHeader().setDefaultSectionSize(34)
        grid_page = QWidget()
        grid_layout = QVBoxLayout(grid_page)
        grid_layout.setContentsMargins(0, 0, 0, 0)
        grid_layout.addWidget(self.grid, 1)
        legend = QLabel(self.tr(LEGEND) + self.tr("　* 含待核打卡；鼠标停留可看当天详情"))
        legend.setObjectName("monthSheetLegend")
        grid_layout.addWidget(legend)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("monthSheetTabs")
        self.tabs.addTab(self.totals, self.tr("汇总(&S)"))
        self.tabs.addTab(grid_page, self.tr("每日明细(&D)"))
        return self.tabs

    def _buttons(self) -> QHBoxLayout:
        self.pdf_button = QPushButton(self.tr("导出PDF(&P)…"))
        self.pdf_button.setObjectName("monthSheetPdf")
        self.pdf_button.clicked.connect(lambda: self._on_export_clicked("pdf"))
        self.excel_button = QPushButton(self.tr("导出Excel(&E)…"))
        self.excel_button.setObjectName("monthSheetExcel")
        self.excel_button.clicked.connect(lambda: self._on_export_clicked("xlsx"))
        self.publish_button = QPushButton(self.tr("关闭并发布(&F)…"))
        self.publish_button.setObjectName("monthSheetPublish")
        self.publish_button.setEnabled(False)
        self.publish_button.clicked.connect(self._on_publish_clicked)
        self.export_note = QLabel()
        self.export_note.setObjectName("monthSheetExported")
        self.open_folder = QPushButton(self.tr("打开所在文件夹(&O)"))
        self.open_folder.setObjectName("monthSheetOpenFolder")
        self.open_folder.setVisible(False)
        self.open_folder.clicked.connect(self._on_open_folder_clicked)
        row = QHBoxLayout()
        row.addWidget(self.export_note)
        row.addWidget(self.open_folder)
        row.addStretch(1)
        for button in (self.pdf_button, self.excel_button, self.publish_button):
            row.addWidget(button)
        return row

    # -- reading ------------------------------------------------------------------------------------
    def period(self) -> tuple[int, int]:
        date = self.month.date()
        return date.year(), date.month()

    def step(self, months: int) -> None:
        self.month.setDate(self.month.date().addMonths(months))

    def refresh(self) -> None:
        attendance, actor, (year, month) = self.services.attendance, self.actor, self.period()
        department = self.department.currentData()
        self._set_busy(True)
        self.runner.run(lambda: attendance.month_sheet(actor, year, month, department_id=department),
                        self._on_loaded, self._on_failed)

    def _ask_publish_permission(self) -> None:
        permissions, actor = self.services.permissions, self.actor
        self.runner.run(lambda: permissions.refusal(actor, "attendance.publish"), self._on_publish_permission)

    def _on_publish_permission(self, refusal: str | None) -> None:
        self.may_publish = refusal
        hint = self.tr("关闭本月考勤并向全大厅发布；已发布后再发布即为更正，须说明原因")
        self.publish_button.setToolTip(refusal or hint)
        self._set_busy(False)

    def _set_busy(self, busy: bool) -> None:
        ready = not busy and self.view is not None
        self.pdf_button.setEnabled(ready)
        self.excel_button.setEnabled(ready)
        self.publish_button.setEnabled(ready and self.may_publish is None and not self.view.own_only)

    def _on_loaded(self, view) -> None:
        self.view = view
        self.title.setText(view.title)
        self._fill_departments(view)
        self.version_box.clear()
        self.version_box.addItem(self.tr("实时计算"), LIVE)
        for i, version in enumerate(view.versions):
            self.version_box.addItem(version.label, i)
        if view.versions:
            lines = "\n".join(v.label for v in view.versions)
            self.versions_label.setText(self.tr("已发布：") + lines)
        else:
            self.versions_label.setText(self.tr("本月尚未发布。"))
        self._show()
        self._set_busy(False)

    def _fill_departments(self, view) -> None:
        own_only = view.own_only
        self.department.setVisible(not own_only)
        self.department_label.setVisible(not own_only)
        known = {self.department.itemData(i) for i in range(self.department.count())}
        for department in view.sheet.departments:
            if department.department_id is not None and department.department_id not in known:
                self.department.addItem(department.department_name, department.department_id)

    def shown_sheet(self):
        """The sheet on screen: the live computation, or the published version chosen."""
        choice = self.version_box.currentData()
        if self.view is None:
            return None
        if choice is None or choice == LIVE:
            return self.view.sheet
        return self.view.versions[choice].sheet

    def shown_view(self):
        """The MonthView to export: a published version chosen is exported as that edition."""
        choice = self.version_box.currentData()
        if choice is None or choice == LIVE or self.view.versions[choice].sheet is None:
            return self.view
        return dataclasses.replace(self.view, sheet=self.view.versions[choice].sheet,
                                   versions=self.view.versions[choice:], edition=self.view.versions[choice].version)

    def _show(self) -> None:
        view, choice = self.view, self.version_box.currentData()
        if view is None:
            return
        sheet = self.shown_sheet()
        if choice is None or choice == LIVE:
            made = view.made_at.strftime("%Y-%m-%d %H:%M") if view.made_at else ""
            state = self.tr("当前显示：按本机现有数据实时计算（{scope}，截至 {as_of}，计算于 {made}）").format(
                scope=view.scope_label, as_of=view.sheet.as_of.strftime("%Y-%m-%d"), made=made)
            if view.versions:
                state += self.tr("；与发布版可能不同")
        else:
            state = self.tr("当前显示：已发布的{label}").format(label=view.versions[choice].label)
            if sheet is None:
                state += self.tr("（本机未保存该版内容，请同步后再看）")
        self.state.setText(state)
        self.totals_model.set_sheet(sheet)
        self.grid_model.set_sheet(sheet)
        self.totals.resizeColumnsToContents()
        self.grid.resizeColumnsToContents()

    def _on_failed(self, exc: Exception) -> None:
        self.view = None
        self.totals_model.set_sheet(None)
        self.grid_model.set_sheet(None)
        self.state.setText(self.tr("未能读取考勤月报。"))
        self._set_busy(False)
        show_error(self, exc)

    # -- export -------------------------------------------------------------------------------------
    def _default_name(self, suffix: str) -> str:
        year, month = self.period()
        return f"考勤月报-{year}年{month:02d}月.{suffix}"

    def _on_export_clicked(self, suffix: str) -> None:
        if self.view is None:
            return
        kind = self.tr("PDF 文件 (*.pdf)") if suffix == "pdf" else self.tr("Excel 工作簿 (*.xlsx)")
        default = str(Path.home() / self._default_name(suffix))
        name, _ = QFileDialog.getSaveFileName(self, self.tr("导出考勤月报"), default, kind)
        if name:
            self.export_to(Path(name))

    def export_to(self, path: Path) -> None:
        """Write the month to ``path`` (.pdf or .xlsx) on a worker."""
        assert self.view is not None
        attendance, view = self.services.attendance, self.shown_view()
        write = attendance.write_month_pdf if path.suffix.lower() == ".pdf" else attendance.write_month_excel
        self._set_busy(True)
        self.runner.run(lambda: write(view, path), self._on_exported, self._on_failed_keep)

    def _on_exported(self, path: Path) -> None:
        self.exported = Path(path)
        self.export_note.setText(self.tr("已导出：{path}").format(path=str(path)))
        self.open_folder.setVisible(True)
        self._set_busy(False)

    def _on_open_folder_clicked(self) -> None:
        if self.exported is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.exported.parent)))

    def _on_failed_keep(self, exc: Exception) -> None:
        self._set_busy(False)
        show_error(self, exc)

    # -- publish ------------------------------------------------------------------------------------
    def _on_publish_clicked(self) -> None:
        if self.view is None:
            return
        year, month = self.period()
        dialog = QInputDialog(self)
        dialog.setObjectName("monthSheetPublishDialog")
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.setWindowTitle(self.tr("关闭并发布考勤月报"))
        if self.view.versions:
            dialog.setLabelText(self.tr("{y}年{m}月已发布第{v}版。再次发布为更正，请填写更正原因：").format(
                y=year, m=month, v=self.view.versions[0].version))
        else:
            dialog.setLabelText(self.tr("发布{y}年{m}月考勤月报（全大厅）。发布后以后的修改只能作为更正版本。\n备注（可不填）：")
                                .format(y=year, m=month))
        dialog.textValueSelected.connect(self.publish)
        dialog.open()

    def publish(self, reason: str = "") -> None:
        if self.view is not None and self.view.versions and not reason.strip():
            show_error(self, InvalidInput("本月已发布，再次发布为更正，请填写更正原因。", field="reason"))
            return
        attendance, actor, (year, month) = self.services.attendance, self.actor, self.period()
        self._set_busy(True)
        self.runner.run(lambda: attendance.publish_month(actor, year, month, reason.strip()),
                        self._on_published, self._on_failed_keep, write=True)

    def _on_published(self, view) -> None:
        self.export_note.setText(self.tr("已发布：{label}").format(label=view.latest.label if view.latest else ""))
        self.open_folder.setVisible(False)
        self.refresh()

