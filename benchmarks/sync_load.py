"""300 simulated counters pushing a peak hour of work at once, against the real server process on
a fresh PostgreSQL database (127.0.0.1:5432; created and dropped here).

Each simulated counter is an async HTTP client (its own, with its own connection, as on a real PC)
holding its own enrolled device and a peak hour of realistic work (``--ops`` operations: intakes
with every decision, enquiries, later steps), recorded from real counter stores through
app.services and renamed per counter (tests.harness.driver, benchmarks.sync_common). Like the
counter's sync engine, a counter pushes after every action, so a push carries 1-3 operations. Two runs:

* paced -- the peak hour at real speed (``--speedup 1``): each counter's pushes at random moments
  of the hour, the first ``--window`` seconds of it played: the latency a clerk sees at the peak;
* burst -- every counter pushes its whole hour at once, as fast as the server answers (as after a
  network outage that lasted the whole hour): the ops/s the server applies for one hall, and the
  push latency under that saturation; and how many pushes the server applied per transaction
  (group commit, server.combine; read from its /metrics).

Usage: ``.venv/bin/python benchmarks/sync_load.py [--counters 300] [--ops 40] [--window 180]``
(about 12 minutes with the defaults).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.sync_common import (
    Cloner,
    Op,
    PgServer,
    enrol_devices,
    pg_server,
    record_hours,
    summary_ms,
)


def batches(ops: list[Op], rng: random.Random) -> list[list[Op]]:
    """The pushes a counter makes: after each action, sometimes two or three actions together."""
    out, i = [], 0
    while i < len(ops):
        n = rng.choice([1, 1, 1, 2, 3])
        out.append(ops[i:i + n])
        i += n
    return out


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    statuses: dict[str, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)  # transport errors (the push is retried, as the engine does)


async def counter(base: str, credential: str, pushes: list[list[Op]], start_at: list[float],
                  t0: float, tally: Tally) -> None:
    # each counter its own client and connection, as on a real PC (one shared client of 300
    # connections spent its core scanning its pool: httpcore looks at every connection per request)
    async with httpx.AsyncClient(base_url=base, timeout=600) as http:
        await _pushes(http, credential, pushes, start_at, t0, tally)


async def _pushes(http: httpx.AsyncClient, credential: str, pushes: list[list[Op]], start_at: list[float],
                  t0: float, tally: Tally) -> None:
    headers = {"Authorization": f"Bearer {credential}"}
    for batch, at in zip(pushes, start_at, strict=True):
        delay = t0 + at - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        while True:
            started = time.perf_counter()
            try:
                r = await http.post("/v1/push", json={"ops": batch}, headers=headers)
                break
            except httpx.TransportError as exc:
                tally.failures.append(f"{time.perf_counter() - t0:.1f}s {type(exc).__name__} {exc.__cause__!r}"[:160])
                await asyncio.sleep(1.0)
        tally.latencies.append(time.perf_counter() - started)
        r.raise_for_status()
        for res in r.json()["results"]:
            tally.statuses[res["status"]] = tally.statuses.get(res["status"], 0) + 1


async def run(server: PgServer, work: list[tuple[str, list[list[Op]], list[float]]]) -> tuple[float, Tally]:
    tally = Tally()
    t0 = time.perf_counter()
    await asyncio.gather(*(counter(server.base, cred, pushes, at, t0, tally) for cred, pushes, at in work))
    return time.perf_counter() - t0, tally


def report(name: str, seconds: float, tally: Tally, offered: str = "") -> None:
    applied = tally.statuses.get("applied", 0)
    print(f"{name}: {sum(tally.statuses.values())} ops in {len(tally.latencies)} pushes, {seconds:.1f} s{offered}")
    print(f"  applied {applied} ({applied / seconds:.0f} ops/s), other answers "
          f"{ {k: v for k, v in tally.statuses.items() if k != 'applied'} }")
    print(f"  push latency: {summary_ms(tally.latencies)}")
    if tally.failures:
        print(f"  {len(tally.failures)} pushes failed on the connection and were sent again; "
              f"first: {tally.failures[0]}")


def transactions(server: PgServer) -> tuple[float, float]:
    """The server's count of push transactions and of the pushes they applied, from /metrics."""
    text = httpx.get(server.base + "/metrics", timeout=30).text
    values = {"count": 0.0, "sum": 0.0}
    for line in text.splitlines():
        for part in values:
            if line.startswith(f"counter_desk_push_transaction_pushes_{part}"):
                values[part] += float(line.rsplit(" ", 1)[1])
    return values["count"], values["sum"]


def paced(server: PgServer, args: argparse.Namespace, cloner: Cloner, creds: list[str], rng: random.Random) -> None:
    total = args.counters * args.ops
    hour = 3600 / args.speedup
    work = []
    for cred in creds:
        b = batches(cloner.clone(), rng)
        at = sorted(rng.uniform(0, hour) for _ in b)
        keep = sum(1 for a in at if a < args.window)
        work.append((cred, b[:keep], at[:keep]))
    seconds, tally = asyncio.run(run(server, work))
    report(f"paced: {args.counters} counters, the first {args.window:.0f} s of the peak hour at "
           f"{args.speedup:g}x real speed", seconds, tally, f" (offered {total / hour:.1f} ops/s)")


def burst(server: PgServer, args: argparse.Namespace, cloner: Cloner, creds: list[str], rng: random.Random) -> None:
    work = [(cred, b, [0.0] * len(b)) for cred, b in ((c, batches(cloner.clone(), rng)) for c in creds)]
    before = transactions(server)
    seconds, tally = asyncio.run(run(server, work))
    report(f"burst: {args.counters} counters push their whole peak hour at once", seconds, tally)
    count, pushes = (after - first for after, first in zip(transactions(server), before, strict=True))
    if count:
        print(f"  {pushes:.0f} pushes applied together in {count:.0f} transactions ({pushes / count:.1f} per "
              f"transaction; the rest, if any, on their own after a refusal)")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--counters", type=int, default=300)
    p.add_argument("--ops", type=int, default=40, help="operations per counter in its peak hour")
    p.add_argument("--hours", type=int, default=8, help="different recorded hours the counters' work is cloned from")
    p.add_argument("--speedup", type=float, default=1.0, help="paced run: the hour runs this many times faster")
    p.add_argument("--window", type=float, default=180.0, help="paced run: seconds of it to play")
    p.add_argument("--skip-paced", action="store_true")
    p.add_argument("--skip-burst", action="store_true")
    args = p.parse_args()
    rng = random.Random(7)
    with pg_server() as server:
        t = time.perf_counter()
        cloner = Cloner(record_hours(server.demo, server.folder, args.hours, args.ops))
        creds = enrol_devices(server, 2 * args.counters)
        print(f"setup: {args.hours} recorded hours of {args.ops} actions, {2 * args.counters} devices enrolled "
              f"({time.perf_counter() - t:.0f} s); server {server.base} on {server.db_url.rsplit('/', 1)[1]}")
        if not args.skip_paced:
            paced(server, args, cloner, creds[args.counters:], rng)
        if not args.skip_burst:
            burst(server, args, cloner, creds[: args.counters], rng)


if __name__ == "__main__":
    main()
