"""Awards beyond the month: the quarterly 红旗窗口 on the five indicators 办件, 纪律, 服务, 投诉, 出勤,
and the yearly 先进窗口 / 先进个人 from the months' appraisals. Pure Python.

- **Indicators** (each 0–100): 办件 = on-time completions / completions × 100 (100 with none);
  服务 = 好评 / rated × 100 (100 with none); 投诉 = 100 − ``COMPLAINT_POINTS`` per 差评 (not below 0);
  出勤 = days present / days due × 100 (100 with none due); 纪律 = 100 − ``DISCIPLINE_POINTS`` per point
  of discipline deductions (not below 0). These are module constants, not rules: they only put the
  indicators on one scale, the hall weighs them with the rules' ``red_flag_weights``.
- **红旗窗口.** The total is the indicators' mean weighted by ``red_flag_weights`` (normalised), ranked
  by total, then the 办件 indicator, then label (then id); the first ``red_flags`` are 红旗窗口. A window
  without indicators is not ranked (no data is not a perfect quarter); indicators of an unknown window
  are ignored.
- **Year.** Per person and per window the mean of the monthly scores of the months they appear in
  (``months`` says how many). People are ranked like a month (mean score, then per month: fewer
  deduction points, fewer 超期办件, more bonus points; then 工号, id); windows by mean, then label.
  先进个人: the first ``floor(yearly_staff_quota × people)`` of those present in at least
  ``MIN_MONTHS`` months and eligible for 优秀 in every month they appear in; 先进窗口: the first
  ``floor(yearly_window_quota × windows)`` windows.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from app.appraisal.rules import RED_FLAG_INDICATORS, ScoringRules
from app.appraisal.score import MonthAppraisal, Person, PersonScore, WindowInfo, percent, quota_count
from app.errors import InvalidInput

COMPLAINT_POINTS = 10.0  # off the 投诉 indicator per 差评
DISCIPLINE_POINTS = 5.0  # off the 纪律 indicator per point of discipline deductions
MIN_MONTHS = 6  # months of the year a 先进个人 must have been appraised in


@dataclass(frozen=True)
class WindowIndicators:
    """A window's quarter in numbers (collected by the caller)."""

    window_id: str
    cases_total: int  # cases completed in the quarter
    cases_on_time: int  # ... of them within their time limit
    ratings_total: int
    ratings_good: int  # 满意 / 非常满意
    bad_ratings: int  # 差评 that stand
    workdays_due: float
    workdays_present: float
    discipline_deductions: float  # points of discipline deductions (≥ 0)


@dataclass(frozen=True)
class WindowQuarter:
    window: WindowInfo
    indicators: dict[str, float]  # RED_FLAG_INDICATORS key -> 0–100
    total: float
    rank: int
    red_flag: bool
    reason: str


@dataclass(frozen=True)
class QuarterResult:
    year: int
    quarter: int
    windows: tuple[WindowQuarter, ...]  # in rank order
    weights: dict[str, float]  # normalised, summing to 1


@dataclass(frozen=True)
class PersonYear:
    person: Person  # as in the latest month they appear in
    mean: float
    months: int
    eligible: bool  # eligible for 优秀 in every month they appear in
    rank: int
    advanced: bool  # 先进个人
    reason: str


@dataclass(frozen=True)
class WindowYear:
    window: WindowInfo
    mean: float
    months: int
    rank: int
    advanced: bool  # 先进窗口
    reason: str


@dataclass(frozen=True)
class YearResult:
    year: int
    people: tuple[PersonYear, ...]  # in rank order
    windows: tuple[WindowYear, ...]  # in rank order
    staff_quota: int
    window_quota: int


def _rate(part: float, whole: float) -> float:
    return 100.0 if whole <= 0 else round(100.0 * max(0.0, min(part, whole)) / whole, 2)


def indicator_scores(ind: WindowIndicators) -> dict[str, float]:
    """The five indicators of ``ind``, each 0–100 (see the module's formulas)."""
    return {
        "cases": _rate(ind.cases_on_time, ind.cases_total),
        "discipline": round(max(0.0, 100.0 - DISCIPLINE_POINTS * max(0.0, ind.discipline_deductions)), 2),
        "service": _rate(ind.ratings_good, ind.ratings_total),
        "complaints": round(max(0.0, 100.0 - COMPLAINT_POINTS * max(0, ind.bad_ratings)), 2),
        "attendance": _rate(ind.workdays_present, ind.workdays_due),
    }


def _check_indicators(ind: WindowIndicators) -> None:
    numbers = (ind.cases_total, ind.cases_on_time, ind.ratings_total, ind.ratings_good, ind.bad_ratings,
               ind.workdays_due, ind.workdays_present, ind.discipline_deductions)
    if any((isinstance(v, float) and not math.isfinite(v)) or v < 0 for v in numbers):
        raise InvalidInput(f"窗口 {ind.window_id} 的季度指标有误（应为不小于 0 的数）。", field="indicators")


def red_flag_windows(rules: ScoringRules, quarter: int, year: int, windows: Sequence[WindowInfo],
                     indicators: Sequence[WindowIndicators]) -> QuarterResult:
    """The quarter's windows by weighted total; the first ``rules.red_flags`` are 红旗窗口."""
    if not 1 <= quarter <= 4:
        raise InvalidInput(f"季度有误：第 {quarter} 季度。", field="quarter")
    by_id: dict[str, WindowIndicators] = {}
    for ind in indicators:
        _check_indicators(ind)
        if ind.window_id in by_id:
            raise InvalidInput(f"窗口 {ind.window_id} 的季度指标重复。", field="indicators")
        by_id[ind.window_id] = ind
    raw = {k: float(rules.red_flag_weights.get(k, 0.0)) for k in RED_FLAG_INDICATORS}
    total_weight = sum(raw.values()) or 1.0
    weights = {k: v / total_weight for k, v in raw.items()}
    rows = []
    for w in {w.window_id: w for w in windows}.values():
        found = by_id.get(w.window_id)
        if found is not None:
            scores = indicator_scores(found)
            rows.append((w, scores, round(sum(scores[k] * weights[k] for k in weights), 2)))
    rows.sort(key=lambda r: (-r[2], -r[1]["cases"], r[0].label, r[0].window_id))
    out = []
    for rank, (w, scores, total) in enumerate(rows, 1):
        flag = rank <= rules.red_flags
        reason = (f"综合 {total:.2f} 分，排名第 {rank}" + (f"，在红旗窗口名额（{rules.red_flags} 个）内" if flag
                                                      else f"，未进入前 {rules.red_flags} 名"))
        out.append(WindowQuarter(w, scores, total, rank, flag, reason))
    return QuarterResult(year, quarter, tuple(out), weights)


@dataclass
class _PersonTally:
    person: Person
    scores: list[float] = field(default_factory=list)
    deductions: float = 0.0
    overdue: int = 0
    bonuses: float = 0.0
    ineligible: list[int] = field(default_factory=list)  # the months

    def add(self, month: int, p: PersonScore) -> None:
        self.person = p.person
        self.scores.append(p.score)
        self.deductions += p.deductions
        self.bonuses += p.bonuses
        self.overdue += int(sum(f.fact.quantity for f in p.facts if not f.via and f.fact.kind == "overdue_case"))
        if not p.eligible:
            self.ineligible.append(month)

    def key(self) -> tuple[float, float, float, float, str, str]:
        n = len(self.scores)
        return (-self.mean(), -self.deductions / n, self.overdue / n, -self.bonuses / n, self.person.staff_no,
                self.person.staff_id)

    def mean(self) -> float:
        return round(sum(self.scores) / len(self.scores), 2)


def _check_months(year: int, months: Sequence[MonthAppraisal]) -> list[MonthAppraisal]:
    seen: set[int] = set()
    for m in months:
        if m.year != year or m.month in seen:
            raise InvalidInput(f"{year}年的年度评先只能用该年每月各一份考核结果（{m.year}年{m.month}月不符）。",
                               field="months")
        seen.add(m.month)
    return sorted(months, key=lambda m: m.month)


def _person_reason(t: _PersonTally, rank: int, advanced: bool, quota: int) -> str:
    head = f"{len(t.scores)} 个月平均 {t.mean():.2f} 分，排名第 {rank}"
    if t.ineligible:
        return head + f"；{'、'.join(f'{m}月' for m in t.ineligible)}不得评优，不评先进个人"
    if len(t.scores) < MIN_MONTHS:
        return head + f"；参加考核不足 {MIN_MONTHS} 个月，不评先进个人"
    return head + ("，评为先进个人" if advanced else f"；超出先进个人名额（共 {quota} 名）")


def year_awards(rules: ScoringRules, year: int, months: Sequence[MonthAppraisal]) -> YearResult:
    """The year's means, ranks, 先进个人 and 先进窗口 (see the module's rules)."""
    tallies: dict[str, _PersonTally] = {}
    wscores: dict[str, list[float]] = defaultdict(list)
    windows: dict[str, WindowInfo] = {}
    for m in _check_months(year, months):
        for p in m.people:
            tallies.setdefault(p.person.staff_id, _PersonTally(p.person)).add(m.month, p)
        for w in m.windows:
            windows[w.window.window_id] = w.window
            wscores[w.window.window_id].append(w.score)
    order = sorted(tallies.values(), key=_PersonTally.key)
    quota = quota_count(rules.yearly_staff_quota, len(order))
    people, granted = [], 0
    for rank, t in enumerate(order, 1):
        ok = not t.ineligible
        advanced = granted < quota and ok and len(t.scores) >= MIN_MONTHS
        granted += advanced
        people.append(PersonYear(t.person, t.mean(), len(t.scores), ok, rank, advanced,
                                 _person_reason(t, rank, advanced, quota)))
    rows = sorted(((windows[wid], round(sum(v) / len(v), 2), len(v)) for wid, v in wscores.items()),
                  key=lambda r: (-r[1], r[0].label, r[0].window_id))
    wquota = quota_count(rules.yearly_window_quota, len(rows))
    wout = tuple(WindowYear(w, mean, n, rank, rank <= wquota,
                            f"{n} 个月平均 {mean:.2f} 分，排名第 {rank}" + (
                                f"，在先进窗口名额（{percent(rules.yearly_window_quota)}，共 {wquota} 个）内"
                                if rank <= wquota else "")) for rank, (w, mean, n) in enumerate(rows, 1))
    return YearResult(year, tuple(people), wout, quota, wquota)
