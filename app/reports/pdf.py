"""The reports as a printable PDF (ReportLab): A4 landscape in the papers' embedded faces; the key figures
against the previous period and the charts first, then the tables 办件, 评价, 考勤, 月度趋势 and any extra
section (the appraisal). Every page carries the report's running head and "第 n 页 共 m 页"; a table
that runs over a page repeats its header row. Pure function of the Dashboard; safe on a worker thread.
A character no shipped face has stops the print with its name (MissingGlyphs), as for the notices."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from typing import Any

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from app.documents.glyphs import BODY, HEI, MissingGlyphs, markup, missing_glyphs, register_fonts
from app.documents.layout import PaperCanvas
from app.reports import charts
from app.reports.model import Dashboard, ReportSection
from app.reports.tables import KEY_HEADERS, appraisal_sections, key_cells, sections, shown

PAGE_W, PAGE_H = landscape(A4)
MARGIN = 12 * mm
BLOCK = PAGE_W - 2 * MARGIN
HEADER_BG = colors.Color(0.88, 0.88, 0.88)
UP, DOWN = colors.HexColor("#1b7f3b"), colors.HexColor("#b00020")


class ReportCanvas(PaperCanvas):
    """The papers' canvas (pages kept until the total is known): the running head and the page count."""

    head = ""
    head_right = ""

    def _furniture(self, number: int, total: int) -> None:
        self.setFont(BODY, 8.5)
        self.setFillColorRGB(0.35, 0.35, 0.35)
        self.drawString(MARGIN, PAGE_H - 8 * mm, self.head)
        self.drawRightString(PAGE_W - MARGIN, PAGE_H - 8 * mm, self.head_right)
        self.setStrokeColorRGB(0.7, 0.7, 0.7)
        self.line(MARGIN, PAGE_H - 9.5 * mm, PAGE_W - MARGIN, PAGE_H - 9.5 * mm)
        self.setFillColorRGB(0, 0, 0)
        self.setFont(BODY, 9)
        self.drawCentredString(PAGE_W / 2, 7 * mm, f"第 {number} 页 共 {total} 页")


def _styles() -> dict[str, ParagraphStyle]:
    return {
        "title": ParagraphStyle("title", fontName=BODY, fontSize=18, leading=24, alignment=TA_CENTER),
        "sub": ParagraphStyle("sub", fontName=BODY, fontSize=9, leading=13, alignment=TA_CENTER),
        "h2": ParagraphStyle("h2", fontName=HEI, fontSize=12, leading=17, spaceBefore=5, spaceAfter=3),
        "note": ParagraphStyle("note", fontName=BODY, fontSize=8, leading=11, wordWrap="CJK"),
        "cell": ParagraphStyle("cell", fontName=BODY, fontSize=7.5, leading=9.5, wordWrap="CJK"),
        "head": ParagraphStyle("head", fontName=BODY, fontSize=7.5, leading=9, wordWrap="CJK", alignment=TA_CENTER),
    }


def _grid(header_rows: int = 1) -> list[tuple[Any, ...]]:
    return [("GRID", (0, 0), (-1, -1), 0.4, colors.black), ("FONTNAME", (0, 0), (-1, -1), BODY),
            ("FONTSIZE", (0, 0), (-1, -1), 7.5), ("LEADING", (0, 0), (-1, -1), 9),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
            ("BACKGROUND", (0, 0), (-1, header_rows - 1), HEADER_BG),
            ("TOPPADDING", (0, 0), (-1, -1), 1.5), ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
            ("LEFTPADDING", (0, 0), (-1, -1), 2), ("RIGHTPADDING", (0, 0), (-1, -1), 2)]


def section_table(section: ReportSection, s: dict[str, ParagraphStyle], *, total_row: bool) -> Table:
    """A section's table across the block: the first column wide enough for names, header repeated."""
    n = len(section.headers)
    first = min(62 * mm, max(30 * mm, BLOCK * 0.22)) if n > 4 else BLOCK * 0.3
    rest = (BLOCK - first) / max(n - 1, 1) if n > 4 else min(35 * mm, (BLOCK - first) / max(n - 1, 1))
    rows: list[list[Any]] = [[Paragraph(markup(h), s["head"]) for h in section.headers]]
    for values in section.rows:
        rows.append([Paragraph(markup(str(v)), s["cell"]) if c == 0 else shown(v, section.formats[c])
                     for c, v in enumerate(values)])
    style = _grid()
    if not section.rows:
        rows.append(["本期无数据。"] + [""] * (n - 1))
        style.append(("SPAN", (0, 1), (-1, 1)))
    elif total_row:
        style.append(("BACKGROUND", (0, -1), (-1, -1), colors.Color(0.95, 0.95, 0.95)))
    table = Table(rows, colWidths=[first, *(rest,) * (n - 1)], repeatRows=1, hAlign="LEFT")
    table.setStyle(TableStyle(style))
    return table


def _key_table(report: Dashboard, s: dict[str, ParagraphStyle]) -> Table:
    """The key figures in two side-by-side columns of 指标 / 本期 / 上期 / 变化."""
    figures = list(report.key_figures)
    half = (len(figures) + 1) // 2
    head = list(KEY_HEADERS[:4])
    rows: list[list[Any]] = [[*head, "", *head]]
    style = _grid()
    for i in range(half):
        row: list[Any] = []
        for j, f in enumerate((figures[i], figures[i + half] if i + half < len(figures) else None)):
            if f is None:
                row += ["", "", "", ""]
                continue
            label, now, before, change, unit = key_cells(f)
            arrow = f" {f.arrow}" if f.arrow else ""
            row += [f"{label}（{unit}）" if unit and unit != "%" else label, shown(now, f.kind), shown(before, f.kind),
                    shown(change, f"signed-{f.kind}") + arrow]
            if f.good is not None:
                style.append(("TEXTCOLOR", (3 + 5 * j, i + 1), (3 + 5 * j, i + 1), UP if f.good else DOWN))
            if j == 0:
                row.append("")
        rows.append(row)
    style += [("GRID", (4, 0), (4, -1), 0, colors.white), ("BACKGROUND", (4, 0), (4, 0), colors.white),
              ("ALIGN", (0, 0), (-1, 0), "CENTER"), ("ALIGN", (5, 1), (5, -1), "LEFT"),
              ("ALIGN", (0, 1), (0, -1), "LEFT")]
    widths = [44 * mm, 24 * mm, 24 * mm, 30 * mm, 6 * mm, 44 * mm, 24 * mm, 24 * mm, 30 * mm]
    table = Table(rows, colWidths=widths, hAlign="CENTER")
    table.setStyle(TableStyle(style))
    return table


def _charts(report: Dashboard) -> Table:
    w = BLOCK / 3
    h = 62 * mm
    row = [charts.trend_counts(report, w - 2 * mm, h), charts.trend_rates(report, w - 2 * mm, h),
           charts.rating_levels(report, w - 2 * mm, h)]
    table = Table([row], colWidths=[w, w, w])
    # a cell sets its font even when it holds a drawing: ours, or the PDF would name an unembedded Helvetica
    table.setStyle(TableStyle([("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                               ("FONTNAME", (0, 0), (-1, -1), BODY)]))
    return table


def texts(report: Dashboard, extra: Sequence[ReportSection]) -> Iterable[str]:
    """Every text the PDF prints (for the missing-glyph check)."""
    yield from (report.title, report.subtitle, report.current.attendance_source, *report.notes)
    for section in [*sections(report), *appraisal_sections(report.appraisal), *extra]:
        yield from (section.title, section.note, *section.headers)
        yield from (str(v) for row in section.rows for v in row if isinstance(v, str))


def story(report: Dashboard, extra: Sequence[ReportSection] = ()) -> list[Any]:
    s = _styles()
    flow: list[Any] = [
        Paragraph(markup(f"{report.title}（{report.period.label}）"), s["title"]),
        Paragraph(markup(report.subtitle), s["sub"]), Spacer(1, 3 * mm),
        Paragraph("一、主要指标", s["h2"]), _key_table(report, s), Spacer(1, 3 * mm),
        KeepTogether([Paragraph("二、图表", s["h2"]), _charts(report)]),
        PageBreak(), charts.group_bars(report),
    ]
    numerals = "三四五六七八九十"
    own = {"cases", "ratings", "attendance"}
    for i, section in enumerate([*sections(report), *appraisal_sections(report.appraisal), *extra]):
        heading = Paragraph(markup(f"{numerals[i % len(numerals)]}、{section.title}"), s["h2"])
        flow += [KeepTogether([heading, section_table(section, s, total_row=section.key in own)])
                 if len(section.rows) < 15 else heading]
        if len(section.rows) >= 15:
            flow.append(section_table(section, s, total_row=section.key in own))
        if section.note:
            flow.append(Paragraph(markup(section.note), s["note"]))
    flow.append(Spacer(1, 3 * mm))
    flow += [Paragraph(markup("注：" + note), s["note"]) for note in report.notes]
    return flow


def dashboard_pdf(report: Dashboard, extra: Sequence[ReportSection] = ()) -> bytes:
    missing = missing_glyphs(texts(report, extra))
    if missing:
        raise MissingGlyphs(missing)
    register_fonts()
    buffer = io.BytesIO()
    heading = f"{report.title}（{report.period.label}）"
    doc = SimpleDocTemplate(buffer, pagesize=landscape(A4), leftMargin=MARGIN, rightMargin=MARGIN,
                            topMargin=14 * mm, bottomMargin=14 * mm, title=heading, author=report.hall_name,
                            subject=report.scope_label, creator="窗口工作台 Counter Desk")
    canvas = type("Report", (ReportCanvas,), {
        "head": f"{heading}　{report.scope_label}",
        "head_right": f"统计截至 {report.current.as_of:%Y-%m-%d}　制表 {report.made_at:%Y-%m-%d %H:%M}"})
    doc.build(story(report, extra), canvasmaker=canvas)
    return buffer.getvalue()
