"""Number-block leasing: serial numbers unique per hall, kind and year even offline.

Per (hall, kind, year) the server keeps the highest number leased or reported used, in a row
locked FOR UPDATE for the rest of the transaction; a lease takes the next ``size`` numbers above
it, so two blocks never overlap. A lease is idempotent per (device, request_id). Runs inside the
caller's write transaction; refusals raise ApiError.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app.sync.protocol import MAX_NUMBER, NUMBER_KINDS
from server.errors import ApiError
from server.schema import NumberCounter, NumberLease, SyncDevice

MIN_YEAR, MAX_YEAR = 2000, 2999


@dataclass(frozen=True)
class UsedNumbers:
    """The highest number of ``kind`` a device already used in ``year`` (e.g. while standalone)."""

    kind: str
    year: int
    highest: int


def check_kind_year(kind: str, year: int) -> None:
    if kind not in NUMBER_KINDS:
        raise ApiError(422, "number_kind_unknown", f"未知的编号种类“{kind}”。")
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ApiError(422, "number_year_invalid", f"编号年度 {year} 不正确。")


def lock_counter(s: Session, hall_id: str, kind: str, year: int) -> NumberCounter:
    dialect = sqlite if s.get_bind().dialect.name == "sqlite" else postgresql
    s.execute(
        dialect.insert(NumberCounter).values(hall_id=hall_id, kind=kind, year=year, last_issued=0)
        .on_conflict_do_nothing()
    )
    return s.scalars(
        select(NumberCounter)
        .where(NumberCounter.hall_id == hall_id, NumberCounter.kind == kind, NumberCounter.year == year)
        .with_for_update().execution_options(populate_existing=True)
    ).one()


def lease_block(
    s: Session, device: SyncDevice, *, request_id: str, kind: str, year: int, size: int, now: dt.datetime,
) -> NumberLease:
    """The block for this request: the one leased before under ``request_id``, or a new one."""
    check_kind_year(kind, year)
    counter = lock_counter(s, device.hall_id, kind, year)
    earlier = s.scalar(
        select(NumberLease).where(NumberLease.device_id == device.id, NumberLease.request_id == request_id)
    )
    if earlier is not None:
        if (earlier.kind, earlier.year) != (kind, year):
            raise ApiError(409, "request_id_reused", "该请求编号已用于另一种编号的申领。")
        return earlier
    first = counter.last_issued + 1
    if first > MAX_NUMBER:
        raise ApiError(409, "numbers_exhausted", f"{year} 年度“{kind}”编号已全部发放完毕，请联系信息科。")
    last = min(first + size - 1, MAX_NUMBER)
    counter.last_issued = last
    lease = NumberLease(
        id=str(uuid.uuid4()), hall_id=device.hall_id, device_id=device.id, request_id=request_id, kind=kind,
        year=year, first=first, last=last, leased_at=now,
    )
    s.add(lease)
    s.flush()
    return lease


def report_used(s: Session, hall_id: str, used: list[UsedNumbers]) -> None:
    """Raise the hall's counters so later blocks start above numbers a device already used. Only
    unmarked numbers are reported (app.sync.blocks.held_numbers): what a PC issued standalone with
    its window number as station mark is outside the hall's leased namespace."""
    for u in sorted(used, key=lambda x: (x.kind, x.year)):  # one lock order: no deadlocks
        check_kind_year(u.kind, u.year)
        if not 0 <= u.highest <= MAX_NUMBER:
            raise ApiError(422, "number_invalid", f"编号 {u.highest} 超出范围。")
        counter = lock_counter(s, hall_id, u.kind, u.year)
        counter.last_issued = max(counter.last_issued, u.highest)


def lease_json(lease: NumberLease) -> dict[str, object]:
    return {
        "lease_id": lease.id, "request_id": lease.request_id, "kind": lease.kind, "year": lease.year,
        "first": lease.first, "last": lease.last, "leased_at": lease.leased_at.isoformat(),
    }
