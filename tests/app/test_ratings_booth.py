"""The rating screen's code path (RatingBooth): what it asks about, the rating written as the applicant's
(no staff actor, no level in any audit text), one rating per case whatever the channel, 未评价 on a
time-out, and a 差评's follow-up in the same transaction."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3

import pytest

from app.dto import EnquiryInput
from app.errors import InvalidInput, NotFound
from app.ratings import policy
from app.ratings.booth import AlreadyRated, RatingBooth
from app.ratings.service import RatingService
from tests.app.attendance_kit import journal_sizes, last_op, who, window_id
from tests.app.kit import IntakeKit
from tests.app.rating_kit import completed_case, rate, table

LEVEL_WORDS = [*policy.LEVELS.values(), "好评", "差评", "中评"]


def _set(services, key: str, value: str) -> None:
    with sqlite3.connect(services.ctx.db.path) as con:
        con.execute("INSERT OR REPLACE INTO parameter (key, value) VALUES (?, ?)", (key, value))


def test_the_prompt_names_the_matter_window_and_the_person_who_did_the_step(services) -> None:
    case_id = completed_case(services, "zhangmin", completed_by="liqiang")
    booth = RatingBooth(services.ctx)
    prompt = booth.prompt(case_id, "complete")
    assert prompt is not None
    assert (prompt.hall_name, prompt.window_label, prompt.staff_name, prompt.staff_no) == (
        "示范县政务服务中心", "01 市场监管综合窗口", "李强", "1002")
    assert prompt.matter_name and prompt.matter_id and prompt.window_id == window_id(services, "01")
    assert (prompt.timeout_seconds, prompt.timeout_policy, prompt.trigger) == (60, "unrated", "complete")
    assert booth.hall_name() == "示范县政务服务中心"
    # who did the step may be named; an unknown person is refused
    named = booth.prompt(case_id, "complete", who(services, "zhangmin").id)
    assert named is not None and named.staff_name == "张敏"
    with pytest.raises(InvalidInput) as refused:
        booth.prompt(case_id, "complete", "nobody")
    assert refused.value.field == "staff_id"


def test_the_trigger_must_fit_the_case(services) -> None:
    booth = RatingBooth(services.ctx)
    kit = IntakeKit(services)
    accepted = services.intake.open_case(who(services, "zhangmin"), kit.request(kit.matter(case_type="promised").id),
                                         window_id=window_id(services, "01"))
    completed = completed_case(services)
    for case_id, trigger in ((accepted.id, "complete"), (accepted.id, "deliver"), (completed, "deliver"),
                             (completed, "later")):
        with pytest.raises(InvalidInput) as refused:
            booth.prompt(case_id, trigger)
        assert refused.value.field == "trigger"
    assert booth.prompt(accepted.id, "receipt") is not None
    assert booth.prompt(completed_case(services, deliver=True), "deliver") is not None
    with pytest.raises(NotFound):
        booth.prompt("no-such-case", "complete")
    with pytest.raises(NotFound):
        booth.prompt("no-such-enquiry", "enquiry")


def test_a_rating_is_the_applicants_and_no_text_states_its_level(services) -> None:
    case_id = completed_case(services)
    receipt = rate(services, case_id, 5, comment="很耐心")
    assert receipt == type(receipt)(policy.rating_id(case_id, True), False)
    [row] = table(services, "SELECT level, channel, device_id, staff_id, comment, trigger, rated_at FROM rating")
    assert row == (5, "counter", services.ctx.device_id, who(services, "zhangmin").id, "很耐心", "complete",
                   "2026-03-02 09:30:00.000000")
    op = last_op(services)
    assert (op["kind"], op["entity"], op["entity_id"], op["actor_id"]) == ("rating.record", "rating", receipt.rating_id,
                                                                           None)
    assert op["summary"] == "办事群众已评价（评价器）" and op["payload"]["followup"] is None
    assert op["payload"]["rating"]["level"] == 5 and op["payload"]["rating"]["id"] == receipt.rating_id
    [(actor_id, actor_name, case)] = table(services, "SELECT actor_id, actor_name, case_id FROM audit_event "
                                                     "WHERE action = 'rating.record'")
    assert (actor_id, actor_name, case) == (None, "办事群众", case_id)
    texts = " ".join(str(t) for (t,) in table(services, "SELECT summary || detail FROM audit_event"))
    assert not [w for w in LEVEL_WORDS if w in texts]
    assert RatingService(services.ctx).case_state(case_id) == "已评价"


def test_one_rating_per_case_a_second_is_refused_and_writes_nothing(services) -> None:
    case_id = completed_case(services, deliver=True)
    booth = RatingBooth(services.ctx)
    prompt = booth.prompt(case_id, "complete")
    assert prompt is not None
    booth.record(prompt, 4)
    sizes = journal_sizes(services)
    assert booth.prompt(case_id, "complete") is None and booth.prompt(case_id, "deliver") is None
    with pytest.raises(AlreadyRated) as refused:
        booth.record(prompt, 1, ["attitude"])
    assert refused.value.message == "该办件已评价，感谢您的参与。"
    booth.record_unrated(prompt)
    assert journal_sizes(services) == sizes
    assert table(services, "SELECT level FROM rating") == [(4,)]


def test_a_rating_already_given_by_phone_wins(services) -> None:
    case_id = completed_case(services)
    booth = RatingBooth(services.ctx)
    prompt = booth.prompt(case_id, "complete")
    assert prompt is not None
    with sqlite3.connect(services.ctx.db.path) as con:  # pulled from the server meanwhile
        hall, window, staff, matter = con.execute("SELECT hall_id, window_id, created_by, matter_id FROM cases "
                                                  "WHERE id = ?", (case_id,)).fetchone()
        con.execute("INSERT INTO rating (id, hall_id, case_id, window_id, staff_id, matter_id, level, reasons, comment,"
                    " callback_phone, channel, trigger, device_id, rated_at) VALUES (?, ?, ?, ?, ?, ?, 3, '[]', '', '',"
                    " 'mobile', 'complete', 'mobile', '2026-03-02 09:20:00')",
                    (policy.rating_id(case_id, True), hall, case_id, window, staff, matter))
    with pytest.raises(AlreadyRated):
        booth.record(prompt, 5)
    assert booth.prompt(case_id, "complete") is None


def test_a_bad_rating_opens_its_followup_in_the_same_transaction(services) -> None:
    case_id = completed_case(services)
    receipt = rate(services, case_id, 2, ["efficiency", "norms"], "等了很久", "138-1234-5678")
    assert receipt.bad
    [f] = table(services, "SELECT id, rating_id, case_id, status, opened_at, rectify_due, version FROM rating_followup")
    assert f == (policy.followup_id(receipt.rating_id), receipt.rating_id, case_id, "verify",
                 "2026-03-02 09:30:00.000000", "2026-03-23", 1)  # 15 working days after Monday 2 March
    payload = last_op(services)["payload"]
    assert payload["followup"]["id"] == f[0] and payload["followup"]["rectify_due"] == "2026-03-23"
    assert payload["rating"]["reasons"] == ["efficiency", "norms"] and payload["rating"]["callback_phone"] == \
        "13812345678"
    assert last_op(services)["summary"] == "办事群众已评价（评价器）"


def test_the_rectify_limit_is_the_halls_parameter(services) -> None:
    _set(services, "rating.rectify_days", "5")
    rate(services, completed_case(services), 1, ["attitude"])
    assert table(services, "SELECT rectify_due FROM rating_followup") == [("2026-03-09",)]


def test_a_bad_rating_without_a_reason_is_refused_and_nothing_is_written(services) -> None:
    case_id = completed_case(services)
    booth = RatingBooth(services.ctx)
    prompt = booth.prompt(case_id, "complete")
    assert prompt is not None
    sizes = journal_sizes(services)
    for level, reasons, phone, field in ((1, [], "", "reasons"), (6, [], "", "level"), (5, [], "12", "phone")):
        with pytest.raises(InvalidInput) as refused:
            booth.record(prompt, level, reasons, "", phone)
        assert refused.value.field == field
    assert journal_sizes(services) == sizes and table(services, "SELECT count(*) FROM rating") == [(0,)]


def test_a_time_out_records_unrated_once_and_a_later_rating_may_follow(services) -> None:
    case_id = completed_case(services)
    booth = RatingBooth(services.ctx)
    state = RatingService(services.ctx).case_state
    assert state(case_id) == "待评价"
    prompt = booth.prompt(case_id, "complete")
    assert prompt is not None
    booth.record_unrated(prompt)
    op = last_op(services)
    assert (op["kind"], op["entity_id"], op["actor_id"]) == ("rating.record", policy.rating_id(case_id, False), None)
    assert op["payload"]["rating"]["level"] is None and op["payload"]["followup"] is None
    assert op["summary"] == "办事群众未评价（评价器超时）"
    assert state(case_id) == "未评价"
    sizes = journal_sizes(services)
    booth.record_unrated(prompt)
    assert journal_sizes(services) == sizes
    again = booth.prompt(case_id, "complete")
    assert again is not None
    booth.record(again, 4)
    assert state(case_id) == "已评价"
    assert sorted(table(services, "SELECT level FROM rating"), key=str) == [(4,), (None,)]


def test_the_none_policy_writes_nothing_on_a_time_out(services) -> None:
    _set(services, "rating.timeout_policy", "none")
    case_id = completed_case(services)
    booth = RatingBooth(services.ctx)
    prompt = booth.prompt(case_id, "complete")
    assert prompt is not None and prompt.timeout_policy == "none"
    sizes = journal_sizes(services)
    booth.record_unrated(prompt)
    assert journal_sizes(services) == sizes and RatingService(services.ctx).case_state(case_id) == "待评价"


def test_an_enquiry_may_be_rated_when_the_hall_asks_for_it(services) -> None:
    clerk = who(services, "zhangmin")
    hall = table(services, "SELECT hall_id FROM staff WHERE id = ?", clerk.id)[0][0]
    enquiry = services.enquiries.record(clerk, str(hall), window_id(services, "01"),
                                        EnquiryInput(topic="营业执照怎么办"))
    booth = RatingBooth(services.ctx)
    prompt = booth.prompt(enquiry.id, "enquiry")
    assert prompt is not None and prompt.matter_name == "咨询服务" and prompt.staff_name == "张敏"
    booth.record(prompt, 5)
    [(case_id, trigger)] = table(services, "SELECT case_id, trigger FROM rating")
    assert (case_id, trigger) == (enquiry.id, "enquiry")
    assert table(services, "SELECT case_id FROM audit_event WHERE action = 'rating.record'") == [(None,)]
    assert booth.prompt(enquiry.id, "enquiry") is None


def test_the_staff_service_has_no_way_to_record_a_rating(services) -> None:
    """Recording is the booth's alone: the service the clerk's screens hold offers none."""
    public = [n for n in dir(RatingService) if not n.startswith("_")]
    assert not [n for n in public if n.startswith(("record", "rate", "set", "change"))]
    assert not hasattr(services, "booth") and not hasattr(services.ratings, "booth")


def test_the_op_travels_as_stored(services) -> None:
    """The op's rating payload is the row as stored (the server rebuilds the follow-up from it)."""
    rate(services, completed_case(services), 1, ["other"], "", "")
    stored = table(services, "SELECT payload FROM outbox_op WHERE kind = 'rating.record'")
    payload = json.loads(str(stored[0][0]))
    assert dt.datetime.fromisoformat(payload["rating"]["rated_at"]) == dt.datetime(2026, 3, 2, 9, 30)
    assert payload["followup"]["opened_at"] == payload["rating"]["rated_at"]
