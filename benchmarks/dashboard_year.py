"""The reports' dashboard (app.reports) of a 300-seat hall's year, through ReportService.

Builds the file once (several minutes; kept at $BENCH_DB or /tmp/counter-desk-dashboard-year.sqlite3):
the demo hall grown to 300 windows with one clerk each, a year (2026) of about 1,000,000 cases
($BENCH_CASES) on its working days with their papers (收件回执, the decision, 办结通知), a rating for
every completed case with the 差评 follow-ups and some appeals, 4 punches a working day for every clerk,
some leave and 空岗. The business section has published the attendance of January to November, as
halls do each month; December is computed live. Then times the dashboard of December 2026 (with
November beside it and the 12-month trend) and of the year 2026, best of 3, with the cold first run,
and once more with no month published (every month computed live). Target: <= 2 s each.
Run: ``.venv/bin/python benchmarks/dashboard_year.py``.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import sqlite3
import sys
import time
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.clock import FixedClock
from app.context import Actor
from app.ids import query_code, uuid7
from app.numbering import CASE_TYPE_LETTERS, NOTICE_CODES
from app.services import Services
from app.workcal import WorkingCalendar

N = int(os.environ.get("BENCH_CASES", "1000000"))
SEATS = int(os.environ.get("BENCH_SEATS", "300"))
PATH = Path(os.environ.get("BENCH_DB", "/tmp/counter-desk-dashboard-year.sqlite3"))
YEAR = 2026
NOW = dt.datetime(YEAR, 12, 31, 18, 0)
RUNS = 3
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志红玉兰海燕鹏飞"
LEVELS = (5,) * 70 + (4,) * 20 + (3,) * 5 + (2,) * 2 + (1,) * 1 + (None,) * 2
SLOTS = ((8, 30), (12, 0), (14, 0), (17, 30))


def ts(at: dt.datetime) -> str:
    """A datetime as SQLAlchemy stores it in SQLite."""
    return at.strftime("%Y-%m-%d %H:%M:%S.%f")


def insert(con: sqlite3.Connection, table: str, columns: str, rows: list[tuple[object, ...]]) -> None:
    if rows:
        marks = ",".join("?" * len(rows[0]))
        con.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)


class Hall:
    """The demo hall as the generator needs it, grown to SEATS windows (one clerk each)."""

    def __init__(self, services: Services, con: sqlite3.Connection, seats: int = SEATS) -> None:
        self.calendar: WorkingCalendar = services.ctx.calendar()
        self.hall_id, self.code = con.execute("SELECT id, code FROM hall").fetchone()
        self.matters = {d: [] for (d,) in con.execute("SELECT id FROM department")}
        for mid, name, dept, kind, days in con.execute(
                "SELECT id, name, department_id, case_type, promised_days FROM matter WHERE active"):
            self.matters[dept].append((mid, name, kind, days or 0))
        self.departments = [d for d, ms in self.matters.items() if ms]
        self.seats = self._grow(con, seats)
        self.clerks = [sid for (sid,) in con.execute("SELECT id FROM staff WHERE window_id IS NOT NULL")]
        self._due: dict[tuple[dt.date, int], dt.date] = {}

    def _grow(self, con: sqlite3.Connection, size: int) -> list[tuple[str, str, str]]:
        """(window, department, clerk) of every seat: the demo's windows, then new ones."""
        seats = [(w, d, s) for w, d, s in con.execute(
            "SELECT w.id, w.department_id, s.id FROM window w JOIN staff s ON s.window_id = w.id "
            "GROUP BY w.id ORDER BY w.number")]
        windows, staff = [], []
        for n in range(len(seats) + 1, size + 1):
            window_id, staff_id = uuid7(), uuid7()
            dept = self.departments[n % len(self.departments)]
            windows.append((window_id, self.hall_id, f"{n:03d}", f"综合窗口{n}", dept, staff_id, "", ""))
            staff.append((staff_id, self.hall_id, f"clerk{n:03d}", f"职员{n}", "x", "clerk", "clerk", window_id,
                          dept, 1, f"{2000 + n}"))
            seats.append((window_id, dept, staff_id))
        insert(con, "window", "id, hall_id, number, name, department_id, a_staff_id, b_staff_id, zone", windows)
        insert(con, "staff", "id, hall_id, login, name, password_hash, role, roles, window_id, department_id, active,"
                             " staff_no", staff)
        return seats

    def due(self, day: dt.date, days: int) -> dt.date:
        key = (day, days)
        if key not in self._due:
            self._due[key] = self.calendar.add_working_days(day, days)
        return self._due[key]


CASE_COLUMNS = ("id, number, query_code, hall_id, window_id, matter_id, matter_name, case_type, status, applicant_kind,"
                " applicant_name, applicant_id_number, applicant_phone, legal_representative, agent_name,"
                " agent_id_number, remark, received_at, received_on, notify_due, accepted_on, due_date, deferred_due,"
                " suspended_days, decided_at, completed_at, approved, result, reject_category, reject_reason,"
                " reject_legal_basis, redirect_to, delivered_at, recipient_name, recipient_id_number, void_reason,"
                " deemed_accepted, created_by, acting_for, updated_at, version")


class Year:
    """Generates the year's cases with their papers and ratings, batch by batch."""

    def __init__(self, hall: Hall, rng: random.Random) -> None:
        self.hall, self.rng = hall, rng
        self.serial: dict[str, int] = {}
        self.cases: list[tuple[object, ...]] = []
        self.notices: list[tuple[object, ...]] = []
        self.ratings: list[tuple[object, ...]] = []
        self.followups: list[tuple[object, ...]] = []
        self.appeals: list[tuple[object, ...]] = []

    def number(self, kind: str, code: str) -> str:
        self.serial[kind] = self.serial.get(kind, 0) + 1
        return f"{self.hall.code}-{YEAR}-{code}{self.serial[kind]:06d}"

    def paper(self, case_id: str, kind: str, at: dt.datetime, staff: str) -> None:
        self.notices.append((uuid7(), case_id, kind, self.number(kind, NOTICE_CODES[kind]), ts(at), staff, "{}", 0))

    def case(self, day: dt.date) -> None:
        rng, hall = self.rng, self.hall
        window, dept, staff = rng.choice(hall.seats)
        matter, name, kind, days = rng.choice(hall.matters[dept])
        received = dt.datetime.combine(day, dt.time(8, 30)) + dt.timedelta(seconds=rng.randint(0, 8 * 3600))
        case_id = uuid7()
        self.paper(case_id, "receipt", received, staff)
        roll = rng.random()
        if roll < 0.02:
            return self._rejected(case_id, window, matter, name, kind, received, staff)
        accepted, deemed, decided = day, False, received
        if roll < 0.06:  # 一次性告知 first, accepted once supplied
            self.paper(case_id, "correction", received, staff)
            accepted = hall.due(day, rng.randint(1, 4))
            decided = dt.datetime.combine(accepted, dt.time(10, 0))
        elif roll < 0.065:  # nobody decided within the notify limit: 视为受理 from the day of receipt
            deemed, decided = True, None
        if accepted > NOW.date():
            return self._open(case_id, window, matter, name, kind, received, staff, "correction")
        due = hall.due(accepted, days)
        deferred = due if roll > 0.97 and days else None
        if decided is not None:
            self.paper(case_id, "deferred" if deferred else "acceptance", decided, staff)
        self._completed(case_id, window, staff, matter, name, kind, received, accepted, due, deferred, deemed, decided)
        return None

    def _row(self, case_id: str, window: str, matter: str, name: str, kind: str, received: dt.datetime, staff: str,
             status: str, **f: object) -> None:
        self.serial[kind] = self.serial.get(kind, 0) + 1
        applicant = self.rng.choice(SURNAMES) + self.rng.choice(GIVEN) + self.rng.choice(GIVEN)
        notify = self.hall.due(received.date(), 5)
        self.cases.append((
            case_id, f"{self.hall.code}-{YEAR}{CASE_TYPE_LETTERS[kind]}{self.serial[kind]:06d}", query_code(),
            self.hall.hall_id, window, matter, name, kind, status, "person", applicant, "110105194912310021",
            "13800138000", "", "", "", "", ts(received), received.date().isoformat(), notify.isoformat(),
            f.get("accepted"), f.get("due"), f.get("deferred"), 0, f.get("decided"), f.get("completed"),
            f.get("approved"), "", "", "", "", "", f.get("delivered"), "", "", "", int(bool(f.get("deemed"))), staff,
            "",
            ts(received), 1))
        return None

    def _rejected(self, case_id: str, window: str, matter: str, name: str, kind: str, received: dt.datetime,
                  staff: str) -> None:
        self.paper(case_id, "rejection", received, staff)
        self._row(case_id, window, matter, name, kind, received, staff, "rejected", decided=ts(received))

    def _open(self, case_id: str, window: str, matter: str, name: str, kind: str, received: dt.datetime, staff: str,
              status: str, **f: object) -> None:
        self._row(case_id, window, matter, name, kind, received, staff, status, **f)

    def _completed(self, case_id: str, window: str, staff: str, matter: str, name: str, kind: str,
                   received: dt.datetime, accepted: dt.date, due: dt.date, deferred: dt.date | None, deemed: bool,
                   decided: dt.datetime | None) -> None:
        rng = self.rng
        days = (due - accepted).days
        if kind == "immediate":
            done_day = accepted if rng.random() < 0.97 else self.hall.due(accepted, 1)
        else:
            late = rng.random() < 0.02
            done_day = self.hall.due(due, rng.randint(1, 3)) if late else accepted + dt.timedelta(
                days=rng.randint(0, max(days, 0)))
        fields = {"accepted": accepted.isoformat(), "due": due.isoformat(), "decided": ts(decided) if decided else None,
                  "deferred": deferred.isoformat() if deferred else None, "deemed": deemed}
        completed = max(dt.datetime.combine(done_day, dt.time(9)) + dt.timedelta(seconds=rng.randint(0, 7 * 3600)),
                        received + dt.timedelta(minutes=20))
        if completed > NOW:
            return self._open(case_id, window, matter, name, kind, received, staff, "accepted", **fields)
        self.paper(case_id, "completion", completed, staff)
        delivered = rng.random() < 0.85
        self._open(case_id, window, matter, name, kind, received, staff, "delivered" if delivered else "completed",
                   completed=ts(completed), approved=1, delivered=ts(completed) if delivered else None, **fields)
        self._rating(case_id, window, staff, matter, completed)
        return None

    def _rating(self, case_id: str, window: str, staff: str, matter: str, completed: dt.datetime) -> None:
        rng = self.rng
        level = rng.choice(LEVELS)
        rating_id, rated = uuid7(), completed + dt.timedelta(minutes=2)
        phone = "13812345678" if level is not None and level <= 2 and rng.random() < 0.4 else ""
        self.ratings.append((rating_id, self.hall.hall_id, case_id, window, staff, matter, level,
                             '["attitude"]' if level is not None and level <= 2 else "[]", "", phone, "counter",
                             "complete", "", ts(rated)))
        if level is not None and level <= 2:
            self._followup(rating_id, case_id, window, staff, rated)

    def _followup(self, rating_id: str, case_id: str, window: str, staff: str, rated: dt.datetime) -> None:
        rng = self.rng
        due = self.hall.due(rated.date(), 15)
        done = rated + dt.timedelta(days=rng.randint(1, 25))
        rectified = ts(done) if done < NOW else None
        self.followups.append((uuid7(), self.hall.hall_id, rating_id, case_id, window, staff,
                               "closed" if rectified else "rectify", ts(rated), due.isoformat(), "", None, "", "", "",
                               rectified, "", None, "", None, "satisfied" if rectified else "", "", "", None, "", 1))
        if rng.random() < 0.05:
            self.appeals.append((uuid7(), self.hall.hall_id, rating_id, staff, "mistaken", "误评", ts(rated),
                                 "upheld" if rng.random() < 0.5 else "dismissed", "", None, "", 1))

    def flush(self, con: sqlite3.Connection) -> None:
        insert(con, "cases", CASE_COLUMNS, self.cases)
        insert(con, "notice", "id, case_id, kind, number, issued_at, issued_by, payload, void", self.notices)
        insert(con, "rating", "id, hall_id, case_id, window_id, staff_id, matter_id, level, reasons, comment,"
                              " callback_phone, channel, trigger, device_id, rated_at", self.ratings)
        insert(con, "rating_followup", "id, hall_id, rating_id, case_id, window_id, staff_id, status, opened_at,"
                                       " rectify_due, verified_by, verified_at, verify_finding, verify_note,"
                                       " rectified_by, rectified_at, measures, callback_due, callback_by, callback_at,"
                                       " callback_result, callback_note, closed_by, closed_at, close_note, version",
               self.followups)
        insert(con, "rating_appeal", "id, hall_id, rating_id, staff_id, ground, reason, appealed_at, status,"
                                     " decided_by, decided_at, decision_note, version", self.appeals)
        con.commit()
        for rows in (self.cases, self.notices, self.ratings, self.followups, self.appeals):
            rows.clear()


def workdays(calendar: WorkingCalendar) -> list[dt.date]:
    day, out = dt.date(YEAR, 1, 1), []
    while day.year == YEAR:
        if calendar.is_working_day(day):
            out.append(day)
        day += dt.timedelta(days=1)
    return out


def punches(hall: Hall, rng: random.Random, days: list[dt.date]) -> Iterator[list[tuple[object, ...]]]:
    """4 punches a working day for every clerk (a few late, a few forgotten), a day's rows at a time."""
    for day in days:
        rows: list[tuple[object, ...]] = []
        for staff in hall.clerks:
            for h, m in SLOTS:
                if rng.random() < 0.003:
                    continue
                shift = rng.randint(-600, 60) if (h, m) in ((8, 30), (14, 0)) else rng.randint(0, 900)
                if rng.random() < 0.01:
                    shift = rng.randint(60, 40 * 60)
                at = dt.datetime.combine(day, dt.time(h, m)) + dt.timedelta(seconds=shift)
                rows.append((uuid7(), hall.hall_id, staff, ts(at), "machine", "machine:1", None, 0, "", None, ts(at)))
        yield rows


def extras(hall: Hall, rng: random.Random, days: list[dt.date], con: sqlite3.Connection) -> None:
    """Approved leave (about 1 % of clerk-days) and 空岗 events (about 2 a day in 300 windows)."""
    leaves, empty = [], []
    for day in days:
        for staff in [s for s in hall.clerks if rng.random() < 0.01]:
            start = dt.datetime.combine(day, dt.time(0))
            leaves.append((uuid7(), hall.hall_id, staff, rng.choice(("事假", "病假", "休假")), ts(start),
                           ts(start + dt.timedelta(days=1)), 1.0, "", "leave.approve_day", "approved", None, None,
                           None, "", ts(start - dt.timedelta(days=2)), 1))
        for window, _dept, _staff in [seat for seat in hall.seats if rng.random() < 0.007]:
            start = dt.datetime.combine(day, dt.time(10)) + dt.timedelta(minutes=rng.randint(0, 300))
            minutes = rng.randint(11, 40)
            empty.append((uuid7(), hall.hall_id, window, ts(start), ts(start + dt.timedelta(minutes=minutes)), minutes,
                          "server", "窗口电脑未联系中心", ts(start)))
    insert(con, "leave_request", "id, hall_id, staff_id, kind, starts_at, ends_at, days, reason, approval, status,"
                                 " cover_staff_id, decided_by, decided_at, decision_note, requested_at, version",
           leaves)
    insert(con, "empty_post", "id, hall_id, window_id, started_at, ended_at, minutes, raised_by, basis, raised_at",
           empty)


def build(path: Path = PATH, cases: int = N, seats: int = SEATS, *, quiet: bool = False) -> None:
    """The year of ``cases`` cases at ``seats`` windows in a new store at ``path`` (the demo hall grown)."""
    services = Services.open_demo(path, FixedClock(NOW))
    con = sqlite3.connect(path)
    con.execute("PRAGMA synchronous=OFF")
    rng = random.Random(2026)
    hall = Hall(services, con, seats)
    services.close()
    days = workdays(hall.calendar)
    year = Year(hall, rng)
    per_day = cases // len(days)
    for i, day in enumerate(days):
        for _ in range(per_day + (1 if i < cases % len(days) else 0)):
            year.case(day)
        if i % 5 == 4 or i == len(days) - 1:
            year.flush(con)
            if not quiet:
                print(f"  {day}: {sum(year.serial.get(k, 0) for k in CASE_TYPE_LETTERS):,} cases", flush=True)
    for rows in punches(hall, rng, days):
        insert(con, "punch", "id, hall_id, staff_id, at, source, device_id, clock_offset_seconds, offline, flag,"
                             " import_id, recorded_at", rows)
    extras(hall, rng, days, con)
    con.commit()
    con.execute("ANALYZE")
    con.commit()
    con.close()


def publish(services: Services, months: range) -> None:
    """The business section's monthly publication (考勤月报) of ``months``, as app.attendance does it."""
    business = services.auth.login("liuyang", "demo1234")
    actor = Actor(business.id, business.name)
    for month in months:
        services.attendance.publish_month(actor, YEAR, month)


def timed(services: Services, actor: Actor, kind: str, anchor: dt.date) -> tuple[float, float, object]:
    """(first run, best of RUNS, the dashboard) in seconds."""
    times, report = [], None
    for _ in range(RUNS):
        t0 = time.perf_counter()
        report = services.reports.dashboard(actor, services.reports.period(kind, anchor))
        times.append(time.perf_counter() - t0)
    return times[0], min(times), report


def report(services: Services, label: str) -> None:
    business = services.auth.login("liuyang", "demo1234")
    actor = Actor(business.id, business.name)
    for kind, anchor in (("month", dt.date(YEAR, 12, 1)), ("year", dt.date(YEAR, 1, 1))):
        first, best, dashboard = timed(services, actor, kind, anchor)
        total = dashboard.current.case_total  # type: ignore[attr-defined]
        rating = dashboard.current.rating_total  # type: ignore[attr-defined]
        print(f"  {label:28s} {kind:5s}: best {best:5.2f} s of {RUNS} (first {first:5.2f} s); target <= 2 s   "
              f"received {total.received:,}, completed {total.completed:,}, rated {rating.rated:,}, "
              f"source {dashboard.current.attendance_source[:40]}…")  # type: ignore[attr-defined]


def main() -> None:
    if not PATH.exists():
        t0 = time.perf_counter()
        print(f"building a {SEATS}-seat hall with {N:,} cases in {PATH} ...", flush=True)
        build()
        print(f"built in {time.perf_counter() - t0:.0f} s, {PATH.stat().st_size / 1e6:.0f} MB", flush=True)
    services = Services.open_demo(PATH, FixedClock(NOW))
    with sqlite3.connect(PATH) as con:
        counts = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                  for t in ("cases", "notice", "rating", "rating_followup", "punch", "staff", "window")}
        published = con.execute("SELECT count(*) FROM attendance_month").fetchone()[0]
    print("rows: " + ", ".join(f"{t} {n:,}" for t, n in counts.items()), flush=True)
    if published:
        with sqlite3.connect(PATH) as con:
            con.execute("DELETE FROM attendance_month")
    report(services, "no month published")
    t0 = time.perf_counter()
    publish(services, range(1, 12))
    print(f"  (published January to November in {time.perf_counter() - t0:.1f} s)")
    report(services, "Jan-Nov published")
    print(f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    services.close()


if __name__ == "__main__":
    main()
