"""What the server knows of a hall's attendance, in the shapes of app.attendance: the schedule in
force (highest version, else the default), the working calendar, and a month's sheet computed
with app.attendance.rules.month_sheet from the server's own rows (used by attendance.publish)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.attendance.common import schedule_in_force
from app.attendance.schedule import Schedule, default_schedule
from app.errors import DomainError
from app.workcal import CalendarException, WorkingCalendar
from db.models import CalendarDay
from server.attendance_fields import number_parameter


def hall_schedule(s: Session, hall_id: str) -> Schedule:
    """The schedule in force, as the counter reads it (app.attendance.common.schedule_in_force)."""
    try:
        return schedule_in_force(s, hall_id)
    except (DomainError, TypeError, ValueError, KeyError, AttributeError):  # stored rows were checked
        return default_schedule()


def hall_calendar(s: Session) -> WorkingCalendar:
    exceptions = [CalendarException(d.day, d.is_workday, d.name) for d in s.scalars(select(CalendarDay))]
    return WorkingCalendar(exceptions, {e.day.year for e in exceptions})


def hall_month_sheet(s: Session, hall_id: str, year: int, month: int, as_of: dt.date) -> dict[str, Any]:
    """sheet_json of the hall's month from the server's rows, computed exactly as a counter computes
    it from the same rows (app.attendance.months.hall_sheet)."""
    from app.attendance.months import hall_sheet
    from app.attendance.rules import sheet_json

    sheet = hall_sheet(s, hall_id, year, month, calendar=hall_calendar(s), as_of=as_of,
                       makeup_days=int(number_parameter(s, hall_id, "makeup.limit_days")))
    out: dict[str, Any] = sheet_json(sheet)
    return out
