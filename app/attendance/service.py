"""The counter's attendance use cases (考勤): punches, leave and 补签 with their approvals, the
schedule, attendance machine imports, the monthly sheet, AB岗 posts, 空岗 and 查岗.

Offline-first like intake: each write is one transaction (``ctx.action()``) holding the rows, the
audit event and the outbox op (``ctx.record``), after ``app.authz.require``. The rules both sides
check are in app.attendance.policy (the server calls them again). Every method runs on a worker
thread. Errors: InvalidInput(field=...), NotFound, NotPermitted (saying who may), StorageError.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.attendance import common, cover, imports, inspections, leave, months, posts, punches
from app.attendance.model import (
    CoverItem,
    EmptyPostItem,
    ImportPreview,
    ImportResult,
    InspectionItem,
    LeaveEstimate,
    LeaveItem,
    MakeupItem,
    MonthView,
    PostItem,
    PunchResult,
    RequestItem,
    ScheduleInfo,
    TodayPunches,
)
from app.context import Actor, AppContext

if TYPE_CHECKING:
    from app.attendance.schedule import Schedule


class AttendanceService:
    def __init__(self, ctx: AppContext, archive: Path | None = None) -> None:
        self.ctx = ctx
        self.archive = archive or ctx.db.path.parent / "attendance"
        cover.register_clock(ctx.db.engine, ctx.clock)  # the permission check's "now" for AB岗 cover

    # -- punches -------------------------------------------------------------------------------
    def punch(self, actor: Actor) -> PunchResult:
        """A punch now at this PC (打卡). Refused within a minute of the previous one ("刚刚已打卡")."""
        result = punches.punch(self.ctx, actor)
        assert result is not None
        return result

    def punch_on_login(self, actor: Actor) -> PunchResult | None:
        """The day's first login: punch unless ``actor`` has a punch today already (then None)."""
        return punches.punch(self.ctx, actor, first_login=True)

    def today(self, actor: Actor) -> TodayPunches:
        """``actor``'s punches today, each due slot done/missing/upcoming, flags, the status so far,
        and their open requests."""
        day = punches.today(self.ctx, actor)
        return replace(day, open_requests=tuple(leave.my_requests(self.ctx, actor, pending_only=True)))

    # -- leave -------------------------------------------------------------------------------------
    def leave_types(self) -> list[str]:
        """The hall's leave types (parameter leave.types)."""
        return list(common.params(self.ctx).leave_types)

    def request_leave(self, actor: Actor, kind: str, starts_at: dt.datetime, ends_at: dt.datetime,
                      reason: str) -> LeaveItem:
        """A leave request (op leave.request). Refused: unknown kind, ends before starts, overlap with
        the person's pending/approved leave, or the window's A and B both away."""
        return leave.request_leave(self.ctx, actor, kind, starts_at, ends_at, reason)

    def leave_estimate(self, kind: str, starts_at: dt.datetime, ends_at: dt.datetime) -> LeaveEstimate:
        """Days counted and the approval needed for a leave as typed (for the dialog; writes nothing)."""
        return leave.estimate(self.ctx, kind, starts_at, ends_at)

    def cancel_leave(self, actor: Actor, leave_id: str) -> LeaveItem:
        """The requester withdraws a pending/approved leave before it starts (op leave.cancel)."""
        return leave.cancel_leave(self.ctx, actor, leave_id)

    def decide_leave(self, actor: Actor, leave_id: str, approve: bool, note: str,
                     cover_staff_id: str | None = None) -> LeaveItem:
        """Approve or refuse a pending leave (op leave.decide), by the tier its length needs and never
        one's own. A leave leaving a window with neither A nor B needs a leader and ``cover_staff_id``."""
        return leave.decide_leave(self.ctx, actor, leave_id, approve, note, cover_staff_id)

    # -- 补签 ------------------------------------------------------------------------------------
    def request_makeup(self, actor: Actor, day: dt.date, slot: str, claimed_at: dt.datetime,
                       reason: str) -> MakeupItem:
        """A 补签 request for a missed punch (op makeup.request), within makeup.limit_days working days."""
        return leave.request_makeup(self.ctx, actor, day, slot, claimed_at, reason)

    def decide_makeup(self, actor: Actor, makeup_id: str, approve: bool, note: str) -> MakeupItem:
        """Approve or refuse a pending 补签 (op makeup.decide; punch.makeup_approve, not own)."""
        return leave.decide_makeup(self.ctx, actor, makeup_id, approve, note)

    # -- lists -------------------------------------------------------------------------------------
    def my_requests(self, actor: Actor) -> list[RequestItem]:
        """``actor``'s leave and 补签 requests, newest first, with their state."""
        return leave.my_requests(self.ctx, actor)

    def pending_for(self, actor: Actor) -> list[RequestItem]:
        """待我审批: the pending requests ``actor`` may decide (never their own), oldest first."""
        return leave.pending_for(self.ctx, actor)

    # -- schedule ------------------------------------------------------------------------------
    def schedule(self) -> Schedule:
        """The schedule in force (highest version), else default_schedule()."""
        return months.schedule(self.ctx)

    def schedule_info(self) -> ScheduleInfo:
        """The version in force with its content, note, who set it and when (version 0: the default)."""
        return months.schedule_info(self.ctx)

    def set_schedule(self, actor: Actor, content: dict[str, Any], note: str) -> int:
        """A new version of the schedule (op schedule.set; schedule.change); returns its number."""
        return months.set_schedule(self.ctx, actor, content, note)

    # -- attendance machine import -------------------------------------------------------------------
    def remembered_mapping(self) -> dict[str, int] | None:
        """The column mapping of the hall's latest import."""
        return imports.remembered_mapping(self.ctx)

    def preview_import(self, path: Path, mapping: dict[str, int] | None = None) -> ImportPreview:
        """Headers, the mapping used (given, remembered or guessed), first 20 rows, counts, problems."""
        return imports.preview(self.ctx, path, mapping)

    def import_file(self, actor: Actor, path: Path, mapping: dict[str, int]) -> ImportResult:
        """One audited op attendance.import; punches already held are not written again."""
        return imports.import_file(self.ctx, actor, path, mapping)

    # -- monthly sheet ---------------------------------------------------------------------------
    def month_sheet(self, actor: Actor, year: int, month: int, *, department_id: str | None = None,
                    staff_id: str | None = None) -> MonthView:
        """The month computed from local data now, with its published versions (latest first). Without
        attendance.view only oneself; a chief only their department."""
        return months.month_view(self.ctx, actor, year, month, department_id=department_id, staff_id=staff_id)

    def publish_month(self, actor: Actor, year: int, month: int, reason: str = "") -> MonthView:
        """Close and publish the whole hall's month (op attendance.publish); a correction needs a reason."""
        return months.publish(self.ctx, actor, year, month, reason)

    def write_month_pdf(self, view: MonthView, path: Path) -> Path:
        from app.attendance.report import month_pdf
        from app.documents.service import write_atomically

        write_atomically(path, month_pdf(view.sheet, title=view.title, published=_published(view)))
        return path

    def write_month_excel(self, view: MonthView, path: Path) -> Path:
        from app.attendance.report import month_xlsx
        from app.documents.service import write_atomically

        write_atomically(path, month_xlsx(view.sheet, published=_published(view)))
        return path

    # -- posts (AB岗 / 空岗) ------------------------------------------------------------------------
    def posts(self) -> list[PostItem]:
        """Every window: its A and B, who is away today, the cover."""
        return posts.posts(self.ctx)

    def covered_windows(self, actor: Actor) -> list[CoverItem]:
        """Windows ``actor`` may take in for now: its A away on approved leave and actor its B or the
        leave's named cover."""
        return posts.covered_windows(self.ctx, actor)

    def empty_posts(self, actor: Actor, since: dt.date | None = None) -> list[EmptyPostItem]:
        """空岗 events ``actor`` may see (own department's windows for a chief; all for business, leaders,
        supervisors; own window otherwise), open ones first. ``since`` default today."""
        return posts.empty_posts(self.ctx, actor, since)

    # -- 查岗 ---------------------------------------------------------------------------------------
    def findings(self) -> list[str]:
        """The hall's list of findings (parameter inspection.findings)."""
        return list(common.params(self.ctx).findings)

    def record_inspection(self, actor: Actor, window_id: str, finding: str, note: str,
                          photo: Path | None = None, staff_id: str | None = None) -> InspectionItem:
        """A spot check (op inspection.record; inspection.record). Photo ≤ 1 MB jpg/png; staff
        defaults to the window's A."""
        return inspections.record(self.ctx, actor, window_id, finding, note, photo, staff_id)

    def respond_inspection(self, actor: Actor, inspection_id: str, confirm: bool, note: str) -> InspectionItem:
        """The checked staff member confirms or disputes (note required), once (op inspection.respond)."""
        return inspections.respond(self.ctx, actor, inspection_id, confirm, note)

    def inspections(self, actor: Actor, *, mine: bool = True) -> list[InspectionItem]:
        """Checks about ``actor`` (mine) or, for those with attendance.view, all they may see; newest first."""
        return inspections.listed(self.ctx, actor, mine=mine)

    # -- choices ----------------------------------------------------------------------------------
    def windows(self) -> list[tuple[str, str]]:
        """(id, "01号窗口（市场监管综合窗口）") of the hall's windows."""
        return self._choices(windows=True)

    def staff_choices(self) -> list[tuple[str, str]]:
        """(id, "张敏（01号窗口）") of the active staff, for a cover."""
        return self._choices(windows=False)

    def _choices(self, *, windows: bool) -> list[tuple[str, str]]:
        with self.ctx.db.read() as s:
            labels = common.Labels(s)
            if windows:
                return [(w.id, common.window_label(w)) for w in labels.windows.values()]
            people = sorted((p for p in labels.staff.values() if p.active),
                            key=lambda p: (labels.window_of(p.id) or "~", p.login))
            return [(p.id, f"{p.name}（{labels.window_of(p.id).split('（')[0] or '中心'}）") for p in people]


def _published(view: MonthView) -> str:
    """The edition line of an exported sheet: a live computation says so; a published edition says
    which ("（第1版）", "（第2版，更正：…）")."""
    if view.edition is None:
        return f"（实时计算，截至{view.sheet.as_of:%Y-%m-%d}，未经发布）"
    chosen = next((v for v in view.versions if v.version == view.edition), None)
    if chosen is None or chosen.version < 2:
        return f"（第{view.edition}版）"
    return f"（第{chosen.version}版，更正：{chosen.reason}）"
