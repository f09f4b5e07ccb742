"""All use cases of the counter, built on one AppContext. The UI holds one of these."""

from __future__ import annotations

from pathlib import Path

from app.auth import AuthService
from app.cases.intake import IntakeService
from app.cases.lifecycle import LifecycleService
from app.catalogue_service import CatalogueService
from app.clock import Clock
from app.context import AppContext
from app.documents.service import NoticeService
from app.enquiries import EnquiryService
from app.ledger import LedgerService
from app.settings_service import SettingsService
from app.setup import ensure_demo


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
        self.settings = SettingsService(ctx)

    @classmethod
    def open_demo(cls, db_path: Path, clock: Clock | None = None) -> Services:
        """Open (migrating) the store at ``db_path`` and load the demo hall if it is empty."""
        ctx = AppContext.open(db_path, clock)
        ensure_demo(ctx)
        return cls(ctx)

    def daily_backup(self) -> Path | None:
        """Once a day, a verified copy of the store in backups/ (runs beside the clerk's work)."""
        from app.startup import daily_backup

        return daily_backup(self.ctx.db.path, self.ctx.int_parameter("backup_keep"), self.ctx.clock.now())

    def close(self) -> None:
        self.ctx.close()
