"""The working-day calendar (工作日历): official holidays and make-up working days (调休).

Limits in the Administrative Licensing Law are counted in working days (Art. 82). The calendar
is reference data: built from the ``chinesecalendar`` package for the years it knows, stored in
the database, and overridable by the hall. Outside the known years it falls back to Mon–Fri.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import chinese_calendar
from chinese_calendar import constants

ONE_DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class CalendarException:
    """An official exception to the Monday–Friday rule."""

    day: dt.date
    is_workday: bool  # True: make-up working day (调休上班); False: holiday
    name: str


class WorkingCalendar:
    """Working-day arithmetic. Pure and fast: two dict/set lookups per day."""

    def __init__(self, exceptions: Iterable[CalendarException], known_years: Iterable[int]) -> None:
        self._exceptions = {e.day: e.is_workday for e in exceptions}
        self._known_years = frozenset(known_years)

    @property
    def known_years(self) -> frozenset[int]:
        return self._known_years

    def covers(self, day: dt.date) -> bool:
        """Whether the official schedule of ``day``'s year is loaded (else Mon–Fri is assumed)."""
        return day.year in self._known_years

    def is_working_day(self, day: dt.date) -> bool:
        special = self._exceptions.get(day)
        if special is not None:
            return special
        return day.weekday() < 5

    def next_working_day(self, day: dt.date) -> dt.date:
        """The first working day strictly after ``day``."""
        day += ONE_DAY
        while not self.is_working_day(day):
            day += ONE_DAY
        return day

    def add_working_days(self, start: dt.date, n: int) -> dt.date:
        """The n-th working day strictly after ``start`` (the day of acceptance does not count).

        ``n == 0`` returns ``start`` itself: an immediate matter is due the same day.
        """
        if n < 0:
            raise ValueError("n must not be negative")
        day = start
        for _ in range(n):
            day = self.next_working_day(day)
        return day

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """Working days d with start < d <= end (0 when end <= start).

        So ``working_days_between(a, add_working_days(a, n)) == n``.
        """
        count = 0
        day = start + ONE_DAY
        while day <= end:
            if self.is_working_day(day):
                count += 1
            day += ONE_DAY
        return count


def official_years() -> list[int]:
    """Years whose official schedule the installed ``chinesecalendar`` knows."""
    years = {d.year for d in constants.holidays} | {d.year for d in constants.workdays}
    return sorted(years)


_CHINESE_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}


def _holiday_name(day: dt.date) -> str:
    _on_holiday, name = chinese_calendar.get_holiday_detail(day)
    if not name:
        return ""
    return _CHINESE_NAMES.get(str(name), str(name))


def official_exceptions(years: Iterable[int]) -> list[CalendarException]:
    """Every official holiday and every make-up working day in ``years`` (unknown years skipped)."""
    wanted = set(years)
    out = [
        CalendarException(day, False, _holiday_name(day))
        for day in sorted(constants.holidays) if day.year in wanted
    ]
    out += [
        CalendarException(day, True, _holiday_name(day) + "调休上班")
        for day in sorted(constants.workdays) if day.year in wanted
    ]
    return sorted(out, key=lambda e: e.day)
