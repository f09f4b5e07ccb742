"""The application context: one local store, one clock, one device, shared by all services."""

from __future__ import annotations

import datetime as dt
import os
import re
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine, event
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from app.audit_chain import GENESIS, entry_hash, event_content
from app.clock import Clock, SystemClock
from app.errors import StorageError
from app.ids import uuid7
from app.workcal import CalendarException, WorkingCalendar
from db.engine import Database, open_database
from db.repositories import HallFacts, JournalRepository, MatterFacts, ReferenceRepository

T = TypeVar("T")

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


# The rows a use case reads on every action but that change only by a settings write, a setup or a
# sync pull: what ReferenceCache keeps between transactions.
REFERENCE_TABLES = frozenset({
    "device", "hall", "window", "department", "matter", "matter_material", "parameter", "calendar_day",
})
_WRITE = re.compile(
    r"\s*(?:INSERT(?:\s+OR\s+\w+)?\s+INTO|REPLACE\s+INTO|UPDATE(?:\s+OR\s+\w+)?|DELETE\s+FROM)\s+[\"`\[]?(\w+)",
    re.IGNORECASE,
)
_WROTE_REFERENCE = "counterdesk.wrote_reference"  # Connection.info: this transaction wrote reference rows
_WROTE = "counterdesk.wrote"  # Connection.info: this transaction wrote (any table)


class ReferenceCache:
    """Reference values (parameters, the hall's code, a matter's facts, the calendar) kept between
    transactions, so that a clerk's action does not re-read them each time (issue #16).

    Invalidation, by a generation number that a kept value must have been read in:

    - writes through the store's engine, whoever makes them (a settings change, the setup, a sync
      pull; ORM or plain SQL): a statement writing one of REFERENCE_TABLES marks its connection and
      moves the generation on; until that connection is back in the pool (committed or rolled
      back) nothing is kept or served, and its return moves the generation on again;
    - writes past the engine (another process, a plain sqlite3 connection): they change the WAL
      file. Its size and time are noted whenever a connection of the engine that wrote is back in
      the pool; a different WAL when a value is asked for (no write of the engine open), or when
      a transaction of the engine starts writing (from then on it holds the write lock, so nobody
      else commits), means someone else wrote: the generation moves on;
    - ``bump`` by hand (AppContext.reload_reference)."""

    def __init__(self, wal: Path | None = None) -> None:
        self.generation = 0
        self._values: dict[str, tuple[int, Any]] = {}
        self._writing = 0  # connections inside a transaction that wrote reference rows
        self._wrote = 0  # connections inside a transaction that wrote anything
        self._wal = wal
        self._wal_seen = self._wal_stamp()
        self._lock = threading.Lock()

    def get(self, key: str, load: Callable[[], T]) -> T:
        if not self._wrote:
            self._check_wal()
        hit = self._values.get(key)
        if hit is not None and hit[0] == self.generation and not self._writing:
            return hit[1]  # type: ignore[no-any-return]
        generation = self.generation
        value = load()
        if generation == self.generation and not self._writing:
            self._values[key] = (generation, value)
        return value

    def bump(self) -> None:
        with self._lock:
            self.generation += 1
            self._values = {}

    def watch(self, engine: Engine) -> None:
        """Follow the writes made through ``engine``."""
        event.listen(engine, "before_cursor_execute", self._on_execute)
        event.listen(engine, "checkin", self._on_checkin)

    def _wal_stamp(self) -> tuple[int, int] | None:
        try:
            st = os.stat(self._wal) if self._wal is not None else None
        except OSError:
            return None
        return (st.st_size, st.st_mtime_ns) if st is not None else None

    def _check_wal(self) -> None:
        stamp = self._wal_stamp()
        if stamp != self._wal_seen:
            self._wal_seen = stamp
            self.bump()

    def _on_execute(self, conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        m = _WRITE.match(statement)
        if m is None:
            return
        info = conn.info
        if not info.get(_WROTE):
            with self._lock:
                first = not self._wrote
                info[_WROTE] = True
                self._wrote += 1
            if first:
                self._check_wal()  # before this write lands: anything new in the WAL is someone else's
        if m.group(1).lower() in REFERENCE_TABLES:
            with self._lock:
                if not info.get(_WROTE_REFERENCE):
                    info[_WROTE_REFERENCE] = True
                    self._writing += 1
            self.bump()

    def _on_checkin(self, _dbapi_connection: Any, record: Any) -> None:
        info = record.info
        if info.pop(_WROTE, False):
            with self._lock:
                self._wrote -= 1
                self._wal_seen = self._wal_stamp()  # our own commit's WAL
        if info.pop(_WROTE_REFERENCE, False):
            with self._lock:
                self._writing -= 1
            self.bump()  # committed (or rolled back): what every connection now reads


class AppContext:
    """Owns the database and the things every use case needs. Thread-safe to share:
    each call opens its own session."""

    def __init__(self, db: Database, clock: Clock | None = None) -> None:
        self.db = db
        self.clock: Clock = clock or SystemClock()
        self.reference = ReferenceCache(db.path.with_name(db.path.name + "-wal"))
        self.reference.watch(db.engine)

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

    # -- reference data cached for the session of the app (ReferenceCache) ------------------
    @property
    def device_id(self) -> str:
        return self.reference.get("device_id", self._load_device_id)

    def _load_device_id(self) -> str:
        with self.db.read() as s:
            device = ReferenceRepository(s).device()
            return device.id if device else "unregistered"

    def calendar(self) -> WorkingCalendar:
        return self.reference.get("calendar", self._load_calendar)

    def _load_calendar(self) -> WorkingCalendar:
        with self.db.read() as s:
            days = ReferenceRepository(s).calendar_days()
            exceptions = [CalendarException(d.day, d.is_workday, d.name) for d in days]
        return WorkingCalendar(exceptions, {e.day.year for e in exceptions})

    def reload_reference(self) -> None:
        """Forget the cached reference data (after writes the engine may not have seen)."""
        self.reference.bump()

    def parameters(self) -> dict[str, str]:
        return dict(self.reference.get("parameters", self._load_parameters))  # a copy: callers may change it

    def _load_parameters(self) -> dict[str, str]:
        with self.db.read() as s:
            return {**DEFAULT_PARAMETERS, **ReferenceRepository(s).parameters()}

    def matter(self, s: Session, matter_id: str) -> MatterFacts | None:
        """A matter's facts a decision needs, read in ``s`` (the action's transaction) when not kept."""
        return self.reference.get(f"matter:{matter_id}", lambda: ReferenceRepository(s).matter_facts(matter_id))

    def hall(self, s: Session, hall_id: str) -> HallFacts | None:
        return self.reference.get(f"hall:{hall_id}", lambda: ReferenceRepository(s).hall_facts(hall_id))

    def int_parameter(self, key: str) -> int:
        return int(self.reference.get("parameters", self._load_parameters)[key])

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
        journal.insert_audit({**fields, "seq": last_seq + 1, "prev_hash": prev_hash, "hash": digest})

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
        JournalRepository(session).insert_op(dict(
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
