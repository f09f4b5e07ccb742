"""Local write latency of one decision (case + materials + notices + audit + outbox), on the plain
and on the encrypted store (SQLCipher 4; benchmarks.stores): the same demo file, once as it was and
once encrypted the way an existing store is at its first start after the upgrade. Run with
`make bench`; p50/p99 of each and their ratio are printed at the end of the run.

The per-store tests run one after the other; on a machine whose load changes meanwhile their ratio
drifts with it. The interleaved test writes to both stores in turn (one decision each, 500 pairs)
and is the fairer ratio."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import nullcontext
from pathlib import Path

import pytest

from app.clock import FixedClock
from app.context import Actor
from app.services import Services
from benchmarks.decision_write import accept_request
from benchmarks.stores import (
    CONTROL,
    ENCRYPTED,
    PLAIN,
    copy_store,
    encrypted_copy,
    ratio,
    selected,
    sqlcipher_without_key,
)
from tests.conftest import DEFAULT_NOW

_P50_P99: dict[str, tuple[float, float]] = {}


@pytest.fixture(scope="session")
def encrypted_template(demo_template: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, bytes]:
    """The demo template encrypted once (encrypt_plain_store); each test copies it."""
    path = tmp_path_factory.mktemp("encrypted-template") / "demo.sqlite3"
    return path, encrypted_copy(demo_template, path, DEFAULT_NOW)


def _open(store: str, folder: Path, request: pytest.FixtureRequest, clock: FixedClock) -> Services:
    folder.mkdir(exist_ok=True)
    target = folder / "counter.sqlite3"
    key = None
    if store == ENCRYPTED:
        template, key = request.getfixturevalue("encrypted_template")
        copy_store(template, target)
    else:
        copy_store(request.getfixturevalue("demo_template"), target)
    with sqlcipher_without_key() if store == CONTROL else nullcontext():
        return Services.open_demo(target, clock, key=key)


@pytest.fixture
def store_services(request: pytest.FixtureRequest, tmp_path: Path, clock: FixedClock) -> Iterator[Services]:
    s = _open(request.param, tmp_path / request.param, request, clock)
    yield s
    s.close()




def _p50_p99(samples: list[float]) -> tuple[float, float]:
    samples = sorted(samples)
    return statistics.median(samples), samples[int(len(samples) * 0.99) - 1]


def _writer(services: Services) -> Callable[[], float]:
    """One decision written, its wall time in ms."""
    clerk = services.auth.login("zhangmin", "demo1234")
    actor = Actor(clerk.id, clerk.name)
    req = accept_request(services)

    def write() -> float:
        t0 = time.perf_counter()
        services.intake.open_case(actor, req, window_id=None)
        return (time.perf_counter() - t0) * 1000
    return write


def _counts(benchmark) -> tuple[int, int]:
    return (20, 500) if not benchmark.disabled else (2, 20)  # disabled: a smoke run among normal tests


@pytest.mark.parametrize("store_services", selected(), indirect=True)
def test_decision_write_latency(store_services: Services, benchmark, bench_report, request) -> None:
    store = request.node.callspec.params["store_services"]
    write = _writer(store_services)
    warm_up, n = _counts(benchmark)
    for _ in range(warm_up):
        write()
    samples = [write() for _ in range(n)]
    p50, p99 = _p50_p99(samples)
    _P50_P99[store] = (p50, p99)
    line = f"decision write (synchronous=FULL), {store:15s}: p50 {p50:.2f} ms, p99 {p99:.2f} ms, n={len(samples)}"
    if store != PLAIN and PLAIN in _P50_P99:
        base = _P50_P99[PLAIN]
        line += f"   vs plain: p50 {ratio(p50, base[0])}, p99 {ratio(p99, base[1])}"
    print("\n" + line)
    bench_report(line)
    benchmark.pedantic(write, rounds=50)


def test_decision_write_interleaved(tmp_path: Path, clock: FixedClock, benchmark, bench_report, request) -> None:
    """Plain and encrypted in turn, one decision each, so that both see the same machine load."""
    stores = selected()
    opened = {store: _open(store, tmp_path / store, request, clock) for store in stores}
    try:
        writers = {store: _writer(s) for store, s in opened.items()}
        warm_up, n = _counts(benchmark)
        samples: dict[str, list[float]] = {store: [] for store in stores}
        for i in range(warm_up + n):
            order = stores if i % 2 == 0 else stores[::-1]  # neither always goes first
            for store in order:
                ms = writers[store]()
                if i >= warm_up:
                    samples[store].append(ms)
        base = _p50_p99(samples[PLAIN]) if PLAIN in samples else None
        for store in stores:
            p50, p99 = _p50_p99(samples[store])
            line = f"decision write, interleaved,      {store:15s}: p50 {p50:.2f} ms, p99 {p99:.2f} ms, n={n}"
            if base is not None and store != PLAIN:
                line += f"   vs plain: p50 {ratio(p50, base[0])}, p99 {ratio(p99, base[1])}"
            print("\n" + line)
            bench_report(line)
        benchmark.pedantic(lambda: [w() for w in writers.values()], rounds=50)  # one decision on each
    finally:
        for s in opened.values():
            s.close()
