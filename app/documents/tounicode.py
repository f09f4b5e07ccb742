"""A TrueType font for ReportLab whose ToUnicode maps are right for every plane.

ReportLab 5 writes each code of a subset's ToUnicode CMap as ``<%04X>``: a character above U+FFFF
(CJK Extension B–G, e.g. 𬌗 U+2C317) comes out as five hex digits, which no reader decodes, so the
name is drawn but cannot be searched or copied out of the archived PDF. The PDF reference wants the
destination in UTF-16BE: a surrogate pair (``<D870DF17>``) for those characters. This subclass lets
ReportLab build its font objects as usual and then replaces each subset's CMap text with one written
that way; ReportLab itself is not changed.
"""

from __future__ import annotations

from typing import Any

from reportlab.pdfbase.ttfonts import SUBSETN, TTFont


def utf16_hex(code: int) -> str:
    """The UTF-16BE hex of one code point: 4 digits in the BMP, a surrogate pair (8 digits) above."""
    return chr(code).encode("utf-16-be", "surrogatepass").hex().upper()


def to_unicode_cmap(fontname: str, subset: list[int]) -> str:
    """The ToUnicode CMap of one ≤256-glyph subset (code i of the subset is ``subset[i]``)."""
    head = [
        "/CIDInit /ProcSet findresource begin", "12 dict begin", "begincmap", "/CIDSystemInfo",
        f"<< /Registry ({fontname})", f"/Ordering ({fontname})", "/Supplement 0", ">> def",
        f"/CMapName /{fontname} def", "/CMapType 2 def", "1 begincodespacerange",
        f"<00> <{len(subset) - 1:02X}>", "endcodespacerange",
    ]
    body: list[str] = []
    for start in range(0, len(subset), 100):  # at most 100 entries per bfchar block (PDF limit)
        chunk = subset[start:start + 100]
        body.append(f"{len(chunk)} beginbfchar")
        body += [f"<{start + i:02X}> <{utf16_hex(code)}>" for i, code in enumerate(chunk)]
        body.append("endbfchar")
    tail = ["endcmap", "CMapName currentdict /CMap defineresource pop", "end", "end"]
    return "\n".join(head + body + tail)


class UnicodeTTFont(TTFont):
    """TTFont whose subsets' ToUnicode CMaps use UTF-16BE (surrogate pairs above the BMP)."""

    def addObjects(self, doc: Any) -> None:
        state = self.state.get(doc)
        subsets = [list(s) for s in state.subsets] if state is not None else []
        names = [(SUBSETN(n) + b"+" + self.face.name + self.face.subfontNameX).decode("pdfdoc")
                 for n in range(len(subsets))]
        super().addObjects(doc)
        for name, subset in zip(names, subsets, strict=True):
            stream = doc.idToObject.get("toUnicodeCMap:" + name)
            if stream is not None:
                stream.content = to_unicode_cmap(name, subset)
