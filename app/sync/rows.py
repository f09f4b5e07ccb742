"""Row shapes that travel in sync: ORM row -> JSON-safe dict, and back to column values.

The server builds pull rows and answer rows with these functions; the counter builds the same
dicts from its own rows to recompute a scope's checksum (app.sync.checksum), so both sides must
use them. A row is its table's columns (dates and times as ISO 8601 text, naive as stored),
except: a case embeds its materials (the outbox snapshot, app.cases.views.case_snapshot) and a
matter embeds its material templates with their ids (MaterialCheck.material_id refers to them).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import Date, DateTime, FromClause, Table

from app.cases.views import case_snapshot
from app.sync.protocol import Entity
from db.models import (
    AppraisalComment,
    AppraisalItem,
    AppraisalMonth,
    AppraisalQuota,
    AppraisalRules,
    AttendanceImport,
    AttendanceMonth,
    AttendanceSchedule,
    Base,
    CalendarDay,
    Case,
    CaseMaterial,
    Commendation,
    Department,
    DishonestParty,
    EmptyPost,
    Enquiry,
    Hall,
    Inspection,
    LeaveRequest,
    Matter,
    Notice,
    PeerResult,
    PeerRound,
    PeerTurnout,
    Punch,
    PunchMakeup,
    Rating,
    RatingAppeal,
    RatingFollowup,
    Staff,
    Suspension,
    VoidNumber,
    Window,
)

# entity -> (ORM class, column giving the id the protocol names the row by)
ENTITIES: dict[str, tuple[type[Base], str]] = {
    Entity.CASE: (Case, "id"),
    Entity.NOTICE: (Notice, "id"),
    Entity.ENQUIRY: (Enquiry, "id"),
    Entity.SUSPENSION: (Suspension, "id"),
    Entity.VOID_NUMBER: (VoidNumber, "id"),
    Entity.HALL: (Hall, "id"),
    Entity.WINDOW: (Window, "id"),
    Entity.STAFF: (Staff, "id"),
    Entity.DEPARTMENT: (Department, "id"),
    Entity.MATTER: (Matter, "id"),
    Entity.CALENDAR_DAY: (CalendarDay, "day"),
    Entity.DISHONEST_PARTY: (DishonestParty, "id_number"),
    Entity.SCHEDULE: (AttendanceSchedule, "id"),
    Entity.PUNCH: (Punch, "id"),
    Entity.ATTENDANCE_IMPORT: (AttendanceImport, "id"),
    Entity.LEAVE: (LeaveRequest, "id"),
    Entity.MAKEUP: (PunchMakeup, "id"),
    Entity.EMPTY_POST: (EmptyPost, "id"),
    Entity.INSPECTION: (Inspection, "id"),
    Entity.ATTENDANCE_MONTH: (AttendanceMonth, "id"),
    Entity.RATING: (Rating, "id"),
    Entity.RATING_FOLLOWUP: (RatingFollowup, "id"),
    Entity.RATING_APPEAL: (RatingAppeal, "id"),
    Entity.PEER_ROUND: (PeerRound, "id"),
    Entity.PEER_TURNOUT: (PeerTurnout, "id"),
    Entity.PEER_RESULT: (PeerResult, "id"),
    Entity.APPRAISAL_RULES: (AppraisalRules, "id"),
    Entity.COMMENDATION: (Commendation, "id"),
    Entity.APPRAISAL_ITEM: (AppraisalItem, "id"),
    Entity.APPRAISAL_COMMENT: (AppraisalComment, "id"),
    Entity.APPRAISAL_QUOTA: (AppraisalQuota, "id"),
    Entity.APPRAISAL_MONTH: (AppraisalMonth, "id"),
}


def _json_value(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date | dt.datetime) else value


def columns_row(obj: Base) -> dict[str, Any]:
    """Every column of ``obj``'s table, JSON-safe."""
    table = obj.__table__
    assert isinstance(table, Table)
    return {c.key: _json_value(getattr(obj, c.key)) for c in table.columns}


def matter_row(matter: Matter) -> dict[str, Any]:
    out = columns_row(matter)
    out["materials"] = [columns_row(m) for m in matter.materials]
    return out


def entity_row(entity: str, obj: Base) -> dict[str, Any]:
    """The row of ``entity`` as pulled and echoed."""
    if entity == Entity.CASE:
        assert isinstance(obj, Case)
        return case_snapshot(obj)
    if entity == Entity.MATTER:
        assert isinstance(obj, Matter)
        return matter_row(obj)
    return columns_row(obj)


# the columns of a case's material as its row embeds them (app.cases.views.case_snapshot)
CASE_MATERIAL_KEYS = tuple(c.key for c in CaseMaterial.__table__.columns if c.key not in ("id", "case_id"))


def mapping_row(table: FromClause, values: Mapping[Any, Any]) -> dict[str, Any]:
    """``columns_row`` of a row read as plain column values (a Core select) instead of an ORM object."""
    return {c.key: _json_value(values[c.key]) for c in table.columns}


def case_mapping_row(values: Mapping[Any, Any], materials: Sequence[Mapping[Any, Any]]) -> dict[str, Any]:
    """``case_snapshot`` of a case read as plain column values, with its material rows in seq order."""
    out = mapping_row(Case.__table__, values)
    out["materials"] = [{k: m[k] for k in CASE_MATERIAL_KEYS} for m in materials]
    return out


def entity_id(entity: str, obj: Base) -> str:
    return str(_json_value(getattr(obj, ENTITIES[entity][1])))


def parameter_row(key: str, value: str) -> dict[str, Any]:
    """Hall parameters travel as ``{"key", "value"}`` rows named by their key."""
    return {"key": key, "value": value}


def parse_column(table: FromClause, key: str, value: Any) -> Any:
    """A JSON value back into what the column holds (ISO text -> date/datetime)."""
    if value is None:
        return None
    col_type = table.columns[key].type
    if isinstance(col_type, DateTime):
        return dt.datetime.fromisoformat(str(value))
    if isinstance(col_type, Date):
        return dt.date.fromisoformat(str(value))
    return value


def _parse_datetime(value: Any) -> dt.datetime:
    return dt.datetime.fromisoformat(str(value))


def _parse_date(value: Any) -> dt.date:
    return dt.date.fromisoformat(str(value))


_PARSERS: dict[FromClause, list[tuple[str, Callable[[Any], Any] | None]]] = {}


def _parsers(table: FromClause) -> list[tuple[str, Callable[[Any], Any] | None]]:
    """(column key, what turns its JSON value into the column's, None: as is), computed once per
    table: a pulled page parses tens of thousands of rows."""
    out = _PARSERS.get(table)
    if out is None:
        out = [(c.key, _parse_datetime if isinstance(c.type, DateTime) else _parse_date if isinstance(c.type, Date)
                else None) for c in table.columns]
        _PARSERS[table] = out
    return out


def column_values(table: FromClause, row: Mapping[str, Any]) -> dict[str, Any]:
    """The column values of ``row`` for ``table`` (as ``parse_column``); keys that are not columns
    are ignored.

    Raises ValueError on a date or time that does not parse.
    """
    out: dict[str, Any] = {}
    for key, parse in _parsers(table):
        if key in row:
            value = row[key]
            out[key] = parse(value) if parse is not None and value is not None else value
    return out
