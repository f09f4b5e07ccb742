"""The reports of a period (统计报表) for one viewer: who may see what, the figures of the period and of
the one before it, the key figures compared, the monthly trend. Read in one transaction, so every part
of a report is counted from the same state of the store."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from app.authz import holder_of
from app.context import Actor, AppContext
from app.errors import InvalidInput, NotFound, NotPermitted
from app.permissions import HALL_WIDE, Subject, refusal
from app.ratings.common import Labels
from app.reports.attendance import MonthCache, MonthTally, attendance_rows, month_sources, source_text
from app.reports.cases import case_buckets, case_rows
from app.reports.grouping import Grouping, Key
from app.reports.model import BY_LABELS, AppraisalPart, Dashboard, Figures, KeyFigure, ReportAccess, TrendPoint
from app.reports.periods import Period, previous
from app.reports.ratings import rating_buckets, rating_rows
from app.reports.trend import trend
from db.report_repository import ReportRepository, Span
from db.repositories import ReferenceRepository

VIEW = "report.view"
ALL_HALL = "全大厅"
NOTES = (
    "作废的办件不计入任何数字；视为受理的受理日为收件日；按期办结率以办结时的承诺办结日期（暂停计时已顺延）为准。",
    "好评为满意、非常满意，差评为不满意、非常不满意；申诉成立的评价不计入各项比率。",
    "出勤率 =（应出勤半天数 − 旷工半天数 − 请假半天数）÷ 应出勤半天数；公假、临时外出计为出勤。",
)
# the appraisal feature fills Dashboard.appraisal from its published months (ReportService.appraisal_provider)
AppraisalProvider = Callable[[AppContext, Actor, Period, str | None], AppraisalPart | None]


def _departments(s: Session) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(((d.id, d.name) for d in ReferenceRepository(s).departments().values()),
                        key=lambda d: d[1]))


def access(s: Session, actor: Actor) -> ReportAccess:
    """report.view for the whole hall, for a chief's own department, or the refusal saying who may."""
    try:
        holder = holder_of(s, actor)
    except NotPermitted as exc:
        return ReportAccess(exc.message, None, ())
    if refusal(holder, VIEW, HALL_WIDE) is None:
        return ReportAccess(None, None, _departments(s))
    own = Subject(department_id=holder.department_id) if holder.department_id else HALL_WIDE
    reason = refusal(holder, VIEW, own)
    if reason is None and holder.department_id:
        return ReportAccess(None, holder.department_id,
                            tuple(d for d in _departments(s) if d[0] == holder.department_id))
    return ReportAccess(reason or refusal(holder, VIEW, HALL_WIDE), None, ())


def scope(s: Session, actor: Actor, department_id: str | None) -> str | None:
    """The department the report covers (None: the whole hall), or NotPermitted."""
    seen = access(s, actor)
    if seen.refusal is not None:
        raise NotPermitted(seen.refusal, action=VIEW)
    if seen.department_id is not None:
        if department_id not in (None, seen.department_id):
            raise NotPermitted("首席代表只能查看本部门的统计报表。", action=VIEW)
        return seen.department_id
    if department_id is not None and department_id not in {d for d, _ in seen.departments}:
        raise NotFound("找不到该部门，请重新选择。", field="department")
    return department_id


@dataclass(frozen=True)
class _Setting:
    """What every part of a report needs, read first: the hall, the periods, the labels and grouping."""

    hall_name: str
    hall_code: str
    periods: tuple[Period, Period]
    spans: tuple[Span, Span]
    labels: Labels
    grouping: Grouping
    people: Grouping  # the attendance's: by window, else by department
    department: str | None


def _setting(ctx: AppContext, s: Session, actor: Actor, period: Period, by: str,
             department_id: str | None) -> _Setting:
    department = scope(s, actor, department_id)
    ref = ReferenceRepository(s)
    device = ref.device()
    hall = ref.hall(device.hall_id) if device else None
    if hall is None:
        raise NotFound("本机尚未完成大厅设置。")
    today = ctx.today()
    periods = (period, previous(period))
    spans = (Span(period.start, period.end, period.as_of(today)), Span(periods[1].start, periods[1].end,
                                                                      periods[1].as_of(today)))
    labels = Labels(s, [m.id for m in ref.matters(active_only=False)])
    people_by = "window" if by == "window" else "department"
    return _Setting(hall.name, hall.code, periods, spans, labels, Grouping(labels, by, department),
                    Grouping(labels, people_by, department), department)


class _Parts:
    """The parts of a report, each read in its own transaction so they can run side by side: SQLite does
    its counting without holding Python's lock, so the ledger's pass, the ratings' and the trend's overlap
    each other and the attendance rules (Python)."""

    def __init__(self, ctx: AppContext, setting: _Setting, months: MonthCache) -> None:
        self.ctx, self.x, self.months = ctx, setting, months

    def cases(self) -> list[tuple[Key, list[Counter[str]]]]:
        with self.ctx.db.read() as s:
            return case_buckets(s, self.x.spans, self.ctx.calendar(), self.x.hall_code)

    def ratings(self) -> list[tuple[Key, list[Counter[str]]]]:
        with self.ctx.db.read() as s:
            return rating_buckets(s, self.x.spans, self.ctx.today())

    def trend(self) -> tuple[TrendPoint, ...]:
        with self.ctx.db.read() as s:
            return trend(s, self.x.grouping, self.x.periods[0].end)

    def attendance(self) -> tuple[dict[tuple[int, int], MonthTally], list[list[tuple[str, dt.datetime, int]]]]:
        with self.ctx.db.read() as s:
            sources = month_sources(self.ctx, s, [m for p in self.x.periods for m in p.months()], self.months)
            repo = ReportRepository(s)
            return sources, [repo.empty_posts(span.first, span.after) for span in self.x.spans]


def _run(pool: Executor | None, *jobs: Callable[[], Any]) -> list[Any]:
    if pool is None:
        return [job() for job in jobs]
    return [f.result() for f in [pool.submit(job) for job in jobs]]


def _figures(x: _Setting, cases: Sequence[tuple[Key, list[Counter[str]]]],
             ratings: Sequence[tuple[Key, list[Counter[str]]]], sources: dict[tuple[int, int], MonthTally],
             empty: Sequence[Sequence[tuple[str, dt.datetime, int]]], i: int) -> Figures:
    rating_figures, levels = rating_rows(x.grouping, ratings, i)
    return Figures(period=x.periods[i], as_of=x.spans[i].as_of, cases=case_rows(x.grouping, cases, i),
                   ratings=rating_figures, levels=levels,
                   attendance=attendance_rows(x.people, sources, x.spans[i], empty[i]),
                   attendance_source=source_text(sources, x.spans[i]))


def dashboard(ctx: AppContext, actor: Actor, period: Period, by: str = "window", department_id: str | None = None,
              appraisal: AppraisalProvider | None = None, months: MonthCache | None = None,
              pool: Executor | None = None) -> Dashboard:
    """The reports of ``period`` grouped ``by`` window, department or matter, for the whole hall or a
    department; the previous period's figures beside them and the 12 months up to the period's end.
    ``pool``: threads to read the parts side by side (else one after the other). Raises NotPermitted
    (report.view, saying who may), InvalidInput, NotFound."""
    if by not in BY_LABELS:
        raise InvalidInput("请选择分组口径（窗口、部门或事项）。", field="by")
    with ctx.db.read() as s:
        x = _setting(ctx, s, actor, period, by, department_id)
    parts = _Parts(ctx, x, months or MonthCache())
    cases, ratings, points, (sources, empty) = _run(pool, parts.cases, parts.ratings, parts.trend, parts.attendance)
    current, before = (_figures(x, cases, ratings, sources, empty, i) for i in (0, 1))
    part = appraisal(ctx, actor, period, x.department) if appraisal is not None else None
    return Dashboard(hall_name=x.hall_name, scope_label=x.labels.department_name(x.department) if x.department
                     else ALL_HALL, department_id=x.department, by=by, current=current, previous=before,
                     key_figures=key_figures(current, before), trend=points, made_at=ctx.clock.now(),
                     attendance_by=x.people.by, appraisal=part, notes=NOTES)


def _values(f: Figures) -> dict[str, float | None]:
    c, r, a = f.case_total, f.rating_total, f.attendance_total
    values: dict[str, float | None] = {
        "received": c.received, "accepted": c.accepted, "rejected": c.rejected, "corrections": c.corrections,
        "completed": c.completed, "on_time_rate": c.on_time_rate, "overdue": c.overdue,
        "on_the_spot_rate": c.on_the_spot_rate, "handling_days": c.handling_days_average,
        "rated": r.rated, "good_rate": r.good_rate, "bad": r.bad, "rectified_on_time_rate": r.rectified_on_time_rate,
        "callback_rate": r.callback_rate,
    }
    values.update({"attendance_rate": a.attendance_rate if a else None, "late_count": a.late_count if a else None,
                   "late_minutes": a.late_minutes if a else None, "absent_days": a.absent_days if a else None,
                   "empty_posts": a.empty_posts if a else None})
    return values


# key, label, kind, unit, the direction that is good news
KEY_FIGURES = (
    ("received", "收件", "int", "件", "up"), ("accepted", "受理", "int", "件", "up"),
    ("rejected", "不予受理", "int", "件", ""), ("corrections", "一次性告知", "int", "件次", ""),
    ("completed", "办结", "int", "件", "up"), ("on_time_rate", "按期办结率", "percent", "", "up"),
    ("overdue", "超期", "int", "件", "down"), ("on_the_spot_rate", "即办件当场办结率", "percent", "", "up"),
    ("handling_days", "平均办理时间", "days", "个工作日", "down"),
    ("rated", "评价", "int", "件", "up"), ("good_rate", "好评率", "percent", "", "up"),
    ("bad", "差评", "int", "件", "down"), ("rectified_on_time_rate", "差评整改按期率", "percent", "", "up"),
    ("callback_rate", "差评回访率", "percent", "", "up"),
    ("attendance_rate", "出勤率", "percent", "", "up"), ("late_count", "迟到", "int", "次", "down"),
    ("late_minutes", "迟到时长", "int", "分钟", "down"), ("absent_days", "旷工", "days", "天", "down"),
    ("empty_posts", "空岗", "int", "次", "down"),
)


def key_figures(current: Figures, before: Figures) -> tuple[KeyFigure, ...]:
    now, then = _values(current), _values(before)
    return tuple(KeyFigure(key, label, now[key], then[key], kind, unit, better)
                 for key, label, kind, unit, better in KEY_FIGURES)
