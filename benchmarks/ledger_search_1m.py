"""Ledger search on a file with 1,000,000 cases (and their FTS index), through LedgerService.

Builds the file once (about a few minutes; kept at $BENCH_DB or /tmp/counter-desk-1m.sqlite3),
then times typical clerk queries: median and p95 of 20 runs each, in milliseconds.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import sqlite3
import statistics
import time
from pathlib import Path

from app.clock import FixedClock
from app.dto import LedgerQuery
from app.ids import query_code, uuid7
from app.services import Services

N = int(os.environ.get("BENCH_CASES", "1000000"))
PATH = Path(os.environ.get("BENCH_DB", "/tmp/counter-desk-1m.sqlite3"))
NOW = dt.datetime(2026, 6, 1, 10, 0)
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志红玉兰海燕鹏飞"
STATUSES = ["accepted"] * 5 + ["completed"] * 3 + ["delivered"] * 10 + ["received", "correction", "rejected"]


def build() -> None:
    services = Services.open_demo(PATH, FixedClock(NOW))
    clerk = services.auth.login("zhangmin", "demo1234")
    matters = services.catalogue.matters()
    services.close()
    rnd = random.Random(42)
    con = sqlite3.connect(PATH)
    con.execute("PRAGMA synchronous=OFF")
    start = NOW - dt.timedelta(days=5 * 365)
    cols = ("id, number, query_code, hall_id, matter_id, matter_name, case_type, status, applicant_kind, "
            "applicant_name, applicant_id_number, applicant_phone, legal_representative, agent_name, "
            "agent_id_number, remark, received_at, received_on, notify_due, accepted_on, due_date, "
            "suspended_days, approved, result, reject_category, reject_reason, reject_legal_basis, redirect_to, "
            "recipient_name, recipient_id_number, void_reason, deemed_accepted, created_by, updated_at, version")
    sql = f"INSERT INTO cases ({cols}) VALUES ({','.join('?' * 35)})"
    batch = []
    for i in range(1, N + 1):
        m = matters[i % len(matters)]
        at = start + dt.timedelta(seconds=i * (5 * 365 * 86400 // N))
        status = rnd.choice(STATUSES)
        name = rnd.choice(SURNAMES) + rnd.choice(GIVEN) + (rnd.choice(GIVEN) if rnd.random() < 0.6 else "")
        id_number = f"{rnd.randint(110000, 659999)}{rnd.randint(1950, 2005)}{rnd.randint(1, 12):02d}" \
                    f"{rnd.randint(1, 28):02d}{rnd.randint(0, 9999):04d}"
        due = (at + dt.timedelta(days=20)).date().isoformat()
        batch.append((
            uuid7(), f"DEMO-{at.year}C{i:07d}", query_code(), clerk.hall_id, m.id, m.name, m.case_type, status,
            "person", name, id_number, "13800138000", "", "", "", "", at.isoformat(sep=" "),
            at.date().isoformat(), due, at.date().isoformat(), due, 0, None, "", "", "", "", "", "", "", "", 0,
            clerk.id, at.isoformat(sep=" "), 1,
        ))
        if len(batch) == 50_000:
            con.executemany(sql, batch)
            con.commit()
            batch.clear()
            print(f"  {i:,} cases", flush=True)
    if batch:
        con.executemany(sql, batch)
        con.commit()
    con.execute("ANALYZE")
    con.commit()
    con.close()


def timed(services: Services, q: LedgerQuery, runs: int = 20) -> tuple[float, float, int]:
    samples, n = [], 0
    for _ in range(runs):
        t0 = time.perf_counter()
        n = len(services.ledger.search(q))
        samples.append((time.perf_counter() - t0) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(runs * 0.95) - 1], n


def main() -> None:
    if not PATH.exists():
        t0 = time.perf_counter()
        print(f"building {N:,} cases in {PATH} ...", flush=True)
        build()
        print(f"built in {time.perf_counter() - t0:.0f} s, {PATH.stat().st_size / 1e6:.0f} MB")
    services = Services.open_demo(PATH, FixedClock(NOW))
    with sqlite3.connect(PATH) as c:
        sample = c.execute("SELECT number, query_code, applicant_name, applicant_id_number FROM cases "
                           "WHERE rowid = ?", (N // 2,)).fetchone()
        count = c.execute("SELECT count(*) FROM cases").fetchone()[0]
    number, code, name, id_number = sample
    matter = services.catalogue.matters()[3]
    queries = {
        "case number (exact)": LedgerQuery(text=number),
        "query code": LedgerQuery(text=code),
        "ID number": LedgerQuery(text=id_number),
        "applicant full name": LedgerQuery(text=name),
        "surname+given prefix (2 chars)": LedgerQuery(text=name[:2]),
        "surname only (1 char)": LedgerQuery(text=name[:1]),
        "matter name substring (FTS trigram)": LedgerQuery(text=matter.name[1:5]),
        "status 'received'": LedgerQuery(status="received"),
        "red warnings": LedgerQuery(warning="red"),
        "matter + one month": LedgerQuery(matter_id=matter.id, date_from=dt.date(2025, 3, 1),
                                          date_to=dt.date(2025, 3, 31)),
        "no filter (newest 200)": LedgerQuery(),
    }
    print(f"ledger search on {count:,} cases (median / p95 of 20 runs, rows returned):")
    for label, q in queries.items():
        p50, p95, n = timed(services, q)
        print(f"  {label:40s} {p50:7.1f} ms / {p95:7.1f} ms   {n} rows")
    services.close()


if __name__ == "__main__":
    main()
