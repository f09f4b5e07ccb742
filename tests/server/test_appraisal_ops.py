"""The appraisal ops on the server, on SQLite and PostgreSQL: each kind applied / duplicate / conflict /
rejected, the permission table's tiers (business section, leadership, the chief's own department,
never one's own score, never approving one's own proposal), every field of every kind swapped for a
bad value (rejected, never a 500, nothing stored), and the published month the server computes
itself from its own rows (a correction is a new version with a reason)."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from sqlalchemy import select

from app.appraisal.codec import appraisal_from_json
from app.appraisal.rules import default_rules, rules_content
from app.sync.protocol import (
    APPRAISAL_ADJUST,
    APPRAISAL_COMMENT,
    APPRAISAL_ITEM_DECIDE,
    APPRAISAL_ITEM_PROPOSE,
    APPRAISAL_KINDS,
    APPRAISAL_PUBLISH,
    APPRAISAL_QUOTA_RAISE,
    APPRAISAL_RULES_SET,
    COMMENDATION_RECORD,
)
from db.models import AppraisalItem, AppraisalMonth, Staff
from tests.server.attendance_kit import NOW_LOCAL, Hall, new_id, op, resend, status
from tests.server.kit import ServerKit

BAD_VALUES = [7, 2**70, "\ud800", {"x": "y"}, True, None, "x" * 5000, "2026-13-45T99:00:00", [1], 1.5e300]


class AppraisalHall(Hall):
    def dept(self, login: str) -> str | None:
        with self.server.db.snapshot() as s:
            person = s.get(Staff, self.staff[login])
            assert person is not None
            return person.department_id

    def rules(self, version: int = 1, who: str = "liuyang", content: Any = None) -> dict[str, Any]:
        row = {"id": new_id(), "hall_id": self.server.hall_id, "version": version,
               "content": rules_content(default_rules()) if content is None else content, "note": "按新规则",
               "created_by": self.staff[who], "created_at": NOW_LOCAL}
        return op(APPRAISAL_RULES_SET, row["id"], self.staff[who], row)

    def commendation(self, staff: str | None = "zhangmin", who: str = "sunduc", kind: str = "banner",
                     **over: Any) -> dict[str, Any]:
        row = {"id": new_id(), "hall_id": self.server.hall_id, "kind": kind,
               "staff_id": self.staff[staff] if staff else None, "window_id": None if staff else self.windows["01"],
               "day": "2026-02-20", "note": "群众送来锦旗", "recorded_by": self.staff[who], "recorded_at": NOW_LOCAL,
               **over}
        return op(COMMENDATION_RECORD, row["id"], self.staff[who], row)

    def item(self, staff: str = "zhangmin", who: str = "sunduc", kind: str = "irregular_receipt",
             points: float = 0.0, month: str = "2026-02", **over: Any) -> dict[str, Any]:
        row = {"id": new_id(), "hall_id": self.server.hall_id, "month": month, "kind": kind,
               "staff_id": self.staff[staff], "window_id": None, "points": points, "reason": "收件未核对原件",
               "entered_by": self.staff[who], "entered_at": NOW_LOCAL, "status": "proposed", "decided_by": "",
               "decided_at": None, "decision_note": "", "version": 1, **over}
        return op(APPRAISAL_ITEM_PROPOSE, row["id"], self.staff[who], row)

    def adjust(self, staff: str = "zhangmin", who: str = "liuyang", points: float = 2.0, kind: str = "adjustment",
               **over: Any) -> dict[str, Any]:
        o = self.item(staff, who, kind=kind, points=points, status="approved", decided_by=self.staff[who],
                      decided_at=NOW_LOCAL, **over)
        o["kind"] = APPRAISAL_ADJUST
        return o

    def decide_item(self, item_id: str, who: str = "liuyang", approve: bool = True, from_version: int = 1,
               note: str = "") -> dict[str, Any]:
        return op(APPRAISAL_ITEM_DECIDE, item_id, self.staff[who],
                  {"id": item_id, "from_version": from_version, "status": "approved" if approve else "refused",
                   "note": note, "decided_at": NOW_LOCAL})

    def comment(self, who: str = "liqiang", staff: str | None = None, **over: Any) -> dict[str, Any]:
        row = {"id": new_id(), "hall_id": self.server.hall_id, "month": "2026-02", "department_id": self.dept(who),
               "staff_id": self.staff[staff] if staff else None, "text": "本窗口二月受理量大，建议酌情考虑",
               "written_by": self.staff[who], "written_at": NOW_LOCAL, **over}
        return op(APPRAISAL_COMMENT, row["id"], self.staff[who], row)

    def quota(self, who: str = "chenzr", month: str = "2026-02") -> dict[str, Any]:
        row = {"id": new_id(), "hall_id": self.server.hall_id, "month": month, "note": "二月工作突出",
               "approved_by": self.staff[who], "approved_at": NOW_LOCAL}
        return op(APPRAISAL_QUOTA_RAISE, row["id"], self.staff[who], row)

    def publish(self, month: str = "2026-02", version: int = 1, reason: str = "",
                who: str = "liuyang", **over: Any) -> dict[str, Any]:
        row = {"id": new_id(), "hall_id": self.server.hall_id, "month": month, "version": version,
               "rules_version": 0, "result": {"counter": "result"}, "reason": reason,
               "published_by": self.staff[who], "published_at": NOW_LOCAL, **over}
        return op(APPRAISAL_PUBLISH, row["id"], self.staff[who], row)


@pytest.fixture
def hall(server: ServerKit) -> AppraisalHall:
    return AppraisalHall(server, server.enrol("01"))


def test_rules_versions_apply_in_order_and_bad_rules_are_refused_with_the_field(hall: AppraisalHall) -> None:
    first = hall.rules()
    assert status(hall.one(first)) == ("applied", None)
    assert status(hall.one(resend(first))) == ("duplicate", "same_content")
    assert status(hall.one(hall.rules(version=1))) == ("conflict", "state_mismatch")
    assert status(hall.one(hall.rules(version=2, who="zhangmin"))) == ("rejected", "not_permitted")
    refused = hall.one(hall.rules(version=2, content={"base": 100, "cap": 90}))
    assert status(refused) == ("rejected", "rule_violation") and "封顶分" in refused["message"]
    assert status(hall.one(hall.rules(version=2, content={"points": {"late": 5}}))) == ("rejected", "rule_violation")
    assert status(hall.one(hall.rules(version=2))) == ("applied", None)


def test_commendations_by_a_supervisor_or_the_business_section_only(hall: AppraisalHall) -> None:
    assert status(hall.one(hall.commendation())) == ("applied", None)
    assert status(hall.one(hall.commendation(staff=None, who="liuyang", kind="praise_letter"))) == ("applied", None)
    assert status(hall.one(hall.commendation(who="zhangmin"))) == ("rejected", "not_permitted")
    assert status(hall.one(hall.commendation(kind="medal"))) == ("rejected", "invalid_payload")
    both = hall.commendation(window_id=hall.windows["01"])
    assert status(hall.one(both)) == ("rejected", "invalid_payload")
    assert status(hall.one(hall.commendation(day="2027-01-01"))) == ("rejected", "invalid_payload")


def test_an_item_is_proposed_then_approved_by_someone_else_once(hall: AppraisalHall) -> None:
    proposed = hall.item()
    iid = proposed["entity_id"]
    assert status(hall.one(proposed)) == ("applied", None)
    assert status(hall.one(hall.decide_item(iid, who="zhangmin"))) == ("rejected", "not_permitted")
    assert status(hall.one(hall.decide_item(iid, who="liqiang"))) == ("rejected", "not_permitted")  # not a chief's
    assert status(hall.one(hall.decide_item(iid, approve=False))) == ("rejected", "invalid_payload")  # no reason
    decided = hall.one(hall.decide_item(iid))
    assert status(decided) == ("applied", None)
    assert (decided["row"]["status"], decided["row"]["version"]) == ("approved", 2)
    assert status(hall.one(hall.decide_item(iid))) == ("duplicate", "same_content")
    assert status(hall.one(hall.decide_item(iid, approve=False, note="重复"))) == ("conflict", "state_mismatch")
    # the business section may not approve what it proposed itself
    own = hall.item(who="liuyang", kind="manual", points=-3.0)
    assert status(hall.one(own)) == ("applied", None)
    assert status(hall.one(hall.decide_item(own["entity_id"]))) == ("rejected", "not_permitted")
    # a chief proposes only for their own department
    assert status(hall.one(hall.item(who="liqiang"))) == ("applied", None)
    assert status(hall.one(hall.item(who="chenjing"))) == ("rejected", "not_permitted")
    # unit items carry no points of their own; manual ones carry sane ones
    assert status(hall.one(hall.item(points=5.0))) == ("rejected", "invalid_payload")
    assert status(hall.one(hall.item(kind="manual", points=0.0))) == ("rejected", "invalid_payload")
    assert status(hall.one(hall.item(kind="manual", points=50.0))) == ("rejected", "invalid_payload")
    assert status(hall.one(hall.item(kind="adjustment", points=2.0))) == ("rejected", "invalid_payload")


def test_an_adjustment_is_the_business_sections_and_never_of_its_own_score(hall: AppraisalHall) -> None:
    assert status(hall.one(hall.adjust())) == ("applied", None)
    assert status(hall.one(hall.adjust(who="liqiang"))) == ("rejected", "not_permitted")
    assert status(hall.one(hall.adjust(staff="liuyang"))) == ("rejected", "not_permitted")
    assert status(hall.one(hall.adjust(kind="manual"))) == ("rejected", "invalid_payload")


def test_comments_by_a_chief_on_their_own_department_and_the_quota_by_the_leadership(hall: AppraisalHall) -> None:
    assert status(hall.one(hall.comment())) == ("applied", None)
    assert status(hall.one(hall.comment(staff="zhangmin"))) == ("applied", None)
    assert status(hall.one(hall.comment(who="zhangmin"))) == ("rejected", "not_permitted")
    other = hall.comment(department_id=hall.dept("chenjing"))
    assert status(hall.one(other)) == ("rejected", "not_permitted")
    assert status(hall.one(hall.comment(text="  "))) == ("rejected", "invalid_payload")
    assert status(hall.one(hall.quota(who="liuyang"))) == ("rejected", "not_permitted")
    assert status(hall.one(hall.quota())) == ("applied", None)
    assert status(hall.one(hall.quota())) == ("duplicate", "same_content")


def test_the_server_publishes_what_it_computes_and_a_correction_needs_a_reason(hall: AppraisalHall) -> None:
    assert status(hall.one(hall.adjust(points=-4.0))) == ("applied", None)
    assert status(hall.one(hall.publish(month="2026-03"))) == ("rejected", "rule_violation")  # not over yet
    assert status(hall.one(hall.publish(who="zhangmin"))) == ("rejected", "not_permitted")
    first = hall.publish()
    answer = hall.one(first)
    assert status(answer) == ("applied", None)
    result = appraisal_from_json(answer["row"]["result"])  # the server's, not the counter's {"counter": ...}
    mine = next(p for p in result.people if p.person.staff_id == hall.staff["zhangmin"])
    adjustment = [f for f in mine.facts if f.fact.kind == "adjustment"]
    assert [f.points for f in adjustment] == [-4.0]
    assert mine.raw == pytest.approx(100 + sum(f.points for f in mine.facts))
    assert mine.score == pytest.approx(96.0)  # no punch at all on the server yet: no day judged for attendance
    assert status(hall.one(resend(first))) == ("duplicate", "same_content")
    assert status(hall.one(hall.publish(version=2))) == ("rejected", "invalid_payload")  # no reason
    assert status(hall.one(hall.publish(version=3, reason="更正"))) == ("conflict", "state_mismatch")
    assert status(hall.one(hall.publish(version=2, reason="更正二月调整"))) == ("applied", None)
    with hall.server.db.snapshot() as s:
        assert [m.version for m in s.scalars(select(AppraisalMonth).order_by(AppraisalMonth.version))] == [1, 2]


def _valid_ops(hall: AppraisalHall) -> dict[str, dict[str, Any]]:
    item = hall.item()
    assert hall.one(item)["status"] == "applied"
    return {APPRAISAL_RULES_SET: hall.rules(), COMMENDATION_RECORD: hall.commendation(),
            APPRAISAL_ITEM_PROPOSE: hall.item(), APPRAISAL_ITEM_DECIDE: hall.decide_item(item["entity_id"]),
            APPRAISAL_ADJUST: hall.adjust(), APPRAISAL_COMMENT: hall.comment(), APPRAISAL_QUOTA_RAISE: hall.quota(),
            APPRAISAL_PUBLISH: hall.publish()}


NULLABLE = {"staff_id", "window_id", "decided_at"}
FREE_TEXT = {"note", "reason", "decision_note", "text"}


def _also_valid(kind: str, key: str, original: Any, value: Any) -> bool:
    if value == original and type(value) is type(original):
        return True
    if key in FREE_TEXT and isinstance(value, str) and value not in ("\ud800", "x" * 5000):
        return kind != APPRAISAL_COMMENT or bool(value.strip())
    if key == "rules_version" and isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2**31:
        return True  # the server sets it
    if kind == APPRAISAL_ADJUST and key == "points":
        return isinstance(value, int | float) and not isinstance(value, bool) and 0 < abs(value) <= 20
    if key in ("result",) and isinstance(value, dict):
        return True  # the server computes it
    if kind == APPRAISAL_ITEM_DECIDE and key == "decided_at" and value is None:
        return False
    return False


def test_every_field_of_every_kind_is_checked_and_nothing_bad_is_stored(hall: AppraisalHall) -> None:
    valid = _valid_ops(hall)
    assert set(valid) == set(APPRAISAL_KINDS)
    before = hall.server.footprint()["changes"]
    for kind, good in valid.items():
        for key in good["payload"]:
            for value in BAD_VALUES:
                if _also_valid(kind, key, good["payload"][key], value):
                    continue
                payload = copy.deepcopy(good["payload"])
                payload[key] = value
                answer = hall.one(resend(good, payload=payload))
                assert answer["status"] in ("rejected", "conflict"), (kind, key, value, answer)
    assert hall.server.footprint()["changes"] == before
    for payload in ({}, [], "x", {"id": 1}):
        for good in valid.values():
            r = hall.post([resend(good, payload=payload)])
            assert r.status_code in (200, 422), r.text
            if r.status_code == 200:
                assert r.json()["results"][0]["status"] == "rejected"
    with hall.server.db.snapshot() as s:
        assert len(s.scalars(select(AppraisalItem)).all()) == 1
