"""ORM models of the counter's local SQLite store.

Ids are client-generated UUIDv7 strings so records made offline never collide when synced.
Rows are never hard-deleted: cases are voided, staff deactivated, notices marked void.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


# --- reference data -------------------------------------------------------------------------


class Department(Base):
    __tablename__ = "department"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))


class Matter(Base):
    """A service in the catalogue with its published guide (七公开)."""

    __tablename__ = "matter"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    department_id: Mapped[str] = mapped_column(ForeignKey("department.id"))
    case_type: Mapped[str] = mapped_column(String(16))  # immediate/promised/joint/referred
    legal_basis: Mapped[str] = mapped_column(Text, default="")
    conditions: Mapped[str] = mapped_column(Text, default="")
    procedure: Mapped[str] = mapped_column(Text, default="")
    statutory_days: Mapped[int] = mapped_column(Integer, default=0)
    promised_days: Mapped[int] = mapped_column(Integer, default=0)
    fee: Mapped[str] = mapped_column(String(200), default="不收费")
    fee_basis: Mapped[str] = mapped_column(Text, default="")
    consult_phone: Mapped[str] = mapped_column(String(64), default="")
    complaint_phone: Mapped[str] = mapped_column(String(64), default="")
    allows_deferral: Mapped[bool] = mapped_column(Boolean, default=False)
    pinyin_initials: Mapped[str] = mapped_column(String(200), default="")
    pinyin_full: Mapped[str] = mapped_column(String(1000), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    materials: Mapped[list[MatterMaterial]] = relationship(
        order_by="MatterMaterial.seq", cascade="all, delete-orphan"
    )


class MatterMaterial(Base):
    __tablename__ = "matter_material"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    matter_id: Mapped[str] = mapped_column(ForeignKey("matter.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(300))
    originals: Mapped[int] = mapped_column(Integer, default=0)
    copies: Mapped[int] = mapped_column(Integer, default=0)
    is_main: Mapped[bool] = mapped_column(Boolean, default=True)
    deferrable: Mapped[bool] = mapped_column(Boolean, default=False)
    notes: Mapped[str] = mapped_column(Text, default="")


class Hall(Base):
    __tablename__ = "hall"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    agency_name: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str] = mapped_column(String(64), default="")
    complaint_phone: Mapped[str] = mapped_column(String(64), default="")
    address: Mapped[str] = mapped_column(String(300), default="")


class Window(Base):
    __tablename__ = "window"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    hall_id: Mapped[str] = mapped_column(ForeignKey("hall.id"))
    number: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(100))
    department_id: Mapped[str | None] = mapped_column(ForeignKey("department.id"), nullable=True)
    # AB岗: the post holder (A) and the substitute (B) from the hall data; staff ids, no FK (staff
    # rows refer to windows)
    a_staff_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    b_staff_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    # the hall's zone (区域) the window stands in, from the hall file ('' none): a peer-evaluation scope
    zone: Mapped[str] = mapped_column(String(32), default="", server_default="")
    __table_args__ = (UniqueConstraint("hall_id", "number"),)


class Staff(Base):
    __tablename__ = "staff"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    hall_id: Mapped[str] = mapped_column(ForeignKey("hall.id"))
    login: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))  # the first of the roles below (kept for older readers)
    # the codes of every role the person holds, space separated (app.permissions.Role): set from the
    # hall file or by the audited staff.set_roles operation
    roles: Mapped[str] = mapped_column(String(120), default="", server_default="")
    window_id: Mapped[str | None] = mapped_column(ForeignKey("window.id"), nullable=True)
    department_id: Mapped[str | None] = mapped_column(ForeignKey("department.id"), nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # 工号: the number the hall's attendance machine knows the person by ('' when not enrolled there)
    staff_no: Mapped[str] = mapped_column(String(32), default="", server_default="")


class CalendarDay(Base):
    """An official exception to the Monday–Friday rule: a holiday or a make-up working day."""

    __tablename__ = "calendar_day"
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    is_workday: Mapped[bool] = mapped_column(Boolean)
    name: Mapped[str] = mapped_column(String(64), default="")
    source: Mapped[str] = mapped_column(String(32), default="official")  # official/override


class Parameter(Base):
    """Hall parameters that local rules vary (yellow warning days, notify limit, idle lock...)."""

    __tablename__ = "parameter"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(500))


class DishonestParty(Base):
    """Applicants with a 失信 record, excluded from 容缺受理."""

    __tablename__ = "dishonest_party"
    id_number: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(String(500), default="")


# --- this installation ----------------------------------------------------------------------


class Device(Base):
    """This counter PC. Exactly one row; client_id identifies the install in sync."""

    __tablename__ = "device"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    hall_id: Mapped[str] = mapped_column(ForeignKey("hall.id"))
    window_id: Mapped[str | None] = mapped_column(ForeignKey("window.id"), nullable=True)
    name: Mapped[str] = mapped_column(String(100))
    standalone: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)


class NumberBlock(Base):
    """A range of serial numbers leased to this device for one kind and year."""

    __tablename__ = "number_block"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    year: Mapped[int] = mapped_column(Integer)
    first: Mapped[int] = mapped_column(Integer)
    last: Mapped[int] = mapped_column(Integer)
    next_value: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(16), default="local")  # local/server
    leased_at: Mapped[dt.datetime] = mapped_column(DateTime)
    __table_args__ = (Index("ix_number_block_kind_year", "kind", "year"),)


# --- work -----------------------------------------------------------------------------------


# Indexes the counter's migrations make that are not declared on the models: the server copies these
# tables (server/schema.py) and needs none of them. ix_case_applicant_phone (0011): the ledger finds a
# case by the applicant's full phone.
COUNTER_ONLY_INDEXES = frozenset({"ix_case_applicant_phone"})


class Case(Base):
    """One application (办件); its row is the ledger (台账) entry."""

    __tablename__ = "cases"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    query_code: Mapped[str] = mapped_column(String(16), unique=True)
    hall_id: Mapped[str] = mapped_column(ForeignKey("hall.id"))
    window_id: Mapped[str | None] = mapped_column(ForeignKey("window.id"), nullable=True)
    matter_id: Mapped[str] = mapped_column(ForeignKey("matter.id"), index=True)
    matter_name: Mapped[str] = mapped_column(String(200))
    case_type: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(24))
    applicant_kind: Mapped[str] = mapped_column(String(8))  # person/org
    applicant_name: Mapped[str] = mapped_column(String(200))
    applicant_id_number: Mapped[str] = mapped_column(String(32))
    applicant_phone: Mapped[str] = mapped_column(String(32), default="")
    legal_representative: Mapped[str] = mapped_column(String(100), default="")
    agent_name: Mapped[str] = mapped_column(String(100), default="")
    agent_id_number: Mapped[str] = mapped_column(String(32), default="")
    remark: Mapped[str] = mapped_column(Text, default="")
    received_at: Mapped[dt.datetime] = mapped_column(DateTime)
    received_on: Mapped[dt.date] = mapped_column(Date)
    notify_due: Mapped[dt.date] = mapped_column(Date)
    accepted_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    due_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True, index=True)
    deferred_due: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    # 补正: the day by which the applicant supplies what the one-time correction notice lists
    correction_due: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    suspended_days: Mapped[int] = mapped_column(Integer, default=0)
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    completed_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    approved: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    result: Mapped[str] = mapped_column(Text, default="")
    reject_category: Mapped[str] = mapped_column(String(32), default="")
    reject_reason: Mapped[str] = mapped_column(Text, default="")
    reject_legal_basis: Mapped[str] = mapped_column(Text, default="")
    redirect_to: Mapped[str] = mapped_column(String(300), default="")
    delivered_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    recipient_name: Mapped[str] = mapped_column(String(200), default="")
    recipient_id_number: Mapped[str] = mapped_column(String(32), default="")
    void_reason: Mapped[str] = mapped_column(Text, default="")
    deemed_accepted: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[str] = mapped_column(ForeignKey("staff.id"))
    # AB岗: the post holder the intake was made for when a substitute covered their window ('' none)
    acting_for: Mapped[str] = mapped_column(String(36), default="", server_default="")
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)
    materials: Mapped[list[CaseMaterial]] = relationship(
        order_by="CaseMaterial.seq", cascade="all, delete-orphan"
    )
    __table_args__ = (
        Index("ix_case_received_at", "received_at"),
        Index("ix_case_applicant_name", "applicant_name"),
        Index("ix_case_applicant_id", "applicant_id_number"),
        Index("ix_case_status_due", "status", "due_date"),
        Index("ix_case_status_received", "status", "received_at"),
        Index("ix_case_matter_received", "matter_id", "received_at"),
    )


class CaseMaterial(Base):
    __tablename__ = "case_material"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    material_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    name: Mapped[str] = mapped_column(String(300))
    is_main: Mapped[bool] = mapped_column(Boolean, default=True)
    deferrable: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16))  # received/missing/deferred/defective
    originals: Mapped[int] = mapped_column(Integer, default=0)
    copies: Mapped[int] = mapped_column(Integer, default=0)
    note: Mapped[str] = mapped_column(Text, default="")


class Suspension(Base):
    """A stop of the case clock (Art. 45: hearing, testing, expert review...)."""

    __tablename__ = "suspension"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    started_on: Mapped[dt.date] = mapped_column(Date)
    ended_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    working_days: Mapped[int] = mapped_column(Integer, default=0)


class Notice(Base):
    """A decision paper issued on a case (correction, acceptance...); printing comes later."""

    __tablename__ = "notice"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    number: Mapped[str] = mapped_column(String(40), unique=True)
    issued_at: Mapped[dt.datetime] = mapped_column(DateTime)
    issued_by: Mapped[str] = mapped_column(ForeignKey("staff.id"))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    void: Mapped[bool] = mapped_column(Boolean, default=False)


class Enquiry(Base):
    """First-contact log (首问登记): an enquiry that is not an application."""

    __tablename__ = "enquiry"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    hall_id: Mapped[str] = mapped_column(ForeignKey("hall.id"))
    window_id: Mapped[str | None] = mapped_column(ForeignKey("window.id"), nullable=True)
    staff_id: Mapped[str] = mapped_column(ForeignKey("staff.id"))
    at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    visitor: Mapped[str] = mapped_column(String(100), default="")
    phone: Mapped[str] = mapped_column(String(32), default="")
    topic: Mapped[str] = mapped_column(Text)
    matter_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    referred_window: Mapped[str] = mapped_column(String(100), default="")
    answer: Mapped[str] = mapped_column(Text, default="")


# --- audit and outbox -------------------------------------------------------------------------


class AuditEvent(Base):
    """Append-only: who did what, when, on which device. The case timeline reads from here."""

    __tablename__ = "audit_event"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime)
    actor_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    actor_name: Mapped[str] = mapped_column(String(64), default="")
    device_id: Mapped[str] = mapped_column(String(36))
    action: Mapped[str] = mapped_column(String(48))
    entity: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[str] = mapped_column(String(36))
    case_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    summary: Mapped[str] = mapped_column(Text, default="")
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # the hash chain (app/audit_chain.py): place in the chain, the previous event's hash, own hash
    seq: Mapped[int | None] = mapped_column(Integer, nullable=True, unique=True, index=True)
    prev_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    hash: Mapped[str | None] = mapped_column(String(64), nullable=True)


class OutboxOp(Base):
    """An intent-level operation waiting to be pushed; client_seq orders them per install.

    The server's answer is kept on the row (ARCHITECTURE.md, "Sync protocol"): a rejected
    operation stays for the quarantine list with the reason, and an acknowledged one records the
    server epoch it was acknowledged under, so it is pushed again when the server's epoch changes.
    """

    __tablename__ = "outbox_op"
    client_seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    op_id: Mapped[str] = mapped_column(String(36), unique=True)
    kind: Mapped[str] = mapped_column(String(48))
    entity_id: Mapped[str] = mapped_column(String(36), index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    actor_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    # the server's answer: applied/duplicate/conflict/rejected, None while not yet answered
    result: Mapped[str | None] = mapped_column(String(16), nullable=True)
    # the authoritative row the server echoed, or why it refused the operation
    server_reply: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    acked_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    acked_epoch: Mapped[str | None] = mapped_column(String(36), nullable=True)
    # a quarantined (conflict/rejected) operation settled by a 首席代表 or administrator: status
    # 'resolved', kept with its payload for the record
    resolved_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    resolved_by: Mapped[str] = mapped_column(String(64), default="", server_default="")
    resolution_note: Mapped[str] = mapped_column(Text, default="", server_default="")
    # AUTOINCREMENT: a client_seq is never reused, even after the newest row is gone. Migrations
    # therefore only ADD COLUMN here: recreating the table would reset that high-water mark.
    __table_args__ = {"sqlite_autoincrement": True}


# --- sync -------------------------------------------------------------------------------------


class SyncCursor(Base):
    """How far this device has pulled one scope (``hall:<id>``, ``ref:<region>``): the last change
    sequence applied. Written in the same transaction as the page it applied, so a crash can
    neither skip nor repeat a change. The checksum is the one the server sent with that page, so
    a local copy that drifted from the server's can be noticed and the scope pulled again."""

    __tablename__ = "sync_cursor"
    scope: Mapped[str] = mapped_column(String(64), primary_key=True)
    cursor: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    checksum: Mapped[str] = mapped_column(String(64), default="", server_default="")
    updated_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    # the server checksum the local rows were last compared with ('' = never): a scope is checked
    # again only when the server's checksum moved on
    verified: Mapped[str] = mapped_column(String(64), default="", server_default="")


class SyncState(Base):
    """What the sync client remembers between runs, one value per key: the server epoch (a new
    one means re-push what the old one acknowledged), the last successful sync shown in the
    status bar, and the server clock offset (device time is evidence, not order)."""

    __tablename__ = "sync_state"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class SyncShadow(Base):
    """The server's version of a row this device does not take over: rows of a record (a case with
    its notices and suspensions, an enquiry) that has an operation still pending or quarantined
    here, whose local version the clerk's work must keep. ``row`` None means the server has no such
    row (the local one was never accepted). The scope checksum counts these versions instead of the
    local ones, so a kept local version is not mistaken for drift; when the record is no longer
    held back (pushed, or its quarantined operation resolved) the server's version is taken over."""

    __tablename__ = "sync_shadow"
    entity: Mapped[str] = mapped_column(String(32), primary_key=True)
    entity_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    owner_id: Mapped[str] = mapped_column(String(36), index=True)  # the case or enquiry id the ops name
    scope: Mapped[str] = mapped_column(String(80))
    row: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)


# --- void-number register (作废号登记) ----------------------------------------------------------


class VoidNumber(Base):
    """One voided serial number of the hall's papers (作废号登记簿): a printed paper that was spoiled
    (``notice_id`` names it; the notice row stays, marked void, its PDF kept) or a number that was
    skipped without a paper. A voided number is never handed out again, here or anywhere in the
    hall. ``voided_by`` is who decided (a 首席代表 or the business section); ``requested_by`` the
    person signed in at the PC when the decision was authorised there (授权), else None."""

    __tablename__ = "void_number"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    hall_id: Mapped[str] = mapped_column(ForeignKey("hall.id"))
    number: Mapped[str] = mapped_column(String(40), unique=True)
    kind: Mapped[str] = mapped_column(String(32))  # the notice kind: receipt, acceptance, ...
    year: Mapped[int] = mapped_column(Integer)
    serial: Mapped[int] = mapped_column(Integer)
    window_id: Mapped[str | None] = mapped_column(ForeignKey("window.id"), nullable=True)
    case_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    notice_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    category: Mapped[str] = mapped_column(String(16))  # misprint/torn/left/skipped/other
    reason: Mapped[str] = mapped_column(Text)
    voided_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    voided_by: Mapped[str] = mapped_column(ForeignKey("staff.id"))
    requested_by: Mapped[str | None] = mapped_column(String(36), nullable=True)
    replaced_by: Mapped[str] = mapped_column(String(40), default="")  # the number of the paper issued again


# --- attendance (考勤、请假、补签、AB岗、空岗、查岗) ------------------------------------------------------


class AttendanceSchedule(Base):
    """One version of the hall's schedule (作息时间和考勤规则): its seasonal timetables and rules as
    JSON checked by app.attendance.schedule.parse_schedule. Versions are append-only; the highest
    version is in force. Set by the business section (op ``schedule.set``)."""

    __tablename__ = "attendance_schedule"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    hall_id: Mapped[str] = mapped_column(ForeignKey("hall.id"))
    version: Mapped[int] = mapped_column(Integer)
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    note: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(36))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    __table_args__ = (UniqueConstraint("hall_id", "version"),)


class Punch(Base):
    """One punch (打卡), append-only: nothing edits or deletes it. ``source``: counter (a counter PC,
    ``device_id`` its id), machine (imported from the attendance machine, ``device_id`` is
    ``machine:<terminal>``). ``at`` is the time as the device's clock had it; ``clock_offset_seconds``
    the last known offset of that clock to the server's (server - device; None: never synced).
    ``flag`` says why the punch needs review ('' when trusted). Natural key: staff + device + time."""

    __tablename__ = "punch"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    hall_id: Mapped[str] = mapped_column(ForeignKey("hall.id"))
    staff_id: Mapped[str] = mapped_column(ForeignKey("staff.id"))
    at: Mapped[dt.datetime] = mapped_column(DateTime)
    source: Mapped[str] = mapped_column(String(16))
    device_id: Mapped[str] = mapped_column(String(80))
    clock_offset_seconds: Mapped[float | None] = mapped_column(Float, nullable=True)
    offline: Mapped[bool] = mapped_column(Boolean, default=False)
    flag: Mapped[str] = mapped_column(String(200), default="")
    import_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime)
    __table_args__ = (
        UniqueConstraint("staff_id", "device_id", "at"),
        Index("ix_punch_at", "at"),
    )


class AttendanceImport(Base):
    """One import of an attendance machine's export file (one audited op ``attendance.import``):
    what was read, how the columns were mapped (the hall's remembered mapping is the latest one),
    and every row that was not taken with its reason."""

    __tablename__ = "attendance_import"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    hall_id: Mapped[str] = mapped_column(ForeignKey("hall.id"))
    file_name: Mapped[str] = mapped_column(String(260))
    file_sha256: Mapped[str] = mapped_column(String(64))
    mapping: Mapped[dict[str, Any]] = mapped_column(JSON)
    rows_total: Mapped[int] = mapped_column(Integer)
    rows_new: Mapped[int] = mapped_column(Integer)
    rows_duplicate: Mapped[int] = mapped_column(Integer)
    problems: Mapped[list[Any]] = mapped_column(JSON)  # [{"row": n, "reason": ..., "text": ...}]
    imported_by: Mapped[str] = mapped_column(String(36))
    imported_at: Mapped[dt.datetime] = mapped_column(DateTime)


class LeaveRequest(Base):
    """A leave (请假) or 临时外出 request: pending -> approved / rejected, or cancelled by the requester
    before it starts. ``approval`` is the permission-table action its length needs. ``cover_staff_id``
    names the temporary cover leadership approved when the window's A and B would both be away."""

    __tablename__ = "leave_request"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    hall_id: Mapped[str] = mapped_column(ForeignKey("hall.id"))
    staff_id: Mapped[str] = mapped_column(ForeignKey("staff.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    starts_at: Mapped[dt.datetime] = mapped_column(DateTime)
    ends_at: Mapped[dt.datetime] = mapped_column(DateTime)
    days: Mapped[float] = mapped_column(Float)  # working days, in half days (临时外出: hours / 8)
    reason: Mapped[str] = mapped_column(Text, default="")
    approval: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))  # pending/approved/rejected/cancelled
    cover_staff_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    decided_by: Mapped[str | None] = mapped_column(String(36), nullable=True)
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    decision_note: Mapped[str] = mapped_column(Text, default="")
    requested_at: Mapped[dt.datetime] = mapped_column(DateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)


class PunchMakeup(Base):
    """补签: a missed or failed punch claimed with a reason and time, approved by the 首席代表 within
    the hall's limit of working days. ``slot``: start / noon_out / noon_in / end."""

    __tablename__ = "punch_makeup"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    hall_id: Mapped[str] = mapped_column(ForeignKey("hall.id"))
    staff_id: Mapped[str] = mapped_column(ForeignKey("staff.id"), index=True)
    day: Mapped[dt.date] = mapped_column(Date)
    slot: Mapped[str] = mapped_column(String(16))
    claimed_at: Mapped[dt.datetime] = mapped_column(DateTime)
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))  # pending/approved/rejected
    decided_by: Mapped[str | None] = mapped_column(String(36), nullable=True)
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    decision_note: Mapped[str] = mapped_column(Text, default="")
    requested_at: Mapped[dt.datetime] = mapped_column(DateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)


class EmptyPost(Base):
    """空岗: during hall hours a window had nobody signed in or punched in for longer than the hall's
    limit. Raised by the server from what it knows (``basis`` says what that was, e.g. the window's
    PC was not in contact); ``ended_at`` None while it lasts."""

    __tablename__ = "empty_post"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    hall_id: Mapped[str] = mapped_column(ForeignKey("hall.id"))
    window_id: Mapped[str] = mapped_column(ForeignKey("window.id"))
    started_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    ended_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    minutes: Mapped[int] = mapped_column(Integer, default=0)
    raised_by: Mapped[str] = mapped_column(String(16))  # server
    basis: Mapped[str] = mapped_column(Text, default="")
    raised_at: Mapped[dt.datetime] = mapped_column(DateTime)


class Inspection(Base):
    """查岗: a supervisor's spot check of a window (finding from the hall's list, note, optional photo),
    and the staff member's answer (confirmed / disputed with a note). Both are kept."""

    __tablename__ = "inspection"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    hall_id: Mapped[str] = mapped_column(ForeignKey("hall.id"))
    window_id: Mapped[str] = mapped_column(ForeignKey("window.id"))
    staff_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    finding: Mapped[str] = mapped_column(String(32))
    note: Mapped[str] = mapped_column(Text, default="")
    photo_name: Mapped[str] = mapped_column(String(200), default="")
    photo_sha256: Mapped[str] = mapped_column(String(64), default="")
    photo_b64: Mapped[str] = mapped_column(Text, default="")  # at most ~1 MB of image
    recorded_by: Mapped[str] = mapped_column(String(36))
    response: Mapped[str] = mapped_column(String(16), default="")  # ''/confirmed/disputed
    response_note: Mapped[str] = mapped_column(Text, default="")
    responded_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)


class AttendanceMonth(Base):
    """A closed and published monthly sheet (考勤月报). A later correction is a new version with who and
    why (``reason``); every version stays. ``sheet`` is the computed sheet as published (the server
    computes it from its data and that is what is kept)."""

    __tablename__ = "attendance_month"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    hall_id: Mapped[str] = mapped_column(ForeignKey("hall.id"))
    month: Mapped[str] = mapped_column(String(7))  # 2026-12
    version: Mapped[int] = mapped_column(Integer)
    sheet: Mapped[dict[str, Any]] = mapped_column(JSON)
    reason: Mapped[str] = mapped_column(Text, default="")
    published_by: Mapped[str] = mapped_column(String(36))
    published_at: Mapped[dt.datetime] = mapped_column(DateTime)
    __table_args__ = (UniqueConstraint("hall_id", "month", "version"),)


# --- ratings and peer evaluation (好差评、差评整改、互评) ------------------------------------------


class Rating(Base):
    """The applicant's rating of one case (一次一评), append-only. ``level`` 5 非常满意 … 1 非常不满意;
    None is 未评价 (the rating screen timed out), which a later phone rating may follow; a case has at
    most one row with a level. ``channel``: counter (the rating screen, 评价器) or mobile (扫码评价).
    ``staff_id`` is the person rated (who completed or handed over the case); ``reasons`` the national
    list's codes for a 差评; ``callback_phone`` is shown only to the supervisor calling back."""

    __tablename__ = "rating"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    hall_id: Mapped[str] = mapped_column(ForeignKey("hall.id"))
    case_id: Mapped[str] = mapped_column(String(36), index=True)
    window_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    staff_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    matter_id: Mapped[str] = mapped_column(String(36))
    level: Mapped[int | None] = mapped_column(Integer, nullable=True)
    reasons: Mapped[list[Any]] = mapped_column(JSON, default=list)
    comment: Mapped[str] = mapped_column(Text, default="")
    callback_phone: Mapped[str] = mapped_column(String(32), default="")
    channel: Mapped[str] = mapped_column(String(16))  # counter/mobile
    trigger: Mapped[str] = mapped_column(String(16), default="")  # complete/deliver/enquiry/receipt
    device_id: Mapped[str] = mapped_column(String(80), default="")
    rated_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)


class RatingFollowup(Base):
    """差评整改: the closed loop a 不满意/非常不满意 opens for the hall's supervisor. ``status``: verify (核实)
    -> rectify (整改) -> callback (回访) -> closed; each step keeps who, when and what. ``rectify_due`` is
    the working-day limit from the rating (parameter ``rating.rectify_days``), ``callback_due`` the one
    from the rectification (``rating.callback_days``). Its id is derived from the rating's."""

    __tablename__ = "rating_followup"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    hall_id: Mapped[str] = mapped_column(ForeignKey("hall.id"))
    rating_id: Mapped[str] = mapped_column(String(36), unique=True)
    case_id: Mapped[str] = mapped_column(String(36))
    window_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    staff_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    opened_at: Mapped[dt.datetime] = mapped_column(DateTime)
    rectify_due: Mapped[dt.date] = mapped_column(Date)
    verified_by: Mapped[str] = mapped_column(String(36), default="")
    verified_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    verify_finding: Mapped[str] = mapped_column(String(16), default="")  # substantiated/partly/unfounded
    verify_note: Mapped[str] = mapped_column(Text, default="")
    rectified_by: Mapped[str] = mapped_column(String(36), default="")
    rectified_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    measures: Mapped[str] = mapped_column(Text, default="")
    callback_due: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    callback_by: Mapped[str] = mapped_column(String(36), default="")
    callback_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    callback_result: Mapped[str] = mapped_column(String(16), default="")  # satisfied/unsatisfied/unreachable
    callback_note: Mapped[str] = mapped_column(Text, default="")
    closed_by: Mapped[str] = mapped_column(String(36), default="")
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    close_note: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1)


class RatingAppeal(Base):
    """申诉复核: the rated staff member appeals a rating as malicious or mistaken; leadership decides.
    An upheld appeal takes the rating out of appraisal; the rating and the decision both stay."""

    __tablename__ = "rating_appeal"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    hall_id: Mapped[str] = mapped_column(ForeignKey("hall.id"))
    rating_id: Mapped[str] = mapped_column(String(36), unique=True)
    staff_id: Mapped[str] = mapped_column(String(36), index=True)
    ground: Mapped[str] = mapped_column(String(16))  # malicious/mistaken
    reason: Mapped[str] = mapped_column(Text)
    appealed_at: Mapped[dt.datetime] = mapped_column(DateTime)
    status: Mapped[str] = mapped_column(String(16))  # pending/upheld/dismissed
    decided_by: Mapped[str] = mapped_column(String(36), default="")
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    decision_note: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1)


class PeerRound(Base):
    """A round of peer evaluation (民主评议/互评) opened by the business section: its period, dimensions
    with weights (``[{"code", "label", "weight"}]``, each scored 1–5), its scope (hall / department /
    zone: each staff member rates the colleagues of their own group) and the ballots a person needs
    before their result is shown (never fewer than 3). open -> closed; results come at the close."""

    __tablename__ = "peer_round"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    hall_id: Mapped[str] = mapped_column(ForeignKey("hall.id"))
    title: Mapped[str] = mapped_column(String(100))
    period: Mapped[str] = mapped_column(String(7))  # 2026-12 (monthly) or 2026-Q4 (quarterly)
    dimensions: Mapped[list[Any]] = mapped_column(JSON)
    scope: Mapped[str] = mapped_column(String(16))  # hall/department/zone
    min_ballots: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))  # open/closed
    opened_by: Mapped[str] = mapped_column(String(36))
    opened_at: Mapped[dt.datetime] = mapped_column(DateTime)
    closed_by: Mapped[str] = mapped_column(String(36), default="")
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)


class PeerTurnout(Base):
    """Who has voted in a round (public: the round shows turnout) — and nothing of what they voted.
    ``verifier`` lets the rater's own password confirm it is the same voter changing their ballots
    (app.peer.keys); it says nothing about the ballots without that password. The ballots themselves
    are sealed to the server and kept only there, without rater, device, op or time."""

    __tablename__ = "peer_turnout"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    hall_id: Mapped[str] = mapped_column(ForeignKey("hall.id"))
    round_id: Mapped[str] = mapped_column(String(36), index=True)
    rater_id: Mapped[str] = mapped_column(String(36))
    group_key: Mapped[str] = mapped_column(String(64))  # the rater's group in the round's scope
    ratees: Mapped[int] = mapped_column(Integer)
    verifier: Mapped[str] = mapped_column(String(64))
    voted_at: Mapped[dt.datetime] = mapped_column(DateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)
    __table_args__ = (UniqueConstraint("round_id", "rater_id"),)


class PeerResult(Base):
    """A person's result of a closed round, computed by the server from the sealed ballots: the number
    of ballots and, only when it reaches the round's minimum, the average per dimension and the
    weighted score. Below the minimum nothing but the count is kept."""

    __tablename__ = "peer_result"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    hall_id: Mapped[str] = mapped_column(ForeignKey("hall.id"))
    round_id: Mapped[str] = mapped_column(String(36), index=True)
    ratee_id: Mapped[str] = mapped_column(String(36))
    ballots: Mapped[int] = mapped_column(Integer)
    averages: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    score: Mapped[float | None] = mapped_column(Float, nullable=True)
    computed_at: Mapped[dt.datetime] = mapped_column(DateTime)
    __table_args__ = (UniqueConstraint("round_id", "ratee_id"),)


# --- appraisal (量化考核) -----------------------------------------------------------------------------


class AppraisalRules(Base):
    """One version of the hall's scoring rules (考核评分规则): base, cap, points per fact, grades, quotas
    and award rules as JSON checked by app.appraisal.rules.parse_rules. Append-only; the highest
    version is in force for a month computed after it. Set by the business section."""

    __tablename__ = "appraisal_rules"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    hall_id: Mapped[str] = mapped_column(ForeignKey("hall.id"))
    version: Mapped[int] = mapped_column(Integer)
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    note: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(36))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    __table_args__ = (UniqueConstraint("hall_id", "version"),)


class Commendation(Base):
    """A 表扬信 (``praise_letter``) or 锦旗 (``banner``) received for a staff member or a window, recorded
    by a supervisor or the business section; a bonus in the month of ``day``. Append-only."""

    __tablename__ = "commendation"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    hall_id: Mapped[str] = mapped_column(ForeignKey("hall.id"))
    kind: Mapped[str] = mapped_column(String(16))
    staff_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    window_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    day: Mapped[dt.date] = mapped_column(Date, index=True)
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_by: Mapped[str] = mapped_column(String(36))
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime)


class AppraisalItem(Base):
    """A point item of one month entered by hand: ``irregular_receipt`` (不规范收件) and
    ``unauthorised_fee`` (违规收费) at the rules' points, ``manual`` (其他加减分) with its own points, all
    proposed with a reason and approved by the business section (never by the proposer); and
    ``adjustment`` (业务科调整), the business section's audited correction of a draft, in force at once.
    ``status``: proposed -> approved / refused."""

    __tablename__ = "appraisal_item"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    hall_id: Mapped[str] = mapped_column(ForeignKey("hall.id"))
    month: Mapped[str] = mapped_column(String(7), index=True)  # 2026-12
    kind: Mapped[str] = mapped_column(String(24))
    staff_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    window_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    points: Mapped[float] = mapped_column(Float, default=0.0)
    reason: Mapped[str] = mapped_column(Text)
    entered_by: Mapped[str] = mapped_column(String(36))
    entered_at: Mapped[dt.datetime] = mapped_column(DateTime)
    status: Mapped[str] = mapped_column(String(16))
    decided_by: Mapped[str] = mapped_column(String(36), default="")
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    decision_note: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1)


class AppraisalComment(Base):
    """A 首席代表's comment on their department's draft month (shown to the business section)."""

    __tablename__ = "appraisal_comment"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    hall_id: Mapped[str] = mapped_column(ForeignKey("hall.id"))
    month: Mapped[str] = mapped_column(String(7), index=True)
    department_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    staff_id: Mapped[str | None] = mapped_column(String(36), nullable=True)  # about this person (optional)
    text: Mapped[str] = mapped_column(Text)
    written_by: Mapped[str] = mapped_column(String(36))
    written_at: Mapped[dt.datetime] = mapped_column(DateTime)


class AppraisalQuota(Base):
    """The leadership's approval to raise the month's 优秀 quota (20 % -> 25 % by default)."""

    __tablename__ = "appraisal_quota"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    hall_id: Mapped[str] = mapped_column(ForeignKey("hall.id"))
    month: Mapped[str] = mapped_column(String(7))
    note: Mapped[str] = mapped_column(Text, default="")
    approved_by: Mapped[str] = mapped_column(String(36))
    approved_at: Mapped[dt.datetime] = mapped_column(DateTime)
    __table_args__ = (UniqueConstraint("hall_id", "month"),)


class AppraisalMonth(Base):
    """A published month of the appraisal (月度考核结果). A correction is a new version with who and why;
    every version stays. ``result`` is app.appraisal.codec.appraisal_json of what was computed (on the
    server, from its rows, with the rules version in force: ``rules_version``)."""

    __tablename__ = "appraisal_month"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    hall_id: Mapped[str] = mapped_column(ForeignKey("hall.id"))
    month: Mapped[str] = mapped_column(String(7))
    version: Mapped[int] = mapped_column(Integer)
    rules_version: Mapped[int] = mapped_column(Integer, default=0)
    result: Mapped[dict[str, Any]] = mapped_column(JSON)
    reason: Mapped[str] = mapped_column(Text, default="")
    published_by: Mapped[str] = mapped_column(String(36))
    published_at: Mapped[dt.datetime] = mapped_column(DateTime)
    __table_args__ = (UniqueConstraint("hall_id", "month", "version"),)


# --- brakes on guessing (app/lockout.py) ---------------------------------------------------------


class LoginLockout(Base):
    """Wrong passwords of one login at this PC (login, unlock, 授权 share it), kept across restarts:
    how many since ``first_failure_at``, and the lock in force (``locked_at`` .. ``locked_until``,
    device time; app.lockout re-anchors a lock whose start lies after the clock's now). Local only:
    never pushed, never pulled; the lockouts themselves are audit events."""

    __tablename__ = "login_lockout"
    login: Mapped[str] = mapped_column(String(64), primary_key=True)  # as typed, stripped, lower case
    failures: Mapped[int] = mapped_column(Integer, default=0)
    first_failure_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    locked_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    lockouts: Mapped[int] = mapped_column(Integer, default=0)  # in a row: each doubles the next lock
