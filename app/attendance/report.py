"""The monthly attendance sheet (考勤月报) as a printable PDF and as an Excel workbook.

Pure functions of a :class:`~app.attendance.rules.MonthSheet`; safe on a worker thread. The PDF is A4
landscape in the papers' embedded faces (app.documents.glyphs: rare characters such as 𬌗 fall back
to HanaMinB run by run; a character no face has stops the print with its name, as for the notices):
the per-person summary, the department totals, then the daily grid (one code per half day, morning
above afternoon) with its legend; table headers repeat on every page; "第 n 页 共 m 页" at the foot.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from app.attendance.rules import STATUS_LABELS

if TYPE_CHECKING:
    from app.attendance.rules import DayResult, DepartmentMonth, HalfDay, MonthSheet, PersonMonth

CODES = {"normal": "√", "late": "迟", "early": "早", "missing": "缺", "absent": "旷", "leave": "假", "out": "外",
         "official": "公", "rest": "休", "not_employed": "–"}
LEAVE_ORDER = ("公假", "事假", "病假", "休假", "年休假", "婚假", "产假", "陪产假", "丧假", "探亲假")
WEEKDAYS = "一二三四五六日"
SUMMARY_HEADERS = ("序号", "姓名", "部门", "窗口", "应出勤\n(天)", "迟到\n(次/分)", "早退\n(次/分)", "缺卡\n(次)",
                   "旷工\n(天)")
DEPARTMENT_HEADERS = ("部门", "人数", "迟到(次)", "早退(次)", "缺卡(次)", "旷工(天)")


def sheet_title(sheet: MonthSheet, title: str = "", published: str = "") -> str:
    """"<hall> 2026年12月考勤月报", with "（第2版，更正：…）" when a correction is published."""
    text = title or f"{sheet.hall_name} {sheet.year}年{sheet.month}月考勤月报".strip()
    note = published.strip().removeprefix("（").removesuffix("）").strip()
    return f"{text}（{note}）" if note else text


def sheet_subtitle(sheet: MonthSheet) -> str:
    days = len(sheet.people[0].days) if sheet.people else 0
    version = f"第 {sheet.schedule_version} 版" if sheet.schedule_version else "默认"
    text = f"统计截至 {sheet.as_of:%Y-%m-%d}　作息时间：{version}　共 {len(sheet.people)} 人"
    last = dt.date(sheet.year, sheet.month, days) if days else None
    if last and sheet.as_of < last:
        text += "　（本月尚未结束，之后的日期未统计）"
    return text


def leave_kinds(sheet: MonthSheet) -> tuple[str, ...]:
    """The leave types taken this month: the usual order first, any other after, by name."""
    kinds = {k for pm in sheet.people for k, v in pm.leave_days.items() if v}
    kinds |= {k for d in sheet.departments for k, v in d.leave_days.items() if v}
    return tuple(k for k in LEAVE_ORDER if k in kinds) + tuple(sorted(kinds - set(LEAVE_ORDER)))


def number(value: float) -> str:
    """1.0 -> "1", 1.5 -> "1.5", 0.25 -> "0.25": what a person writes."""
    return f"{value:.2f}".rstrip("0").rstrip(".") if value % 1 else str(int(value))


def half_code(half: HalfDay) -> str:
    return CODES.get(half.status, "")


def summary_cells(i: int, pm: PersonMonth, kinds: Sequence[str]) -> list[str]:
    p = pm.person
    return [str(i), p.name, p.department_name, p.window_label, str(pm.workdays),
            f"{pm.late_count}/{pm.late_minutes}", f"{pm.early_count}/{pm.early_minutes}", str(pm.missing_count),
            number(pm.absent_halves / 2), *(number(pm.leave_days.get(k, 0.0)) for k in kinds),
            number(pm.out_hours), str(pm.review_days)]


def department_cells(d: DepartmentMonth, kinds: Sequence[str]) -> list[str]:
    return [d.department_name or "（未分部门）", str(d.people), str(d.late_count), str(d.early_count),
            str(d.missing_count), number(d.absent_halves / 2), *(number(d.leave_days.get(k, 0.0)) for k in kinds)]


def department_total(sheet: MonthSheet, kinds: Sequence[str]) -> list[str]:
    ds = sheet.departments
    return ["合计", str(sum(d.people for d in ds)), str(sum(d.late_count for d in ds)),
            str(sum(d.early_count for d in ds)), str(sum(d.missing_count for d in ds)),
            number(sum(d.absent_halves for d in ds) / 2),
            *(number(sum(d.leave_days.get(k, 0.0) for d in ds)) for k in kinds)]


def legend() -> str:
    pairs = "　".join(f"{code} {STATUS_LABELS[status]}" for status, code in CODES.items())
    return (f"图例：{pairs}。每格上为上午、下为下午；空白为尚未统计；灰底列为休息日；"
            "黄底为待核（使用了离线或时钟偏差的打卡）。")


def month_dates(sheet: MonthSheet) -> tuple[dt.date, ...]:
    if sheet.people:
        return tuple(d.day for d in sheet.people[0].days)
    first = dt.date(sheet.year, sheet.month, 1)
    return tuple(first + dt.timedelta(days=i) for i in range(31) if (first + dt.timedelta(days=i)).month == sheet.month)


def rest_days(sheet: MonthSheet) -> set[dt.date]:
    """Days nobody works (the calendar's, the same for the whole hall)."""
    working = {d.day for pm in sheet.people for d in pm.days if d.working}
    return {day for day in month_dates(sheet) if day not in working} if sheet.people else set()


def _texts(sheet: MonthSheet, title: str) -> Iterable[str]:
    yield from (title, sheet_subtitle(sheet), legend())
    for pm in sheet.people:
        yield from (pm.person.name, pm.person.department_name, pm.person.window_label, *pm.leave_days)


# ---------------------------------------------------------------- PDF

def month_pdf(sheet: MonthSheet, *, title: str = "", published: str = "") -> bytes:
    """A4 landscape: summary per person, department totals, then the daily grid with its legend."""
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.units import mm
    from reportlab.platypus import SimpleDocTemplate

    from app.attendance.report_pdf import SheetCanvas, story
    from app.documents.glyphs import MissingGlyphs, missing_glyphs, register_fonts

    heading = sheet_title(sheet, title, published)
    missing = missing_glyphs(_texts(sheet, heading))
    if missing:
        raise MissingGlyphs(missing)
    register_fonts()
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=landscape(A4), leftMargin=12 * mm, rightMargin=12 * mm,
                            topMargin=12 * mm, bottomMargin=15 * mm, title=heading, creator="窗口工作台 Counter Desk")
    doc.build(story(sheet, heading), canvasmaker=SheetCanvas)
    return buffer.getvalue()


# ---------------------------------------------------------------- Excel

def _put(ws: Any, row: int, col: int, value: object) -> Any:
    cell = ws.cell(row=row, column=col, value=value)
    if isinstance(value, str) and cell.data_type == "f":
        cell.data_type = "s"   # a name typed as "=..." stays text, never a formula
    return cell


def _sheet_rows(ws: Any, heading: str, sub: str, headers: Sequence[str], rows: Iterable[Sequence[object]],
                widths: Sequence[float]) -> None:
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    _put(ws, 1, 1, heading).font = Font(bold=True, size=14)
    _put(ws, 2, 1, sub)
    for c, h in enumerate(headers, 1):
        cell = _put(ws, 3, c, h)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for r, values in enumerate(rows, 4):
        for c, v in enumerate(values, 1):
            _put(ws, r, c, v)
    for c, width in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(c)].width = width
    ws.freeze_panes = "C4"


def _summary_xlsx(ws: Any, sheet: MonthSheet, heading: str, kinds: Sequence[str]) -> None:
    headers = ("序号", "姓名", "部门", "窗口", "应出勤天数", "迟到次数", "迟到分钟", "早退次数", "早退分钟", "缺卡次数",
               "旷工天数", *(f"{k}天数" for k in kinds), "外出小时", "待核天数")
    rows = [[i, pm.person.name, pm.person.department_name, pm.person.window_label, pm.workdays, pm.late_count,
             pm.late_minutes, pm.early_count, pm.early_minutes, pm.missing_count, pm.absent_halves / 2,
             *(pm.leave_days.get(k, 0.0) for k in kinds), pm.out_hours, pm.review_days]
            for i, pm in enumerate(sheet.people, 1)]
    _sheet_rows(ws, heading, sheet_subtitle(sheet), headers, rows,
                (6, 12, 16, 18, *(10,) * (len(headers) - 4)))


def _department_xlsx(ws: Any, sheet: MonthSheet, heading: str, kinds: Sequence[str]) -> None:
    headers = ("部门", "人数", "迟到次数", "早退次数", "缺卡次数", "旷工天数", *(f"{k}天数" for k in kinds))
    rows: list[list[object]] = [
        [d.department_name or "（未分部门）", d.people, d.late_count, d.early_count, d.missing_count,
         d.absent_halves / 2, *(d.leave_days.get(k, 0.0) for k in kinds)] for d in sheet.departments]
    ds = sheet.departments
    rows.append(["合计", sum(d.people for d in ds), sum(d.late_count for d in ds), sum(d.early_count for d in ds),
                 sum(d.missing_count for d in ds), sum(d.absent_halves for d in ds) / 2,
                 *(sum(d.leave_days.get(k, 0.0) for d in ds) for k in kinds)])
    _sheet_rows(ws, heading, sheet_subtitle(sheet), headers, rows, (20, *(10,) * (len(headers) - 1)))


def day_text(day: DayResult, as_of: dt.date) -> str:
    """A day in words for the 明细 sheet: "正常", "上午迟到12分钟；下午正常", "" when not judged yet."""
    if day.day > as_of and day.morning.status not in CODES and day.afternoon.status not in CODES:
        return ""
    return day.label


def _detail_xlsx(ws: Any, sheet: MonthSheet, heading: str) -> None:
    from openpyxl.styles import Alignment

    days = month_dates(sheet)
    headers = ("姓名", "部门", "窗口", *(f"{d.day}日（{WEEKDAYS[d.weekday()]}）" for d in days))
    rows = []
    for pm in sheet.people:
        by_day = {d.day: d for d in pm.days}
        rows.append([pm.person.name, pm.person.department_name, pm.person.window_label,
                     *(day_text(by_day[d], sheet.as_of) if d in by_day else "" for d in days)])
    _sheet_rows(ws, heading, sheet_subtitle(sheet), headers, rows, (12, 16, 18, *(14,) * len(days)))
    ws.freeze_panes = "D4"
    for row in ws.iter_rows(min_row=4, min_col=4):
        for c in row:
            c.alignment = Alignment(wrap_text=True, vertical="top")


def month_xlsx(sheet: MonthSheet, *, published: str = "") -> bytes:
    """Sheets 汇总 (per person), 部门 (per department, with the total), 明细 (person x day, in words)."""
    from openpyxl import Workbook

    heading = sheet_title(sheet, "", published)
    kinds = leave_kinds(sheet)
    wb = Workbook()
    summary = wb.active
    assert summary is not None
    summary.title = "汇总"
    _summary_xlsx(summary, sheet, heading, kinds)
    _department_xlsx(wb.create_sheet("部门"), sheet, heading, kinds)
    _detail_xlsx(wb.create_sheet("明细"), sheet, heading)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
