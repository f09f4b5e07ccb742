"""The ledger (台账): every case of the hall, searchable by what the applicant can tell."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
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
from ui.ledger.case_table_model import CaseTableModel
from ui.tasks import TaskRunner

LIMIT = 200


class LedgerWidget(QWidget):
    case_changed = Signal(str)
    decide_requested = Signal(str)

    def __init__(self, services: Services, runner: TaskRunner, staff: StaffInfo, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services, self.runner, self.staff = services, runner, staff
        self.search = QLineEdit()
        self.search.setObjectName("ledgerSearch")
        self.search.setPlaceholderText(self.tr("办件编号 / 申请人 / 证件号码 / 查询码 / 事项"))
        self.status = QComboBox()
        self.status.setObjectName("ledgerStatus")
        self.status.addItem(self.tr("全部状态"), "")
        for key, label in STATUS_LABELS.items():
            self.status.addItem(label, str(key))
        self.matter = QComboBox()
        self.matter.setObjectName("ledgerMatter")
        self.matter.addItem(self.tr("全部事项"), "")
        self.matter.setMaximumWidth(260)
        self.warning = QComboBox()
        self.warning.setObjectName("ledgerWarning")
        for text, key in ((self.tr("全部"), ""), (self.tr("黄牌预警"), "yellow"), (self.tr("红牌超期"), "red")):
            self.warning.addItem(text, key)
        self.by_date = QCheckBox(self.tr("收件日期"))
        self.date_from, self.date_to = QDateEdit(), QDateEdit()
        for edit in (self.date_from, self.date_to):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.setEnabled(False)
        self.by_date.toggled.connect(self.date_from.setEnabled)
        self.by_date.toggled.connect(self.date_to.setEnabled)
        self.go = QPushButton(self.tr("查询(&F)"))
        self.go.setObjectName("ledgerGo")
        self.count = QLabel()
        self.count.setObjectName("ledgerCount")
        self.model = CaseTableModel(self)
        self.table = QTableView()
        self.table.setObjectName("ledgerTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(False)
        self._layout()
        self.search.returnPressed.connect(self.refresh)
        self.go.clicked.connect(self.refresh)
        self.table.activated.connect(self._on_table_activated)
        self._set_dates()
        self.runner.run(self.services.catalogue.matters, self._on_matters_loaded)
        self.refresh()

    def _layout(self) -> None:
        bar = QHBoxLayout()
        bar.addWidget(self.search, 3)
        bar.addWidget(self.status)
        bar.addWidget(self.matter, 2)
        bar.addWidget(self.warning)
        bar.addWidget(self.by_date)
        bar.addWidget(self.date_from)
        bar.addWidget(QLabel("—"))
        bar.addWidget(self.date_to)
        bar.addWidget(self.go)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(bar)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.count)

    def _set_dates(self) -> None:
        today = self.services.ctx.clock.now().date()
        self.date_to.setDate(QDate(today.year, today.month, today.day))
        start = today - dt.timedelta(days=30)
        self.date_from.setDate(QDate(start.year, start.month, start.day))

    def _on_matters_loaded(self, matters: list[MatterSummary]) -> None:
        for m in matters:
            self.matter.addItem(m.name, m.id)

    def query(self) -> LedgerQuery:
        def day(edit: QDateEdit) -> dt.date:
            d = edit.date()
            return dt.date(d.year(), d.month(), d.day())

        dated = self.by_date.isChecked()
        return LedgerQuery(
            text=self.search.text(), status=str(self.status.currentData()), matter_id=str(self.matter.currentData()),
            date_from=day(self.date_from) if dated else None, date_to=day(self.date_to) if dated else None,
            warning=str(self.warning.currentData()), limit=LIMIT,
        )

    def refresh(self) -> None:
        q = self.query()
        self.count.setText(self.tr("正在查询…"))
        self.runner.run(lambda: self.services.ledger.search(q), self._on_results)

    def _on_results(self, rows: list[CaseRow]) -> None:
        self.model.set_rows(rows)
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().resizeSection(1, min(self.table.columnWidth(1), 340))
        text = self.tr("共 ") + str(len(rows)) + self.tr(" 件")
        if len(rows) >= LIMIT:
            text += self.tr("（仅显示最近 200 件，请缩小查询范围）")
        self.count.setText(text)
        if rows and self.search.text().strip():
            self.table.selectRow(0)

    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def _on_table_activated(self, index) -> None:
        self.open_case(self.model.row_at(index.row()).id)

    def open_case(self, case_id: str) -> None:
        from ui.cases.case_dialog import CaseDialog

        dialog = CaseDialog(self.services, self.runner, self.staff, case_id, self)
        dialog.case_changed.connect(self.case_changed)
        dialog.decide_requested.connect(self.decide_requested)
        dialog.open()
