"""The material checklist of a matter: per item received / missing / deferred / defective.

Keyboard: in the table, 1 = 已收, 2 = 缺少, 3 = 容缺后补, 4 = 需补正 for the current row.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHeaderView,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from app.cases.rules import MATERIAL_LABELS, MaterialCheck, MaterialStatus
from app.dto import MaterialTemplate

_KEYS = {
    Qt.Key.Key_1: MaterialStatus.RECEIVED,
    Qt.Key.Key_2: MaterialStatus.MISSING,
    Qt.Key.Key_3: MaterialStatus.DEFERRED,
    Qt.Key.Key_4: MaterialStatus.DEFECTIVE,
}
COL_NAME, COL_KIND, COL_ORIG, COL_COPY, COL_STATUS, COL_NOTE = range(6)


class MaterialChecklistWidget(QTableWidget):
    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, 6, parent)
        self.setObjectName("materialTable")
        self.setHorizontalHeaderLabels([
            self.tr("材料名称"), self.tr("类别"), self.tr("原件"), self.tr("复印件"),
            self.tr("审查结果"), self.tr("说明（补正要求）"),
        ])
        header = self.horizontalHeader()
        header.setSectionResizeMode(COL_NAME, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(COL_NOTE, QHeaderView.ResizeMode.Stretch)
        for col, width in ((COL_KIND, 80), (COL_ORIG, 56), (COL_COPY, 64), (COL_STATUS, 110)):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.Fixed)
            self.setColumnWidth(col, width)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.verticalHeader().setVisible(False)
        self._rows: list[MaterialCheck] = []
        self.installEventFilter(self)

    def load(self, templates: tuple[MaterialTemplate, ...] | list[MaterialCheck]) -> None:
        checks = [
            t if isinstance(t, MaterialCheck) else MaterialCheck(
                name=t.name, is_main=t.is_main, deferrable=t.deferrable,
                status=MaterialStatus.MISSING.value, originals=t.originals, copies=t.copies,
                note="", material_id=t.id,
            )
            for t in templates
        ]
        self._rows = checks
        self.setRowCount(len(checks))
        for row, m in enumerate(checks):
            self._fill_row(row, m)
        if checks:
            self.setCurrentCell(0, COL_STATUS)

    def _fill_row(self, row: int, m: MaterialCheck) -> None:
        name = QTableWidgetItem(m.name)
        name.setFlags(name.flags() & ~Qt.ItemFlag.ItemIsEditable)
        self.setItem(row, COL_NAME, name)
        label = self.tr("主审要件") if m.is_main else (self.tr("可容缺") if m.deferrable else self.tr("辅助材料"))
        kind = QTableWidgetItem(label)
        kind.setFlags(kind.flags() & ~Qt.ItemFlag.ItemIsEditable)
        self.setItem(row, COL_KIND, kind)
        for col, value in ((COL_ORIG, m.originals), (COL_COPY, m.copies)):
            spin = QSpinBox()
            spin.setRange(0, 99)
            spin.setValue(value)
            spin.valueChanged.connect(self.changed)
            self.setCellWidget(row, col, spin)
        combo = QComboBox()
        combo.setObjectName(f"materialStatus{row}")
        for status in MaterialStatus:
            if status == MaterialStatus.DEFERRED and not m.deferrable:
                continue
            combo.addItem(MATERIAL_LABELS[status], status.value)
        combo.setCurrentIndex(max(0, combo.findData(m.status)))
        combo.currentIndexChanged.connect(self.changed)
        self.setCellWidget(row, COL_STATUS, combo)
        self.setItem(row, COL_NOTE, QTableWidgetItem(m.note))

    def set_status(self, row: int, status: str) -> bool:
        combo = self.cellWidget(row, COL_STATUS)
        assert isinstance(combo, QComboBox)
        index = combo.findData(status)
        if index < 0:
            return False
        combo.setCurrentIndex(index)
        return True

    def set_all(self, status: str) -> None:
        for row in range(self.rowCount()):
            self.set_status(row, status)

    def set_note(self, row: int, text: str) -> None:
        self.item(row, COL_NOTE).setText(text)

    def checks(self) -> list[MaterialCheck]:
        out = []
        for row, base in enumerate(self._rows):
            combo, orig, copies = (self.cellWidget(row, c) for c in (COL_STATUS, COL_ORIG, COL_COPY))
            assert isinstance(combo, QComboBox) and isinstance(orig, QSpinBox) and isinstance(copies, QSpinBox)
            note = self.item(row, COL_NOTE)
            out.append(MaterialCheck(
                name=base.name, is_main=base.is_main, deferrable=base.deferrable,
                status=str(combo.currentData()), originals=orig.value(), copies=copies.value(),
                note=note.text() if note else "", material_id=base.material_id,
            ))
        return out

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if obj is self and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            status = _KEYS.get(Qt.Key(event.key()))
            if status is not None and self.currentRow() >= 0 and self.state() != QAbstractItemView.State.EditingState:
                self.set_status(self.currentRow(), status.value)
                if self.currentRow() + 1 < self.rowCount():
                    self.setCurrentCell(self.currentRow() + 1, COL_STATUS)
                return True
        return super().eventFilter(obj, event)
