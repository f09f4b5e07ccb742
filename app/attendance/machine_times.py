"""The date and time formats attendance machines write, read leniently and checked strictly.

Seen in vendor exports: ``2026-12-01 08:25:03``, ``2026/12/1 8:25``, ``2026.12.01 08:25``,
``20261201 082503``, ``2026-12-01T08:25:03.000``, ``2026年12月1日 8时25分``, Excel serial numbers
(``46357.35`` = days since 1899-12-30), and date and time in two columns. Anything else is None,
never an exception: a row with a time nobody can read is reported, not guessed.
"""

from __future__ import annotations

import datetime as dt
import re

_EXCEL_EPOCH = dt.datetime(1899, 12, 30)
_SERIAL_RANGE = (36526, 73051)   # 2000-01-01 .. 2100-01-01: a five-digit 工号 is no date
_SEP_DATE = r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
_SEP_TIME = r"(\d{1,2})\s*[:：时]\s*(\d{1,2})(?:\s*[:：分]\s*(\d{1,2})(?:\.\d{1,6})?\s*秒?|\s*分)?"
_AT = (re.compile(rf"{_SEP_DATE}(?:\s+|T|\s*星期.\s*)?{_SEP_TIME}"),
       re.compile(r"(\d{4})(\d{2})(\d{2})[\sT]?(\d{2})(\d{2})(\d{2})?"))
_DATE = (re.compile(_SEP_DATE), re.compile(r"(\d{4})(\d{2})(\d{2})"))
_TIME = (re.compile(_SEP_TIME), re.compile(r"(\d{2})(\d{2})(\d{2})?"))
_SERIAL = re.compile(r"\d{5}(?:\.\d+)?")
_FRACTION = re.compile(r"0?\.\d+|0")


def _ints(match: re.Match[str]) -> list[int]:
    return [int(g) if g else 0 for g in match.groups()]


def _from_serial(text: str) -> dt.datetime | None:
    value = float(text)
    if not _SERIAL_RANGE[0] <= value < _SERIAL_RANGE[1]:
        return None
    return _EXCEL_EPOCH + dt.timedelta(seconds=round(value * 86400))


def parse_at(text: str) -> dt.datetime | None:
    """A date and time in one cell."""
    text = text.strip()
    if _SERIAL.fullmatch(text):
        return _from_serial(text)
    for pattern in _AT:
        match = pattern.fullmatch(text)
        if match:
            y, mo, d, h, mi, s = _ints(match)
            try:
                return dt.datetime(y, mo, d, h, mi, s)
            except ValueError:
                return None
    return None


def parse_date(text: str) -> dt.date | None:
    """A date cell; a date with 00:00:00 (Excel writes those) is accepted too."""
    text = re.sub(r"\s+0{1,2}:00(:00)?$", "", text.strip())
    if re.fullmatch(r"\d{5}(\.0+)?", text):
        at = _from_serial(text)
        return at.date() if at else None
    for pattern in _DATE:
        match = pattern.fullmatch(text)
        if match:
            try:
                return dt.date(*_ints(match))
            except ValueError:
                return None
    return None


def parse_time(text: str) -> dt.time | None:
    """A time cell: 8:25, 08:25:03, 082503, or an Excel day fraction (0.35)."""
    text = text.strip()
    if _FRACTION.fullmatch(text):
        seconds = round(float(text) * 86400)
        return (dt.datetime.min + dt.timedelta(seconds=seconds)).time() if seconds < 86400 else None
    for pattern in _TIME:
        match = pattern.fullmatch(text)
        if match:
            h, mi, s = _ints(match)
            try:
                return dt.time(h, mi, s)
            except ValueError:
                return None
    return None
