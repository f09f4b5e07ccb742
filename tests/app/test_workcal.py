"""Working-day arithmetic against the State Council's published schedules (written out here by
hand, not derived from the chinesecalendar package the product uses)."""

from __future__ import annotations

import datetime as dt

import pytest

from app.workcal import CalendarException, WorkingCalendar, official_exceptions, official_years

D = dt.date


def _span(a: dt.date, b: dt.date) -> set[dt.date]:
    return {a + dt.timedelta(days=i) for i in range((b - a).days + 1)}


# 国务院办公厅关于2026年部分节假日安排的通知
OFF_2026 = (
    _span(D(2026, 1, 1), D(2026, 1, 3)) | _span(D(2026, 2, 15), D(2026, 2, 23))
    | _span(D(2026, 4, 4), D(2026, 4, 6)) | _span(D(2026, 5, 1), D(2026, 5, 5))
    | _span(D(2026, 6, 19), D(2026, 6, 21)) | _span(D(2026, 9, 25), D(2026, 9, 27))
    | _span(D(2026, 10, 1), D(2026, 10, 7))
)
MAKEUP_2026 = {D(2026, 1, 4), D(2026, 2, 14), D(2026, 2, 28), D(2026, 5, 9), D(2026, 9, 20), D(2026, 10, 10)}


@pytest.fixture(scope="module")
def cal() -> WorkingCalendar:
    years = [2025, 2026]
    return WorkingCalendar(official_exceptions(years), years)


def test_every_day_of_2026_matches_the_official_schedule(cal: WorkingCalendar) -> None:
    for day in _span(D(2026, 1, 1), D(2026, 12, 31)):
        expected = day in MAKEUP_2026 or (day.weekday() < 5 and day not in OFF_2026)
        assert cal.is_working_day(day) is expected, day


def test_spring_festival_2026(cal: WorkingCalendar) -> None:
    # Thu 12 Feb + 5: Fri 13 (1), Sat 14 make-up (2), 15–23 holiday, Tue 24 (3), Wed 25 (4), Thu 26 (5)
    assert cal.add_working_days(D(2026, 2, 12), 5) == D(2026, 2, 26)
    # Fri 13 Feb + 1 lands on the make-up Saturday
    assert cal.add_working_days(D(2026, 2, 13), 1) == D(2026, 2, 14)
    # Sat 14 Feb + 1 jumps the whole holiday to Tue 24 Feb
    assert cal.add_working_days(D(2026, 2, 14), 1) == D(2026, 2, 24)
    # a 20-working-day limit from Mon 9 Feb: 10–14 (5 incl. Sat 14), 24–27 (9), Sat 28 make-up (10),
    # 2–6 Mar (15), 9–13 Mar (20)
    assert cal.add_working_days(D(2026, 2, 9), 20) == D(2026, 3, 13)
    assert cal.working_days_between(D(2026, 2, 14), D(2026, 2, 24)) == 1


def test_national_day_2026(cal: WorkingCalendar) -> None:
    # Fri 18 Sep + 1 → Sun 20 Sep is a make-up working day
    assert cal.add_working_days(D(2026, 9, 18), 1) == D(2026, 9, 20)
    # Wed 30 Sep + 1 → 1–7 Oct off, Thu 8 Oct
    assert cal.add_working_days(D(2026, 9, 30), 1) == D(2026, 10, 8)
    # Thu 8 (1), Fri 9 (2), Sat 10 make-up (3), Mon 12 (4)
    assert cal.add_working_days(D(2026, 9, 30), 4) == D(2026, 10, 12)
    # Mid-Autumn 25–27 Sep: Thu 24 Sep + 1 → Mon 28 Sep
    assert cal.add_working_days(D(2026, 9, 24), 1) == D(2026, 9, 28)


def test_2025_spot_checks(cal: WorkingCalendar) -> None:
    assert cal.is_working_day(D(2025, 1, 26)) and cal.is_working_day(D(2025, 2, 8))
    assert not any(cal.is_working_day(d) for d in _span(D(2025, 1, 28), D(2025, 2, 4)))
    assert not any(cal.is_working_day(d) for d in _span(D(2025, 10, 1), D(2025, 10, 8)))
    assert cal.is_working_day(D(2025, 9, 28)) and cal.is_working_day(D(2025, 10, 11))


def test_add_and_between_are_inverse_for_every_day_of_2026(cal: WorkingCalendar) -> None:
    for start in _span(D(2026, 1, 1), D(2026, 12, 31)):
        for n in range(0, 31):
            end = cal.add_working_days(start, n)
            assert cal.working_days_between(start, end) == n
            if n:
                assert cal.is_working_day(end)


def test_zero_negative_and_uncovered_years(cal: WorkingCalendar) -> None:
    assert cal.add_working_days(D(2026, 2, 16), 0) == D(2026, 2, 16)
    with pytest.raises(ValueError):
        cal.add_working_days(D(2026, 3, 2), -1)
    assert cal.working_days_between(D(2026, 3, 6), D(2026, 3, 2)) == 0
    assert not cal.covers(D(2031, 5, 1)) and cal.covers(D(2026, 5, 1))
    assert not cal.is_working_day(D(2031, 5, 3))  # Saturday
    assert cal.add_working_days(D(2031, 5, 2), 1) == D(2031, 5, 5)


def test_overrides_win_over_weekdays() -> None:
    local = WorkingCalendar([CalendarException(D(2027, 3, 1), False, "本地停办")], [2027])
    assert not local.is_working_day(D(2027, 3, 1))
    assert local.add_working_days(D(2027, 2, 26), 1) == D(2027, 3, 2)


def test_official_years_include_2026_and_names_are_chinese() -> None:
    assert 2026 in official_years()
    names = {e.name for e in official_exceptions([2026])}
    assert "春节" in names and "国庆节调休上班" in names
