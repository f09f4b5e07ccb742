"""Ledger rows as a Qt table model, with the deadline colour as the row background."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

from app.dto import CaseRow
from app.validation import mask_id_number

WARNING_COLOURS = {"yellow": QColor("#fff4c2"), "red": QColor("#ffd6d6")}
WARNING_TEXT = {"yellow": "黄牌", "red": "红牌"}
_Index = QModelIndex | QPersistentModelIndex


class CaseTableModel(QAbstractTableModel):
    HEADERS = ("办件编号", "事项", "申请人", "证件号码", "状态", "收件时间", "办理期限", "预警")

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[CaseRow] = []

    def set_rows(self, rows: list[CaseRow]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def row_at(self, row: int) -> CaseRow:
        return self._rows[row]

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt API
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt API
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.tr(self.HEADERS[section])
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        r = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(r, index.column())
        if role == Qt.ItemDataRole.BackgroundRole:
            return WARNING_COLOURS.get(r.warning)
        if role == Qt.ItemDataRole.ToolTipRole and index.column() == 1:
            return r.matter_name
        return None

    def _text(self, r: CaseRow, column: int) -> str:
        values = (
            r.number, r.matter_name, r.applicant_name, mask_id_number(r.applicant_id_number), r.status_label,
            r.received_at.strftime("%Y-%m-%d %H:%M"), r.due_date.isoformat() if r.due_date else "",
            self.tr(WARNING_TEXT[r.warning]) if r.warning else "",
        )
        return values[column]
