"""The appraisal's scoring rules as data (app.appraisal.rules): DOMAIN.md's defaults, partial content,
the JSON round trip, every refusal naming its field, and a fuzz that only ever gets InvalidInput."""

from __future__ import annotations

import json
import math
import random
from typing import Any

import pytest

from app.appraisal.rules import (
    FACT_KINDS,
    ScoringRules,
    default_rules,
    parse_rules,
    rules_content,
)
from app.errors import InvalidInput


def test_the_fact_kinds_are_exactly_the_sixteen_with_their_chinese_labels() -> None:
    assert FACT_KINDS == {
        "absent_half": "旷工（半天）", "late": "迟到", "early": "早退", "missing": "缺卡", "overdue_case": "超期办件",
        "irregular_receipt": "不规范收件", "unauthorised_fee": "违规收费", "bad_rating": "差评", "empty_post": "空岗",
        "inspection": "查岗问题", "praise_letter": "表扬信", "banner": "锦旗", "peer": "互评", "manual": "其他加减分",
        "adjustment": "业务科调整", "chief_share": "首席代表分担",
    }


DOMAIN_DEFAULTS: list[tuple[str, Any]] = [
    ("base", 100), ("cap", 110), ("floor", 0), ("peer_weight", 2.0), ("peer_center", 3.0), ("chief_share", 0.5),
    ("excellent", 95), ("competent", 75), ("basic", 60), ("top_n", 8), ("staff_excellent_quota", 0.20),
    ("staff_excellent_quota_raised", 0.25), ("window_excellent_quota", 0.25), ("ineligible_late_early", 5),
    ("absent_removes_eligibility", True), ("standouts", 1), ("red_flags", 1), ("yearly_window_quota", 0.25),
    ("yearly_staff_quota", 0.20),
    ("points", {"absent_half": -3, "late": -1, "early": -1, "missing": -1, "overdue_case": -5,
                "irregular_receipt": -2, "unauthorised_fee": -5, "bad_rating": -2, "empty_post": -2,
                "inspection": -1, "praise_letter": 1, "banner": 2}),
    ("red_flag_weights", {"cases": 20, "discipline": 20, "service": 20, "complaints": 20, "attendance": 20}),
]


@pytest.mark.parametrize(("name", "expected"), DOMAIN_DEFAULTS, ids=[d[0] for d in DOMAIN_DEFAULTS])
def test_the_defaults_are_domain_md_numbers(name: str, expected: Any) -> None:
    value = getattr(default_rules(), name)
    assert (dict(value) if isinstance(value, dict) else value) == expected
    assert type(value) is type(expected) or (isinstance(expected, int | float) and not isinstance(expected, bool))


def test_every_field_has_a_default_checked_above() -> None:
    assert set(rules_content(default_rules())) == {name for name, _ in DOMAIN_DEFAULTS}


def test_empty_content_is_the_defaults_and_partial_content_keeps_the_other_defaults() -> None:
    assert parse_rules({}) == default_rules()
    rules = parse_rules({"cap": 108, "points": {"late": -2}, "red_flag_weights": {"cases": 40}})
    assert rules.cap == 108 and rules.base == 100 and rules.top_n == 8
    assert rules.points["late"] == -2 and rules.points["early"] == -1 and rules.points["banner"] == 2
    assert rules.red_flag_weights == {"cases": 40, "discipline": 20, "service": 20, "complaints": 20,
                                      "attendance": 20}


CUSTOM: dict[str, Any] = {
    "base": 90, "cap": 100, "floor": 10, "points": {"late": -0.5, "banner": 3, "inspection": 0},
    "peer_weight": 1.5, "peer_center": 3.5, "chief_share": 0.3, "excellent": 92, "competent": 70, "basic": 50,
    "top_n": 5, "staff_excellent_quota": 0.15, "staff_excellent_quota_raised": 0.3, "window_excellent_quota": 0.5,
    "ineligible_late_early": 3, "absent_removes_eligibility": False, "standouts": 2,
    "red_flag_weights": {"cases": 30, "discipline": 10, "service": 0}, "red_flags": 2, "yearly_window_quota": 0.1,
    "yearly_staff_quota": 1,
}


@pytest.mark.parametrize("rules", [default_rules(), parse_rules(CUSTOM)], ids=["defaults", "custom"])
def test_the_content_round_trips_through_json(rules: ScoringRules) -> None:
    content = rules_content(rules)
    assert parse_rules(content) == rules
    assert parse_rules(json.loads(json.dumps(content))) == rules
    assert rules_content(parse_rules(content)) == content


def test_custom_content_is_read_as_given() -> None:
    rules = parse_rules(CUSTOM)
    assert (rules.base, rules.cap, rules.floor, rules.chief_share, rules.top_n) == (90, 100, 10, 0.3, 5)
    assert rules.points["late"] == -0.5 and rules.points["banner"] == 3 and rules.points["inspection"] == 0
    assert rules.absent_removes_eligibility is False and rules.yearly_staff_quota == 1


REFUSED: list[tuple[str, Any, str, str]] = [
    # (case, content, field, a fragment of the message)
    ("not a mapping", [1, 2], "content", "格式不正确"),
    ("unknown key", {"bonus": 1}, "bonus", "无法识别"),
    ("base text", {"base": "100"}, "base", "基础分"),
    ("base bool", {"base": True}, "base", "应为数字"),
    ("base nan", {"base": math.nan}, "base", "基础分"),
    ("base inf", {"base": math.inf}, "base", "基础分"),
    ("base zero", {"base": 0}, "base", "基础分"),
    ("base negative", {"base": -5}, "base", "基础分"),
    ("base huge int", {"base": 10**400}, "base", "基础分"),
    ("cap below base", {"cap": 99}, "cap", "不能低于基础分"),
    ("floor at base", {"floor": 100}, "floor", "应低于基础分"),
    ("floor null", {"floor": None}, "floor", "最低分"),
    ("late positive", {"points": {"late": 1}}, "points", "迟到”是扣分项"),
    ("overdue positive", {"points": {"overdue_case": 0.5}}, "points", "超期办件”是扣分项"),
    ("banner negative", {"points": {"banner": -2}}, "points", "锦旗”是加分项"),
    ("points beyond 100", {"points": {"absent_half": -101}}, "points", "-100 到 100"),
    ("points text", {"points": {"late": "-1"}}, "points", "迟到"),
    ("points bool", {"points": {"praise_letter": True}}, "points", "表扬信"),
    ("points nan", {"points": {"late": math.nan}}, "points", "迟到"),
    ("points unknown kind", {"points": {"smile": 1}}, "points", "smile"),
    ("points for peer", {"points": {"peer": 1}}, "points", "peer"),
    ("points not a mapping", {"points": [-1]}, "points", "各项分值"),
    ("thresholds not descending", {"competent": 96}, "competent", "应低于优秀分数线"),
    ("basic above competent", {"basic": 80}, "basic", "应低于称职分数线"),
    ("excellent above cap", {"excellent": 111}, "excellent", "不能高于封顶分"),
    ("quota zero", {"staff_excellent_quota": 0}, "staff_excellent_quota", "优秀比例"),
    ("quota above one", {"window_excellent_quota": 1.5}, "window_excellent_quota", "优秀窗口比例"),
    ("yearly quota negative", {"yearly_staff_quota": -0.2}, "yearly_staff_quota", "先进个人比例"),
    ("yearly window quota zero", {"yearly_window_quota": 0}, "yearly_window_quota", "先进窗口比例"),
    ("raised below quota", {"staff_excellent_quota_raised": 0.1}, "staff_excellent_quota_raised", "不能低于优秀比例"),
    ("peer weight negative", {"peer_weight": -1}, "peer_weight", "互评权重"),
    ("peer centre beyond 5", {"peer_center": 6}, "peer_center", "互评基准分"),
    ("chief share above one", {"chief_share": 1.2}, "chief_share", "首席代表分担比例"),
    ("weights negative", {"red_flag_weights": {"cases": -1}}, "red_flag_weights", "红旗窗口指标权重"),
    ("weights summing to 0", {"red_flag_weights": dict.fromkeys(
        ("cases", "discipline", "service", "complaints", "attendance"), 0)}, "red_flag_weights", "合计应大于 0"),
    ("weights unknown indicator", {"red_flag_weights": {"speed": 10}}, "red_flag_weights", "五项"),
    ("weights not a mapping", {"red_flag_weights": 20}, "red_flag_weights", "五项"),
    ("top_n negative", {"top_n": -1}, "top_n", "优秀名次"),
    ("top_n fraction", {"top_n": 8.5}, "top_n", "整数"),
    ("top_n bool", {"top_n": False}, "top_n", "整数"),
    ("standouts negative", {"standouts": -1}, "standouts", "优质服务标兵人数"),
    ("red flags negative", {"red_flags": -1}, "red_flags", "红旗窗口个数"),
    ("red flags beyond range", {"red_flags": 1000}, "red_flags", "红旗窗口个数"),
    ("late/early count zero", {"ineligible_late_early": 0}, "ineligible_late_early", "迟到早退次数"),
    ("absent flag not bool", {"absent_removes_eligibility": 1}, "absent_removes_eligibility", "旷工取消评优"),
]


@pytest.mark.parametrize(("content", "field", "fragment"), [r[1:] for r in REFUSED], ids=[r[0] for r in REFUSED])
def test_malformed_content_is_refused_naming_the_field(content: Any, field: str, fragment: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_rules(content)
    assert refused.value.field == field
    assert fragment in refused.value.message
    assert "考核评分规则" in refused.value.message


def test_zero_points_disable_an_item_and_bounds_are_inclusive() -> None:
    rules = parse_rules({"points": {"late": 0, "praise_letter": 0, "absent_half": -100}, "chief_share": 1,
                         "staff_excellent_quota": 1, "staff_excellent_quota_raised": 1, "top_n": 0, "standouts": 0})
    assert rules.points["late"] == 0 and rules.points["absent_half"] == -100 and rules.chief_share == 1


_JUNK: list[Any] = [None, True, False, "", "x", "100", -1, 0, 1, 0.5, 1e308, -1e308, 10**400, math.nan, math.inf,
                    -math.inf, [], [1], {}, {"x": 1}, {"late": 1}, {"cases": -1}, 2**63, -0.0]


def _corrupt(rng: random.Random) -> Any:
    content: dict[Any, Any] = rules_content(default_rules())
    for _ in range(rng.randint(1, 4)):
        action = rng.random()
        key = rng.choice(sorted(content, key=str)) if content else "base"
        if action < 0.45:
            content[key] = rng.choice([*_JUNK, rng.uniform(-2000, 2000), rng.randint(-2000, 2000)])
        elif action < 0.65 and isinstance(content.get("points"), dict):
            kind = rng.choice([*sorted(content["points"], key=str), "peer", "smile", 3])
            content["points"][kind] = rng.choice([*_JUNK, rng.uniform(-200, 200)])
        elif action < 0.75 and isinstance(content.get("red_flag_weights"), dict):
            indicator = rng.choice([*sorted(content["red_flag_weights"], key=str), "speed"])
            content["red_flag_weights"][indicator] = rng.choice([*_JUNK, rng.uniform(-50, 150)])
        elif action < 0.85:
            content.pop(key, None)
        elif action < 0.95:
            content[rng.choice(["extra", 7, None, ("t",)])] = rng.choice(_JUNK)
        else:
            return rng.choice([*_JUNK, "not rules"])
    return content


def test_two_thousand_corrupted_contents_only_ever_raise_invalid_input() -> None:
    rng = random.Random(20260307)
    accepted = refused = 0
    for _ in range(2000):
        content = _corrupt(rng)
        try:
            rules = parse_rules(content)
        except InvalidInput as exc:
            refused += 1
            assert exc.field and exc.message.startswith("考核评分规则")
            continue
        accepted += 1
        assert parse_rules(rules_content(rules)) == rules
        assert rules.floor < rules.base <= rules.cap and rules.excellent > rules.competent > rules.basic
    assert refused > 1000 and accepted > 50  # the fuzz reaches both sides
