"""Printing a PDF through Qt: every page painted onto a QPrinter.

Runs on a worker thread (QPainter on a QPrinter is allowed off the GUI thread), so a slow or
jammed printer never freezes the counter screen.
"""

from __future__ import annotations

import threading
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRect, QSize, Qt
from PySide6.QtGui import QPainter
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPrintSupport import QPrinter, QPrinterInfo

from app.errors import DomainError

PRINT_DPI = 300


class PrintFailed(DomainError):
    """The printer refused or failed; the decision is saved and the paper can be printed again."""


def default_printer(name: str = "") -> QPrinter:
    """The printer chosen in this PC's settings, else the system's default printer."""
    if name:
        info = QPrinterInfo.printerInfo(name)
        if info.isNull():
            raise PrintFailed(f"本机设置的通知书打印机“{name}”不存在（可能已改名或删除）。"
                              "请用“打印…”选择打印机，或在 工具→本机设置 中重新选择。")
        return QPrinter(info, QPrinter.PrinterMode.HighResolution)
    info = QPrinterInfo.defaultPrinter()
    if info.isNull():
        raise PrintFailed("本机没有设置默认打印机。请用“打印…”选择打印机，或联系信息科设置默认打印机。")
    return QPrinter(info, QPrinter.PrinterMode.HighResolution)


def pdf_printer(output: Path) -> QPrinter:
    """A printer that writes a PDF file (the archive copy, and tests)."""
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(output))
    return printer


def print_pdf(path: Path | bytes, printer: QPrinter, cancel: threading.Event | None = None) -> int:
    """Paint each page of ``path`` (a file, or the PDF itself in memory: an encrypted store's archive
    holds no plain copy to print from) onto ``printer``; returns the number of pages printed."""
    document = QPdfDocument()
    if isinstance(path, bytes):
        buffer = QBuffer()
        buffer.setData(QByteArray(path))
        buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        document.load(buffer)  # the buffer lives to the end of this call, the document with it
        status = document.status()
        loaded = status == QPdfDocument.Status.Ready and document.pageCount() > 0
    else:
        loaded = document.load(str(path)) == QPdfDocument.Error.None_
    if not loaded:
        raise PrintFailed("通知书文件无法读取，请重新生成后打印。")
    printer.setResolution(PRINT_DPI)
    printer.setFullPage(True)  # the PDF carries the official margins itself: map the page 1:1
    painter = QPainter()
    if not painter.begin(printer):
        raise PrintFailed("打印机无法开始打印（可能脱机、缺纸或被占用）。受理决定已保存，请检查打印机后重新打印。")
    try:
        for index in range(document.pageCount()):
            if cancel is not None and cancel.is_set():
                printer.abort()
                raise PrintFailed("打印已取消。受理决定已保存，可重新打印。")
            if index and not printer.newPage():
                raise PrintFailed("打印机在换页时出错。受理决定已保存，请检查打印机后重新打印。")
            _paint_page(painter, printer, document, index)
    finally:
        painter.end()
    return document.pageCount()


def _paint_page(painter: QPainter, printer: QPrinter, document: QPdfDocument, index: int) -> None:
    size = document.pagePointSize(index)
    image = document.render(index, QSize(round(size.width() / 72 * PRINT_DPI), round(size.height() / 72 * PRINT_DPI)))
    target = painter.viewport()
    scaled = image.size().scaled(target.size(), Qt.AspectRatioMode.KeepAspectRatio)
    painter.drawImage(QRect(target.topLeft(), scaled), image)

