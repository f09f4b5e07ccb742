"""The running checksum of a pull from 0 (app.sync.running): kept page by page in sync_state beside
the cursor, equal to a full recompute over the local rows after every page, carried on by a resumed
pull, dropped (and the full recompute used) when local work happened meanwhile or once the scope's
pull has reached its end."""

from __future__ import annotations

import pytest

from app.clock import FixedClock
from app.services import Services
from app.sync import state
from app.sync.client import SyncUnavailable
from app.sync.protocol import hall_scope
from app.sync.verify import local_checksum
from db.sync_repository import SyncRepository
from tests.conftest import DEFAULT_NOW
from tests.sync.kit import (
    URL,
    Hall,
    Tap,
    actor,
    cursor_of,
    device_of,
    hall_rows,
    intake,
    interrupt_after,
    unverified,
    wire,
)

CASES = 12  # 36 rows in the hall scope: a case and its two papers each




def _kept_sum(services: Services, scope: str) -> str | None:
    with services.ctx.db.read() as s:
        raw = SyncRepository(s).get(state.RUNNING_SUM + scope)
    return raw.split(":")[0] if raw else None


def _full(services: Services, scope: str, hall_id: str) -> str:
    with services.ctx.db.read() as s:
        return local_checksum(s, scope, hall_id)


@pytest.fixture
def fresh(hall: Hall, tmp_path):
    a = hall.counter("a")
    for i in range(CASES):
        intake(a, name=f"申请人{i:02d}")
    view = intake(a, name="孙悟")
    a.lifecycle.suspend(actor(a), view.id, view.version, "需要专家评审")
    a.sync.sync_once()
    services = Services.open(tmp_path / "fresh" / "counter-desk.sqlite3", FixedClock(DEFAULT_NOW))
    yield services
    services.close()


def test_the_sum_kept_after_each_page_is_the_full_recompute(hall: Hall, fresh: Services) -> None:
    scope = hall_scope(hall.server.hall_id)
    for pages in (1, 2, 3):
        wire(fresh, Tap(hall.transport, hook=interrupt_after(1, scope)))  # one more page each time
        fresh.sync.tuning.page_size = 7
        if pages == 1:
            fresh.sync.set_up_from_server(URL, hall.code("02"), "二号窗口电脑")  # works despite the cut
        else:
            with pytest.raises(SyncUnavailable):
                fresh.sync.sync_once()  # resumes from the cursor, and is cut again
        assert cursor_of(fresh, scope) == 7 * pages and len(hall_rows(fresh)) == 7 * pages
        assert _kept_sum(fresh, scope) == _full(fresh, scope, hall.server.hall_id)
    wire(fresh, hall.transport)
    fresh.sync.sync_once()
    assert _kept_sum(fresh, scope) is None  # the pull reached its end: later pulls recompute
    assert unverified(fresh) == [] and len(hall_rows(fresh)) == 3 * (CASES + 1) + 1


def test_local_work_during_an_initial_pull_drops_the_sum_and_the_end_still_verifies(
        hall: Hall, fresh: Services) -> None:
    scope = hall_scope(hall.server.hall_id)
    wire(fresh, Tap(hall.transport, hook=interrupt_after(2, scope)))
    fresh.sync.tuning.page_size = 7
    fresh.sync.set_up_from_server(URL, hall.code("02"), "二号窗口电脑")
    assert _kept_sum(fresh, scope) is not None
    intake(fresh, name="等网的人")  # the clerk works while the first pull is not through
    wire(fresh, hall.transport)
    fresh.sync.sync_once()
    assert _kept_sum(fresh, scope) is None
    assert unverified(fresh) == [] and len(hall_rows(fresh)) == 3 * (CASES + 2) + 1
    _, last = hall.server.pull_all(device_of(fresh), scope)
    assert _full(fresh, scope, hall.server.hall_id) == last["checksum"]
