"""A month of the demo hall for the reports' tests (March 2026, 22 working days), made through the real
services on a moving clock: cases taken in, decided (受理, 容缺, 一次性告知, 不予受理, 视为受理), suspended,
completed late or on time, voided; ratings through the rating screen's booth with a 差评 and an upheld
appeal; punches, leave and 空岗 as rows (what the attendance machine import and the server would write).
The tests here check that the month holds what the others rely on."""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from app.attendance.schedule import default_schedule, expected_slots
from app.clock import FixedClock
from app.context import Actor
from app.dto import DecisionInput
from app.ids import uuid7
from app.ratings.booth import RatingBooth
from app.services import Services
from tests.app.attendance_kit import who, window_id
from tests.app.kit import IntakeKit

D = dt.date
MARCH = (D(2026, 3, 1), D(2026, 3, 31))


def at(day: dt.date, hour: int = 9, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute))


@dataclass
class Month:
    """What the builder made, by name, for the assertions."""

    services: Services
    cases: dict[str, str] = field(default_factory=dict)  # name -> case id
    ratings: dict[str, str] = field(default_factory=dict)
    completed: dict[str, dt.datetime] = field(default_factory=dict)  # name -> when completed

    def set_clock(self, when: dt.datetime) -> None:
        self.services.ctx.clock.at = when  # type: ignore[attr-defined]


class Builder:
    def __init__(self, services: Services) -> None:
        self.s, self.kit, self.month = services, IntakeKit(services), Month(services)
        self.booth = RatingBooth(services.ctx)

    def matter(self, code: str):  # MatterSummary
        return next(m for m in self.s.catalogue.matters() if m.code == code)

    def intake(self, name: str, login: str, window: str, code: str, when: dt.datetime,
               decision: str | DecisionInput | None = "accept", materials=None) -> str:
        self.month.set_clock(when)
        m = self.matter(code)
        view = self.s.intake.open_case(who(self.s, login), self.kit.request(m.id, decision=decision,
                                                                           materials=materials),
                                       window_id=window_id(self.s, window))
        self.month.cases[name] = view.id
        return view.id

    def complete(self, name: str, login: str, when: dt.datetime) -> None:
        self.month.set_clock(when)
        view = self.s.lifecycle.get(self.month.cases[name])
        self.s.lifecycle.complete(who(self.s, login), view.id, view.version, approved=True, result="准予")
        self.month.completed[name] = when

    def rate(self, name: str, level: int | None, reasons=(), phone: str = "", when: dt.datetime | None = None) -> str:
        if when is not None:
            self.month.set_clock(when)
        prompt = self.booth.prompt(self.month.cases[name], "complete")
        assert prompt is not None
        receipt = self.booth.record_unrated(prompt) if level is None else self.booth.record(prompt, level,
                                                                                            list(reasons), "", phone)
        self.month.ratings[name] = receipt.rating_id
        return receipt.rating_id


def _cases(b: Builder) -> None:
    # window 01 (张敏, 市场监管): SCJ-002 promised 1 working day
    for i, done in enumerate((D(2026, 3, 3), D(2026, 3, 3), D(2026, 3, 5))):  # the last one late (due 3 March)
        b.intake(f"p{i}", "zhangmin", "01", "SCJ-002", at(D(2026, 3, 2), 9, 10 + i))
        b.complete(f"p{i}", "zhangmin", at(done, 10))
    b.intake("spot", "zhangmin", "01", "SCJ-001", at(D(2026, 3, 2), 10))  # 即办件 completed on the spot
    b.complete("spot", "zhangmin", at(D(2026, 3, 2), 10, 30))
    b.intake("next_day", "zhangmin", "01", "SCJ-001", at(D(2026, 3, 3), 16))  # 即办件 completed the next day
    b.complete("next_day", "zhangmin", at(D(2026, 3, 4), 9))
    m = b.matter("SCJ-002")
    deferred = [dataclasses.replace(x, status="deferred") if x.deferrable else x for x in b.kit.materials(m.id)]
    due = b.s.ctx.calendar().add_working_days(D(2026, 3, 6), m.promised_days)
    b.intake("deferred", "zhangmin", "01", "SCJ-002", at(D(2026, 3, 6)),
             DecisionInput("accept_deferred", supply_deadline=due, commitment_signed=True), deferred)
    # window 03 (王芳, 人力社保): a one-time notice then acceptance; a rejection; a suspension
    r = b.matter("RSJ-002")
    missing = [dataclasses.replace(x, status="missing") if i == 0 else x for i, x in enumerate(b.kit.materials(r.id))]
    b.intake("corrected", "wangfang", "03", "RSJ-002", at(D(2026, 3, 4)), "request_correction", missing)
    b.month.set_clock(at(D(2026, 3, 6)))
    view = b.s.intake.get(b.month.cases["corrected"])
    b.s.intake.decide(who(b.s, "wangfang"), view.id, view.version, DecisionInput("accept"), b.kit.materials(r.id))
    b.complete("corrected", "wangfang", at(D(2026, 3, 10)))
    b.intake("rejected", "wangfang", "03", "RSJ-002", at(D(2026, 3, 5)),
             DecisionInput("reject", reject_category="not_licensable", reject_reason="不属于许可事项",
                           reject_legal_basis="《行政许可法》第三十二条"))
    b.intake("suspended", "wangfang", "03", "RSJ-002", at(D(2026, 3, 11)))  # due 16 March
    b.month.set_clock(at(D(2026, 3, 12)))
    view = b.s.lifecycle.get(b.month.cases["suspended"])
    view = b.s.lifecycle.suspend(who(b.s, "wangfang"), view.id, view.version, "专家评审")
    b.month.set_clock(at(D(2026, 3, 16)))
    b.s.lifecycle.resume(who(b.s, "wangfang"), view.id, view.version)  # 2 working days: due 18 March
    b.complete("suspended", "wangfang", at(D(2026, 3, 18)))  # on time after the suspension
    # window 06 (陈静, 不动产): accepted, never completed: overdue at the month's end
    b.intake("open_late", "chenjing", "06", "ZRJ-002", at(D(2026, 3, 10)))  # due 13 March
    b.intake("open_ok", "chenjing", "06", "ZRJ-002", at(D(2026, 3, 30)))  # due 2 April
    # received and left undecided: deemed accepted from the day of receipt once the 5 days lapse
    b.intake("deemed", "zhangmin", "01", "SCJ-003", at(D(2026, 3, 9)), None)
    b.month.set_clock(at(D(2026, 3, 17)))
    assert b.s.intake.deem_lapsed([b.month.cases["deemed"]])
    b.complete("deemed", "zhangmin", at(D(2026, 3, 19)))  # due 10 March: overdue completion
    b.intake("voided", "liqiang", "02", "SCJ-003", at(D(2026, 3, 12)))
    view = b.s.lifecycle.get(b.month.cases["voided"])
    b.s.lifecycle.void(who(b.s, "liqiang"), view.id, view.version, "录入错误")
    # the boundaries: the last minute of February, the last of March, the first of April
    b.intake("february", "liqiang", "02", "SCJ-001", dt.datetime(2026, 2, 27, 23, 59))
    b.complete("february", "liqiang", dt.datetime(2026, 2, 27, 23, 59, 30))
    b.intake("last_day", "liqiang", "02", "SCJ-001", dt.datetime(2026, 3, 31, 23, 59))
    b.complete("last_day", "liqiang", dt.datetime(2026, 3, 31, 23, 59, 30))
    b.intake("april", "liqiang", "02", "SCJ-001", dt.datetime(2026, 4, 1, 0, 0))
    b.complete("april", "liqiang", dt.datetime(2026, 4, 1, 0, 1))


def _ratings(b: Builder) -> None:
    for name, level in (("p0", 5), ("p1", 4), ("p2", 3), ("spot", 5), ("corrected", 4), ("suspended", 5),
                        ("february", 5), ("last_day", 4), ("april", 1)):
        b.month.set_clock(b.month.completed[name] + dt.timedelta(seconds=10))
        b.rate(name, level, ["efficiency"] if level <= 2 else [])
    sup, boss = who(b.s, "sunduc"), who(b.s, "chenzr")
    b.month.set_clock(at(D(2026, 3, 4), 9, 5))
    b.rate("next_day", 1, ["attitude"], "13812345678")  # a 差评 left with a phone: verified, rectified in time
    followup = next(f for f in b.s.ratings.followups(sup) if f.rating.id == b.month.ratings["next_day"])
    b.month.set_clock(at(D(2026, 3, 5)))
    followup = b.s.ratings.verify(sup, followup.id, followup.version, "substantiated", "属实")
    b.month.set_clock(at(D(2026, 3, 9)))
    b.s.ratings.rectify(sup, followup.id, followup.version, "批评教育")
    b.month.set_clock(at(D(2026, 3, 19), 10))
    b.rate("deemed", 2, ["efficiency"])  # a 差评 appealed and upheld: out of the counts
    b.month.set_clock(at(D(2026, 3, 20), 9))
    appeal = b.s.ratings.appeal(who(b.s, "zhangmin"), b.month.ratings["deemed"], "mistaken", "办事人误点")
    b.s.ratings.decide_appeal(boss, appeal.id, appeal.version, True, "核实为误评")


def working_days(services: Services, first: dt.date, last: dt.date) -> list[dt.date]:
    calendar = services.ctx.calendar()
    return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)
            if calendar.is_working_day(first + dt.timedelta(days=i))]


def _attendance(b: Builder) -> None:
    """Every window's staff punch all working days of February and March; 张敏 is 12 minutes late on 2 and
    9 March, 王芳 misses the whole of 11 March (旷工) and takes 事假 on 12 March; 空岗 at window 03 twice
    in March (once in February)."""
    services = b.s
    with closing(sqlite3.connect(services.ctx.db.path)) as con, con:
        hall = con.execute("SELECT id FROM hall").fetchone()[0]
        staff_ids = [r[0] for r in con.execute("SELECT id FROM staff WHERE window_id IS NOT NULL")]
        wangfang, zhangmin = who(services, "wangfang").id, who(services, "zhangmin").id
        rows = []
        for staff in staff_ids:
            for day in working_days(services, D(2026, 2, 1), MARCH[1]):
                if staff == wangfang and day in (D(2026, 3, 11), D(2026, 3, 12)):
                    continue
                for slot in expected_slots(default_schedule(), day):  # the rules' own slots (Wednesday's study)
                    late = staff == zhangmin and slot.name == "start" and day in (D(2026, 3, 2), D(2026, 3, 9))
                    shift = 12 if late else (-2 if slot.name in ("start", "noon_in") else 3)
                    when = dt.datetime.combine(day, slot.at) + dt.timedelta(minutes=shift)
                    rows.append((uuid7(), hall, staff, when.strftime("%Y-%m-%d %H:%M:%S.%f"), "machine", "machine:1",
                                 None, 0, "", None, when.strftime("%Y-%m-%d %H:%M:%S.%f")))
        con.executemany("INSERT INTO punch (id, hall_id, staff_id, at, source, device_id, clock_offset_seconds, "
                        "offline, flag, import_id, recorded_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)", rows)
        con.execute("INSERT INTO leave_request (id, hall_id, staff_id, kind, starts_at, ends_at, days, reason, "
                    "approval, status, cover_staff_id, decided_by, decided_at, decision_note, requested_at, version) "
                    "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    (uuid7(), hall, wangfang, "事假", "2026-03-12 00:00:00.000000", "2026-03-13 00:00:00.000000", 1.0,
                     "家中有事", "leave.approve_day", "approved", None, None, None, "", "2026-03-10 09:00:00.000000",
                     1))
        w03 = window_id(services, "03")
        for start, minutes in (("2026-03-11 10:00:00.000000", 25), ("2026-03-11 15:00:00.000000", 40),
                               ("2026-02-26 10:00:00.000000", 15)):
            con.execute("INSERT INTO empty_post (id, hall_id, window_id, started_at, ended_at, minutes, raised_by, "
                        "basis, raised_at) VALUES (?,?,?,?,?,?,?,?,?)",
                        (uuid7(), hall, w03, start, start, minutes, "server", "窗口电脑未联系中心", start))


def build_month(services: Services) -> Month:
    """The month; the clock is left at 1 April 2026 10:00 (March is over, not yet published)."""
    b = Builder(services)
    _cases(b)
    _ratings(b)
    _attendance(b)
    b.month.set_clock(at(D(2026, 4, 1), 10))
    return b.month


def actor(services: Services, login: str) -> Actor:
    return who(services, login)


def test_the_month_holds_what_the_reports_are_checked_against(services) -> None:
    month = build_month(services)
    assert len(month.cases) == 16 and len(month.ratings) == 11
    with closing(sqlite3.connect(services.ctx.db.path)) as con:
        statuses = dict(con.execute("SELECT status, count(*) FROM cases GROUP BY status").fetchall())
        deemed = con.execute("SELECT deemed_accepted, accepted_on FROM cases WHERE id = ?",
                             (month.cases["deemed"],)).fetchone()
        corrections = con.execute("SELECT count(*) FROM notice WHERE kind = 'correction'").fetchone()[0]
        suspended_due = con.execute("SELECT due_date, suspended_days FROM cases WHERE id = ?",
                                    (month.cases["suspended"],)).fetchone()
    assert statuses == {"completed": 11, "accepted": 3, "rejected": 1, "voided": 1}
    assert deemed == (1, "2026-03-09") and corrections == 1 and suspended_due == ("2026-03-18", 2)


@dataclass(frozen=True)
class Built:
    path: Path
    cases: dict[str, str]
    ratings: dict[str, str]


NOW = dt.datetime(2026, 4, 1, 10, 0)


@pytest.fixture(scope="session")
def month_store(demo_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Built:
    """The month built once per session (it takes a few seconds); each test opens a copy."""
    path = tmp_path_factory.mktemp("reports") / "month.sqlite3"
    shutil.copyfile(demo_template, path)
    services = Services.open_demo(path, FixedClock(dt.datetime(2026, 3, 2, 9, 0)))
    try:
        month = build_month(services)
    finally:
        services.close()
    return Built(path, dict(month.cases), dict(month.ratings))


def copy_store(source: Path, target: Path) -> None:
    """A consistent copy of a store, its write-ahead log included (SQLite's backup)."""
    with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(target)) as dst:
        src.backup(dst)


@pytest.fixture
def month(month_store: Built, tmp_path: Path) -> Iterator[tuple[Services, Built]]:
    """A copy of the month opened on 1 April 2026 10:00."""
    path = tmp_path / "month.sqlite3"
    copy_store(month_store.path, path)
    services = Services.open(path, FixedClock(NOW))
    yield services, month_store
    services.close()
