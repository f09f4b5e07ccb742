"""The monthly attendance sheet: a loop of :func:`day_result` over a month, per person and per
department, and its lossless JSON (see :mod:`app.attendance.rules` for the rules). Pure Python."""

from __future__ import annotations

import calendar as gregorian
import datetime as dt
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from app.attendance.rules_day import (
    DayResult,
    HalfDay,
    day_result,
)
from app.attendance.rules_facts import LeaveFact, MakeupFact, Person, PunchFact
from app.attendance.schedule import Schedule
from app.errors import InvalidInput
from app.workcal import WorkingCalendar

ONE_DAY = dt.timedelta(days=1)
HALF_DAY_LEAVE = frozenset({"leave", "official"})  # counted in days; 临时外出 is counted in hours


@dataclass(frozen=True)
class PersonMonth:
    person: Person
    days: tuple[DayResult, ...]
    workdays: int  # working days judged (up to as_of) while employed
    late_count: int
    late_minutes: int
    early_count: int
    early_minutes: int
    missing_count: int  # slots still open to 补签
    absent_halves: int
    leave_days: dict[str, float]  # kind -> days (half-day units), the whole month (future leave too)
    out_hours: float  # 临时外出 within hall hours
    review_days: int


@dataclass(frozen=True)
class DepartmentMonth:
    department_id: str | None
    department_name: str
    people: int
    late_count: int
    early_count: int
    missing_count: int
    absent_halves: int
    leave_days: dict[str, float]


@dataclass(frozen=True)
class MonthSheet:
    hall_name: str
    year: int
    month: int
    schedule_version: int
    as_of: dt.date
    people: tuple[PersonMonth, ...]
    departments: tuple[DepartmentMonth, ...]


def month_days(year: int, month: int) -> tuple[dt.date, ...]:
    """Every day of the month."""
    return tuple(dt.date(year, month, d) for d in range(1, gregorian.monthrange(year, month)[1] + 1))


@dataclass(frozen=True)
class _Facts:
    """The month's facts indexed by person (and day)."""

    punches: dict[tuple[str, dt.date], list[PunchFact]]
    leaves: dict[str, list[LeaveFact]]
    makeups: dict[tuple[str, dt.date], list[MakeupFact]]

    @classmethod
    def index(
        cls, punches: Sequence[PunchFact], leaves: Sequence[LeaveFact], makeups: Sequence[MakeupFact]
    ) -> _Facts:
        by_day: dict[tuple[str, dt.date], list[PunchFact]] = defaultdict(list)
        for punch in punches:
            by_day[(punch.staff_id, punch.at.date())].append(punch)
        by_person: dict[str, list[LeaveFact]] = defaultdict(list)
        for leave in leaves:
            by_person[leave.staff_id].append(leave)
        claimed: dict[tuple[str, dt.date], list[MakeupFact]] = defaultdict(list)
        for makeup in makeups:
            claimed[(makeup.staff_id, makeup.day)].append(makeup)
        return cls(by_day, by_person, claimed)

    def leaves_on(self, staff_id: str, day: dt.date) -> Sequence[LeaveFact]:
        if staff_id not in self.leaves:
            return ()
        start = dt.datetime.combine(day, dt.time())
        end = start + ONE_DAY
        return [
            leave
            for leave in self.leaves.get(staff_id, ())
            if leave.starts_at.replace(tzinfo=None) < end and leave.ends_at.replace(tzinfo=None) > start
        ]


@dataclass(frozen=True)
class _Month:
    """What every person's month is judged against."""

    schedule: Schedule
    days: tuple[dt.date, ...]
    working: dict[dt.date, bool]
    open_until: dict[dt.date, dt.date]
    as_of: dt.date
    facts: _Facts

    def person_days(self, person: Person) -> tuple[DayResult, ...]:
        sid = person.staff_id
        return tuple(
            day_result(
                self.schedule,
                day,
                working=self.working[day],
                punches=self.facts.punches.get((sid, day), ()),
                leaves=self.facts.leaves_on(sid, day),
                makeups=self.facts.makeups.get((sid, day), ()),
                as_of=self.as_of,
                makeup_open_until=self.open_until[day],
                person=person,
            )
            for day in self.days
        )


def _leave_days(days: Sequence[DayResult]) -> dict[str, float]:
    totals: dict[str, float] = defaultdict(float)
    for result in days:
        for half in (result.morning, result.afternoon):
            if half.status in HALF_DAY_LEAVE:
                totals[half.kind] += 0.5
    return dict(totals)


def person_month(person: Person, days: tuple[DayResult, ...], as_of: dt.date) -> PersonMonth:
    """The month's totals of one person."""
    return PersonMonth(
        person=person,
        days=days,
        workdays=sum(1 for d in days if d.working and d.day <= as_of and d.morning.status != "not_employed"),
        late_count=sum(d.late_count for d in days),
        late_minutes=sum(d.late_minutes for d in days),
        early_count=sum(d.early_count for d in days),
        early_minutes=sum(d.early_minutes for d in days),
        missing_count=sum(len(d.missing_slots) for d in days),
        absent_halves=sum(d.absent_halves for d in days),
        leave_days=_leave_days(days),
        out_hours=round(sum(d.out_minutes for d in days) / 60, 2),
        review_days=sum(1 for d in days if d.review),
    )


def departments(people: Sequence[PersonMonth]) -> tuple[DepartmentMonth, ...]:
    """Per department, in the order departments first appear among ``people``."""
    groups: dict[str | None, list[PersonMonth]] = {}
    for pm in people:
        groups.setdefault(pm.person.department_id, []).append(pm)
    result = []
    for department_id, group in groups.items():
        leave: dict[str, float] = defaultdict(float)
        for pm in group:
            for kind, days in pm.leave_days.items():
                leave[kind] += days
        result.append(
            DepartmentMonth(
                department_id=department_id,
                department_name=group[0].person.department_name,
                people=len(group),
                late_count=sum(pm.late_count for pm in group),
                early_count=sum(pm.early_count for pm in group),
                missing_count=sum(pm.missing_count for pm in group),
                absent_halves=sum(pm.absent_halves for pm in group),
                leave_days=dict(leave),
            )
        )
    return tuple(result)


def month_sheet(
    schedule: Schedule,
    calendar: WorkingCalendar,
    year: int,
    month: int,
    people: Sequence[Person],
    punches: Sequence[PunchFact],
    leaves: Sequence[LeaveFact],
    makeups: Sequence[MakeupFact],
    *,
    as_of: dt.date,
    makeup_days: int,
    hall_name: str = "",
) -> MonthSheet:
    """The month's sheet: every person (in the order given) every day of the month, then departments.

    A 补签 for ``day`` may be made until ``calendar.add_working_days(day, makeup_days)``."""
    if not 1 <= month <= 12 or not 1 <= year <= 9999:
        raise InvalidInput(f"月份有误：{year}年{month}月", field="month")
    if isinstance(makeup_days, bool) or makeup_days < 0:
        raise InvalidInput("补签期限应为不小于 0 的工作日数", field="makeup_days")
    days = month_days(year, month)
    judged = _Month(
        schedule=schedule,
        days=days,
        working={day: calendar.is_working_day(day) for day in days},
        open_until={day: calendar.add_working_days(day, makeup_days) for day in days},
        as_of=as_of,
        facts=_Facts.index(punches, leaves, makeups),
    )
    rows = tuple(person_month(p, judged.person_days(p), as_of) for p in people)
    return MonthSheet(
        hall_name=hall_name,
        year=year,
        month=month,
        schedule_version=schedule.version,
        as_of=as_of,
        people=rows,
        departments=departments(rows),
    )


# --- JSON (stored in AttendanceMonth.sheet, compared by the server) ---------------------------


def _half_json(half: HalfDay) -> dict[str, Any]:
    return {"status": half.status, "minutes": half.minutes, "kind": half.kind, "early_minutes": half.early_minutes}


def _day_json(d: DayResult) -> dict[str, Any]:
    return {
        "day": d.day.isoformat(),
        "working": d.working,
        "morning": _half_json(d.morning),
        "afternoon": _half_json(d.afternoon),
        "late_minutes": d.late_minutes,
        "early_minutes": d.early_minutes,
        "missing_slots": list(d.missing_slots),
        "absent_halves": d.absent_halves,
        "review": d.review,
        "sources": list(d.sources),
        "late_count": d.late_count,
        "early_count": d.early_count,
        "out_minutes": d.out_minutes,
    }


def _date_json(day: dt.date | None) -> str | None:
    return None if day is None else day.isoformat()


def _person_json(p: Person) -> dict[str, Any]:
    return {
        "staff_id": p.staff_id,
        "name": p.name,
        "department_id": p.department_id,
        "department_name": p.department_name,
        "window_label": p.window_label,
        "joined": _date_json(p.joined),
        "left": _date_json(p.left),
    }


_PERSON_TOTALS = ("workdays", "late_count", "late_minutes", "early_count", "early_minutes", "missing_count",
                  "absent_halves", "out_hours", "review_days")
_DEPARTMENT_TOTALS = ("department_id", "department_name", "people", "late_count", "early_count", "missing_count",
                      "absent_halves")


def sheet_json(sheet: MonthSheet) -> dict[str, Any]:
    """The JSON-safe sheet; :func:`sheet_from_json` gives it back equal."""
    return {
        "hall_name": sheet.hall_name,
        "year": sheet.year,
        "month": sheet.month,
        "schedule_version": sheet.schedule_version,
        "as_of": sheet.as_of.isoformat(),
        "people": [
            {
                "person": _person_json(pm.person),
                "days": [_day_json(d) for d in pm.days],
                **{name: getattr(pm, name) for name in _PERSON_TOTALS},
                "leave_days": dict(pm.leave_days),
            }
            for pm in sheet.people
        ],
        "departments": [
            {**{name: getattr(dm, name) for name in _DEPARTMENT_TOTALS}, "leave_days": dict(dm.leave_days)}
            for dm in sheet.departments
        ],
    }


def _date(value: Any) -> dt.date:
    if not isinstance(value, str):
        raise TypeError(value)
    return dt.date.fromisoformat(value)


def _half_from(data: Mapping[str, Any]) -> HalfDay:
    return HalfDay(str(data["status"]), int(data["minutes"]), str(data["kind"]), int(data["early_minutes"]))


def _day_from(staff_id: str, data: Mapping[str, Any]) -> DayResult:
    return DayResult(
        staff_id=staff_id,
        day=_date(data["day"]),
        working=bool(data["working"]),
        morning=_half_from(data["morning"]),
        afternoon=_half_from(data["afternoon"]),
        late_minutes=int(data["late_minutes"]),
        early_minutes=int(data["early_minutes"]),
        missing_slots=tuple(str(s) for s in data["missing_slots"]),
        absent_halves=int(data["absent_halves"]),
        review=bool(data["review"]),
        sources=tuple(str(s) for s in data["sources"]),
        late_count=int(data["late_count"]),
        early_count=int(data["early_count"]),
        out_minutes=int(data["out_minutes"]),
    )


def _person_from(data: Mapping[str, Any]) -> Person:
    department_id = data["department_id"]
    return Person(
        staff_id=str(data["staff_id"]),
        name=str(data["name"]),
        department_id=None if department_id is None else str(department_id),
        department_name=str(data["department_name"]),
        window_label=str(data["window_label"]),
        joined=None if data["joined"] is None else _date(data["joined"]),
        left=None if data["left"] is None else _date(data["left"]),
    )


def _leave_from(data: Mapping[str, Any]) -> dict[str, float]:
    return {str(kind): float(days) for kind, days in data.items()}


def _person_month_from(data: Mapping[str, Any]) -> PersonMonth:
    person = _person_from(data["person"])
    return PersonMonth(
        person=person,
        days=tuple(_day_from(person.staff_id, d) for d in data["days"]),
        workdays=int(data["workdays"]),
        late_count=int(data["late_count"]),
        late_minutes=int(data["late_minutes"]),
        early_count=int(data["early_count"]),
        early_minutes=int(data["early_minutes"]),
        missing_count=int(data["missing_count"]),
        absent_halves=int(data["absent_halves"]),
        leave_days=_leave_from(data["leave_days"]),
        out_hours=float(data["out_hours"]),
        review_days=int(data["review_days"]),
    )


def _department_from(data: Mapping[str, Any]) -> DepartmentMonth:
    department_id = data["department_id"]
    return DepartmentMonth(
        department_id=None if department_id is None else str(department_id),
        department_name=str(data["department_name"]),
        people=int(data["people"]),
        late_count=int(data["late_count"]),
        early_count=int(data["early_count"]),
        missing_count=int(data["missing_count"]),
        absent_halves=int(data["absent_halves"]),
        leave_days=_leave_from(data["leave_days"]),
    )


def sheet_from_json(data: Mapping[str, Any]) -> MonthSheet:
    """The sheet :func:`sheet_json` wrote; raises :class:`InvalidInput` on anything else."""
    try:
        return MonthSheet(
            hall_name=str(data["hall_name"]),
            year=int(data["year"]),
            month=int(data["month"]),
            schedule_version=int(data["schedule_version"]),
            as_of=_date(data["as_of"]),
            people=tuple(_person_month_from(p) for p in data["people"]),
            departments=tuple(_department_from(d) for d in data["departments"]),
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise InvalidInput(f"考勤月报数据有误：{type(exc).__name__} {str(exc)[:60]}", field="sheet") from exc
