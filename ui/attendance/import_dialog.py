"""导入考勤机记录: choose the attendance machine's export (.csv / .xlsx), check the column mapping
on a preview of the first rows (the hall's remembered mapping pre-selected, else a guess), see what
would be imported (可导入 / 重复 / 有问题, with every problem row), then import on the write pool.
Re-importing the same file adds nothing and says so. Reading and parsing run on the task runner."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.context import Actor
from ui.errors import show_error

# What a column can be imported as (app.attendance.machine_import FIELDS); None: 不导入.
FIELD_CHOICES = (("staff_no", "工号"), ("name", "姓名"), ("at", "日期时间"), ("date", "日期"), ("time", "时间"),
                 ("terminal", "设备"), (None, "不导入"))
PROBLEM_HEADERS = ("行号", "原因", "内容")


class MachineImportDialog(QDialog):
    imported = Signal(object)  # ImportResult

    def __init__(self, services, runner, staff, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services, self.runner, self.staff = services, runner, staff
        self.actor = Actor(staff.id, staff.name)
        self.path: Path | None = None
        self.preview = None  # ImportPreview
        self.result = None  # ImportResult
        self.combos: list[QComboBox] = []
        self._loads = 0  # previews run in parallel on the read pool: only the latest one is shown
        self.setObjectName("machineImportDialog")
        self.setWindowTitle(self.tr("导入考勤机记录"))
        self.resize(1000, 680)
        layout = QVBoxLayout(self)
        layout.addLayout(self._file_row())
        layout.addWidget(QLabel(self.tr("请核对每一列的含义（第一行下拉框）：")))
        self.table = QTableWidget(0, 0)
        self.table.setObjectName("importPreview")
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        layout.addWidget(self.table, 3)
        self.counts = QLabel(self.tr("尚未选择文件。"))
        self.counts.setObjectName("importCounts")
        self.counts.setWordWrap(True)
        layout.addWidget(self.counts)
        self.problems = QTableWidget(0, len(PROBLEM_HEADERS))
        self.problems.setObjectName("importProblems")
        self.problems.setHorizontalHeaderLabels([self.tr(h) for h in PROBLEM_HEADERS])
        self.problems.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.problems.verticalHeader().setVisible(False)
        self.problems.horizontalHeader().setStretchLastSection(True)
        layout.addWidget(self.problems, 2)
        self.summary = QLabel()
        self.summary.setObjectName("importSummary")
        self.summary.setWordWrap(True)
        self.summary.setStyleSheet("font-weight: bold;")
        layout.addWidget(self.summary)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.import_button = buttons.addButton(self.tr("导入(&I)"), QDialogButtonBox.ButtonRole.ActionRole)
        self.import_button.setObjectName("importRun")
        self.import_button.setEnabled(False)
        self.import_button.clicked.connect(self._on_import_clicked)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def _file_row(self) -> QHBoxLayout:
        self.file_edit = QLineEdit()
        self.file_edit.setObjectName("importFile")
        self.file_edit.setReadOnly(True)
        self.file_edit.setPlaceholderText(self.tr("考勤机导出的 .csv 或 .xlsx 文件"))
        choose = QPushButton(self.tr("选择文件(&F)…"))
        choose.setObjectName("importChoose")
        choose.clicked.connect(self._on_choose_clicked)
        row = QHBoxLayout()
        row.addWidget(QLabel(self.tr("文件")))
        row.addWidget(self.file_edit, 1)
        row.addWidget(choose)
        return row

    def _on_choose_clicked(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, self.tr("选择考勤机导出文件"), str(Path.home()),
                                              self.tr("考勤机导出文件 (*.csv *.xlsx)"))
        if name:
            self.load(Path(name))

    # -- preview ------------------------------------------------------------------------------------
    def load(self, path: Path, mapping: dict[str, int] | None = None) -> None:
        """Preview ``path`` with ``mapping`` (None: the remembered or guessed one) on a worker."""
        self.path = path
        self.file_edit.setText(str(path))
        self.import_button.setEnabled(False)
        self.summary.clear()
        attendance = self.services.attendance
        self.counts.setText(self.tr("正在读取文件…"))
        self._loads += 1
        load = self._loads
        self.runner.run(lambda: attendance.preview_import(path, mapping),
                        lambda preview: self._on_previewed(preview, load),
                        lambda exc: self._on_preview_failed(exc, load), owner=self)

    def _on_previewed(self, preview, load: int) -> None:
        if load != self._loads:
            return
        self.preview = preview
        self._fill_preview(preview)
        self._fill_problems(preview.problems)
        source = {"remembered": self.tr("（沿用上次导入的列设置）"), "guessed": self.tr("（按表头自动识别列）")}
        if preview.mapping_error:
            self.counts.setText(self.tr("列设置有误：") + preview.mapping_error)
            self.counts.setStyleSheet("color: #b71c1c;")
        else:
            self.counts.setStyleSheet("")
            self.counts.setText(self.tr("共 {total} 行：可导入 {new} 条，重复 {dup} 条，有问题 {bad} 行").format(
                total=preview.total_rows, new=preview.new_count, dup=preview.duplicate_count,
                bad=len(preview.problems)) + source.get(preview.mapping_source, ""))
        self.import_button.setEnabled(not preview.mapping_error)

    def _on_preview_failed(self, exc: Exception, load: int) -> None:
        if load != self._loads:
            return
        self.preview = None
        self.counts.setText(self.tr("无法读取该文件。"))
        show_error(self, exc)

    def _fill_preview(self, preview) -> None:
        columns = len(preview.headers)
        self.table.clear()
        self.table.setColumnCount(columns)
        self.table.setRowCount(len(preview.rows) + 1)
        self.table.setHorizontalHeaderLabels(list(preview.headers))
        self.table.setVerticalHeaderLabels([self.tr("导入为")] + [str(i + 1) for i in range(len(preview.rows))])
        chosen = {index: field for field, index in preview.mapping.items()}
        self.combos = []
        for column in range(columns):
            combo = QComboBox()
            combo.setObjectName(f"importColumn{column}")
            for field, label in FIELD_CHOICES:
                combo.addItem(self.tr(label), field)
            combo.setCurrentIndex(combo.findData(chosen.get(column)))
            combo.activated.connect(lambda _i: self._on_mapping_changed())
            self.table.setCellWidget(0, column, combo)
            self.combos.append(combo)
        for r, row in enumerate(preview.rows, start=1):
            for column in range(columns):
                text = row[column] if column < len(row) else ""
                self.table.setItem(r, column, QTableWidgetItem(text[:80]))
        self.table.resizeColumnsToContents()

    def _fill_problems(self, problems) -> None:
        self.problems.setRowCount(len(problems))
        for i, problem in enumerate(problems):
            for j, text in enumerate((str(problem.row), problem.reason, problem.text[:200])):
                self.problems.setItem(i, j, QTableWidgetItem(text))
        self.problems.resizeColumnToContents(0)
        self.problems.resizeColumnToContents(1)

    def mapping(self) -> dict[str, int]:
        """field -> column index as the combo boxes say (a field chosen twice: the first column)."""
        mapping: dict[str, int] = {}
        for column, combo in enumerate(self.combos):
            field = combo.currentData()
            if field is not None and field not in mapping:
                mapping[field] = column
        return mapping

    def set_column(self, column: int, field: str | None) -> None:
        """Choose what ``column`` is imported as (as a clerk does with its combo box)."""
        combo = self.combos[column]
        combo.setCurrentIndex(combo.findData(field))
        self._on_mapping_changed()

    def _twice(self) -> str:
        fields = [c.currentData() for c in self.combos if c.currentData() is not None]
        labels = dict(FIELD_CHOICES)
        return next((labels[f] for f in fields if fields.count(f) > 1), "")

    def _on_mapping_changed(self) -> None:
        twice = self._twice()
        if twice:
            self.import_button.setEnabled(False)
            self.counts.setStyleSheet("color: #b71c1c;")
            self.counts.setText(self.tr("列设置有误：“{field}”选了两列，请只保留一列。").format(field=twice))
            return
        if self.path is not None:
            self.load(self.path, self.mapping())

    # -- import -------------------------------------------------------------------------------------
    def _on_import_clicked(self) -> None:
        if self.path is None or self.preview is None:
            return
        attendance, actor, path, mapping = self.services.attendance, self.actor, self.path, self.mapping()
        self.import_button.setEnabled(False)
        self.summary.setText(self.tr("正在导入…"))
        self.runner.run(lambda: attendance.import_file(actor, path, mapping), self._on_imported,
                        self._on_import_failed, write=True)

    def _on_imported(self, result) -> None:
        self.result = result
        text = self.tr("{new} 条新记录，{dup} 条已导入过").format(new=result.rows_new, dup=result.rows_duplicate)
        if result.problems:
            text += self.tr("，{bad} 行有问题未导入（见上表）").format(bad=len(result.problems))
        self.summary.setText(self.tr("导入完成：") + text + self.tr("。"))
        self._fill_problems(result.problems)
        self.import_button.setEnabled(True)
        self.imported.emit(result)

    def _on_import_failed(self, exc: Exception) -> None:
        self.summary.clear()
        self.import_button.setEnabled(self.preview is not None and not self.preview.mapping_error)
        show_error(self, exc)


def open_import_dialog(parent: QWidget, services, runner, staff) -> MachineImportDialog:
    dialog = MachineImportDialog(services, runner, staff, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog
