"""Peer-evaluation rules both sides apply (pure: no session, no Qt; server.peer_ops imports it).

A round has 1–8 dimensions, each ``{"code", "label", "weight"}`` scored 1–5 (weights > 0), a scope
(the whole hall, each department, each zone: a person rates the colleagues of their own group), a
period (``2026-03`` monthly, ``2026-Q1`` quarterly) and the ballots a person needs before their
result is shown (``min_ballots``, never below 3). Taking part are the active staff who work at a
window (窗口工作人员); their group is their window's department or zone, or the whole hall.
"""

from __future__ import annotations

import json
import math
import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from app.errors import InvalidInput
from db.models import Staff, Window

SCOPES: dict[str, str] = {"hall": "全中心", "department": "各部门（派驻单位）", "zone": "各区域"}
STATUS_LABELS: dict[str, str] = {"open": "进行中", "closed": "已结束"}
MIN_BALLOTS_FLOOR = 3  # DOMAIN.md: never fewer than 3
MAX_MIN_BALLOTS = 99
MAX_DIMENSIONS = 8
SCORE_RANGE = range(1, 6)
TITLE_MAX = 100
LABEL_MAX = 20
HEX64 = re.compile(r"[0-9a-f]{64}")
_PERIOD = re.compile(r"(20\d\d)-(0[1-9]|1[0-2]|Q[1-4])")
_NAMESPACE = uuid.UUID("0b7d6f0e-5c1a-4c55-9f43-2b8e8f6c1d11")
HALL_GROUP = "hall"


def check_title(title: str) -> str:
    text = title.strip()
    if not text:
        raise InvalidInput("请填写互评轮次的名称，例如“2026年3月窗口互评”。", field="title")
    if len(text) > TITLE_MAX:
        raise InvalidInput(f"名称过长，最多{TITLE_MAX}字。", field="title")
    return text


def check_period(period: str) -> str:
    text = period.strip().upper()
    if _PERIOD.fullmatch(text) is None:
        raise InvalidInput("评议期间应为“年-月”（如 2026-03）或“年-季度”（如 2026-Q1）。", field="period")
    return text


def check_scope(scope: str) -> str:
    if scope not in SCOPES:
        raise InvalidInput(f"请选择互评范围（{'、'.join(SCOPES.values())}）。", field="scope")
    return scope


def check_min_ballots(n: Any) -> int:
    if not isinstance(n, int) or isinstance(n, bool) or not MIN_BALLOTS_FLOOR <= n <= MAX_MIN_BALLOTS:
        raise InvalidInput(f"显示结果所需的最少票数应在 {MIN_BALLOTS_FLOOR} 到 {MAX_MIN_BALLOTS} 之间"
                           "（少于 3 票无法保证匿名）。", field="min_ballots")
    return n


def default_dimensions(text: str) -> list[tuple[str, float]]:
    """The hall parameter ``peer.dimensions`` (labels, comma separated) with equal weights."""
    labels = [x.strip() for x in text.replace("，", ",").split(",") if x.strip()]
    return [(label, 1.0) for label in labels]


def make_dimensions(pairs: Sequence[tuple[str, float]]) -> list[dict[str, Any]]:
    """The round's dimensions from (label, weight) pairs: codes d1, d2, ... in order."""
    out = [{"code": f"d{i}", "label": str(label).strip(), "weight": weight} for i, (label, weight) in
           enumerate(pairs, 1)]
    return check_dimensions(out)


def check_dimensions(value: Any) -> list[dict[str, Any]]:
    """A round's stored dimensions: 1–8, codes unique, labels 1–20 characters, weights > 0."""
    if not isinstance(value, list) or not 1 <= len(value) <= MAX_DIMENSIONS:
        raise InvalidInput(f"评议维度应为 1 到 {MAX_DIMENSIONS} 项。", field="dimensions")
    codes, labels = set(), set()
    for item in value:
        if not isinstance(item, dict) or set(item) != {"code", "label", "weight"}:
            raise InvalidInput("评议维度的格式不正确。", field="dimensions")
        code, label, weight = item["code"], item["label"], item["weight"]
        if not isinstance(code, str) or re.fullmatch(r"d[1-8]", code) is None or code in codes:
            raise InvalidInput("评议维度的编号不正确。", field="dimensions")
        if not isinstance(label, str) or not 1 <= len(label.strip()) <= LABEL_MAX or label in labels:
            raise InvalidInput(f"每个评议维度须有名称（最多{LABEL_MAX}字，不能重复）。", field="dimensions")
        if not isinstance(weight, int | float) or isinstance(weight, bool) or not math.isfinite(weight) \
                or not 0 < weight <= 100:
            raise InvalidInput(f"“{label}”的权重应大于 0（最多 100）。", field="dimensions")
        codes.add(code)
        labels.add(label)
    return [{"code": i["code"], "label": i["label"].strip(), "weight": float(i["weight"])} for i in value]


def group_of(scope: str, hall_id: str, staff: Staff, window: Window | None) -> str | None:
    """The group ``staff`` rates and is rated in; None when they do not take part (not active, no
    window, or their window has no department / zone in a round of that scope)."""
    if not staff.active or staff.hall_id != hall_id or window is None or staff.window_id != window.id:
        return None
    if scope == "hall":
        return HALL_GROUP
    if scope == "department":
        department = window.department_id or staff.department_id
        return f"department:{department}" if department else None
    return f"zone:{window.zone}" if window.zone else None


def group_label(key: str, departments: Mapping[str, str]) -> str:
    if key == HALL_GROUP:
        return "全中心"
    kind, _, value = key.partition(":")
    return departments.get(value, value) if kind == "department" else value


def turnout_id(round_id: str, rater_id: str) -> str:
    """One turnout row per rater and round, whichever PC they vote at (the turnout is public)."""
    return str(uuid.uuid5(_NAMESPACE, f"peer_turnout:{round_id}:{rater_id}"))


def check_scores(scores: Any, codes: Iterable[str]) -> dict[str, int]:
    """One ballot's scores: exactly the round's dimension codes, each an integer 1–5."""
    wanted = set(codes)
    if not isinstance(scores, dict) or set(scores) != wanted:
        raise InvalidInput("每位同事的每个评议维度都要打分。", field="scores")
    for value in scores.values():
        if not isinstance(value, int) or isinstance(value, bool) or value not in SCORE_RANGE:
            raise InvalidInput("每项评分应为 1 到 5 分。", field="scores")
    return {code: int(scores[code]) for code in sorted(wanted)}


def ballot_plaintext(ratee_id: str, ballot_key: str, scores: Mapping[str, int]) -> bytes:
    """What a sealed ballot holds (nothing of the rater)."""
    return json.dumps({"ratee_id": ratee_id, "ballot_key": ballot_key, "scores": dict(scores)},
                      separators=(",", ":"), sort_keys=True).encode("utf-8")


def parse_ballot(data: bytes) -> tuple[str, str, Any]:
    """(ratee_id, ballot_key, scores) of an opened ballot; ValueError when it is not one."""
    try:
        body = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError("not a ballot") from exc
    if not isinstance(body, dict) or set(body) != {"ratee_id", "ballot_key", "scores"}:
        raise ValueError("not a ballot")
    ratee, key = body["ratee_id"], body["ballot_key"]
    if not isinstance(ratee, str) or len(ratee) > 36 or not isinstance(key, str) or HEX64.fullmatch(key) is None:
        raise ValueError("not a ballot")
    return ratee, key, body["scores"]


def tally(ballots: Sequence[Mapping[str, int]], dimensions: Sequence[Mapping[str, Any]],
          min_ballots: int) -> tuple[int, dict[str, float] | None, float | None]:
    """(ballots, averages by code, weighted score 1–5) of one person; below ``min_ballots`` (never
    below 3) only the count."""
    count = len(ballots)
    if count < max(min_ballots, MIN_BALLOTS_FLOOR):
        return count, None, None
    exact = {str(d["code"]): sum(b[d["code"]] for b in ballots) / count for d in dimensions}
    weights = sum(float(d["weight"]) for d in dimensions)
    score = sum(exact[str(d["code"])] * float(d["weight"]) for d in dimensions) / weights
    return count, {code: round(v, 2) for code, v in exact.items()}, round(score, 2)
