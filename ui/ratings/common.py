"""What the rating screens share: the read-only table, the deadline colours (the ledger's yellow and
red), and how a rate, a time and a rating's level read on screen. Nothing here touches storage."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem

from ui.ledger.case_table_model import WARNING_COLOURS

RED, GREEN, AMBER, GREY = "#b00020", "#1b7f3b", "#8a6d00", "#555555"
DUE_FOREGROUND = {"yellow": QColor("#7a5c00"), "red": QColor("#a00018")}
DUE_TEXT = {"yellow": "黄牌", "red": "红牌（已超期）", "ok": "", "": ""}
APPEAL_COLOURS = {"pending": AMBER, "upheld": GREEN, "dismissed": GREY}
NO_VALUE = "—"


def make_table(name: str, headers: Sequence[str], stretch: int | None = None) -> QTableWidget:
    """A read-only table of whole rows, one selected at a time, Tab leaving it (keyboard users)."""
    table = QTableWidget(0, len(headers))
    table.setObjectName(name)
    table.setHorizontalHeaderLabels(list(headers))
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setTabKeyNavigation(False)
    table.verticalHeader().setVisible(False)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    if stretch is not None:
        header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    return table


def fill_table(table: QTableWidget, rows: Sequence[Sequence[str]], *, backgrounds: Sequence[str] = (),
               foregrounds: dict[tuple[int, int], str | QColor] | None = None, bold_last: bool = False,
               right_from: int | None = None) -> None:
    """Replace the rows. ``backgrounds``: a due state per row ('yellow'/'red' colour the whole row, as in
    the ledger); ``foregrounds``: (row, column) -> colour; ``right_from``: numbers right-aligned from that
    column on. The first row is selected so Enter acts on it straight away."""
    foregrounds = foregrounds or {}
    table.setRowCount(0)
    table.setRowCount(len(rows))
    for r, cells in enumerate(rows):
        background = WARNING_COLOURS.get(backgrounds[r]) if r < len(backgrounds) else None
        for c, text in enumerate(cells):
            cell = QTableWidgetItem(text)
            cell.setToolTip(text)
            if background is not None:
                cell.setBackground(background)
            colour = foregrounds.get((r, c))
            if colour is not None:
                cell.setForeground(QColor(colour))
            if right_from is not None and c >= right_from:
                cell.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            if bold_last and r == len(rows) - 1:
                font = QFont(cell.font())
                font.setBold(True)
                cell.setFont(font)
            table.setItem(r, c, cell)
    if rows:
        table.selectRow(0)


def selected_row(table: QTableWidget, count: int) -> int | None:
    row = table.currentRow()
    if not table.selectedItems() or not 0 <= row < count:
        return None
    return row


def rate_text(rate: float | None) -> str:
    """A rate (0–1) as a percentage with one decimal; '—' when there is nothing to divide."""
    return NO_VALUE if rate is None else f"{rate * 100:.1f}%"


def at_text(when: dt.datetime | dt.date | None) -> str:
    if when is None:
        return ""
    if isinstance(when, dt.datetime):
        return when.strftime("%Y-%m-%d %H:%M")
    return when.isoformat()


def level_text(rating) -> str:  # RatingItem
    """The level as staff read it; an upheld appeal says the rating no longer counts."""
    text = rating.level_label
    if not rating.counts:
        text += "（申诉成立，不计入考核）"
    return text


def reasons_text(rating) -> str:  # RatingItem
    return "、".join(rating.reasons)


def due_text(due: dt.date | None, state: str) -> str:
    """'2026-03-23 红牌（已超期）': the current step's limit and its colour in words."""
    if due is None:
        return ""
    words = DUE_TEXT.get(state, "")
    return due.isoformat() + (f" {words}" if words else "")
