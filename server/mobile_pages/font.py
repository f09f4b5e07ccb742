"""The web font of the phone page: the shipped WenQuanYi Micro Hei, cut down to the characters of
one page (a phone without Chinese fonts, like the headless test browser, still shows the text;
a phone with them never downloads it, as the face comes last in the page's font stack).

ReportLab's TrueType subsetter does the cutting; its character map is meant for PDF codes, so it
is replaced by a Unicode one (format 4, platform 3 encoding 1) that browsers read.
"""

from __future__ import annotations

import struct
import threading
from functools import lru_cache

from reportlab.pdfbase.ttfonts import TTFontFile, TTFontMaker

from app.resources import resource_path

FACE = "wqy-microhei.ttc"
MAX_CHARS = 1000  # a page has a few hundred distinct characters; more is not a page's


@lru_cache(maxsize=1)
def common() -> str:
    """The 3755 characters of GB 2312 level 1 (一级汉字): enough for what is typed into the form."""
    rows = bytes(b for row in range(0xB0, 0xD8) for cell in range(0xA1, 0xFF) for b in (row, cell))
    return rows.decode("gb2312", "ignore")

_lock = threading.Lock()  # TTFontFile reads through one shared position
_faces: list[TTFontFile] = []


def _face() -> TTFontFile:
    if not _faces:
        _faces.append(TTFontFile(str(resource_path("fonts", FACE)), subfontIndex=0, validate=0))
    return _faces[0]


@lru_cache(maxsize=64)
def subset(chars: str, typing: bool = False) -> bytes:
    """A TrueType font with the glyphs of ``chars`` (at most MAX_CHARS of them, BMP only), and with
    ``typing`` those of common() too (a form the applicant types Chinese into)."""
    page = sorted({ord(c) for c in chars if 0x20 <= ord(c) <= 0xFFFF})[:MAX_CHARS]
    codes = sorted(set(page) | ({ord(c) for c in common()} if typing else set()))
    with _lock:
        face = _face()
        font = face.makeSubset(codes)
        glyphs = _new_glyph_ids(face.charToGlyph, codes)
    return _with_cmap(font, _cmap(glyphs))


def _new_glyph_ids(char_to_glyph: dict[int, int], codes: list[int]) -> dict[int, int]:
    """The glyph each code gets in the subset: numbered in order of first use, as makeSubset does."""
    seen = {0: 0}
    out = {}
    for code in codes:
        old = char_to_glyph.get(code, 0)
        seen.setdefault(old, len(seen))
        out[code] = seen[old]
    return out


def _cmap(glyphs: dict[int, int]) -> bytes:
    """A format 4 character map: one segment per character, then the closing 0xFFFF one."""
    segments = [(c, (g - c) & 0xFFFF) for c, g in sorted(glyphs.items()) if g] + [(0xFFFF, 1)]
    n = len(segments)
    power = 1 << (n.bit_length() - 1)
    ends = starts = b"".join(struct.pack(">H", c) for c, _ in segments)
    deltas = b"".join(struct.pack(">H", d) for _, d in segments)
    table = (struct.pack(">HHHHHHH", 4, 16 + 8 * n, 0, 2 * n, 2 * power, power.bit_length() - 1, 2 * n - 2 * power)
             + ends + b"\0\0" + starts + deltas + b"\0\0" * n)
    return struct.pack(">HHHHL", 0, 1, 3, 1, 12) + table


def _with_cmap(font: bytes, cmap: bytes) -> bytes:
    maker = TTFontMaker()
    (count,) = struct.unpack(">H", font[4:6])
    for i in range(count):
        tag, _checksum, offset, length = struct.unpack(">4sLLL", font[12 + 16 * i: 28 + 16 * i])
        name = tag.decode("latin-1")
        maker.add(name, cmap if name == "cmap" else font[offset: offset + length])
    data: bytes = maker.makeStream()
    return data
