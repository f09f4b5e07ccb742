"""The faces printed papers use, and the check that every character can be printed.

GB/T 9704: body in 仿宋 (朱雀仿宋), the title in 小标宋 (the boldest Song shipped: AR PL UMing, drawn
emboldened), level-1 headings in 黑体 (WenQuanYi Micro Hei). A character the first face of a chain
lacks is drawn, character by character, from the next face that has it: the other shipped faces,
HanaMinB last for CJK Extension B–F. A character in none stops the print with its name: a box on an
official paper is worse than no paper.

Every face is a UnicodeTTFont, so text drawn from any plane can be extracted from the PDF again.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from xml.sax.saxutils import escape

from reportlab.pdfbase import pdfmetrics

from app.documents.tounicode import UnicodeTTFont
from app.errors import InvalidInput
from app.resources import resource_path

FANGSONG = "CDFangsong"  # the papers' body
BODY = "CDSong"  # Song: titles, page numbers, marks, the void register (its name kept for app.voids)
SONG = BODY
HEI = "CDHei"  # level-1 headings
RARE = "CDRare"  # CJK Extension B–F

FACE_FILES = {
    FANGSONG: "ZhuqueFangsong-Regular.ttf", BODY: "uming.ttc", HEI: "wqy-microhei.ttc", RARE: "HanaMinB.ttf",
}
FANGSONG_CHAIN = (FANGSONG, SONG, RARE, HEI)
SONG_CHAIN = (SONG, RARE, FANGSONG, HEI)
HEI_CHAIN = (HEI, FANGSONG, SONG, RARE)
# a face whose curly quotes are Latin-width (朱雀仿宋's are 0.3 em) is skipped for them: on the
# Chinese grid a quotation mark takes a full cell, as it does in the Song face
_FULL_WIDTH_MARKS = "‘’“”"

_lock = threading.Lock()
_cmaps: dict[str, frozenset[int]] = {}
_skip: dict[str, frozenset[int]] = {}
_chosen: dict[tuple[tuple[str, ...], str], str | None] = {}


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
    """Register the faces with ReportLab once per process (thread-safe)."""
    with _lock:
        if _cmaps:
            return
        for name, file in FACE_FILES.items():
            font = UnicodeTTFont(name, str(resource_path("fonts", file)), subfontIndex=0)
            pdfmetrics.registerFont(font)
            chars = frozenset(font.face.charToGlyph)
            _skip[name] = frozenset(ord(c) for c in _FULL_WIDTH_MARKS
                                    if ord(c) in chars and font.stringWidth(c, 1) < 0.9)
            _cmaps[name] = chars


def _printable(c: str) -> bool:
    return not c.isspace() and ord(c) >= 0x20


def face_for(c: str, chain: tuple[str, ...]) -> str | None:
    """The face of ``chain`` that draws ``c`` (the first that has it), None if none has it."""
    key = (chain, c)
    if key in _chosen:
        return _chosen[key]
    register_fonts()
    code = ord(c)
    usable = [f for f in chain if code in _cmaps[f]]
    face = next((f for f in usable if code not in _skip[f]), usable[0] if usable else None)
    if not _printable(c):
        face = chain[0]  # spaces and breaks: the face of the text around them
    _chosen[key] = face
    return face


def missing_glyphs(texts: Iterable[str]) -> list[str]:
    """Characters in ``texts`` covered by no shipped face, in order of first appearance."""
    register_fonts()
    faces = list(_cmaps.values())
    seen: dict[str, None] = {}
    for text in texts:
        for c in text:
            if _printable(c) and not any(ord(c) in f for f in faces):
                seen.setdefault(c, None)
    return list(seen)


def runs(text: str, chain: tuple[str, ...]) -> list[tuple[str, str]]:
    """``text`` cut into (face, text) runs drawn from one face each (characters in no face are
    drawn from the chain's first face: check missing_glyphs first)."""
    out: list[tuple[str, str]] = []
    for c in text:
        face = face_for(c, chain) or chain[0]
        if out and out[-1][0] == face:
            out[-1] = (face, out[-1][1] + c)
        else:
            out.append((face, c))
    return out


def markup(text: str, chain: tuple[str, ...] = SONG_CHAIN) -> str:
    """Paragraph markup for ``text`` in a ReportLab style whose face is ``chain[0]``: XML-escaped,
    runs of characters that face lacks switched to the face that has them."""
    out: list[str] = []
    for face, run in runs(text, chain):
        shown = escape(run).replace("\n", "<br/>")
        out.append(shown if face == chain[0] else f'<font name="{face}">{shown}</font>')
    return "".join(out)
