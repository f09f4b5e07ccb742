"""The attendance rule engine (考勤规则): one pure function per day, the month a loop over it.

The hall sets the numbers in its :class:`~app.attendance.schedule.Schedule`; the rules are:

* **Slots.** A working day has the punches of :func:`~app.attendance.schedule.expected_slots`: 4 (上班,
  午间下班, 午间上班, 下班) or 2 (上班, 下班: no noon slots). The morning half holds 上班 and 午间下班
  (2 punches: 上班), the afternoon half 午间上班 and 下班 (2 punches: 下班). On the study weekday the
  afternoon starts at the study start when that is earlier (the session is scored like hall hours).
* **Matching.** Punches belong to the calendar day of their own time (a punch at 00:05 is the next
  day's). Times are taken to the minute: a punch within the minute of a slot is on time. Each punch
  goes to the nearest slot of the day (a tie to the earlier slot); with several punches for a slot the
  earliest counts for a start slot (上班, 午间上班), the latest for an end slot (午间下班, 下班).
  An approved 补签 counts as a punch at its claimed time for the slot it names.
* **Late / early.** A start slot is late when its punch is more than ``grace_minutes`` after the slot;
  the minutes are counted from the slot time (grace 5: 08:35 on time, 08:36 late 6 minutes). An end
  slot is early when its punch is before the slot; minutes counted to the slot time. Late by
  ``absent_late_minutes`` or more (early by ``early_absent_minutes`` or more) makes that half day 旷工
  (29 minutes late with the default 30: 迟到29分钟; 30: 旷工); it then counts as 旷工, not as late.
* **Missing.** A slot without punch or 补签 is 缺卡 while a 补签 is still possible (``as_of <=
  makeup_open_until``; the month uses ``calendar.add_working_days(day, makeup_days)``); after that it
  counts as 旷工 for its half day (DOMAIN.md). Today (``day == as_of``) a slot without punch is not yet
  missing unless a later punch exists (or ``now``, when given, is past it). Days after ``as_of`` are
  not judged: their halves show approved leave, else nothing (status "pending") and count nothing.
* **Half-day status**, first that applies: leave overlapping the half's hours (even partly: a one-hour
  临时外出 makes the half 外出) → official (公假) / out (临时外出) / leave (any other kind); 旷工;
  缺卡; 迟到 (with 早退 in the same half shown too); 早退; pending; 正常. When several leaves overlap a
  half the one covering most of it wins. Leave is counted in half days per kind, 临时外出 in hours.
* **Days off.** A day that is not a working day of the calendar (调休 Saturdays are working days) is
  休息; a day before ``joined`` or after ``left`` (the last day employed) is 未在岗. Neither counts.
* **Review.** A flagged punch (offline, clock off) that a result rests on marks the day 待核.
* **Traceability.** Each day lists the ids of the punches, 补签 and leave it rests on.

Implementation: :mod:`app.attendance.rules_day` (a day) and :mod:`app.attendance.rules_month` (the
month, departments, JSON); this module is the public face of both.
"""

from __future__ import annotations

from app.attendance.rules_day import (
    LEAVE_STATUSES,
    OFFICIAL_KIND,
    OUT_KIND,
    STATUS_LABELS,
    DayResult,
    HalfDay,
    day_result,
    leave_status,
)
from app.attendance.rules_facts import LeaveFact, MakeupFact, Person, PunchFact
from app.attendance.rules_month import (
    DepartmentMonth,
    MonthSheet,
    PersonMonth,
    departments,
    month_days,
    month_sheet,
    person_month,
    sheet_from_json,
    sheet_json,
)

__all__ = [
    "LEAVE_STATUSES",
    "OFFICIAL_KIND",
    "OUT_KIND",
    "STATUS_LABELS",
    "DayResult",
    "DepartmentMonth",
    "HalfDay",
    "LeaveFact",
    "MakeupFact",
    "MonthSheet",
    "Person",
    "PersonMonth",
    "PunchFact",
    "day_result",
    "departments",
    "leave_status",
    "month_days",
    "month_sheet",
    "person_month",
    "sheet_from_json",
    "sheet_json",
]
