"""Reading the punch export of a hall's attendance machine (考勤机导出文件). Pure: no database, no Qt.

The counter's service reads the file (`read_table`), guesses or is given the column mapping
(`guess_mapping`, remembered per hall), parses it against the hall's staff (`parse_rows`) and then
writes the import and its new punches as one audited operation. Nothing here trusts the file:

- every row not taken is reported as a `Problem` with its row number in the file and a short reason
  (工号不存在, 时间无法识别, 工号与姓名不符, 日期超出范围, 内容过长, 含有非法字符, 设备号无效…); blank rows are
  skipped silently and are not counted;
- ``total_rows == len(punches) + merged_in_file + len(problems)``;
- the same file parsed twice gives an equal result, so re-importing only finds punches already held
  (the service deduplicates on staff + device + time, like every punch);
- a file that cannot be read at all raises `InvalidInput` with a Chinese message, never a raw error.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from app.attendance.machine_columns import FIELD_LABELS, FIELDS, check_mapping, guess_mapping
from app.attendance.machine_file import RawTable, cell_text, read_table
from app.attendance.machine_times import parse_at, parse_date, parse_time
from app.errors import InvalidInput

MAX_CELL = 200        # a mapped cell longer than this is no 工号, name, time or terminal
MAX_TERMINAL = 40

__all__ = ["FIELDS", "FIELD_LABELS", "MachinePunch", "ParsedImport", "Problem", "RawTable", "StaffKey",
           "cell_text", "check_mapping", "file_sha256", "guess_mapping", "parse_rows", "read_table"]

REASON_NO_STAFF = "工号为空"
REASON_UNKNOWN_STAFF = "工号不存在"
REASON_NAME = "工号与姓名不符"
REASON_BAD_TIME = "时间无法识别"
REASON_RANGE = "日期超出范围"
REASON_TOO_LONG = "内容过长"
REASON_CONTROL = "含有非法字符"
REASON_TERMINAL = "设备号无效"


@dataclass(frozen=True)
class MachinePunch:
    row: int
    staff_id: str
    staff_no: str
    name: str
    at: dt.datetime
    terminal: str


@dataclass(frozen=True)
class Problem:
    row: int       # 1-based line/row in the file
    reason: str
    text: str      # the row as read, shortened to 160 characters, control characters shown as \xNN


@dataclass(frozen=True)
class ParsedImport:
    punches: tuple[MachinePunch, ...]
    problems: tuple[Problem, ...]
    merged_in_file: int
    total_rows: int


@dataclass(frozen=True)
class StaffKey:
    staff_id: str
    staff_no: str
    login: str
    name: str


# ---------------------------------------------------------------- parsing the rows

def _canon(text: str) -> str:
    return unicodedata.normalize("NFC", "".join(text.split()))


def _number_key(text: str) -> str:
    """工号 as exported: Excel turns 001001 into 1001 or 1001.0; compare digits without leading zeros."""
    if re.fullmatch(r"\d+(\.0+)?", text):
        return text.split(".")[0].lstrip("0") or "0"
    return text.casefold()


def _names_agree(in_file: str, person: str) -> bool:
    """Vendor software that cannot store a rare character (𬌗) writes ? or � in its place."""
    a, b = _canon(in_file), _canon(person)
    if a == b:
        return True
    return len(a) == len(b) and any(c in "?？\ufffd" for c in a) and all(
        x == y or x in "?？\ufffd" for x, y in zip(a, b, strict=True))


class _Staff:
    def __init__(self, staff: Sequence[StaffKey]) -> None:
        self.by_no = {_number_key(s.staff_no.strip()): s for s in staff if s.staff_no.strip()}
        self.by_login = {s.login.strip().casefold(): s for s in staff if s.login.strip()}
        names: dict[str, list[StaffKey]] = {}
        for s in staff:
            names.setdefault(_canon(s.name), []).append(s)
        self.by_name = {k: v[0] for k, v in names.items() if len(v) == 1}   # a shared name identifies nobody

    def find(self, staff_no: str, name: str) -> StaffKey | None:
        if staff_no:
            return self.by_no.get(_number_key(staff_no)) or self.by_login.get(staff_no.casefold())
        return self.by_name.get(_canon(name))


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufff9-\ufffb]")


def _shown(row: Sequence[str]) -> str:
    text = " | ".join(c.strip() for c in row)
    text = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
    return text if len(text) <= 160 else text[:160] + f"…（共 {len(text)} 字）"


def _cell(row: Sequence[str], mapping: Mapping[str, int], field: str) -> str:
    index = mapping.get(field)
    return row[index].strip() if index is not None and index < len(row) else ""


class _RowError(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class _Limits:
    terminal: str
    earliest: dt.date | None
    latest: dt.datetime | None


def _row_punch(row: Sequence[str], number: int, mapping: Mapping[str, int], staff: _Staff,
               limits: _Limits) -> MachinePunch:
    cells = {f: _cell(row, mapping, f) for f in mapping}
    if any(len(v) > MAX_CELL for v in cells.values()):
        raise _RowError(REASON_TOO_LONG)
    if any(_CONTROL.search(v) for v in cells.values()):
        raise _RowError(REASON_CONTROL)
    staff_no, name = cells.get("staff_no", ""), cells.get("name", "")
    if not staff_no and not (name and "staff_no" not in mapping):
        raise _RowError(REASON_NO_STAFF)
    person = staff.find(staff_no, name)
    if person is None:
        raise _RowError(REASON_UNKNOWN_STAFF if staff_no else "姓名不存在或重名")
    if name and not _names_agree(name, person.name):
        raise _RowError(REASON_NAME)
    at = parse_at(cells["at"]) if "at" in mapping else _date_time(cells["date"], cells["time"])
    if at is None:
        raise _RowError(REASON_BAD_TIME)
    if (limits.earliest and at.date() < limits.earliest) or (limits.latest and at > limits.latest):
        raise _RowError(REASON_RANGE)
    terminal = cells.get("terminal", "") or limits.terminal
    if len(terminal) > MAX_TERMINAL or terminal[0] in "=+-@":
        raise _RowError(REASON_TERMINAL)
    return MachinePunch(row=number, staff_id=person.staff_id, staff_no=person.staff_no, name=person.name, at=at,
                        terminal=terminal)


def _date_time(date_text: str, time_text: str) -> dt.datetime | None:
    day, clock = parse_date(date_text), parse_time(time_text)
    return dt.datetime.combine(day, clock) if day and clock else None


def parse_rows(table: RawTable, mapping: Mapping[str, int], staff: Sequence[StaffKey], *,
               default_terminal: str = "考勤机", earliest: dt.date | None = None,
               latest: dt.datetime | None = None) -> ParsedImport:
    """The punches of the table: each good row once (the same staff, terminal and time twice is merged),
    every other non-blank row as a Problem. Deterministic: the same table gives an equal result."""
    check_mapping(mapping, table.headers)
    lookup = _Staff(staff)
    limits = _Limits(default_terminal.strip() or "考勤机", earliest, latest)
    punches: list[MachinePunch] = []
    problems: list[Problem] = []
    seen: set[tuple[str, str, dt.datetime]] = set()
    merged = total = 0
    for i, row in enumerate(table.rows):
        if not any(c.strip() for c in row):
            continue
        total += 1
        number = table.header_row + 1 + i
        try:
            punch = _row_punch(row, number, mapping, lookup, limits)
        except _RowError as exc:
            problems.append(Problem(row=number, reason=exc.reason, text=_shown(row)))
            continue
        key = (punch.staff_id, punch.terminal, punch.at)
        if key in seen:
            merged += 1
            continue
        seen.add(key)
        punches.append(punch)
    return ParsedImport(punches=tuple(punches), problems=tuple(problems), merged_in_file=merged, total_rows=total)


def file_sha256(path: Path) -> str:
    """Hex SHA-256 of the file's bytes: the import remembers it, so the same file is recognised again."""
    digest = hashlib.sha256()
    try:
        with path.open("rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
    except OSError as exc:
        raise InvalidInput(f"无法读取文件“{path.name}”。", field="file") from exc
    return digest.hexdigest()
