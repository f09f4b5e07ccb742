"""The counter's sync client (docs/sync-protocol.md, section 11 is its contract). Qt-free.

``SyncService`` is what the UI and the tests hold. Every method runs on the caller's thread and
may block on the network (``status``, ``is_enrolled`` and ``quarantine`` never do); call them from
a worker. Cycles are serialised by a lock, so two triggers never push the same ops twice at once.
Errors: SyncUnavailable (try again later; the UI backs off with ``retry_delay``), SyncRefused (no
automatic retry: enrol again), InvalidInput for what a person typed. Whatever a cycle committed
locally before an error stays; nothing unsynced is ever discarded.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy.exc import OperationalError

from app import server_address
from app.authz import require
from app.context import Actor, AppContext
from app.errors import DomainError
from app.sync import blocks, enrol, pull, quarantine, state
from app.sync.cycle import SKEW_LIMIT, Cycle, Tally, Tuning, run
from app.sync.errors import CertificateRefused, InsecureTransport, SyncError, SyncRefused, SyncUnavailable
from app.sync.pull import BadRowNote, pull_all
from app.sync.push import push_all
from app.sync.quarantine import QuarantinedOp
from app.sync.transport import ServerApi
from db.repositories import ReferenceRepository
from db.sync_repository import SyncRepository

if TYPE_CHECKING:
    import httpx

__all__ = ["EnrolResult", "QuarantinedOp", "SyncError", "SyncRefused", "SyncReport", "SyncService", "SyncStatus",
           "SyncUnavailable", "retry_delay"]
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SyncStatus:
    server_url: str  # '' = standalone (no server configured in machine settings)
    enrolled: bool
    online: bool | None  # result of the last attempt; None = not tried since start
    pending: int  # outbox ops not yet acknowledged (incl. those to re-push after an epoch change)
    oldest_pending_at: dt.datetime | None
    quarantined: int  # conflict/rejected ops not yet resolved
    last_success_at: dt.datetime | None
    last_attempt_at: dt.datetime | None
    last_error: str  # Chinese, '' when fine
    skew_seconds: float | None  # server time - device time at the last contact
    epoch: str | None
    warnings: tuple[str, ...]  # Chinese: numbers running low / none for next year / skew > 5 min
    # Chinese, '' when fine: why sync cannot run safely (http:// to another machine, the CA file,
    # a certificate that did not verify); shown on the status line instead of the usual offline text
    transport_problem: str = ""
    unencrypted: bool = False  # http:// to this PC itself (demo): allowed, with a warning


@dataclass(frozen=True)
class SyncReport:
    pushed: int
    applied: int
    duplicates: int
    conflicts: int
    rejected: int
    pulled: int
    epoch_changed: bool
    pending_after: int


@dataclass(frozen=True)
class EnrolResult:
    device_id: str
    hall_name: str
    window_label: str
    server_url: str


def _address(url: str) -> server_address.ServerAddress | None:
    try:
        return server_address.parse(url)
    except DomainError:
        return None


def retry_delay(attempt: int, *, base: float = 2.0, cap: float = 300.0, rng: random.Random | None = None) -> float:
    """Capped exponential backoff with full jitter: attempt 0 → ≤ base s, growing to ≤ cap s."""
    ceiling = min(cap, base * 2 ** min(max(attempt, 0), 30))
    return (rng or random).uniform(0, ceiling)


ENTITY_NAMES = {"case": "办件", "notice": "文书", "suspension": "暂停记录", "enquiry": "首问登记", "staff": "人员",
                "matter": "事项", "window": "窗口", "hall": "大厅", "rating": "评价", "punch": "打卡记录"}


def bad_rows_warning(bad: list[BadRowNote]) -> str:
    """For the status line: rows the server sent that this counter skipped, and who can repair them."""
    if not bad:
        return ""
    first = bad[0]
    what = ENTITY_NAMES.get(first.entity, first.entity)
    return (f"中心服务器发来的 {len(bad)} 条数据本机无法接收（如{what} {first.id[:8]} 的“{first.field}”），已跳过，"
            "其余数据照常同步。请告知中心管理员在服务器上运行 check-rows --repair 修复。")


def skew_warning(skew: float | None) -> str:
    if skew is None or abs(skew) <= SKEW_LIMIT:
        return ""
    return (f"本机时间比中心服务器{'慢' if skew > 0 else '快'} {round(abs(skew) / 60)} 分钟，"
            "请联系信息科校准本机时间（办件时间以服务器记录为准）。")


class SyncService:
    def __init__(self, ctx: AppContext, server_url: Callable[[], str], *,
                 transport: httpx.BaseTransport | None = None, timeout: float = 10.0,
                 ca_file: Callable[[], str] = lambda: "") -> None:
        self.ctx = ctx
        self.server_url = server_url
        self.ca_file = ca_file  # the hall's CA file (PEM) from machine settings; '' = the system's trust store
        self.transport = transport
        self.timeout = timeout
        self.tuning = Tuning()
        self.reference_listeners: list[Callable[[], None]] = []  # called after reference data changed
        # the staff id signed in at this PC (None: nobody, locked); the UI sets it on login, logout and
        # lock, and every sync request tells the server (X-Counter-Desk-Staff, for its 空岗 check)
        self.signed_in: str | None = None
        self._lock = threading.Lock()
        self._online: bool | None = None
        self._last_attempt: dt.datetime | None = None
        self._last_error = ""
        self._transport_problem = ""

    # -- reading ---------------------------------------------------------------------------------
    def status(self) -> SyncStatus:
        """Local reads only, no network; cheap."""
        with self.ctx.db.read() as s:
            repo = SyncRepository(s)
            kept = repo.state()
            stats = repo.op_stats()
            enrolled = state.CREDENTIAL in kept
            warnings = blocks.warnings(s, self.ctx.today(), self.tuning.low_watermark) if enrolled else []
        warnings += [bad_rows_warning(pull.parse_bad_rows(kept[state.BAD_ROWS]))] if state.BAD_ROWS in kept else []
        skew = float(kept[state.SKEW]) if state.SKEW in kept else None
        pending, oldest = stats.get("pending", (0, None))
        success = kept.get(state.LAST_SUCCESS)
        url = self.server_url()
        address = _address(url)
        problem = self._transport_problem
        if address is not None and not address.allowed:  # known before any attempt
            problem = "同步已停止：" + server_address.PLAIN_REFUSED
        return SyncStatus(
            server_url=url, enrolled=enrolled, online=self._online, pending=pending,
            oldest_pending_at=oldest, quarantined=stats.get("quarantined", (0, None))[0],
            last_success_at=dt.datetime.fromisoformat(success) if success else None,
            last_attempt_at=self._last_attempt, last_error=self._last_error, skew_seconds=skew,
            epoch=kept.get(state.EPOCH), warnings=tuple(w for w in (*warnings, skew_warning(skew)) if w),
            transport_problem=problem, unencrypted=address is not None and address.plain,
        )

    def is_enrolled(self) -> bool:
        with self.ctx.db.read() as s:
            return SyncRepository(s).get(state.CREDENTIAL) is not None

    def quarantine(self, include_resolved: bool = False) -> list[QuarantinedOp]:
        return quarantine.listed(self.ctx, include_resolved)

    def resolve(self, actor: Actor, op_id: str, note: str) -> None:
        """A 首席代表 or administrator settles a quarantined op with a note; audited; kept."""
        quarantine.resolve(self.ctx, actor, op_id, note)
        self._reference_changed()

    # -- enrolment ---------------------------------------------------------------------------------
    def set_up_from_server(self, server_url: str, code: str, device_name: str,
                           progress: Callable[[int], None] | None = None) -> EnrolResult:
        """First run on an empty store: everything from the server, then a first sync (best effort:
        the hall's work rows come page by page, and what is missing follows at the next cycle).
        ``progress(rows)`` is called after each page of that first sync, on this thread."""
        url = enrol.server_address(server_url)
        with self._lock, self._api(url) as api:
            enrolment = enrol.set_up(self.ctx, api, url, code, device_name)
        self._reference_changed()
        self._first_sync(url, progress)
        return EnrolResult(enrolment.device_id, enrolment.hall["name"], enrolment.window_label, url)

    def enrol(self, actor: Actor, server_url: str, code: str, device_name: str) -> EnrolResult:
        """A store set up with the server's ids joins it; blocks are leased at once (best effort).
        Only an administrator may enrol this PC (the one-time code is the server's side of it)."""
        with self.ctx.db.read() as s:
            require(s, actor, "device.enrol")
        url = enrol.server_address(server_url)
        with self._lock, self._api(url) as api:
            enrolment = enrol.join(self.ctx, api, url, code, device_name)
            try:
                self._cycle(api, None, [blocks.top_up])
            except SyncError as exc:
                log.warning("no number blocks leased after enrolment yet: %s", exc.message)
        return EnrolResult(enrolment.device_id, enrolment.hall["name"], enrolment.window_label, url)

    # -- the cycle ---------------------------------------------------------------------------------
    def sync_once(self, cancel: threading.Event | None = None) -> SyncReport:
        """Meta → push → number blocks → pull (module app.sync.cycle). SyncUnavailable/SyncRefused."""
        return self._sync(self.server_url(), cancel)

    def _sync(self, url: str, cancel: threading.Event | None,
              progress: Callable[[int], None] | None = None) -> SyncReport:
        with self._lock:
            self._last_attempt = self.ctx.clock.now()
            try:
                credential = self._credential(url)
                with self._api(url, credential) as api:
                    tally = self._cycle(api, cancel, [blocks.report_held, push_all, blocks.top_up, pull_all],
                                        progress)
            except OperationalError as exc:  # the local file is busy or cannot be written: try later
                self._online = False
                self._last_error = f"本机数据库暂时无法写入（{exc.orig}），本次同步未完成，稍后自动重试。"
                raise SyncUnavailable(self._last_error) from exc
            except DomainError as exc:
                self._online, self._last_error = False, exc.message
                secure = isinstance(exc, (InsecureTransport, CertificateRefused))
                self._transport_problem = exc.message if secure else ""
                raise
            self._online, self._last_error, self._transport_problem = True, "", ""
        with self.ctx.db.read() as s:
            pending = SyncRepository(s).op_stats().get("pending", (0, None))[0]
        return SyncReport(tally.pushed, tally.applied, tally.duplicates, tally.conflicts, tally.rejected,
                          tally.pulled, tally.epoch_changed, pending)

    def _cycle(self, api: ServerApi, cancel: threading.Event | None, steps: list[Callable[[Cycle], None]],
               progress: Callable[[int], None] | None = None) -> Tally:
        with self.ctx.db.read() as s:
            device = ReferenceRepository(s).device()
            epoch = SyncRepository(s).get(state.EPOCH)
        if device is None:
            raise SyncRefused("本机尚未设置大厅资料，不能同步。")
        cycle = Cycle(self.ctx, api, device.hall_id, epoch, self.tuning, cancel, progress=progress)
        tally = run(cycle, steps)
        values = {state.SKEW: None if cycle.skew is None else f"{cycle.skew:.1f}"}
        if not cycle.cancelled():
            values[state.LAST_SUCCESS] = self.ctx.clock.now().isoformat()
        state.save(self.ctx, **values)
        if tally.reference_changed:
            self._reference_changed()
        return tally

    def _credential(self, url: str) -> str:
        if not url:
            raise SyncRefused("未设置中心服务器地址，本机单机运行。")
        credential = state.load(self.ctx).get(state.CREDENTIAL)
        if not credential:
            raise SyncRefused("本机尚未注册到中心服务器，请在本机设置中用注册码注册。")
        return credential

    def _api(self, url: str, credential: str = "") -> ServerApi:
        return ServerApi(url, credential, transport=self.transport, timeout=self.timeout, signed_in=self.signed_in,
                         ca_file=self.ca_file())

    def _first_sync(self, url: str, progress: Callable[[int], None] | None = None) -> None:
        try:
            self._sync(url, None, progress)
        except SyncError as exc:
            log.warning("first sync after setting up from the server did not finish: %s", exc.message)

    def _reference_changed(self) -> None:
        self.ctx.reload_reference()
        for listener in self.reference_listeners:
            listener()
