"""The pure rules of a rating (app.ratings.policy), which the server runs again: field checks, derived
ids, the follow-up's limits on the working calendar, the phone mask and the step order."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from app.errors import InvalidInput
from app.ratings import policy
from app.sync.protocol import FOLLOWUP_CALLBACK, FOLLOWUP_CLOSE, FOLLOWUP_RECTIFY, FOLLOWUP_VERIFY
from app.workcal import CalendarException, WorkingCalendar, official_exceptions
from db.models import Rating

D = dt.date


def _field(call) -> str | None:
    with pytest.raises(InvalidInput) as refused:
        call()
    return refused.value.field


def test_levels_good_and_bad() -> None:
    assert [policy.LEVELS[k] for k in (5, 4, 3, 2, 1)] == ["非常满意", "满意", "基本满意", "不满意", "非常不满意"]
    assert [policy.is_good(k) for k in (5, 4, 3, 2, 1, None)] == [True, True, False, False, False, False]
    assert [policy.is_bad(k) for k in (5, 4, 3, 2, 1, None)] == [False, False, False, True, True, False]


@pytest.mark.parametrize("level", [0, 6, -1, True, "5", None, 2.0])
def test_a_level_outside_the_five_is_refused(level) -> None:
    assert _field(lambda: policy.check_rating(level, ["other"], "", "")) == "level"


def test_a_bad_rating_needs_a_known_reason_and_others_may_give_some() -> None:
    assert _field(lambda: policy.check_rating(2, [], "", "")) == "reasons"
    assert _field(lambda: policy.check_rating(1, ["rude"], "", "")) == "reasons"
    assert _field(lambda: policy.check_rating(5, ["rude"], "", "")) == "reasons"
    assert _field(lambda: policy.check_rating(1, "attitude", "", "")) == "reasons"  # a string is not a list
    assert policy.check_rating(1, ["attitude", "other", "attitude"], "", "") == (["attitude", "other"], "", "")
    assert policy.check_rating(5, [], "", "") == ([], "", "")
    assert policy.check_rating(3, ["efficiency"], "", "")[0] == ["efficiency"]


def test_the_comment_is_kept_up_to_500_characters() -> None:
    assert policy.check_rating(4, [], "  窗口很热情\n谢谢  ", "")[1] == "窗口很热情\n谢谢"
    assert policy.check_rating(4, [], "好" * 500, "")[1] == "好" * 500
    assert _field(lambda: policy.check_rating(4, [], "好" * 501, "")) == "comment"
    assert _field(lambda: policy.check_rating(4, [], "a\x00b", "")) == "comment"


@pytest.mark.parametrize(("typed", "kept"), [
    ("", ""), ("13812345678", "13812345678"), ("138-1234 5678", "13812345678"), ("+86 138 1234 5678", "+8613812345678"),
    ("0571-87654321", "057187654321"), ("1234567", "1234567"),
])
def test_a_callback_phone_is_normalised(typed: str, kept: str) -> None:
    assert policy.check_rating(5, [], "", typed)[2] == kept


@pytest.mark.parametrize("typed", ["123456", "1" * 21, "138abc45678", "++8613812345678", "138.1234.5678"])
def test_a_callback_phone_that_is_not_7_to_20_digits_is_refused(typed: str) -> None:
    assert _field(lambda: policy.check_rating(5, [], "", typed)) == "phone"


def test_ids_are_derived_so_the_same_rating_twice_is_the_same_row() -> None:
    case = "01a24e30-d8e9-7074-95bf-2ef61a3bf9fd"
    rated, unrated = policy.rating_id(case, True), policy.rating_id(case, False)
    assert rated == policy.rating_id(case, True) and rated != unrated
    assert rated != policy.rating_id("another", True)
    assert uuid.UUID(rated).version == 5 and uuid.UUID(unrated).version == 5
    assert rated == str(uuid.uuid5(policy.NAMESPACE, f"rating:{case}:rated"))
    assert policy.followup_id(rated) == str(uuid.uuid5(policy.NAMESPACE, f"followup:{rated}"))
    assert policy.followup_id(rated) != policy.followup_id(unrated)


def _rating(at: dt.datetime, level: int = 1) -> Rating:
    return Rating(id=policy.rating_id("c1", True), hall_id="h1", case_id="c1", window_id="w1", staff_id="p1",
                  matter_id="m1", level=level, reasons=["attitude"], comment="", callback_phone="", channel="counter",
                  trigger="complete", device_id="d1", rated_at=at)


def test_a_new_followup_is_due_in_working_days_after_the_rating() -> None:
    """Tuesday 3 March made a holiday: 3 working days from Monday 2 March end on Friday 6 March."""
    calendar = WorkingCalendar([CalendarException(D(2026, 3, 3), False, "假日")], [2026])
    rating = _rating(dt.datetime(2026, 3, 2, 16, 45))
    f = policy.new_followup(rating, calendar, 3)
    assert (f.id, f.rating_id, f.case_id, f.window_id, f.staff_id) == (policy.followup_id(rating.id), rating.id, "c1",
                                                                      "w1", "p1")
    assert (f.status, f.opened_at, f.rectify_due, f.version) == ("verify", rating.rated_at, D(2026, 3, 6), 1)
    assert f.callback_due is None and f.verified_at is None and f.measures == "" and f.callback_result == ""


def test_limits_follow_the_official_calendar_with_make_up_days() -> None:
    calendar = WorkingCalendar(official_exceptions([2026]), [2026])
    # Friday 13 February 2026, one working day: Saturday 14 February is a make-up working day (春节调休上班)
    assert policy.callback_due(D(2026, 2, 13), calendar, 1) == D(2026, 2, 14)
    # the default 15 days from 30 September run over the National Day holiday
    due = policy.new_followup(_rating(dt.datetime(2026, 9, 30, 10, 0)), calendar, 15).rectify_due
    assert calendar.working_days_between(D(2026, 9, 30), due) == 15 and due > D(2026, 10, 20)
    assert policy.callback_due(D(2026, 3, 2), calendar, 5) == D(2026, 3, 9)


@pytest.mark.parametrize(("phone", "shown"), [
    ("13812345678", "138****5678"), ("+8613812345678", "+86*******5678"), ("87654321", "******21"),
    ("1234567", "*****67"), ("", ""),
])
def test_a_phone_is_masked(phone: str, shown: str) -> None:
    assert policy.mask_phone(phone) == shown


def test_the_steps_run_verify_rectify_callback_close() -> None:
    status, seen = "verify", []
    for kind in (FOLLOWUP_VERIFY, FOLLOWUP_RECTIFY, FOLLOWUP_CALLBACK, FOLLOWUP_CALLBACK, FOLLOWUP_CLOSE):
        assert policy.STEP_FROM[kind] == status, kind
        status = policy.STEP_TO[kind]
        seen.append(status)
    assert seen == ["rectify", "callback", "callback", "callback", "closed"]
    assert set(policy.FOLLOWUP_STATUS) == {"verify", "rectify", "callback", "closed"}
