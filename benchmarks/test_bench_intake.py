"""Local write latency of one decision (case + materials + notices + audit + outbox), and
ledger search on the demo-sized file. Run with `make bench`; p50/p99 are printed."""

from __future__ import annotations

import statistics
import time

from app.cases.rules import MaterialCheck
from app.context import Actor
from app.dto import Applicant, DecisionInput, IntakeRequest
from app.services import Services


def _request(services: Services) -> IntakeRequest:
    m = services.catalogue.find("yyzz")[0]
    mats = tuple(
        MaterialCheck(t.name, t.is_main, t.deferrable, "received", t.originals, t.copies, material_id=t.id)
        for t in services.catalogue.detail(m.id).materials
    )
    return IntakeRequest(m.id, Applicant("person", "李明", "11010519491231002X", "13800138000"), mats,
                         decision=DecisionInput("accept"))


def test_decision_write_latency(services: Services, benchmark) -> None:
    clerk = services.auth.login("zhangmin", "demo1234")
    actor = Actor(clerk.id, clerk.name)
    request = _request(services)
    for _ in range(20):  # warm-up
        services.intake.open_case(actor, request, window_id=None)
    samples = []
    for _ in range(500):
        t0 = time.perf_counter()
        services.intake.open_case(actor, request, window_id=None)
        samples.append((time.perf_counter() - t0) * 1000)
    samples.sort()
    p50, p99 = statistics.median(samples), samples[int(len(samples) * 0.99) - 1]
    print(f"\ndecision write (synchronous=FULL): p50 {p50:.2f} ms, p99 {p99:.2f} ms, n={len(samples)}")
    benchmark.pedantic(lambda: services.intake.open_case(actor, request, window_id=None), rounds=50)
