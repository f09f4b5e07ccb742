"""A big on-screen digit keypad for the callback phone: the applicant's screen has no keyboard, and
the clerk's keyboard must not be the way a number gets onto the applicant's rating."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGridLayout, QLineEdit, QPushButton, QWidget

PHONE_MAX = 20


class PhoneKeypad(QWidget):
    """Twelve keys (0–9, 删除, 清空) writing into a read-only line edit; ``touched`` on every key."""

    touched = Signal()

    def __init__(self, target: QLineEdit, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.target = target
        self.setObjectName("ratingKeypad")
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(8)
        keys = [*"123456789", "删除", "0", "清空"]
        names = {"删除": "ratingKeyBack", "清空": "ratingKeyClear"}
        for index, key in enumerate(keys):
            button = QPushButton(key)
            button.setObjectName(names.get(key, "ratingKey" + key))
            button.setProperty("role", "key")
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # touch only: the clerk's keyboard never presses it
            button.clicked.connect(lambda _checked=False, k=key: self._on_key_clicked(k))
            grid.addWidget(button, index // 3, index % 3)

    def _on_key_clicked(self, key: str) -> None:
        text = self.target.text()
        if key == "删除":
            text = text[:-1]
        elif key == "清空":
            text = ""
        elif len(text) < PHONE_MAX:
            text += key
        self.target.setText(text)
        self.touched.emit()
