"""Row shapes that travel in sync: ORM row -> JSON-safe dict, and back to column values.

The server builds pull rows and answer rows with these functions; the counter builds the same
dicts from its own rows to recompute a scope's checksum (app.sync.checksum), so both sides must
use them. A row is its table's columns (dates and times as ISO 8601 text, naive as stored),
except: a case embeds its materials (the outbox snapshot, app.cases.views.case_snapshot) and a
matter embeds its material templates with their ids (MaterialCheck.material_id refers to them).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
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


def column_values(table: FromClause, row: Mapping[str, Any]) -> dict[str, Any]:
    """The column values of ``row`` for ``table``; keys that are not columns are ignored.

    Raises ValueError on a date or time that does not parse.
    """
    return {c.key: parse_column(table, c.key, row[c.key]) for c in table.columns if c.key in row}
