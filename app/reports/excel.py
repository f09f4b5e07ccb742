"""The reports as an Excel workbook (openpyxl): sheets 概览, 办件统计, 评价统计, 考勤统计, 月度趋势, then any
extra sections (the appraisal). Each sheet: a title row with the hall and the period, a line of what it
covers, the header row (frozen with the first column), numbers as numbers with their format (0.0% for
rates, #,##0 for counts, 0.0 for days), columns wide enough for their Chinese text. Pure function of
the Dashboard; safe on a worker thread."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from app.reports.model import Dashboard, ReportSection
from app.reports.tables import (
    KEY_HEADERS,
    LEVEL_HEADERS,
    appraisal_sections,
    display_width,
    key_cells,
    level_rows,
    sections,
    shown,
)

NUMBER_FORMATS = {"int": "#,##0", "percent": "0.0%", "days": "0.0", "number": "0.00",
                  "signed-int": "+#,##0;-#,##0;0", "signed-percent": "+0.0%;-0.0%;0.0%",
                  "signed-days": "+0.0;-0.0;0.0"}
HEADER_ROW = 3
MAX_WIDTH = 60


def _put(ws: Any, row: int, col: int, value: object, fmt: str = "text") -> Any:
    cell = ws.cell(row=row, column=col, value=value)
    if isinstance(value, str) and cell.data_type == "f":
        cell.data_type = "s"  # a name typed as "=..." stays text, never a formula
    if fmt in NUMBER_FORMATS and isinstance(value, int | float) and not isinstance(value, bool):
        cell.number_format = NUMBER_FORMATS[fmt]
    return cell


def _heading(ws: Any, title: str, subtitle: str, width: int) -> None:
    from openpyxl.styles import Alignment, Font

    _put(ws, 1, 1, title).font = Font(bold=True, size=14)
    _put(ws, 2, 1, subtitle).font = Font(size=10, color="555555")
    for row in (1, 2):
        ws.cell(row=row, column=1).alignment = Alignment(vertical="center")
        if width > 1:
            ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)
    ws.row_dimensions[1].height = 24


def _table(ws: Any, start: int, headers: Sequence[str], rows: Sequence[Sequence[object]], formats: Sequence[str],
           widths: list[int], *, bold_last: bool = False) -> int:
    """The header row at ``start`` and the rows under it; returns the next free row."""
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

    thin = Side(style="thin", color="999999")
    for c, text in enumerate(headers, 1):
        cell = _put(ws, start, c, text)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="E6E6E6")
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = Border(bottom=thin)
        widths[c - 1] = max(widths[c - 1], display_width(text))
    for r, values in enumerate(rows, start + 1):
        for c, (v, fmt) in enumerate(zip(values, formats, strict=True), 1):
            cell = _put(ws, r, c, v, fmt)
            if c > 1:
                cell.alignment = Alignment(horizontal="right")
            if bold_last and r == start + len(rows):
                cell.font = Font(bold=True)
            widths[c - 1] = max(widths[c - 1], display_width(shown(v, fmt)))
    return start + len(rows) + 1


def _fit(ws: Any, widths: Sequence[int]) -> None:
    from openpyxl.utils import get_column_letter

    for c, width in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(c)].width = min(width + 2, MAX_WIDTH)


def _section_sheet(ws: Any, report: Dashboard, section: ReportSection, *, totals: bool) -> None:
    n = len(section.headers)
    _heading(ws, f"{report.title}　{section.title}（{report.period.label}）", report.subtitle, n)
    widths = [0] * n
    end = _table(ws, HEADER_ROW, section.headers, section.rows, section.formats, widths, bold_last=totals)
    if section.note:
        _put(ws, end + 1, 1, section.note)
    if section.key == "ratings":
        _table(ws, end + 3, LEVEL_HEADERS, level_rows(report), ("text", "int", "percent"), widths)
    _fit(ws, widths)
    ws.freeze_panes = ws.cell(row=HEADER_ROW + 1, column=2)


def _overview(ws: Any, report: Dashboard) -> None:
    _heading(ws, f"{report.title}（{report.period.label}）", report.subtitle, len(KEY_HEADERS))
    widths = [0] * len(KEY_HEADERS)
    rows = [key_cells(f) for f in report.key_figures]
    formats = [("text", f.kind, f.kind, f"signed-{f.kind}", "text") for f in report.key_figures]
    from openpyxl.styles import Alignment, Font, PatternFill

    for c, text in enumerate(KEY_HEADERS, 1):
        cell = _put(ws, HEADER_ROW, c, text)
        cell.font, cell.fill = Font(bold=True), PatternFill("solid", fgColor="E6E6E6")
        cell.alignment = Alignment(horizontal="center")
        widths[c - 1] = display_width(text)
    for r, (values, fmts) in enumerate(zip(rows, formats, strict=True), HEADER_ROW + 1):
        for c, (v, fmt) in enumerate(zip(values, fmts, strict=True), 1):
            _put(ws, r, c, v, fmt)
            widths[c - 1] = max(widths[c - 1], display_width(shown(v, fmt)))
    row = HEADER_ROW + len(rows) + 2
    for note in (f"考勤来源：{report.current.attendance_source}", *report.notes):
        _put(ws, row, 1, note)
        row += 1
    _fit(ws, widths)
    ws.freeze_panes = ws.cell(row=HEADER_ROW + 1, column=2)


def sheet_name(title: str, taken: set[str]) -> str:
    """A sheet name Excel accepts (at most 31 characters, none of []:*?/\\), unique in the workbook."""
    name = "".join("_" if c in "[]:*?/\\" else c for c in title)[:31] or "表"
    base, n = name, 2
    while name in taken:
        suffix = f"({n})"
        name, n = base[:31 - len(suffix)] + suffix, n + 1
    taken.add(name)
    return name


def dashboard_xlsx(report: Dashboard, extra: Sequence[ReportSection] = ()) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    taken: set[str] = set()
    ws.title = sheet_name("概览", taken)
    _overview(ws, report)
    own = {"cases", "ratings", "attendance"}
    for section in [*sections(report), *appraisal_sections(report.appraisal), *extra]:
        _section_sheet(wb.create_sheet(sheet_name(section.title, taken)), report, section,
                       totals=section.key in own)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
