"""The faces printed papers use, and the check that every character can be printed.

Body and titles: AR PL UMing CN (a Song/Ming face). Rare characters (CJK Extension B–F, e.g.
𬌗) fall back to HanaMinB, run by run. A character in neither stops the print with its name:
a box on an official paper is worse than no paper.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from xml.sax.saxutils import escape

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from app.errors import InvalidInput
from app.resources import resource_path

BODY = "CDSong"
RARE = "CDRare"
_lock = threading.Lock()
_cmaps: dict[str, frozenset[int]] = {}


class MissingGlyphs(InvalidInput):
    """Characters no shipped font can print."""

    def __init__(self, chars: list[str]) -> None:
        shown = "、".join(f"“{c}”(U+{ord(c):04X})" for c in chars)
        super().__init__(
            f"以下字符在打印字体中不存在，无法打印：{shown}。请核对姓名等内容的用字（是否为自造字或输入法私用字），"
            "或联系信息科补充字库。受理决定已保存。",
            field="print",
        )
        self.chars = chars


def register_fonts() -> None:
    """Register both faces with ReportLab once per process (thread-safe)."""
    with _lock:
        if _cmaps:
            return
        faces = ((BODY, resource_path("fonts", "uming.ttc"), 0), (RARE, resource_path("fonts", "HanaMinB.ttf"), 0))
        for name, path, index in faces:
            font = TTFont(name, str(path), subfontIndex=index)
            pdfmetrics.registerFont(font)
            _cmaps[name] = frozenset(font.face.charToGlyph)


def _printable(c: str) -> bool:
    return not c.isspace() and ord(c) >= 0x20


def missing_glyphs(texts: Iterable[str]) -> list[str]:
    """Characters in ``texts`` covered by neither face, in order of first appearance."""
    register_fonts()
    body, rare = _cmaps[BODY], _cmaps[RARE]
    seen: dict[str, None] = {}
    for text in texts:
        for c in text:
            if _printable(c) and ord(c) not in body and ord(c) not in rare:
                seen.setdefault(c, None)
    return list(seen)


def markup(text: str) -> str:
    """Paragraph markup for ``text``: XML-escaped, rare-character runs switched to the fallback face."""
    register_fonts()
    body = _cmaps[BODY]
    out: list[str] = []
    run: list[str] = []
    for c in text:
        if _printable(c) and ord(c) not in body:
            run.append(c)
            continue
        if run:
            out.append(f'<font name="{RARE}">{escape("".join(run))}</font>')
            run = []
        out.append("<br/>" if c == "\n" else escape(c))
    if run:
        out.append(f'<font name="{RARE}">{escape("".join(run))}</font>')
    return "".join(out)
