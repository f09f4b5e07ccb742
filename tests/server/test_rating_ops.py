"""The rating ops on the server, on SQLite and PostgreSQL: rating.record checked field by field
(the case, the trigger, the derived id, level / reasons / comment / phone, the channel and the PC),
one rated row per case across the counter and the phone (the phone's wins: conflict), the 差评's
follow-up opened by the server with its own calendar, the 差评整改 steps in order with versions and
the permission table on the rating's window, appeals and their decision, and hostile payloads of
every kind rejected, never a server error."""

from __future__ import annotations

import copy
import datetime as dt
import random
from typing import Any

import pytest
from sqlalchemy import select

from app.ratings import policy
from app.sync.protocol import RATING_KINDS
from db.models import Rating, RatingFollowup
from server.rating_ops import RATING_HANDLERS, store_rating
from server.schema import ChangeLog, HallParameter
from tests.server.attendance_kit import new_id, op, resend, status
from tests.server.kit import ServerKit
from tests.server.rating_kit import RATED_AT, RatingHall


@pytest.fixture
def hall(server: ServerKit) -> RatingHall:
    return RatingHall(server, server.enrol("01"))


def _rows(hall: RatingHall, entity: str) -> dict[str, Any]:
    rows, _ = hall.server.pull_all(hall.server.enrol("03"), hall.server.scope)
    return {k[1]: v for k, v in rows.items() if k[0] == entity}


# -- rating.record ----------------------------------------------------------------------------------

def test_every_rating_kind_has_a_handler() -> None:
    assert set(RATING_HANDLERS) == set(RATING_KINDS)


def test_a_good_rating_is_applied_once_and_pulled_by_other_counters(hall: RatingHall) -> None:
    rating = hall.rating(hall.case(), 5)
    first = hall.one(rating)
    assert status(first) == ("applied", None)
    assert first["row"]["level"] == 5 and first["related"] == []
    again = hall.one(resend(rating))
    assert status(again) == ("duplicate", "same_content") and again["row"] == first["row"]
    assert list(_rows(hall, "rating")) == [rating["entity_id"]]
    assert _rows(hall, "rating_followup") == {}


def test_a_bad_rating_opens_the_followup_the_server_computes_by_its_own_calendar(hall: RatingHall) -> None:
    with hall.server.db.write() as s:
        s.merge(HallParameter(hall_id=hall.server.hall_id, key="rating.rectify_days", value="5"))
    rating = hall.rating(hall.case(), 2)
    rating["payload"]["followup"]["rectify_due"] = "2026-12-31"  # the counter's calendar said otherwise
    answer = hall.one(rating)
    assert status(answer) == ("applied", None)
    due = hall.calendar.add_working_days(dt.date(2026, 3, 2), 5)
    followup = hall.held(RatingFollowup, policy.followup_id(rating["entity_id"]))
    assert followup is not None and followup["rectify_due"] == due.isoformat() == "2026-03-09"
    assert followup["status"] == "verify" and followup["opened_at"] == RATED_AT and followup["version"] == 1
    assert [r["row"] for r in answer["related"]] == [followup]
    assert _rows(hall, "rating_followup") == {followup["id"]: followup}
    with hall.server.db.snapshot() as s:
        ops = set(s.scalars(select(ChangeLog.op_id).where(ChangeLog.entity_id.in_(
            [rating["entity_id"], followup["id"]]))))
    assert ops == {rating["op_id"]}


def test_a_bad_rating_needs_the_followup_and_a_good_one_has_none(hall: RatingHall) -> None:
    bad = hall.rating(hall.case(), 1)
    for followup in (None, {**bad["payload"]["followup"], "id": new_id()},
                     {**bad["payload"]["followup"], "status": "closed"},
                     {**bad["payload"]["followup"], "staff_id": hall.staff["wangfang"]}, "x"):
        answer = hall.one(resend(bad, payload={**bad["payload"], "followup": followup}))
        assert status(answer) == ("rejected", "invalid_payload"), (followup, answer)
    good = hall.rating(hall.case(), 4)
    answer = hall.one(resend(good, payload={**good["payload"], "followup": bad["payload"]["followup"]}))
    assert status(answer) == ("rejected", "invalid_payload")
    with hall.server.db.snapshot() as s:
        assert s.scalars(select(Rating)).all() == [] and s.scalars(select(RatingFollowup)).all() == []


def test_the_rating_must_fit_the_case_and_its_state(hall: RatingHall) -> None:
    assert status(hall.one(hall.rating(hall.case("accepted"), 5))) == ("rejected", "rule_violation")
    assert status(hall.one(hall.rating(hall.case("completed"), 5, trigger="deliver"))) == \
        ("rejected", "rule_violation")
    assert status(hall.one(hall.rating(hall.case("delivered"), 5, trigger="deliver"))) == ("applied", None)
    assert status(hall.one(hall.rating(hall.case("delivered"), 5))) == ("applied", None)  # completed, then delivered
    assert status(hall.one(hall.rating(hall.case("received"), 3, trigger="receipt"))) == ("applied", None)
    assert status(hall.one(hall.rating(hall.case("voided"), 3, trigger="receipt"))) == ("rejected", "rule_violation")
    assert status(hall.one(hall.rating(new_id(), 5))) == ("conflict", "case_unknown")
    assert status(hall.one(hall.rating(hall.case(), 5, matter_id=new_id()))) == ("rejected", "invalid_payload")
    assert status(hall.one(hall.rating(hall.case(), 5, trigger="later"))) == ("rejected", "invalid_payload")
    enquiry = hall.enquiry()
    assert status(hall.one(hall.rating(enquiry, 5))) == ("conflict", "case_unknown")  # an enquiry is no case
    assert status(hall.one(hall.rating(enquiry, 5, trigger="enquiry"))) == ("applied", None)
    assert status(hall.one(hall.rating(hall.case(), 5, trigger="enquiry"))) == ("conflict", "case_unknown")


def test_the_rating_comes_from_this_hall_s_rating_screen_without_a_staff_actor(hall: RatingHall) -> None:
    case_id = hall.case()
    checks = {
        "actor": {**hall.rating(case_id, 5), "actor_id": hall.staff["zhangmin"]},  # never by or for the staff
        "id": hall.rating(case_id, 5, id=policy.rating_id(case_id, False)),
        "entity": {**hall.rating(case_id, 5), "entity_id": new_id()},
        "channel": hall.rating(case_id, 5, channel="mobile"),  # the phone's are the server's own
        "device": hall.rating(case_id, 5, device_id=hall.server.enrol("02").id),  # another enrolled PC
        "machine": hall.rating(case_id, 5, device_id="machine:1"),
        "future": hall.rating(case_id, 5, rated_at="2026-03-05T09:00:00"),
        "hall": hall.rating(case_id, 5, hall_id=new_id()),
    }
    for what, o in checks.items():
        answer = hall.one(o)
        assert answer["status"] == "rejected" and answer["code"] in ("invalid_payload", "wrong_hall"), (what, answer)
    staff = hall.rating(case_id, 5, staff_id=new_id())
    assert status(hall.one(staff)) == ("rejected", "unknown_reference")
    assert status(hall.one(hall.rating(case_id, 5, window_id=new_id()))) == ("rejected", "unknown_reference")
    # the PC's own install id (unknown to the server) is its id too; no staff and no window are allowed
    own = hall.rating(case_id, 5, device_id=new_id(), who=None, window=None)
    assert status(hall.one(own)) == ("applied", None)


@pytest.mark.parametrize(("field", "value", "why"), [
    ("level", 0, "level"), ("level", 6, "level"), ("level", 2.0, "level"), ("level", True, "level"),
    ("reasons", [], "reasons"), ("reasons", ["rude"], "reasons"), ("reasons", [1], "reasons"),
    ("reasons", "attitude", "reasons"), ("reasons", ["attitude", "attitude"], "reasons"),
    ("reasons", {"attitude": 1}, "reasons"),
    ("comment", "太" * 501, "comment"), ("comment", " 等了很久 ", "comment"), ("comment", "a\x00b", "comment"),
    ("callback_phone", "abc", "callback_phone"), ("callback_phone", "138-1234-5678", "callback_phone"),
    ("callback_phone", "123", "callback_phone"),
])
def test_level_reasons_comment_and_phone_are_checked_by_the_policy(hall: RatingHall, field: str, value: Any,
                                                                    why: str) -> None:
    rating = hall.rating(hall.case(), 2)
    rating["payload"]["rating"][field] = value
    answer = hall.one(rating)
    assert status(answer) == ("rejected", "invalid_payload"), answer
    assert f"{why}”" in answer["message"]  # “comment” or, by the generic checks, “rating.comment”


def test_an_unrated_row_has_no_level_reasons_or_phone_and_a_later_rating_may_follow(hall: RatingHall) -> None:
    case_id = hall.case()
    assert status(hall.one(hall.rating(case_id, None, reasons=["other"]))) == ("rejected", "invalid_payload")
    assert status(hall.one(hall.rating(case_id, None, id=policy.rating_id(case_id, True)))) == \
        ("rejected", "invalid_payload")
    unrated = hall.rating(case_id, None)
    assert unrated["payload"]["followup"] is None
    assert status(hall.one(unrated)) == ("applied", None)
    assert status(hall.one(resend(unrated))) == ("duplicate", "same_content")
    changed = hall.rating(case_id, None, trigger="receipt")  # the same id, other content
    assert status(hall.one(changed)) == ("conflict", "already_exists")
    assert status(hall.one(hall.rating(case_id, 5))) == ("applied", None)  # rated later (by phone, say)
    # the 未评价 again once the case is rated: the rating stands and the counter is given it
    answer = hall.one(resend(unrated, op_id=new_id()))
    assert status(answer) == ("conflict", "already_exists") and answer["row"]["level"] == 5


def test_the_phone_s_rating_wins_over_the_counter_s(hall: RatingHall) -> None:
    """A case rated by phone first (server.mobile_rating through store_rating): the counter's
    rating of it is a conflict answered with the phone's row; its own again is a duplicate."""
    case_id = hall.case()
    phone = Rating(id=policy.rating_id(case_id, True), hall_id=hall.server.hall_id, case_id=case_id,
                   window_id=hall.windows["01"], staff_id=hall.staff["zhangmin"], matter_id=hall.matter_id, level=1,
                   reasons=["efficiency"], comment="", callback_phone="", channel="mobile", trigger="complete",
                   device_id="mobile", rated_at=dt.datetime(2026, 3, 2, 9, 20))
    now = dt.datetime(2026, 3, 2, 1, 21)
    rid, fid = phone.id, policy.followup_id(phone.id)
    with hall.server.db.write() as s:
        followup = store_rating(s, hall.server.hall_id, phone, now)
        assert followup is not None and followup.id == fid and followup.rectify_due == dt.date(2026, 3, 23)
    with hall.server.db.snapshot() as s:
        logged = s.scalars(select(ChangeLog).where(ChangeLog.entity_id.in_([rid, fid]))).all()
        assert sorted((c.entity, c.op_id, c.at) for c in logged) == [("rating", None, now),
                                                                     ("rating_followup", None, now)]
    counter = hall.rating(case_id, 5)
    answer = hall.one(counter)
    assert status(answer) == ("conflict", "already_exists")
    assert answer["row"]["channel"] == "mobile" and answer["row"]["level"] == 1
    assert [r["id"] for r in answer["related"]] == [fid]
    assert status(hall.one(hall.rating(case_id, None))) == ("conflict", "already_exists")
    assert hall.held(Rating, policy.rating_id(case_id, False)) is None
    assert _rows(hall, "rating")[rid]["channel"] == "mobile"


def test_store_rating_writes_no_followup_for_a_good_rating(hall: RatingHall) -> None:
    case_id = hall.case()
    good = Rating(id=policy.rating_id(case_id, True), hall_id=hall.server.hall_id, case_id=case_id, window_id=None,
                  staff_id=None, matter_id=hall.matter_id, level=4, reasons=[], comment="", callback_phone="",
                  channel="mobile", trigger="complete", device_id="mobile", rated_at=dt.datetime(2026, 3, 2, 9, 20))
    rid = good.id
    with hall.server.db.write() as s:
        assert store_rating(s, hall.server.hall_id, good, dt.datetime(2026, 3, 2, 1, 21)) is None
    assert list(_rows(hall, "rating")) == [rid] and _rows(hall, "rating_followup") == {}


# -- 差评整改 ---------------------------------------------------------------------------------------

def test_a_bad_rating_is_verified_rectified_called_back_and_closed_in_order(hall: RatingHall) -> None:
    with hall.server.db.write() as s:
        s.merge(HallParameter(hall_id=hall.server.hall_id, key="rating.callback_days", value="3"))
    _, fid = hall.bad_rating()
    steps = [hall.step("followup.verify", fid, at="2026-03-02T09:31:00"),
             hall.step("followup.rectify", fid, "liqiang", 2, at="2026-03-02T09:32:00"),  # the department's chief
             hall.step("followup.callback", fid, from_version=3, at="2026-03-02T09:33:00", result="unreachable",
                       note="电话无人接听"),
             hall.step("followup.callback", fid, from_version=4, at="2026-03-02T09:34:00"),  # tried again
             hall.step("followup.close", fid, from_version=5, at="2026-03-02T09:35:00")]
    for step, expected in zip(steps, ["rectify", "callback", "callback", "callback", "closed"], strict=True):
        answer = hall.one(step)
        assert status(answer) == ("applied", None), (step["kind"], answer)
        assert answer["row"]["status"] == expected
        assert status(hall.one(resend(step))) == ("duplicate", "same_content")
    held = hall.held(RatingFollowup, fid)
    assert held is not None and held["version"] == 6
    assert (held["verified_by"], held["verify_finding"], held["rectified_by"], held["measures"]) == \
        (hall.staff["sunduc"], "substantiated", hall.staff["liqiang"], "组织窗口服务规范培训")
    assert (held["callback_result"], held["callback_at"], held["closed_by"]) == \
        ("satisfied", "2026-03-02T09:34:00", hall.staff["sunduc"])
    assert held["callback_due"] == hall.calendar.add_working_days(dt.date(2026, 3, 2), 3).isoformat()
    assert _rows(hall, "rating_followup")[fid] == held


def test_steps_out_of_order_stale_or_unknown_are_refused(hall: RatingHall) -> None:
    _, fid = hall.bad_rating()
    assert status(hall.one(hall.step("followup.rectify", fid, "sunduc"))) == ("rejected", "illegal_transition")
    assert status(hall.one(hall.step("followup.close", fid))) == ("rejected", "illegal_transition")
    assert status(hall.one(hall.step("followup.verify", fid, from_version=2))) == ("conflict", "state_mismatch")
    assert status(hall.one(hall.step("followup.verify", new_id()))) == ("conflict", "case_unknown")
    assert status(hall.one(hall.step("followup.verify", fid, at="2026-02-20T09:00:00"))) == \
        ("rejected", "invalid_payload")  # before the rating
    assert status(hall.one(hall.step("followup.verify", fid, at="2026-03-09T09:00:00"))) == \
        ("rejected", "invalid_payload")  # in the server's future
    assert status(hall.one(hall.step("followup.verify", fid))) == ("applied", None)
    assert status(hall.one(hall.step("followup.verify", fid, from_version=1, note="另一次核实"))) == \
        ("conflict", "state_mismatch")
    assert status(hall.one(hall.step("followup.rectify", fid, "liqiang", 2, measures="  "))) == \
        ("rejected", "invalid_payload")
    assert status(hall.one(hall.step("followup.rectify", fid, "liqiang", 2))) == ("applied", None)
    # close needs a call-back result first
    assert status(hall.one(hall.step("followup.close", fid, from_version=3))) == ("rejected", "rule_violation")
    assert hall.held(RatingFollowup, fid)["status"] == "callback"  # type: ignore[index]


def test_who_may_take_each_step_is_the_permission_table_on_the_rated_window(hall: RatingHall) -> None:
    _, fid = hall.bad_rating()  # window 01 (市场监管, SCJ)
    for who in ("zhangmin", "liqiang", "chenzr", "liuyang"):  # only the supervisor verifies
        assert status(hall.one(hall.step("followup.verify", fid, who))) == ("rejected", "not_permitted"), who
    assert status(hall.one(hall.step("followup.verify", fid))) == ("applied", None)
    for who in ("chenjing", "zhangmin"):  # another department's chief; a clerk
        assert status(hall.one(hall.step("followup.rectify", fid, who, 2))) == ("rejected", "not_permitted"), who
    _, other = hall.bad_rating("chenjing", "06")
    assert status(hall.one(hall.step("followup.verify", other))) == ("applied", None)
    assert status(hall.one(hall.step("followup.rectify", other, "chenjing", 2))) == ("applied", None)
    assert status(hall.one(hall.step("followup.callback", other, "liqiang", 3))) == ("rejected", "not_permitted")
    # no such follow-up: the role is judged, then the handler answers
    assert status(hall.one(hall.step("followup.rectify", new_id(), "liqiang"))) == ("conflict", "case_unknown")


@pytest.mark.parametrize(("kind", "field", "value"), [
    ("followup.verify", "finding", "maybe"), ("followup.callback", "result", "happy"),
    ("followup.verify", "note", 5), ("followup.verify", "at", "yesterday"), ("followup.verify", "from_version", 0),
    ("followup.verify", "from_version", "1"), ("followup.verify", "id", None),
])
def test_a_step_s_fields_are_checked(hall: RatingHall, kind: str, field: str, value: Any) -> None:
    _, fid = hall.bad_rating()
    if kind == "followup.callback":
        hall.push(hall.step("followup.verify", fid), hall.step("followup.rectify", fid, from_version=2))
    step = hall.step(kind, fid, from_version=1 if kind == "followup.verify" else 3)
    step["payload"][field] = value
    assert status(hall.one(step)) == ("rejected", "invalid_payload")


# -- 申诉复核 ---------------------------------------------------------------------------------------

def test_the_rated_person_appeals_once_and_the_leadership_decides(hall: RatingHall) -> None:
    rating_id, _ = hall.bad_rating()
    appeal = hall.appeal(rating_id)
    assert status(hall.one(appeal)) == ("applied", None)
    assert status(hall.one(resend(appeal))) == ("duplicate", "same_content")
    second = hall.one(hall.appeal(rating_id, ground="malicious"))
    assert status(second) == ("conflict", "already_exists") and second["row"]["id"] == appeal["entity_id"]
    for who in ("zhangmin", "liuyang", "sunduc"):  # only the leadership decides
        answer = hall.one(hall.decide_appeal(appeal["entity_id"], who))
        assert status(answer) == ("rejected", "not_permitted"), who
    assert status(hall.one(hall.decide_appeal(appeal["entity_id"], from_version=2))) == ("conflict", "state_mismatch")
    decision = hall.decide_appeal(appeal["entity_id"])
    answer = hall.one(decision)
    assert status(answer) == ("applied", None)
    assert (answer["row"]["status"], answer["row"]["decided_by"], answer["row"]["version"]) == \
        ("upheld", hall.staff["chenzr"], 2)
    assert status(hall.one(resend(decision))) == ("duplicate", "same_content")
    assert status(hall.one(hall.decide_appeal(appeal["entity_id"], upheld=False, from_version=2))) == \
        ("rejected", "illegal_transition")
    assert hall.held(Rating, rating_id) is not None  # the rating stays, with the decision on the record
    assert _rows(hall, "rating_appeal")[appeal["entity_id"]]["status"] == "upheld"


def test_an_appeal_is_one_s_own_on_a_rating_with_a_level(hall: RatingHall) -> None:
    rating_id, _ = hall.bad_rating()
    other = hall.appeal(rating_id, "wangfang")  # not the rated person
    assert status(hall.one(other)) == ("rejected", "not_permitted")
    forged = hall.appeal(rating_id, staff_id=hall.staff["zhangmin"])
    forged["actor_id"] = hall.staff["wangfang"]  # in someone else's name
    assert status(hall.one(forged)) == ("rejected", "not_permitted")
    unrated_case = hall.case()
    hall.one(hall.rating(unrated_case, None))
    assert status(hall.one(hall.appeal(policy.rating_id(unrated_case, False)))) == ("rejected", "rule_violation")
    assert status(hall.one(hall.appeal(new_id()))) == ("conflict", "case_unknown")
    for over in ({"ground": "unfair"}, {"reason": " "}, {"status": "upheld"}, {"decided_by": hall.staff["chenzr"]},
                 {"version": 2}, {"appealed_at": "2026-02-01T09:00:00"}, {"hall_id": new_id()}):
        answer = hall.one(hall.appeal(rating_id, **over))
        assert answer["status"] == "rejected" and answer["code"] in ("invalid_payload", "wrong_hall"), (over, answer)
    assert status(hall.one(hall.decide_appeal(new_id()))) == ("conflict", "case_unknown")


def test_a_leader_never_decides_their_own_appeal(hall: RatingHall) -> None:
    rating_id, _ = hall.bad_rating("chenzr")  # rated while serving at window 01
    appeal = hall.appeal(rating_id, "chenzr")
    assert status(hall.one(appeal)) == ("applied", None)
    answer = hall.one(hall.decide_appeal(appeal["entity_id"], "chenzr"))
    assert status(answer) == ("rejected", "not_permitted") and "不能由本人" in answer["message"]


# -- hostile payloads ---------------------------------------------------------------------------------

BAD_VALUES: list[Any] = [7, -1, 2**70, -(2**63), "\ud800", "a\udfffb", {"x": "y"}, True, None, "x" * 5000,
                         "2026-13-45T99:00:00", [1], [None], 1.5e300, float("nan"), "", "null"]


def _valid_ops(hall: RatingHall) -> dict[str, dict[str, Any]]:
    """One valid op of each rating kind; the state ops refer to rows applied first."""
    rating_id, verify = hall.bad_rating()
    rectify, callback, close = (hall.bad_rating()[1] for _ in range(3))
    for fid, steps in ((rectify, 1), (callback, 2), (close, 3)):
        for version, kind in enumerate(("followup.verify", "followup.rectify", "followup.callback")[:steps], 1):
            assert status(hall.one(hall.step(kind, fid, from_version=version))) == ("applied", None)
    appeal = hall.appeal(rating_id)
    assert status(hall.one(appeal)) == ("applied", None)
    return {"rating.record": hall.rating(hall.case(), 2), "followup.verify": hall.step("followup.verify", verify),
            "followup.rectify": hall.step("followup.rectify", rectify, from_version=2),
            "followup.callback": hall.step("followup.callback", callback, from_version=3),
            "followup.close": hall.step("followup.close", close, from_version=4),
            "rating.appeal": hall.appeal(hall.bad_rating()[0]),
            "rating.appeal_decide": hall.decide_appeal(appeal["entity_id"])}


def _paths(payload: dict[str, Any]) -> list[tuple[str, ...]]:
    paths: list[tuple[str, ...]] = []
    for key, value in payload.items():
        if key in ("rating", "followup") and isinstance(value, dict):
            paths += [(key, k) for k in value]
        paths.append((key,))
    return paths


def _set(payload: dict[str, Any], path: tuple[str, ...], value: Any, drop: bool = False) -> dict[str, Any]:
    out = copy.deepcopy(payload)
    target = out
    for step in path[:-1]:
        target = target[step]
    if drop:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return out


def _harmless(kind: str, path: tuple[str, ...], original: Any, value: Any) -> bool:
    """A replacement the op may rightly be applied with."""
    key = path[-1]
    if value == original and type(value) is type(original):
        return True
    if key in ("note", "comment", "reason", "measures") and isinstance(value, str):  # free text the op may carry
        return len(value) <= 500 and "\ud800" not in value and "\udfff" not in value \
            and bool(value.strip() or key not in ("reason", "measures"))
    if key == "callback_phone" and value == "":
        return True
    # neither is required (the follow-up then differs: refused, which is fine too)
    return key in ("window_id", "staff_id") and path[0] == "rating" and value is None


def test_every_field_of_every_kind_is_checked_and_a_bad_one_never_a_server_error(hall: RatingHall) -> None:
    valid = _valid_ops(hall)
    assert set(valid) == set(RATING_KINDS)
    before = hall.server.footprint()["changes"]
    for kind, good in valid.items():
        for path in _paths(good["payload"]):
            original: Any = good["payload"]
            for step in path:
                original = original[step]
            tried = [("missing", resend(good, payload=_set(good["payload"], path, None, drop=True)))]
            tried += [(value, resend(good, payload=_set(good["payload"], path, value))) for value in BAD_VALUES
                      if not _harmless(kind, path, original, value)]
            for (value, _), answer in zip(tried, hall.push(*(o for _, o in tried)), strict=True):
                assert answer["status"] in ("rejected", "conflict"), (kind, path, value, answer)
    assert hall.server.footprint()["changes"] == before


def test_random_hostile_payloads_are_refused_and_the_server_keeps_answering(hall: RatingHall) -> None:
    valid = _valid_ops(hall)
    rng = random.Random(13)
    junk: list[Any] = [*BAD_VALUES, {}, [], {"rating": {}}, {"id": "\ud800"}, 10**30, "😀" * 40]
    before = hall.server.footprint()["changes"]
    for i in range(120):
        kind = rng.choice(sorted(valid))
        good = valid[kind]
        payload = copy.deepcopy(good["payload"])
        for path in rng.sample(_paths(payload), k=min(3, len(_paths(payload)))):
            try:
                payload = _set(payload, path, rng.choice(junk), drop=rng.random() < 0.2)
            except (KeyError, TypeError):
                continue  # the parent was replaced already
        entity_id = rng.choice([good["entity_id"], "\ud800", "x" * 36, new_id()])
        r = hall.post([resend(good, payload=payload, entity_id=entity_id)])
        if entity_id == "\ud800":  # the wire format refuses it before any handler runs
            assert r.status_code == 422, r.text
            continue
        assert r.status_code == 200, r.text
        answer = r.json()["results"][0]
        assert answer["status"] in ("rejected", "conflict", "duplicate"), (i, kind, payload, answer)
    for payload in ({}, {"rating": None, "followup": None}, {"rating": [], "followup": {}}):
        answer = hall.one(op("rating.record", new_id(), None, payload))
        assert status(answer) == ("rejected", "invalid_payload"), payload
    assert hall.server.footprint()["changes"] == before
    assert status(hall.one(hall.rating(hall.case(), 5))) == ("applied", None)


# -- a real counter ------------------------------------------------------------------------------------

def test_a_real_counter_s_bad_rating_and_verification_are_applied_as_the_counter_wrote_them(
        server: ServerKit, counters: Any) -> None:
    from app.ratings.booth import AlreadyRated, RatingBooth
    from tests.server.kit import actor, intake, outbox

    counter = counters.new("rating")
    device = server.enrol("01")
    view = intake(counter)
    clerk = actor(counter)
    done = counter.lifecycle.complete(clerk, view.id, view.version, approved=True, result="准予许可")
    booth = RatingBooth(counter.ctx)
    prompt = booth.prompt(done.id, "complete")
    assert prompt is not None
    receipt = booth.record(prompt, 2, ["attitude", "efficiency"], "态度不好", "138 1234 5678")
    assert receipt.bad
    with pytest.raises(AlreadyRated):
        booth.record(prompt, 5)
    ops = outbox(counter)
    assert [o["kind"] for o in ops] == ["case.open", "case.complete", "rating.record"]
    answers = server.push(device, ops)["results"]
    assert [(a["status"], a["code"]) for a in answers] == [("applied", None)] * 3, answers
    rating = answers[2]["row"]
    assert (rating["level"], rating["reasons"], rating["callback_phone"]) == (2, ["attitude", "efficiency"],
                                                                             "13812345678")
    counter_followup = ops[2]["payload"]["followup"]
    assert [r["row"] for r in answers[2]["related"]] == [counter_followup]  # the same calendar: the same due date
    supervisor = actor(counter, "sunduc")
    counter.ratings.verify(supervisor, counter_followup["id"], 1, "substantiated", "已核实")
    step = outbox(counter, after=ops[-1]["client_seq"])
    assert [o["kind"] for o in step] == ["followup.verify"]
    answer = server.push(device, step)["results"][0]
    assert (answer["status"], answer["row"]["status"], answer["row"]["verified_by"]) == \
        ("applied", "rectify", supervisor.id)
    assert server.push(device, step)["results"][0] == answer  # replayed: the stored answer
