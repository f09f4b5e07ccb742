"""The attendance ops on the server, on SQLite and PostgreSQL: each handler's applied / duplicate /
conflict / rejected answers, malformed payloads of every kind rejected (never a 500), the leave
tiers of the permission table, AB岗 (A and B away at once) and overlaps checked against the
server's rows across two devices, 补签 limits, schedule versions, 查岗 and the published month."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from sqlalchemy import select

from app.sync.protocol import ATTENDANCE_KINDS
from db.models import AttendanceImport, LeaveRequest, Punch
from tests.server.attendance_kit import Hall, new_id, op, resend, status
from tests.server.kit import ServerKit


@pytest.fixture
def hall(server: ServerKit) -> Hall:
    return Hall(server, server.enrol("01"))


# -- punches --------------------------------------------------------------------------------------

def test_a_punch_is_applied_once_and_pulled_by_other_counters(hall: Hall) -> None:
    punch = hall.punch()
    first = hall.one(punch)
    assert status(first) == ("applied", None) and first["row"]["flag"] == ""
    again = hall.one(resend(punch))
    assert status(again) == ("duplicate", "same_content") and again["row"] == first["row"]
    # the same punch under another id (a counter re-created it): duplicate, the held row echoed
    twin = copy.deepcopy(hall.punch())
    twin["payload"]["at"] = punch["payload"]["at"]
    answer = hall.one(twin)
    assert status(answer) == ("duplicate", "same_content") and answer["row"]["id"] == punch["entity_id"]
    rows, _ = hall.server.pull_all(hall.server.enrol("02"), hall.server.scope)
    assert [k for k in rows if k[0] == "punch"] == [("punch", punch["entity_id"])]


def test_a_punch_for_someone_else_or_from_another_pc_is_refused(hall: Hall) -> None:
    other = hall.punch("wangfang")
    other["actor_id"] = hall.staff["zhangmin"]
    assert status(hall.one(other)) == ("rejected", "not_permitted")
    foreign = hall.punch(device_id=hall.server.enrol("02").id)  # another enrolled PC
    assert status(hall.one(foreign)) == ("rejected", "invalid_payload")
    assert status(hall.one(hall.punch(device_id="machine:7"))) == ("rejected", "invalid_payload")
    machine = hall.punch(source="machine")
    assert status(hall.one(machine)) == ("rejected", "invalid_payload")
    with hall.server.db.snapshot() as s:
        assert s.scalars(select(Punch)).all() == []


def test_the_server_flags_a_punch_from_a_skewed_clock_or_arriving_late_and_keeps_the_stricter_flag(
        hall: Hall) -> None:
    skewed = {**hall.punch(), "clock_skew_seconds": -900.0}
    answer = hall.one(skewed)
    assert answer["status"] == "applied" and "相差约 15 分钟" in answer["row"]["flag"]
    late = hall.punch(at="2026-03-02T08:40:00")  # said online, arrives 50 minutes later
    answer = hall.one(late)
    assert answer["status"] == "applied" and "50 分钟后才送达" in answer["row"]["flag"]
    own = hall.punch(at="2026-03-02T08:41:00", offline=True, flag="离线打卡，待核")
    answer = hall.one(own)
    assert answer["row"]["flag"] == "离线打卡，待核"  # offline: its own flag says it
    both = {**hall.punch(at="2026-03-02T09:28:00", flag="时钟回拨，待核"), "clock_skew_seconds": 600.0}
    assert hall.one(both)["row"]["flag"].startswith("时钟回拨，待核；中心核对")
    absurd = {**hall.punch(at="2026-03-02T09:27:00"), "clock_skew_seconds": 1e300, "created_at": "0001-01-01T00:00:00"}
    assert "严重不符" in hall.one(absurd)["row"]["flag"]


# -- malformed payloads of every kind ----------------------------------------------------------------

def _valid_ops(hall: Hall) -> dict[str, dict[str, Any]]:
    """One valid op of each kind; the state ops refer to rows applied first."""
    leave, makeup = hall.leave(), hall.makeup()
    inspection = hall.inspection(hall.windows["01"])
    assert [r["status"] for r in hall.push(leave, makeup, inspection)] == ["applied"] * 3
    return {
        "punch.add": hall.punch(), "attendance.import": hall.machine_import(punches=[("zhaoli", NOW)]),
        "leave.request": hall.leave(starts="2026-03-10T08:30:00", ends="2026-03-10T17:30:00"),
        "leave.decide": hall.decide(leave["entity_id"], "liqiang"),
        "leave.cancel": hall.cancel(leave["entity_id"]),
        "makeup.request": hall.makeup(slot="end", claimed="2026-02-27T17:35:00"),
        "makeup.decide": hall.decide_makeup(makeup["entity_id"]),
        "schedule.set": hall.schedule(), "inspection.record": hall.inspection(hall.windows["02"]),
        "inspection.respond": hall.respond(inspection["entity_id"]), "attendance.publish": hall.publish(),
    }


NOW = "2026-03-02T08:31:00"
BAD_VALUES = [7, 2**70, "\ud800", {"x": "y"}, True, None, "x" * 5000, "2026-13-45T99:00:00", [1], 1.5e300]


def _fields(payload: dict[str, Any]) -> list[tuple[str, ...]]:
    """Paths of every field of a payload (one level into the import's rows)."""
    paths: list[tuple[str, ...]] = []
    for key, value in payload.items():
        if isinstance(value, dict) and key in ("import",):
            paths += [(key, k) for k in value]
        elif isinstance(value, list) and key == "punches":
            paths += [(key, "0", k) for k in value[0]]
        else:
            paths.append((key,))
    return paths


def _set(payload: dict[str, Any], path: tuple[str, ...], value: Any) -> dict[str, Any]:
    out = copy.deepcopy(payload)
    target: Any = out
    for step in path[:-1]:
        target = target[int(step)] if isinstance(target, list) else target[step]
    target[path[-1]] = value
    return out


NULLABLE = {"clock_offset_seconds", "import_id", "cover_staff_id", "decided_by", "decided_at", "responded_at"}
FREE_TEXT = {"note", "reason", "decision_note", "response_note", "flag", "file_name", "photo_name"}
INVALID_TEXT = ("\ud800", "x" * 5000)


def _also_valid(kind: str, path: tuple[str, ...], original: Any, value: Any) -> bool:
    """A replacement the column may hold as well (so the op could rightly be applied)."""
    key = path[-1]
    if value == original and type(value) is type(original):
        return True
    if value is None:
        return key in NULLABLE or (kind == "inspection.record" and key == "staff_id")
    if isinstance(original, bool) and isinstance(value, bool):
        return True
    if key in FREE_TEXT and isinstance(value, str):
        return value not in INVALID_TEXT
    if key == "clock_offset_seconds":
        return isinstance(value, int | float) and not isinstance(value, bool) and abs(value) < 1e8
    if key == "rows_total":  # more rows than taken (problems): fine
        return isinstance(value, int) and not isinstance(value, bool) and 1 <= value < 2**31
    if key in ("mapping", "sheet"):
        return isinstance(value, dict)
    return key == "problems" and isinstance(value, list)


def test_every_field_of_every_kind_is_checked_and_a_bad_one_is_rejected_not_a_server_error(hall: Hall) -> None:
    valid = _valid_ops(hall)
    assert set(valid) == set(ATTENDANCE_KINDS)
    before = hall.server.footprint()["changes"]
    for kind, good in valid.items():
        for path in _fields(good["payload"]):
            for value in BAD_VALUES:
                original: Any = good["payload"]
                for step in path:
                    original = original[int(step)] if isinstance(original, list) else original[step]
                if _also_valid(kind, path, original, value):
                    continue
                bad = resend(good, payload=_set(good["payload"], path, value))
                answer = hall.one(bad)
                assert answer["status"] in ("rejected", "conflict"), (kind, path, value, answer)
    assert hall.server.footprint()["changes"] == before


def test_a_payload_that_is_not_an_object_or_lacks_fields_is_rejected(hall: Hall) -> None:
    leave = hall.leave()
    for payload in ({}, {"id": leave["entity_id"]}, {"import": [], "punches": {}}):
        answer = hall.one(resend(leave, payload=payload))
        assert status(answer) == ("rejected", "invalid_payload"), (payload, answer)
    for payload in ([], "x"):  # the wire format itself refuses these
        assert hall.post([resend(leave, payload=payload)]).status_code == 422


# -- leave ----------------------------------------------------------------------------------------

def test_leave_request_decide_cancel_and_their_refusals(hall: Hall) -> None:
    request = hall.leave()
    lid = request["entity_id"]
    assert status(hall.one(request)) == ("applied", None)
    assert status(hall.one(resend(request))) == \
        ("duplicate", "same_content")
    # a clerk may not approve; nor may anyone approve their own leave
    refused = hall.one(hall.decide(lid, "wangfang"))
    assert status(refused) == ("rejected", "not_permitted") and "首席代表" in refused["message"]
    assert status(hall.one(hall.decide(lid, "zhangmin"))) == ("rejected", "not_permitted")
    # a chief of another department may not
    assert status(hall.one(hall.decide(lid, "chenjing"))) == ("rejected", "not_permitted")
    decided = hall.one(hall.decide(lid, "liqiang"))
    assert status(decided) == ("applied", None)
    assert (decided["row"]["status"], decided["row"]["version"], decided["row"]["decided_by"]) == \
        ("approved", 2, hall.staff["liqiang"])
    # the same decision again: duplicate; an offline decision of the old version: conflict with the held row
    again = hall.decide(lid, "liqiang")
    again["payload"]["decided_at"] = "2026-03-02T09:35:00"
    assert status(hall.one(again)) == ("duplicate", "same_content")
    stale = hall.one(hall.decide(lid, "liuyang", approve=False))
    assert status(stale) == ("conflict", "state_mismatch") and stale["row"]["status"] == "approved"
    # cancel: only the requester, only before it starts, only from the held version
    assert status(hall.one(hall.cancel(lid, who="liqiang", from_version=2))) == ("rejected", "not_permitted")
    assert status(hall.one(hall.cancel(lid, from_version=1))) == ("conflict", "state_mismatch")
    assert status(hall.one(hall.cancel(lid, from_version=2, at="2026-03-04T09:00:00"))) == \
        ("rejected", "rule_violation")
    cancelled = hall.one(hall.cancel(lid, from_version=2))
    assert status(cancelled) == ("applied", None) and cancelled["row"]["status"] == "cancelled"
    assert cancelled["row"]["version"] == 3


def test_a_two_day_leave_needs_the_business_section_and_a_longer_one_the_leadership(hall: Hall) -> None:
    two = hall.leave(starts="2026-03-04T08:30:00", ends="2026-03-05T17:30:00", days=2.0,
                     approval="leave.approve_two_days")
    long = hall.leave("wangfang", starts="2026-03-09T08:30:00", ends="2026-03-13T17:30:00", days=5.0,
                      approval="leave.approve_longer")
    wrong_tier = hall.leave("zhaoli", starts="2026-03-09T08:30:00", ends="2026-03-13T17:30:00", days=5.0)
    answers = hall.push(two, long, wrong_tier)
    assert [a["status"] for a in answers[:2]] == ["applied", "applied"]
    assert status(answers[2]) == ("rejected", "invalid_payload") and "审批层级" in answers[2]["message"]
    chief = hall.one(hall.decide(two["entity_id"], "liqiang"))
    assert status(chief) == ("rejected", "not_permitted") and "中心业务科" in chief["message"]
    business = hall.one(hall.decide(long["entity_id"], "liuyang"))
    assert status(business) == ("rejected", "not_permitted") and "中心领导" in business["message"]
    assert status(hall.one(hall.decide(two["entity_id"], "liuyang"))) == ("applied", None)
    assert status(hall.one(hall.decide(long["entity_id"], "chenzr"))) == ("applied", None)


def test_overlapping_leave_sent_from_two_devices_is_refused_by_the_server(hall: Hall) -> None:
    other = hall.server.enrol("02")
    first = hall.leave()
    second = hall.leave(starts="2026-03-04T14:00:00", ends="2026-03-05T12:00:00")
    assert hall.one(first)["status"] == "applied"
    answer = hall.one(second, device=other)
    assert status(answer) == ("rejected", "rule_violation") and "时间重叠" in answer["message"]
    with hall.server.db.snapshot() as s:
        assert len(s.scalars(select(LeaveRequest)).all()) == 1


def test_a_and_b_away_at_once_goes_to_the_leadership_who_must_name_a_cover(hall: Hall) -> None:
    other = hall.server.enrol("02")
    # window 01: A zhangmin, B liqiang, both ask for Wednesday afternoon, from two PCs: both held (pending)
    mine = hall.leave()
    his = hall.leave("liqiang", starts="2026-03-04T14:00:00", ends="2026-03-04T17:30:00", days=0.5)
    assert hall.one(mine)["status"] == "applied" and hall.one(his, device=other)["status"] == "applied"
    # two counters approve offline: the first to arrive is applied, the second is checked against it
    assert hall.one(hall.decide(his["entity_id"], "liuyang"), device=other)["status"] == "applied"
    refused = hall.one(hall.decide(mine["entity_id"], "liuyang"))
    assert status(refused) == ("rejected", "rule_violation")
    assert "01号窗口" in refused["message"] and "李强" in refused["message"]
    # a new request of hers overlapping his approved leave goes to the leadership, also when her PC
    # did not know of his leave and asked at the usual tier: the server holds it at the leaders' tier
    with hall.server.db.write() as s:
        s.get(LeaveRequest, mine["entity_id"]).status = "rejected"
    to_leaders = hall.one(hall.leave(starts="2026-03-04T14:00:00", ends="2026-03-04T17:30:00", days=0.5))
    assert status(to_leaders) == ("applied", None) and to_leaders["row"]["approval"] == "leave.approve_longer"
    wrong = hall.one(hall.leave(starts="2026-03-06T08:30:00", ends="2026-03-06T17:30:00",
                                approval="leave.approve_two_days"))
    assert status(wrong) == ("rejected", "invalid_payload")  # a tier that is neither its length's nor the leaders'
    assert status(hall.one(hall.decide(to_leaders["entity_id"], "liuyang"))) == ("rejected", "not_permitted")
    with hall.server.db.write() as s:
        s.get(LeaveRequest, mine["entity_id"]).status = "pending"
        s.get(LeaveRequest, to_leaders["entity_id"]).status = "cancelled"
    # a cover named by someone without the leadership's permission does not lift it
    assert status(hall.one(hall.decide(mine["entity_id"], "liuyang", cover="wangfang"))) == \
        ("rejected", "rule_violation")
    led = hall.one(hall.decide(mine["entity_id"], "chenzr", cover="wangfang"))
    assert status(led) == ("applied", None) and led["row"]["cover_staff_id"] == hall.staff["wangfang"]


# -- 补签 -------------------------------------------------------------------------------------------

def test_makeup_within_the_limit_is_applied_and_decided_by_the_chief_not_oneself(hall: Hall) -> None:
    makeup = hall.makeup()  # Friday 27 Feb, asked Monday 2 Mar: 1 working day later
    assert status(hall.one(makeup)) == ("applied", None)
    too_late = hall.makeup(day="2026-02-24", claimed="2026-02-24T08:20:00")  # 4 working days
    assert status(hall.one(too_late)) == ("rejected", "rule_violation")
    wrong_day = hall.makeup(slot="end", claimed="2026-02-26T17:40:00")
    assert status(hall.one(wrong_day)) == ("rejected", "invalid_payload")
    weekend = hall.makeup(day="2026-02-28", claimed="2026-02-28T08:20:00", slot="bogus")
    assert status(hall.one(weekend)) == ("rejected", "invalid_payload")
    assert status(hall.one(resend(makeup, entity_id=new_id()))) == ("rejected", "invalid_payload")  # id differs
    assert status(hall.one(hall.decide_makeup(makeup["entity_id"], "zhangmin"))) == ("rejected", "not_permitted")
    assert status(hall.one(hall.decide_makeup(makeup["entity_id"], "wangfang"))) == ("rejected", "not_permitted")
    assert status(hall.one(hall.decide_makeup(makeup["entity_id"]))) == ("applied", None)
    assert status(hall.one(hall.decide_makeup(makeup["entity_id"], "liuyang"))) == ("conflict", "state_mismatch")


# -- schedule, 查岗, import, publish ----------------------------------------------------------------

def test_schedule_versions_are_numbered_by_the_server_and_their_content_checked(hall: Hall) -> None:
    assert status(hall.one(hall.schedule(1))) == ("applied", None)
    stale = hall.one(hall.schedule(1))
    assert status(stale) == ("conflict", "state_mismatch") and stale["row"]["version"] == 1
    assert status(hall.one(hall.schedule(3))) == ("conflict", "state_mismatch")
    broken = hall.schedule(2, content={"timetables": [], "punches_per_day": 3})
    assert status(hall.one(broken)) == ("rejected", "rule_violation")
    assert status(hall.one(hall.schedule(2, who="zhangmin"))) == ("rejected", "not_permitted")
    assert status(hall.one(hall.schedule(2))) == ("applied", None)


def test_an_inspection_is_recorded_and_answered_once_by_the_staff_member(hall: Hall) -> None:
    record = hall.inspection(hall.windows["01"])
    assert status(hall.one(record)) == ("applied", None)
    assert status(hall.one(hall.inspection(hall.windows["01"], who="zhangmin"))) == ("rejected", "not_permitted")
    assert status(hall.one(hall.inspection(hall.windows["01"], finding="睡觉"))) == ("rejected", "invalid_payload")
    assert status(hall.one(hall.inspection("no-such-window"))) == ("rejected", "unknown_reference")
    assert status(hall.one(hall.respond(record["entity_id"], who="wangfang"))) == ("rejected", "not_permitted")
    answered = hall.one(hall.respond(record["entity_id"]))
    assert status(answered) == ("applied", None) and answered["row"]["response"] == "disputed"
    again = hall.one(hall.respond(record["entity_id"], response="confirmed"))
    assert status(again) == ("conflict", "state_mismatch") and again["row"]["response"] == "disputed"


def test_a_machine_import_merges_punches_already_held(hall: Hall) -> None:
    first = hall.machine_import(punches=[("zhangmin", "2026-03-02T08:21:00"), ("wangfang", "2026-03-02T08:25:00")])
    assert status(hall.one(first)) == ("applied", None)
    assert status(hall.one(resend(first))) == \
        ("duplicate", "same_content")
    # the same file again under a new import: its punches are held already, the import row is kept
    second = hall.machine_import(punches=[("zhangmin", "2026-03-02T08:21:00"), ("zhaoli", "2026-03-02T08:26:00")])
    assert status(hall.one(second)) == ("applied", None)
    with hall.server.db.snapshot() as s:
        assert len(s.scalars(select(Punch)).all()) == 3 and len(s.scalars(select(AttendanceImport)).all()) == 2
    assert status(hall.one(hall.machine_import("zhangmin"))) == ("rejected", "not_permitted")
    stranger = hall.machine_import(punches=[("zhangmin", "2026-03-02T08:30:00")])
    stranger["payload"]["punches"][0]["staff_id"] = "nobody"
    assert status(hall.one(stranger)) == ("rejected", "unknown_reference")
    counter_row = hall.machine_import(punches=[("zhangmin", "2026-03-02T08:31:00")])
    counter_row["payload"]["punches"][0]["source"] = "counter"
    assert status(hall.one(counter_row)) == ("rejected", "invalid_payload")


def test_a_published_month_is_the_servers_own_sheet_and_versions_need_a_reason(hall: Hall) -> None:
    pytest.importorskip("app.attendance.rules")
    assert hall.one(hall.punch(at="2026-02-27T08:29:00"))["status"] == "applied"
    first = hall.one(hall.publish())
    assert status(first) == ("applied", None)
    sheet = first["row"]["sheet"]
    assert sheet != {"counter": "sheet"} and "people" in sheet
    assert status(hall.one(hall.publish())) == ("conflict", "state_mismatch")
    assert status(hall.one(hall.publish(version=2))) == ("rejected", "invalid_payload")
    assert status(hall.one(hall.publish(version=2, reason="补签后更正", who="zhangmin"))) == \
        ("rejected", "not_permitted")
    assert status(hall.one(hall.publish(version=2, reason="补签后更正"))) == ("applied", None)


def test_unknown_rows_of_state_ops_are_conflicts_not_errors(hall: Hall) -> None:
    missing = new_id()
    assert status(hall.one(hall.decide(missing, "liuyang"))) == ("conflict", "case_unknown")
    assert status(hall.one(hall.cancel(missing))) == ("conflict", "case_unknown")
    assert status(hall.one(hall.respond(missing))) == ("conflict", "case_unknown")
    assert status(hall.one(hall.decide_makeup(missing, "liuyang"))) == ("conflict", "case_unknown")
    assert status(hall.one(op("leave.decide", missing, hall.staff["liuyang"], {"id": 5}))) == \
        ("rejected", "invalid_payload")


# -- AB岗 cover on intake --------------------------------------------------------------------------

def _away(hall: Hall, who: str, cover: str | None = None) -> None:
    """An approved leave of ``who`` the server holds, covering the whole test morning."""
    import datetime as dt

    with hall.server.db.write() as s:
        s.add(LeaveRequest(id=new_id(), hall_id=hall.server.hall_id, staff_id=hall.staff[who], kind="病假",
                           starts_at=dt.datetime(2026, 3, 2, 8, 30), ends_at=dt.datetime(2026, 3, 2, 12, 0), days=0.5,
                           reason="看病", approval="leave.approve_day", status="approved",
                           cover_staff_id=hall.staff[cover] if cover else None, decided_by=hall.staff["liuyang"],
                           decided_at=dt.datetime(2026, 3, 1, 9, 0), decision_note="",
                           requested_at=dt.datetime(2026, 3, 1, 8, 0), version=2))


def _intake_acting_for(hall: Hall, counters: Any, acting_for: str, window: str = "01") -> dict[str, Any]:
    from tests.server.kit import intake, outbox

    if not hasattr(hall, "counter"):
        hall.counter = counters.new("cover")  # type: ignore[attr-defined]
    counter = hall.counter  # type: ignore[attr-defined]
    intake(counter, name=f"申请人{new_id()[:4]}")
    opened = copy.deepcopy(outbox(counter)[-1])
    opened["payload"]["case"]["acting_for"] = acting_for
    opened["payload"]["case"]["window_id"] = hall.windows[window]
    return resend(opened)


def test_case_open_acting_for_the_a_is_accepted_only_while_covering(hall: Hall, counters: Any) -> None:
    zhangmin = hall.staff["zhangmin"]
    assert status(hall.one(_intake_acting_for(hall, counters, hall.staff["liqiang"]))) == \
        ("rejected", "rule_violation")  # nobody away: nobody to act for
    _away(hall, "liqiang")  # window 02's A is away: zhangmin (its B) covers 02, but this case is window 01's
    assert status(hall.one(_intake_acting_for(hall, counters, zhangmin))) == ("rejected", "rule_violation")
    plain = hall.one(_intake_acting_for(hall, counters, ""))
    assert status(plain) == ("applied", None)
    # taken in at window 02 for its A while covering: accepted, and permitted at the covered window
    covered = hall.one(_intake_acting_for(hall, counters, hall.staff["liqiang"], "02"))
    assert status(covered) == ("applied", None) and covered["row"]["acting_for"] == hall.staff["liqiang"]
    assert status(hall.one(_intake_acting_for(hall, counters, "", "03"))) == ("rejected", "not_permitted")
