"""Reading an attendance machine's export file into a table of text cells: CSV in the encodings and
delimiters vendor tools write, or the first sheet of an .xlsx. Pure; never raises anything but
InvalidInput with a Chinese message."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from app.attendance.machine_columns import guess_mapping
from app.errors import InvalidInput

MAX_FILE_BYTES = 64 * 1024 * 1024
MAX_ROWS = 500_000
HEADER_SEARCH_ROWS = 10  # vendor tools put a title line or two above the header


@dataclass(frozen=True)
class RawTable:
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    sheet: str = ""
    header_row: int = 1       # 1-based row of the header in the file; rows[i] is row header_row + 1 + i


def read_table(path: Path) -> RawTable:
    """The file's header and rows as text. CSV (UTF-8 with or without BOM, UTF-16 with BOM, GB18030/GBK;
    delimiter , ; or tab) or .xlsx (first sheet). .xls is refused: it must be saved as .xlsx or .csv."""
    suffix = path.suffix.lower()
    if suffix == ".xls":
        raise InvalidInput("不支持旧版 Excel 97-2003（.xls）文件。"
                           "请在 Excel 或考勤机软件中“另存为” .xlsx 或 .csv 后再导入。", field="file")
    if suffix not in (".csv", ".txt", ".xlsx", ".xlsm"):
        raise InvalidInput(f"无法识别的文件类型“{suffix or '无扩展名'}”。请选择考勤机导出的 .csv 或 .xlsx 文件。",
                           field="file")
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise InvalidInput(f"无法打开文件“{path.name}”：文件不存在或没有读取权限。", field="file") from exc
    if size == 0:
        raise InvalidInput(f"文件“{path.name}”是空的，没有打卡记录。", field="file")
    if size > MAX_FILE_BYTES:
        raise InvalidInput(f"文件“{path.name}”超过 64 MB，不像考勤机导出的打卡记录，请按月分批导出后再导入。",
                           field="file")
    rows, sheet = _xlsx_rows(path) if suffix in (".xlsx", ".xlsm") else (_csv_rows(path), "")
    return _table(rows, sheet, path.name)


def _table(rows: list[tuple[str, ...]], sheet: str, file_name: str) -> RawTable:
    if len(rows) > MAX_ROWS:
        raise InvalidInput(f"文件“{file_name}”超过 {MAX_ROWS} 行，请按月分批导出后再导入。", field="file")
    filled = [i for i, r in enumerate(rows) if any(c.strip() for c in r)]
    if not filled:
        raise InvalidInput(f"文件“{file_name}”中没有任何内容。", field="file")
    at = filled[0]
    for i in filled[:HEADER_SEARCH_ROWS]:
        if _looks_like_header(rows[i]):
            at = i
            break
    headers = tuple(_clean_header(c) for c in rows[at])
    width = max((len(r) for r in rows[at + 1:]), default=0)
    headers += ("",) * max(width - len(headers), 0)   # a data row wider than the header: columns still selectable
    return RawTable(headers=headers, rows=tuple(rows[at + 1:]), sheet=sheet, header_row=at + 1)


def _looks_like_header(row: Sequence[str]) -> bool:
    found = guess_mapping([_clean_header(c) for c in row])
    return ("staff_no" in found or "name" in found) and ("at" in found or "date" in found)


def _clean_header(cell: str) -> str:
    return cell.replace("\ufeff", "").strip()


def _decode(data: bytes, name: str) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")  # a superset of GBK and GB2312, as Chinese vendor tools write
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"无法识别文件“{name}”的文字编码（不是 UTF-8 或 GBK）。"
                           "请用考勤机软件重新导出为 CSV 或 Excel。", field="file") from exc


def _delimiter(text: str) -> str:
    lines = [line for line in text.splitlines()[:HEADER_SEARCH_ROWS + 5] if line.strip()]
    best, best_score = ",", -1
    for candidate in (",", "\t", ";"):
        counts = [line.count(candidate) for line in lines]
        score = sorted(counts)[len(counts) // 2] if counts else 0   # the median: title lines do not vote
        if score > best_score:
            best, best_score = candidate, score
    return best


def _csv_rows(path: Path) -> list[tuple[str, ...]]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InvalidInput(f"无法读取文件“{path.name}”。", field="file") from exc
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InvalidInput(f"文件“{path.name}”不是文本格式的 CSV（可能是改了扩展名的其他文件）。", field="file")
    text = _decode(data, path.name)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    try:
        return [tuple(row) for row in reader]
    except csv.Error as exc:
        raise InvalidInput(f"文件“{path.name}”第 {reader.line_num} 行无法读取（引号不成对或内容过长）。",
                           field="file") from exc


def _xlsx_rows(path: Path) -> tuple[list[tuple[str, ...]], str]:
    """The first sheet's rows as text, and the sheet's name."""
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises zip, XML and key errors alike on a damaged file
        raise InvalidInput(f"无法打开 Excel 文件“{path.name}”：文件已损坏或不是 .xlsx 格式。", field="file") from exc
    try:
        if not wb.worksheets:
            raise InvalidInput(f"Excel 文件“{path.name}”中没有工作表。", field="file")
        sheet = wb.worksheets[0]
        rows: list[tuple[str, ...]] = []
        for values in sheet.iter_rows(values_only=True):
            rows.append(tuple(cell_text(v) for v in values))
            if len(rows) > MAX_ROWS:
                break
        return rows, str(sheet.title)
    except InvalidInput:
        raise
    except Exception as exc:
        raise InvalidInput(f"Excel 文件“{path.name}”内容无法读取：{type(exc).__name__}。", field="file") from exc
    finally:
        wb.close()


def cell_text(value: object) -> str:
    """A spreadsheet value as the text a clerk would see: dates and times in ISO form, whole numbers
    without ".0" (工号 1001 stays 1001), other numbers exactly (an unformatted Excel serial date stays a
    serial, which `parse_rows` understands)."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.isoformat(timespec="seconds")
    if isinstance(value, dt.timedelta):
        seconds = round(value.total_seconds())
        return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
