"""The server schema: the domain tables it keeps, copied read-only from db.models, plus its own.

Domain tables (halls, windows, staff, catalogue, calendar, cases, materials, notices,
suspensions, enquiries) have exactly the counter's columns, so the ORM classes of db.models and
the row shapes of app.sync.rows work on the server unchanged. The counter's ``parameter`` and
``device`` tables are per install; the server keeps parameters per hall (``hall_parameter``) and
devices as ``sync_device``. The migrations under server/migrations create all of this; a test
compares them with this metadata on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, DateTime, Float, ForeignKey, Index, Integer, MetaData, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from db import models

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

DOMAIN_TABLES = (
    "department", "matter", "matter_material", "hall", "window", "staff", "calendar_day",
    "dishonest_party", "cases", "case_material", "suspension", "notice", "enquiry", "void_number",
    "attendance_schedule", "punch", "attendance_import", "leave_request", "punch_makeup", "empty_post",
    "inspection", "attendance_month", "rating", "rating_followup", "rating_appeal", "peer_round",
    "peer_turnout", "peer_result", "appraisal_rules", "commendation", "appraisal_item", "appraisal_comment",
    "appraisal_quota", "appraisal_month",
)


class ServerBase(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {dict[str, Any]: JSON}  # noqa: RUF012 - SQLAlchemy reads it as is


for _name in DOMAIN_TABLES:
    models.Base.metadata.tables[_name].to_metadata(ServerBase.metadata)


class ServerMeta(ServerBase):
    """Key/value facts about this server database: ``epoch`` (renewed on restore), ``restored_at``."""

    __tablename__ = "server_meta"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class HallParameter(ServerBase):
    __tablename__ = "hall_parameter"
    hall_id: Mapped[str] = mapped_column(ForeignKey("hall.id"), primary_key=True)
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(500))


class SyncDevice(ServerBase):
    """An enrolled counter PC. ``id`` is its client_id; only a hash of its secret is kept."""

    __tablename__ = "sync_device"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    hall_id: Mapped[str] = mapped_column(ForeignKey("hall.id"), index=True)
    window_id: Mapped[str | None] = mapped_column(ForeignKey("window.id"), nullable=True)
    name: Mapped[str] = mapped_column(String(100))
    secret_hash: Mapped[str] = mapped_column(String(64))
    enrolled_at: Mapped[dt.datetime] = mapped_column(DateTime)
    enrolled_by: Mapped[str] = mapped_column(String(36))  # the administrator who issued the code
    last_seen_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    revoked_by: Mapped[str | None] = mapped_column(String(36), nullable=True)
    revoke_reason: Mapped[str] = mapped_column(Text, default="")


class EnrolmentCode(ServerBase):
    """A one-time code an administrator hands to the counter PC of one window."""

    __tablename__ = "enrolment_code"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hall_id: Mapped[str] = mapped_column(ForeignKey("hall.id"))
    window_id: Mapped[str] = mapped_column(ForeignKey("window.id"))
    device_name: Mapped[str] = mapped_column(String(100), default="")
    created_by: Mapped[str] = mapped_column(String(36))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime)
    used_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    device_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    request_id: Mapped[str | None] = mapped_column(String(64), nullable=True)  # of the redeeming call


class StaffRoleChange(ServerBase):
    """Each change of a person's roles, so an operation is judged by the roles its actor held when
    it was made (an op made before a chief lost the role still counts as the chief's)."""

    __tablename__ = "staff_role_change"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    staff_id: Mapped[str] = mapped_column(ForeignKey("staff.id"), index=True)
    roles_before: Mapped[str] = mapped_column(String(120))
    roles_after: Mapped[str] = mapped_column(String(120))
    effective_at: Mapped[dt.datetime] = mapped_column(DateTime)
    changed_by: Mapped[str] = mapped_column(String(36))
    reason: Mapped[str] = mapped_column(Text, default="")
    op_id: Mapped[str | None] = mapped_column(String(36), nullable=True)


class InboxOp(ServerBase):
    """Every pushed operation once, with the full answer given, so a replay gets the same answer."""

    __tablename__ = "inbox_op"
    client_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    client_seq: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    op_id: Mapped[str] = mapped_column(String(36), index=True)
    kind: Mapped[str] = mapped_column(String(48))
    status: Mapped[str] = mapped_column(String(16))
    received_at: Mapped[dt.datetime] = mapped_column(DateTime)
    answer: Mapped[dict[str, Any]] = mapped_column(JSON)
    # the device clock's offset it reported with the op (over 5 minutes only): its times are evidence
    clock_skew_seconds: Mapped[float | None] = mapped_column(Float, nullable=True)


class ScopeCounter(ServerBase):
    """Per scope: the last change sequence handed out, and the checksum and count of its rows.

    Writers lock this row (FOR UPDATE) before anything else and hold it to commit, so sequence
    order is commit order."""

    __tablename__ = "scope_counter"
    scope: Mapped[str] = mapped_column(String(80), primary_key=True)
    last_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    checksum: Mapped[str] = mapped_column(String(16), default="0" * 16)
    row_count: Mapped[int] = mapped_column(Integer, default=0)


class ChangeLog(ServerBase):
    """Every version of every row written to a scope, in sequence order (the history)."""

    __tablename__ = "change_log"
    scope: Mapped[str] = mapped_column(String(80), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    entity: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[str] = mapped_column(String(64))
    op_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime)
    row: Mapped[dict[str, Any]] = mapped_column(JSON)


class ScopeRow(ServerBase):
    """The current version of each row of a scope: its latest seq and hash. Pull reads these."""

    __tablename__ = "scope_row"
    scope: Mapped[str] = mapped_column(String(80), primary_key=True)
    entity: Mapped[str] = mapped_column(String(32), primary_key=True)
    entity_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger)
    row_hash: Mapped[str] = mapped_column(String(16))
    __table_args__ = (Index("ix_scope_row_scope_seq", "scope", "seq", unique=True),)


class NumberCounter(ServerBase):
    """Per hall, number kind and year: the highest number leased or reported used."""

    __tablename__ = "number_counter"
    hall_id: Mapped[str] = mapped_column(ForeignKey("hall.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_issued: Mapped[int] = mapped_column(Integer, default=0)


class NumberLease(ServerBase):
    """A block of numbers leased to one device; (device_id, request_id) makes a lease idempotent."""

    __tablename__ = "number_lease"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    hall_id: Mapped[str] = mapped_column(ForeignKey("hall.id"))
    device_id: Mapped[str] = mapped_column(ForeignKey("sync_device.id"))
    request_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32))
    year: Mapped[int] = mapped_column(Integer)
    first: Mapped[int] = mapped_column(Integer)
    last: Mapped[int] = mapped_column(Integer)
    leased_at: Mapped[dt.datetime] = mapped_column(DateTime)
    __table_args__ = (
        Index("ix_number_lease_device_request", "device_id", "request_id", unique=True),
        Index("ix_number_lease_hall_kind_year", "hall_id", "kind", "year"),
    )


class AuditChainEntry(ServerBase):
    """The server's own hash chain, per hall, over the operations it applied (server/audit_chain.py):
    who sent what and when, a digest of the op and of the answer given, linked by hash. Appended
    in the op's transaction while the hall's scope counter is locked, so seq has no gaps."""

    __tablename__ = "audit_chain_entry"
    hall_id: Mapped[str] = mapped_column(ForeignKey("hall.id"), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    op_id: Mapped[str] = mapped_column(String(36))
    kind: Mapped[str] = mapped_column(String(48))
    device_id: Mapped[str] = mapped_column(String(36))
    actor_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime)
    digest: Mapped[str] = mapped_column(String(64))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class PostPresence(ServerBase):
    """Who a counter PC last said was signed in at it (sent with its sync requests), and when: what the
    server knows of a window being staffed, for 空岗 (server.posts). ``staff_id`` None: nobody."""

    __tablename__ = "post_presence"
    device_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    hall_id: Mapped[str] = mapped_column(String(36), index=True)
    window_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    staff_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    seen_at: Mapped[dt.datetime] = mapped_column(DateTime)


class BallotBoxKey(ServerBase):
    """The server's key pair for sealed peer-evaluation ballots (server.peer_ops): counters encrypt
    each ballot to ``public_key`` (it travels as the hall parameter ``peer.ballot_key``), so a
    ballot waiting in a counter's outbox is unreadable there. Kept in the database so a restored
    backup still opens the ballots counters push again."""

    __tablename__ = "ballot_box_key"
    id: Mapped[str] = mapped_column(String(16), primary_key=True)  # "current"
    public_key: Mapped[str] = mapped_column(String(64))  # X25519, base64
    private_key: Mapped[str] = mapped_column(String(64))  # X25519, base64
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)


class PeerBallot(ServerBase):
    """One sealed ballot once opened: a round, the person rated, the scores — and a ballot key only
    the rater's password can reproduce (app.peer.keys), so the same rater can replace it until the
    round closes. No rater, device, op, sequence or time is kept, and the table has no rowid (its
    order is the key's, not the arrival's)."""

    __tablename__ = "peer_ballot"
    round_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    ratee_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    ballot_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    scores: Mapped[dict[str, Any]] = mapped_column(JSON)
    __table_args__ = {"sqlite_with_rowid": False}  # noqa: RUF012 - SQLAlchemy reads it as is


class MobileRatingAttempt(ServerBase):
    """扫码评价 verification attempts, for the rate limit: per client address and per case, counted in
    a window of time. Only a hash of the address is kept."""

    __tablename__ = "mobile_rating_attempt"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    client_hash: Mapped[str] = mapped_column(String(64), index=True)
    query_code: Mapped[str] = mapped_column(String(16), index=True)
    ok: Mapped[bool] = mapped_column(Boolean)
    at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)


class LockoutEvent(ServerBase):
    """A lockout of guessing (server.throttle): which route, which key (an account's login, an address,
    or enrolment as a whole), after how many failures, until when. ``hall_id``: the hall of the
    device or account concerned, None for addresses and enrolment. Kept for the administrator."""

    __tablename__ = "lockout_event"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    route: Mapped[str] = mapped_column(String(16))
    scope: Mapped[str] = mapped_column(String(16))
    subject: Mapped[str] = mapped_column(String(200))
    hall_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    failures: Mapped[int] = mapped_column(Integer)
    locked_until: Mapped[dt.datetime] = mapped_column(DateTime)
