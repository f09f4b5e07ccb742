"""Ledger search on a file with 1,000,000 cases (and their FTS index), through LedgerService.

Builds the file once (about a few minutes; kept at $BENCH_DB or /tmp/counter-desk-1m.sqlite3),
then times typical clerk queries: median, p95 and max of 20 runs each, in milliseconds. Words of
one and two characters (matter words, given names, a surname) are timed per kind over several
words, the figures taken over all their runs.
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


# Words of one and two characters, by kind: each is timed like a query and the kind reported over all.
SHORT_WORDS = {
    "matter word (2 chars)": ["营业", "护照", "低保", "登记", "许可", "社保", "医保", "发票"],
    "matter word (1 char)": ["照", "税", "药"],
    "given name (2 chars)": ["秀英", "建国", "海燕", "志红", "明超"],
    "given name (1 char)": ["伟", "娜", "磊"],
    "rare name (王𬌗, 𬌗)": ["王𬌗", "𬌗"],
}


def timed(services: Services, qs: list[LedgerQuery], runs: int = 20) -> tuple[float, float, float, int]:
    samples, n = [], 0
    for q in qs:
        for _ in range(runs):
            t0 = time.perf_counter()
            n = len(services.ledger.search(q))
            samples.append((time.perf_counter() - t0) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1], samples[-1], n


def add_rare_names() -> None:
    """A few cases for 王𬌗 (U+2C317, above U+FFFF), through the app like any intake."""
    with sqlite3.connect(PATH) as c:
        if c.execute("SELECT count(*) FROM cases WHERE applicant_name = '王𬌗'").fetchone()[0]:
            return
    from app.context import Actor
    from tests.app.kit import IntakeKit

    services = Services.open_demo(PATH, FixedClock(NOW))
    clerk = services.auth.login("zhangmin", "demo1234")
    kit = IntakeKit(services)
    for _ in range(3):
        services.intake.open_case(Actor(clerk.id, clerk.name), kit.request(kit.matter().id, name="王𬌗"),
                                  window_id=None)
    services.close()


def main() -> None:
    if not PATH.exists():
        t0 = time.perf_counter()
        print(f"building {N:,} cases in {PATH} ...", flush=True)
        build()
        print(f"built in {time.perf_counter() - t0:.0f} s, {PATH.stat().st_size / 1e6:.0f} MB")
    t0 = time.perf_counter()
    services = Services.open_demo(PATH, FixedClock(NOW))  # upgrades an older store first
    print(f"opened in {time.perf_counter() - t0:.1f} s, {PATH.stat().st_size / 1e6:.0f} MB", flush=True)
    services.close()
    add_rare_names()
    services = Services.open_demo(PATH, FixedClock(NOW))
    with sqlite3.connect(PATH) as c:
        sample = c.execute("SELECT number, query_code, applicant_name, applicant_id_number FROM cases "
                           "WHERE rowid = ?", (N // 2,)).fetchone()
        count = c.execute("SELECT count(*) FROM cases").fetchone()[0]
    number, code, name, id_number = sample
    matter = services.catalogue.matters()[3]
    single = {
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
    queries = {label: [q] for label, q in single.items()}
    queries.update({label: [LedgerQuery(text=w) for w in words] for label, words in SHORT_WORDS.items()})
    month = {"date_from": dt.date(2025, 3, 1), "date_to": dt.date(2025, 3, 31)}
    queries["short words + status 'received'"] = [LedgerQuery(text=w, status="received")
                                                  for w in ("营业", "护照", "秀英", "王", "伟")]
    queries["short words + one month"] = [LedgerQuery(text=w, **month) for w in ("营业", "护照", "秀英", "王", "伟")]
    print(f"ledger search on {count:,} cases (median / p95 / max of 20 runs per query, rows returned "
          f"by the last):")
    for label, qs in queries.items():
        p50, p95, worst, n = timed(services, qs)
        print(f"  {label:40s} {p50:7.1f} / {p95:7.1f} / {worst:7.1f} ms   {n} rows")
    print("  each short word (median / max of 10 runs):")
    for word in [w for words in SHORT_WORDS.values() for w in words]:
        p50, _, worst, n = timed(services, [LedgerQuery(text=word)], runs=10)
        print(f"    {word:6s} {p50:7.1f} / {worst:7.1f} ms   {n} rows")
    services.close()


if __name__ == "__main__":
    main()
