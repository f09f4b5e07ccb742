"""A paragraph drawn on the papers' character grid: our own line breaking (app.documents.linebreak),
faces chosen character by character (app.documents.glyphs), lines justified by character spacing.

The body style has a 28-character grid: a full line holds 28 characters of 16 pt drawn 156/28 mm
apart (Word's 文档网格 does the same), every line but a paragraph's last is justified to the block's
edge, so a line that gave characters to the next one (避头尾) still ends on the margin.
``GridParagraph.lines`` are the drawn lines as text (the tests read them).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from reportlab.pdfbase import pdfmetrics
from reportlab.platypus import Flowable

from app.documents.glyphs import FANGSONG_CHAIN, face_for, runs
from app.documents.linebreak import break_lines, in_token


@dataclass(frozen=True)
class TextStyle:
    size: float
    leading: float
    align: str = "justify"  # justify / left / center / right
    grid: int = 0  # characters of a full line (0: as many as fit at their natural width)
    chain: tuple[str, ...] = FANGSONG_CHAIN
    embolden: float = 0.0  # outline stroke in em: a bolder face than the file has (the title's 小标宋)
    right_indent: float = 0.0


Segment = tuple[str, tuple[str, ...]]  # text and the chain of faces it is drawn from


class GridParagraph(Flowable):
    """One paragraph; ``indent`` is the first line's indent in characters (2 for 　　)."""

    def __init__(self, segments: list[Segment], style: TextStyle, *, indent: int = 0, _cont: bool = False,
                 _ends: bool = True) -> None:
        super().__init__()
        self.style, self.indent = style, indent
        self.chars = "".join(t for t, _ in segments)
        self.faces = [face_for(c, chain) or chain[0] for t, chain in segments for c in t]
        self.widths = [pdfmetrics.stringWidth(c, f, style.size) for c, f in zip(self.chars, self.faces, strict=True)]
        # stretch[i]: justifying may widen the gap after character i (not inside 2026 or DEMO-2026C000123)
        self.stretch = [not glued for glued in in_token(self.chars)[1:]]
        self._cont, self._ends = _cont, _ends  # a continued part has no indent; a first part is all justified
        self._spans: list[tuple[int, int]] = []
        self._for_width: float | None = None
        self.width = self.height = 0.0

    @classmethod
    def of(cls, text: str, style: TextStyle, *, indent: int = 0) -> GridParagraph:
        return cls([(text, style.chain)], style, indent=indent)

    @property
    def lines(self) -> list[str]:
        return [self.chars[a:b].rstrip(" ") for a, b in self._spans]

    def _pitch(self, width: float) -> float:
        return width / self.style.grid if self.style.grid else self.style.size

    def _indent_pt(self, width: float) -> float:
        return 0.0 if self._cont else self.indent * self._pitch(width)

    def wrap(self, avail_width: float, _avail_height: float) -> tuple[float, float]:
        width = avail_width - self.style.right_indent
        if self._for_width != width:
            scale = self.style.grid * self.style.size / width if self.style.grid else 1.0
            first = (width - self._indent_pt(width)) * scale
            self._spans = break_lines(self.chars, self.widths, first, width * scale) if self.chars else []
            self._for_width = width
        self.width, self.height = avail_width, max(len(self._spans), 1) * self.style.leading
        return self.width, self.height

    def split(self, avail_width: float, avail_height: float) -> list[Flowable]:
        self.wrap(avail_width, avail_height)
        fit = int((avail_height + 1e-6) // self.style.leading)
        if fit >= len(self._spans):
            return [self]
        if fit <= 0:
            return []
        cut = self._spans[fit][0]
        return [self._part(0, cut, cont=self._cont, ends=False), self._part(cut, len(self.chars), cont=True,
                                                                         ends=self._ends)]

    def tail(self, avail_width: float, lines: int) -> list[GridParagraph]:
        """The paragraph as [lead, last ``lines`` lines], or [itself] when it is no longer than that."""
        self.wrap(avail_width, 0)
        if len(self._spans) <= lines:
            return [self]
        cut = self._spans[-lines][0]
        return [self._part(0, cut, cont=self._cont, ends=False), self._part(cut, len(self.chars), cont=True,
                                                                         ends=self._ends)]

    def _part(self, a: int, b: int, *, cont: bool, ends: bool) -> GridParagraph:
        part = GridParagraph([], self.style, indent=self.indent, _cont=cont, _ends=ends)
        part.chars, part.faces, part.widths = self.chars[a:b], self.faces[a:b], self.widths[a:b]
        part.stretch = self.stretch[a:b]
        return part

    def draw(self) -> None:
        width = self._for_width or self.width
        canvas, style = self.canv, self.style
        canvas.saveState()
        if style.embolden:
            canvas.setLineWidth(style.embolden * style.size)
        y = self.height - style.size
        for n, (a, b) in enumerate(self._spans):
            while b > a and self.chars[b - 1] == " ":
                b -= 1
            last = n == len(self._spans) - 1 and self._ends
            self._draw_line(a, b, (self._indent_pt(width) if n == 0 else 0.0), width, y, justify=not last)
            y -= style.leading
        canvas.restoreState()

    def _draw_line(self, a: int, b: int, x0: float, width: float, y: float, *, justify: bool) -> None:
        style, count = self.style, b - a
        if count <= 0:
            return
        room, natural = width - x0, sum(self.widths[a:b])
        base = (self._pitch(width) - style.size) if style.grid else 0.0
        gaps = sum(self.stretch[a:b - 1])
        extra = 0.0
        if style.align == "justify" and justify and gaps:
            extra = (room - natural - base * (count - 1)) / gaps
        drawn = natural + base * (count - 1) + extra * gaps
        shift = {"center": (room - drawn) / 2, "right": room - drawn}.get(style.align, 0.0)
        text = self.canv.beginText(x0 + shift, y)
        if style.embolden:
            text.setTextRenderMode(2)
        i = a
        while i < b:  # runs of one face and one spacing
            j = i
            while j < b and self.faces[j] == self.faces[i] and self.stretch[j] == self.stretch[i]:
                j += 1
            text.setCharSpace(base + (extra if self.stretch[i] else 0.0))
            text.setFont(self.faces[i], style.size, style.leading)
            text.textOut(self.chars[i:j])
            i = j
        self.canv.drawText(text)


def text_width(text: str, chain: tuple[str, ...], size: float) -> float:
    """Width of one line of ``text`` drawn from ``chain`` at ``size`` (natural spacing)."""
    return float(sum(pdfmetrics.stringWidth(c, face_for(c, chain) or chain[0], size) for c in text))


def draw_line(canvas: Any, x: float, y: float, text: str, chain: tuple[str, ...], size: float) -> None:
    """One line of ``text`` at (x, y), each character from the first face of ``chain`` that has it."""
    t = canvas.beginText(x, y)
    for face, run in runs(text, chain):
        t.setFont(face, size)
        t.textOut(run)
    canvas.drawText(t)
