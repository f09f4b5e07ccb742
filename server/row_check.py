"""Find and repair stored rows a counter would refuse (``python -m server check-rows [--repair]``).

Defence in depth behind server.validation: a row stored before the strict checks existed (or by a bug)
that does not pass the counter's own check of a pulled row (app.sync.shapes.check_row) makes every
counter of its hall skip it and say so on the status line (app.sync.pull). This finds every such
current row of every scope and, with ``--repair``, writes a repaired version: each value that does not
fit its column is made to fit (an integer written as text becomes the integer when it is one, a
number beyond the column's range or an impossible value falls back to the column's default, a lone
surrogate or control character in a text becomes U+FFFD), in the table and as a new change of the
scope, so the counters pull it and the skipped row is settled. What cannot be repaired that way
(a required date that does not parse) is listed for a person. Every repair is logged.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import JSON, Boolean, Date, DateTime, Integer, String, Text, select
from sqlalchemy.orm import Session

from app.sync import shapes
from app.sync.rows import ENTITIES, entity_row, parse_column
from db.models import Case, CaseMaterial
from server.changes import lock_scopes, record_change
from server.schema import ChangeLog, ScopeRow

log = logging.getLogger(__name__)
INT32 = 2**31 - 1
_BAD_CHARS = re.compile("[\ud800-\udfff\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class BadRow:
    scope: str
    entity: str
    id: str
    field: str
    seq: int


def find_bad_rows(s: Session) -> Iterator[BadRow]:
    """Every current row of every scope that app.sync.shapes.check_row refuses."""
    current = (select(ScopeRow.scope, ScopeRow.entity, ScopeRow.entity_id, ScopeRow.seq, ChangeLog.row)
               .join(ChangeLog, (ChangeLog.scope == ScopeRow.scope) & (ChangeLog.seq == ScopeRow.seq))
               .order_by(ScopeRow.scope, ScopeRow.seq))
    for scope, entity, entity_id, seq, row in s.execute(current).yield_per(2000):
        problem = shapes.row_problem(entity, entity_id, row)
        if problem is not None:
            yield BadRow(scope, entity, entity_id, problem, seq)


def _default(col: Any) -> Any:
    arg = getattr(col.default, "arg", None) if col.default is not None else None
    if arg is not None and not callable(arg):
        return arg
    if col.nullable:
        return None
    return {Integer: 0, Boolean: False, String: "", Text: ""}.get(type(col.type))


def _fixed(col: Any, value: Any) -> tuple[bool, Any]:
    """(repairable, the value that fits ``col``)."""
    kind = col.type
    if isinstance(kind, Boolean):
        if isinstance(value, int) and value in (0, 1):
            return True, bool(value)
        return True, _default(col)
    if isinstance(kind, Integer):
        if isinstance(value, str) and re.fullmatch(r"-?\d{1,10}", value.strip()) and abs(int(value)) <= INT32:
            return True, int(value)
        if isinstance(value, float) and value.is_integer() and abs(value) <= INT32:
            return True, int(value)
        return True, _default(col)
    if isinstance(kind, String | Text):
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        text = _BAD_CHARS.sub("\ufffd", text)
        length = getattr(kind, "length", None)
        return True, text[:length] if length else text
    if isinstance(kind, DateTime | Date):
        return col.nullable, None
    return True, value


def _repair_values(table: Any, row: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The columns of ``row`` that must change, with their fitting values; and what cannot be repaired."""
    changes: dict[str, Any] = {}
    manual: list[str] = []
    for col in table.columns:
        if col.key not in row or isinstance(col.type, JSON):
            continue
        value = row[col.key]
        if (value is None and col.nullable) or (value is not None and shapes.value_ok(col.type, value)):
            continue
        ok, fixed = _fixed(col, value)
        if ok:
            changes[col.key] = fixed
        else:
            manual.append(col.key)
    return changes, manual


def repair(s: Session, bad: BadRow, now: dt.datetime) -> list[str]:
    """Write a repaired version of ``bad`` (table row and a new change); returns the fields a person
    must repair (none: done)."""
    if bad.entity not in ENTITIES:
        return [bad.field]
    model, _key = ENTITIES[bad.entity]
    obj = s.get(model, bad.id)
    if obj is None:
        return [bad.field]
    values, manual = _repair_values(model.__table__, entity_row(bad.entity, obj))
    for key, value in values.items():
        setattr(obj, key, parse_column(model.__table__, key, value))
    if isinstance(obj, Case):
        for m in obj.materials:
            fix, more = _repair_values(CaseMaterial.__table__, {c.key: getattr(m, c.key)
                                                                for c in CaseMaterial.__table__.columns})
            for key, value in fix.items():
                setattr(m, key, value)
            manual += [f"materials.{k}" for k in more]
    s.flush()
    row = entity_row(bad.entity, obj)
    if shapes.row_problem(bad.entity, bad.id, row) is not None:
        return manual or [bad.field]
    counter = lock_scopes(s, [bad.scope])[bad.scope]
    record_change(s, counter, bad.entity, bad.id, row, op_id=None, at=now, force=True)
    log.warning("repaired %s %s of %s (%s): %s", bad.entity, bad.id, bad.scope, bad.field, sorted(values))
    return manual

