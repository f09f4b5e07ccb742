"""All use cases of the counter, built on one AppContext. The UI holds one of these."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from app.appraisal.report_part import appraisal_part
from app.appraisal.service import AppraisalService
from app.attendance.service import AttendanceService
from app.audit_chain import AuditChainService
from app.auth import AuthService
from app.authz import require
from app.cases.intake import IntakeService
from app.cases.lifecycle import LifecycleService
from app.catalogue_service import CatalogueService
from app.clock import Clock
from app.context import Actor, AppContext
from app.documents.service import NoticeService
from app.enquiries import EnquiryService
from app.ledger import LedgerService
from app.machine_settings import LABELS, MachineSettings, MachineSettingsStore
from app.peer.service import PeerService
from app.permission_service import PermissionService
from app.ratings.service import RatingService
from app.reports.service import ReportService
from app.settings_service import SettingsService
from app.setup import ensure_demo, is_set_up, setup_hall
from app.staff_service import StaffService
from app.sync.client import EnrolResult, SyncService
from app.voids.service import VoidService


class Services:
    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx
        self.auth = AuthService(ctx)
        self.catalogue = CatalogueService(ctx)
        self.intake = IntakeService(ctx)
        self.lifecycle = LifecycleService(ctx)
        self.ledger = LedgerService(ctx)
        self.enquiries = EnquiryService(ctx)
        self.notices = NoticeService(ctx)
        self.voids = VoidService(ctx)
        self.settings = SettingsService(ctx)
        self.staff = StaffService(ctx)
        self.permissions = PermissionService(ctx)
        self.audit_chain = AuditChainService(ctx)
        self.attendance = AttendanceService(ctx)
        self.peer = PeerService(ctx)
        self.ratings = RatingService(ctx)
        self.appraisal = AppraisalService(ctx)
        self.reports = ReportService(ctx)
        self.reports.appraisal_provider = appraisal_part  # 考核排名 and 等级分布 in every report
        self.machine = MachineSettingsStore(ctx.db.path.parent)
        self._machine: MachineSettings | None = None
        self.sync = SyncService(ctx, lambda: self.machine_settings().server_url,
                                ca_file=lambda: self.machine_settings().server_ca_file)
        self.sync.reference_listeners.append(self.catalogue.reload)  # pulled catalogue: list it afresh

    @classmethod
    def open(cls, db_path: Path, clock: Clock | None = None, key: bytes | None = None) -> Services:
        """Open (upgrading with backup and verification) the store at ``db_path``, as it is;
        ``key`` opens an encrypted one (app.store_key; the app's entry points always pass one)."""
        return cls(AppContext.open(db_path, clock, key))

    @classmethod
    def open_demo(cls, db_path: Path, clock: Clock | None = None, key: bytes | None = None) -> Services:
        """Open the store at ``db_path`` and load the demo hall if it is empty."""
        services = cls.open(db_path, clock, key)
        ensure_demo(services.ctx)
        return services

    # -- first run ---------------------------------------------------------------------------
    def is_set_up(self) -> bool:
        return is_set_up(self.ctx)

    def set_up(self, hall_file: Path, catalogue_file: Path, window_number: str,
               machine: MachineSettings | None = None) -> None:
        """First run: hall, catalogue, calendar and this PC's window (and its machine settings).
        Everything is checked before anything is written; InvalidInput lists what is wrong."""
        setup_hall(self.ctx, hall_file, catalogue_file, window_number=window_number)
        if machine is not None:
            self.machine.save(machine)
            self._machine = machine

    def set_up_from_server(self, server_url: str, code: str, device_name: str,
                           progress: Callable[[int], None] | None = None) -> EnrolResult:
        """First run from the central server: enrol with the one-time code, take the hall over from
        the server, and remember the server for this PC (machine.ini). ``progress(rows)``: rows of the
        hall taken over so far, after each page (called on this thread)."""
        result = self.sync.set_up_from_server(server_url, code, device_name, progress)
        settings = replace(self.machine_settings(), server_url=server_url)
        self.machine.save(settings)
        self._machine = settings
        return result

    # -- this PC's settings ------------------------------------------------------------------
    def machine_settings(self) -> MachineSettings:
        """Read once, then kept (a few lines of a local file; the screen asks often)."""
        if self._machine is None:
            self._machine = self.machine.load()
        return self._machine

    def save_machine_settings(self, actor: Actor, settings: MachineSettings) -> None:
        """Write machine.ini and audit who changed what (the audit lives with the hall's data).
        Only an administrator may (NotPermitted otherwise, and nothing is written)."""
        with self.ctx.db.read() as s:
            require(s, actor, "machine.settings")
        before = self.machine.load()
        self.machine.save(settings)
        self._machine = settings
        changed = {k: [_shown(getattr(before, k)), _shown(getattr(settings, k))]
                   for k in LABELS if getattr(before, k) != getattr(settings, k)}
        if changed:
            summary = "本机设置：" + "；".join(f"{LABELS[k]} {a}→{b}" for k, (a, b) in changed.items())
            with self.ctx.action() as s:
                self.ctx.audit(s, actor, action="machine.settings", entity="device", entity_id=self.ctx.device_id,
                               summary=summary[:500], detail={"changed": changed})

    def idle_lock_minutes(self) -> int:
        """This PC's setting, else the hall's parameter."""
        return self.machine_settings().idle_lock_minutes or self.ctx.int_parameter("idle_lock_minutes")

    def backup_keep(self) -> int:
        return self.machine_settings().backup_keep or self.ctx.int_parameter("backup_keep")

    def daily_backup(self) -> Path | None:
        """Once a day, a verified copy of the store in backups/ (runs beside the clerk's work)."""
        from app.startup import daily_backup

        return daily_backup(self.ctx.db.path, self.backup_keep(), self.ctx.clock.now(), self.ctx.db.key)

    def backup_now(self) -> Path:
        """A verified copy now (立即备份), as encrypted as the store, keeping the newest ``backup_keep``."""
        from app.backup import backup_folder, backup_now

        db = self.ctx.db
        return backup_now(db.path, backup_folder(db.path), keep=self.backup_keep(), now=self.ctx.clock.now(),
                          key=db.key)

    def close(self) -> None:
        self.ctx.close()


def _shown(value: object) -> str:
    return "默认" if value in (None, "") else str(value)
