"""Queries of the void-number register (作废号登记簿). Runs in the caller's session and transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Case, NumberBlock, Staff, VoidNumber, Window


class VoidRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    def is_voided(self, number: str) -> bool:
        return self.s.scalar(select(VoidNumber.id).where(VoidNumber.number == number)) is not None

    def by_number(self, number: str) -> VoidNumber | None:
        return self.s.scalar(select(VoidNumber).where(VoidNumber.number == number))

    def add(self, row: VoidNumber) -> None:
        self.s.add(row)
        self.s.flush()

    def of_case(self, case_id: str) -> Sequence[VoidNumber]:
        return self.s.scalars(select(VoidNumber).where(VoidNumber.case_id == case_id)
                              .order_by(VoidNumber.voided_at)).all()

    def register(self, hall_id: str, start: dt.datetime, end: dt.datetime, kind: str | None = None,
                 window_id: str | None = None) -> Sequence[VoidNumber]:
        """The voided numbers of ``hall_id`` voided in [start, end), by kind and number."""
        q = select(VoidNumber).where(VoidNumber.hall_id == hall_id, VoidNumber.voided_at >= start,
                                     VoidNumber.voided_at < end)
        if kind:
            q = q.where(VoidNumber.kind == kind)
        if window_id:
            q = q.where(VoidNumber.window_id == window_id)
        return self.s.scalars(q.order_by(VoidNumber.kind, VoidNumber.year, VoidNumber.serial)).all()

    def names(self, staff_ids: set[str]) -> dict[str, str]:
        wanted = [i for i in staff_ids if i]
        return dict(self.s.execute(select(Staff.id, Staff.name).where(Staff.id.in_(wanted))).tuples().all()) \
            if wanted else {}

    def windows(self, window_ids: set[str]) -> dict[str, Window]:
        wanted = [i for i in window_ids if i]
        return {w.id: w for w in self.s.scalars(select(Window).where(Window.id.in_(wanted)))} if wanted else {}

    def case_numbers(self, case_ids: set[str]) -> dict[str, str]:
        wanted = [i for i in case_ids if i]
        return dict(self.s.execute(select(Case.id, Case.number).where(Case.id.in_(wanted))).tuples().all()) \
            if wanted else {}

    def block_holding(self, kind: str, year: int, serial: int) -> NumberBlock | None:
        """This device's number block that ``serial`` of ``kind`` and ``year`` lies in."""
        return self.s.scalar(select(NumberBlock).where(
            NumberBlock.kind == kind, NumberBlock.year == year, NumberBlock.first <= serial,
            NumberBlock.last >= serial))
