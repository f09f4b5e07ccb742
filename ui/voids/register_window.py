"""作废号登记簿: the hall's voided numbers by period, type and window, for inspections; printable
(PDF through the printer dialog) and exportable (Excel). Queries, rendering and printing run on the
task runner, never on the GUI thread."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtCore import QDate, Qt
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.context import Actor
from app.dto import StaffInfo
from app.services import Services
from app.voids.model import Register, RegisterQuery
from app.voids.report import HEADERS
from ui.documents.printing import print_pdf
from ui.errors import show_error
from ui.tasks import TaskRunner


class VoidRegisterWindow(QWidget):
    def __init__(self, services: Services, runner: TaskRunner, staff: StaffInfo,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.services, self.runner, self.staff = services, runner, staff
        self.register: Register | None = None
        self.setObjectName("voidRegisterWindow")
        self.setWindowTitle(self.tr("作废号登记簿"))
        self.resize(1340, 640)
        layout = QVBoxLayout(self)
        layout.addLayout(self._filters())
        self.summary = QLabel()
        self.summary.setObjectName("voidRegisterSummary")
        layout.addWidget(self.summary)
        self.table = QTableWidget(0, len(HEADERS))
        self.table.setObjectName("voidRegisterTable")
        self.table.setHorizontalHeaderLabels(list(HEADERS))
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(6, QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.table, 1)
        layout.addLayout(self._buttons())
        self.refresh()

    def _filters(self) -> QHBoxLayout:
        today = self.services.ctx.today()
        self.date_from = QDateEdit(QDate(today.year, today.month, 1))
        self.date_to = QDateEdit(QDate(today.year, today.month, today.day))
        for edit, name in ((self.date_from, "voidFrom"), (self.date_to, "voidTo")):
            edit.setObjectName(name)
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
        self.kind = QComboBox()
        self.kind.setObjectName("voidKind")
        self.kind.addItem(self.tr("全部文书"), None)
        for code, label in self.services.voids.kinds():
            self.kind.addItem(label, code)
        self.window_box = QComboBox()
        self.window_box.setObjectName("voidWindow")
        self.window_box.addItem(self.tr("全部窗口"), None)
        for window_id, label in self.services.voids.windows():
            self.window_box.addItem(label, window_id)
        search = QPushButton(self.tr("查询(&Q)"))
        search.setObjectName("voidSearch")
        search.clicked.connect(self.refresh)
        row = QHBoxLayout()
        for text, widget in ((self.tr("作废日期"), self.date_from), (self.tr("至"), self.date_to),
                             (self.tr("文书种类"), self.kind), (self.tr("窗口"), self.window_box)):
            row.addWidget(QLabel(text))
            row.addWidget(widget)
        row.addWidget(search)
        row.addStretch(1)
        return row

    def _buttons(self) -> QHBoxLayout:
        self.print_button = QPushButton(self.tr("打印(&P)…"))
        self.print_button.setObjectName("voidPrint")
        self.print_button.clicked.connect(self._on_print_clicked)
        self.excel_button = QPushButton(self.tr("导出Excel(&E)…"))
        self.excel_button.setObjectName("voidExcel")
        self.excel_button.clicked.connect(self._on_excel_clicked)
        skip = QPushButton(self.tr("登记跳号(&N)…"))
        skip.setObjectName("voidSkip")
        skip.setToolTip(self.tr("本机编号段中未出具文书的编号登记作废；须由首席代表（本部门）或中心业务科办理，可在本机授权"))
        skip.clicked.connect(self.skip_number)
        row = QHBoxLayout()
        row.addWidget(skip)
        row.addStretch(1)
        row.addWidget(self.print_button)
        row.addWidget(self.excel_button)
        return row

    def skip_number(self) -> None:
        from ui.voids.skip_number_dialog import skip_number_then

        actor, permissions = Actor(self.staff.id, self.staff.name), self.services.permissions
        self.runner.run(lambda: permissions.refusal(actor, "notice.void", here=True),
                        lambda may: skip_number_then(self, self.services, self.runner, self.staff,
                                                     then=lambda _entry: self.refresh(), may=may), owner=self)

    def query(self) -> RegisterQuery:
        return RegisterQuery(self.date_from.date().toPython(), self.date_to.date().toPython(),
                             self.kind.currentData(), self.window_box.currentData())

    def refresh(self) -> None:
        voids, actor, query = self.services.voids, Actor(self.staff.id, self.staff.name), self.query()
        self._set_busy(True)
        self.runner.run(lambda: voids.register(actor, query), self._on_loaded, self._on_failed)

    def _set_busy(self, busy: bool) -> None:
        for button in (self.print_button, self.excel_button):
            button.setEnabled(not busy and self.register is not None)

    def _on_loaded(self, register: Register) -> None:
        self.register = register
        self.summary.setText(self.tr("{period}　{kind}　{window}　共 {n} 个作废编号").format(
            period=register.period_label, kind=register.kind_label, window=register.window_label,
            n=len(register.entries)))
        self.table.setRowCount(len(register.entries))
        for i, e in enumerate(register.entries):
            cells = [str(i + 1), e.number, e.kind_label, e.window_label, e.case_number or self.tr("（未出具文书）"),
                     e.category_label, e.reason, e.voided_at.strftime("%Y-%m-%d %H:%M"), e.voided_by,
                     e.requested_by, e.replaced_by]
            for j, text in enumerate(cells):
                self.table.setItem(i, j, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()
        self._set_busy(False)

    def _on_failed(self, exc: Exception) -> None:
        self.register = None
        self._set_busy(False)
        self.summary.setText(self.tr("未能读取作废号登记簿。"))
        show_error(self, exc)

    def _report_path(self, suffix: str) -> Path:
        made = dt.datetime.now().strftime("%Y%m%d%H%M%S")
        return self.services.ctx.db.path.parent / "reports" / f"作废号登记簿-{made}.{suffix}"

    def _on_print_clicked(self) -> None:
        if self.register is None:
            return
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        dialog = QPrintDialog(printer, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self.print_to(printer))
        dialog.open()

    def print_to(self, printer) -> None:
        """Render the register to PDF (kept under reports/) and print it, both off the GUI thread."""
        assert self.register is not None
        voids, register, path = self.services.voids, self.register, self._report_path("pdf")
        self._set_busy(True)
        self.runner.run(lambda: print_pdf(voids.write_pdf(register, path), printer),
                        lambda _pages: self._set_busy(False), self._on_failed_keep)

    def _on_excel_clicked(self) -> None:
        if self.register is None:
            return
        default = str(Path.home() / self._report_path("xlsx").name)
        name, _ = QFileDialog.getSaveFileName(self, self.tr("导出Excel"), default, self.tr("Excel 工作簿 (*.xlsx)"))
        if name:
            self.export_to(Path(name))

    def export_to(self, path: Path) -> None:
        assert self.register is not None
        voids, register = self.services.voids, self.register
        self._set_busy(True)
        self.runner.run(lambda: voids.write_excel(register, path), self._on_exported, self._on_failed_keep)

    def _on_exported(self, path: Path) -> None:
        self._set_busy(False)
        self.summary.setText(self.summary.text() + self.tr("　已导出：") + str(path))

    def _on_failed_keep(self, exc: Exception) -> None:
        self._set_busy(False)
        show_error(self, exc)
