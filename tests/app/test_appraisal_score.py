"""One month's appraisal (app.appraisal.score) and its JSON (app.appraisal.codec): points per fact kind,
cap and floor, the 首席代表's share with its trail, windows, unmatched facts, grades, quotas,
eligibility, every tie-break step, 优秀窗口, 优质服务标兵 and determinism. No database, no Qt."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
import random
from collections.abc import Sequence
from typing import Any

import pytest

from app.appraisal.codec import appraisal_from_json, appraisal_json
from app.appraisal.rules import FACT_KINDS, ScoringRules, default_rules, parse_rules
from app.appraisal.score import (
    GRADE_LABELS,
    TIE_BREAK,
    Fact,
    MonthAppraisal,
    Person,
    PersonScore,
    ScoredFact,
    WindowInfo,
    appraise_month,
    fact_points,
    quota_count,
)
from app.errors import InvalidInput

DAY = dt.date(2026, 3, 10)
_serial = iter(range(1, 10**9))


def person(sid: str, *, no: str | None = None, name: str | None = None, dept: str | None = "d1",
           window: str | None = "w1", chief: bool = False) -> Person:
    return Person(sid, name or f"职员{sid}", no if no is not None else sid, dept, f"部门{dept}", window,
                  f"窗口{window}", chief)


def window(wid: str, *, label: str | None = None, dept: str | None = "d1") -> WindowInfo:
    return WindowInfo(wid, label or f"{wid}号窗口", dept, f"部门{dept}")


def fact(kind: str, sid: str | None = None, wid: str | None = None, *, q: float = 1.0, points: float | None = None,
         day: dt.date = DAY) -> Fact:
    n = next(_serial)
    return Fact(kind, sid, wid, day, f"{FACT_KINDS.get(kind, kind)} 第 {n} 条", "test", f"src{n:05d}", q, points)


def many(kind: str, sid: str | None, count: int, wid: str | None = None) -> list[Fact]:
    return [fact(kind, sid, wid) for _ in range(count)]


def run(people: Sequence[Person], windows: Sequence[WindowInfo] = (), facts: Sequence[Fact] = (),
        rules: ScoringRules | None = None, **kw: Any) -> MonthAppraisal:
    return appraise_month(rules or default_rules(), 2026, 3, people, windows, facts, **kw)


def by_id(m: MonthAppraisal) -> dict[str, PersonScore]:
    return {p.person.staff_id: p for p in m.people}


def to_score(sid: str, score: int) -> list[Fact]:
    """Facts that bring a person from 100 to ``score``: banners (+2) and a 表扬信 (+1) up, 超期办件 (−5)
    and fewer than 5 迟到 (−1) down, so that nobody loses eligibility on the way."""
    delta = score - 100
    if delta >= 0:
        return many("banner", sid, delta // 2) + many("praise_letter", sid, delta % 2)
    return many("overdue_case", sid, -delta // 5) + many("late", sid, -delta % 5)


# --- points ------------------------------------------------------------------------------------

POINTS: list[tuple[str, float, float | None, float]] = [
    # (kind, quantity, explicit points, expected points)
    ("absent_half", 2, None, -6), ("late", 1, None, -1), ("early", 3, None, -3), ("missing", 2, None, -2),
    ("overdue_case", 1, None, -5), ("irregular_receipt", 1, None, -2), ("unauthorised_fee", 1, None, -5),
    ("bad_rating", 2, None, -4), ("empty_post", 1, None, -2), ("inspection", 1, None, -1),
    ("praise_letter", 1, None, 1), ("banner", 2, None, 4), ("peer", 4.5, None, 3), ("peer", 1, None, -4),
    ("peer", 3, None, 0), ("manual", 1, -3.5, -3.5), ("adjustment", 1, 2, 2),
]


def test_the_points_table_covers_every_input_kind() -> None:
    assert {row[0] for row in POINTS} == set(FACT_KINDS) - {"chief_share"}


@pytest.mark.parametrize(("kind", "quantity", "explicit", "expected"), POINTS,
                         ids=[f"{r[0]}-{r[1]}" for r in POINTS])
def test_each_fact_kind_gives_its_points(kind: str, quantity: float, explicit: float | None, expected: float) -> None:
    f = fact(kind, "a", q=quantity, points=explicit)
    p = by_id(run([person("a")], [window("w1")], [f]))["a"]
    assert p.facts == (ScoredFact(f, expected),)
    assert p.score == p.raw == 100 + expected
    assert (p.deductions, p.bonuses) == (min(expected, 0), max(expected, 0))
    assert fact_points(default_rules(), f) == expected


def test_the_rules_points_are_used_not_the_defaults() -> None:
    rules = parse_rules({"points": {"late": -2.5}, "peer_weight": 1, "peer_center": 4})
    m = run([person("a")], [window("w1")], [fact("late", "a", q=2), fact("peer", "a", q=5)], rules)
    assert [f.points for f in m.people[0].facts] == [-5, 1] and m.people[0].score == 96


@pytest.mark.parametrize(("facts", "score", "raw"), [
    (lambda: many("banner", "a", 15), 110, 130),
    (lambda: many("banner", "a", 5), 110, 110),
    (lambda: many("overdue_case", "a", 25), 0, -25),
    (lambda: many("overdue_case", "a", 20), 0, 0),
], ids=["cap", "at-cap", "floor", "at-floor"])
def test_a_score_stays_within_the_cap_and_the_floor_and_keeps_its_raw_sum(facts: Any, score: float, raw: float) -> None:
    p = run([person("a")], [window("w1")], facts()).people[0]
    assert (p.score, p.raw) == (score, raw)


def test_the_rules_cap_and_floor_are_used() -> None:
    rules = parse_rules({"cap": 105, "floor": 40})
    m = run([person("a"), person("b")], [window("w1")], many("banner", "a", 5) + many("overdue_case", "b", 20),
            rules)
    assert {p.person.staff_id: (p.score, p.raw) for p in m.people} == {"a": (105, 110), "b": (40, 0)}


BAD_FACTS: list[tuple[str, Fact, str]] = [
    ("manual without points", fact("manual", "a"), "points"),
    ("adjustment without points", fact("adjustment", "a"), "points"),
    ("manual nan points", fact("manual", "a", points=math.nan), "points"),
    ("late with points", fact("late", "a", points=-1), "points"),
    ("peer with points", fact("peer", "a", q=4, points=2), "points"),
    ("banner with points", fact("banner", "a", points=5), "points"),
    ("negative quantity", fact("late", "a", q=-1), "quantity"),
    ("nan quantity", fact("late", "a", q=math.nan), "quantity"),
    ("peer beyond 5", fact("peer", "a", q=6), "quantity"),
    ("peer below 1", fact("peer", "a", q=0.5), "quantity"),
]


@pytest.mark.parametrize(("bad", "field"), [r[1:] for r in BAD_FACTS], ids=[r[0] for r in BAD_FACTS])
def test_explicit_points_only_for_manual_and_adjustment_and_sane_quantities(bad: Fact, field: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        run([person("a")], [window("w1")], [bad])
    assert refused.value.field == field and bad.label in refused.value.message


def test_inputs_that_make_no_month_are_refused() -> None:
    with pytest.raises(InvalidInput) as twice:
        run([person("a"), person("a")])
    assert twice.value.field == "people"
    with pytest.raises(InvalidInput) as windows:
        run([person("a")], [window("w1"), window("w1")])
    assert windows.value.field == "windows"
    with pytest.raises(InvalidInput) as month:
        appraise_month(default_rules(), 2026, 13, [], [], [])
    assert month.value.field == "month"


# --- 首席代表, windows, unmatched ---------------------------------------------------------------------


def _department() -> tuple[list[Person], list[WindowInfo], dict[str, Fact]]:
    people = [person("a", window="w1"), person("b", window="w2"), person("c", window=None, chief=True),
              person("y", dept="d2", window="w1"), person("x", dept="d2", window="w3")]
    windows = [window("w1"), window("w2"), window("w3", dept="d2")]
    f = {"a_overdue": fact("overdue_case", "a", "w1"), "a_banner": fact("banner", "a"), "b_late": fact("late", "b"),
         "y_bad": fact("bad_rating", "y", "w1"), "w1_empty": fact("empty_post", None, "w1"),
         "w1_praise": fact("praise_letter", None, "w1"), "x_overdue": fact("overdue_case", "x", "w3"),
         "w3_empty": fact("empty_post", None, "w3"), "c_late": fact("late", "c")}
    return people, windows, f


def test_the_chief_carries_half_the_deductions_of_the_department_with_the_trail_to_each_fact() -> None:
    people, windows, f = _department()
    chief = by_id(run(people, windows, list(f.values())))["c"]
    carried = {s.fact.source_id: s for s in chief.facts if s.via}
    assert {sid: (s.points, s.via) for sid, s in carried.items()} == {
        f["a_overdue"].source_id: (-2.5, "首席代表分担（职员a）"),
        f["b_late"].source_id: (-0.5, "首席代表分担（职员b）"),
        f["y_bad"].source_id: (-1.0, "首席代表分担（职员y）"),  # y's department is d2, their window w1 is d1's
        f["w1_empty"].source_id: (-1.0, "首席代表分担（w1号窗口）"),
    }
    for key in ("a_overdue", "b_late", "y_bad", "w1_empty"):
        assert carried[f[key].source_id].fact is f[key]  # the trail: the original fact, its record
    assert all(s.kind_label == "首席代表分担" for s in carried.values())
    assert chief.score == 100 - 1 - 2.5 - 0.5 - 1 - 1 and chief.deductions == -6 and chief.bonuses == 0
    assert chief.late_early == 1  # the carried late is b's, not the chief's


def test_the_chief_carries_no_bonuses_nothing_of_other_departments_and_nothing_with_a_share_of_0() -> None:
    people, windows, f = _department()
    chief = by_id(run(people, windows, list(f.values())))["c"]
    origins = {s.fact.source_id for s in chief.facts if s.via}
    assert not origins & {f[k].source_id for k in ("a_banner", "w1_praise", "x_overdue", "w3_empty")}
    nobody = by_id(run(people, windows, list(f.values()), parse_rules({"chief_share": 0})))["c"]
    assert [s.fact for s in nobody.facts] == [f["c_late"]] and nobody.score == 99
    others = by_id(run(people, windows, list(f.values())))
    assert others["a"].score == 97 and others["b"].score == 99  # nothing taken off the people themselves


def test_two_chiefs_carry_each_others_own_deductions_but_never_what_the_other_carried() -> None:
    people = [person("a"), person("c1", chief=True), person("c2", chief=True)]
    m = by_id(run(people, [window("w1")], [fact("overdue_case", "a"), fact("late", "c1")]))
    assert m["c1"].score == 100 - 1 - 2.5 and m["c2"].score == 100 - 2.5 - 0.5
    assert [s.via for s in m["c2"].facts] == ["首席代表分担（职员a）", "首席代表分担（职员c1）"]


def test_a_window_scores_the_mean_of_its_people_plus_its_own_facts() -> None:
    people = [person("a", window="w1"), person("b", window="w1"), person("c", window="w2", chief=True),
              person("d", window=None)]
    facts = [fact("overdue_case", "a"), fact("late", "b"), fact("empty_post", None, "w1"),
             fact("praise_letter", None, "w1"), *many("banner", None, 10, "w3")]
    m = run(people, [window("w1"), window("w2"), window("w3"), window("w4")], facts)
    w = {x.window.window_id: x for x in m.windows}
    assert (w["w1"].score, w["w1"].members) == ((95 + 99) / 2 - 2 + 1, ("b", "a"))
    assert [s.fact.kind for s in w["w1"].facts] == ["empty_post", "praise_letter"]
    chief = by_id(m)["c"].score
    assert chief == 100 - 2.5 - 0.5 - 1 and (w["w2"].score, w["w2"].members) == (chief, ("c",))
    assert (w["w3"].score, w["w3"].raw, w["w3"].members) == (110, 120, ())  # no people: base + facts, capped
    assert (w["w4"].score, w["w4"].members) == (100, ())


def test_facts_about_nobody_known_are_listed_unmatched_and_count_for_nobody() -> None:
    lost = [fact("late", "ghost"), fact("empty_post", None, "w9"), fact("banner"), fact("smile", "a"),
            fact("chief_share", "a"), fact("overdue_case", "ghost", "w1")]
    m = run([person("a")], [window("w1")], [*lost, fact("late", "a")])
    assert set(m.unmatched) == set(lost) and len(m.unmatched) == len(lost)
    assert m.people[0].score == 99 and m.windows[0].score == 99 and m.windows[0].facts == ()


# --- grades, quota, eligibility ---------------------------------------------------------------------


def _hall(scores: Sequence[int]) -> tuple[list[Person], list[Fact]]:
    people = [person(f"p{i:02d}", window=f"w{i % 3}") for i in range(len(scores))]
    return people, [f for p, s in zip(people, scores, strict=True) for f in to_score(p.staff_id, s)]


def grades(m: MonthAppraisal) -> list[tuple[str, str]]:
    return [(p.person.staff_id, p.grade) for p in m.people]


def test_thresholds_grade_the_scores_with_the_reason() -> None:
    people, facts = _hall([80, 75, 74, 60, 59])
    m = run(people, (), facts, parse_rules({"top_n": 0}))
    assert [(p.score, p.grade) for p in m.people] == [(80, "competent"), (75, "competent"), (74, "basic"),
                                                       (60, "basic"), (59, "unfit")]
    assert [p.grade_reason for p in m.people] == ["得分 80.0 ≥ 75，称职", "得分 75.0 ≥ 75，称职",
                                                  "得分 74.0 ≥ 60，基本称职", "得分 60.0 ≥ 60，基本称职",
                                                  "得分 59.0 < 60，不称职"]
    assert GRADE_LABELS[m.people[-1].grade] == m.people[-1].grade_label == "不称职"


def test_a_quota_of_20_percent_of_10_people_gives_2_excellent_when_5_have_95() -> None:
    people, facts = _hall([100, 99, 98, 97, 96, 90, 88, 86, 84, 82])
    m = run(people, (), facts)
    assert (m.excellent_quota, m.excellent_quota_rate, m.quota_raised) == (2, 0.2, False)
    assert [g for _, g in grades(m)] == ["excellent"] * 2 + ["competent"] * 8
    assert m.people[0].grade_reason == "得分 100.0 ≥ 95"
    assert m.people[2].grade_reason == "超出优秀名额（20%，共 2 名），得分 98.0 ≥ 75，称职"
    assert m.people[7].grade_reason.startswith("超出优秀名额")  # rank 8: a candidate by rank
    assert m.people[8].grade_reason == "得分 84.0 ≥ 75，称职"  # rank 9: no candidate


def test_the_raised_quota_of_25_percent_applies_when_approved() -> None:
    people, facts = _hall([100, 99, 98, 97, 96, 95, 90, 88, 86, 84, 82, 80])
    assert sum(p.grade == "excellent" for p in run(people, (), facts).people) == 2
    raised = run(people, (), facts, quota_raised=True)
    assert (raised.excellent_quota, raised.excellent_quota_rate, raised.quota_raised) == (3, 0.25, True)
    assert [g for _, g in grades(raised)][:4] == ["excellent"] * 3 + ["competent"]
    assert "超出优秀名额（25%，共 3 名）" in raised.people[3].grade_reason


@pytest.mark.parametrize(("rate", "n", "expected"), [
    (0.2, 10, 2), (0.2, 4, 0), (0.2, 5, 1), (0.1, 5, 1), (0.1, 4, 0), (0.25, 12, 3), (0.2, 14, 2), (0.3, 10, 3),
    (1.0, 7, 7), (0.2, 0, 0),
])
def test_the_quota_is_the_floor_with_at_least_one_from_five_people(rate: float, n: int, expected: int) -> None:
    assert quota_count(rate, n, 5) == expected
    people, facts = _hall([100] * n)
    rules = parse_rules({"staff_excellent_quota": rate, "staff_excellent_quota_raised": rate})
    assert sum(p.grade == "excellent" for p in run(people, (), facts, rules).people) == expected


def test_five_lates_and_earlies_remove_eligibility_four_do_not() -> None:
    people = [person("a", no="1"), person("b", no="2"), person("c", no="3"), person("d", no="4"),
              person("e", no="5")]
    facts = [fact("late", "a", q=3), fact("early", "a", q=2), *many("banner", "a", 5),
             fact("late", "b", q=2), fact("early", "b", q=2), *many("banner", "b", 4)]
    m = by_id(run(people, (), facts))
    assert (m["a"].late_early, m["a"].eligible, m["a"].grade) == (5, False, "competent")
    assert m["a"].ineligible_reasons == ("本月迟到早退 5 次，不得评优",)
    assert m["a"].grade_reason == "本月迟到早退 5 次，不得评优，得分 105.0 ≥ 75，称职"
    assert (m["b"].late_early, m["b"].eligible, m["b"].grade) == (4, True, "excellent")  # the quota went on to b


def test_absence_removes_eligibility_unless_the_rules_say_otherwise() -> None:
    people = [person(s, no=s) for s in "abcde"]
    facts = [fact("absent_half", "a"), *many("banner", "a", 4)]
    m = by_id(run(people, (), facts))
    assert (m["a"].score, m["a"].absent_halves, m["a"].eligible) == (105, 1, False)
    assert m["a"].grade == "competent" and m["a"].grade_reason.startswith("本月有旷工，不得评优")
    assert m["b"].grade == "excellent"
    lenient = by_id(run(people, (), facts, parse_rules({"absent_removes_eligibility": False})))
    assert lenient["a"].eligible and lenient["a"].grade == "excellent" and lenient["b"].grade == "competent"


def test_the_top_8_are_candidates_below_95_but_not_below_competent() -> None:
    people, facts = _hall([94, 93, 92, 91, 90, 89, 88, 70, 87, 86])
    rules = parse_rules({"staff_excellent_quota": 1, "staff_excellent_quota_raised": 1})
    m = run(people, (), facts, rules)
    assert [(p.score, p.rank, p.grade) for p in m.people] == [
        (94, 1, "excellent"), (93, 2, "excellent"), (92, 3, "excellent"), (91, 4, "excellent"), (90, 5, "excellent"),
        (89, 6, "excellent"), (88, 7, "excellent"), (87, 8, "excellent"), (86, 9, "competent"), (70, 10, "basic")]
    assert m.people[2].grade_reason == "本月排名第 3（前 8 名）"
    top3 = run(people, (), facts, dataclasses.replace(rules, top_n=3))
    assert [p.grade for p in top3.people].count("excellent") == 3
    weak_people, weak_facts = _hall([80, 74, 70, 65, 60])
    weak = run(weak_people, (), weak_facts, rules)
    assert [p.grade for p in weak.people] == ["excellent", "basic", "basic", "basic", "basic"]


# --- ranking and tie-breaks ---------------------------------------------------------------------------

TIES: list[tuple[str, Any, Any, str]] = [
    # (case, facts of the first, facts of the second (same score), the rule that decides)
    ("fewer deductions", lambda s: many("late", s, 2),
     lambda s: [*many("late", s, 4), fact("banner", s)], "按扣分较少者优先"),
    ("fewer overdue cases", lambda s: [fact("unauthorised_fee", s)],
     lambda s: [fact("overdue_case", s)], "按超期办件较少者优先"),
    ("more bonus points", lambda s: many("banner", s, 10),  # both capped at 110
     lambda s: many("banner", s, 6), "按加分较多者优先"),
    ("staff number", lambda s: [fact("late", s)], lambda s: [fact("late", s)], "按工号先后"),
]


@pytest.mark.parametrize(("first", "second", "rule"), [r[1:] for r in TIES], ids=[r[0] for r in TIES])
@pytest.mark.parametrize("flip", [False, True])
def test_every_tie_break_orders_the_pair_and_says_so(first: Any, second: Any, rule: str, flip: bool) -> None:
    # the later steps (工号, then id) favour 乙, except in the 工号 row: only the step tested puts 甲 first
    number_row = rule == "按工号先后"
    a = person("z-甲", no="001" if number_row else "002", name="甲")
    z = person("a-乙", no="002" if number_row else "001", name="乙")
    m = run([z, a] if flip else [a, z], [window("w1")], second(z.staff_id) + first(a.staff_id))
    assert m.people[0].score == m.people[1].score
    assert [(p.person.name, p.rank) for p in m.people] == [("甲", 1), ("乙", 2)]
    assert m.people[0].grade_reason.endswith(f"；与乙同分，{rule}，排在其前")
    assert m.people[1].grade_reason.endswith(f"；与甲同分，{rule}，排在其后")


PRECEDENCE: list[tuple[str, Any, Any]] = [
    # (case, facts of the first, facts of the second): every later step favours the second
    ("deductions before overdue, bonuses and number",
     lambda s: [fact("overdue_case", s), *many("banner", s, 2)],  # 99: −5, 1 overdue, +4
     lambda s: [*many("late", s, 6), *many("banner", s, 2), fact("praise_letter", s)]),  # 99: −6, 0, +5
    ("overdue before bonuses and number",
     lambda s: [fact("unauthorised_fee", s), *many("banner", s, 8)],  # 110 (111): −5, 0 overdue, +16
     lambda s: [fact("overdue_case", s), *many("banner", s, 9)]),  # 110 (113): −5, 1 overdue, +18
    ("bonuses before number", lambda s: many("banner", s, 7), lambda s: many("banner", s, 6)),
]


@pytest.mark.parametrize(("first", "second"), [r[1:] for r in PRECEDENCE], ids=[r[0] for r in PRECEDENCE])
def test_an_earlier_tie_break_step_wins_over_the_later_ones(first: Any, second: Any) -> None:
    a, b = person("b", no="009", name="甲"), person("a", no="001", name="乙")
    m = run([b, a], [window("w1")], first(a.staff_id) + second(b.staff_id))
    assert m.people[0].score == m.people[1].score
    assert [p.person.name for p in m.people] == ["甲", "乙"]


def test_the_same_staff_number_falls_back_to_the_staff_id() -> None:
    m = run([person("b", no="007"), person("a", no="007")], [window("w1")])
    assert [p.person.staff_id for p in m.people] == ["a", "b"] and [p.rank for p in m.people] == [1, 2]


def test_no_tie_no_tie_note_and_a_middle_person_names_both_neighbours() -> None:
    m = run([person("a", no="1"), person("b", no="2"), person("c", no="3"), person("d", no="4")], [window("w1")],
            [fact("late", "d")])
    assert "同分" not in m.people[-1].grade_reason
    assert m.people[1].grade_reason.endswith("；与职员a同分，按工号先后，排在其后；与职员c同分，按工号先后，排在其前")
    assert m.tie_break == TIE_BREAK and "扣分较少" in TIE_BREAK and "工号" in TIE_BREAK


# --- windows and awards --------------------------------------------------------------------------


def test_a_quarter_of_the_windows_are_excellent_if_they_reach_competent() -> None:
    windows = [window(f"w{i}") for i in range(8)]
    facts = [f for i in range(8) for f in many("late", None, i, f"w{i}")]
    m = run([], windows, facts)
    assert [(w.window.window_id, w.rank, w.excellent) for w in m.windows][:3] == [
        ("w0", 1, True), ("w1", 2, True), ("w2", 3, False)]
    assert m.windows[0].reason == "排名第 1，在优秀窗口名额（25%，共 2 个）内"
    assert m.windows[2].reason == "排名第 3，超出优秀窗口名额（25%，共 2 个）"
    low = run([], windows[:4], [f for i in range(4) for f in many("overdue_case", None, 6, f"w{i}")])
    assert not any(w.excellent for w in low.windows) and "低于 75" in low.windows[0].reason


@pytest.mark.parametrize(("count", "rate", "expected"), [(4, 0.25, 1), (3, 0.25, 0), (4, 0.1, 1), (3, 0.5, 1),
                                                         (9, 0.25, 2)])
def test_at_least_one_excellent_window_from_four_windows(count: int, rate: float, expected: int) -> None:
    m = run([], [window(f"w{i}") for i in range(count)], (), parse_rules({"window_excellent_quota": rate}))
    assert sum(w.excellent for w in m.windows) == expected


def test_windows_tie_on_fewer_deductions_then_label() -> None:
    windows = [window("w1", label="3号窗口"), window("w2", label="1号窗口"), window("w3", label="2号窗口"),
               window("w4", label="5号窗口"), window("w5", label="4号窗口")]
    facts = [*many("empty_post", None, 2, "w1"), *many("praise_letter", None, 4, "w1"),  # 100: −4 +4
             fact("empty_post", None, "w2"), *many("praise_letter", None, 2, "w2")]  # 100: −2 +2
    m = run([], windows, facts)
    assert {w.score for w in m.windows} == {100}
    assert [w.window.label for w in m.windows] == ["2号窗口", "4号窗口", "5号窗口", "1号窗口", "3号窗口"]
    assert [w.rank for w in m.windows] == [1, 2, 3, 4, 5]


def test_the_standouts_are_the_top_excellent_people() -> None:
    people, facts = _hall([100, 99, 98, 97, 96, 90, 88, 86, 84, 82])
    assert run(people, (), facts).standouts == ("p00",)
    assert run(people, (), facts, parse_rules({"standouts": 3})).standouts == ("p00", "p01")  # only 2 优秀
    assert run(people, (), facts, parse_rules({"standouts": 0})).standouts == ()
    weak_people, weak_facts = _hall([70, 60, 50, 40, 30])
    assert run(weak_people, (), weak_facts).standouts == ()


# --- determinism and JSON ----------------------------------------------------------------------------


def _big(rng: random.Random) -> tuple[list[Person], list[WindowInfo], list[Fact]]:
    windows = [window(f"w{i}", dept=f"d{i % 3}") for i in range(9)]
    people = [person(f"s{i:03d}", no=f"{rng.randint(1, 30):03d}", dept=f"d{i % 3}", window=f"w{i % 9}",
                     chief=i < 3) for i in range(40)]
    kinds = [k for k in FACT_KINDS if k not in ("chief_share", "manual", "adjustment", "peer")]
    facts = [fact(rng.choice(kinds), rng.choice([p.staff_id for p in people] + [None, "ghost"]),
                  rng.choice([w.window_id for w in windows] + [None]), q=rng.choice([1, 1, 2]),
                  day=DAY + dt.timedelta(days=rng.randint(0, 15))) for _ in range(300)]
    facts += [fact("peer", p.staff_id, q=round(rng.uniform(1, 5), 2)) for p in people[::2]]
    facts += [fact("manual", p.staff_id, points=rng.choice([-2, 1.5])) for p in people[::5]]
    return people, windows, facts


def test_shuffled_input_gives_the_same_month() -> None:
    rng = random.Random(7)
    people, windows, facts = _big(rng)
    first = run(people, windows, facts)
    for _ in range(5):
        rng.shuffle(people)
        rng.shuffle(windows)
        rng.shuffle(facts)
        assert run(people, windows, facts) == first
    assert [p.rank for p in first.people] == list(range(1, 41))
    assert [w.rank for w in first.windows] == list(range(1, 10))
    assert all(p.grade_reason for p in first.people) and first.unmatched


def test_the_json_round_trip_is_exact() -> None:
    people, windows, facts = _big(random.Random(11))
    m = run(people, windows, facts, rules_version=4, quota_raised=True)
    assert appraisal_from_json(json.loads(json.dumps(appraisal_json(m), ensure_ascii=False))) == m
    empty = run([], [], [])
    assert appraisal_from_json(appraisal_json(empty)) == empty


def _mutations(good: dict[str, Any]) -> list[tuple[str, Any]]:
    p0 = good["people"][0]
    return [
        ("not a mapping", []),
        ("format", {**good, "format": 2}),
        ("missing key", {k: v for k, v in good.items() if k != "tie_break"}),
        ("extra key", {**good, "more": 1}),
        ("year text", {**good, "year": "2026"}),
        ("quota bool", {**good, "excellent_quota": True}),
        ("rate nan", {**good, "excellent_quota_rate": math.nan}),
        ("people not a list", {**good, "people": {}}),
        ("score text", {**good, "people": [{**p0, "score": "96"}]}),
        ("rank float", {**good, "people": [{**p0, "rank": 1.0}]}),
        ("person id number", {**good, "people": [{**p0, "person": {**p0["person"], "staff_id": 5}}]}),
        ("day not a date", {**good, "unmatched": [{**good["unmatched"][0], "day": "2026-02-30"}]}),
        ("fact extra key", {**good, "unmatched": [{**good["unmatched"][0], "x": 1}]}),
        ("eligible text", {**good, "people": [{**p0, "eligible": "yes"}]}),
        ("reasons not text", {**good, "people": [{**p0, "ineligible_reasons": [1]}]}),
    ]


def test_malformed_json_is_refused_with_invalid_input() -> None:
    people, windows, facts = _big(random.Random(3))
    good = appraisal_json(run(people, windows, facts))
    for case, bad in _mutations(good):
        with pytest.raises(InvalidInput) as refused:
            appraisal_from_json(bad)
        assert refused.value.field == "result", case
        assert "考核结果的数据格式无法识别" in refused.value.message


def test_the_output_is_frozen() -> None:
    m = run([person("a")], [window("w1")])
    with pytest.raises(dataclasses.FrozenInstanceError):
        m.people[0].score = 1  # type: ignore[misc]


def test_reasons_print_the_score_with_its_decimals() -> None:
    people = [person(s, no=s) for s in "abcde"]
    m = by_id(run(people, (), [fact("peer", "a", q=3.82)]))
    assert m["a"].score == 101.64 and m["a"].grade_reason == "得分 101.64 ≥ 95"
    assert m["b"].grade_reason.startswith("超出优秀名额（20%，共 1 名），得分 100.0 ≥ 75，称职")
