"""A month's appraisal (and a quarter's 红旗窗口, a year's 先进) as JSON and back, exactly: the published
month is stored on the server and synced to every counter as this. Dates are ISO text.

Reading is strict: every key present, nothing else, each value of its type (a bool is not a number,
NaN and infinities are refused), else InvalidInput(field="result") naming where, so a row that is not
what this code wrote is never half read.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from app.appraisal.awards import PersonYear, QuarterResult, WindowQuarter, WindowYear, YearResult
from app.appraisal.rules import RED_FLAG_INDICATORS
from app.appraisal.score import Fact, MonthAppraisal, Person, PersonScore, ScoredFact, WindowInfo, WindowScore
from app.errors import InvalidInput

FORMAT = 1
T = TypeVar("T")


class _Bad(Exception):
    def __init__(self, where: str) -> None:
        super().__init__(where)
        self.where = where


# --- writing ---------------------------------------------------------------------------------


def _fact_json(f: Fact) -> dict[str, Any]:
    return {**dataclasses.asdict(f), "day": f.day.isoformat()}


def _scored_json(s: ScoredFact) -> dict[str, Any]:
    return {"fact": _fact_json(s.fact), "points": s.points, "via": s.via}


def _person_json(p: PersonScore) -> dict[str, Any]:
    return {"person": dataclasses.asdict(p.person), "score": p.score, "raw": p.raw, "deductions": p.deductions,
            "bonuses": p.bonuses, "facts": [_scored_json(f) for f in p.facts], "rank": p.rank, "grade": p.grade,
            "grade_reason": p.grade_reason, "eligible": p.eligible, "ineligible_reasons": list(p.ineligible_reasons),
            "late_early": p.late_early, "absent_halves": p.absent_halves}


def _window_json(w: WindowScore) -> dict[str, Any]:
    return {"window": dataclasses.asdict(w.window), "score": w.score, "raw": w.raw, "members": list(w.members),
            "facts": [_scored_json(f) for f in w.facts], "rank": w.rank, "excellent": w.excellent,
            "reason": w.reason}


def appraisal_json(m: MonthAppraisal) -> dict[str, Any]:
    """The JSON of ``m`` (``appraisal_from_json(appraisal_json(m)) == m``)."""
    return {
        "format": FORMAT, "year": m.year, "month": m.month, "rules_version": m.rules_version,
        "people": [_person_json(p) for p in m.people], "windows": [_window_json(w) for w in m.windows],
        "excellent_quota": m.excellent_quota, "excellent_quota_rate": m.excellent_quota_rate,
        "quota_raised": m.quota_raised, "standouts": list(m.standouts),
        "unmatched": [_fact_json(f) for f in m.unmatched], "tie_break": m.tie_break,
    }


def quarter_json(q: QuarterResult) -> dict[str, Any]:
    """The JSON of ``q`` (``quarter_from_json(quarter_json(q)) == q``)."""
    return {"format": FORMAT, "year": q.year, "quarter": q.quarter, "weights": dict(q.weights),
            "windows": [{"window": dataclasses.asdict(w.window), "indicators": dict(w.indicators), "total": w.total,
                         "rank": w.rank, "red_flag": w.red_flag, "reason": w.reason} for w in q.windows]}


def year_json(y: YearResult) -> dict[str, Any]:
    """The JSON of ``y`` (``year_from_json(year_json(y)) == y``)."""
    return {"format": FORMAT, "year": y.year, "staff_quota": y.staff_quota, "window_quota": y.window_quota,
            "people": [{**dataclasses.asdict(p), "person": dataclasses.asdict(p.person)} for p in y.people],
            "windows": [{**dataclasses.asdict(w), "window": dataclasses.asdict(w.window)} for w in y.windows]}


# --- reading ---------------------------------------------------------------------------------


def _obj(value: object, where: str, keys: frozenset[str]) -> Mapping[str, Any]:
    if not isinstance(value, Mapping) or set(value) != keys:
        raise _Bad(where)
    return value


def _keys(cls: type) -> frozenset[str]:
    return frozenset(f.name for f in dataclasses.fields(cls))


def _str(d: Mapping[str, Any], key: str, where: str) -> str:
    value = d[key]
    if not isinstance(value, str):
        raise _Bad(f"{where}.{key}")
    return value


def _opt_str(d: Mapping[str, Any], key: str, where: str) -> str | None:
    return None if d[key] is None else _str(d, key, where)


def _num(d: Mapping[str, Any], key: str, where: str) -> float:
    value = d[key]
    if isinstance(value, bool) or not isinstance(value, int | float) or abs(value) > 1e12 \
            or not math.isfinite(value):
        raise _Bad(f"{where}.{key}")
    return float(value)


def _int(d: Mapping[str, Any], key: str, where: str) -> int:
    value = d[key]
    if isinstance(value, bool) or not isinstance(value, int):
        raise _Bad(f"{where}.{key}")
    return value


def _bool(d: Mapping[str, Any], key: str, where: str) -> bool:
    value = d[key]
    if not isinstance(value, bool):
        raise _Bad(f"{where}.{key}")
    return value


def _list(d: Mapping[str, Any], key: str, where: str, read: Callable[[object, str], T]) -> tuple[T, ...]:
    value = d[key]
    if not isinstance(value, list | tuple):
        raise _Bad(f"{where}.{key}")
    return tuple(read(v, f"{where}.{key}[{i}]") for i, v in enumerate(value))


def _text(value: object, where: str) -> str:
    if not isinstance(value, str):
        raise _Bad(where)
    return value


def _fact(value: object, where: str) -> Fact:
    d = _obj(value, where, _keys(Fact))
    try:
        day = dt.date.fromisoformat(_str(d, "day", where))
    except ValueError as exc:
        raise _Bad(f"{where}.day") from exc
    points = None if d["points"] is None else _num(d, "points", where)
    return Fact(_str(d, "kind", where), _opt_str(d, "staff_id", where), _opt_str(d, "window_id", where), day,
                _str(d, "label", where), _str(d, "source_entity", where), _str(d, "source_id", where),
                _num(d, "quantity", where), points)


def _scored(value: object, where: str) -> ScoredFact:
    d = _obj(value, where, frozenset({"fact", "points", "via"}))
    return ScoredFact(_fact(d["fact"], f"{where}.fact"), _num(d, "points", where), _str(d, "via", where))


def _person(value: object, where: str) -> Person:
    d = _obj(value, where, _keys(Person))
    return Person(_str(d, "staff_id", where), _str(d, "name", where), _str(d, "staff_no", where),
                  _opt_str(d, "department_id", where), _str(d, "department_name", where),
                  _opt_str(d, "window_id", where), _str(d, "window_label", where), _bool(d, "is_chief", where))


def _window(value: object, where: str) -> WindowInfo:
    d = _obj(value, where, _keys(WindowInfo))
    return WindowInfo(_str(d, "window_id", where), _str(d, "label", where), _opt_str(d, "department_id", where),
                      _str(d, "department_name", where))


def _person_score(value: object, w: str) -> PersonScore:
    d = _obj(value, w, _keys(PersonScore))
    return PersonScore(_person(d["person"], f"{w}.person"), _num(d, "score", w), _num(d, "raw", w),
                       _num(d, "deductions", w), _num(d, "bonuses", w), _list(d, "facts", w, _scored),
                       _int(d, "rank", w), _str(d, "grade", w), _str(d, "grade_reason", w), _bool(d, "eligible", w),
                       _list(d, "ineligible_reasons", w, _text), _int(d, "late_early", w), _int(d, "absent_halves", w))


def _window_score(value: object, w: str) -> WindowScore:
    d = _obj(value, w, _keys(WindowScore))
    return WindowScore(_window(d["window"], f"{w}.window"), _num(d, "score", w), _num(d, "raw", w),
                       _list(d, "members", w, _text), _list(d, "facts", w, _scored), _int(d, "rank", w),
                       _bool(d, "excellent", w), _str(d, "reason", w))


def _top(value: object, keys: frozenset[str]) -> Mapping[str, Any]:
    d = _obj(value, "result", keys | {"format"})
    if _int(d, "format", "result") != FORMAT:
        raise _Bad("result.format")
    return d


def _reading(read: Callable[[object], T], value: object) -> T:
    try:
        return read(value)
    except _Bad as bad:
        raise InvalidInput(f"考核结果的数据格式无法识别（{bad.where[:80]}）。", field="result") from bad


def _month(value: object) -> MonthAppraisal:
    d, w = _top(value, _keys(MonthAppraisal)), "result"
    return MonthAppraisal(_int(d, "year", w), _int(d, "month", w), _int(d, "rules_version", w),
                          _list(d, "people", w, _person_score), _list(d, "windows", w, _window_score),
                          _int(d, "excellent_quota", w), _num(d, "excellent_quota_rate", w),
                          _bool(d, "quota_raised", w), _list(d, "standouts", w, _text), _list(d, "unmatched", w, _fact),
                          _str(d, "tie_break", w))


def appraisal_from_json(d: object) -> MonthAppraisal:
    """The month in ``d``; InvalidInput(field="result") when ``d`` is not a month this code wrote."""
    return _reading(_month, d)


def _indicators(value: object, where: str) -> dict[str, float]:
    d = _obj(value, where, frozenset(RED_FLAG_INDICATORS))
    return {k: _num(d, k, where) for k in RED_FLAG_INDICATORS}


def _window_quarter(value: object, w: str) -> WindowQuarter:
    d = _obj(value, w, _keys(WindowQuarter))
    return WindowQuarter(_window(d["window"], f"{w}.window"), _indicators(d["indicators"], f"{w}.indicators"),
                         _num(d, "total", w), _int(d, "rank", w), _bool(d, "red_flag", w), _str(d, "reason", w))


def _quarter(value: object) -> QuarterResult:
    d, w = _top(value, _keys(QuarterResult)), "result"
    return QuarterResult(_int(d, "year", w), _int(d, "quarter", w), _list(d, "windows", w, _window_quarter),
                         _indicators(d["weights"], f"{w}.weights"))


def quarter_from_json(d: object) -> QuarterResult:
    """The quarter in ``d``; InvalidInput(field="result") when malformed."""
    return _reading(_quarter, d)


def _person_year(value: object, w: str) -> PersonYear:
    d = _obj(value, w, _keys(PersonYear))
    return PersonYear(_person(d["person"], f"{w}.person"), _num(d, "mean", w), _int(d, "months", w),
                      _bool(d, "eligible", w), _int(d, "rank", w), _bool(d, "advanced", w), _str(d, "reason", w))


def _window_year(value: object, w: str) -> WindowYear:
    d = _obj(value, w, _keys(WindowYear))
    return WindowYear(_window(d["window"], f"{w}.window"), _num(d, "mean", w), _int(d, "months", w),
                      _int(d, "rank", w), _bool(d, "advanced", w), _str(d, "reason", w))


def _year(value: object) -> YearResult:
    d, w = _top(value, _keys(YearResult)), "result"
    return YearResult(_int(d, "year", w), _list(d, "people", w, _person_year), _list(d, "windows", w, _window_year),
                      _int(d, "staff_quota", w), _int(d, "window_quota", w))


def year_from_json(d: object) -> YearResult:
    """The year in ``d``; InvalidInput(field="result") when malformed."""
    return _reading(_year, d)
