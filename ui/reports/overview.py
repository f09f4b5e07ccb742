"""The 概览 of the reports window: each key figure as a card (the figure large, the previous period's and
the change under it, ▲ / ▼ in green when the change is good news, red when it is not), then the charts."""

from __future__ import annotations

from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QVBoxLayout, QWidget

from app.reports.tables import shown

COLUMNS = 7
GOOD, BAD, PLAIN = "#1b7f3b", "#b00020", "#555555"


def value_text(figure) -> str:  # KeyFigure
    if figure.value is None:
        return "—"
    text = shown(figure.value, figure.kind)
    return text + (figure.unit if figure.unit and figure.kind != "percent" else "")


def change_text(figure) -> str:
    previous = "—" if figure.previous is None else shown(figure.previous, figure.kind)
    if figure.change is None:
        return f"上期 {previous}"
    return f"上期 {previous}　{figure.arrow} {shown(abs(figure.change), figure.kind)}"


class KeyFigureCard(QFrame):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setObjectName("keyFigureCard")
        self.setStyleSheet("#keyFigureCard { background: #ffffff; border: 1px solid #d6d6d6; border-radius: 4px; }")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.setSpacing(1)
        self.label, self.value, self.change = QLabel(), QLabel(), QLabel()
        self.label.setStyleSheet("color: #555555;")
        self.value.setStyleSheet("font-size: 20px; font-weight: bold;")
        for widget in (self.label, self.value, self.change):
            layout.addWidget(widget)

    def show_figure(self, figure) -> None:  # KeyFigure
        self.setObjectName("keyFigureCard")
        self.setProperty("figure", figure.key)
        self.label.setText(figure.label)
        self.value.setText(value_text(figure))
        self.change.setText(change_text(figure))
        colour = PLAIN if figure.good is None else GOOD if figure.good else BAD
        self.change.setStyleSheet(f"color: {colour};")
        self.setToolTip(f"{figure.label}：本期 {value_text(figure)}，{change_text(figure)}")


class KeyFigures(QWidget):
    """The grid of cards, filled from Dashboard.key_figures."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("reportKeyFigures")
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setSpacing(6)
        self.cards: dict[str, KeyFigureCard] = {}

    def show_figures(self, figures) -> None:
        for i, figure in enumerate(figures):
            card = self.cards.get(figure.key)
            if card is None:
                card = KeyFigureCard(self)
                self.cards[figure.key] = card
                self.grid.addWidget(card, i // COLUMNS, i % COLUMNS)
            card.show_figure(figure)

    def card(self, key: str) -> KeyFigureCard:
        return self.cards[key]
