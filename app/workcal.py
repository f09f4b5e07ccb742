"""The working-day calendar (工作日历): official holidays and make-up working days (调休).

Limits in the Administrative Licensing Law are counted in working days (Art. 82). The calendar
is reference data: built from the ``chinesecalendar`` package for the years it knows, stored in
the database, and overridable by the hall. Outside the known years it falls back to Mon–Fri.

Rules used throughout:

* A day listed as an exception is a working day exactly when its ``is_workday`` says so
  (exception wins); any other day is a working day when it is Monday to Friday.
* A time limit of *n* working days is counted from the day after acceptance: the day of
  acceptance itself never counts (see :meth:`WorkingCalendar.add_working_days`).
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import accumulate

import chinese_calendar  # type: ignore[import-untyped, unused-ignore]

ONE_DAY = dt.timedelta(days=1)


@dataclass(frozen=True, slots=True)
class CalendarException:
    """An official (or local) exception to the Monday–Friday rule."""

    day: dt.date
    is_workday: bool  # True: make-up working day (调休上班); False: holiday (放假)
    name: str  # e.g. "春节", "国庆节调休上班"


def _as_date(day: dt.date) -> dt.date:
    """A ``datetime`` (a subclass of ``date``) is reduced to its date, so lookups match."""
    return day.date() if isinstance(day, dt.datetime) else day


def _weekdays_through(ordinal: int) -> int:
    """Mondays–Fridays among proleptic ordinals 1..ordinal (ordinal 1, 0001-01-01, is a Monday)."""
    weeks, rest = divmod(ordinal, 7)
    return weeks * 5 + min(rest, 5)


class WorkingCalendar:
    """Working-day arithmetic over a set of exceptions to the Mon–Fri rule.

    Pure and fast: :meth:`is_working_day` is one dict lookup; :meth:`working_days_between` is
    O(log n) in the number of exceptions whatever the span; :meth:`add_working_days` walks at
    most a few days per working day. If a day is listed more than once, the last entry wins
    (so local overrides listed after the official schedule take effect).
    """

    def __init__(self, exceptions: Iterable[CalendarException], known_years: Iterable[int]) -> None:
        self._exceptions: dict[dt.date, bool] = {e.day: e.is_workday for e in exceptions}
        self._known_years = frozenset(known_years)
        # Days whose status differs from Mon–Fri, sorted, with the running count of the change
        # (+1 a weekend made a working day, -1 a weekday made a holiday) for range counting.
        flips = sorted(
            (day.toordinal(), 1 if is_workday else -1)
            for day, is_workday in self._exceptions.items()
            if is_workday != (day.weekday() < 5)
        )
        self._flip_ordinals = [ordinal for ordinal, _ in flips]
        self._flip_totals = [0, *accumulate(delta for _, delta in flips)]

    @property
    def known_years(self) -> frozenset[int]:
        """Years whose official schedule was loaded."""
        return self._known_years

    def covers(self, day: dt.date) -> bool:
        """Whether the official schedule of ``day``'s year is loaded (else Mon–Fri is assumed)."""
        return day.year in self._known_years

    def is_working_day(self, day: dt.date) -> bool:
        """An exception listed for ``day`` wins; otherwise Monday to Friday are working days."""
        day = _as_date(day)
        special = self._exceptions.get(day)
        if special is not None:
            return special
        return day.weekday() < 5

    def next_working_day(self, day: dt.date) -> dt.date:
        """The first working day strictly after ``day`` (``day`` itself never counts)."""
        day = _as_date(day) + ONE_DAY
        while not self.is_working_day(day):
            day += ONE_DAY
        return day

    def add_working_days(self, start: dt.date, n: int) -> dt.date:
        """The due date of a limit of ``n`` working days counted from ``start``.

        The day of acceptance does not count: the result is the n-th working day strictly
        after ``start``, whether ``start`` itself is a working day or not. ``n == 0`` returns
        ``start`` itself (an immediate matter is due the same day). Negative ``n`` raises
        :class:`ValueError`.

        Example (2026): accepted Friday 13 Feb, 1 working day → Saturday 14 Feb, a make-up
        working day (春节调休上班).
        """
        if n < 0:
            raise ValueError(f"a number of working days cannot be negative: {n}")
        day = _as_date(start)
        for _ in range(n):
            day = self.next_working_day(day)
        return day

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """The number of working days d with ``start < d <= end``; 0 when ``end <= start``.

        ``start`` does not count and ``end`` does, matching :meth:`add_working_days`:
        ``working_days_between(a, add_working_days(a, n)) == n`` for every n >= 0.
        """
        first, last = _as_date(start).toordinal(), _as_date(end).toordinal()
        if last <= first:
            return 0
        plain = _weekdays_through(last) - _weekdays_through(first)
        lo = bisect_right(self._flip_ordinals, first)
        hi = bisect_right(self._flip_ordinals, last)
        return plain + self._flip_totals[hi] - self._flip_totals[lo]


# --- the official schedule, from the chinesecalendar package --------------------------------

_CHINESE_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "Mid-autumn Festival": "中秋节",
    "National Day": "国庆节",
    "Anti-Fascist 70th Day": "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}


def _package_knows(year: int) -> bool:
    """Whether ``chinesecalendar`` accepts dates of ``year`` (it raises for other years)."""
    try:
        chinese_calendar.get_holiday_detail(dt.date(year, 7, 1))
    except NotImplementedError:
        return False
    return True


def official_years() -> list[int]:
    """Years whose complete official schedule the installed ``chinesecalendar`` holds.

    A year counts when the package accepts it and lists both 1 January (元旦) and 1 October
    (国庆节) as holidays — every schedule since 2000 gives both days off. This leaves out a
    year the package holds only a stray day of (a New Year holiday starting on 30 or
    31 December is filed under the previous year's date).
    """
    holidays: dict[dt.date, str] = chinese_calendar.holidays
    years = {day.year for day in holidays}
    return sorted(
        year for year in years
        if dt.date(year, 1, 1) in holidays and dt.date(year, 10, 1) in holidays and _package_knows(year)
    )


def _chinese_name(english: object) -> str:
    """The Chinese name of a holiday from the package's (English) value."""
    text = str(english or "")
    if text in _CHINESE_NAMES:
        return _CHINESE_NAMES[text]
    try:
        return str(chinese_calendar.Holiday(text).chinese)
    except (AttributeError, ValueError):
        return text


def official_exceptions(years: Iterable[int]) -> list[CalendarException]:
    """Every official exception to the Mon–Fri rule in ``years``, sorted by day.

    That is every day the package lists as a holiday (whether it falls on a weekday or on a
    weekend inside the holiday), named e.g. "春节", and every make-up working day on a
    weekend, named e.g. "春节调休上班". Years the package does not know are skipped (it raises
    ``NotImplementedError`` for them), so the calendar falls back to Mon–Fri there.
    """
    wanted = {year for year in set(years) if _package_knows(year)}
    holidays: dict[dt.date, str] = chinese_calendar.holidays
    workdays: dict[dt.date, str] = chinese_calendar.workdays
    out = [
        CalendarException(day, False, _chinese_name(name))
        for day, name in holidays.items()
        if day.year in wanted
    ]
    out += [
        CalendarException(day, True, _chinese_name(name) + "调休上班")
        for day, name in workdays.items()
        if day.year in wanted and day.weekday() >= 5
    ]
    return sorted(out, key=lambda e: e.day)
