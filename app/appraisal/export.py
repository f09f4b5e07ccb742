"""A month's appraisal as tables (for the reports' Excel and PDF, app.reports) and as its own Excel
workbook: 人员考核 (rank, score, grade and why), 窗口考核, 考核依据 (every fact behind every score).
Pure functions of a MonthAppraisal; safe on a worker thread."""

from __future__ import annotations

import io

from app.appraisal.rules import FACT_KINDS
from app.appraisal.score import MonthAppraisal
from app.reports.model import ReportSection
from app.reports.tables import display_width

PEOPLE_HEADERS = ("名次", "姓名", "工号", "部门", "窗口", "得分", "扣分", "加分", "等次", "说明")
WINDOW_HEADERS = ("名次", "窗口", "部门", "得分", "人数", "优秀窗口", "说明")
FACT_HEADERS = ("姓名/窗口", "日期", "类别", "事项", "分值", "说明")


def month_sections(m: MonthAppraisal) -> list[ReportSection]:
    names = {p.person.staff_id: p.person.name for p in m.people}
    standouts = set(m.standouts)
    people = tuple((p.rank, p.person.name + ("（标兵）" if p.person.staff_id in standouts else ""), p.person.staff_no,
                    p.person.department_name, p.person.window_label, p.score, p.deductions, p.bonuses, p.grade_label,
                    p.grade_reason) for p in m.people)
    windows = tuple((w.rank, w.window.label, w.window.department_name, w.score, len(w.members),
                     "是" if w.excellent else "", w.reason) for w in m.windows)
    facts = [(names.get(p.person.staff_id, ""), f.fact.day.isoformat(), f.kind_label, f.fact.label, f.points, f.via)
             for p in m.people for f in p.facts]
    facts += [(w.window.label, f.fact.day.isoformat(), FACT_KINDS.get(f.fact.kind, f.fact.kind), f.fact.label,
               f.points, "") for w in m.windows for f in w.facts]
    quota = f"优秀名额 {m.excellent_quota} 名（{m.excellent_quota_rate:.0%}{'，经批准提高' if m.quota_raised else ''}）"
    return [
        ReportSection("appraisal_people", "人员考核", PEOPLE_HEADERS, people,
                      ("int", "text", "text", "text", "text", "number", "number", "number", "text", "text"),
                      f"{quota}。{m.tie_break}"),
        ReportSection("appraisal_windows", "窗口考核", WINDOW_HEADERS, windows,
                      ("int", "text", "text", "number", "int", "text", "text")),
        ReportSection("appraisal_facts", "考核依据", FACT_HEADERS, tuple(facts),
                      ("text", "text", "text", "text", "number", "text")),
    ]


def month_xlsx(title: str, subtitle: str, m: MonthAppraisal) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    first = True
    for section in month_sections(m):
        ws = wb.active if first else wb.create_sheet()
        assert ws is not None
        first = False
        ws.title = section.title
        ws.cell(row=1, column=1, value=f"{title}　{section.title}").font = Font(bold=True, size=14)
        ws.cell(row=2, column=1, value=subtitle + (f"　{section.note}" if section.note else ""))
        widths = [display_width(h) for h in section.headers]
        for c, text in enumerate(section.headers, 1):
            cell = ws.cell(row=3, column=c, value=text)
            cell.font, cell.fill = Font(bold=True), PatternFill("solid", fgColor="E6E6E6")
            cell.alignment = Alignment(horizontal="center")
        for r, values in enumerate(section.rows, 4):
            for c, (v, fmt) in enumerate(zip(values, section.formats, strict=True), 1):
                cell = ws.cell(row=r, column=c, value=v)
                if isinstance(v, str):
                    cell.data_type = "s"
                if fmt == "number":
                    cell.number_format = "0.0"
                widths[c - 1] = max(widths[c - 1], display_width(str(v)))
        for c, width in enumerate(widths, 1):
            ws.column_dimensions[get_column_letter(c)].width = min(width + 2, 60)
        ws.freeze_panes = "C4"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()

