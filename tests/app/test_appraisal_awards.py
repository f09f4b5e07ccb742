"""Awards beyond the month (app.appraisal.awards) and their JSON (app.appraisal.codec): the five
indicators, the quarterly 红旗窗口 with its ties, the yearly 先进个人 / 先进窗口 with months missing."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest

from app.appraisal.awards import (
    MIN_MONTHS,
    QuarterResult,
    WindowIndicators,
    YearResult,
    indicator_scores,
    red_flag_windows,
    year_awards,
)
from app.appraisal.codec import quarter_from_json, quarter_json, year_from_json, year_json
from app.appraisal.rules import default_rules, parse_rules
from app.appraisal.score import MonthAppraisal, Person, WindowInfo, appraise_month
from app.errors import InvalidInput
from tests.app.test_appraisal_score import fact, many, person, to_score, window


def ind(wid: str, cases: tuple[int, int] = (0, 0), ratings: tuple[int, int] = (0, 0), bad: int = 0,
        days: tuple[float, float] = (0, 0), discipline: float = 0) -> WindowIndicators:
    return WindowIndicators(wid, cases[0], cases[1], ratings[0], ratings[1], bad, days[0], days[1], discipline)


INDICATORS: list[tuple[str, WindowIndicators, dict[str, float]]] = [
    ("typical", ind("w", (10, 9), (20, 18), 2, (60, 57), 1.5),
     {"cases": 90, "discipline": 92.5, "service": 90, "complaints": 80, "attendance": 95}),
    ("nothing to count", ind("w"),
     {"cases": 100, "discipline": 100, "service": 100, "complaints": 100, "attendance": 100}),
    ("floors at 0", ind("w", (4, 0), (5, 0), 12, (20, 0), 30),
     {"cases": 0, "discipline": 0, "service": 0, "complaints": 0, "attendance": 0}),
    ("rounded rates", ind("w", (7, 3), (3, 2), 1, (21, 20.5), 0.5),
     {"cases": 42.86, "discipline": 97.5, "service": 66.67, "complaints": 90, "attendance": 97.62}),
    ("never above 100", ind("w", (3, 5), (2, 4), 0, (10, 12), 0),
     {"cases": 100, "discipline": 100, "service": 100, "complaints": 100, "attendance": 100}),
]


@pytest.mark.parametrize(("given", "expected"), [r[1:] for r in INDICATORS], ids=[r[0] for r in INDICATORS])
def test_the_indicator_formulas(given: WindowIndicators, expected: dict[str, float]) -> None:
    assert indicator_scores(given) == pytest.approx(expected)


def _windows() -> list[WindowInfo]:
    return [window("w1", label="1号窗口"), window("w2", label="2号窗口"), window("w3", label="3号窗口"),
            window("w4", label="4号窗口"), window("w5", label="5号窗口")]


def test_red_flag_windows_are_ranked_by_the_weighted_total() -> None:
    indicators = [ind("w1", (10, 8)), ind("w2", (10, 10), bad=1), ind("w3", (10, 10), bad=3),
                  ind("w4", (10, 10)), ind("wz", (1, 1))]  # w5 has none; wz is no window of the hall
    q = red_flag_windows(default_rules(), 2, 2026, _windows(), indicators)
    assert [(w.window.window_id, w.total, w.rank, w.red_flag) for w in q.windows] == [
        ("w4", 100, 1, True), ("w2", 98, 2, False), ("w1", 96, 3, False), ("w3", 94, 4, False)]
    assert q.windows[0].indicators == {"cases": 100, "discipline": 100, "service": 100, "complaints": 100,
                                       "attendance": 100}
    assert q.windows[0].reason == "综合 100.00 分，排名第 1，在红旗窗口名额（1 个）内"
    assert q.windows[1].reason == "综合 98.00 分，排名第 2，未进入前 1 名"
    assert (q.year, q.quarter) == (2026, 2) and q.weights == pytest.approx(dict.fromkeys(q.weights, 0.2))


def test_the_weights_are_normalised_and_red_flags_counted_by_the_rules() -> None:
    rules = parse_rules({"red_flag_weights": {"cases": 3, "discipline": 1, "service": 0, "complaints": 0,
                                              "attendance": 0}, "red_flags": 2})
    q = red_flag_windows(rules, 1, 2026, _windows(), [ind("w1", (10, 6), discipline=4), ind("w2", (10, 9), bad=9),
                                                      ind("w3", (10, 10), discipline=10)])
    assert {w.window.window_id: w.total for w in q.windows} == {"w1": 65, "w2": 92.5, "w3": 87.5}
    assert [w.window.window_id for w in q.windows if w.red_flag] == ["w2", "w3"]
    assert sum(q.weights.values()) == pytest.approx(1)


def test_red_flag_ties_go_to_the_cases_indicator_then_the_label() -> None:
    rules = parse_rules({"red_flag_weights": {"cases": 1, "discipline": 1, "service": 0, "complaints": 0,
                                              "attendance": 0}})
    windows = [window("w1", label="1号窗口"), window("w2", label="3号窗口"), window("w3", label="2号窗口")]
    q = red_flag_windows(rules, 3, 2026, windows[::-1], [  # every total 90
        ind("w1", (10, 8)), ind("w2", (10, 9), discipline=2), ind("w3", (10, 9), discipline=2)])
    assert {w.total for w in q.windows} == {90}
    assert [w.window.label for w in q.windows] == ["2号窗口", "3号窗口", "1号窗口"]
    assert [w.red_flag for w in q.windows] == [True, False, False]


@pytest.mark.parametrize(("quarter", "indicators", "field"), [
    (0, [], "quarter"), (5, [], "quarter"), (1, [ind("w1", (1, -1))], "indicators"),
    (1, [ind("w1", discipline=math.nan)], "indicators"), (1, [ind("w1"), ind("w1")], "indicators"),
])
def test_a_quarter_that_makes_no_sense_is_refused(quarter: int, indicators: list[WindowIndicators],
                                                  field: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        red_flag_windows(default_rules(), quarter, 2026, _windows(), indicators)
    assert refused.value.field == field


# --- the year ------------------------------------------------------------------------------------

STAFF = ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"]
PRESENT = {"b": range(1, 6), "d": range(1, 9)}  # b: 5 months, d: 8 months; the others every month
TARGET = {"a": 105, "b": 110, "c": 104, "d": 103, "e": 98, "f": 98}


def _month(month: int, worse_e: bool = False) -> MonthAppraisal:
    people: list[Person] = [person(s, no=f"{i:03d}", window=f"w{i % 4 + 1}")
                            for i, s in enumerate(STAFF) if month in PRESENT.get(s, range(1, 13))]
    facts = [f for p in people for f in to_score(p.staff_id, TARGET.get(p.staff_id, 100))]
    if month == 3:  # c is as good, but was absent half a day
        facts = [f for f in facts if f.staff_id != "c"] + [fact("absent_half", "c"), *many("banner", "c", 3),
                                                            fact("praise_letter", "c")]
    if worse_e:  # still 98, with 4 points of deductions instead of 2
        facts = [f for f in facts if f.staff_id != "e"] + [*many("late", "e", 4), fact("banner", "e")]
    windows = [window(f"w{i}") for i in range(1, 5)]
    return appraise_month(default_rules(), 2026, month, people, windows, facts)


def _year(months: range = range(1, 13)) -> YearResult:
    return year_awards(default_rules(), 2026, [_month(m) for m in months])


def test_the_year_means_count_only_the_months_present() -> None:
    y = _year()
    rows = {p.person.staff_id: p for p in y.people}
    assert {s: (rows[s].mean, rows[s].months) for s in "abcd"} == {
        "a": (105, 12), "b": (110, 5), "c": (104, 12), "d": (103, 8)}
    assert [p.person.staff_id for p in y.people][:4] == ["b", "a", "c", "d"]
    assert [p.rank for p in y.people] == list(range(1, 11))


def test_advanced_staff_are_present_6_months_eligible_every_month_within_the_quota() -> None:
    y = _year()
    rows = {p.person.staff_id: p for p in y.people}
    assert y.staff_quota == 2 and MIN_MONTHS == 6
    assert [p.person.staff_id for p in y.people if p.advanced] == ["a", "d"]
    assert "参加考核不足 6 个月" in rows["b"].reason and not rows["b"].advanced
    assert not rows["c"].eligible and "3月不得评优" in rows["c"].reason
    assert rows["a"].reason == "12 个月平均 105.00 分，排名第 2，评为先进个人"
    assert "超出先进个人名额（共 2 名）" in rows["e"].reason


def test_the_year_ties_break_like_a_month() -> None:
    y = _year()
    e, f = (next(p for p in y.people if p.person.staff_id == s) for s in "ef")
    assert e.mean == f.mean == 98 and e.rank + 1 == f.rank  # the same facts: by 工号
    y2 = year_awards(default_rules(), 2026, [_month(m, worse_e=True) for m in range(1, 13)])
    e2, f2 = (next(p for p in y2.people if p.person.staff_id == s) for s in "ef")
    assert e2.mean == f2.mean == 98 and f2.rank + 1 == e2.rank  # e has more deductions now


def test_advanced_windows_are_a_quarter_by_mean() -> None:
    y = _year()
    assert y.window_quota == 1 and [w.advanced for w in y.windows] == [True, False, False, False]
    assert all(w.months == 12 for w in y.windows)
    first = y.windows[0]
    assert first.reason.endswith("在先进窗口名额（25%，共 1 个）内") and first.mean >= y.windows[1].mean


def test_a_year_with_months_missing_and_a_person_present_in_too_few() -> None:
    y = _year(range(1, 7))  # only January to June: d present 6 months, b 5
    rows = {p.person.staff_id: p for p in y.people}
    assert rows["d"].months == 6 and rows["b"].months == 5 and rows["a"].months == 6
    assert [p.person.staff_id for p in y.people if p.advanced] == ["a", "d"]
    assert year_awards(default_rules(), 2026, []) == YearResult(2026, (), (), 0, 0)


def test_months_of_another_year_or_twice_the_same_month_are_refused() -> None:
    january = _month(1)
    for months in ([january, january], [january, appraise_month(default_rules(), 2025, 2, [], [], [])]):
        with pytest.raises(InvalidInput) as refused:
            year_awards(default_rules(), 2026, months)
        assert refused.value.field == "months"


# --- JSON ----------------------------------------------------------------------------------------


def _quarter() -> QuarterResult:
    return red_flag_windows(default_rules(), 4, 2026, _windows(), [ind("w1", (7, 3), (3, 2), 1, (21, 20.5), 0.5),
                                                                   ind("w2", (10, 9))])


def test_the_quarter_and_the_year_round_trip_through_json() -> None:
    q, y = _quarter(), _year()
    assert quarter_from_json(json.loads(json.dumps(quarter_json(q)))) == q
    assert year_from_json(json.loads(json.dumps(year_json(y), ensure_ascii=False))) == y


@pytest.mark.parametrize("case", ["format", "extra", "indicator missing", "total text", "red flag number",
                                  "year person", "mean nan", "not a mapping"])
def test_malformed_award_json_is_refused(case: str) -> None:
    q, y = quarter_json(_quarter()), year_json(_year())
    w0, p0 = q["windows"][0], y["people"][0]
    bad: dict[str, tuple[Any, Any]] = {
        "format": (quarter_from_json, {**q, "format": 0}),
        "extra": (year_from_json, {**y, "x": 1}),
        "indicator missing": (quarter_from_json, {**q, "windows": [{**w0, "indicators": {"cases": 1}}]}),
        "total text": (quarter_from_json, {**q, "windows": [{**w0, "total": "9"}]}),
        "red flag number": (quarter_from_json, {**q, "windows": [{**w0, "red_flag": 1}]}),
        "year person": (year_from_json, {**y, "people": [{**p0, "person": None}]}),
        "mean nan": (year_from_json, {**y, "people": [{**p0, "mean": math.inf}]}),
        "not a mapping": (year_from_json, "2026"),
    }
    read, value = bad[case]
    with pytest.raises(InvalidInput) as refused:
        read(value)
    assert refused.value.field == "result"
