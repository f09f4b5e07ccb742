"""Chinese line breaking (避头尾) for the papers: where a paragraph's lines end.

Pure functions of the characters and their widths; no ReportLab. Rules (GB/T 15834 practice):
- no closing mark at a line start: 。，、；：？！）」』”’》〉】〕 … (行首禁则);
- no opening mark at a line end: （「『“‘《〈【〔 (行尾禁则);
- numbers, dates (2026年3月2日), times, case and phone numbers, masked ID numbers, and the paired
  marks —— and …… stay on one line.
A line that would break against a rule gives its last characters to the next line (推出) and is
justified over the full width by the renderer; only a token longer than a whole line is cut.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

NO_START = frozenset("。，、；：？！）」』”’》〉】〕］｝．,.;:?!)]}%％‰℃·・～ー々〃")
NO_END = frozenset("（「『“‘《〈【〔［｛([{")
_FUZZ = 1e-6
_TOKEN = re.compile(
    r"\d{4}年\d{1,2}月\d{1,2}日|\d{4}年\d{1,2}月|\d{1,2}月\d{1,2}日|\d{4}年"  # dates
    r"|\d{1,2}时\d{1,2}分"  # times written out
    r"|[0-9A-Za-z][0-9A-Za-z*＊\-‐–/.:_+#]*[0-9A-Za-z*＊%％]"  # numbers, codes, IDs, 15:05, 3.5%
    r"|——+|……+|…{2,}"
)


def in_token(text: str) -> list[bool]:
    """``in_token[i]``: ``text[i-1]`` and ``text[i]`` belong to one number, date or code (the
    renderer does not spread them apart when it justifies a line)."""
    out = [False] * (len(text) + 1)
    for m in _TOKEN.finditer(text):
        for i in range(m.start() + 1, m.end()):
            out[i] = True
    return out


def glued(text: str) -> list[bool]:
    """``glued[i]``: no break may fall between ``text[i-1]`` and ``text[i]`` (``glued[0]`` is False)."""
    out = in_token(text)
    for i in range(1, len(text)):
        if text[i] in NO_START or text[i - 1] in NO_END:
            out[i] = True
    return out


def _fill(widths: Sequence[float], start: int, capacity: float) -> int:
    """The end of the longest line from ``start`` that fits ``capacity`` (at least one character)."""
    used, end = 0.0, start
    while end < len(widths) and used + widths[end] <= capacity + _FUZZ:
        used += widths[end]
        end += 1
    return max(end, start + 1)


def break_lines(text: str, widths: Sequence[float], first: float, rest: float) -> list[tuple[int, int]]:
    """The lines of ``text`` as (start, end) slices: the first line holds ``first`` points of
    characters, the others ``rest``; ``widths[i]`` is the width of ``text[i]``. Spaces at a line
    start are dropped (they fall into the break)."""
    assert len(widths) == len(text)
    rules = glued(text)
    lines: list[tuple[int, int]] = []
    start = 0
    while start < len(text):
        end = _fill(widths, start, rest if lines else first)
        if end < len(text):
            cut = end
            while cut > start + 1 and rules[cut]:
                cut -= 1
            if not rules[cut]:
                end = cut  # else: one token longer than the line, cut where it is full
        lines.append((start, end))
        start = end
        while start < len(text) and text[start] == " ":
            start += 1
    return lines
