"""The monthly appraisal (量化考核) of a 300-seat hall's year, through AppraisalService, on the file
benchmarks/dashboard_year.py builds (about 1M cases, 300 clerks × 4 punches × 250 days, a rating for
every completed case; built once, kept at $BENCH_DB or /tmp/counter-desk-dashboard-year.sqlite3).

Times, best of 3 with the cold first run: the whole hall's draft of November 2026 as the business
section opens it (month_view: every fact of the month collected from the store — attendance sheet,
overdue cases, ratings and appeals, 空岗, 查岗, commendations, 互评, items — then scored, graded and
ranked), the bare computation, and publishing it (the same computation plus the outbox op).
Target: <= 2 s. Run: ``.venv/bin/python benchmarks/appraisal_month.py``.
"""

from __future__ import annotations

import sqlite3
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.clock import FixedClock
from app.context import Actor
from app.services import Services
from benchmarks.dashboard_year import NOW, PATH, build

RUNS = 3


def main() -> None:
    if not PATH.exists():
        print(f"building {PATH} (once; several minutes)…", flush=True)
        build(PATH)
    services = Services.open(PATH, FixedClock(NOW))
    try:
        with sqlite3.connect(PATH) as con:
            sid, name = con.execute("SELECT id, name FROM staff WHERE login = 'liuyang'").fetchone()
            cases = con.execute("SELECT count(*) FROM cases").fetchone()[0]
            staff = con.execute("SELECT count(*) FROM staff WHERE window_id IS NOT NULL").fetchone()[0]
        business = Actor(sid, name)
        print(f"store: {cases:,} cases, {staff} window staff")
        for label, call in (
            ("month_view 2026-11 (hall)", lambda: services.appraisal.month_view(business, 2026, 11)),
            ("compute 2026-11", lambda: _compute(services, 2026, 11)),
            ("month_view 2026-12 (running month)", lambda: services.appraisal.month_view(business, 2026, 12)),
        ):
            times = []
            for _ in range(RUNS + 1):
                t0 = time.perf_counter()
                result = call()
                times.append(time.perf_counter() - t0)
            people = len(result.draft.people) if hasattr(result, "draft") else len(result.people)
            print(f"{label}: cold {times[0] * 1000:.0f} ms, best of {RUNS} {min(times[1:]) * 1000:.0f} ms "
                  f"({people} people)")
        t0 = time.perf_counter()
        version = services.appraisal.publish(business, 2026, 11, "基准测试" if _published(PATH) else "")
        print(f"publish 2026-11 (version {version}): {(time.perf_counter() - t0) * 1000:.0f} ms")
    finally:
        services.close()


def _compute(services: Services, year: int, month: int) -> object:
    with services.ctx.db.read() as s:
        return services.appraisal.compute(s, year, month)


def _published(path: Path) -> bool:
    with sqlite3.connect(path) as con:
        return bool(con.execute("SELECT count(*) FROM appraisal_month WHERE month = '2026-11'").fetchone()[0])


if __name__ == "__main__":
    main()
