"""The ledger (台账) as an Excel workbook: a title row, a line of what it holds, then one row per case.
Built from ``CaseRow``s, which carry ID numbers and phones already masked, so the file cannot hold a
full one. Pure function; safe on a worker thread."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from app.dto import CaseRow

HEADERS = ("办件编号", "事项", "申请人", "证件号码", "联系电话", "状态", "收件时间", "办理期限", "预警")
_WARNINGS = {"yellow": "黄牌", "red": "红牌"}
_WIDTHS = (20, 40, 24, 22, 16, 14, 18, 12, 8)
HEADER_ROW = 3


def _cells(r: CaseRow) -> tuple[str, ...]:
    return (r.number, r.matter_name, r.applicant_name, r.applicant_id_masked, r.applicant_phone_masked,
            r.status_label, r.received_at.strftime("%Y-%m-%d %H:%M"), r.due_date.isoformat() if r.due_date else "",
            _WARNINGS.get(r.warning, ""))


def _put(ws: Any, row: int, col: int, value: str) -> Any:
    cell = ws.cell(row=row, column=col, value=value)
    if cell.data_type == "f":
        cell.data_type = "s"  # a name typed as "=..." stays text, never a formula
    return cell


def ledger_xlsx(rows: Sequence[CaseRow], title: str, subtitle: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = "台账"
    _put(ws, 1, 1, title).font = Font(bold=True, size=14)
    _put(ws, 2, 1, subtitle).font = Font(size=10, color="555555")
    for c, text in enumerate(HEADERS, 1):
        _put(ws, HEADER_ROW, c, text).font = Font(bold=True)
    for i, r in enumerate(rows, HEADER_ROW + 1):
        for c, value in enumerate(_cells(r), 1):
            _put(ws, i, c, value)
    for c, width in enumerate(_WIDTHS, 1):
        ws.column_dimensions[get_column_letter(c)].width = width
    ws.freeze_panes = ws.cell(row=HEADER_ROW + 1, column=2)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
