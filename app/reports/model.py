"""What the reports show (frozen DTOs from app.reports.service): labels in Chinese already, each figure
with its previous-period value, and the parts a later feature adds (the appraisal, extra sections)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from app.ratings.model import FigureRow
from app.reports.periods import Period

BY_LABELS = {"window": "窗口", "department": "部门", "matter": "事项"}
TOTAL = "合计"


def rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass(frozen=True)
class KeyFigure:
    """One number of the overview with the previous period's: 收件 1234 件, 上期 1180 件, ▲ 54."""

    key: str
    label: str
    value: float | None  # None: nothing to divide (no rate)
    previous: float | None
    kind: str  # int / percent / days / number
    unit: str = ""
    better: str = "up"  # the direction that is good news: up / down / '' (neither)

    @property
    def change(self) -> float | None:
        if self.value is None or self.previous is None:
            return None
        return self.value - self.previous

    @property
    def arrow(self) -> str:
        """▲ / ▼ / ＝, '' when there is nothing to compare."""
        change = self.change
        if change is None:
            return ""
        if abs(change) < 1e-9:
            return "＝"
        return "▲" if change > 0 else "▼"

    @property
    def good(self) -> bool | None:
        """Whether the change is good news (None: no change, or neither direction is better)."""
        change = self.change
        if change is None or abs(change) < 1e-9 or not self.better:
            return None
        return (change > 0) == (self.better == "up")


@dataclass(frozen=True)
class CaseRow:
    """办件 figures of one window, department or matter (or the 合计, key '')."""

    key: str
    label: str
    received: int  # 收件: received in the period
    accepted: int  # 受理 (incl. 容缺 and 视为受理): accepted on a day of the period
    deferred: int  # of which 容缺受理
    deemed: int  # of which 视为受理
    rejected: int  # 不予受理 decided in the period
    corrections: int  # 一次性告知 (补正) notices issued in the period
    completed: int  # 办结 in the period
    completed_with_due: int  # of which with a promised completion date
    on_time: int  # of which completed on or before it
    overdue_completed: int  # completed in the period after the due date
    overdue_open: int  # accepted, not completed and past due at the period's end (or today)
    immediate: int  # 即办件 received in the period and accepted
    on_the_spot: int  # of which completed on the day of receipt
    handling_days: int  # working days from acceptance to completion, summed over the completed
    handling_cases: int  # the completed counted in handling_days

    @property
    def overdue(self) -> int:
        return self.overdue_completed + self.overdue_open

    @property
    def on_time_rate(self) -> float | None:
        return rate(self.on_time, self.completed_with_due)

    @property
    def on_the_spot_rate(self) -> float | None:
        return rate(self.on_the_spot, self.immediate)

    @property
    def handling_days_average(self) -> float | None:
        return self.handling_days / self.handling_cases if self.handling_cases else None


@dataclass(frozen=True)
class AttendanceRow:
    """考勤 figures of one window or department (or the 合计, key ''), from the monthly sheets' day results."""

    key: str
    label: str
    people: int
    halves_due: int  # half days to be present (working days judged while employed, two halves each)
    absent_halves: int  # 旷工
    leave_halves: int  # 请假 (not 公假, not 临时外出)
    late_count: int
    late_minutes: int
    early_count: int
    early_minutes: int
    missing: int  # 缺卡 still open to 补签
    empty_posts: int  # 空岗 events that started in the period
    empty_post_minutes: int

    @property
    def attendance_rate(self) -> float | None:
        return rate(self.halves_due - self.absent_halves - self.leave_halves, self.halves_due)

    @property
    def absent_days(self) -> float:
        return self.absent_halves / 2

    @property
    def leave_days(self) -> float:
        return self.leave_halves / 2

    @property
    def workdays(self) -> float:
        return self.halves_due / 2


@dataclass(frozen=True)
class LevelCount:
    level: int | None  # 5 … 1, None: 未评价
    label: str
    count: int


@dataclass(frozen=True)
class TrendPoint:
    year: int
    month: int
    label: str  # 2026年12月
    received: int
    completed: int
    on_time_rate: float | None
    good_rate: float | None
    rated: int


@dataclass(frozen=True)
class Figures:
    """Every figure of one period for one scope."""

    period: Period
    as_of: dt.date
    cases: tuple[CaseRow, ...]  # groups, then the 合计 last
    ratings: tuple[FigureRow, ...]  # app.ratings' figure rows: groups, then the 合计 last
    levels: tuple[LevelCount, ...]  # the 合计's ratings by level (upheld appeals left out)
    attendance: tuple[AttendanceRow, ...]  # groups, then the 合计 last; () without attendance data
    attendance_source: str  # which months come from published sheets, which are computed now

    @property
    def case_total(self) -> CaseRow:
        return self.cases[-1]

    @property
    def rating_total(self) -> FigureRow:
        return self.ratings[-1]

    @property
    def attendance_total(self) -> AttendanceRow | None:
        return self.attendance[-1] if self.attendance else None


@dataclass(frozen=True)
class ReportSection:
    """A table the reports carry beyond their own (the appraisal, added later): a sheet in Excel, a table
    with its heading in the PDF. ``formats`` per column: text / int / percent / days / number."""

    key: str
    title: str  # the sheet name (at most 31 characters) and the PDF heading
    headers: tuple[str, ...]
    rows: tuple[tuple[object, ...], ...]
    formats: tuple[str, ...]
    note: str = ""


@dataclass(frozen=True)
class BulletinSection:
    """A part of the monthly 通报 beyond the report's own: numbered on (五、…) after them."""

    heading: str  # "考核情况"
    paragraphs: tuple[str, ...]  # prose, one paragraph each
    table: ReportSection | None = None


@dataclass(frozen=True)
class AppraisalRank:
    rank: int
    name: str  # a person or a window
    department: str
    score: float
    grade: str  # 优秀 / 称职 / 基本称职 / 不称职


@dataclass(frozen=True)
class AppraisalPart:
    """The appraisal of the months the period covers, from the published appraisal months (量化考核).
    Filled by the provider the appraisal feature registers (ReportService.appraisal_provider); the
    reports only lay it out."""

    title: str  # "2026年12月考核结果（第1版）"
    ranking: tuple[AppraisalRank, ...]
    grades: tuple[tuple[str, int], ...]  # (grade, number of people), in grade order
    note: str = ""


@dataclass(frozen=True)
class Dashboard:
    """The reports of one period: its figures, the previous period's, the monthly trend."""

    hall_name: str
    scope_label: str  # 全大厅 / 市场监管局
    department_id: str | None
    by: str  # window / department / matter
    current: Figures
    previous: Figures
    key_figures: tuple[KeyFigure, ...]
    trend: tuple[TrendPoint, ...]
    made_at: dt.datetime
    attendance_by: str = "department"  # the attendance table groups by window or department
    appraisal: AppraisalPart | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def period(self) -> Period:
        return self.current.period

    @property
    def by_label(self) -> str:
        return BY_LABELS[self.by]

    @property
    def title(self) -> str:
        return f"{self.hall_name}统计报表"

    @property
    def subtitle(self) -> str:
        return (f"统计期间：{self.period.label}　范围：{self.scope_label}　按{self.by_label}分组　"
                f"对比：{self.previous.period.label}　统计截至 {self.current.as_of:%Y-%m-%d}")

    def key(self, key: str) -> KeyFigure:
        return next(f for f in self.key_figures if f.key == key)

    def previous_case_row(self, key: str) -> CaseRow | None:
        return next((r for r in self.previous.cases if r.key == key), None)


@dataclass(frozen=True)
class ReportAccess:
    """Whether a person may open the reports, and on what: the whole hall (department_id None, every
    department to choose from) or their own department only."""

    refusal: str | None  # None: may view
    department_id: str | None  # fixed to this department (a 首席代表); None: the whole hall
    departments: tuple[tuple[str, str], ...]  # (id, name) to choose from

    @property
    def may_view(self) -> bool:
        return self.refusal is None
