"""The scope checksum over the rows this counter holds (docs/sync-protocol.md, "Checksum").

Local rows are shaped exactly as the server sends them (app.sync.rows), so a copy that followed
every page hashes to the server's checksum. Rows of a record held back by local work count with
the server's version kept in ``sync_shadow`` (or not at all when the server has none), so local
work waiting for a 首席代表 is not taken for drift. Runs in a read session; O(rows of the scope).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy.orm import Session

from app.sync.checksum import row_hash, to_hex
from app.sync.protocol import (
    REF_CALENDAR,
    REF_CATALOGUE,
    REF_DISHONEST,
    Entity,
    hall_ref_scope,
    hall_scope,
)
from app.sync.rows import ENTITIES, entity_id, entity_row
from db.models import (
    Base,
    CalendarDay,
    Case,
    Department,
    DishonestParty,
    Enquiry,
    Hall,
    Matter,
    Notice,
    Parameter,
    Staff,
    Suspension,
    VoidNumber,
    Window,
)
from db.sync_repository import SyncRepository

# the hall's attendance rows travel in its work scope too (schedules, punches, imports, leave, 补签,
# 空岗, 查岗, published months), each table with its hall
ATTENDANCE_ENTITIES = (Entity.SCHEDULE, Entity.PUNCH, Entity.ATTENDANCE_IMPORT, Entity.LEAVE, Entity.MAKEUP,
                       Entity.EMPTY_POST, Entity.INSPECTION, Entity.ATTENDANCE_MONTH)
# ratings, 差评整改, appeals, and peer rounds / turnout / results (ballots never leave the server)
RATING_ENTITIES = (Entity.RATING, Entity.RATING_FOLLOWUP, Entity.RATING_APPEAL, Entity.PEER_ROUND,
                   Entity.PEER_TURNOUT, Entity.PEER_RESULT)
# the monthly appraisal: rules, 表扬信/锦旗, items, comments, quota approvals, published months
APPRAISAL_ENTITIES = (Entity.APPRAISAL_RULES, Entity.COMMENDATION, Entity.APPRAISAL_ITEM, Entity.APPRAISAL_COMMENT,
                      Entity.APPRAISAL_QUOTA, Entity.APPRAISAL_MONTH)


def _parts(scope: str, hall_id: str) -> list[tuple[str, type[Base], dict[str, Any]]]:
    """(entity, model, filter) of the local rows that make up ``scope``."""
    parts: dict[str, list[tuple[str, type[Base], dict[str, Any]]]] = {
        REF_CATALOGUE: [(Entity.DEPARTMENT, Department, {}), (Entity.MATTER, Matter, {})],
        REF_CALENDAR: [(Entity.CALENDAR_DAY, CalendarDay, {})],
        REF_DISHONEST: [(Entity.DISHONEST_PARTY, DishonestParty, {})],
        hall_ref_scope(hall_id, "windows"): [(Entity.HALL, Hall, {"id": hall_id}),
                                             (Entity.WINDOW, Window, {"hall_id": hall_id})],
        hall_ref_scope(hall_id, "staff"): [(Entity.STAFF, Staff, {"hall_id": hall_id})],
        hall_ref_scope(hall_id, "parameters"): [(Entity.PARAMETER, Parameter, {})],
        hall_scope(hall_id): [(Entity.CASE, Case, {"hall_id": hall_id}), (Entity.NOTICE, Notice, {}),
                              (Entity.SUSPENSION, Suspension, {}), (Entity.ENQUIRY, Enquiry, {"hall_id": hall_id}),
                              (Entity.VOID_NUMBER, VoidNumber, {"hall_id": hall_id}),
                              *((e, ENTITIES[e][0], {"hall_id": hall_id})
                                for e in (*ATTENDANCE_ENTITIES, *RATING_ENTITIES, *APPRAISAL_ENTITIES))],
    }
    return parts.get(scope, [])


def local_rows(s: Session, scope: str, hall_id: str) -> Iterator[tuple[str, str, dict[str, Any]]]:
    repo = SyncRepository(s)
    for entity, model, where in _parts(scope, hall_id):
        for obj in repo.all_rows(model, **where):
            if entity == Entity.PARAMETER:
                assert isinstance(obj, Parameter)
                yield entity, obj.key, {"key": obj.key, "value": obj.value}
            else:
                yield entity, entity_id(entity, obj), entity_row(entity, obj)


def local_checksum(s: Session, scope: str, hall_id: str) -> str:
    kept = {(sh.entity, sh.entity_id): sh.row for sh in SyncRepository(s).scope_shadows(scope)}
    total = sum(row_hash(e, i, r) for e, i, r in local_rows(s, scope, hall_id) if (e, i) not in kept)
    total += sum(row_hash(e, i, r) for (e, i), r in kept.items() if r is not None)
    return to_hex(total)
