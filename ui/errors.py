"""Turning errors into what the clerk sees: domain errors as a plain message, the
unexpected as a dialog with details that IT can copy, always logged."""

from __future__ import annotations

import logging

from PySide6.QtWidgets import QMessageBox, QWidget

from app.errors import DomainError

log = logging.getLogger("counterdesk.ui")


def show_error(parent: QWidget | None, exc: Exception, title: str = "") -> None:
    if isinstance(exc, DomainError):
        log.info("domain error: %s", exc.message)
        QMessageBox.warning(parent, title or parent_tr(parent, "无法完成"), exc.message)
        return
    details = getattr(exc, "__traceback_text__", repr(exc))
    log.error("unexpected error: %s", details)
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Critical)
    box.setWindowTitle(parent_tr(parent, "程序错误"))
    box.setText(parent_tr(
        parent, "发生了意外错误，本次操作可能未完成。已填写的内容仍在屏幕上，请重试；如反复出现，请把详细信息复制给信息科。"
    ))
    box.setDetailedText(details)
    box.open() if parent is not None else box.exec()


def parent_tr(parent: QWidget | None, text: str) -> str:
    return parent.tr(text) if parent is not None else text
