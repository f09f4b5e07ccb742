"""GB/T 9704-2012 page geometry and the page furniture: page numbers, 补打 mark, copy labels.

A4; top margin 37 mm, left 28 mm; text block 156 × 225 mm; body size-3 (16 pt), 22 lines of
28 characters; page numbers size-4 (14 pt) with dashes, 7 mm below the block, odd pages
on the right and even pages on the left, one character in from the edge of the block.
"""

from __future__ import annotations

from typing import Any

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable

from app.documents.glyphs import BODY

PAGE_W, PAGE_H = A4
LEFT, TOP = 28 * mm, 37 * mm
BLOCK_W, BLOCK_H = 156 * mm, 225 * mm
BOTTOM = PAGE_H - TOP - BLOCK_H  # 35 mm
BODY_PT, TITLE_PT, PAGE_NO_PT = 16, 22, 14
LINE = BLOCK_H / 22  # 22 lines per page
GRID = 28  # characters per line: 16 pt characters 156/28 mm apart


class CopyLabel(Flowable):
    """Zero-size marker: the pages from here on carry ``label`` (e.g. 申请人留存联)."""

    def __init__(self, label: str) -> None:
        super().__init__()
        self.label = label

    def wrap(self, *_args: Any) -> tuple[float, float]:
        return 0, 0

    def draw(self) -> None:
        self.canv.cd_copy_label = self.label


class PaperCanvas(Canvas):
    """Draws the furniture when the total page count is known (page numbers need it)."""

    reprint = False
    void_mark = ""  # a voided paper's archive copy: stamped 作废 across every page, with this line

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # ReportLab starts every page in Helvetica, which is not embedded: start in our face
        kwargs["initialFontName"] = kwargs.get("initialFontName") or BODY
        super().__init__(*args, **kwargs)
        self._pages: list[dict[str, Any]] = []
        self.cd_copy_label = ""

    def showPage(self) -> None:
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._pages)
        for number, state in enumerate(self._pages, start=1):
            self.__dict__.update(state)
            self._furniture(number, total)
            super().showPage()
        super().save()

    def _furniture(self, number: int, total: int) -> None:
        if total > 1:
            text = f"— {number} —"
            self.setFont(BODY, PAGE_NO_PT)
            y = BOTTOM - 7 * mm - PAGE_NO_PT * 0.8
            if number % 2:
                self.drawRightString(LEFT + BLOCK_W - PAGE_NO_PT, y, text)
            else:
                self.drawString(LEFT + PAGE_NO_PT, y, text)
        if self.cd_copy_label:
            self.setFont(BODY, 12)
            self.drawString(LEFT, PAGE_H - 20 * mm, self.cd_copy_label)
        if self.reprint:
            self._reprint_mark()
        if self.void_mark:
            self._void_mark()

    def _void_mark(self) -> None:
        self.saveState()
        self.setStrokeColorRGB(0.8, 0, 0)
        self.setFillColorRGB(0.8, 0, 0)
        self.setFont(BODY, 10.5)
        for i, line in enumerate(self.void_mark.splitlines()[:2]):  # above the text block, within its width
            while line and self.stringWidth(line, BODY, 10.5) > BLOCK_W:
                line = line[:-2] + "…"
            self.drawString(LEFT, PAGE_H - 22 * mm - i * 5 * mm, line)
        self.translate(PAGE_W / 2, PAGE_H / 2)
        self.rotate(35)
        self.setLineWidth(3)
        self.rect(-60 * mm, -22 * mm, 120 * mm, 44 * mm)
        self.setFont(BODY, 96)
        self.drawCentredString(0, -14 * mm, "作废")
        self.restoreState()

    def _reprint_mark(self) -> None:
        self.saveState()
        self.setStrokeColorRGB(0.75, 0, 0)
        self.setFillColorRGB(0.75, 0, 0)
        x, y = LEFT + BLOCK_W - 22 * mm, PAGE_H - 24 * mm
        self.rect(x, y, 22 * mm, 10 * mm)
        self.setFont(BODY, 16)
        self.drawCentredString(x + 11 * mm, y + 3 * mm, "补打")
        self.restoreState()
