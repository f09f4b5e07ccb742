"""One fact of a score in full: what it is, the day, its points and how it counted, and the record it
comes from (a case opens in the case window instead; the month window does that)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QVBoxLayout, QWidget

from app.appraisal.rules import FACT_KINDS
from ui.appraisal.common import SOURCE_LABELS, points_text


class FactDialog(QDialog):
    def __init__(self, scored: Any, whose: str, parent: QWidget | None = None) -> None:
        """``scored``: a ScoredFact of ``whose`` (a person's name or a window's label)."""
        super().__init__(parent)
        self.setObjectName("appraisalFactDialog")
        self.setWindowTitle(self.tr("考核依据"))
        self.setMinimumWidth(460)
        fact = scored.fact
        quantity = f"{fact.quantity:g}" if fact.quantity != 1 else ""
        rows = [
            ("对象", whose),
            ("事项", scored.kind_label),
            ("依据", fact.label),
            ("日期", fact.day.isoformat()),
            ("分值", points_text(scored.points) + self.tr(" 分")),
            ("数量", quantity),
            ("计入方式", scored.via or (self.tr("计入本人") if fact.staff_id else self.tr("计入窗口"))),
            ("类别代码", f"{FACT_KINDS.get(fact.kind, fact.kind)}（{fact.kind}）"),
            ("来源记录", SOURCE_LABELS.get(fact.source_entity, fact.source_entity)),
            ("记录编号", fact.source_id),
        ]
        form = QFormLayout()
        self.values: dict[str, QLabel] = {}
        for caption, value in rows:
            if not value:
                continue
            label = QLabel(value)
            label.setWordWrap(True)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            form.addRow(self.tr(caption), label)
            self.values[caption] = label
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        buttons.button(QDialogButtonBox.StandardButton.Close).setDefault(True)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)
