"""Ledger search on a file with 1,000,000 cases (and their FTS index), through LedgerService.

Builds the file once (about a few minutes; kept at $BENCH_DB or /tmp/counter-desk-1m.sqlite3),
then times typical clerk queries: median, p95 and max of 20 runs each, in milliseconds. Words of
one and two characters (matter words, given names, a surname) are timed per kind over several
words, the figures taken over all their runs.

Each query runs on the plain file and, right after, on an encrypted copy of it (SQLCipher 4, made
once with app.store_encryption.encrypt_plain_store as an existing store is at its first start after
the upgrade; kept at $BENCH_DB_ENCRYPTED or in a folder of its own beside the plain file, opened
with the demo clerk's password). The encrypted line carries the ratio of its median to the plain
one, and the rows returned are compared. $BENCH_STORES picks the stores (benchmarks.stores; add
plain-sqlcipher for the plain file through SQLCipher's SQLite, which is a newer SQLite).
$BENCH_CACHE_MIB (an experiment, not what the app does): SQLite's page cache of every store's
connections set to that many MiB instead of the default 2 MiB (an encrypted page is decrypted at
each read from outside that cache).
"""

from __future__ import annotations

import datetime as dt
import os
import random
import sqlite3
import statistics
import sys
import time
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.clock import FixedClock
from app.dto import LedgerQuery
from app.errors import DomainError
from app.ids import query_code, uuid7
from app.services import Services
from app.store_encryption import unlock_with_password
from benchmarks.stores import (
    CONTROL,
    ENCRYPTED,
    PLAIN,
    encrypted_copy,
    page_cache,
    ratio,
    selected,
    sqlcipher_without_key,
    versions,
)
from db.engine import STORE_ERRORS, connect_raw

N = int(os.environ.get("BENCH_CASES", "1000000"))
PATH = Path(os.environ.get("BENCH_DB", "/tmp/counter-desk-1m.sqlite3"))
ENC_PATH = Path(os.environ.get("BENCH_DB_ENCRYPTED", str(PATH.parent / f"{PATH.stem}-encrypted" / PATH.name)))
CLERK = ("zhangmin", "demo1234")
CACHE_MIB = int(os.environ.get("BENCH_CACHE_MIB", "0"))  # an experiment: SQLite's page cache per connection
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

COMBINED_WORDS = ("营业", "护照", "秀英", "王", "伟")  # each with a status, and with a month


@dataclass(frozen=True)
class Timing:
    p50: float
    p95: float
    worst: float
    ids: tuple[str, ...]  # the rows the last run returned (the stores must agree)


def timed(services: Services, qs: list[LedgerQuery], runs: int = 20) -> Timing:
    samples: list[float] = []
    ids: tuple[str, ...] = ()
    for q in qs:
        for _ in range(runs):
            t0 = time.perf_counter()
            rows = services.ledger.search(q)
            samples.append((time.perf_counter() - t0) * 1000)
            ids = tuple(r.id for r in rows)
    samples.sort()
    return Timing(statistics.median(samples), samples[int(len(samples) * 0.95) - 1], samples[-1], ids)


def add_rare_names() -> None:
    """A few cases for 王𬌗 (U+2C317, above U+FFFF), through the app like any intake."""
    with sqlite3.connect(PATH) as c:
        if c.execute("SELECT count(*) FROM cases WHERE applicant_name = '王𬌗'").fetchone()[0]:
            return
    from app.context import Actor
    from tests.app.kit import IntakeKit

    services = Services.open_demo(PATH, FixedClock(NOW))
    clerk = services.auth.login(*CLERK)
    kit = IntakeKit(services)
    for _ in range(3):
        services.intake.open_case(Actor(clerk.id, clerk.name), kit.request(kit.matter().id, name="王𬌗"),
                                  window_id=None)
    services.close()


def _count(path: Path, key: bytes | None) -> int:
    con = connect_raw(path, key, read_only=True)
    try:
        return int(con.execute("SELECT count(*) FROM cases").fetchone()[0])
    finally:
        con.close()


def ensure_encrypted_copy(plain_count: int) -> None:
    """The encrypted copy of the plain file, made afresh when missing or not of the same cases."""
    if ENC_PATH.exists():
        try:
            if _count(ENC_PATH, unlock_with_password(ENC_PATH, *CLERK)) == plain_count:
                return
        except DomainError as exc:
            print(f"encrypted copy not usable ({exc.message}): made afresh")
        except STORE_ERRORS as exc:
            print(f"encrypted copy not usable ({exc}): made afresh")
    print(f"encrypting a copy of the plain file into {ENC_PATH} (encrypt_plain_store) ...", flush=True)
    t0 = time.perf_counter()
    key = encrypted_copy(PATH, ENC_PATH, NOW)
    print(f"  encrypt_plain_store in {time.perf_counter() - t0:.0f} s (copy not included: safety backup, "
          f"sqlcipher_export, verification, plain copies shredded), {ENC_PATH.stat().st_size / 1e6:.0f} MB")
    services = Services.open(ENC_PATH, FixedClock(NOW), key=key)
    services.auth.login(*CLERK)  # the clerk's keyring entry: later runs unlock with the password
    services.close()


def open_store(store: str) -> Services:
    t0 = time.perf_counter()
    path, key, unlock = (ENC_PATH if store == ENCRYPTED else PATH), None, ""
    if store == ENCRYPTED:
        key = unlock_with_password(ENC_PATH, *CLERK)
        unlock = f", of which unlock_with_password {(time.perf_counter() - t0) * 1000:.0f} ms"
    with sqlcipher_without_key() if store == CONTROL else nullcontext():
        services = Services.open_demo(path, FixedClock(NOW), key=key)  # upgrades an older store first
    print(f"opened {store} in {time.perf_counter() - t0:.1f} s{unlock}, {path.stat().st_size / 1e6:.0f} MB",
          flush=True)
    if CACHE_MIB:
        page_cache(services, CACHE_MIB)
    return services


def _line(label: str, store: str, t: Timing, base: Timing | None) -> str:
    line = f"  {label:40s} {store:15s} {t.p50:7.1f} / {t.p95:7.1f} / {t.worst:7.1f} ms   {len(t.ids)} rows"
    if base is not None:
        line += f"   {ratio(t.p50, base.p50)}" + ("" if t.ids == base.ids else "   ROWS DIFFER FROM PLAIN")
    return line


def _queries(services: Services) -> dict[str, list[LedgerQuery]]:
    with sqlite3.connect(PATH) as c:
        sample = c.execute("SELECT number, query_code, applicant_name, applicant_id_number FROM cases "
                           "WHERE rowid = ?", (N // 2,)).fetchone()
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
    queries["short words + status 'received'"] = [LedgerQuery(text=w, status="received") for w in COMBINED_WORDS]
    queries["short words + one month"] = [LedgerQuery(text=w, **month) for w in COMBINED_WORDS]
    return queries


def each_word(opened: dict[str, Services], stores: list[str], queries: dict[str, LedgerQuery]) -> None:
    for word, q in queries.items():
        word_base = None
        for i, store in enumerate(stores):
            t = timed(opened[store], [q], runs=10)
            versus = f"   {ratio(t.p50, word_base.p50)}" if word_base is not None else ""
            print(f"    {word if i == 0 else '':6s} {store:15s} {t.p50:7.1f} / {t.worst:7.1f} ms   {len(t.ids)} rows"
                  f"{versus}")
            word_base = t if store == PLAIN else word_base


def search(opened: dict[str, Services], stores: list[str], queries: dict[str, list[LedgerQuery]],
           count: int) -> None:
    print(f"ledger search on {count:,} cases (median / p95 / max of 20 runs per query, rows returned "
          f"by the last; each store in turn, {'/'.join(stores)}; ratio of the median to plain's"
          f"{f'; page cache {CACHE_MIB} MiB' if CACHE_MIB else ''}):")
    ratios: dict[str, list[float]] = {s: [] for s in stores if s != PLAIN}
    for label, qs in queries.items():
        base = None
        for i, store in enumerate(stores):
            t = timed(opened[store], qs)
            print(_line(label if i == 0 else "", store, t, base))
            if store == PLAIN:
                base = t
            elif PLAIN in stores and base is not None:
                ratios[store].append(t.p50 / base.p50)
    print("  each short word (median / max of 10 runs):")
    each_word(opened, stores, {w: LedgerQuery(text=w) for words in SHORT_WORDS.values() for w in words})
    print("  each short word + status 'received' (median / max of 10 runs):")
    each_word(opened, stores, {w: LedgerQuery(text=w, status="received") for w in COMBINED_WORDS})
    for store, values in ratios.items():
        if values:
            geo = statistics.geometric_mean(values)
            print(f"{store} / plain, median per query kind: geometric mean ×{geo:.2f}, "
                  f"min ×{min(values):.2f}, max ×{max(values):.2f} over {len(values)} kinds")


def main() -> None:
    stores = selected()
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
    count = _count(PATH, None)
    if ENCRYPTED in stores:
        ensure_encrypted_copy(count)
    print(versions())
    opened = {store: open_store(store) for store in stores}
    search(opened, stores, _queries(opened[stores[0]]), count)
    for services in opened.values():
        services.close()


if __name__ == "__main__":
    main()
