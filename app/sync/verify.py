"""The scope checksum over the rows this counter holds (docs/sync-protocol.md, "Checksum").

Local rows are shaped exactly as the server sends them (app.sync.rows), so a copy that followed
every page hashes to the server's checksum. Rows of a record held back by local work count with
the server's version kept in ``sync_shadow`` (or not at all when the server has none), so local
work waiting for a 首席代表 is not taken for drift. ``local_checksum`` runs in a read session,
O(rows of the scope); ``keys_sum`` is what some rows add to it, for the running checksum of a pull
(app.sync.running).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from sqlalchemy import Table
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
from app.sync.rows import ENTITIES, case_mapping_row, entity_id, entity_row, mapping_row, parse_column
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


def _hashes(s: Session, scope: str, hall_id: str,
            ids: dict[str, list[str]] | None = None) -> Iterator[tuple[tuple[str, str], int]]:
    """((entity, id), row hash) of the local rows of ``scope``: all of them, or those with these
    ids per entity. Rows are read as plain column values (Core), not as ORM objects."""
    repo = SyncRepository(s)
    for entity, model, where in _parts(scope, hall_id):
        wanted = None if ids is None else ids.get(entity)
        if ids is not None and not wanted:
            continue
        for i, row in _shaped(repo, entity, model, where, wanted):
            yield (entity, i), row_hash(entity, i, row)


def _shaped(repo: SyncRepository, entity: str, model: type[Base], where: dict[str, Any],
            ids: list[str] | None) -> Iterator[tuple[str, dict[str, Any]]]:
    if entity in (Entity.PARAMETER, Entity.MATTER):  # reference rows: few, kept in the ORM's shape
        for obj in repo.all_rows(model, **where):
            i = obj.key if isinstance(obj, Parameter) else entity_id(entity, obj)
            if ids is None or i in ids:
                yield i, ({"key": obj.key, "value": obj.value} if isinstance(obj, Parameter)
                          else entity_row(entity, obj))
        return
    table = model.__table__
    assert isinstance(table, Table)
    key = ENTITIES[entity][1]
    rows = repo.table_rows(table, where, key, None if ids is None else _keys(table, key, ids))
    if entity == Entity.CASE:
        of = [r["id"] for r in rows] if ids is not None else None
        materials = repo.case_materials(of, hall_id=where.get("hall_id"))
        for r in rows:
            yield str(r["id"]), case_mapping_row(r, materials.get(r["id"], []))
        return
    for r in rows:
        row = mapping_row(table, r)
        yield str(row[key]), row


def _keys(table: Table, key: str, ids: list[str]) -> list[Any]:
    """The protocol's ids as the key column holds them (a calendar day is a date)."""
    return [parse_column(table, key, i) for i in ids]


def local_rows(s: Session, scope: str, hall_id: str) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """Every local row of ``scope`` as the server sends it (ORM objects; for tests and repair tools)."""
    repo = SyncRepository(s)
    for entity, model, where in _parts(scope, hall_id):
        for obj in repo.all_rows(model, **where):
            if entity == Entity.PARAMETER:
                assert isinstance(obj, Parameter)
                yield entity, obj.key, {"key": obj.key, "value": obj.value}
            else:
                yield entity, entity_id(entity, obj), entity_row(entity, obj)


def local_checksum(s: Session, scope: str, hall_id: str) -> str:
    """Recomputed over every local row of the scope (O(rows)): the full check, and the start of a
    running sum (app.sync.running)."""
    kept = {(sh.entity, sh.entity_id): sh.row for sh in SyncRepository(s).scope_shadows(scope)}
    total = sum(h for k, h in _hashes(s, scope, hall_id) if k not in kept)
    total += sum(row_hash(e, i, r) for (e, i), r in kept.items() if r is not None)
    return to_hex(total)


def keys_sum(s: Session, scope: str, hall_id: str, keys: Iterable[tuple[str, str]]) -> int:
    """What the rows ``keys`` add to ``local_checksum`` now (not reduced modulo 2^64): taken before
    and after a page is written, the difference keeps a running checksum up to date."""
    wanted = set(keys)
    kept = {k: row for k, (sc, row) in SyncRepository(s).shadow_rows(wanted).items() if sc == scope}
    ids: dict[str, list[str]] = {}
    for e, i in wanted:
        if (e, i) not in kept:
            ids.setdefault(e, []).append(i)
    total = sum(h for _, h in _hashes(s, scope, hall_id, ids)) if ids else 0
    return total + sum(row_hash(e, i, r) for (e, i), r in kept.items() if r is not None)


def shaped_sum(scope: str, hall_id: str, rows: Mapping[tuple[str, str], dict[str, Any]]) -> int:
    """What these rows, shaped as they read locally, add to ``local_checksum`` (those of them that
    are part of ``scope``), when no kept version stands for them."""
    parts = {entity: where for entity, _, where in _parts(scope, hall_id)}
    total = 0
    for (entity, i), row in rows.items():
        where = parts.get(entity)
        if where is not None and all(row.get(k) == v for k, v in where.items()):
            total += row_hash(entity, i, row)
    return total
