"""The attendance rule engine, rule by rule (app.attendance.rules; pure, no database)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Sequence

import pytest

from app.attendance.rules import (
    DayResult,
    LeaveFact,
    MakeupFact,
    MonthSheet,
    Person,
    PunchFact,
    day_result,
    month_sheet,
    sheet_from_json,
    sheet_json,
)
from app.attendance.schedule import Schedule, StudySession, Timetable, default_schedule
from app.errors import InvalidInput
from app.workcal import CalendarException, WorkingCalendar

D = dt.date
MON = D(2026, 3, 2)  # a Monday
WED = D(2026, 3, 4)
LATER = D(2026, 3, 31)
PLAIN = default_schedule()  # 08:30-12:00 / 14:00-17:30, 4 punches, no grace, 30 minutes, Wednesday study 13:30
NO_STUDY = dataclasses.replace(PLAIN, study=None)
GRACE5 = dataclasses.replace(NO_STUDY, grace_minutes=5)
TWO = dataclasses.replace(NO_STUDY, punches_per_day=2)
FOUR_TIMES = ("08:30", "12:00", "14:00", "17:30")


def at(day: dt.date, hhmm: str) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.fromisoformat(hhmm))


def punches(day: dt.date, times: Sequence[str], staff: str = "s1") -> list[PunchFact]:
    return [PunchFact(staff, at(day, t), id=f"p{i}") for i, t in enumerate(times)]


def judge(
    times: Sequence[str] = FOUR_TIMES,
    *,
    schedule: Schedule = NO_STUDY,
    day: dt.date = MON,
    leaves: Sequence[LeaveFact] = (),
    makeups: Sequence[MakeupFact] = (),
    as_of: dt.date = LATER,
    open_until: dt.date | None = LATER,
    working: bool = True,
    extra: Sequence[PunchFact] = (),
    person: Person | None = None,
) -> DayResult:
    return day_result(
        schedule,
        day,
        working=working,
        punches=[*punches(day, times), *extra],
        leaves=leaves,
        makeups=makeups,
        as_of=as_of,
        makeup_open_until=open_until,
        person=person,
    )


# id, schedule, punch times, morning label, afternoon label, late minutes, early minutes, absent halves
PUNCH_CASES = [
    ("all_on_time", NO_STUDY, FOUR_TIMES, "正常", "正常", 0, 0, 0),
    ("on_the_minute_is_on_time", NO_STUDY, ("08:30:59", "12:00", "14:00:59", "17:30"), "正常", "正常", 0, 0, 0),
    ("one_minute_late", NO_STUDY, ("08:31", "12:00", "14:00", "17:30"), "迟到1分钟", "正常", 1, 0, 0),
    ("late_29_minutes", NO_STUDY, ("08:59", "12:00", "14:00", "17:30"), "迟到29分钟", "正常", 29, 0, 0),
    ("late_30_minutes_is_absent", NO_STUDY, ("09:00", "12:00", "14:00", "17:30"), "旷工", "正常", 0, 0, 1),
    ("noon_in_late", NO_STUDY, ("08:30", "12:00", "14:10", "17:30"), "正常", "迟到10分钟", 10, 0, 0),
    ("early_1_minute", NO_STUDY, ("08:30", "12:00", "14:00", "17:29"), "正常", "早退1分钟", 0, 1, 0),
    ("early_a_second_is_a_minute", NO_STUDY, ("08:30", "12:00", "14:00", "17:29:59"), "正常", "早退1分钟", 0, 1, 0),
    ("noon_out_early_29", NO_STUDY, ("08:30", "11:31", "14:00", "17:30"), "早退29分钟", "正常", 0, 29, 0),
    ("noon_out_early_30_is_absent", NO_STUDY, ("08:30", "11:30", "14:00", "17:30"), "旷工", "正常", 0, 0, 1),
    ("grace_edge_on_time", GRACE5, ("08:35", "12:00", "14:05", "17:30"), "正常", "正常", 0, 0, 0),
    ("past_grace_counts_from_start", GRACE5, ("08:36", "12:00", "14:00", "17:30"), "迟到6分钟", "正常", 6, 0, 0),
    ("grace_not_for_leaving", GRACE5, ("08:30", "11:58", "14:00", "17:30"), "早退2分钟", "正常", 0, 2, 0),
    ("earliest_start_latest_end", NO_STUDY, ("08:40", "08:20", "12:00", "14:00", "17:10", "17:40"), "正常", "正常",
     0, 0, 0),
    ("latest_noon_out_earliest_noon_in", NO_STUDY, ("08:30", "11:50", "12:05", "13:55", "14:20", "17:30"), "正常",
     "正常", 0, 0, 0),
    ("late_and_early_same_half", NO_STUDY, ("08:40", "11:50", "14:00", "17:30"), "迟到10分钟，早退10分钟", "正常",
     10, 10, 0),
    ("two_punches_on_time", TWO, ("08:30", "17:30"), "正常", "正常", 0, 0, 0),
    ("two_punches_late", TWO, ("08:45", "17:30"), "迟到15分钟", "正常", 15, 0, 0),
    ("two_punches_no_noon_needed", TWO, ("08:30", "12:00", "14:30", "17:30"), "正常", "正常", 0, 0, 0),
    ("two_punches_early_absent", TWO, ("08:30", "17:00"), "正常", "旷工", 0, 0, 1),
    ("whole_day_absent_late_and_early", NO_STUDY, ("09:30", "12:00", "14:00", "16:00"), "旷工", "旷工", 0, 0, 2),
]


@pytest.mark.parametrize(
    ("schedule", "times", "morning", "afternoon", "late", "early", "absent"),
    [case[1:] for case in PUNCH_CASES],
    ids=[case[0] for case in PUNCH_CASES],
)
def test_punches_make_the_half_days(
    schedule: Schedule, times: Sequence[str], morning: str, afternoon: str, late: int, early: int, absent: int
) -> None:
    result = judge(times, schedule=schedule)
    assert (result.morning.label, result.afternoon.label) == (morning, afternoon)
    assert (result.late_minutes, result.early_minutes, result.absent_halves) == (late, early, absent)
    assert result.missing_slots == ()


def test_day_label_joins_the_halves() -> None:
    assert judge().label == "正常"
    assert judge(("08:42", "12:00", "14:00", "17:30")).label == "上午迟到12分钟；下午正常"
    assert judge(("08:42", "12:00", "14:00", "17:30")).late_count == 1


# id, punch times, 补签 window open until, morning, afternoon, missing slots, absent halves
MISSING_CASES = [
    ("no_start_window_open", ("12:00", "14:00", "17:30"), LATER, "缺卡", "正常", ("start",), 0),
    ("no_start_window_closed", ("12:00", "14:00", "17:30"), D(2026, 3, 5), "旷工", "正常", (), 1),
    ("no_window_at_all", ("12:00", "14:00", "17:30"), None, "旷工", "正常", (), 1),
    ("outage_day_window_open", (), LATER, "缺卡", "缺卡", ("start", "noon_out", "noon_in", "end"), 0),
    ("outage_day_window_closed", (), D(2026, 3, 5), "旷工", "旷工", (), 2),
]


@pytest.mark.parametrize(
    ("times", "open_until", "morning", "afternoon", "missing", "absent"),
    [case[1:] for case in MISSING_CASES],
    ids=[case[0] for case in MISSING_CASES],
)
def test_missing_punches_are_missing_then_absent(
    times: Sequence[str],
    open_until: dt.date | None,
    morning: str,
    afternoon: str,
    missing: tuple[str, ...],
    absent: int,
) -> None:
    result = judge(times, as_of=D(2026, 3, 10), open_until=open_until)
    assert (result.morning.label, result.afternoon.label) == (morning, afternoon)
    assert (result.missing_slots, result.absent_halves) == (missing, absent)


def test_the_last_day_of_the_window_is_still_open() -> None:
    assert judge((), as_of=D(2026, 3, 5), open_until=D(2026, 3, 5)).morning.status == "missing"
    assert judge((), as_of=D(2026, 3, 6), open_until=D(2026, 3, 5)).morning.status == "absent"


def test_outage_day_made_up_by_approved_makeups_is_normal() -> None:
    claims = [
        MakeupFact("s1", MON, slot, at(MON, hhmm), id=f"m-{slot}")
        for slot, hhmm in zip(("start", "noon_out", "noon_in", "end"), FOUR_TIMES, strict=True)
    ]
    result = judge((), makeups=claims, open_until=None)
    assert result.label == "正常"
    assert result.sources == ("m-start", "m-noon_out", "m-noon_in", "m-end")


def test_a_makeup_is_judged_at_its_claimed_time() -> None:
    late_claim = MakeupFact("s1", MON, "start", at(MON, "08:45"), id="m1")
    result = judge(("12:00", "14:00", "17:30"), makeups=[late_claim])
    assert result.morning.label == "迟到15分钟"


def test_a_makeup_for_another_day_or_an_undue_slot_is_ignored() -> None:
    other_day = MakeupFact("s1", MON + dt.timedelta(days=1), "start", at(MON, "08:30"), id="m1")
    noon_on_two = MakeupFact("s1", MON, "noon_out", at(MON, "12:00"), id="m2")
    assert judge(("12:00", "14:00", "17:30"), makeups=[other_day]).morning.label == "缺卡"
    assert judge(("17:30",), schedule=TWO, makeups=[noon_on_two]).morning.label == "缺卡"


# id, day, extra punches, morning, afternoon
MIDNIGHT_CASES = [
    ("end_punch_at_2359_is_that_day", MON, [PunchFact("s1", at(MON, "23:59"), "x")], "正常", "正常"),
    ("punch_after_midnight_is_the_next_day", MON, [PunchFact("s1", at(MON + dt.timedelta(days=1), "00:01"), "x")],
     "正常", "缺卡"),
    ("punch_before_midnight_is_the_previous_day", MON, [PunchFact("s1", at(MON - dt.timedelta(days=1), "23:59"), "x")],
     "正常", "缺卡"),
]


@pytest.mark.parametrize(
    ("day", "extra", "morning", "afternoon"),
    [case[1:] for case in MIDNIGHT_CASES],
    ids=[case[0] for case in MIDNIGHT_CASES],
)
def test_punches_belong_to_the_calendar_day_of_their_time(
    day: dt.date, extra: list[PunchFact], morning: str, afternoon: str
) -> None:
    result = judge(("08:30", "12:00", "14:00"), day=day, extra=extra)
    assert (result.morning.label, result.afternoon.label) == (morning, afternoon)


def test_a_punch_after_midnight_is_not_the_day_before() -> None:
    result = judge(("08:40", "12:00", "14:00"), extra=[PunchFact("s1", at(MON + dt.timedelta(days=1), "00:01"), "x")])
    assert (result.morning.label, result.afternoon.label, result.sources) == ("迟到10分钟", "缺卡", ("p0", "p1", "p2"))


def test_a_punch_after_midnight_starts_the_next_day() -> None:
    tuesday = MON + dt.timedelta(days=1)
    result = judge(("12:00", "14:00", "17:30"), day=tuesday, extra=[PunchFact("s1", at(tuesday, "00:05"), "x")])
    assert result.morning.label == "正常"
    assert "x" in result.sources


# id, punch times, morning, afternoon
STUDY_CASES = [
    ("study_start_on_time", ("08:30", "12:00", "13:30", "17:30"), "正常", "正常"),
    ("hall_afternoon_time_is_late_on_study_day", ("08:30", "12:00", "13:50", "17:30"), "正常", "迟到20分钟"),
    ("study_day_30_late_is_absent", ("08:30", "12:00", "14:00", "17:30"), "正常", "旷工"),
]


@pytest.mark.parametrize(
    ("times", "morning", "afternoon"), [c[1:] for c in STUDY_CASES], ids=[c[0] for c in STUDY_CASES]
)
def test_study_wednesday_starts_the_afternoon_early(times: Sequence[str], morning: str, afternoon: str) -> None:
    result = judge(times, schedule=PLAIN, day=WED)
    assert (result.morning.label, result.afternoon.label) == (morning, afternoon)


def test_study_hours_count_for_leave_on_two_punch_days() -> None:
    schedule = dataclasses.replace(TWO, study=StudySession(2, dt.time(13, 30), dt.time(15, 0)))
    out = [LeaveFact("s1", "临时外出", at(WED, "13:30"), at(WED, "14:00"), id="l1")]
    assert judge(("08:30", "17:30"), schedule=schedule, day=WED, leaves=out).afternoon.label == "外出"
    out_monday = [LeaveFact("s1", "临时外出", at(MON, "13:30"), at(MON, "14:00"), id="l1")]
    assert judge(("08:30", "17:30"), schedule=schedule, day=MON, leaves=out_monday).afternoon.label == "正常"


def test_study_session_only_on_its_weekday() -> None:
    assert judge(("08:30", "12:00", "14:00", "17:30"), schedule=PLAIN, day=MON).label == "正常"


SEASONS = Schedule(
    version=3,
    timetables=(
        Timetable("夏季作息", "05-01", "09-30", (dt.time(8, 0), dt.time(12, 0)), (dt.time(14, 30), dt.time(18, 0))),
        Timetable("冬季作息", "10-01", "04-30", (dt.time(8, 30), dt.time(12, 0)), (dt.time(14, 0), dt.time(17, 30))),
    ),
)


# id, day, punch times, morning, afternoon
SEASON_CASES = [
    ("last_winter_day", D(2026, 4, 30), ("08:30", "12:00", "14:00", "17:30"), "正常", "正常"),
    ("first_summer_day_winter_punches", D(2026, 5, 1), ("08:30", "12:00", "14:00", "17:30"), "旷工", "旷工"),
    ("first_summer_day_summer_hours", D(2026, 5, 1), ("08:00", "12:00", "14:30", "18:00"), "正常", "正常"),
    ("last_summer_day", D(2026, 9, 30), ("08:00", "12:00", "14:30", "18:00"), "正常", "正常"),
    ("first_winter_day_summer_punches", D(2026, 10, 1), ("08:00", "12:00", "14:30", "18:00"), "正常", "旷工"),
    ("new_year_inside_wrapping_winter", D(2027, 1, 1), ("08:31", "12:00", "14:00", "17:30"), "迟到1分钟", "正常"),
]


@pytest.mark.parametrize(
    ("day", "times", "morning", "afternoon"), [c[1:] for c in SEASON_CASES], ids=[c[0] for c in SEASON_CASES]
)
def test_seasons_switch_on_their_first_day(day: dt.date, times: Sequence[str], morning: str, afternoon: str) -> None:
    result = judge(times, schedule=SEASONS, day=day, as_of=D(2027, 12, 31))
    assert (result.morning.label, result.afternoon.label) == (morning, afternoon)


def leave(kind: str, start: dt.datetime, end: dt.datetime, lid: str = "l1") -> LeaveFact:
    return LeaveFact("s1", kind, start, end, id=lid)


# id, leaves, punch times, morning, afternoon, out minutes
LEAVE_CASES = [
    ("sick_whole_day", [leave("病假", at(MON, "00:00"), at(MON, "23:59"))], (), "请假（病假）", "请假（病假）", 0),
    ("personal_morning_only", [leave("事假", at(MON, "08:30"), at(MON, "12:00"))], ("14:00", "17:30"), "请假（事假）",
     "正常", 0),
    ("official_afternoon", [leave("公假", at(MON, "14:00"), at(MON, "17:30"))], ("08:30", "12:00"), "正常", "公假", 0),
    ("out_one_hour", [leave("临时外出", at(MON, "15:00"), at(MON, "16:00"))], FOUR_TIMES, "正常", "外出", 60),
    ("out_over_noon_counts_hall_hours_only", [leave("临时外出", at(MON, "11:00"), at(MON, "15:00"))],
     ("08:30", "17:30"), "外出", "外出", 120),
    ("leave_ending_at_the_start_covers_nothing", [leave("事假", at(MON, "00:00"), at(MON, "08:30"))], FOUR_TIMES,
     "正常", "正常", 0),
    ("annual_leave_over_days", [leave("休假", at(D(2026, 2, 27), "00:00"), at(D(2026, 3, 4), "00:00"))], (),
     "请假（休假）", "请假（休假）", 0),
    ("biggest_overlap_wins", [leave("临时外出", at(MON, "09:00"), at(MON, "09:30"), "a"),
                              leave("病假", at(MON, "09:30"), at(MON, "23:00"), "b")], (), "请假（病假）",
     "请假（病假）", 0),
]


@pytest.mark.parametrize(
    ("leaves", "times", "morning", "afternoon", "out_minutes"),
    [c[1:] for c in LEAVE_CASES],
    ids=[c[0] for c in LEAVE_CASES],
)
def test_leave_makes_the_half_days(
    leaves: list[LeaveFact],
    times: Sequence[str],
    morning: str,
    afternoon: str,
    out_minutes: int,
    request: pytest.FixtureRequest,
) -> None:
    result = judge(times, leaves=leaves, open_until=None)
    assert (result.morning.label, result.afternoon.label) == (morning, afternoon)
    assert result.out_minutes == out_minutes
    assert result.absent_halves == 0 and result.missing_slots == ()
    used = {"leave_ending_at_the_start_covers_nothing": set(), "biggest_overlap_wins": {"b"}}
    expected = used.get(request.node.callspec.id, {leaves[0].id})
    assert set(result.sources) & {item.id for item in leaves} == expected


def test_flagged_punch_used_marks_review() -> None:
    flagged = PunchFact("s1", at(MON, "08:29"), id="f", flagged=True)
    result = judge(("12:00", "14:00", "17:30"), extra=[flagged])
    assert result.review and result.label == "正常（待核）"
    assert "f" in result.sources


def test_flagged_punch_not_used_needs_no_review() -> None:
    flagged = PunchFact("s1", at(MON, "08:40"), id="f", flagged=True)  # a later start punch than 08:30
    result = judge(extra=[flagged])
    assert not result.review and "f" not in result.sources


def test_sources_are_the_punches_used() -> None:
    result = judge(("08:20", "08:30", "12:00", "14:00", "17:30"))
    assert result.sources == ("p0", "p2", "p3", "p4")


# id, as_of, punch times, morning, afternoon, missing
TODAY_CASES = [
    ("morning_punched_rest_ahead", MON, ("08:30",), "", "", ()),
    ("late_this_morning", MON, ("08:40",), "迟到10分钟", "", ()),
    ("noon_out_skipped_seen_by_later_punch", MON, ("08:30", "14:00"), "缺卡", "", ("noon_out",)),
    ("nothing_yet", MON, (), "", "", ()),
    ("future_day", D(2026, 3, 1), (), "", "", ()),
]


@pytest.mark.parametrize(
    ("as_of", "times", "morning", "afternoon", "missing"), [c[1:] for c in TODAY_CASES], ids=[c[0] for c in TODAY_CASES]
)
def test_slots_still_ahead_are_not_missing(
    as_of: dt.date, times: Sequence[str], morning: str, afternoon: str, missing: tuple[str, ...]
) -> None:
    result = judge(times, as_of=as_of)
    assert (result.morning.label, result.afternoon.label, result.missing_slots) == (morning, afternoon, missing)
    assert result.absent_halves == 0


def test_now_tells_which_slots_are_past() -> None:
    result = day_result(
        NO_STUDY, MON, working=True, punches=punches(MON, ("08:30",)), leaves=(), makeups=(), as_of=MON,
        makeup_open_until=LATER, now=at(MON, "12:30"),
    )
    assert result.missing_slots == ("noon_out",) and result.afternoon.status == "pending"


def test_future_day_shows_leave() -> None:
    sick = [leave("病假", at(MON, "00:00"), at(MON, "23:59"))]
    assert judge((), leaves=sick, as_of=D(2026, 3, 1)).label == "请假（病假）"


PERSON = Person("s1", "张敏", "SCJ", "市场监管局", "01", joined=D(2026, 3, 10), left=D(2026, 3, 20))


# id, day, working, morning label
DAY_OFF_CASES = [
    ("weekend_rest", D(2026, 3, 14), False, "休息"),
    ("before_joining", D(2026, 3, 9), True, "未在岗"),
    ("joining_day_counts", D(2026, 3, 10), True, "缺卡"),
    ("leaving_day_counts", D(2026, 3, 20), True, "缺卡"),
    ("after_leaving", D(2026, 3, 23), True, "未在岗"),
]


@pytest.mark.parametrize(("day", "working", "label"), [c[1:] for c in DAY_OFF_CASES], ids=[c[0] for c in DAY_OFF_CASES])
def test_days_off_and_employment(day: dt.date, working: bool, label: str) -> None:
    result = judge((), day=day, working=working, person=PERSON)
    assert result.label == label and result.staff_id == "s1"


# --- the month ---------------------------------------------------------------------------------

SATURDAY = D(2026, 3, 14)
CALENDAR = WorkingCalendar([CalendarException(SATURDAY, True, "调休上班")], known_years=[])
ZHANG = Person("s1", "张敏", "SCJ", "市场监管局", "01")
WANG = Person("s2", "王芳", "RSJ", "人社局", "03", joined=D(2026, 3, 16))
LI = Person("s3", "李强", "SCJ", "市场监管局", "02", left=D(2026, 3, 13))


def full_day(staff: str, day: dt.date, times: Sequence[str] = FOUR_TIMES) -> list[PunchFact]:
    return [PunchFact(staff, at(day, t), id=f"{staff}-{day}-{t}") for t in times]


AS_OF = D(2026, 3, 20)


def march_sheet(as_of: dt.date = AS_OF) -> MonthSheet:
    facts: list[PunchFact] = []
    for day in (D(2026, 3, d) for d in range(1, 32)):
        if day > as_of or not CALENDAR.is_working_day(day):
            continue
        for person in (ZHANG, WANG, LI):
            if day == D(2026, 3, 3):
                continue  # punch device outage
            times = ("08:45", "12:00", "14:00", "17:30") if (person is ZHANG and day == D(2026, 3, 5)) else FOUR_TIMES
            facts += full_day(person.staff_id, day, times)
    makeups = [MakeupFact("s1", D(2026, 3, 3), s, at(D(2026, 3, 3), t), id=f"m{s}")
               for s, t in zip(("start", "noon_out", "noon_in", "end"), FOUR_TIMES, strict=True)]
    leaves = [LeaveFact("s1", "病假", at(D(2026, 3, 9), "08:30"), at(D(2026, 3, 9), "12:00"), id="l1"),
              LeaveFact("s1", "临时外出", at(D(2026, 3, 10), "15:00"), at(D(2026, 3, 10), "16:30"), id="l2"),
              LeaveFact("s2", "事假", at(D(2026, 3, 30), "00:00"), at(D(2026, 3, 31), "23:59"), id="l3")]
    facts = [p for p in facts if not (p.staff_id == "s1" and p.at.date() == D(2026, 3, 9) and p.at.hour < 13)]
    return month_sheet(NO_STUDY, CALENDAR, 2026, 3, [ZHANG, WANG, LI], facts, leaves, makeups,
                       as_of=as_of, makeup_days=3, hall_name="示范大厅")


def test_month_sheet_counts_per_person() -> None:
    sheet = march_sheet()
    zhang, wang, li = sheet.people
    assert len(zhang.days) == 31 and sheet.schedule_version == 0
    # 3-02..3-20: 15 weekdays + the 调休 Saturday 3-14
    assert (zhang.workdays, wang.workdays, li.workdays) == (16, 5, 10)
    assert (zhang.late_count, zhang.late_minutes, zhang.absent_halves, zhang.missing_count) == (1, 15, 0, 0)
    assert zhang.leave_days == {"病假": 0.5} and zhang.out_hours == 1.5
    assert wang.leave_days == {"事假": 2.0}  # future leave is shown and counted
    # li: outage day 3-03 without 补签, window (3 working days) closed by 3-20 -> whole day 旷工
    assert (li.absent_halves, li.missing_count) == (2, 0)
    assert zhang.days[2].label == "正常" and zhang.days[2].sources[0] == "mstart"


def test_month_sheet_saturday_makeup_day_is_judged() -> None:
    sheet = march_sheet()
    zhang = sheet.people[0]
    assert zhang.days[13].day == SATURDAY and zhang.days[13].working and zhang.days[13].label == "正常"
    assert zhang.days[14].label == "休息"  # an ordinary Sunday


def test_month_sheet_makeup_window_still_open() -> None:
    li = march_sheet(as_of=D(2026, 3, 5)).people[2]  # 3-03 + 3 working days = 3-06
    assert li.days[2].label == "缺卡" and (li.missing_count, li.absent_halves) == (4, 0)


def test_month_sheet_future_days_count_nothing() -> None:
    wang = march_sheet(as_of=D(2026, 3, 20)).people[1]
    assert wang.days[22].label == "" and wang.days[29].label == "请假（事假）"
    assert wang.days[10].label == "未在岗"


def test_month_sheet_departments() -> None:
    sheet = march_sheet()
    assert [(d.department_id, d.people) for d in sheet.departments] == [("SCJ", 2), ("RSJ", 1)]
    scj = sheet.departments[0]
    assert (scj.late_count, scj.absent_halves, scj.leave_days) == (1, 2, {"病假": 0.5})


def test_sheet_json_round_trip_is_lossless() -> None:
    sheet = march_sheet()
    stored = json.loads(json.dumps(sheet_json(sheet), ensure_ascii=False))
    assert sheet_from_json(stored) == sheet
    assert sheet_json(sheet_from_json(stored)) == stored


@pytest.mark.parametrize(
    "garbage",
    [{}, {"hall_name": "x"}, {"hall_name": "", "year": "x", "month": 1}, [], "sheet"],
    ids=["empty", "partial", "bad_year", "a_list", "a_string"],
)
def test_sheet_from_json_refuses_garbage(garbage: object) -> None:
    with pytest.raises(InvalidInput) as raised:
        sheet_from_json(garbage)  # type: ignore[arg-type]
    assert raised.value.field == "sheet" and "考勤月报" in raised.value.message


def test_month_sheet_refuses_a_bad_month() -> None:
    with pytest.raises(InvalidInput):
        month_sheet(NO_STUDY, CALENDAR, 2026, 13, [], [], [], [], as_of=MON, makeup_days=3)


def test_study_session_is_not_a_slot_on_two_punch_days() -> None:
    schedule = dataclasses.replace(TWO, study=StudySession(2, dt.time(13, 30), dt.time(15, 0)))
    assert judge(("08:30", "17:30"), schedule=schedule, day=WED).label == "正常"
