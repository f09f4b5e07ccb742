"""The register (作废号登记簿) as a printable PDF (A4 landscape table, the papers' embedded faces)
and as an Excel workbook, for the hall's inspections. Pure functions of a Register; safe on a
worker thread."""

from __future__ import annotations

import io

from app.voids.model import Register, VoidEntry

HEADERS = ("序号", "文书编号", "文书种类", "窗口", "办件编号", "作废类别", "作废原因", "作废时间",
           "审批人", "经办人", "重新出具编号")


def _cells(i: int, e: VoidEntry) -> list[str]:
    return [str(i), e.number, e.kind_label, e.window_label, e.case_number or "（未出具文书）", e.category_label,
            e.reason, e.voided_at.strftime("%Y-%m-%d %H:%M"), e.voided_by, e.requested_by, e.replaced_by]


def _title(r: Register) -> str:
    return f"{r.hall_name}作废号登记簿"


def _subtitle(r: Register) -> str:
    return f"期间：{r.period_label}　文书种类：{r.kind_label}　窗口：{r.window_label}　共 {len(r.entries)} 个"


def register_pdf(r: Register) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_CENTER
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    from app.documents.glyphs import BODY, MissingGlyphs, markup, missing_glyphs, register_fonts

    texts = [_title(r), _subtitle(r), *(c for i, e in enumerate(r.entries, 1) for c in _cells(i, e))]
    missing = missing_glyphs(texts)
    if missing:
        raise MissingGlyphs(missing)
    register_fonts()
    title = ParagraphStyle("title", fontName=BODY, fontSize=20, leading=28, alignment=TA_CENTER)
    small = ParagraphStyle("small", fontName=BODY, fontSize=10.5, leading=15, alignment=TA_CENTER)
    cell = ParagraphStyle("cell", fontName=BODY, fontSize=9, leading=12, wordWrap="CJK")
    rows = [[Paragraph(markup(h), cell) for h in HEADERS]]
    rows += [[Paragraph(markup(c), cell) for c in _cells(i, e)] for i, e in enumerate(r.entries, 1)]
    if not r.entries:
        rows.append([Paragraph(markup("本期间无作废编号。"), cell)] + [""] * (len(HEADERS) - 1))
    # 273 mm: the landscape block; a number column holds a station-marked number (DEMO-01-2026-SJ000003) on one line
    widths = [9, 38, 21, 26, 35, 19, 35, 21, 14, 17, 38]
    table = Table(rows, colWidths=[w * mm for w in widths], repeatRows=1)
    style = [("GRID", (0, 0), (-1, -1), 0.5, colors.black), ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
             ("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.9, 0.9, 0.9))]
    if not r.entries:
        style.append(("SPAN", (0, 1), (-1, 1)))
    table.setStyle(TableStyle(style))
    made = f"制表时间：{r.made_at:%Y-%m-%d %H:%M}　　核对人（签字）：＿＿＿＿＿＿　　日期：＿＿＿＿＿＿"
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=landscape(A4), leftMargin=12 * mm, rightMargin=12 * mm,
                            topMargin=15 * mm, bottomMargin=15 * mm, title=_title(r), creator="窗口工作台 Counter Desk")

    def page_number(canvas: object, document: object) -> None:
        canvas.setFont(BODY, 10)  # type: ignore[attr-defined]
        canvas.drawCentredString(landscape(A4)[0] / 2, 8 * mm, f"— {document.page} —")  # type: ignore[attr-defined]

    doc.build([Paragraph(markup(_title(r)), title), Paragraph(markup(_subtitle(r)), small), Spacer(1, 4 * mm),
               table, Spacer(1, 6 * mm), Paragraph(markup(made), small)],
              onFirstPage=page_number, onLaterPages=page_number)
    return buffer.getvalue()


def register_xlsx(r: Register) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "作废号登记簿"
    ws.append([_title(r)])
    ws.append([_subtitle(r)])
    ws.append(list(HEADERS))
    for i, e in enumerate(r.entries, 1):
        cells: list[object] = list(_cells(i, e))
        cells[0], cells[7] = i, e.voided_at
        ws.append(cells)
    ws["A1"].font = Font(bold=True, size=14)
    for c in ws[3]:
        c.font = Font(bold=True)
    for row in ws.iter_rows(min_row=4, min_col=8, max_col=8):
        for c in row:
            c.number_format = "yyyy-mm-dd hh:mm"
    for col, width in zip("ABCDEFGHIJK", (6, 24, 16, 22, 20, 16, 36, 18, 10, 14, 24), strict=True):
        ws.column_dimensions[col].width = width
    for row in ws.iter_rows(min_row=4, min_col=7, max_col=7):
        for c in row:
            c.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A4"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
