"""Field-by-field checks of the attendance ops' payloads (server.attendance_ops, server.leave_ops).

A payload row is checked against its table's columns: every column present with the column's
type (a bool is not an int), text within the column's length and free of control characters and
lone surrogates, numbers within range, ISO dates and times that parse, JSON values of bounded size.
A failure is OpRefused(rejected, invalid_payload) naming the field in Chinese. Nothing is written.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from sqlalchemy import JSON, Boolean, Date, DateTime, Float, Integer, String, Text
from sqlalchemy.orm import Session

from app.context import DEFAULT_PARAMETERS
from app.sync.protocol import Code
from db.models import Base, Staff, Window
from server import validation
from server.oputil import Echo, OpRefused, rejected
from server.schema import HallParameter
from server.validation import EARLIEST, INT_MAX, LATEST, clean_text

T = TypeVar("T", bound=Base)
EchoOf = Callable[[], Echo]
TEXT_MAX = 2000  # a Text column (reason, note) unless the table says otherwise
FLOAT_MAX = 1e9
JSON_MAX_DEPTH = 8
JSON_MAX_ITEMS = 50_000
UUID_TEXT = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")  # the ids counters make


def bad(what: str, field: str, why: str, echo: EchoOf) -> OpRefused:
    return rejected(Code.INVALID_PAYLOAD, f"{what}的“{field}”{why}。", echo())


def check_text(value: Any, what: str, field: str, echo: EchoOf, *, max_len: int, multiline: bool = False,
               required: bool = False) -> str:
    try:
        validation.check_text(value, field, max_len, multiline=multiline)
    except validation.Invalid as exc:
        raise bad(what, field, exc.why, echo) from None
    if required and not value.strip():
        raise bad(what, field, "不能为空", echo)
    return str(value)


def check_int(value: Any, what: str, field: str, echo: EchoOf, lo: int = -INT_MAX, hi: int = INT_MAX) -> int:
    try:
        return validation.check_int(value, field, lo, hi)
    except validation.Invalid as exc:
        raise bad(what, field, exc.why, echo) from None


def check_float(value: Any, what: str, field: str, echo: EchoOf, lo: float = -FLOAT_MAX,
                hi: float = FLOAT_MAX) -> float:
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise bad(what, field, "应为数字", echo)
    if isinstance(value, int) and abs(value) > 2**53:
        raise bad(what, field, "超出范围", echo)
    number = float(value)
    if not math.isfinite(number) or not lo <= number <= hi:
        raise bad(what, field, f"应在 {lo:g} 到 {hi:g} 之间", echo)
    return number


def check_when(value: Any, what: str, field: str, echo: EchoOf) -> dt.datetime:
    """A naive ISO date-time (counter local time) between 2000 and 2100."""
    if not isinstance(value, str) or len(value) > 40 or not clean_text(value, multiline=False):
        raise bad(what, field, "应为日期时间", echo)
    try:
        when = dt.datetime.fromisoformat(value)
    except ValueError as exc:
        raise bad(what, field, "不是有效的日期时间", echo) from exc
    if when.tzinfo is not None:
        when = to_local(when.astimezone(dt.UTC).replace(tzinfo=None))
    if not EARLIEST <= when < LATEST:
        raise bad(what, field, "超出合理的时间范围", echo)
    return when


def check_day(value: Any, what: str, field: str, echo: EchoOf) -> dt.date:
    try:
        return validation.check_day(value, field)
    except validation.Invalid as exc:
        raise bad(what, field, exc.why, echo) from None


def check_json(value: Any, what: str, field: str, echo: EchoOf, depth: int = 0, budget: list[int] | None = None) -> Any:
    """A JSON value of bounded depth and size whose texts are clean and numbers in range."""
    budget = budget if budget is not None else [JSON_MAX_ITEMS]
    budget[0] -= 1
    if depth > JSON_MAX_DEPTH or budget[0] < 0:
        raise bad(what, field, "内容过大或层次过深", echo)
    if isinstance(value, dict):
        for key, item in value.items():
            check_text(key, what, field, echo, max_len=200)
            check_json(item, what, field, echo, depth + 1, budget)
    elif isinstance(value, list):
        for item in value:
            check_json(item, what, field, echo, depth + 1, budget)
    elif isinstance(value, str):
        check_text(value, what, field, echo, max_len=100_000, multiline=True)
    elif isinstance(value, float) and not math.isfinite(value):
        raise bad(what, field, "含有无效数字", echo)
    elif isinstance(value, int) and not isinstance(value, bool) and abs(value) > 2**53:
        raise bad(what, field, "含有超出范围的数字", echo)
    elif value is not None and not isinstance(value, int | float | bool):
        raise bad(what, field, "格式不正确", echo)
    return value


def _column_value(col: Any, value: Any, what: str, echo: EchoOf, text_max: Mapping[str, int]) -> Any:
    kind, key = col.type, col.key
    if isinstance(kind, Boolean):
        if not isinstance(value, bool):
            raise bad(what, key, "应为是或否", echo)
        return value
    if isinstance(kind, Integer):
        return check_int(value, what, key, echo)
    if isinstance(kind, Float):
        return check_float(value, what, key, echo)
    if isinstance(kind, DateTime):
        return check_when(value, what, key, echo)
    if isinstance(kind, Date):
        return check_day(value, what, key, echo)
    if isinstance(kind, JSON):
        return check_json(value, what, key, echo)
    if isinstance(kind, Text):
        return check_text(value, what, key, echo, max_len=text_max.get(key, TEXT_MAX), multiline=True)
    if isinstance(kind, String):
        return check_text(value, what, key, echo, max_len=kind.length or TEXT_MAX)
    raise bad(what, key, "格式不正确", echo)  # pragma: no cover - every column type is listed above


def build_row(model: type[T], payload: Any, what: str, echo: EchoOf,
              text_max: Mapping[str, int] | None = None) -> T:
    """An unsaved ``model`` row from ``payload``, every column present and checked."""
    if not isinstance(payload, dict):
        raise rejected(Code.INVALID_PAYLOAD, f"{what}的数据格式不正确。", echo())
    values: dict[str, Any] = {}
    for col in model.__table__.columns:
        if col.key not in payload:
            raise bad(what, col.key, "缺失", echo)
        value = payload[col.key]
        if value is None:
            if not col.nullable:
                raise bad(what, col.key, "不能为空", echo)
            values[col.key] = None
            continue
        values[col.key] = _column_value(col, value, what, echo, text_max or {})
    if not UUID_TEXT.fullmatch(str(values.get("id", ""))):
        raise bad(what, "id", "不是有效的记录编号", echo)
    return model(**values)


def command(payload: Any, what: str, echo: EchoOf, keys: Mapping[str, str]) -> dict[str, Any]:
    """A state op's payload ({"id", "from_version", ...}): ``keys`` maps each key to its kind
    (``id``, ``version``, ``text``, ``when``, ``status``, ``id?`` optional id)."""
    if not isinstance(payload, dict):
        raise rejected(Code.INVALID_PAYLOAD, f"{what}的数据格式不正确。", echo())
    out: dict[str, Any] = {}
    for key, kind in keys.items():
        value = payload.get(key)
        if kind == "id?" and value is None:
            out[key] = None
        elif kind in ("id", "id?"):
            out[key] = check_text(value, what, key, echo, max_len=36, required=True)
        elif kind == "version":
            out[key] = check_int(value, what, key, echo, 1, INT_MAX - 1)
        elif kind == "text":
            out[key] = check_text(value, what, key, echo, max_len=TEXT_MAX, multiline=True)
        elif kind == "when":
            out[key] = check_when(value, what, key, echo)
        else:
            out[key] = check_text(value, what, key, echo, max_len=16, required=True)
    return out


def hall_parameter(s: Session, hall_id: str, key: str) -> str:
    row = s.get(HallParameter, (hall_id, key))
    return row.value if row is not None else DEFAULT_PARAMETERS[key]


def number_parameter(s: Session, hall_id: str, key: str) -> float:
    try:
        return float(hall_parameter(s, hall_id, key))
    except ValueError:
        return float(DEFAULT_PARAMETERS[key])


def list_parameter(s: Session, hall_id: str, key: str) -> list[str]:
    return [x.strip() for x in hall_parameter(s, hall_id, key).replace("，", ",").split(",") if x.strip()]


def hall_staff(s: Session, hall_id: str, staff_id: str | None, what: str, field: str, echo: EchoOf) -> Staff:
    staff = s.get(Staff, staff_id) if staff_id else None
    if staff is None or staff.hall_id != hall_id:
        raise rejected(Code.UNKNOWN_REFERENCE, f"{what}的“{field}”不是本大厅人员。", echo())
    return staff


def hall_window(s: Session, hall_id: str, window_id: str | None, what: str, echo: EchoOf) -> Window:
    window = s.get(Window, window_id) if window_id else None
    if window is None or window.hall_id != hall_id:
        raise rejected(Code.UNKNOWN_REFERENCE, f"{what}所属窗口不在本大厅。", echo())
    return window


# Counters keep their local wall-clock time without an offset; every hall keeps China Standard Time
# (UTC+8, no daylight saving). The server's times are naive UTC.
HALL_UTC_OFFSET = dt.timedelta(hours=8)


def to_utc(local: dt.datetime) -> dt.datetime:
    """A counter's local time (China Standard Time, UTC+8) as the server's naive UTC."""
    return local - HALL_UTC_OFFSET


def to_local(utc: dt.datetime) -> dt.datetime:
    return utc + HALL_UTC_OFFSET
