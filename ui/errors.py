"""Turning errors into what the clerk sees: domain errors as a plain message, the
unexpected as a dialog with details that IT can copy, always logged.

Message boxes are opened window-modal with open(), never exec(): nothing waits on them, and
whatever the clerk typed stays on screen behind them.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from app.errors import DomainError

log = logging.getLogger("counterdesk.ui")
UNEXPECTED_TEXT = (
    "发生了意外错误，本次操作可能未完成。已填写的内容仍在屏幕上，请重试；如反复出现，请把详细信息复制给信息科。"
)


def present(box: QMessageBox) -> None:
    """Show ``box`` without blocking (tests replace this to read the message)."""
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()


def show_error(parent: QWidget | None, exc: Exception, title: str = "") -> None:
    if isinstance(exc, DomainError):
        log.info("domain error: %s", exc.message)
        box = QMessageBox(QMessageBox.Icon.Warning, title or "无法完成", exc.message, parent=parent)
        box.setObjectName("domainError")
        present(box)
        return
    details = getattr(exc, "__traceback_text__", repr(exc))
    log.error("unexpected error: %s", details)
    box = QMessageBox(QMessageBox.Icon.Critical, "程序错误", UNEXPECTED_TEXT, parent=parent)
    box.setObjectName("unexpectedError")
    box.setDetailedText(details)
    box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    present(box)
