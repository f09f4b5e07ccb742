"""The ledger (台账): every case of the hall, searchable by what the applicant can tell."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtCore import QDate, QEvent, QModelIndex, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.cases.rules import STATUS_LABELS
from app.dto import CaseRow, LedgerQuery, MatterSummary, StaffInfo
from app.services import Services
from ui.auth.gate import actor_of
from ui.errors import show_error
from ui.ledger.case_table_model import MATTER, CaseTableModel
from ui.tasks import TaskRunner

LIMIT = 200
_MATTER_MAX_WIDTH = 360
_COLUMN_MAX_WIDTH = 240  # a long company name must not push the matter column off screen
_COLUMN_MIN_WIDTH = 64


def _qdate(day: dt.date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _pydate(edit: QDateEdit) -> dt.date:
    d = edit.date()
    return dt.date(d.year(), d.month(), d.day())


class LedgerWidget(QWidget):
    """Filter bar over a table of cases. Searches run on the read pool; a result that arrives
    after a newer search was started is dropped, so the table always matches the filters."""

    case_changed = Signal(str)
    decide_requested = Signal(str)

    def __init__(self, services: Services, runner: TaskRunner, staff: StaffInfo, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services, self.runner, self.staff = services, runner, staff
        self.case_dialog = None
        self.exported: Path | None = None
        self._search_seq = 0
        self._build_filters()
        self._build_table()
        self._layout()
        self.search.returnPressed.connect(self.refresh)
        self.search.installEventFilter(self)
        self.go.clicked.connect(self.refresh)
        self.export.clicked.connect(self._on_export_clicked)
        for combo in (self.status, self.matter, self.warning):
            combo.activated.connect(self.refresh)
        self.by_date.toggled.connect(self._on_by_date_toggled)
        self.date_from.dateChanged.connect(lambda d: self.date_to.setMinimumDate(d))
        self.table.activated.connect(self._on_table_activated)
        self._set_dates()
        self.runner.run(self.services.catalogue.matters, self._on_matters_loaded, self._on_task_failed)
        self.refresh()

    # -- building --------------------------------------------------------------------------------
    def _build_filters(self) -> None:
        self.search = QLineEdit()
        self.search.setObjectName("ledgerSearch")
        self.search.setPlaceholderText(self.tr("办件编号 / 申请人 / 证件号码 / 查询码 / 事项"))
        self.search.setClearButtonEnabled(True)
        self.status = QComboBox()
        self.status.setObjectName("ledgerStatus")
        self.status.addItem(self.tr("全部"), "")
        for key, label in STATUS_LABELS.items():
            self.status.addItem(label, str(key))
        self.matter = QComboBox()
        self.matter.setObjectName("ledgerMatter")
        self.matter.addItem(self.tr("全部"), "")
        self.matter.setMinimumWidth(220)
        self.matter.setMaximumWidth(_MATTER_MAX_WIDTH)
        self.matter.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.warning = QComboBox()
        self.warning.setObjectName("ledgerWarning")
        for text, key in ((self.tr("全部"), ""), (self.tr("黄牌预警"), "yellow"), (self.tr("红牌超期"), "red")):
            self.warning.addItem(text, key)
        self.by_date = QCheckBox(self.tr("按收件日期(&D)"))
        self.by_date.setObjectName("ledgerByDate")
        self.date_from, self.date_to = QDateEdit(), QDateEdit()
        self.date_from.setObjectName("ledgerDateFrom")
        self.date_to.setObjectName("ledgerDateTo")
        for edit in (self.date_from, self.date_to):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.setEnabled(False)
        self.go = QPushButton(self.tr("查询(&F)"))
        self.go.setObjectName("ledgerGo")
        self.export = QPushButton(self.tr("导出(&E)…"))
        self.export.setObjectName("ledgerExport")
        self.export.setToolTip(self.tr("将当前查询结果导出为 Excel（证件号码和电话已遮蔽；导出记入审计日志）"))
        self.count = QLabel()
        self.count.setObjectName("ledgerCount")
        self.export_note = QLabel()
        self.export_note.setObjectName("ledgerExportNote")

    def _build_table(self) -> None:
        self.model = CaseTableModel(self)
        self.table = QTableView()
        self.table.setObjectName("ledgerTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setTabKeyNavigation(False)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(MATTER, QHeaderView.ResizeMode.Stretch)
        header.setHighlightSections(False)

    def _labelled(self, text: str, buddy: QWidget) -> QLabel:
        label = QLabel(text)
        label.setBuddy(buddy)
        return label

    def _layout(self) -> None:
        top = QHBoxLayout()
        top.addWidget(self._labelled(self.tr("查找(&K)"), self.search))
        top.addWidget(self.search, 1)
        top.addWidget(self.go)
        top.addWidget(self.export)
        bar = QHBoxLayout()
        bar.addWidget(self._labelled(self.tr("状态(&Z)"), self.status))
        bar.addWidget(self.status)
        bar.addSpacing(12)
        bar.addWidget(self._labelled(self.tr("事项(&M)"), self.matter))
        bar.addWidget(self.matter, 1)
        bar.addSpacing(12)
        bar.addWidget(self._labelled(self.tr("预警(&W)"), self.warning))
        bar.addWidget(self.warning)
        bar.addSpacing(12)
        bar.addWidget(self.by_date)
        bar.addWidget(self.date_from)
        bar.addWidget(QLabel("—"))
        bar.addWidget(self.date_to)
        bar.addStretch(1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.count)
        bottom.addSpacing(12)
        bottom.addWidget(self.export_note)
        bottom.addStretch(1)
        hint = QLabel(self.tr("回车或双击打开办件　黄色：即将到期　红色：已超期"))
        hint.setStyleSheet("color: #666;")
        bottom.addWidget(hint)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 6)
        layout.addLayout(top)
        layout.addLayout(bar)
        layout.addWidget(self.table, 1)
        layout.addLayout(bottom)

    def _set_dates(self) -> None:
        today = self.services.ctx.clock.now().date()
        self.date_to.setDate(_qdate(today))
        self.date_from.setDate(_qdate(today - dt.timedelta(days=30)))

    # -- querying --------------------------------------------------------------------------------
    def query(self) -> LedgerQuery:
        """The filters as they stand now (a snapshot, safe to hand to a worker)."""
        dated = self.by_date.isChecked()
        return LedgerQuery(
            text=self.search.text().strip(), status=str(self.status.currentData() or ""),
            matter_id=str(self.matter.currentData() or ""),
            date_from=_pydate(self.date_from) if dated else None, date_to=_pydate(self.date_to) if dated else None,
            warning=str(self.warning.currentData() or ""), limit=LIMIT,
        )

    def refresh(self) -> None:
        """Run the current query again (also called after any case changed)."""
        q, ledger = self.query(), self.services.ledger
        self._search_seq += 1
        seq = self._search_seq
        self.count.setText(self.tr("正在查询…"))
        self.runner.run(lambda: ledger.search(q), lambda rows: self._on_search_done(seq, rows),
                        lambda exc: self._on_search_failed(seq, exc), owner=self)

    def _on_search_done(self, seq: int, rows: list[CaseRow]) -> None:
        if seq != self._search_seq:
            return  # a newer search is on its way
        selected = self._selected_id()
        self.model.set_rows(rows)
        self._fit_columns()
        text = self.tr("共 {n} 件").format(n=len(rows))
        if len(rows) >= LIMIT:
            text += self.tr("（仅显示前 {n} 件）").format(n=LIMIT)
        self.count.setText(text)
        ids = [r.id for r in rows]
        if selected in ids:
            self.table.selectRow(ids.index(selected))
        elif rows and self.search.text().strip():
            self.table.selectRow(0)  # what was searched for is one Down + Enter away

    def _on_search_failed(self, seq: int, exc: Exception) -> None:
        if seq == self._search_seq:
            self.count.setText(self.tr("查询未完成"))
            show_error(self, exc)

    def _on_task_failed(self, exc: Exception) -> None:
        show_error(self, exc)

    def _fit_columns(self) -> None:
        for column in range(self.model.columnCount()):
            if column != MATTER:
                self.table.resizeColumnToContents(column)
                width = min(self.table.columnWidth(column), _COLUMN_MAX_WIDTH)
                self.table.setColumnWidth(column, max(width, _COLUMN_MIN_WIDTH))

    def _selected_id(self) -> str | None:
        index = self.table.currentIndex()
        return self.model.row_at(index.row()).id if index.isValid() else None

    def _on_matters_loaded(self, matters: list[MatterSummary]) -> None:
        for m in matters:
            self.matter.addItem(m.name, m.id)
            self.matter.setItemData(self.matter.count() - 1, m.name, Qt.ItemDataRole.ToolTipRole)

    def _on_by_date_toggled(self, on: bool) -> None:
        self.date_from.setEnabled(on)
        self.date_to.setEnabled(on)
        self.refresh()

    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Down arrow in the search box moves to the results, so Enter then opens a case."""
        if (watched is self.search and event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent)
                and event.key() == Qt.Key.Key_Down and self.model.rowCount()):
            self.table.setFocus()
            if not self.table.currentIndex().isValid():
                self.table.selectRow(0)
            return True
        return super().eventFilter(watched, event)

    # -- export ------------------------------------------------------------------------------------
    def _on_export_clicked(self) -> None:
        default = str(Path.home() / f"办件台账-{self.services.ctx.clock.now():%Y%m%d}.xlsx")
        name, _ = QFileDialog.getSaveFileName(self, self.tr("导出台账"), default, self.tr("Excel 工作簿 (*.xlsx)"))
        if name:
            self.export_to(Path(name))

    def export_to(self, path: Path) -> None:
        """The cases the current filters find to ``path`` on the write pool (the export is audited)."""
        if path.suffix.lower() != ".xlsx":
            path = path.with_suffix(".xlsx")
        q, ledger, actor = self.query(), self.services.ledger, actor_of(self.staff)
        self.export.setEnabled(False)
        self.runner.run(lambda: ledger.export_xlsx(actor, q, path), self._on_exported, self._on_export_failed,
                        write=True, owner=self)

    def _on_exported(self, path: Path) -> None:
        self.exported = Path(path)
        self.export_note.setText(self.tr("已导出：{path}").format(path=str(path)))
        self.export.setEnabled(True)

    def _on_export_failed(self, exc: Exception) -> None:
        self.export.setEnabled(True)
        show_error(self, exc)

    # -- opening a case ----------------------------------------------------------------------------
    def _on_table_activated(self, index: QModelIndex) -> None:
        if index.isValid():
            self.open_case(self.model.row_at(index.row()).id)

    def open_case(self, case_id: str) -> None:
        from ui.cases.case_dialog import CaseDialog

        dialog = CaseDialog(self.services, self.runner, self.staff, case_id, self)
        dialog.case_changed.connect(self.case_changed)
        dialog.decide_requested.connect(self.decide_requested)
        dialog.finished.connect(lambda _r: self._on_case_dialog_finished(dialog))
        self.case_dialog = dialog
        dialog.open()

    def _on_case_dialog_finished(self, dialog: QWidget) -> None:
        if self.case_dialog is dialog:
            self.case_dialog = None
        dialog.deleteLater()  # its late callbacks check that it is still alive
