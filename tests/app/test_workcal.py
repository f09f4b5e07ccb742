"""Working-day arithmetic against the State Council's published schedules.

The expected schedules are written out here by hand from the notices (国务院办公厅关于2025年 /
2026年部分节假日安排的通知), not derived from the chinesecalendar package the product uses.
"""

from __future__ import annotations

import datetime as dt
import time

import chinese_calendar  # type: ignore[import-untyped, unused-ignore]
import pytest

from app.workcal import CalendarException, WorkingCalendar, official_exceptions, official_years

D = dt.date


def _span(a: dt.date, b: dt.date) -> set[dt.date]:
    return {a + dt.timedelta(days=i) for i in range((b - a).days + 1)}


def _year(y: int) -> list[dt.date]:
    return sorted(_span(D(y, 1, 1), D(y, 12, 31)))


# 国务院办公厅关于2026年部分节假日安排的通知
OFF_2026 = (
    _span(D(2026, 1, 1), D(2026, 1, 3))  # 元旦
    | _span(D(2026, 2, 15), D(2026, 2, 23))  # 春节
    | _span(D(2026, 4, 4), D(2026, 4, 6))  # 清明节
    | _span(D(2026, 5, 1), D(2026, 5, 5))  # 劳动节
    | _span(D(2026, 6, 19), D(2026, 6, 21))  # 端午节
    | _span(D(2026, 9, 25), D(2026, 9, 27))  # 中秋节
    | _span(D(2026, 10, 1), D(2026, 10, 7))  # 国庆节
)
MAKEUP_2026 = {
    D(2026, 1, 4),  # Sun, 元旦
    D(2026, 2, 14), D(2026, 2, 28),  # Sat, Sat, 春节
    D(2026, 5, 9),  # Sat, 劳动节
    D(2026, 9, 20), D(2026, 10, 10),  # Sun, Sat, 国庆节
}

# 国务院办公厅关于2025年部分节假日安排的通知
OFF_2025 = (
    {D(2025, 1, 1)}  # 元旦
    | _span(D(2025, 1, 28), D(2025, 2, 4))  # 春节
    | _span(D(2025, 4, 4), D(2025, 4, 6))  # 清明节
    | _span(D(2025, 5, 1), D(2025, 5, 5))  # 劳动节
    | _span(D(2025, 5, 31), D(2025, 6, 2))  # 端午节
    | _span(D(2025, 10, 1), D(2025, 10, 8))  # 国庆节、中秋节
)
MAKEUP_2025 = {D(2025, 1, 26), D(2025, 2, 8), D(2025, 4, 27), D(2025, 9, 28), D(2025, 10, 11)}


def _official_rule(day: dt.date, off: set[dt.date], makeup: set[dt.date]) -> bool:
    return day in makeup or (day.weekday() < 5 and day not in off)


@pytest.fixture(scope="module")
def cal() -> WorkingCalendar:
    years = [2025, 2026]
    return WorkingCalendar(official_exceptions(years), years)


# --- the package's data against the notices -------------------------------------------------


def test_the_hand_written_2026_schedule_is_self_consistent() -> None:
    assert all(d.weekday() >= 5 for d in MAKEUP_2026)
    assert not OFF_2026 & MAKEUP_2026
    assert len(OFF_2026) == 33  # 3 + 9 + 3 + 5 + 3 + 3 + 7 days off


@pytest.mark.parametrize(("year", "off", "makeup"), [(2025, OFF_2025, MAKEUP_2025), (2026, OFF_2026, MAKEUP_2026)])
def test_chinesecalendar_package_agrees_with_the_notice(year: int, off: set[dt.date], makeup: set[dt.date]) -> None:
    disagreements = [
        (day, chinese_calendar.is_workday(day))
        for day in _year(year)
        if chinese_calendar.is_workday(day) != _official_rule(day, off, makeup)
    ]
    assert disagreements == []


def test_official_exceptions_2026_are_exactly_the_notice() -> None:
    exceptions = official_exceptions([2026])
    assert {e.day for e in exceptions if not e.is_workday} == OFF_2026
    assert {e.day for e in exceptions if e.is_workday} == MAKEUP_2026
    assert [e.day for e in exceptions] == sorted(e.day for e in exceptions)
    by_day = {e.day: e.name for e in exceptions}
    assert by_day[D(2026, 2, 17)] == "春节"
    assert by_day[D(2026, 2, 14)] == "春节调休上班"
    assert by_day[D(2026, 1, 4)] == "元旦调休上班"
    assert by_day[D(2026, 10, 10)] == "国庆节调休上班"
    assert by_day[D(2026, 4, 5)] == "清明节"
    assert by_day[D(2026, 9, 26)] == "中秋节"
    assert by_day[D(2026, 5, 9)] == "劳动节调休上班"
    assert by_day[D(2026, 6, 20)] == "端午节"


def test_official_years() -> None:
    years = official_years()
    assert {2025, 2026} <= set(years)
    assert years == sorted(years) and years == list(range(years[0], years[-1] + 1))
    assert 2031 not in years
    assert all(official_exceptions([y]) for y in years)


def test_unknown_years_are_skipped() -> None:
    assert official_exceptions([2031, 1990]) == []
    both = official_exceptions([2026, 2031])
    assert both == official_exceptions([2026])


# --- is_working_day -----------------------------------------------------------------------------


def test_every_day_of_2026_matches_the_official_schedule(cal: WorkingCalendar) -> None:
    wrong = [d for d in _year(2026) if cal.is_working_day(d) is not _official_rule(d, OFF_2026, MAKEUP_2026)]
    assert wrong == []


def test_every_day_of_2025_matches_the_official_schedule(cal: WorkingCalendar) -> None:
    wrong = [d for d in _year(2025) if cal.is_working_day(d) is not _official_rule(d, OFF_2025, MAKEUP_2025)]
    assert wrong == []


def test_2025_spot_checks(cal: WorkingCalendar) -> None:
    assert cal.is_working_day(D(2025, 1, 26)) and cal.is_working_day(D(2025, 2, 8))  # Sun, Sat
    assert not any(cal.is_working_day(d) for d in _span(D(2025, 1, 28), D(2025, 2, 4)))
    assert not any(cal.is_working_day(d) for d in _span(D(2025, 10, 1), D(2025, 10, 8)))
    assert cal.is_working_day(D(2025, 9, 28)) and cal.is_working_day(D(2025, 10, 11))  # Sun, Sat


def test_working_days_in_2026(cal: WorkingCalendar) -> None:
    # 261 weekdays; 19 of them are holidays (Jan 1–2, Feb 16–20 and 23, Apr 6, May 1, 4, 5,
    # Jun 19, Sep 25, Oct 1, 2, 5, 6, 7); 6 weekend make-up days: 261 - 19 + 6 = 248.
    assert sum(cal.is_working_day(d) for d in _year(2026)) == 248
    assert cal.working_days_between(D(2025, 12, 31), D(2026, 12, 31)) == 248


# --- add_working_days ---------------------------------------------------------------------------


def test_spring_festival_2026(cal: WorkingCalendar) -> None:
    # Thu 12 Feb + 5: Fri 13 (1), Sat 14 make-up (2), Sun 15 – Mon 23 holiday,
    # Tue 24 (3), Wed 25 (4), Thu 26 (5).
    assert cal.add_working_days(D(2026, 2, 12), 5) == D(2026, 2, 26)
    # Fri 13 Feb + 1 lands on the make-up Saturday.
    assert cal.add_working_days(D(2026, 2, 13), 1) == D(2026, 2, 14)
    # Sat 14 Feb + 1 jumps the whole holiday to Tue 24 Feb.
    assert cal.add_working_days(D(2026, 2, 14), 1) == D(2026, 2, 24)
    # Accepted during the holiday (Mon 16 Feb) + 1 → Tue 24 Feb.
    assert cal.add_working_days(D(2026, 2, 16), 1) == D(2026, 2, 24)
    # Mon 9 Feb + 20: Tue 10 – Fri 13 (4), Sat 14 (5), Tue 24 – Fri 27 (9), Sat 28 make-up (10),
    # Mon 2 – Fri 6 Mar (15), Mon 9 – Fri 13 Mar (20).
    assert cal.add_working_days(D(2026, 2, 9), 20) == D(2026, 3, 13)
    assert cal.working_days_between(D(2026, 2, 14), D(2026, 2, 24)) == 1
    assert cal.working_days_between(D(2026, 2, 12), D(2026, 2, 28)) == 7  # 13, 14, 24, 25, 26, 27, 28


def test_national_day_2026(cal: WorkingCalendar) -> None:
    # Fri 18 Sep + 1 → Sun 20 Sep is a make-up working day.
    assert cal.add_working_days(D(2026, 9, 18), 1) == D(2026, 9, 20)
    # Thu 24 Sep + 1: 25–27 Sep Mid-Autumn off → Mon 28 Sep.
    assert cal.add_working_days(D(2026, 9, 24), 1) == D(2026, 9, 28)
    # Wed 30 Sep + 1: 1–7 Oct off → Thu 8 Oct.
    assert cal.add_working_days(D(2026, 9, 30), 1) == D(2026, 10, 8)
    # Mon 28 Sep + 5: Tue 29 (1), Wed 30 (2), Oct 1–7 off, Thu 8 (3), Fri 9 (4), Sat 10 make-up (5).
    assert cal.add_working_days(D(2026, 9, 28), 5) == D(2026, 10, 10)
    # Fri 18 Sep + 10: Sun 20 (1), Mon 21 – Thu 24 (5), 25–27 off, Mon 28 – Wed 30 (8),
    # Oct 1–7 off, Thu 8 (9), Fri 9 (10).
    assert cal.add_working_days(D(2026, 9, 18), 10) == D(2026, 10, 9)
    # Sat 10 Oct + 1 → Mon 12 Oct (Sun 11 is an ordinary weekend day).
    assert cal.add_working_days(D(2026, 10, 10), 1) == D(2026, 10, 12)


def test_across_new_year(cal: WorkingCalendar) -> None:
    # Wed 31 Dec 2025 + 1: Jan 1–3 off → Sun 4 Jan 2026 make-up day; + 2 → Mon 5 Jan.
    assert cal.add_working_days(D(2025, 12, 31), 1) == D(2026, 1, 4)
    assert cal.add_working_days(D(2025, 12, 31), 2) == D(2026, 1, 5)
    assert cal.next_working_day(D(2025, 12, 31)) == D(2026, 1, 4)


def test_zero_and_negative(cal: WorkingCalendar) -> None:
    assert cal.add_working_days(D(2026, 2, 16), 0) == D(2026, 2, 16)  # immediate, even on a holiday
    assert cal.add_working_days(D(2026, 3, 2), 0) == D(2026, 3, 2)
    with pytest.raises(ValueError, match="negative"):
        cal.add_working_days(D(2026, 3, 2), -1)


def test_next_working_day_is_strictly_after(cal: WorkingCalendar) -> None:
    assert cal.next_working_day(D(2026, 3, 2)) == D(2026, 3, 3)  # Mon → Tue
    assert cal.next_working_day(D(2026, 3, 6)) == D(2026, 3, 9)  # Fri → Mon
    assert cal.next_working_day(D(2026, 4, 3)) == D(2026, 4, 7)  # Fri before 清明 → Tue


# --- working_days_between -----------------------------------------------------------------------


def test_add_and_between_are_inverse_for_every_day_of_2026(cal: WorkingCalendar) -> None:
    for start in _year(2026):
        for n in range(31):
            end = cal.add_working_days(start, n)
            assert cal.working_days_between(start, end) == n, (start, n)
            if n:
                assert cal.is_working_day(end), (start, n)
                assert cal.working_days_between(start, end - dt.timedelta(days=1)) == n - 1, (start, n)


def test_between_agrees_with_counting_day_by_day(cal: WorkingCalendar) -> None:
    starts = sorted(_span(D(2024, 12, 1), D(2027, 1, 31)))
    for start in starts[::3]:
        count, day = 0, start
        for _ in range(400):
            assert cal.working_days_between(start, day) == count, (start, day)
            day += dt.timedelta(days=1)
            count += cal.is_working_day(day)


def test_between_edges(cal: WorkingCalendar) -> None:
    assert cal.working_days_between(D(2026, 3, 6), D(2026, 3, 2)) == 0  # end before start
    assert cal.working_days_between(D(2026, 3, 2), D(2026, 3, 2)) == 0
    assert cal.working_days_between(D(2026, 3, 2), D(2026, 3, 3)) == 1  # end counts, start does not
    assert cal.working_days_between(D(2026, 3, 6), D(2026, 3, 8)) == 0  # Fri → Sun
    # A datetime is taken as its date.
    assert cal.working_days_between(dt.datetime(2026, 3, 2, 17, 0), dt.datetime(2026, 3, 3, 8, 0)) == 1
    assert cal.add_working_days(dt.datetime(2026, 2, 13, 16, 30), 1) == D(2026, 2, 14)
    assert cal.is_working_day(dt.datetime(2026, 2, 14, 9, 0))


# --- years not covered, local overrides ---------------------------------------------------------


def test_uncovered_year_falls_back_to_monday_to_friday(cal: WorkingCalendar) -> None:
    assert not cal.covers(D(2031, 5, 1)) and cal.covers(D(2026, 5, 1)) and cal.covers(D(2025, 12, 31))
    assert cal.known_years == frozenset({2025, 2026})
    week = sorted(_span(D(2031, 4, 28), D(2031, 5, 4)))  # Mon – Sun, 1 May would be 劳动节
    assert [cal.is_working_day(d) for d in week] == [True] * 5 + [False] * 2
    assert cal.add_working_days(D(2031, 5, 2), 1) == D(2031, 5, 5)  # Fri → Mon
    assert cal.add_working_days(D(2031, 5, 2), 20) == D(2031, 5, 30)
    assert cal.working_days_between(D(2030, 12, 31), D(2031, 12, 31)) == 261


def test_empty_calendar_is_monday_to_friday() -> None:
    plain = WorkingCalendar([], [])
    assert plain.known_years == frozenset()
    assert not plain.covers(D(2026, 2, 17))
    assert plain.is_working_day(D(2026, 2, 17))  # 春节 is unknown to it
    assert plain.working_days_between(D(2026, 1, 4), D(2026, 1, 11)) == 5


def test_overrides_win_over_weekdays() -> None:
    local = WorkingCalendar(
        [
            CalendarException(D(2027, 3, 1), False, "本地停办"),  # a Monday closed
            CalendarException(D(2027, 3, 6), True, "集中办理日"),  # a Saturday open
        ],
        [2027],
    )
    assert not local.is_working_day(D(2027, 3, 1))
    assert local.is_working_day(D(2027, 3, 6))
    assert local.add_working_days(D(2027, 2, 26), 1) == D(2027, 3, 2)
    assert local.working_days_between(D(2027, 2, 28), D(2027, 3, 7)) == 5  # Tue–Fri + Sat


def test_a_later_entry_for_the_same_day_wins() -> None:
    official = CalendarException(D(2026, 2, 14), True, "春节调休上班")
    override = CalendarException(D(2026, 2, 14), False, "本地停办")
    assert not WorkingCalendar([official, override], [2026]).is_working_day(D(2026, 2, 14))
    assert WorkingCalendar([override, official], [2026]).is_working_day(D(2026, 2, 14))
    # An exception that agrees with Mon–Fri changes nothing.
    same = WorkingCalendar([CalendarException(D(2026, 3, 7), False, "周六")], [2026])
    assert same.working_days_between(D(2026, 3, 1), D(2026, 3, 8)) == 5


def test_calendar_exception_is_a_frozen_value() -> None:
    e = CalendarException(D(2026, 2, 14), True, "春节调休上班")
    assert e == CalendarException(D(2026, 2, 14), True, "春节调休上班")
    with pytest.raises(AttributeError):
        e.name = "x"  # type: ignore[misc]


# --- speed -------------------------------------------------------------------------------------


def test_arithmetic_is_fast(cal: WorkingCalendar) -> None:
    t0 = time.perf_counter()
    for _ in range(1000):
        cal.add_working_days(D(2026, 2, 9), 20)
        cal.working_days_between(D(2026, 1, 1), D(2026, 12, 31))
    per_call = (time.perf_counter() - t0) / 1000
    assert per_call < 0.002  # measured ~15 µs; generous for slow CI machines
