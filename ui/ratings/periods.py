"""The periods of 评价统计: the day, week (Monday to Sunday), month, quarter or year around a date, or
a custom range. Plain dates, no Qt, so the arithmetic is tested on its own."""

from __future__ import annotations

import datetime as dt

PERIODS: dict[str, str] = {"day": "日", "week": "周", "month": "月", "quarter": "季度", "year": "年",
                           "custom": "自定义"}


def period_range(kind: str, anchor: dt.date) -> tuple[dt.date, dt.date]:
    """The first and last day (both included) of the ``kind`` period that holds ``anchor``."""
    if kind == "day":
        return anchor, anchor
    if kind == "week":
        start = anchor - dt.timedelta(days=anchor.weekday())
        return start, start + dt.timedelta(days=6)
    if kind == "month":
        return anchor.replace(day=1), _month_end(anchor.year, anchor.month)
    if kind == "quarter":
        first = 3 * ((anchor.month - 1) // 3) + 1
        return dt.date(anchor.year, first, 1), _month_end(anchor.year, first + 2)
    if kind == "year":
        return dt.date(anchor.year, 1, 1), dt.date(anchor.year, 12, 31)
    raise ValueError(f"unknown period {kind!r}")


def period_label(kind: str, start: dt.date, end: dt.date) -> str:
    """'2026年3月', '2026年第1季度', '2026-03-02 至 2026-03-08' …: the title of the figures and the file."""
    if kind == "day":
        return f"{start.year}年{start.month}月{start.day}日"
    if kind == "month":
        return f"{start.year}年{start.month}月"
    if kind == "quarter":
        return f"{start.year}年第{(start.month - 1) // 3 + 1}季度"
    if kind == "year":
        return f"{start.year}年"
    return f"{start.isoformat()} 至 {end.isoformat()}"


def _month_end(year: int, month: int) -> dt.date:
    following = dt.date(year + month // 12, month % 12 + 1, 1)
    return following - dt.timedelta(days=1)
