"""Repositories: the only place that writes queries. They take a Session and return ORM rows
or plain values; the app layer turns rows into dataclasses and owns the transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Table, column, func, literal_column, or_, select, text
from sqlalchemy.orm import Session, selectinload

from db.ledger_words import SHORT_WORD, Scope, short_word_conditions
from db.models import (
    AuditEvent,
    CalendarDay,
    Case,
    Department,
    Device,
    DishonestParty,
    Enquiry,
    Hall,
    Matter,
    Notice,
    NumberBlock,
    OutboxOp,
    Parameter,
    Staff,
    Suspension,
    Window,
)

_DEVICE_KEY = "counterdesk.device"
_HELD = "counterdesk.held"  # Session.info: rows looked up by key in this session, held strongly

R = TypeVar("R")


def _held(s: Session, model: type[R], key: str) -> R | None:
    """``s.get`` that keeps what it found for the rest of the session: the identity map holds rows
    weakly, so a row a write asks for three times (the permission check, the numbers, the papers)
    would otherwise be read three times. The session's own object: its changes are seen."""
    held: dict[tuple[type[Any], str], Any] = s.info.setdefault(_HELD, {})
    row = held.get((model, key))
    if row is None or row not in s:
        row = s.get(model, key)
        if row is not None:
            held[(model, key)] = row
    return row


@dataclass(frozen=True)
class MatterFacts:
    """What a decision reads of its matter (kept between transactions by app.context)."""

    id: str
    name: str
    department_id: str
    case_type: str
    promised_days: int
    allows_deferral: bool
    active: bool


@dataclass(frozen=True)
class HallFacts:
    id: str
    code: str


class ReferenceRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    def is_empty(self) -> bool:
        return self.s.scalar(select(func.count()).select_from(Hall)) == 0

    def hall(self, hall_id: str) -> Hall | None:
        return _held(self.s, Hall, hall_id)

    def hall_facts(self, hall_id: str) -> HallFacts | None:
        row = self.s.execute(select(Hall.id, Hall.code).where(Hall.id == hall_id)).first()
        return HallFacts(row.id, row.code) if row else None

    def window(self, window_id: str | None) -> Window | None:
        return _held(self.s, Window, window_id) if window_id else None

    def windows(self, hall_id: str) -> Sequence[Window]:
        return self.s.scalars(select(Window).where(Window.hall_id == hall_id).order_by(Window.number)).all()

    def department_by_code(self, code: str) -> Department | None:
        return self.s.scalar(select(Department).where(Department.code == code))

    def departments(self) -> dict[str, Department]:
        return {d.id: d for d in self.s.scalars(select(Department))}

    def matters(self, active_only: bool = True) -> Sequence[Matter]:
        q = select(Matter).order_by(Matter.code)
        if active_only:
            q = q.where(Matter.active.is_(True))
        return self.s.scalars(q).all()

    def matter(self, matter_id: str) -> Matter | None:
        return self.s.get(Matter, matter_id, options=[selectinload(Matter.materials)])

    def matter_facts(self, matter_id: str) -> MatterFacts | None:
        row = self.s.execute(select(
            Matter.id, Matter.name, Matter.department_id, Matter.case_type, Matter.promised_days,
            Matter.allows_deferral, Matter.active,
        ).where(Matter.id == matter_id)).first()
        return MatterFacts(*row) if row else None

    def matter_by_code(self, code: str) -> Matter | None:
        return self.s.scalar(select(Matter).where(Matter.code == code))

    def parameters(self) -> dict[str, str]:
        return {p.key: p.value for p in self.s.scalars(select(Parameter))}

    def set_parameter(self, key: str, value: str) -> None:
        self.s.merge(Parameter(key=key, value=value))

    def calendar_days(self) -> Sequence[CalendarDay]:
        return self.s.scalars(select(CalendarDay)).all()

    def is_dishonest(self, id_number: str) -> bool:
        return self.s.get(DishonestParty, id_number) is not None

    def device(self) -> Device | None:
        """This PC's row, read once per session (every write asks several times: numbering, the
        permission check, the papers); the session keeps the object, so changes to it are seen."""
        cached = self.s.info.get(_DEVICE_KEY)
        if cached is None or cached not in self.s:
            cached = self.s.scalar(select(Device))
            if cached is not None:
                self.s.info[_DEVICE_KEY] = cached
        return cached if isinstance(cached, Device) else None

    def add_all(self, rows: Iterable[Any]) -> None:
        self.s.add_all(list(rows))


class StaffRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    def by_login(self, login: str) -> Staff | None:
        return self.s.scalar(select(Staff).where(Staff.login == login))

    def get(self, staff_id: str) -> Staff | None:
        return _held(self.s, Staff, staff_id)


class NumberRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    def open_block(self, kind: str, year: int) -> NumberBlock | None:
        return self.s.scalar(
            select(NumberBlock)
            .where(NumberBlock.kind == kind, NumberBlock.year == year)
            .where(NumberBlock.next_value <= NumberBlock.last)
            .order_by(NumberBlock.first)
            .limit(1)
        )

    def open_blocks(self, year: int) -> list[NumberBlock]:
        """Every block of ``year`` with numbers left, of all kinds, in the order they are used."""
        return list(self.s.scalars(
            select(NumberBlock)
            .where(NumberBlock.year == year, NumberBlock.next_value <= NumberBlock.last)
            .order_by(NumberBlock.kind, NumberBlock.first)
        ))

    def add(self, block: NumberBlock) -> None:
        """Written with the transaction's other rows: app.numbering keeps the transaction's blocks,
        so no query needs to find it first (and an intake's pending case is not flushed early)."""
        self.s.add(block)


class CaseRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    def get(self, case_id: str) -> Case | None:
        return self.s.get(Case, case_id, options=[selectinload(Case.materials)])

    def add(self, case: Case) -> None:
        self.s.add(case)

    def notices(self, case_id: str, kind: str | None = None) -> Sequence[Notice]:
        q = select(Notice).where(Notice.case_id == case_id).order_by(Notice.issued_at, Notice.id)  # ids: UUIDv7
        if kind:
            q = q.where(Notice.kind == kind)
        return self.s.scalars(q).all()

    def notice_by_number(self, number: str) -> Notice | None:
        return self.s.scalar(select(Notice).where(Notice.number == number))

    def add_notice(self, notice: Notice) -> None:
        self.s.add(notice)

    def open_suspension(self, case_id: str) -> Suspension | None:
        return self.s.scalar(
            select(Suspension).where(Suspension.case_id == case_id, Suspension.ended_on.is_(None))
        )

    def add_suspension(self, suspension: Suspension) -> None:
        self.s.add(suspension)

    def lapsed_received(self, today: dt.date, case_ids: Iterable[str] | None = None) -> Sequence[str]:
        query = select(Case.id).where(Case.status == "received", Case.notify_due < today)
        if case_ids is not None:
            query = query.where(Case.id.in_(list(case_ids)))
        return self.s.scalars(query).all()

    def search(
        self,
        *,
        text_query: str,
        phone: str = "",
        status: str,
        matter_id: str,
        date_from: dt.date | None,
        date_to: dt.date | None,
        due_before: dt.date | None,
        due_from: dt.date | None,
        warn_statuses: Sequence[str],
        limit: int,
    ) -> Sequence[Case]:
        q = select(Case)
        since = dt.datetime.combine(date_from, dt.time.min) if date_from else None
        before = dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time.min) if date_to else None
        if text_query:
            # Short words hand on their newest `limit` cases when nothing else narrows the search
            # (exact then); the trigram index's cap otherwise.
            narrowed = bool(status or matter_id) or due_before is not None or due_from is not None
            scope = Scope(FTS_CANDIDATES if narrowed else limit, since, before)
            q = q.where(_text_condition(self.s, text_query, scope, prefix=narrowed, phone=phone))
        # With a text, the text's candidates drive the plan: `+col` keeps SQLite from walking a
        # status's or matter's whole index instead (seconds' worth when the text matches few).
        if status:
            q = q.where((literal_column("+cases.status") if text_query else Case.status) == status)
        if matter_id:
            q = q.where((literal_column("+cases.matter_id") if text_query else Case.matter_id) == matter_id)
        if since:
            q = q.where(Case.received_at >= since)
        if before:
            q = q.where(Case.received_at < before)
        if due_before is not None or due_from is not None:
            q = q.where(_due_condition(warn_statuses, due_from, due_before))
        q = q.order_by(Case.received_at.desc()).limit(limit)
        return self.s.scalars(q).all()

    def count_by_status(self, hall_id: str) -> dict[str, int]:
        rows = self.s.execute(
            select(Case.status, func.count()).where(Case.hall_id == hall_id).group_by(Case.status)
        ).all()
        return {str(status): int(n) for status, n in rows}


FTS_CANDIDATES = 2000


def _text_condition(session: Session, query: str, scope: Scope, *, prefix: bool, phone: str = "") -> Any:
    """Exact/prefix on indexed columns; trigram FTS for substrings of 3+ characters, the gram and
    matter-name lookups of db.ledger_words for words of one or two (which find every name that is
    or starts with the word too: the exact and prefix lookups are kept for those only when the
    search is narrowed otherwise, where the lookups hand on a capped number of candidates)."""
    upper = query.upper()
    prefix_end = query + "\U0010ffff"
    conds = [
        Case.number == upper,
        Case.query_code == upper,
        Case.applicant_id_number == upper,
    ]
    if phone:  # the query as the applicant's phone is stored (normalised by the caller)
        conds.append(Case.applicant_phone == phone)
    if len(query) > SHORT_WORD or prefix:
        conds.append(Case.applicant_name == query)
        conds.append((Case.applicant_name >= query) & (Case.applicant_name < prefix_end))
    if len(query) > SHORT_WORD:
        fts = "\"" + query.replace("\"", "\"\"") + "\""
        # Newest matches first by entry order, capped: a common word (a matter name) can match a
        # large share of the ledger, and sorting all of them by date is what made it slow.
        matched = text(
            "SELECT rowid FROM case_fts WHERE case_fts MATCH :q ORDER BY rowid DESC LIMIT :cap"
        ).bindparams(q=fts, cap=FTS_CANDIDATES)
        conds.append(literal_column("cases.rowid").in_(matched.columns(column("rowid"))))
    else:
        conds.extend(short_word_conditions(session, query, scope))
    return or_(*conds)


def _due_condition(statuses: Sequence[str], due_from: dt.date | None, due_before: dt.date | None) -> Any:
    """Cases whose running limit falls in [due_from, due_before): the promised date once accepted,
    the notify limit while received and undecided, the 补正 deadline while a correction is awaited."""

    def window(col: Any) -> Any:
        cond = col.is_not(None)
        if due_from is not None:
            cond = cond & (col >= due_from)
        if due_before is not None:
            cond = cond & (col < due_before)
        return cond

    return or_(
        Case.status.in_(list(statuses)) & window(Case.due_date),
        (Case.status == "received") & window(Case.notify_due),
        (Case.status == "correction") & window(Case.correction_due),
    )


_AUDIT_HEAD = "SELECT seq, hash FROM audit_event WHERE seq IS NOT NULL ORDER BY seq DESC LIMIT 1"


def _table(model: type[Any]) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


class JournalRepository:
    """Audit events and outbox operations: written together in the action's transaction."""

    def __init__(self, session: Session) -> None:
        self.s = session

    def append_op(self, op: OutboxOp) -> None:
        self.s.add(op)

    def append_audit(self, event: AuditEvent) -> None:
        self.s.add(event)

    def insert_audit(self, values: dict[str, Any]) -> None:
        """An audit event's row written now (a Core insert: the event is never changed after, so
        the unit of work has nothing to track; the chain's next head read sees it)."""
        self.s.connection().execute(_table(AuditEvent).insert(), values)

    def insert_op(self, values: dict[str, Any]) -> None:
        """An outbox operation's row written now (as ``insert_audit``)."""
        self.s.connection().execute(_table(OutboxOp).insert(), values)

    def audit_head(self) -> tuple[int, str] | None:
        """The last link of the audit chain: (seq, hash), None while the chain is empty. Plain SQL:
        every action asks, and building the statement cost more than running it."""
        row = self.s.connection().exec_driver_sql(_AUDIT_HEAD).first()
        return (int(row[0]), str(row[1] or "")) if row else None

    def audit_chain_page(self, after: Any, limit: int) -> Sequence[Any]:
        """Audit events in chain order after seq ``after`` (None: from the start), at most ``limit``,
        as stored: ``at`` and ``detail`` are the column's text, not parsed. Rows of (seq, id,
        prev_hash, hash, at, actor_id, actor_name, device_id, action, entity, entity_id, case_id,
        summary, detail). Raw on purpose: ORM objects or typed columns make a million rows slow."""
        where = "seq IS NOT NULL" if after is None else "seq > :after"
        return self.s.execute(text(
            "SELECT seq, id, prev_hash, hash, at, actor_id, actor_name, device_id, action, entity, entity_id, "
            f"case_id, summary, detail FROM audit_event WHERE {where} ORDER BY seq LIMIT :limit"
        ), {"after": after, "limit": limit}).all()

    def unchained_audit_id(self) -> str | None:
        """An audit event with no place in the chain (seq NULL), the oldest first."""
        return self.s.scalar(
            select(AuditEvent.id).where(AuditEvent.seq.is_(None)).order_by(AuditEvent.at, AuditEvent.id).limit(1)
        )

    def case_events(self, case_id: str) -> Sequence[AuditEvent]:
        return self.s.scalars(
            select(AuditEvent).where(AuditEvent.case_id == case_id).order_by(AuditEvent.at, AuditEvent.id)
        ).all()

    def print_events(
        self, *, case_id: str | None, notice_id: str | None, actions: Sequence[str]
    ) -> Sequence[AuditEvent]:
        q = select(AuditEvent).where(AuditEvent.action.in_(list(actions)))
        if case_id is not None:
            q = q.where(AuditEvent.case_id == case_id)
        if notice_id is not None:
            q = q.where(AuditEvent.entity_id == notice_id)
        return self.s.scalars(q.order_by(AuditEvent.at)).all()

    def pending_stats(self) -> tuple[int, dt.datetime | None]:
        n, oldest = self.s.execute(
            select(func.count(), func.min(OutboxOp.created_at)).where(OutboxOp.status == "pending")
        ).one()
        return int(n), oldest

    def ops(self) -> Sequence[OutboxOp]:
        return self.s.scalars(select(OutboxOp).order_by(OutboxOp.client_seq)).all()


class EnquiryRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    def add(self, enquiry: Enquiry) -> None:
        self.s.add(enquiry)

    def recent(self, hall_id: str, since: dt.datetime, limit: int = 200) -> Sequence[Enquiry]:
        return self.s.scalars(
            select(Enquiry)
            .where(Enquiry.hall_id == hall_id, Enquiry.at >= since)
            .order_by(Enquiry.at.desc())
            .limit(limit)
        ).all()
