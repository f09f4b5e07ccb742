"""The report's tables as plain rows, shared by the Excel workbook and the PDF: headers, the cells of a
row as values, and how each column reads (text / int / percent / days / number / signed variants)."""

from __future__ import annotations

import unicodedata

from app.ratings.figures import HEADERS as RATING_HEADERS
from app.ratings.model import FigureRow
from app.reports.model import (
    AppraisalPart,
    AttendanceRow,
    CaseRow,
    Dashboard,
    KeyFigure,
    ReportSection,
)

NO_VALUE = "—"
CASE_HEADERS = ("收件", "受理", "其中容缺受理", "其中视为受理", "不予受理", "一次性告知", "办结", "按期办结",
                "按期办结率", "超期", "即办件", "当场办结", "当场办结率", "平均办理时间（工作日）", "上期收件",
                "上期办结", "上期按期办结率")
CASE_FORMATS = ("int",) * 8 + ("percent", "int", "int", "int", "percent", "days", "int", "int", "percent")
RATING_FORMATS = tuple("percent" if h.endswith("率") else "int" for h in RATING_HEADERS)
ATTENDANCE_HEADERS = ("人数", "应出勤（天）", "出勤率", "迟到（次）", "迟到（分钟）", "早退（次）", "早退（分钟）",
                      "旷工（天）", "请假（天）", "缺卡（次）", "空岗（次）", "空岗（分钟）")
ATTENDANCE_FORMATS = ("int", "days", "percent", "int", "int", "int", "int", "days", "days", "int", "int", "int")
TREND_HEADERS = ("月份", "收件", "办结", "按期办结率", "评价", "好评率")
TREND_FORMATS = ("text", "int", "int", "percent", "int", "percent")
KEY_HEADERS = ("指标", "本期", "上期", "变化", "单位")
LEVEL_HEADERS = ("评价等级", "件数", "占比")


def value(v: float | None) -> object:
    """A figure as a cell value: the number, or '—' when there is nothing to divide."""
    return NO_VALUE if v is None else v


def case_cells(row: CaseRow, before: CaseRow | None) -> tuple[object, ...]:
    return (row.label, row.received, row.accepted, row.deferred, row.deemed, row.rejected, row.corrections,
            row.completed, row.on_time, value(row.on_time_rate), row.overdue, row.immediate, row.on_the_spot,
            value(row.on_the_spot_rate), value(row.handling_days_average),
            before.received if before else 0, before.completed if before else 0,
            value(before.on_time_rate if before else None))


def rating_cells(row: FigureRow) -> tuple[object, ...]:
    return (row.label, row.rated, row.unrated, row.good, row.medium, row.bad, value(row.good_rate), row.followups,
            row.rectified_on_time, value(row.rectified_on_time_rate), row.callbacks_due, row.callbacks_done,
            value(row.callback_rate), row.upheld_appeals)


def attendance_cells(row: AttendanceRow) -> tuple[object, ...]:
    return (row.label, row.people, row.workdays, value(row.attendance_rate), row.late_count, row.late_minutes,
            row.early_count, row.early_minutes, row.absent_days, row.leave_days, row.missing, row.empty_posts,
            row.empty_post_minutes)


def key_cells(f: KeyFigure) -> tuple[object, ...]:
    return (f.label, value(f.value), value(f.previous), value(f.change), f.unit or ("%" if f.kind == "percent" else ""))


def sections(report: Dashboard) -> list[ReportSection]:
    """The report's own tables, in order: 办件, 评价, 考勤, 月度趋势."""
    by = report.by_label
    cur = report.current
    cases = tuple(case_cells(r, report.previous_case_row(r.key)) for r in cur.cases)
    people_by = "窗口" if report.attendance_by == "window" else "部门"
    out = [
        ReportSection("cases", "办件统计", (by, *CASE_HEADERS), cases, ("text", *CASE_FORMATS)),
        ReportSection("ratings", "评价统计", (by, *RATING_HEADERS), tuple(rating_cells(r) for r in cur.ratings),
                      ("text", *RATING_FORMATS), "申诉成立的评价不计入各项比率。"),
        ReportSection("attendance", "考勤统计", (people_by, *ATTENDANCE_HEADERS),
                      tuple(attendance_cells(r) for r in cur.attendance), ("text", *ATTENDANCE_FORMATS),
                      "考勤来源：" + cur.attendance_source),
        ReportSection("trend", "月度趋势", TREND_HEADERS,
                      tuple((p.label, p.received, p.completed, value(p.on_time_rate), p.rated, value(p.good_rate))
                            for p in report.trend), TREND_FORMATS),
    ]
    return out


def level_rows(report: Dashboard) -> tuple[tuple[object, ...], ...]:
    counted = sum(x.count for x in report.current.levels if x.level is not None)
    return tuple((x.label, x.count, value(x.count / counted if counted and x.level is not None else None))
                 for x in report.current.levels)


def appraisal_sections(part: AppraisalPart | None) -> list[ReportSection]:
    """The appraisal part as two tables: the ranking and the grades."""
    if part is None:
        return []
    ranking = ReportSection("appraisal", "考核排名", ("名次", "名称", "部门", "得分", "等级"),
                            tuple((r.rank, r.name, r.department, r.score, r.grade) for r in part.ranking),
                            ("int", "text", "text", "number", "text"), part.note or part.title)
    grades = ReportSection("appraisal_grades", "考核等级分布", ("等级", "人数"), tuple(part.grades), ("text", "int"),
                           part.title)
    return [ranking, grades]


def display_width(text: str) -> int:
    """Columns a text takes in a spreadsheet or a fixed grid: wide (CJK) characters count 2."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def shown(v: object, fmt: str) -> str:
    """A cell as it reads: 98.5%, 1,234, 3.2 (for widths and the PDF)."""
    if isinstance(v, bool) or not isinstance(v, int | float):
        return str(v)
    if fmt.startswith("signed"):
        sign = "+" if v > 0 else ""
        return sign + shown(v, fmt.removeprefix("signed-"))
    if fmt == "percent":
        return f"{v * 100:.1f}%"
    if fmt == "days":
        return f"{v:.1f}"
    if fmt == "number":
        return f"{v:.2f}".rstrip("0").rstrip(".")
    return f"{int(v):,}"

