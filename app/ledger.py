"""The ledger (台账): search, the clerk's home summary, a case's timeline, outbox status, the Excel
export, and the audited reveal of a masked number in a case's own view (docs/ledger.md)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

from app.authz import holder_of
from app.cases.rules import CaseStatus
from app.cases.views import revealed, to_row, yellow_before
from app.context import Actor, AppContext
from app.dto import CaseRow, HomeSummary, LedgerQuery, OutboxStats, PiiField, TimelineEntry
from app.errors import InvalidInput, NotFound, NotPermitted, StorageError
from app.ledger_export import ledger_xlsx
from app.validation import check_phone
from db.repositories import CaseRepository, JournalRepository

_WARN_STATUSES = (CaseStatus.ACCEPTED.value,)
REVEAL_ACTION = "case.reveal"  # audit only: no outbox op, and not a step of the case's timeline
EXPORT_ACTION = "ledger.export"
EXPORT_LIMIT = 10_000


class LedgerService:
    """Queries, safe on the read pool beside writes (WAL); ``reveal`` and ``export_xlsx`` also append
    an audit event, so they run on the write pool. Rows come with ID numbers and phones masked."""

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
                text_query=query.text.strip(), phone=_phone_key(query.text), status=query.status,
                matter_id=query.matter_id,
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
                for e in JournalRepository(s).case_events(case_id) if e.action != REVEAL_ACTION
            ]

    def reveal(self, actor: Actor, case_id: str, field: PiiField) -> str:
        """The full value of a masked field, for the case's own view; audited (who, which case, which
        field) in the same transaction, so no reveal goes unrecorded. Raises NotPermitted for anyone
        but a staff member on duty in this store, NotFound for an unknown case."""
        if actor.id is None:
            raise NotPermitted("只有在岗工作人员可以查看完整号码。")
        with self.ctx.action() as s:
            holder_of(s, actor)
            case = CaseRepository(s).get(case_id)
            if case is None:
                raise NotFound("找不到该办件。")
            self.ctx.audit(s, actor, action=REVEAL_ACTION, entity="case", entity_id=case.id,
                           summary=f"查看完整{field.label}（{case.number}）", detail={"field": field.value},
                           case_id=case.id)
            return revealed(case, field)

    def export_xlsx(self, actor: Actor, query: LedgerQuery, path: Path, title: str = "办件台账") -> Path:
        """The cases ``query`` finds (up to EXPORT_LIMIT, newest first) as an Excel workbook at ``path``,
        numbers masked as on screen; the export is audited. Raises StorageError if the file cannot be
        written (nothing is audited then)."""
        rows = self.search(dataclasses.replace(query, limit=EXPORT_LIMIT))
        subtitle = f"导出时间：{self.ctx.clock.now():%Y-%m-%d %H:%M}　共 {len(rows)} 件　证件号码和电话已遮蔽"
        try:
            path.write_bytes(ledger_xlsx(rows, title, subtitle))
        except OSError as exc:
            raise StorageError(f"台账未能导出到 {path}：{exc.strerror or exc}") from exc
        with self.ctx.action() as s:
            self.ctx.audit(s, actor, action=EXPORT_ACTION, entity="ledger", entity_id="ledger",
                           summary=f"导出台账 {len(rows)} 件", detail={"rows": len(rows), "text": bool(query.text)})
        return path

    def outbox_stats(self) -> OutboxStats:
        with self.ctx.db.read() as s:
            n, oldest = JournalRepository(s).pending_stats()
        return OutboxStats(pending=n, oldest_pending_at=oldest)


def _phone_key(text: str) -> str:
    """The query as a stored phone (normalised as intake stores it), or "" if it is not one."""
    try:
        return check_phone(text)
    except InvalidInput:
        return ""


def _due_window(warning: str, today: dt.date, yellow_limit: dt.date) -> tuple[dt.date | None, dt.date | None]:
    if warning == "red":
        return None, today
    if warning == "yellow":
        return today, yellow_limit
    return None, None
