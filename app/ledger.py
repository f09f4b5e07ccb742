"""The ledger (台账): search, the clerk's home summary, a case's timeline, outbox status."""

from __future__ import annotations

import datetime as dt

from app.cases.rules import CaseStatus
from app.cases.views import to_row, yellow_before
from app.context import AppContext
from app.dto import CaseRow, HomeSummary, LedgerQuery, OutboxStats, TimelineEntry
from db.repositories import CaseRepository, JournalRepository

_WARN_STATUSES = (CaseStatus.ACCEPTED.value,)


class LedgerService:
    """Read-only queries; safe on the read pool, beside writes (WAL)."""

    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx

    def _yellow_limit(self, today: dt.date) -> dt.date:
        return yellow_before(self.ctx.calendar(), today, self.ctx.int_parameter("yellow_days_before"))

    def search(self, query: LedgerQuery) -> list[CaseRow]:
        today = self.ctx.today()
        limit_date = self._yellow_limit(today)
        due_from, due_before = _due_window(query.warning, today, limit_date)
        with self.ctx.db.read() as s:
            rows = CaseRepository(s).search(
                text_query=query.text.strip(), status=query.status, matter_id=query.matter_id,
                date_from=query.date_from, date_to=query.date_to, due_from=due_from,
                due_before=due_before, warn_statuses=_WARN_STATUSES, limit=query.limit,
            )
            return [to_row(c, today, limit_date) for c in rows]

    def home(self, hall_id: str) -> HomeSummary:
        today = self.ctx.today()
        red = self.search(LedgerQuery(warning="red", limit=200))
        yellow = self.search(LedgerQuery(warning="yellow", limit=200))
        with self.ctx.db.read() as s:
            counts = CaseRepository(s).count_by_status(hall_id)
        return HomeSummary(today=today, red=tuple(red), yellow=tuple(yellow), counts=counts)

    def timeline(self, case_id: str) -> list[TimelineEntry]:
        with self.ctx.db.read() as s:
            return [
                TimelineEntry(at=e.at, actor_name=e.actor_name, action=e.action, summary=e.summary,
                              device_id=e.device_id)
                for e in JournalRepository(s).case_events(case_id)
            ]

    def outbox_stats(self) -> OutboxStats:
        with self.ctx.db.read() as s:
            n, oldest = JournalRepository(s).pending_stats()
        return OutboxStats(pending=n, oldest_pending_at=oldest)


def _due_window(warning: str, today: dt.date, yellow_limit: dt.date) -> tuple[dt.date | None, dt.date | None]:
    if warning == "red":
        return None, today
    if warning == "yellow":
        return today, yellow_limit
    return None, None
