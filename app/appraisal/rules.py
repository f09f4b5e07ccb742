"""The hall's scoring rules of the monthly appraisal (考核评分规则) as data: base 100, cap 110, points per
fact, the 首席代表's share, grades, quotas, eligibility and awards, with the defaults of DOMAIN.md.

Versions are kept by the caller (app.appraisal.facts.rules_in_force); :func:`parse_rules` refuses every
malformed content with a field-named Chinese message (``InvalidInput.field`` is the key), so a stored
version is always usable, and ``parse_rules(rules_content(r)) == r``. Pure Python.

Content layout (every key optional; a missing key takes its default)::

    {"base": 100, "cap": 110, "floor": 0,
     "points": {"absent_half": -3, "late": -1, ..., "praise_letter": 1, "banner": 2},
     "peer_weight": 2.0, "peer_center": 3.0, "chief_share": 0.5,
     "excellent": 95, "competent": 75, "basic": 60, "top_n": 8,
     "staff_excellent_quota": 0.2, "staff_excellent_quota_raised": 0.25, "window_excellent_quota": 0.25,
     "ineligible_late_early": 5, "absent_removes_eligibility": true, "standouts": 1,
     "red_flag_weights": {"cases": 20, "discipline": 20, "service": 20, "complaints": 20, "attendance": 20},
     "red_flags": 1, "yearly_window_quota": 0.25, "yearly_staff_quota": 0.2}
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from app.errors import InvalidInput

FACT_KINDS: dict[str, str] = {
    "absent_half": "旷工（半天）", "late": "迟到", "early": "早退", "missing": "缺卡", "overdue_case": "超期办件",
    "irregular_receipt": "不规范收件", "unauthorised_fee": "违规收费", "bad_rating": "差评", "empty_post": "空岗",
    "inspection": "查岗问题", "praise_letter": "表扬信", "banner": "锦旗", "peer": "互评", "manual": "其他加减分",
    "adjustment": "业务科调整", "chief_share": "首席代表分担",
}
DEDUCTIONS = ("absent_half", "late", "early", "missing", "overdue_case", "irregular_receipt", "unauthorised_fee",
              "bad_rating", "empty_post", "inspection")  # per-unit kinds whose points are ≤ 0
BONUSES = ("praise_letter", "banner")  # per-unit kinds whose points are ≥ 0
DEFAULT_POINTS: dict[str, float] = {
    "absent_half": -3.0, "late": -1.0, "early": -1.0, "missing": -1.0, "overdue_case": -5.0,
    "irregular_receipt": -2.0, "unauthorised_fee": -5.0, "bad_rating": -2.0, "empty_post": -2.0, "inspection": -1.0,
    "praise_letter": 1.0, "banner": 2.0,
}
RED_FLAG_INDICATORS: dict[str, str] = {"cases": "办件", "discipline": "纪律", "service": "服务", "complaints": "投诉",
                                       "attendance": "出勤"}
MAX_POINTS = 100.0  # |points| of one unit
MAX_SCORE = 1000.0  # base, cap, floor and thresholds stay within ±MAX_SCORE
MAX_WEIGHT = 100.0  # one red-flag indicator's weight

LABELS: dict[str, str] = {
    "base": "基础分", "cap": "封顶分", "floor": "最低分", "points": "各项分值", "peer_weight": "互评权重",
    "peer_center": "互评基准分", "chief_share": "首席代表分担比例", "excellent": "优秀分数线",
    "competent": "称职分数线", "basic": "基本称职分数线", "top_n": "优秀名次", "staff_excellent_quota": "优秀比例",
    "staff_excellent_quota_raised": "批准后的优秀比例", "window_excellent_quota": "优秀窗口比例",
    "ineligible_late_early": "取消评优的迟到早退次数", "absent_removes_eligibility": "旷工取消评优",
    "standouts": "优质服务标兵人数", "red_flag_weights": "红旗窗口指标权重", "red_flags": "红旗窗口个数",
    "yearly_window_quota": "先进窗口比例", "yearly_staff_quota": "先进个人比例",
}


@dataclass(frozen=True)
class ScoringRules:
    """One version of the scoring rules (the defaults are DOMAIN.md's)."""

    base: float = 100.0  # everyone starts the month with this
    cap: float = 110.0  # a score is at most this (封顶)
    floor: float = 0.0  # and at least this
    points: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_POINTS))  # per unit, per kind
    peer_weight: float = 2.0  # 互评 points = (average − peer_center) × peer_weight
    peer_center: float = 3.0
    chief_share: float = 0.5  # a 首席代表 carries this share of their department's deductions
    excellent: float = 95.0  # score ≥ this → 优秀 candidate
    competent: float = 75.0  # ≥ this → 称职
    basic: float = 60.0  # ≥ this → 基本称职, below → 不称职
    top_n: int = 8  # the first top_n by rank are 优秀 candidates too
    staff_excellent_quota: float = 0.20  # at most this share of the people are 优秀
    staff_excellent_quota_raised: float = 0.25  # ... when the leadership approved it for the month
    window_excellent_quota: float = 0.25  # share of the windows that are 优秀窗口
    ineligible_late_early: int = 5  # this many 迟到+早退 in the month or more: no 优秀, no award
    absent_removes_eligibility: bool = True  # any 旷工 in the month: no 优秀, no award
    standouts: int = 1  # 优质服务标兵 per month
    red_flag_weights: Mapping[str, float] = field(default_factory=lambda: dict.fromkeys(RED_FLAG_INDICATORS, 20.0))
    red_flags: int = 1  # 红旗窗口 per quarter
    yearly_window_quota: float = 0.25  # 先进窗口 share of the windows
    yearly_staff_quota: float = 0.20  # 先进个人 share of the people

    def unit_points(self, kind: str) -> float:
        """The points of one unit of a per-unit kind (0 for a kind without any)."""
        return float(self.points.get(kind, DEFAULT_POINTS.get(kind, 0.0)))


def default_rules() -> ScoringRules:
    """DOMAIN.md's rules: 100 + facts within [0, 110], 95/75/60, top 8, 20 % (25 %) 优秀, windows 25 %."""
    return ScoringRules()


# (lowest, highest) of each plain number; "int" ones must be whole numbers
_NUMBERS: dict[str, tuple[float, float]] = {
    "base": (1, MAX_SCORE), "cap": (1, MAX_SCORE), "floor": (-MAX_SCORE, MAX_SCORE),
    "peer_weight": (0, 20), "peer_center": (1, 5), "chief_share": (0, 1),
    "excellent": (0, MAX_SCORE), "competent": (0, MAX_SCORE), "basic": (0, MAX_SCORE),
    "staff_excellent_quota": (0.01, 1), "staff_excellent_quota_raised": (0.01, 1),
    "window_excellent_quota": (0.01, 1), "yearly_window_quota": (0.01, 1), "yearly_staff_quota": (0.01, 1),
}
_COUNTS: dict[str, tuple[int, int]] = {
    "top_n": (0, 1000), "ineligible_late_early": (1, 1000), "standouts": (0, 100), "red_flags": (0, 100),
}


def _bad(key: str, why: str) -> InvalidInput:
    return InvalidInput(f"考核评分规则的“{LABELS.get(key, key)}”{why}。", field=key)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _number(key: str, value: object, lo: float, hi: float) -> float:
    if not _is_number(value):
        raise _bad(key, "应为数字")
    assert isinstance(value, int | float)
    # compared before float(): a huge int is out of range, not an OverflowError
    if (isinstance(value, float) and not math.isfinite(value)) or not lo <= value <= hi:
        raise _bad(key, f"应在 {lo:g} 到 {hi:g} 之间")
    return float(value)


def _count(key: str, value: object, lo: int, hi: int) -> int:
    if not _is_number(value) or not isinstance(value, int) or not lo <= value <= hi:
        raise _bad(key, f"应为 {lo} 到 {hi} 之间的整数")
    return value


def _points(value: object) -> dict[str, float]:
    if not isinstance(value, Mapping):
        raise _bad("points", "应为各项的分值（对象）")
    out = dict(DEFAULT_POINTS)
    for kind, points in value.items():
        if kind not in DEFAULT_POINTS:
            raise InvalidInput(f"考核评分规则的“各项分值”中没有“{str(kind)[:20]}”这一项。", field="points")
        label = FACT_KINDS[kind]
        if not _is_number(points) or (isinstance(points, float) and not math.isfinite(points)) \
                or not -MAX_POINTS <= points <= MAX_POINTS:
            raise InvalidInput(f"考核评分规则中“{label}”的分值应为 -100 到 100 之间的数字。", field="points")
        if kind in DEDUCTIONS and points > 0:
            raise InvalidInput(f"考核评分规则中“{label}”是扣分项，分值不能为正数。", field="points")
        if kind in BONUSES and points < 0:
            raise InvalidInput(f"考核评分规则中“{label}”是加分项，分值不能为负数。", field="points")
        out[kind] = float(points)
    return out


def _weights(value: object) -> dict[str, float]:
    if not isinstance(value, Mapping) or any(k not in RED_FLAG_INDICATORS for k in value):
        raise _bad("red_flag_weights", "应为办件、纪律、服务、投诉、出勤五项的权重")
    out = dict.fromkeys(RED_FLAG_INDICATORS, 20.0)
    for key, weight in value.items():
        out[key] = _number("red_flag_weights", weight, 0, MAX_WEIGHT)
    if sum(out.values()) <= 0:
        raise _bad("red_flag_weights", "合计应大于 0")
    return out


def _check_together(r: ScoringRules) -> None:
    """What one number cannot say alone: the order of the scores, the thresholds and the quotas."""
    if r.cap < r.base:
        raise _bad("cap", "不能低于基础分")
    if r.floor >= r.base:
        raise _bad("floor", "应低于基础分")
    if not r.excellent > r.competent:
        raise _bad("competent", "应低于优秀分数线")
    if not r.competent > r.basic:
        raise _bad("basic", "应低于称职分数线")
    if r.excellent > r.cap:
        raise _bad("excellent", "不能高于封顶分")
    if r.staff_excellent_quota_raised < r.staff_excellent_quota:
        raise _bad("staff_excellent_quota_raised", "不能低于优秀比例")


def parse_rules(content: Mapping[str, Any]) -> ScoringRules:
    """The rules in ``content``; missing keys take the defaults. InvalidInput names what is wrong."""
    if not isinstance(content, Mapping):
        raise InvalidInput("考核评分规则的格式不正确（应为一组设置）。", field="content")
    known = {f.name for f in fields(ScoringRules)}
    unknown = sorted(str(k)[:20] for k in content if k not in known)
    if unknown:
        raise InvalidInput(f"考核评分规则中有无法识别的项目：{'、'.join(unknown)}。", field=unknown[0])
    d = default_rules()
    values: dict[str, Any] = {}
    for key, (lo, hi) in _NUMBERS.items():
        values[key] = _number(key, content.get(key, getattr(d, key)), lo, hi)
    for key, (low, high) in _COUNTS.items():
        values[key] = _count(key, content.get(key, getattr(d, key)), low, high)
    absent = content.get("absent_removes_eligibility", d.absent_removes_eligibility)
    if not isinstance(absent, bool):
        raise _bad("absent_removes_eligibility", "应为是（true）或否（false）")
    rules = ScoringRules(**values, absent_removes_eligibility=absent,
                         points=_points(content.get("points", d.points)),
                         red_flag_weights=_weights(content.get("red_flag_weights", d.red_flag_weights)))
    _check_together(rules)
    return rules


def rules_content(rules: ScoringRules) -> dict[str, Any]:
    """The JSON content of ``rules`` (``parse_rules(rules_content(r)) == r``)."""
    out: dict[str, Any] = {}
    for f in fields(ScoringRules):
        value = getattr(rules, f.name)
        out[f.name] = dict(value) if isinstance(value, Mapping) else value
    return out
