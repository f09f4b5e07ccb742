"""Typing as a clerk does. QTest cannot synthesise key events for characters outside
Latin-1 (it aborts), so Chinese arrives the way an input method delivers it: a commit string."""

from __future__ import annotations

import itertools

from PySide6.QtGui import QInputMethodEvent
from PySide6.QtWidgets import QApplication, QComboBox, QWidget


def type_text(qtbot, text: str, widget: QWidget | None = None) -> None:
    """Into ``widget`` (default: the focused one): ASCII as key clicks, the rest as IME commits."""
    target = widget or QApplication.focusWidget()
    assert target is not None
    for is_ascii, run in itertools.groupby(text, key=str.isascii):
        chunk = "".join(run)
        if is_ascii:
            qtbot.keyClicks(target, chunk)
            continue
        event = QInputMethodEvent("", [])
        event.setCommitString(chunk)
        QApplication.sendEvent(target.lineEdit() if isinstance(target, QComboBox) else target, event)
