"""A counter that worked offline for 30 days with 20,000 operations waiting syncs them all when it
is back online; nothing is discarded, and the time it takes is printed (``-s`` shows it)."""

from __future__ import annotations

import dataclasses
import os
import time

import pytest
from sqlalchemy import func, select

from app.dto import EnquiryInput
from db.models import Case, Enquiry, Notice
from server.schema import InboxOp
from tests.app.kit import IntakeKit
from tests.sync.kit import Hall, actor, count, grouped_actions, login, ops

INTAKES, ENQUIRIES = int(os.environ.get("BL_I", 300)), int(os.environ.get("BL_E", 19_700))
DAYS = 30


def _thirty_days_offline(counter) -> None:
    """Real use cases (intake with acceptance, first-contact log), day after day for 30 days."""
    clerk, who = login(counter), actor(counter)
    kit = IntakeKit(counter)
    request = kit.request(kit.matter(case_type="promised").id)
    per_day = ENQUIRIES // DAYS + 1
    made = 0
    with grouped_actions(counter):
        for day in range(DAYS):
            for i in range(INTAKES // DAYS):
                applicant = dataclasses.replace(request.applicant, name=f"申请人{day:02d}{i:02d}")
                counter.intake.open_case(who, dataclasses.replace(request, applicant=applicant),
                                         window_id=clerk.window_id)
            for _ in range(min(per_day, ENQUIRIES - made)):
                counter.enquiries.record(who, clerk.hall_id, clerk.window_id, EnquiryInput(topic=f"咨询第{made}号"))
                made += 1
            counter.ctx.clock.advance(days=1)  # type: ignore[attr-defined]


@pytest.mark.slow
@pytest.mark.parametrize("server_template", ["sqlite"], indirect=True)
def test_twenty_thousand_operations_from_thirty_days_offline_all_sync(hall: Hall) -> None:
    counter = hall.counter("a")
    counter.sync.tuning.block_size = 1000  # a month offline: blocks sized for it
    counter.sync.sync_once()
    started = time.perf_counter()
    _thirty_days_offline(counter)
    made = time.perf_counter() - started
    hall.server.clock.advance(days=DAYS)  # the server's clock went on too
    waiting = counter.sync.status()
    assert waiting.pending == INTAKES + ENQUIRIES
    assert (counter.ctx.clock.now() - waiting.oldest_pending_at).days == DAYS  # type: ignore[operator]

    started = time.perf_counter()
    report = counter.sync.sync_once()
    took = time.perf_counter() - started
    print(f"\n{INTAKES + ENQUIRIES} ops made in {made:.1f} s; synced in {took:.1f} s "
          f"({(INTAKES + ENQUIRIES) / took:.0f} ops/s, push + pull back + checksum)")
    total = INTAKES + ENQUIRIES
    assert (report.pushed, report.applied, report.conflicts, report.rejected) == (total, total, 0, 0)
    assert report.pending_after == 0 and not ops(counter, "pending") and not ops(counter, "quarantined")
    with hall.server.db.snapshot() as s:
        assert s.scalar(select(func.count()).select_from(InboxOp)) == INTAKES + ENQUIRIES
        assert s.scalar(select(func.count()).select_from(Enquiry)) == ENQUIRIES == count(counter, Enquiry)
        assert s.scalar(select(func.count()).select_from(Case)) == INTAKES == count(counter, Case)
        assert s.scalar(select(func.count()).select_from(Notice)) == 2 * INTAKES == count(counter, Notice)
    assert counter.sync.status().warnings == ()
