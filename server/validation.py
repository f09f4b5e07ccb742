"""Strict checks of every pushed operation before any domain rule runs (docs/security.md, "Input").

A device may be buggy or hostile: what it sends is checked here against an explicit schema per
operation kind, so that nothing is stored that a counter's own checks (app.sync.shapes) would
refuse when it pulls the row again, and no value reaches the database that does not fit its column.

* every payload, whatever its kind: a JSON object of bounded depth and size whose texts have no
  lone surrogates and no control characters but line breaks and tabs, and whose numbers are finite
  and exact in JSON (|n| <= 2**53);
* the op's time (``created_at``) is only clean short text (server.wire): a PC whose clock is far off
  is not refused for it (server.permits.made_at falls back to the server's time);
* a case op (``case.*``): ``from`` / ``to`` / ``decision`` short status texts, the case snapshot
  column by column against the case table (types, a bool is not an int, integers within the
  column's 32 bits, text within the column's length, ISO dates and times), its materials against
  the material table, the papers it carries against the notice table, the suspension row, the
  numbers beside them (``suspended_working_days``);
* ``enquiry.add``, ``number.void`` (the register row), ``notice.void`` (the paper, the register row,
  the papers issued again), ``staff.set_roles`` (the person, the roles as a list of short codes);
* the attendance, rating, peer and appraisal kinds build their rows field by field already
  (server.attendance_fields.build_row / command) and get the generic checks here first.

A failure is ``rejected invalid_payload`` naming the field by its path (``case.materials[0].originals``)
and nothing is written; the counter quarantines the op as for any refusal.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
from collections.abc import Collection
from typing import Any

from sqlalchemy import JSON, Boolean, Date, DateTime, Float, FromClause, Integer, String, Text

from app.sync.protocol import CASE_ACTIONS, ENQUIRY_ADD, NOTICE_VOID, NUMBER_VOID, STAFF_SET_ROLES, Code
from db.models import Case, CaseMaterial, Enquiry, Notice, Suspension, VoidNumber
from server.oputil import IncomingOp, OpRefused, rejected

INT_MAX = 2**31 - 1  # an Integer column on PostgreSQL
EARLIEST, LATEST = dt.datetime(2000, 1, 1), dt.datetime(2100, 1, 1)
_ALLOWED_CONTROL = {"\n", "\t", "\r"}
JSON_INT_MAX = 2**53  # beyond this a number is not exact in JSON (and not an integer column's)
PAYLOAD_DEPTH = 12
PAYLOAD_ITEMS = 100_000  # values in one payload, all levels
PAYLOAD_TEXT_MAX = 2_000_000  # one text inside a payload (a 查岗 photo of 1 MiB is 1.4 M in base64)
KEY_MAX = 200
TEXT_COLUMN_MAX = 20_000  # a Text column of a case, notice or enquiry (remark, reasons, result)
STATUS_MAX = 32
NOTICES_MAX = 20  # papers carried by one op (a decision issues two or three)
MATERIALS_MAX = 500
ROLES_MAX = 16


# a lone surrogate or a control character; a multi-line text may hold line breaks and tabs
_BAD_LINE = re.compile("[\ud800-\udfff\x00-\x1f\x7f-\x9f]")
_BAD_TEXT = re.compile("[\ud800-\udfff\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def clean_text(value: str, *, multiline: bool) -> bool:
    """No lone surrogates, no control characters (line breaks and tabs only in multi-line text)."""
    return (_BAD_TEXT if multiline else _BAD_LINE).search(value) is None


class Invalid(Exception):
    def __init__(self, path: str, why: str) -> None:
        super().__init__(f"{path}: {why}")
        self.path, self.why = path, why


def refused(exc: Invalid) -> OpRefused:
    return rejected(Code.INVALID_PAYLOAD, f"操作数据的“{exc.path}”{exc.why}，服务器不接受该操作。")


def _key(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


# -- every payload ------------------------------------------------------------------------------

class _Where(Exception):
    """Raised inside a payload; the path is collected on the way out (built only for a refusal)."""

    def __init__(self, why: str) -> None:
        super().__init__(why)
        self.why, self.parts = why, list[str]()


def check_json(value: Any, path: str = "payload") -> None:
    """Bounded depth and size, clean texts (keys too), finite numbers exact in JSON."""
    budget = [PAYLOAD_ITEMS]
    try:
        _walk(value, 0, budget)
    except _Where as exc:
        for part in reversed(exc.parts):
            path = f"{path}{part}" if part.startswith("[") else _key(path, part)
        raise Invalid(path, exc.why) from None


def _walk(value: Any, depth: int, budget: list[int]) -> None:
    budget[0] -= 1
    if budget[0] < 0:
        raise _Where("内容过多")
    if depth > PAYLOAD_DEPTH:
        raise _Where("层次过深")
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str) or len(key) > KEY_MAX or not clean_text(key, multiline=False):
                raise _Where("含有无效的字段名")
            _walk_into(item, key, depth, budget)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _walk_into(item, f"[{i}]", depth, budget)
    else:
        why = _scalar_why(value)
        if why is not None:
            raise _Where(why)


def _walk_into(item: Any, part: str, depth: int, budget: list[int]) -> None:
    try:
        _walk(item, depth + 1, budget)
    except _Where as exc:
        exc.parts.append(part)
        raise


def _scalar_why(value: Any) -> str | None:
    """Why a JSON scalar is refused (None: it is fine)."""
    if isinstance(value, str):
        if len(value) > PAYLOAD_TEXT_MAX:
            return f"超过 {PAYLOAD_TEXT_MAX} 个字符"
        return None if clean_text(value, multiline=True) else "含有无效字符（孤立的代理码位或控制字符）"
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return "数值超出范围" if abs(value) > JSON_INT_MAX else None
    if isinstance(value, float):
        return None if math.isfinite(value) and abs(value) <= JSON_INT_MAX else "不是有效的数值"
    return "格式不正确"


# -- values of columns --------------------------------------------------------------------------

def check_text(value: Any, path: str, max_len: int, *, multiline: bool = False) -> str:
    if not isinstance(value, str):
        raise Invalid(path, "应为文字")
    if len(value) > max_len:
        raise Invalid(path, f"超过 {max_len} 个字符")
    if not clean_text(value, multiline=multiline):
        raise Invalid(path, "含有无效字符")
    return value


def check_int(value: Any, path: str, lo: int = -INT_MAX, hi: int = INT_MAX) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise Invalid(path, "应为整数")
    if not lo <= value <= hi:
        raise Invalid(path, f"应在 {lo} 到 {hi} 之间")
    return value


def check_when(value: Any, path: str) -> dt.datetime:
    if not isinstance(value, str) or len(value) > 40 or not clean_text(value, multiline=False):
        raise Invalid(path, "应为日期时间")
    try:
        when = dt.datetime.fromisoformat(value)
    except ValueError as exc:
        raise Invalid(path, "不是有效的日期时间") from exc
    if not EARLIEST <= when.replace(tzinfo=None) < LATEST:
        raise Invalid(path, "超出合理的时间范围")
    return when


def check_day(value: Any, path: str) -> dt.date:
    if not isinstance(value, str) or len(value) != 10:
        raise Invalid(path, "应为日期（年-月-日）")
    try:
        day = dt.date.fromisoformat(value)
    except ValueError as exc:
        raise Invalid(path, "不是有效的日期") from exc
    if not EARLIEST.date() <= day < LATEST.date():
        raise Invalid(path, "超出合理的日期范围")
    return day


def _number(value: Any, path: str) -> None:
    if not isinstance(value, int | float) or isinstance(value, bool) or not math.isfinite(float(value)) \
            or abs(value) > 1e12:
        raise Invalid(path, "应为有效的数值")


def _boolean(value: Any, path: str) -> None:
    if not isinstance(value, bool):
        raise Invalid(path, "应为是或否")


def check_column(col: Any, value: Any, path: str, text_max: int = TEXT_COLUMN_MAX) -> None:
    """``value`` fits column ``col`` as the counter's row check and both databases take it."""
    if value is None:
        if not col.nullable:
            raise Invalid(path, "不能为空")
        return
    kind = col.type
    for type_, check in _COLUMN_CHECKS:  # in this order: Text is a String, DateTime before Date
        if isinstance(kind, type_):
            check(value, path, kind, text_max)
            return
    raise Invalid(path, "格式不正确")  # pragma: no cover - every column type of the synced tables is listed


_COLUMN_CHECKS: tuple[tuple[type, Any], ...] = (
    (Boolean, lambda v, p, _k, _m: _boolean(v, p)),
    (Integer, lambda v, p, _k, _m: check_int(v, p)),
    (Float, lambda v, p, _k, _m: _number(v, p)),
    (DateTime, lambda v, p, _k, _m: check_when(v, p)),
    (Date, lambda v, p, _k, _m: check_day(v, p)),
    (JSON, lambda _v, _p, _k, _m: None),  # checked by check_json with the whole payload
    (Text, lambda v, p, _k, m: check_text(v, p, m, multiline=True)),
    (String, lambda v, p, k, m: check_text(v, p, k.length or m)),
)


@functools.cache
def _required(table: FromClause) -> frozenset[str]:
    """Columns a new row must carry: not nullable and with no default."""
    return frozenset(c.key for c in table.columns if not c.nullable and c.default is None and c.server_default is None)


def check_row(table: FromClause, row: Any, path: str, *, skip: Collection[str] = (),
              required: Collection[str] | None = None) -> dict[str, Any]:
    """A row of ``table``: each column it carries fits; ``required`` (default: the columns with no
    default) present. Keys that are not columns are left to the generic checks."""
    if not isinstance(row, dict):
        raise Invalid(path, "应为一条记录")
    needed = _required(table) if required is None else set(required)
    for col in table.columns:
        if col.key in skip:
            continue
        if col.key not in row:
            if col.key in needed:
                raise Invalid(_key(path, col.key), "缺失")
            continue
        check_column(col, row[col.key], _key(path, col.key))
    return row


def _list(value: Any, path: str, most: int) -> list[Any]:
    if not isinstance(value, list):
        raise Invalid(path, "应为列表")
    if len(value) > most:
        raise Invalid(path, f"超过 {most} 项")
    return value


# -- per kind -----------------------------------------------------------------------------------

def _status(value: Any, path: str, *, optional: bool) -> None:
    if value is None and optional:
        return
    check_text(value, path, STATUS_MAX)


def _notices(value: Any, path: str) -> None:
    for i, n in enumerate(_list(value, path, NOTICES_MAX)):
        check_row(Notice.__table__, n, f"{path}[{i}]", required={"id", "case_id", "kind", "number", "issued_at",
                                                                 "issued_by", "payload"})
        if not isinstance(n["payload"], dict):
            raise Invalid(f"{path}[{i}].payload", "应为一条记录")


def _case_op(p: dict[str, Any], kind: str) -> None:
    _status(p.get("from"), "from", optional=True)
    _status(p.get("to"), "to", optional=False)
    _status(p.get("decision"), "decision", optional=True)
    _case_snapshot(p.get("case"), kind)
    if "notices" in p:
        _notices(p["notices"], "notices")
    if p.get("suspension") is not None:
        check_row(Suspension.__table__, p["suspension"], "suspension")
    if p.get("suspended_working_days") is not None:
        check_int(p["suspended_working_days"], "suspended_working_days", 0, 100_000)
    if p.get("supply_deadline") not in (None, ""):
        check_day(p["supply_deadline"], "supply_deadline")
    for key in ("reason", "note"):
        if p.get(key) is not None:
            check_text(p[key], key, TEXT_COLUMN_MAX, multiline=True)


def _case_snapshot(snap: Any, kind: str) -> None:
    required = {"id", "status", "version", "hall_id", "number", "matter_id", "created_by"}
    if kind == "case.open":
        required |= _required(Case.__table__)
    check_row(Case.__table__, snap, "case", required=required)
    check_int(snap["version"], "case.version", 1, INT_MAX - 1)
    if "suspended_days" in snap:
        check_int(snap["suspended_days"], "case.suspended_days", 0, 100_000)
    for i, m in enumerate(_list(snap.get("materials", []), "case.materials", MATERIALS_MAX)):
        where = f"case.materials[{i}]"
        check_row(CaseMaterial.__table__, m, where, skip=("id", "case_id"),
                  required={"seq", "name", "is_main", "deferrable", "status", "originals", "copies"})
        for count in ("originals", "copies"):
            check_int(m[count], f"{where}.{count}", 0, 100_000)


def _void_row(row: Any, path: str) -> None:
    check_row(VoidNumber.__table__, row, path, required={c.key for c in VoidNumber.__table__.columns
                                                          if not c.nullable})


def _notice_void(p: dict[str, Any]) -> None:
    check_text(p.get("case_id"), "case_id", 36)
    paper = p.get("notice")
    check_row(Notice.__table__, paper, "notice", required={"id"})
    _void_row(p.get("void_number"), "void_number")
    if "notices" in p:
        _notices(p["notices"], "notices")


def _set_roles(p: dict[str, Any]) -> None:
    check_text(p.get("staff_id"), "staff_id", 36)
    for i, role in enumerate(_list(p.get("roles"), "roles", ROLES_MAX)):
        check_text(role, f"roles[{i}]", 32)
    if p.get("roles_before") is not None:
        check_text(p["roles_before"], "roles_before", 500)
    if p.get("reason") is not None:
        check_text(p["reason"], "reason", 500, multiline=True)


def check_payload(kind: str, payload: Any) -> None:
    """Raises Invalid for a payload that breaks the generic limits or its kind's schema."""
    if not isinstance(payload, dict):
        raise Invalid("payload", "应为一条记录")
    check_json(payload, "")
    if kind in CASE_ACTIONS:
        _case_op(payload, kind)
    elif kind == ENQUIRY_ADD:
        check_row(Enquiry.__table__, payload, "")
    elif kind == NUMBER_VOID:
        _void_row(payload, "")
    elif kind == NOTICE_VOID:
        _notice_void(payload)
    elif kind == STAFF_SET_ROLES:
        _set_roles(payload)


def check_op(op: IncomingOp) -> None:
    """OpRefused (rejected invalid_payload, the field named) unless ``op`` passes every check above."""
    try:
        check_payload(op.kind, op.payload)
    except Invalid as exc:
        if not exc.path or exc.path.startswith("."):
            exc.path = exc.path.lstrip(".") or "payload"
        raise refused(exc) from None
