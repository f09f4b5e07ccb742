"""The monthly attendance sheet of a 300-staff hall, computed by app.attendance.rules.month_sheet.

Simulates September 2026 on the official calendar (Sunday 20 Sep is a 调休 working day, Friday
25 Sep a holiday): 300 staff in 12 departments, 4 punches a working day with a few minutes of
jitter, some late or early, some leave (half days, whole days, 临时外出 hours), two punch-device
outage days (most staff make them up with approved 补签, some do not), a few flagged punches, a
few people joining or leaving mid-month. Prints the best wall time of 5 runs and the sheet's
totals. Target: <= 1 s. Run: ``.venv/bin/python benchmarks/attendance_month.py``.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.attendance.rules import (
    LeaveFact,
    MakeupFact,
    MonthSheet,
    Person,
    PunchFact,
    month_days,
    month_sheet,
)
from app.attendance.schedule import default_schedule, expected_slots
from app.workcal import WorkingCalendar, official_exceptions

STAFF = 300
YEAR, MONTH = 2026, 9
AS_OF = dt.date(2026, 9, 30)
OUTAGES = (dt.date(2026, 9, 8), dt.date(2026, 9, 22))
RUNS = 5
LEAVE_KINDS = ("事假", "病假", "休假", "公假")


def people(rng: random.Random) -> list[Person]:
    result = []
    for i in range(STAFF):
        dept = i % 12
        joined = dt.date(2026, 9, rng.randint(2, 28)) if i % 97 == 5 else None
        left = dt.date(2026, 9, rng.randint(2, 28)) if i % 89 == 7 else None
        result.append(Person(f"s{i:03d}", f"职员{i}", f"d{dept}", f"部门{dept}", f"{i // 2 + 1:02d}", joined, left))
    return result


def _jitter(rng: random.Random, slot: str) -> int:
    """Seconds off the slot time: mostly a little early for a start and a little late for an end."""
    roll = rng.random()
    if roll < 0.04:
        return rng.randint(60, 45 * 60) * (1 if slot in ("start", "noon_in") else -1)  # late / early
    return rng.randint(-15 * 60, 0) if slot in ("start", "noon_in") else rng.randint(0, 20 * 60)


def facts(
    rng: random.Random, staff: list[Person], calendar: WorkingCalendar
) -> tuple[list[PunchFact], list[LeaveFact], list[MakeupFact]]:
    schedule = default_schedule()
    punches: list[PunchFact] = []
    leaves: list[LeaveFact] = []
    makeups: list[MakeupFact] = []
    n = 0
    for day in month_days(YEAR, MONTH):
        if not calendar.is_working_day(day):
            continue
        slots = expected_slots(schedule, day)
        for person in staff:
            if day in OUTAGES:
                if rng.random() < 0.9:
                    makeups += [MakeupFact(person.staff_id, day, s.name, dt.datetime.combine(day, s.at),
                                           id=f"m{len(makeups)}") for s in slots]
                continue
            roll = rng.random()
            if roll < 0.02:
                start = dt.datetime.combine(day, dt.time(0, 0))
                leaves.append(LeaveFact(person.staff_id, rng.choice(LEAVE_KINDS), start,
                                        start + dt.timedelta(days=1), id=f"l{len(leaves)}"))
                continue
            if roll < 0.03:
                start = dt.datetime.combine(day, dt.time(15, 0))
                leaves.append(LeaveFact(person.staff_id, "临时外出", start, start + dt.timedelta(hours=1),
                                        id=f"l{len(leaves)}"))
            for slot in slots:
                if rng.random() < 0.005:
                    continue  # a forgotten punch
                at = dt.datetime.combine(day, slot.at) + dt.timedelta(seconds=_jitter(rng, slot.name))
                n += 1
                punches.append(PunchFact(person.staff_id, at, id=f"p{n}", flagged=rng.random() < 0.002))
    return punches, leaves, makeups


def main() -> None:
    rng = random.Random(12)
    calendar = WorkingCalendar(official_exceptions([YEAR]), known_years=[YEAR])
    staff = people(rng)
    punches, leaves, makeups = facts(rng, staff, calendar)
    times, cpu = [], []
    sheet: MonthSheet | None = None
    for _ in range(RUNS):
        began, began_cpu = time.perf_counter(), time.process_time()
        sheet = month_sheet(default_schedule(), calendar, YEAR, MONTH, staff, punches, leaves, makeups,
                            as_of=AS_OF, makeup_days=3, hall_name="模拟大厅")
        times.append(time.perf_counter() - began)
        cpu.append(time.process_time() - began_cpu)
    assert sheet is not None
    rows = sheet.people
    leave_days: dict[str, float] = {}
    for row in rows:
        for kind, days in row.leave_days.items():
            leave_days[kind] = leave_days.get(kind, 0.0) + days
    working = sum(1 for d in month_days(YEAR, MONTH) if calendar.is_working_day(d))
    print(f"input: {len(staff)} staff, {working} working days, {len(punches)} punches, {len(leaves)} leaves, "
          f"{len(makeups)} 补签, outages {', '.join(d.isoformat() for d in OUTAGES)}")
    print(f"month_sheet {YEAR}-{MONTH:02d}: best {min(times) * 1000:.0f} ms of {RUNS} "
          f"(all: {', '.join(f'{t * 1000:.0f}' for t in times)} ms; best CPU time {min(cpu) * 1000:.0f} ms); "
          f"target <= 1000 ms")
    print(f"load average while running: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"day results: {sum(len(r.days) for r in rows)}; person-workdays {sum(r.workdays for r in rows)}")
    print(f"late {sum(r.late_count for r in rows)} ({sum(r.late_minutes for r in rows)} min), "
          f"early {sum(r.early_count for r in rows)} ({sum(r.early_minutes for r in rows)} min), "
          f"缺卡 {sum(r.missing_count for r in rows)}, 旷工 half days {sum(r.absent_halves for r in rows)}, "
          f"待核 days {sum(r.review_days for r in rows)}")
    print(f"leave days {dict(sorted(leave_days.items()))}, 临时外出 hours {sum(r.out_hours for r in rows):.1f}; "
          f"departments {len(sheet.departments)}")


if __name__ == "__main__":
    main()
