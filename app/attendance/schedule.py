"""The hall's schedule (作息时间和考勤规则): seasonal timetables, punches due each day, and its JSON.

A schedule is versioned reference data (``AttendanceSchedule.content``), set by the business section
and checked by :func:`parse_schedule` on the counter and on the server alike. Pure Python.

* A **timetable** gives the hall hours of a season (e.g. 夏季作息 05-01..09-30): a morning and an
  afternoon range. The timetables of a schedule cover every day of the year exactly once (29 Feb
  included); a range may wrap the new year ("10-01".."04-30"). A season applies from its first day.
* ``punches_per_day`` is 4 (上班, 午间下班, 午间上班, 下班) or 2 (上班, 下班: no noon slots).
* ``grace_minutes``: a start punch is late only after start + grace. ``absent_late_minutes`` /
  ``early_absent_minutes``: late (or leaving early) by that many minutes or more makes the half day 旷工.
* The weekly **study session** (e.g. Wednesday 13:30–15:00) lies inside hall hours and is scored like
  them: on its weekday, when it starts before the afternoon, the afternoon starts at the study start.

Content layout (all keys required except ``study``, which may be null or absent)::

    {"timetables": [{"name": "全年作息", "start_md": "01-01", "end_md": "12-31",
                     "morning": ["08:30", "12:00"], "afternoon": ["14:00", "17:30"]}],
     "punches_per_day": 4, "grace_minutes": 0, "absent_late_minutes": 30, "early_absent_minutes": 30,
     "study": {"weekday": 2, "start": "13:30", "end": "15:00"}}
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from app.errors import InvalidInput

MAX_TIMETABLES = 6
MAX_NAME_CHARS = 20
MAX_MINUTES = 240
WEEKDAY_NAMES = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
SLOT_LABELS = {"start": "上班", "noon_out": "午间下班", "noon_in": "午间上班", "end": "下班"}
_TIME_RE = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
_MD_RE = re.compile(r"^(\d\d)-(\d\d)$")
_KEYS = frozenset(
    {"timetables", "punches_per_day", "grace_minutes", "absent_late_minutes", "early_absent_minutes", "study"}
)
_TIMETABLE_KEYS = frozenset({"name", "start_md", "end_md", "morning", "afternoon"})
_STUDY_KEYS = frozenset({"weekday", "start", "end"})
_LEAP_YEAR = 2024  # month-days are checked against a leap year, so 02-29 is a day of the year


@dataclass(frozen=True)
class Timetable:
    """A season's hall hours, e.g. 夏季作息 05-01..09-30."""

    name: str
    start_md: str  # "05-01": first month-day it applies (inclusive)
    end_md: str  # "09-30": last month-day (inclusive); may wrap the year ("10-01".."04-30")
    morning: tuple[dt.time, dt.time]  # (08:30, 12:00)
    afternoon: tuple[dt.time, dt.time]  # (14:00, 17:30)

    def applies_to(self, day: dt.date) -> bool:
        """Whether ``day`` falls in this season (ranges may wrap the new year)."""
        md = f"{day.month:02d}-{day.day:02d}"
        if self.start_md <= self.end_md:
            return self.start_md <= md <= self.end_md
        return md >= self.start_md or md <= self.end_md


@dataclass(frozen=True)
class StudySession:
    """The weekly study session, e.g. Wednesday 13:30–15:00 (attendance scored)."""

    weekday: int  # 0 = Monday
    start: dt.time
    end: dt.time


@dataclass(frozen=True)
class Slot:
    """A punch due on a day."""

    name: str  # "start" | "noon_out" | "noon_in" | "end"
    at: dt.time
    label: str  # 上班 / 午间下班 / 午间上班 / 下班


@dataclass(frozen=True)
class Schedule:
    """One version of the hall's schedule."""

    version: int
    timetables: tuple[Timetable, ...]
    punches_per_day: int = 4  # 2 (start, end) or 4
    grace_minutes: int = 0  # late only after start + grace
    absent_late_minutes: int = 30  # late by this many minutes or more -> that half day is 旷工
    early_absent_minutes: int = 30  # leaving this much or more early -> that half day is 旷工
    study: StudySession | None = None

    def timetable_for(self, day: dt.date) -> Timetable:
        """The season ``day`` falls in (a parsed schedule covers every day; else the first one)."""
        for timetable in self.timetables:
            if timetable.applies_to(day):
                return timetable
        return self.timetables[0]


def default_schedule() -> Schedule:
    """DOMAIN.md defaults: 8:30–12:00 / 14:00–17:30 all year, 4 punches, no grace, 30 minutes to 旷工,
    Wednesday study 13:30–15:00."""
    return Schedule(
        version=0,
        timetables=(
            Timetable(
                name="全年作息",
                start_md="01-01",
                end_md="12-31",
                morning=(dt.time(8, 30), dt.time(12, 0)),
                afternoon=(dt.time(14, 0), dt.time(17, 30)),
            ),
        ),
        study=StudySession(weekday=2, start=dt.time(13, 30), end=dt.time(15, 0)),
    )


def expected_slots(schedule: Schedule, day: dt.date) -> tuple[Slot, ...]:
    """The punches due on ``day`` (whether it is a working day is the caller's business).

    On the study weekday the afternoon starts at the study start when that is earlier."""
    timetable = schedule.timetable_for(day)
    afternoon_start = timetable.afternoon[0]
    study = schedule.study
    if study is not None and study.weekday == day.weekday() and study.start < afternoon_start:
        afternoon_start = study.start
    if schedule.punches_per_day == 2:
        times = {"start": timetable.morning[0], "end": timetable.afternoon[1]}
    else:
        times = {
            "start": timetable.morning[0],
            "noon_out": timetable.morning[1],
            "noon_in": afternoon_start,
            "end": timetable.afternoon[1],
        }
    return tuple(Slot(name=name, at=at, label=SLOT_LABELS[name]) for name, at in times.items())


# --- JSON -----------------------------------------------------------------------------------


def _hhmm(value: dt.time) -> str:
    return value.strftime("%H:%M")


def schedule_content(schedule: Schedule) -> dict[str, Any]:
    """The JSON-safe content of ``schedule`` (``parse_schedule(schedule_content(s), s.version) == s``)."""
    study = schedule.study
    return {
        "timetables": [
            {
                "name": t.name,
                "start_md": t.start_md,
                "end_md": t.end_md,
                "morning": [_hhmm(t.morning[0]), _hhmm(t.morning[1])],
                "afternoon": [_hhmm(t.afternoon[0]), _hhmm(t.afternoon[1])],
            }
            for t in schedule.timetables
        ],
        "punches_per_day": schedule.punches_per_day,
        "grace_minutes": schedule.grace_minutes,
        "absent_late_minutes": schedule.absent_late_minutes,
        "early_absent_minutes": schedule.early_absent_minutes,
        "study": None
        if study is None
        else {"weekday": study.weekday, "start": _hhmm(study.start), "end": _hhmm(study.end)},
    }


def _mapping(value: object, field: str, what: str, keys: frozenset[str], required: frozenset[str]) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise InvalidInput(f"作息设置有误：{what}应为一组设置（对象）", field=field)
    unknown = sorted(str(k) for k in value if k not in keys)
    if unknown:
        raise InvalidInput(f"作息设置有误：{what}含有无法识别的项“{unknown[0][:20]}”", field=field)
    missing = sorted(required - set(value))
    if missing:
        raise InvalidInput(f"作息设置有误：{what}缺少“{missing[0]}”", field=field)
    return value


def _time(value: object, field: str, what: str) -> dt.time:
    match = _TIME_RE.match(value) if isinstance(value, str) else None
    if match is None:
        raise InvalidInput(f"作息设置有误：{what}应为“时:分”格式的时间，如 08:30", field=field)
    return dt.time(int(match.group(1)), int(match.group(2)))


def _range(value: object, field: str, what: str) -> tuple[dt.time, dt.time]:
    if not isinstance(value, list | tuple) or len(value) != 2:
        raise InvalidInput(f"作息设置有误：{what}应为开始、结束两个时间", field=field)
    start, end = _time(value[0], field, f"{what}开始"), _time(value[1], field, f"{what}结束")
    if start >= end:
        raise InvalidInput(f"作息设置有误：{what}的开始时间应早于结束时间", field=field)
    return start, end


def _month_day(value: object, field: str, what: str) -> str:
    match = _MD_RE.match(value) if isinstance(value, str) else None
    if match is not None:
        try:
            dt.date(_LEAP_YEAR, int(match.group(1)), int(match.group(2)))
        except ValueError:
            match = None
    if match is None or not isinstance(value, str):
        raise InvalidInput(f"作息设置有误：{what}应为“月-日”格式的日期，如 05-01", field=field)
    return value


def _int(value: object, field: str, what: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidInput(f"作息设置有误：{what}应为 {low} 到 {high} 之间的整数", field=field)
    return value


def _timetable(value: object, index: int) -> Timetable:
    what = f"第 {index + 1} 套作息"
    data = _mapping(value, "timetables", what, _TIMETABLE_KEYS, _TIMETABLE_KEYS)
    name = data["name"]
    if not isinstance(name, str) or not name.strip() or len(name) > MAX_NAME_CHARS:
        raise InvalidInput(f"作息设置有误：{what}的名称应为 1 到 {MAX_NAME_CHARS} 个字", field="timetables")
    morning = _range(data["morning"], "timetables", f"{what}的上午时段")
    afternoon = _range(data["afternoon"], "timetables", f"{what}的下午时段")
    if morning[1] > afternoon[0]:
        raise InvalidInput(f"作息设置有误：{what}的上午时段应在下午时段之前", field="timetables")
    return Timetable(
        name=name.strip(),
        start_md=_month_day(data["start_md"], "timetables", f"{what}的起始日期"),
        end_md=_month_day(data["end_md"], "timetables", f"{what}的截止日期"),
        morning=morning,
        afternoon=afternoon,
    )


def _check_coverage(timetables: tuple[Timetable, ...]) -> None:
    """Every day of a (leap) year in exactly one season."""
    day = dt.date(_LEAP_YEAR, 1, 1)
    while day.year == _LEAP_YEAR:
        owners = [t.name for t in timetables if t.applies_to(day)]
        label = f"{day.month}月{day.day}日"
        if not owners:
            raise InvalidInput(f"作息设置有误：{label}不在任何一套作息内，各套作息应覆盖全年", field="timetables")
        if len(owners) > 1:
            raise InvalidInput(
                f"作息设置有误：{label}同时属于“{owners[0]}”和“{owners[1]}”，各套作息的日期不能重叠",
                field="timetables",
            )
        day += dt.timedelta(days=1)


def _timetables(value: object) -> tuple[Timetable, ...]:
    if not isinstance(value, list | tuple) or not value:
        raise InvalidInput("作息设置有误：至少应有一套作息时间", field="timetables")
    if len(value) > MAX_TIMETABLES:
        raise InvalidInput(f"作息设置有误：作息时间最多 {MAX_TIMETABLES} 套", field="timetables")
    timetables = tuple(_timetable(item, index) for index, item in enumerate(value))
    names = [t.name for t in timetables]
    if len(set(names)) != len(names):
        raise InvalidInput("作息设置有误：各套作息的名称不能重复", field="timetables")
    _check_coverage(timetables)
    return timetables


def _study(value: object, timetables: tuple[Timetable, ...]) -> StudySession | None:
    if value is None:
        return None
    data = _mapping(value, "study", "学习时间", _STUDY_KEYS, _STUDY_KEYS)
    weekday = _int(data["weekday"], "study", "学习日（0 为周一）", 0, 6)
    start, end = _range([data["start"], data["end"]], "study", "学习时间")
    for t in timetables:
        if start < t.morning[1] or end > t.afternoon[1]:
            raise InvalidInput(
                f"作息设置有误：学习时间应在“{t.name}”午间下班之后、下班之前（{_hhmm(t.morning[1])}–{_hhmm(t.afternoon[1])}）",
                field="study",
            )
    return StudySession(weekday=weekday, start=start, end=end)


def parse_schedule(content: Mapping[str, Any], version: int = 0) -> Schedule:
    """The schedule stored as ``content``; raises :class:`InvalidInput` (and nothing else) naming the
    wrong field on anything malformed."""
    required = _KEYS - {"study"}
    data = _mapping(content, "content", "作息设置", _KEYS, required)
    timetables = _timetables(data["timetables"])
    punches = data["punches_per_day"]
    if isinstance(punches, bool) or not isinstance(punches, int) or punches not in (2, 4):
        raise InvalidInput("作息设置有误：每天打卡次数应为 2 或 4", field="punches_per_day")
    grace = _int(data["grace_minutes"], "grace_minutes", "迟到宽限分钟数", 0, MAX_MINUTES)
    absent_late = _int(data["absent_late_minutes"], "absent_late_minutes", "迟到按旷工计的分钟数", 1, MAX_MINUTES)
    early_absent = _int(data["early_absent_minutes"], "early_absent_minutes", "早退按旷工计的分钟数", 1, MAX_MINUTES)
    if grace >= absent_late:
        raise InvalidInput("作息设置有误：迟到宽限分钟数应小于迟到按旷工计的分钟数", field="grace_minutes")
    return Schedule(
        version=version,
        timetables=timetables,
        punches_per_day=int(punches),
        grace_minutes=grace,
        absent_late_minutes=absent_late,
        early_absent_minutes=early_absent,
        study=_study(data.get("study"), timetables),
    )
