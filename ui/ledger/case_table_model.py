"""Ledger rows as a Qt table model, with the deadline colour as the row background. The rows carry ID
numbers already masked (app.pii): the model has no full number to show."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

from app.dto import CaseRow

WARNING_COLOURS = {"yellow": QColor("#fff4c2"), "red": QColor("#ffd6d6")}
_WARNING_FOREGROUND = {"yellow": QColor("#7a5c00"), "red": QColor("#a00018")}
_Index = QModelIndex | QPersistentModelIndex
NUMBER, MATTER, APPLICANT, ID_NUMBER, STATUS, RECEIVED, DUE, WARNING = range(8)


class CaseTableModel(QAbstractTableModel):
    """Read-only rows of ``CaseRow``; ``row_at(i)`` gives the row behind a view index."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[CaseRow] = []
        # literal tr() calls so the strings can be extracted for translation
        self._headers = (
            self.tr("办件编号"), self.tr("事项"), self.tr("申请人"), self.tr("证件号码"), self.tr("状态"),
            self.tr("收件时间"), self.tr("办理期限"), self.tr("预警"),
        )
        self._warning_text = {"yellow": self.tr("黄牌"), "red": self.tr("红牌")}

    def set_rows(self, rows: list[CaseRow]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def row_at(self, row: int) -> CaseRow:
        return self._rows[row]

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt API
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt API
        return 0 if parent.isValid() else len(self._headers)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self._headers[section]
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        r = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(r, index.column())
        if role == Qt.ItemDataRole.BackgroundRole:
            return WARNING_COLOURS.get(r.warning)
        if role == Qt.ItemDataRole.ForegroundRole and index.column() == WARNING:
            return _WARNING_FOREGROUND.get(r.warning)
        if role == Qt.ItemDataRole.ToolTipRole and index.column() in (MATTER, APPLICANT):
            return self._text(r, index.column())
        if role == Qt.ItemDataRole.UserRole:
            return r.id
        return None

    def _text(self, r: CaseRow, column: int) -> str:
        values = (
            r.number, r.matter_name, r.applicant_name, r.applicant_id_masked, r.status_label,
            r.received_at.strftime("%Y-%m-%d %H:%M"), r.due_date.isoformat() if r.due_date else "",
            self._warning_text.get(r.warning, ""),
        )
        return values[column]
