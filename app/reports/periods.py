"""The periods of the reports: a day, a week (Monday to Sunday), a month, a quarter, a year or a custom
range, each with the period before it (for the comparison) and its Chinese label. Pure dates."""

from __future__ import annotations

import calendar as gregorian
import datetime as dt
from dataclasses import dataclass

from app.errors import InvalidInput

KINDS: dict[str, str] = {"day": "日", "week": "周", "month": "月", "quarter": "季度", "year": "年",
                         "custom": "自定义"}
MAX_DAYS = 3 * 366  # a custom range longer than three years is a typing slip, not a report


@dataclass(frozen=True)
class Period:
    """The days ``start`` to ``end``, both included."""

    kind: str
    start: dt.date
    end: dt.date

    @property
    def label(self) -> str:
        return period_label(self.kind, self.start, self.end)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def contains(self, day: dt.date) -> bool:
        return self.start <= day <= self.end

    def as_of(self, today: dt.date) -> dt.date:
        """The day the period's snapshot figures are taken on: its last day, or today while it runs."""
        return min(self.end, today)

    def months(self) -> list[tuple[int, int]]:
        """(year, month) of every month the period touches, in order."""
        out, year, month = [], self.start.year, self.start.month
        while (year, month) <= (self.end.year, self.end.month):
            out.append((year, month))
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return out


def month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, gregorian.monthrange(year, month)[1])


def period_of(kind: str, anchor: dt.date) -> Period:
    """The ``kind`` period that holds ``anchor`` (not custom: see :func:`custom`)."""
    if kind == "day":
        return Period(kind, anchor, anchor)
    if kind == "week":
        start = anchor - dt.timedelta(days=anchor.weekday())
        return Period(kind, start, start + dt.timedelta(days=6))
    if kind == "month":
        return Period(kind, anchor.replace(day=1), month_end(anchor.year, anchor.month))
    if kind == "quarter":
        first = 3 * ((anchor.month - 1) // 3) + 1
        return Period(kind, dt.date(anchor.year, first, 1), month_end(anchor.year, first + 2))
    if kind == "year":
        return Period(kind, dt.date(anchor.year, 1, 1), dt.date(anchor.year, 12, 31))
    raise InvalidInput("请选择统计周期（日、周、月、季度、年或自定义）。", field="period")


def custom(start: dt.date, end: dt.date) -> Period:
    if end < start:
        raise InvalidInput("统计的结束日期早于开始日期，请核对。", field="end")
    if (end - start).days >= MAX_DAYS:
        raise InvalidInput("自定义统计期间不能超过三年，请分段统计。", field="end")
    return Period("custom", start, end)


def previous(period: Period) -> Period:
    """The period before ``period``, of the same kind: the previous day, week, month, quarter or year;
    for a custom range the as many days just before it."""
    if period.kind == "custom":
        length = dt.timedelta(days=period.days)
        return Period("custom", period.start - length, period.end - length)
    return period_of(period.kind, period.start - dt.timedelta(days=1))


def period_label(kind: str, start: dt.date, end: dt.date) -> str:
    """'2026年12月1日', '2026年第49周（11月30日至12月6日）', '2026年12月', '2026年第4季度', '2026年',
    '2026-12-01 至 2026-12-15'."""
    if kind == "day":
        return f"{start.year}年{start.month}月{start.day}日"
    if kind == "week":
        year, week, _ = start.isocalendar()
        return f"{year}年第{week}周（{start.month}月{start.day}日至{end.month}月{end.day}日）"
    if kind == "month":
        return f"{start.year}年{start.month}月"
    if kind == "quarter":
        return f"{start.year}年第{(start.month - 1) // 3 + 1}季度"
    if kind == "year":
        return f"{start.year}年"
    return f"{start.isoformat()} 至 {end.isoformat()}"


def trend_months(end: dt.date, count: int = 12) -> list[tuple[int, int]]:
    """The ``count`` months ending with the month of ``end``, oldest first."""
    year, month = end.year, end.month
    out = []
    for _ in range(count):
        out.append((year, month))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return out[::-1]


def month_label(year: int, month: int) -> str:
    return f"{year}年{month}月"
