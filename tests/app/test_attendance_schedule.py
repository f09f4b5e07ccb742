"""The hall's schedule: seasons, the punches due each day, and the JSON checked on counter and server."""

from __future__ import annotations

import copy
import datetime as dt
import json
import random
from collections.abc import Callable
from typing import Any

import pytest

from app.attendance.schedule import (
    Schedule,
    StudySession,
    Timetable,
    default_schedule,
    expected_slots,
    parse_schedule,
    schedule_content,
)
from app.errors import InvalidInput

T = dt.time
MON, WED = dt.date(2026, 3, 2), dt.date(2026, 3, 4)


def seasons_content() -> dict[str, Any]:
    return {
        "timetables": [
            {"name": "夏季作息", "start_md": "05-01", "end_md": "09-30", "morning": ["08:00", "12:00"],
             "afternoon": ["14:30", "18:00"]},
            {"name": "冬季作息", "start_md": "10-01", "end_md": "04-30", "morning": ["08:30", "12:00"],
             "afternoon": ["14:00", "17:30"]},
        ],
        "punches_per_day": 4,
        "grace_minutes": 5,
        "absent_late_minutes": 15,
        "early_absent_minutes": 30,
        "study": {"weekday": 2, "start": "13:30", "end": "15:00"},
    }


def test_default_schedule_is_the_domain_default() -> None:
    schedule = default_schedule()
    timetable = schedule.timetable_for(dt.date(2026, 7, 1))
    assert (timetable.morning, timetable.afternoon) == ((T(8, 30), T(12, 0)), (T(14, 0), T(17, 30)))
    assert (schedule.punches_per_day, schedule.grace_minutes, schedule.absent_late_minutes) == (4, 0, 30)
    assert schedule.study == StudySession(2, T(13, 30), T(15, 0))


@pytest.mark.parametrize(
    "schedule",
    [
        default_schedule(),
        parse_schedule(seasons_content(), version=7),
        Schedule(2, default_schedule().timetables, punches_per_day=2, grace_minutes=10, study=None),
    ],
    ids=["default", "seasons", "two_punches_no_study"],
)
def test_content_round_trip(schedule: Schedule) -> None:
    content = json.loads(json.dumps(schedule_content(schedule)))
    assert parse_schedule(content, version=schedule.version) == schedule


def test_parse_reads_every_setting() -> None:
    schedule = parse_schedule(seasons_content(), version=7)
    assert schedule.version == 7 and [t.name for t in schedule.timetables] == ["夏季作息", "冬季作息"]
    assert (schedule.grace_minutes, schedule.absent_late_minutes, schedule.early_absent_minutes) == (5, 15, 30)
    assert parse_schedule({**seasons_content(), "study": None}).study is None
    content = seasons_content()
    del content["study"]
    assert parse_schedule(content).study is None


# id, day, season name
SEASON_DAYS = [
    ("winter_last_day", dt.date(2026, 4, 30), "冬季作息"),
    ("summer_first_day", dt.date(2026, 5, 1), "夏季作息"),
    ("summer_last_day", dt.date(2026, 9, 30), "夏季作息"),
    ("winter_first_day", dt.date(2026, 10, 1), "冬季作息"),
    ("new_year_in_wrapped_winter", dt.date(2027, 1, 1), "冬季作息"),
    ("leap_day", dt.date(2028, 2, 29), "冬季作息"),
]


@pytest.mark.parametrize(("day", "name"), [c[1:] for c in SEASON_DAYS], ids=[c[0] for c in SEASON_DAYS])
def test_timetable_for_the_season(day: dt.date, name: str) -> None:
    assert parse_schedule(seasons_content()).timetable_for(day).name == name


def slot_times(schedule: Schedule, day: dt.date) -> list[tuple[str, str, str]]:
    return [(s.name, s.at.strftime("%H:%M"), s.label) for s in expected_slots(schedule, day)]


def test_four_slots_on_an_ordinary_day() -> None:
    assert slot_times(default_schedule(), MON) == [
        ("start", "08:30", "上班"), ("noon_out", "12:00", "午间下班"), ("noon_in", "14:00", "午间上班"),
        ("end", "17:30", "下班"),
    ]


def test_study_day_starts_the_afternoon_at_the_study() -> None:
    assert slot_times(default_schedule(), WED)[2] == ("noon_in", "13:30", "午间上班")


def test_a_study_after_the_afternoon_start_changes_nothing() -> None:
    late_study = Schedule(1, default_schedule().timetables, study=StudySession(2, T(15, 0), T(16, 30)))
    assert slot_times(late_study, WED)[2] == ("noon_in", "14:00", "午间上班")


def test_two_punch_days_have_no_noon_slots() -> None:
    two = Schedule(1, default_schedule().timetables, punches_per_day=2)
    assert slot_times(two, MON) == [("start", "08:30", "上班"), ("end", "17:30", "下班")]


def test_summer_slots() -> None:
    assert [s[1] for s in slot_times(parse_schedule(seasons_content()), dt.date(2026, 5, 1))] == [
        "08:00", "12:00", "14:30", "18:00"
    ]


def _set(path: tuple[Any, ...], value: Any) -> Callable[[dict[str, Any]], None]:
    def change(content: dict[str, Any]) -> None:
        node: Any = content
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value

    return change


def _drop(key: str) -> Callable[[dict[str, Any]], None]:
    return lambda content: content.pop(key)


def _third(content: dict[str, Any]) -> None:
    content["timetables"].append({**content["timetables"][0], "name": "春季作息"})


# id, change, field, words the message must contain
REFUSALS: list[tuple[str, Callable[[dict[str, Any]], None], str, str]] = [
    ("time_not_hh_mm", _set(("timetables", 0, "morning", 0), "8:30"), "timetables", "上午时段开始应为“时:分”"),
    ("time_out_of_range", _set(("timetables", 0, "afternoon", 1), "24:00"), "timetables", "下午时段结束"),
    ("time_a_number", _set(("timetables", 0, "morning", 0), 830), "timetables", "时:分"),
    ("range_reversed", _set(("timetables", 1, "morning"), ["12:00", "08:30"]), "timetables", "开始时间应早于结束时间"),
    ("range_one_time", _set(("timetables", 1, "morning"), ["08:30"]), "timetables", "开始、结束两个时间"),
    ("afternoon_before_morning", _set(("timetables", 1, "afternoon"), ["11:00", "17:30"]), "timetables",
     "上午时段应在下午时段之前"),
    ("overlapping_seasons", _set(("timetables", 0, "end_md"), "10-01"), "timetables", "10月1日同时属于"),
    ("gap_between_seasons", _set(("timetables", 0, "start_md"), "05-02"), "timetables", "5月1日不在任何一套作息内"),
    ("bad_month_day", _set(("timetables", 0, "start_md"), "02-30"), "timetables", "起始日期应为“月-日”"),
    ("name_too_long", _set(("timetables", 0, "name"), "作" * 21), "timetables", "名称应为 1 到 20 个字"),
    ("name_empty", _set(("timetables", 0, "name"), "  "), "timetables", "名称"),
    ("duplicate_names", _set(("timetables", 1, "name"), "夏季作息"), "timetables", "名称不能重复"),
    ("no_timetables", _set(("timetables",), []), "timetables", "至少应有一套"),
    ("seven_timetables", _set(("timetables",), [{}] * 7), "timetables", "最多 6 套"),
    ("three_punches", _set(("punches_per_day",), 3), "punches_per_day", "2 或 4"),
    ("punches_as_text", _set(("punches_per_day",), "4"), "punches_per_day", "2 或 4"),
    ("punches_as_bool", _set(("punches_per_day",), True), "punches_per_day", "2 或 4"),
    ("huge_grace", _set(("grace_minutes",), 10**12), "grace_minutes", "0 到 240"),
    ("negative_grace", _set(("grace_minutes",), -1), "grace_minutes", "0 到 240"),
    ("float_minutes", _set(("absent_late_minutes",), 30.5), "absent_late_minutes", "整数"),
    ("zero_absent_minutes", _set(("early_absent_minutes",), 0), "early_absent_minutes", "1 到 240"),
    ("grace_not_below_absent", _set(("grace_minutes",), 15), "grace_minutes", "应小于"),
    ("study_weekday_7", _set(("study", "weekday"), 7), "study", "0 到 6"),
    ("study_in_the_morning", _set(("study",), {"weekday": 2, "start": "09:00", "end": "10:00"}), "study",
     "午间下班之后"),
    ("study_after_hours", _set(("study", "end"), "18:30"), "study", "下班之前"),
    ("study_reversed", _set(("study", "end"), "13:00"), "study", "开始时间应早于结束时间"),
    ("study_a_list", _set(("study",), [2, "13:30", "15:00"]), "study", "对象"),
    ("missing_key", _drop("grace_minutes"), "content", "缺少“grace_minutes”"),
    ("unknown_key", _set(("overtime",), 1), "content", "无法识别的项“overtime”"),
    ("unknown_timetable_key", _set(("timetables", 0, "lunch"), "12:00"), "timetables", "无法识别的项“lunch”"),
    ("nested_garbage", _set(("timetables", 0, "morning"), [[["08:30"]], {"a": None}]), "timetables", "时:分"),
    ("timetable_not_object", _set(("timetables", 0), "夏季"), "timetables", "对象"),
    ("timetables_a_string", _set(("timetables",), "all year"), "timetables", "至少应有一套"),
    ("three_seasons_overlap", _third, "timetables", "同时属于"),
]


@pytest.mark.parametrize(
    ("change", "field", "words"), [c[1:] for c in REFUSALS], ids=[c[0] for c in REFUSALS]
)
def test_parse_refuses_with_a_clear_message(change: Callable[[dict[str, Any]], None], field: str, words: str) -> None:
    content = seasons_content()
    change(content)
    with pytest.raises(InvalidInput) as raised:
        parse_schedule(content)
    assert raised.value.field == field
    assert words in raised.value.message and raised.value.message.startswith("作息设置有误")


@pytest.mark.parametrize("content", [None, [], "x", 4, {1: 2}], ids=["none", "list", "text", "number", "int_keys"])
def test_parse_refuses_what_is_not_an_object(content: Any) -> None:
    with pytest.raises(InvalidInput):
        parse_schedule(content)


GARBAGE: list[Any] = [None, True, 0, -1, 10**30, 1e308, float("nan"), "", "x" * 1000, "25:61", "13-45", [], {},
                      [[[]]], {"a": {"b": [1]}}, ["08:30"], ["08:30", "12:00", "14:00"], {"weekday": 2}]


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _paths(value, (*prefix, index))
    return found


def test_parse_raises_nothing_but_invalid_input_on_garbage() -> None:
    rng = random.Random(20261206)
    base = seasons_content()
    paths = _paths(base)
    refused = 0
    for _ in range(3000):
        content = copy.deepcopy(base)
        for path in rng.sample(paths, rng.randint(1, 3)):
            try:
                _set(path, copy.deepcopy(rng.choice(GARBAGE)))(content)
            except (KeyError, IndexError, TypeError):
                continue  # an earlier change replaced a parent
        try:
            parse_schedule(content)
        except InvalidInput as error:
            assert error.field and error.message.startswith("作息设置有误")
            refused += 1
    assert refused > 2500


def test_timetable_wrapping_the_year() -> None:
    winter = Timetable("冬季", "10-01", "04-30", (T(8, 30), T(12, 0)), (T(14, 0), T(17, 30)))
    assert winter.applies_to(dt.date(2026, 12, 31)) and winter.applies_to(dt.date(2026, 1, 1))
    assert not winter.applies_to(dt.date(2026, 5, 1))
