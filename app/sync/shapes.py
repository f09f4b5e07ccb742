"""Checks that an answer from the server has the protocol's shape before anything of it is used.

Every function raises SyncUnavailable (app.sync.errors.garbage) naming what is wrong and returns
the checked value; nothing here writes. Rows are checked column by column against the local
table (app.sync.rows), so a row that passes can be written without a type or date error.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import JSON, Boolean, Date, DateTime, FromClause, Integer, String, Text

from app.sync.errors import GARBAGE, SyncUnavailable, garbage
from app.sync.protocol import Entity, OpStatus
from app.sync.rows import ENTITIES
from db.models import CaseMaterial, MatterMaterial

KNOWN = {*ENTITIES, Entity.PARAMETER}
_SURROGATE = re.compile("[\ud800-\udfff]")


def field(obj: Mapping[str, Any], key: str, kind: type | tuple[type, ...], what: str) -> Any:
    value = obj.get(key)
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is int):
        raise garbage(f"{what}.{key}")
    return value


def _any(_value: Any) -> bool:
    return True


def _is_bool(value: Any) -> bool:
    return isinstance(value, bool)


def _is_int64(value: Any) -> bool:  # SQLite holds 64 bits
    return isinstance(value, int) and not isinstance(value, bool) and -(2**63) <= value < 2**63


def _parses(parse: Callable[[str], Any], value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        parse(value)
    except ValueError:
        return False
    return True


def _is_datetime(value: Any) -> bool:
    return _parses(dt.datetime.fromisoformat, value)


def _is_date(value: Any) -> bool:
    return _parses(dt.date.fromisoformat, value)


def _is_text(value: Any) -> bool:  # a lone surrogate cannot be stored (nor shown)
    return isinstance(value, str) and _SURROGATE.search(value) is None


def _checker(col_type: Any) -> Callable[[Any], bool]:
    if isinstance(col_type, JSON):
        return _any
    if isinstance(col_type, Boolean):
        return _is_bool
    if isinstance(col_type, Integer):
        return _is_int64
    if isinstance(col_type, DateTime):
        return _is_datetime
    if isinstance(col_type, Date):
        return _is_date
    if isinstance(col_type, String | Text):
        return _is_text
    return _any


def value_ok(col_type: Any, value: Any) -> bool:
    return _checker(col_type)(value)


_CHECKS: dict[tuple[FromClause, tuple[str, ...]], list[tuple[str, bool, Callable[[Any], bool]]]] = {}


def _checks(table: FromClause, skip: tuple[str, ...]) -> list[tuple[str, bool, Callable[[Any], bool]]]:
    """(key, nullable, check) of the columns of ``table`` but ``skip``, computed once: a pulled page
    checks tens of thousands of rows."""
    out = _CHECKS.get((table, skip))
    if out is None:
        out = [(c.key, bool(c.nullable), _checker(c.type)) for c in table.columns if c.key not in skip]
        _CHECKS[(table, skip)] = out
    return out


def check_columns(table: FromClause, row: Any, what: str, skip: tuple[str, ...] = ()) -> None:
    """Every column of ``table`` (but ``skip``) present with a value of its type (None if nullable)."""
    if not isinstance(row, dict):
        raise garbage(what)
    for key, nullable, ok in _checks(table, skip):
        if key not in row:
            raise garbage(f"{what}.{key}")
        value = row[key]
        if value is None and nullable:
            continue
        if value is None or not ok(value):
            raise garbage(f"{what}.{key}")


def check_row(entity: str, entity_id: Any, row: Any) -> None:
    """A pulled or echoed row of ``entity`` that can be written locally as it is."""
    if entity not in KNOWN or not isinstance(entity_id, str) or not entity_id:
        raise garbage(f"entity {entity!r}")
    if entity == Entity.PARAMETER:
        if not isinstance(row, dict) or row.get("key") != entity_id or not isinstance(row.get("value"), str):
            raise garbage("parameter")
        return
    model, key = ENTITIES[entity]
    check_columns(model.__table__, row, entity)
    if str(row[key]) != entity_id:
        raise garbage(f"{entity}.id")
    if entity == Entity.CASE:
        for m in _list(row, "materials", entity):
            check_columns(CaseMaterial.__table__, m, "case.materials", skip=("id", "case_id"))
    elif entity == Entity.MATTER:
        for m in _list(row, "materials", entity):
            check_columns(MatterMaterial.__table__, m, "matter.materials")


def _list(row: dict[str, Any], key: str, what: str) -> list[Any]:
    value = row.get(key)
    if not isinstance(value, list):
        raise garbage(f"{what}.{key}")
    return value


@dataclass(frozen=True)
class Change:
    entity: str
    id: str
    row: dict[str, Any]


def change(item: Any, what: str) -> Change:
    if not isinstance(item, dict):
        raise garbage(what)
    entity, entity_id, row = item.get("entity"), item.get("id"), item.get("row")
    check_row(str(entity), entity_id, row)
    assert isinstance(row, dict)
    return Change(str(entity), str(entity_id), row)


@dataclass(frozen=True)
class BadRow:
    """A pulled row this counter cannot take (app.sync.pull skips it, keeps pulling, and says so):
    its entity and id, and the field the check stopped at."""

    entity: str
    id: str
    field: str


@dataclass(frozen=True)
class Page:
    changes: list[Change]
    next_cursor: int
    has_more: bool
    checksum: str
    epoch: str
    server_time: Any
    bad: tuple[BadRow, ...] = ()


def _bad_row(item: Any) -> BadRow | None:
    """A change of the protocol's shape (an entity this counter knows, an id, a row) whose row does not
    pass check_row: one bad row of the server's, not a page that makes no sense."""
    if not isinstance(item, dict) or item.get("entity") not in KNOWN or not isinstance(item.get("row"), dict):
        return None
    rid = item.get("id")
    if not isinstance(rid, str) or not 0 < len(rid) <= 64 or _SURROGATE.search(rid) or not rid.isprintable():
        return None
    problem = row_problem(str(item["entity"]), rid, item["row"])
    return BadRow(str(item["entity"]), rid, problem) if problem is not None else None


def row_problem(entity: str, entity_id: str, row: Any) -> str | None:
    """What check_row stops at for this row (``case.received_at``); None when the row can be taken."""
    try:
        check_row(entity, entity_id, row)
    except SyncUnavailable as exc:
        return str(exc)[len(GARBAGE):].strip("（）") or entity
    return None


def page(body: dict[str, Any], cursor: int) -> Page:
    changes: list[Change] = []
    bad: list[BadRow] = []
    for c in field(body, "changes", list, "pull"):
        try:
            changes.append(change(c, "changes"))
        except SyncUnavailable:
            one = _bad_row(c)
            if one is None:
                raise
            bad.append(one)
    checksum = field(body, "checksum", str, "pull")
    next_cursor = field(body, "next_cursor", int, "pull")
    has_more = field(body, "has_more", bool, "pull")
    if len(checksum) != 16 or any(c not in "0123456789abcdef" for c in checksum):
        raise garbage("pull.checksum")
    if next_cursor < cursor or (has_more and not changes and not bad):  # would go back, or never end
        raise garbage("pull.next_cursor")
    return Page(changes, next_cursor, has_more, checksum, field(body, "epoch", str, "pull"),
                body.get("server_time"), tuple(bad))


@dataclass(frozen=True)
class Result:
    """One op's answer in a push (docs/sync-protocol.md, section 5)."""

    op_id: str
    client_seq: int
    status: str
    code: str | None
    message: str | None
    entity: str | None
    row: dict[str, Any] | None
    related: list[Change]
    raw: dict[str, Any]


def result(item: Any, sent_op_id: str, sent_seq: int) -> Result:
    if not isinstance(item, dict) or item.get("op_id") != sent_op_id or item.get("client_seq") != sent_seq:
        raise garbage("push.results")
    status = field(item, "status", str, "push.results")
    if status not in set(OpStatus):
        raise garbage("push.results.status")
    code, message, entity, row = item.get("code"), item.get("message"), item.get("entity"), item.get("row")
    if not all(v is None or isinstance(v, str) for v in (code, message, entity)):
        raise garbage("push.results")
    if row is not None:
        check_row(str(entity), item.get("entity_id"), row)
    related = [change(r, "push.results.related") for r in field(item, "related", list, "push.results")]
    return Result(sent_op_id, sent_seq, status, code, message, entity, row, related, item)


def results(body: dict[str, Any], sent: list[tuple[str, int]]) -> list[Result]:
    """The answers of a push, one per op sent, in the order sent (client_seq order)."""
    items = field(body, "results", list, "push")
    if len(items) != len(sent):
        raise garbage("push.results")
    return [result(item, op_id, seq) for item, (op_id, seq) in zip(items, sent, strict=True)]
