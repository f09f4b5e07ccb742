"""Printing goes through Qt's real print path; a PDF printer target stands in for paper."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSize
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtPdf import QPdfDocument
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from app.resources import resource_path
from ui.documents.printing import PrintFailed, pdf_printer, print_pdf


def _source(path: Path, pages: int = 2) -> None:
    if "UMingTest" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("UMingTest", str(resource_path("fonts", "uming.ttc")), subfontIndex=0))
    c = canvas.Canvas(str(path), pagesize=A4)
    for page in range(pages):
        c.setFont("UMingTest", 22)
        c.drawString(200, 700, f"受理通知书 第{page + 1}页")
        c.rect(80, 100 + page * 50, 430, 500, fill=0)
        c.showPage()
    c.save()


def _gray(path: Path, page: int) -> list[int]:
    doc = QPdfDocument()
    assert doc.load(str(path)) == QPdfDocument.Error.None_
    rendered = doc.render(page, QSize(248, 351))
    image = QImage(rendered.size(), QImage.Format.Format_RGB32)
    image.fill(QColor("white"))  # pages render on transparency: compose on paper-white
    painter = QPainter(image)
    painter.drawImage(0, 0, rendered)
    painter.end()
    return [image.pixelColor(x, y).value() for y in range(image.height()) for x in range(image.width())]


def test_print_to_a_pdf_printer_holds_the_same_pages(qapp, tmp_path: Path) -> None:
    src, out = tmp_path / "notice.pdf", tmp_path / "printed.pdf"
    _source(src)
    assert print_pdf(src, pdf_printer(out)) == 2
    assert out.exists() and out.stat().st_size > 1000
    printed = QPdfDocument()
    assert printed.load(str(out)) == QPdfDocument.Error.None_
    assert printed.pageCount() == 2
    for page in range(2):
        a, b = _gray(src, page), _gray(out, page)
        dark = sum(1 for v in b if v < 220)
        assert 200 < dark < len(b) // 4  # ink where the text and frame are, paper elsewhere
        diff = sum(abs(x - y) for x, y in zip(a, b, strict=True)) / len(a)
        assert diff < 6, f"page {page + 1} differs from the source (mean diff {diff:.1f})"
    # the two pages differ from each other: the content really went through page by page
    assert sum(abs(x - y) for x, y in zip(_gray(out, 0), _gray(out, 1), strict=True)) / len(_gray(out, 0)) > 0.5


def test_unreadable_file_is_a_clear_print_failure(qapp, tmp_path: Path) -> None:
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"not a pdf")
    with pytest.raises(PrintFailed, match="无法读取"):
        print_pdf(broken, pdf_printer(tmp_path / "x.pdf"))


def test_a_printer_that_cannot_start_is_reported(qapp, tmp_path: Path) -> None:
    src = tmp_path / "notice.pdf"
    _source(src, 1)
    with pytest.raises(PrintFailed, match="打印机无法开始打印"):
        print_pdf(src, pdf_printer(tmp_path / "no-such-dir" / "x.pdf"))


def test_no_default_printer_is_explained(qapp, monkeypatch) -> None:
    from PySide6.QtPrintSupport import QPrinterInfo

    from ui.documents import printing

    monkeypatch.setattr(printing.QPrinterInfo, "defaultPrinter", staticmethod(lambda: QPrinterInfo()))
    with pytest.raises(PrintFailed, match="没有设置默认打印机"):
        printing.default_printer()
