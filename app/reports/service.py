"""The counter's reports use cases (统计报表): who may open them, the figures of a period, and the files
written from them (Excel, the landscape PDF with charts, the monthly 通报).

Reads only: nothing here writes to the store. Every method runs on a worker thread (the queries of a
year of a large hall take a moment, rendering a PDF longer). Errors: NotPermitted (report.view, saying
who may), InvalidInput (a period or grouping that does not exist), NotFound, StorageError (a file that
could not be written), MissingGlyphs (a name no shipped face can print).

Extension point for the appraisal (量化考核): set ``appraisal_provider`` to a function (ctx, actor,
period, department id or None) -> AppraisalPart | None; its part is carried by the Dashboard and laid
out by every export. The writers also take ``extra`` sections (ReportSection, BulletinSection).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import os
import uuid
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from app.context import Actor, AppContext
from app.errors import StorageError
from app.reports import dashboard as dashboards
from app.reports.attendance import MonthCache
from app.reports.dashboard import AppraisalProvider
from app.reports.model import BulletinSection, Dashboard, ReportAccess, ReportSection
from app.reports.periods import Period, custom, period_of


class ReportService:
    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx
        self.appraisal_provider: AppraisalProvider | None = None
        self.months = MonthCache()  # the attendance months reduced, kept while unchanged (app.reports.attendance)
        # a report's parts read side by side (app.reports.dashboard._Parts): SQLite counts without Python's
        # lock, so the ledger, the ratings, the trend and the attendance rules overlap; four at most
        self.pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="reports")

    def access(self, actor: Actor) -> ReportAccess:
        """May ``actor`` open the reports, on the whole hall or on their department (never raises)."""
        with self.ctx.db.read() as s:
            return dashboards.access(s, actor)

    @staticmethod
    def period(kind: str, anchor: dt.date, end: dt.date | None = None) -> Period:
        """The ``kind`` period around ``anchor``; custom: ``anchor`` to ``end``."""
        return custom(anchor, end or anchor) if kind == "custom" else period_of(kind, anchor)

    def dashboard(self, actor: Actor, period: Period, by: str = "window",
                  department_id: str | None = None) -> Dashboard:
        """Figures of ``period`` and of the period before it, grouped ``by`` window / department / matter,
        for the whole hall or ``department_id`` (a chief: always their own); the 12-month trend."""
        return dashboards.dashboard(self.ctx, actor, period, by, department_id, self.appraisal_provider, self.months,
                                    self.pool)

    # -- files ---------------------------------------------------------------------------------------
    @staticmethod
    def excel(report: Dashboard, extra: Sequence[ReportSection] = ()) -> bytes:
        from app.reports.excel import dashboard_xlsx

        return dashboard_xlsx(report, extra)

    @staticmethod
    def pdf(report: Dashboard, extra: Sequence[ReportSection] = ()) -> bytes:
        from app.reports.pdf import dashboard_pdf

        return dashboard_pdf(report, extra)

    @staticmethod
    def bulletin(report: Dashboard, extra: Sequence[BulletinSection] = ()) -> bytes:
        from app.reports.bulletin import bulletin_pdf

        return bulletin_pdf(report, extra)

    def write_excel(self, report: Dashboard, path: Path, extra: Sequence[ReportSection] = ()) -> Path:
        path = path if path.suffix.lower() == ".xlsx" else path.with_suffix(".xlsx")
        write_file(path, self.excel(report, extra))
        return path

    def write_pdf(self, report: Dashboard, path: Path, extra: Sequence[ReportSection] = ()) -> Path:
        path = path if path.suffix.lower() == ".pdf" else path.with_suffix(".pdf")
        write_file(path, self.pdf(report, extra))
        return path

    def write_bulletin(self, report: Dashboard, path: Path, extra: Sequence[BulletinSection] = ()) -> Path:
        path = path if path.suffix.lower() == ".pdf" else path.with_suffix(".pdf")
        write_file(path, self.bulletin(report, extra))
        return path


def write_file(path: Path, data: bytes) -> None:
    """Write ``path`` whole or not at all (a temporary file beside it, flushed, then renamed)."""
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        if exc.errno == errno.ENOSPC:
            raise StorageError("磁盘已满，报表文件未能保存。请清理磁盘后重新导出。") from exc
        raise StorageError(f"报表文件未能保存（{exc.strerror}）：{path}。请换一个位置或联系信息科。") from exc
