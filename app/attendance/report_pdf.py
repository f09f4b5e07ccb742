"""The flowables of the monthly sheet's PDF (see app.attendance.report.month_pdf) and its page canvas."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import PageBreak, Paragraph, Spacer, Table, TableStyle

from app.attendance.report import (
    DEPARTMENT_HEADERS,
    SUMMARY_HEADERS,
    WEEKDAYS,
    department_cells,
    department_total,
    half_code,
    leave_kinds,
    legend,
    month_dates,
    rest_days,
    sheet_subtitle,
    summary_cells,
)
from app.attendance.rules import MonthSheet, PersonMonth
from app.documents.glyphs import BODY, markup
from app.documents.layout import PaperCanvas

BLOCK = 273.0          # mm: A4 landscape less 12 mm margins
HEADER_BG = colors.Color(0.88, 0.88, 0.88)
REST_BG = colors.Color(0.9, 0.9, 0.9)
REVIEW_BG = colors.Color(1, 0.95, 0.6)
NOTE = ("注：迟到、早退为“次数/分钟”；旷工按半天计（半天记 0.5 天）；缺卡为仍可补签的次数，补签期满未补签的计为旷工；"
        "待核为使用了离线打卡或时钟偏差打卡的天数。")
TEXT_COLUMNS = frozenset({1, 2, 3})   # name, department, window: may hold rare characters, may wrap


class SheetCanvas(PaperCanvas):
    """The papers' canvas (pages kept until the total is known) with the sheet's own foot line."""

    def _furniture(self, number: int, total: int) -> None:
        self.setFont(BODY, 9)
        self.drawCentredString(landscape(A4)[0] / 2, 8 * mm, f"第 {number} 页 共 {total} 页")


def _styles() -> dict[str, ParagraphStyle]:
    return {
        "title": ParagraphStyle("title", fontName=BODY, fontSize=18, leading=24, alignment=TA_CENTER),
        "sub": ParagraphStyle("sub", fontName=BODY, fontSize=9.5, leading=13, alignment=TA_CENTER),
        "h2": ParagraphStyle("h2", fontName=BODY, fontSize=12, leading=17, spaceBefore=4, spaceAfter=3),
        "note": ParagraphStyle("note", fontName=BODY, fontSize=8.5, leading=12, wordWrap="CJK"),
        "cell": ParagraphStyle("cell", fontName=BODY, fontSize=8, leading=10, wordWrap="CJK"),
    }


def _base_style(header_rows: int = 1) -> list[tuple[Any, ...]]:
    return [("GRID", (0, 0), (-1, -1), 0.4, colors.black), ("FONTNAME", (0, 0), (-1, -1), BODY),
            ("FONTSIZE", (0, 0), (-1, -1), 8), ("LEADING", (0, 0), (-1, -1), 9.5),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("ALIGN", (0, 0), (-1, -1), "CENTER"),
            ("BACKGROUND", (0, 0), (-1, header_rows - 1), HEADER_BG),
            ("TOPPADDING", (0, 0), (-1, -1), 1.5), ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
            ("LEFTPADDING", (0, 0), (-1, -1), 2), ("RIGHTPADDING", (0, 0), (-1, -1), 2)]


def _summary_widths(kinds: Sequence[str]) -> list[float]:
    text = [9.0, 26, 36, 42]                    # 序号, 姓名, 部门, 窗口
    numbers = len(SUMMARY_HEADERS) - len(text) + len(kinds) + 2
    each = min(16.0, (BLOCK - sum(text)) / numbers)
    return [w * mm for w in (*text, *(each,) * numbers)]


def _summary_table(sheet: MonthSheet, kinds: Sequence[str], cell: ParagraphStyle) -> Table:
    headers = [*SUMMARY_HEADERS, *(f"{k}\n(天)" for k in kinds), "外出\n(小时)", "待核\n(天)"]
    rows: list[list[Any]] = [headers]
    for i, pm in enumerate(sheet.people, 1):
        values = summary_cells(i, pm, kinds)
        rows.append([Paragraph(markup(v), cell) if c in TEXT_COLUMNS else v for c, v in enumerate(values)])
    style = _base_style()
    if not sheet.people:
        rows.append(["本月无考勤人员。"] + [""] * (len(headers) - 1))
        style.append(("SPAN", (0, 1), (-1, 1)))
    table = Table(rows, colWidths=_summary_widths(kinds), repeatRows=1)
    table.setStyle(TableStyle(style))
    return table


def _department_table(sheet: MonthSheet, kinds: Sequence[str], cell: ParagraphStyle) -> Table:
    headers = [*DEPARTMENT_HEADERS, *(f"{k}(天)" for k in kinds)]
    rows: list[list[Any]] = [headers]
    for d in sheet.departments:
        values = department_cells(d, kinds)
        rows.append([Paragraph(markup(values[0]), cell), *values[1:]])
    rows.append(department_total(sheet, kinds))
    widths = [60.0, 16, *(20.0,) * (len(headers) - 2)]
    style = [*_base_style(), ("BACKGROUND", (0, -1), (-1, -1), HEADER_BG)]
    table = Table(rows, colWidths=[w * mm for w in widths], repeatRows=1, hAlign="LEFT")
    table.setStyle(TableStyle(style))
    return table


def _grid_row(pm: PersonMonth, days: Sequence[dt.date], cell: ParagraphStyle) -> tuple[list[Any], list[int]]:
    by_day = {d.day: d for d in pm.days}
    row: list[Any] = [Paragraph(markup(pm.person.name), cell)]
    review: list[int] = []
    for c, day in enumerate(days, 1):
        result = by_day.get(day)
        if result is None:
            row.append("")
            continue
        row.append(f"{half_code(result.morning)}\n{half_code(result.afternoon)}")
        if result.review:
            review.append(c)
    return row, review


def _grid_table(sheet: MonthSheet, cell: ParagraphStyle) -> Table:
    days = month_dates(sheet)
    rows: list[list[Any]] = [["姓名", *(f"{d.day}\n{WEEKDAYS[d.weekday()]}" for d in days)]]
    style = _base_style()
    rest = rest_days(sheet)
    for c, day in enumerate(days, 1):
        if day in rest:
            style.append(("BACKGROUND", (c, 1), (c, -1), REST_BG))
    for r, pm in enumerate(sheet.people, 1):
        row, review = _grid_row(pm, days, cell)
        rows.append(row)
        style.extend(("BACKGROUND", (c, r), (c, r), REVIEW_BG) for c in review)
    if not sheet.people:
        rows.append(["本月无考勤人员。"] + [""] * len(days))
        style.append(("SPAN", (0, 1), (-1, 1)))
    name_width = 27.0
    day_width = min(9.0, (BLOCK - name_width) / max(len(days), 1))
    table = Table(rows, colWidths=[name_width * mm, *(day_width * mm,) * len(days)], repeatRows=1, hAlign="LEFT")
    table.setStyle(TableStyle(style))
    return table


def story(sheet: MonthSheet, heading: str) -> list[Any]:
    s = _styles()
    kinds = leave_kinds(sheet)
    signature = "制表人（签字）：＿＿＿＿＿＿　　审核人（签字）：＿＿＿＿＿＿　　公布日期：＿＿＿＿年＿＿月＿＿日"
    return [
        Paragraph(markup(heading), s["title"]), Paragraph(markup(sheet_subtitle(sheet)), s["sub"]),
        Spacer(1, 3 * mm), Paragraph("一、个人汇总", s["h2"]), _summary_table(sheet, kinds, s["cell"]),
        Spacer(1, 1.5 * mm), Paragraph(NOTE, s["note"]),
        Paragraph("二、部门汇总", s["h2"]), _department_table(sheet, kinds, s["cell"]),
        Spacer(1, 5 * mm), Paragraph(markup(signature), s["sub"]),
        PageBreak(), Paragraph("三、每日考勤明细", s["h2"]), Paragraph(markup(legend()), s["note"]),
        Spacer(1, 2 * mm), _grid_table(sheet, s["cell"]),
    ]
