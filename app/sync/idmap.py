"""A standalone store's reference ids mapped to the server's (docs/sync-protocol.md, section 4).

A PC set up from a hall file made its own ids for the hall, windows, staff, departments, matters
and their material templates; a server seeded from the same file made others. Both name the same
things by natural keys: the hall code, a window's number, a login, a department's and a matter's
code, a material template's matter code and place in the list. Calendar days, dishonest parties
and parameters are named by their natural keys already (day, id number, key) and need no mapping.

``plan`` compares the store with the server's reference scopes (``enrol.fetch``): the map local id
-> server id, and the local rows the server lacks (the enrolment is refused then). ``apply`` runs
in the caller's write transaction (foreign keys off): every counter table but the audit trail gets
the server's ids, the reference rows become the server's, the scopes' cursors are set from the
fetch, and the map is kept in sync_state (``ID_MAP``) for support: the audit trail keeps the old
ids (its hash chain must still verify) and its entries carry the actor's name besides.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from app.sync.apply import write_row
from app.sync.protocol import Entity
from db.models import (
    AuditEvent,
    CalendarDay,
    Department,
    DishonestParty,
    Hall,
    Matter,
    Parameter,
    Staff,
    SyncCursor,
    SyncState,
    Window,
)
from db.repositories import ReferenceRepository
from db.sync_repository import SyncRepository

if TYPE_CHECKING:
    from app.sync.enrol import Fetched as Fetch

ID_MAP = "enrol_id_map"  # sync_state: JSON [[entity, natural key, local id, server id], ...] mapped at enrolment
MATERIAL = "matter_material"
# tables whose ids are not rewritten: the audit chain (hashed), and the sync client's own bookkeeping
KEEP = (AuditEvent.__tablename__, SyncState.__tablename__, SyncCursor.__tablename__)
_LABELS: dict[str, str] = {Entity.WINDOW: "窗口", Entity.STAFF: "人员", Entity.DEPARTMENT: "部门",
                           Entity.MATTER: "事项"}
# reference rows named by their natural key: (model, key column, entity)
_KEYED = ((CalendarDay, "day", Entity.CALENDAR_DAY), (DishonestParty, "id_number", Entity.DISHONEST_PARTY),
          (Parameter, "key", Entity.PARAMETER))


@dataclass(frozen=True)
class Mapping:
    entity: str
    key: str
    local_id: str
    server_id: str


@dataclass(frozen=True)
class Plan:
    mapped: tuple[Mapping, ...]
    missing: tuple[str, ...]  # "窗口 03": local rows with no counterpart on the server
    hall_differs: bool  # the store is of another hall (its code is not the server hall's)

    @property
    def ids(self) -> dict[str, str]:
        """local id -> server id, for the ids that differ."""
        return {m.local_id: m.server_id for m in self.mapped if m.local_id != m.server_id}


def _local_keys(s: Session, hall_id: str) -> dict[tuple[str, str], str]:
    repo = SyncRepository(s)
    out: dict[tuple[str, str], str] = {}
    hall = s.get(Hall, hall_id)
    if hall is not None:
        out[(Entity.HALL, hall.code)] = hall.id
    for w in repo.all_rows(Window, hall_id=hall_id):
        assert isinstance(w, Window)
        out[(Entity.WINDOW, w.number)] = w.id
    for p in repo.all_rows(Staff, hall_id=hall_id):
        assert isinstance(p, Staff)
        out[(Entity.STAFF, p.login)] = p.id
    for d in repo.all_rows(Department):
        assert isinstance(d, Department)
        out[(Entity.DEPARTMENT, d.code)] = d.id
    for m in repo.all_rows(Matter):
        assert isinstance(m, Matter)
        out[(Entity.MATTER, m.code)] = m.id
        for material in m.materials:
            out[(MATERIAL, f"{m.code}#{material.seq}")] = material.id
    return out


def _server_keys(fetched: Sequence[Fetch]) -> dict[tuple[str, str], str]:
    natural: dict[str, str] = {Entity.HALL: "code", Entity.WINDOW: "number", Entity.STAFF: "login",
                               Entity.DEPARTMENT: "code", Entity.MATTER: "code"}
    out: dict[tuple[str, str], str] = {}
    for f in fetched:
        for c in f.changes:
            if c.entity not in natural:
                continue
            out[(c.entity, str(c.row[natural[c.entity]]))] = c.id
            if c.entity == Entity.MATTER:
                for material in c.row.get("materials", []):
                    out[(MATERIAL, f"{c.row['code']}#{material['seq']}")] = str(material["id"])
    return out


def plan(s: Session, hall_code: str, fetched: Sequence[Fetch]) -> Plan:
    """The map of this store's reference ids to the server's (``hall_code``: the server's hall)."""
    device = ReferenceRepository(s).device()
    hall = s.get(Hall, device.hall_id) if device is not None else None
    if device is None or hall is None or hall.code != hall_code:
        return Plan((), (), True)
    local = _local_keys(s, device.hall_id)
    server = _server_keys(fetched)
    mapped, missing = [], []
    for (entity, key), local_id in local.items():
        server_id = server.get((entity, key))
        if server_id is not None:
            mapped.append(Mapping(entity, key, local_id, server_id))
        elif entity in _LABELS:
            missing.append(f"{_LABELS[entity]} {key}")
        # a material template the server's catalogue no longer lists: the cases keep its old id
        # as a plain value (nothing refers to it by key), and the server's template list replaces it
    return Plan(tuple(mapped), tuple(sorted(missing)), False)


def apply(s: Session, planned: Plan, fetched: Sequence[Fetch], now: dt.datetime) -> None:
    """In the caller's write transaction (foreign keys off): the server's ids everywhere but the
    audit trail, the server's reference rows, their scopes' cursors, and the map kept."""
    repo = SyncRepository(s)
    s.flush()
    repo.rewrite_ids(planned.ids, KEEP)
    s.expire_all()
    kept: dict[str, set[Any]] = {entity: set() for _m, _c, entity in _KEYED}
    for f in fetched:
        for c in f.changes:
            write_row(s, c.entity, c.row)
            if c.entity in kept:
                kept[c.entity].add(c.row["key"] if c.entity == Entity.PARAMETER else c.id)
        s.flush()
        row = repo.cursor(f.scope)
        row.cursor, row.checksum, row.updated_at = f.cursor, f.checksum, now
    for model, column, entity in _KEYED:  # the server's reference data is the whole of it
        repo.drop_absent(model, column, {_key(model, column, v) for v in kept[entity]})
    repo.put(ID_MAP, json.dumps([[m.entity, m.key, m.local_id, m.server_id] for m in planned.mapped
                                 if m.local_id != m.server_id], ensure_ascii=False))


def _key(model: type[Any], column: str, value: Any) -> Any:
    """A fetched row's id as the local column holds it (a calendar day is a date here)."""
    if model is CalendarDay:
        return dt.date.fromisoformat(str(value))
    return value
