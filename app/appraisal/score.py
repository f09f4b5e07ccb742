"""One month's quantitative appraisal (月度量化考核), a pure function of the scoring rules, the people
and windows of the hall and the month's facts (app.appraisal.facts collects them from a store; the
counter and the server call the same function on the same rows). Pure Python: no database, no Qt.

- **Points.** A per-unit kind: the rules' points × the fact's quantity; 互评: (average − centre) ×
  weight; 其他加减分 and 业务科调整 carry their own ``points`` (required there, refused elsewhere).
- **Whose.** A fact naming a staff member counts for them; a fact naming only a window counts for the
  window. A fact naming a person or window not in the month (or of an unknown kind) counts for nobody
  and is kept in ``unmatched``, so it is shown, never silently lost.
- **Person.** base + their points (``raw``), within [floor, cap] (``score``). A 首席代表 also carries
  ``chief_share`` of every deduction (never a bonus) of the other people whose window is in their
  department (a person without a known window: by their own department) and of that department's
  window facts; each is a :class:`ScoredFact` of its own with the original fact and ``via``
  "首席代表分担（origin）", so the trail leads to the source record. Carried items are never carried on.
- **Window.** The mean of the scores of the people assigned to it plus its window facts, within
  [floor, cap]; a window without people: base + its facts.
- **Ranking** (:data:`TIE_BREAK`): higher score; fewer deduction points; fewer 超期办件; more bonus
  points; 工号 (then id). Ranks are positions, never shared; a tie-break that placed a person is
  stated in their ``grade_reason``. Windows: score, fewer deductions (window facts plus their people's
  mean), label.
- **Grades.** 优秀 candidates: score ≥ ``excellent``, or rank ≤ ``top_n`` with a score of at least
  ``competent`` (a 不称职 score is never 优秀 by rank alone). A candidate must be eligible (fewer than
  ``ineligible_late_early`` 迟到+早退 and, by the rule, no 旷工) and within the quota:
  ``floor(rate × people)`` — but at least one when there are five people or more — with the raised rate
  when the leadership approved it. Candidates refused fall to the grade of their score below 优秀, with
  the reason; the others by the thresholds (称职, 基本称职, 不称职).
- **Awards.** The first ``floor(window quota × windows)`` windows (at least one from four windows on)
  with a score ≥ ``competent`` are 优秀窗口; 优质服务标兵: the first ``standouts`` people graded 优秀.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from app.appraisal.rules import FACT_KINDS, ScoringRules
from app.errors import InvalidInput

GRADE_LABELS = {"excellent": "优秀", "competent": "称职", "basic": "基本称职", "unfit": "不称职"}
EXPLICIT = ("manual", "adjustment")  # the kinds that carry their own points
CHIEF_VIA = "首席代表分担"
TIE_BREAK = ("得分相同时依次比较：扣分较少者在前，超期办件较少者在前，加分较多者在前，工号靠前者在前；"
             "名次不并列。")
PEOPLE_FOR_ONE = 5  # from this many people on, at least one 优秀
WINDOWS_FOR_ONE = 4  # from this many windows on, at least one 优秀窗口
_EPS = 1e-9


@dataclass(frozen=True)
class Person:
    staff_id: str
    name: str
    staff_no: str
    department_id: str | None
    department_name: str
    window_id: str | None
    window_label: str
    is_chief: bool = False


@dataclass(frozen=True)
class WindowInfo:
    window_id: str
    label: str
    department_id: str | None
    department_name: str


@dataclass(frozen=True)
class Fact:
    """Something that happened in the month, with the record it comes from."""

    kind: str  # a key of FACT_KINDS
    staff_id: str | None
    window_id: str | None
    day: dt.date
    label: str  # what happened, e.g. "办件 DEMO-2026C000123 超期 2 个工作日"
    source_entity: str  # "case", "attendance_day", "rating", ...
    source_id: str
    quantity: float = 1.0  # units; for 互评 the average (1–5)
    points: float | None = None  # only for manual / adjustment


@dataclass(frozen=True)
class ScoredFact:
    fact: Fact
    points: float
    via: str = ""  # "首席代表分担（某某）" for what a chief carries; "" for one's own

    @property
    def kind_label(self) -> str:
        return CHIEF_VIA if self.via else FACT_KINDS.get(self.fact.kind, self.fact.kind)


@dataclass(frozen=True)
class PersonScore:
    person: Person
    score: float  # within [floor, cap]
    raw: float  # base + points, before the clamp
    deductions: float  # the sum of the negative points (≤ 0), carried ones included
    bonuses: float  # the sum of the positive points (≥ 0)
    facts: tuple[ScoredFact, ...]
    rank: int  # 1-based position after tie-breaking
    grade: str  # a key of GRADE_LABELS
    grade_reason: str
    eligible: bool
    ineligible_reasons: tuple[str, ...]
    late_early: int
    absent_halves: int

    @property
    def grade_label(self) -> str:
        return GRADE_LABELS.get(self.grade, self.grade)


@dataclass(frozen=True)
class WindowScore:
    window: WindowInfo
    score: float
    raw: float
    members: tuple[str, ...]  # staff ids, in rank order
    facts: tuple[ScoredFact, ...]  # the window's own facts
    rank: int
    excellent: bool
    reason: str


@dataclass(frozen=True)
class MonthAppraisal:
    year: int
    month: int
    rules_version: int
    people: tuple[PersonScore, ...]  # in rank order
    windows: tuple[WindowScore, ...]  # in rank order
    excellent_quota: int
    excellent_quota_rate: float
    quota_raised: bool
    standouts: tuple[str, ...]  # staff ids of the 优质服务标兵
    unmatched: tuple[Fact, ...]
    tie_break: str = TIE_BREAK


def quota_count(rate: float, n: int, at_least_one_from: int | None = None) -> int:
    """``floor(rate × n)``; at least 1 when ``n >= at_least_one_from`` (never when it is None)."""
    count = math.floor(rate * n + _EPS)
    return max(1, count) if at_least_one_from is not None and n >= at_least_one_from else count


def percent(rate: float) -> str:
    return f"{round(rate * 100, 2):g}%"


def shown(score: float) -> str:
    """A score as the reasons print it: 96.0, 97.64."""
    return f"{score:.1f}" if round(score, 1) == round(score, 2) else f"{score:.2f}"


def fact_points(rules: ScoringRules, fact: Fact) -> float:
    """The points of ``fact`` under ``rules`` (InvalidInput for a fact that cannot be scored)."""
    if fact.kind in EXPLICIT:
        if fact.points is None or not math.isfinite(fact.points):
            raise InvalidInput(f"考核依据“{fact.label}”缺少分值。", field="points")
        return round(float(fact.points), 2)
    if fact.points is not None:
        raise InvalidInput(f"考核依据“{fact.label}”按规则计分，不应另有分值。", field="points")
    if not math.isfinite(fact.quantity) or fact.quantity < 0:
        raise InvalidInput(f"考核依据“{fact.label}”的数量有误。", field="quantity")
    if fact.kind == "peer":
        if not 1 <= fact.quantity <= 5:
            raise InvalidInput(f"考核依据“{fact.label}”的互评得分应在 1 到 5 之间。", field="quantity")
        return round((fact.quantity - rules.peer_center) * rules.peer_weight, 2)
    return round(rules.unit_points(fact.kind) * fact.quantity, 2)


def _clamp(rules: ScoringRules, value: float) -> float:
    return round(min(rules.cap, max(rules.floor, value)), 2)


def _fact_key(f: Fact) -> tuple[object, ...]:
    """A total order of facts, so that the order of the input never shows in the output."""
    return (f.day, f.kind, f.source_entity, f.source_id, f.staff_id or "", f.window_id or "", f.label, f.quantity,
            f.points is not None, f.points or 0.0)


@dataclass
class _Tally:
    person: Person
    department: str | None  # of the person's window, else their own
    facts: list[ScoredFact] = field(default_factory=list)

    def total(self, sign: int) -> float:
        return round(sum(f.points for f in self.facts if f.points * sign > 0), 2)

    def count(self, *kinds: str) -> int:
        return int(sum(f.fact.quantity for f in self.facts if not f.via and f.fact.kind in kinds))


def _tallies(people: Sequence[Person], windows: dict[str, WindowInfo]) -> dict[str, _Tally]:
    out: dict[str, _Tally] = {}
    for p in sorted(people, key=lambda x: x.staff_id):
        if p.staff_id in out:
            raise InvalidInput(f"考核人员重复：{p.name}（{p.staff_id}）。", field="people")
        window = windows.get(p.window_id or "")
        out[p.staff_id] = _Tally(p, window.department_id if window is not None else p.department_id)
    return out


def _window_map(windows: Sequence[WindowInfo]) -> dict[str, WindowInfo]:
    out: dict[str, WindowInfo] = {}
    for w in sorted(windows, key=lambda x: x.window_id):
        if w.window_id in out:
            raise InvalidInput(f"考核窗口重复：{w.label}（{w.window_id}）。", field="windows")
        out[w.window_id] = w
    return out


def _assign(rules: ScoringRules, tallies: dict[str, _Tally], windows: dict[str, WindowInfo], facts: Sequence[Fact],
            ) -> tuple[dict[str, list[ScoredFact]], list[Fact]]:
    """Each fact to its person, else (naming only a window) to its window, else to ``unmatched``."""
    window_facts: dict[str, list[ScoredFact]] = {wid: [] for wid in windows}
    unmatched: list[Fact] = []
    for fact in sorted(facts, key=_fact_key):
        if fact.kind not in FACT_KINDS or fact.kind == "chief_share":
            unmatched.append(fact)  # chief_share is derived here, never an input
            continue
        points = fact_points(rules, fact)
        if fact.staff_id is not None:
            target = tallies[fact.staff_id].facts if fact.staff_id in tallies else None
        else:
            target = window_facts.get(fact.window_id) if fact.window_id is not None else None
        if target is None:
            unmatched.append(fact)
        else:
            target.append(ScoredFact(fact, points))
    return window_facts, unmatched


def _carried(rules: ScoringRules, items: Sequence[ScoredFact], origin: str) -> list[ScoredFact]:
    return [ScoredFact(f.fact, round(f.points * rules.chief_share, 2), f"{CHIEF_VIA}（{origin}）")
            for f in items if f.points < 0]


def _carry(rules: ScoringRules, tallies: dict[str, _Tally], windows: dict[str, WindowInfo],
           window_facts: dict[str, list[ScoredFact]]) -> None:
    """Each 首席代表 carries ``chief_share`` of the deductions of their department's other people and windows."""
    if rules.chief_share <= 0:
        return
    own = {sid: list(t.facts) for sid, t in tallies.items()}  # before anything is carried: never carried on
    origins = sorted(tallies.values(), key=lambda t: (t.person.staff_no, t.person.staff_id))
    for chief in (t for t in origins if t.person.is_chief and t.department is not None):
        for t in origins:
            if t is not chief and t.department == chief.department:
                chief.facts += _carried(rules, own[t.person.staff_id], t.person.name)
        for wid, w in windows.items():
            if w.department_id == chief.department:
                chief.facts += _carried(rules, window_facts[wid], w.label)


_Key = tuple[float, float, int, float, str, str]
_TIE_RULES = ("按扣分较少者优先", "按超期办件较少者优先", "按加分较多者优先", "按工号先后")


def _key(t: _Tally, score: float) -> _Key:
    return (-score, -t.total(-1), t.count("overdue_case"), -t.total(1), t.person.staff_no, t.person.staff_id)


def _tie_rule(first: _Key, second: _Key) -> str:
    """The tie-break that put ``first`` before ``second`` (same score)."""
    for i, rule in enumerate(_TIE_RULES, 1):
        if first[i] != second[i]:
            return rule
    return _TIE_RULES[-1]


def _tie_reason(order: list[_Tally], keys: dict[str, _Key], i: int) -> str:
    """"；与某某同分，按…优先，排在其前/后" for each neighbour of position ``i`` with the same score."""
    me = order[i]
    mine = keys[me.person.staff_id]
    notes = []
    if i > 0 and keys[order[i - 1].person.staff_id][0] == mine[0]:
        other = order[i - 1]
        notes.append(f"与{other.person.name}同分，{_tie_rule(keys[other.person.staff_id], mine)}，排在其后")
    if i + 1 < len(order) and keys[order[i + 1].person.staff_id][0] == mine[0]:
        other = order[i + 1]
        notes.append(f"与{other.person.name}同分，{_tie_rule(mine, keys[other.person.staff_id])}，排在其前")
    return "".join(f"；{n}" for n in notes)


def _ineligible(rules: ScoringRules, late_early: int, absent: int) -> tuple[str, ...]:
    reasons = []
    if late_early >= rules.ineligible_late_early:
        reasons.append(f"本月迟到早退 {late_early} 次，不得评优")
    if absent and rules.absent_removes_eligibility:
        reasons.append("本月有旷工，不得评优")
    return tuple(reasons)


def _below(rules: ScoringRules, score: float) -> tuple[str, str]:
    """The grade the score gives below 优秀, and why."""
    if score >= rules.competent - _EPS:
        return "competent", f"得分 {shown(score)} ≥ {rules.competent:g}，称职"
    if score >= rules.basic - _EPS:
        return "basic", f"得分 {shown(score)} ≥ {rules.basic:g}，基本称职"
    return "unfit", f"得分 {shown(score)} < {rules.basic:g}，不称职"


@dataclass
class _Quota:
    rate: float
    count: int
    granted: int = 0


def _grade(rules: ScoringRules, score: float, rank: int, reasons: tuple[str, ...], quota: _Quota) -> tuple[str, str]:
    """The grade at ``rank`` and why; grants one of the quota's 优秀 when it gives one."""
    by_score = score >= rules.excellent - _EPS
    candidate = by_score or (rank <= rules.top_n and score >= rules.competent - _EPS)
    grade, why = _below(rules, score)
    if candidate and reasons:
        return grade, f"{'；'.join(reasons)}，{why}"
    if candidate and quota.granted >= quota.count:
        return grade, f"超出优秀名额（{percent(quota.rate)}，共 {quota.count} 名），{why}"
    if candidate:
        quota.granted += 1
        return "excellent", (f"得分 {shown(score)} ≥ {rules.excellent:g}" if by_score
                             else f"本月排名第 {rank}（前 {rules.top_n} 名）")
    return grade, why


def _check_month(year: int, month: int) -> None:
    if not 1 <= month <= 12 or not 1 <= year <= 9999:
        raise InvalidInput(f"考核月份有误：{year}年{month}月。", field="month")


def appraise_month(rules: ScoringRules, year: int, month: int, people: Sequence[Person], windows: Sequence[WindowInfo],
                   facts: Sequence[Fact], *, rules_version: int = 0, quota_raised: bool = False) -> MonthAppraisal:
    """The month's scores, ranks, grades, 优秀窗口 and 优质服务标兵 (see the module's rules)."""
    _check_month(year, month)
    window_info = _window_map(windows)
    tallies = _tallies(people, window_info)
    window_facts, unmatched = _assign(rules, tallies, window_info, facts)
    _carry(rules, tallies, window_info, window_facts)
    raws = {sid: round(rules.base + sum(f.points for f in t.facts), 2) for sid, t in tallies.items()}
    keys = {sid: _key(t, _clamp(rules, raws[sid])) for sid, t in tallies.items()}
    order = sorted(tallies.values(), key=lambda t: keys[t.person.staff_id])
    rate = rules.staff_excellent_quota_raised if quota_raised else rules.staff_excellent_quota
    quota = _Quota(rate, quota_count(rate, len(order), PEOPLE_FOR_ONE))
    out = []
    for i, t in enumerate(order):
        sid = t.person.staff_id
        score, late_early, absent = -keys[sid][0], t.count("late", "early"), t.count("absent_half")
        reasons = _ineligible(rules, late_early, absent)
        grade, why = _grade(rules, score, i + 1, reasons, quota)
        out.append(PersonScore(t.person, score, raws[sid], t.total(-1), t.total(1), tuple(t.facts), i + 1, grade,
                               why + _tie_reason(order, keys, i), not reasons, reasons, late_early, absent))
    standouts = tuple(p.person.staff_id for p in out if p.grade == "excellent" and p.eligible)[:rules.standouts]
    return MonthAppraisal(year, month, rules_version, tuple(out), _windows(rules, window_info, out, window_facts),
                          quota.count, rate, quota_raised, standouts, tuple(unmatched))


def _windows(rules: ScoringRules, windows: dict[str, WindowInfo], people: Sequence[PersonScore],
             window_facts: dict[str, list[ScoredFact]]) -> tuple[WindowScore, ...]:
    rows = []
    for wid, w in windows.items():
        own = [p for p in people if p.person.window_id == wid]
        facts = tuple(window_facts[wid])
        mean = sum(p.score for p in own) / len(own) if own else rules.base
        raw = round(mean + sum(f.points for f in facts), 2)
        deductions = sum(f.points for f in facts if f.points < 0) + (
            sum(p.deductions for p in own) / len(own) if own else 0.0)
        rows.append((w, _clamp(rules, raw), raw, round(deductions, 2), tuple(p.person.staff_id for p in own), facts))
    rows.sort(key=lambda r: (-r[1], -r[3], r[0].label, r[0].window_id))
    quota = quota_count(rules.window_excellent_quota, len(rows), WINDOWS_FOR_ONE)
    out, granted = [], 0
    for rank, (w, score, raw, _deductions, ids, facts) in enumerate(rows, 1):
        excellent = granted < quota and score >= rules.competent - _EPS
        if excellent:
            granted += 1
            reason = f"排名第 {rank}，在优秀窗口名额（{percent(rules.window_excellent_quota)}，共 {quota} 个）内"
        elif score < rules.competent - _EPS:
            reason = f"排名第 {rank}，得分 {shown(score)} 低于 {rules.competent:g}，不评优秀窗口"
        else:
            reason = f"排名第 {rank}，超出优秀窗口名额（{percent(rules.window_excellent_quota)}，共 {quota} 个）"
        out.append(WindowScore(w, score, raw, ids, facts, rank, excellent, reason))
    return tuple(out)
