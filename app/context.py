"""The application context: one local store, one clock, one device, shared by all services."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from app.audit_chain import GENESIS, entry_hash, event_content
from app.clock import Clock, SystemClock
from app.errors import StorageError
from app.ids import uuid7
from app.workcal import CalendarException, WorkingCalendar
from db.engine import Database, open_database
from db.models import AuditEvent, OutboxOp
from db.repositories import JournalRepository, ReferenceRepository

DEFAULT_PARAMETERS = {
    "yellow_days_before": "1",
    "notify_limit_days": "5",
    "idle_lock_minutes": "5",
    "rectify_days": "15",
    "backup_keep": "14",
    # attendance (DOMAIN.md "Attendance"); the schedule itself is versioned hall data
    "leave.types": "公假,事假,病假,临时外出,休假",
    "leave.chief_max_days": "1",
    "leave.business_max_days": "2",
    "makeup.limit_days": "3",
    "empty_post.minutes": "10",
    "punch.clock_tolerance_minutes": "5",
    "inspection.findings": "在岗,离岗,着装不规范,玩手机,服务态度问题,其他",
    # ratings (DOMAIN.md "Service rating"): the rating screen waits this long, then records 未评价
    # (policy "unrated") or records nothing and leaves the case to the phone ("none")
    "rating.timeout_seconds": "60",
    "rating.timeout_policy": "unrated",
    "rating.after_enquiry": "0",  # 1: the rating screen also asks after an enquiry
    "rating.after_receipt": "0",  # 1: ... and after a receipt; the receipt then carries the QR code too
    "rating.rectify_days": "15",  # 差评整改 limit in working days from the rating
    "rating.callback_days": "5",  # 回访 limit in working days from the rectification
    "rating.public_url": "",  # the address the QR code points to (the central server's, as applicants reach it)
    "peer.min_ballots": "5",  # a person's 互评 result is shown only with this many ballots (never below 3)
    "peer.dimensions": "服务态度,业务能力,工作纪律,团结协作",
}


@dataclass(frozen=True)
class Actor:
    """Who performs an action: a staff member (``id``), or the system / the command line (``id``
    None, with the roles it acts under; the server accepts no such op but the system's own).

    ``at_desk_of``: when a 首席代表 or administrator authorises one action at someone else's PC
    (授权), the action is theirs and this names the person signed in there."""

    id: str | None
    name: str
    roles: frozenset[str] = frozenset()
    at_desk_of: str | None = None

    @staticmethod
    def system() -> Actor:
        return Actor(None, "系统")


class AppContext:
    """Owns the database and the things every use case needs. Thread-safe to share:
    each call opens its own session."""

    def __init__(self, db: Database, clock: Clock | None = None) -> None:
        self.db = db
        self.clock: Clock = clock or SystemClock()
        self._calendar: WorkingCalendar | None = None
        self._device_id: str | None = None

    @classmethod
    def open(cls, path: Path, clock: Clock | None = None, key: bytes | None = None) -> AppContext:
        """Open the store at ``path``: an existing one is upgraded with backup and verification.
        ``key``: the store's key (app.store_key); None for a plain file (tests and tools)."""
        from app.upgrade import upgrade_if_needed

        clock = clock or SystemClock()
        upgrade_if_needed(path, clock.now(), key)
        return cls(open_database(path, key), clock)

    def close(self) -> None:
        self.db.dispose()

    # -- reference data cached for the session of the app ---------------------------------
    @property
    def device_id(self) -> str:
        if self._device_id is None:
            with self.db.read() as s:
                device = ReferenceRepository(s).device()
                self._device_id = device.id if device else "unregistered"
        return self._device_id

    def calendar(self) -> WorkingCalendar:
        if self._calendar is None:
            with self.db.read() as s:
                days = ReferenceRepository(s).calendar_days()
                exceptions = [CalendarException(d.day, d.is_workday, d.name) for d in days]
            years = {e.day.year for e in exceptions}
            self._calendar = WorkingCalendar(exceptions, years)
        return self._calendar

    def reload_reference(self) -> None:
        self._calendar = None
        self._device_id = None

    def parameters(self) -> dict[str, str]:
        with self.db.read() as s:
            return {**DEFAULT_PARAMETERS, **ReferenceRepository(s).parameters()}

    def int_parameter(self, key: str) -> int:
        return int(self.parameters()[key])

    def today(self) -> dt.date:
        return self.clock.now().date()

    # -- writing ---------------------------------------------------------------------------
    @contextmanager
    def action(self) -> Iterator[Session]:
        """One user action = one write transaction; storage failures become StorageError."""
        try:
            with self.db.write() as session:
                yield session
        except OperationalError as exc:
            raise StorageError(_storage_message(exc)) from exc
        except sqlite3.OperationalError as exc:  # pragma: no cover - raised outside SQLAlchemy
            raise StorageError(_storage_message(exc)) from exc

    def audit(
        self,
        session: Session,
        actor: Actor,
        *,
        action: str,
        entity: str,
        entity_id: str,
        summary: str,
        detail: dict[str, Any] | None = None,
        case_id: str | None = None,
    ) -> None:
        """Append an audit event (who, what, when, on which device) in the caller's transaction. An
        action authorised at someone else's PC (授权) names the person signed in there."""
        if actor.at_desk_of:
            detail = {**(detail or {}), "authorised_at_desk_of": actor.at_desk_of}
            summary = f"{summary}（授权办理）"
        # The next link of the hash chain (app/audit_chain.py). The write transaction (BEGIN
        # IMMEDIATE) serialises writers, so the head read here is still the head at commit.
        journal = JournalRepository(session)
        last_seq, prev_hash = journal.audit_head() or (0, GENESIS)
        fields: dict[str, Any] = dict(
            id=uuid7(), at=self.clock.now(), actor_id=actor.id, actor_name=actor.name, device_id=self.device_id,
            action=action, entity=entity, entity_id=entity_id, case_id=case_id, summary=summary,
            detail=detail or {},
        )
        digest = entry_hash(event_content(**fields), last_seq + 1, prev_hash)
        journal.append_audit(AuditEvent(**fields, seq=last_seq + 1, prev_hash=prev_hash, hash=digest))

    def record(
        self,
        session: Session,
        actor: Actor,
        *,
        op_kind: str,
        entity: str,
        entity_id: str,
        summary: str,
        payload: dict[str, Any],
        case_id: str | None = None,
    ) -> str:
        """Append the audit event and the outbox operation of an action; returns the op id."""
        op_id = uuid7()
        self.audit(session, actor, action=op_kind, entity=entity, entity_id=entity_id, summary=summary,
                   detail={"op_id": op_id}, case_id=case_id)
        JournalRepository(session).append_op(OutboxOp(
            op_id=op_id, kind=op_kind, entity_id=entity_id, payload=payload, created_at=self.clock.now(),
            actor_id=actor.id, status="pending",
        ))
        return op_id


def _storage_message(exc: Exception) -> str:
    text = str(exc).lower()
    if "disk" in text and "full" in text:
        return "本机磁盘已满，本次操作未保存。请联系信息科清理磁盘后重试，屏幕上已填写的内容仍保留。"
    if "locked" in text or "busy" in text:
        return "数据库正忙，本次操作未保存，请稍后重试。"
    if "readonly" in text or "read-only" in text:
        return "数据文件为只读，本次操作未保存。请联系信息科检查数据目录权限。"
    return "本机数据库写入失败，本次操作未保存：" + str(exc)
