"""Reference data on the server: the demo hall, a hall taken over from a counter's store, and
publishing reference rows into their pull scopes.

Reference data is read-only for devices; it changes only here (and, later, through an admin
API). Every change is published with the same change sequence as work rows, so a device pulls
it like anything else. Each function is one write transaction; a bad hall or catalogue file
raises app's HallFileError/CatalogueError (listing every problem) before anything is written.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth import hash_password
from app.catalogue import load_catalogue
from app.catalogue_service import write_catalogue
from app.context import DEFAULT_PARAMETERS
from app.ids import uuid7
from app.setup import assign_posts, demo_files, load_hall_file, staff_role_columns
from app.sync.protocol import REF_CALENDAR, REF_CATALOGUE, REF_DISHONEST, Entity, hall_ref_scope, hall_scope
from app.sync.rows import entity_id, entity_row, parameter_row
from app.workcal import official_exceptions, official_years
from db.engine import Database
from db.models import (
    Base,
    CalendarDay,
    Department,
    Device,
    DishonestParty,
    Hall,
    Matter,
    MatterMaterial,
    Parameter,
    Staff,
    Window,
)
from server.changes import lock_scopes, record_change
from server.engine import ServerDatabase
from server.schema import HallParameter

# copied from a counter's store in this order (foreign keys point backwards)
REFERENCE_MODELS: tuple[type[Base], ...] = (
    Department, Hall, Window, Staff, Matter, MatterMaterial, CalendarDay, DishonestParty,
)


def _publish(s: Session, scope_rows: dict[str, list[tuple[str, Base]]], now: dt.datetime) -> int:
    counters = lock_scopes(s, scope_rows)
    changed = 0
    for scope, rows in scope_rows.items():
        for entity, obj in rows:
            seq = record_change(s, counters[scope], entity, entity_id(entity, obj), entity_row(entity, obj),
                                op_id=None, at=now)
            changed += seq is not None
    return changed


def _parameters(s: Session, hall_id: str, now: dt.datetime) -> int:
    scope = hall_ref_scope(hall_id, "parameters")
    counter = lock_scopes(s, [scope])[scope]
    changed = 0
    for p in s.scalars(select(HallParameter).where(HallParameter.hall_id == hall_id)):
        seq = record_change(s, counter, Entity.PARAMETER, p.key, parameter_row(p.key, p.value), op_id=None, at=now)
        changed += seq is not None
    return changed


def publish_reference(s: Session, now: dt.datetime) -> int:
    """Record every reference row in its scope; unchanged rows add nothing. Returns rows changed."""
    def rows(entity: str, model: type[Base], **where: Any) -> list[tuple[str, Base]]:
        return [(entity, o) for o in s.scalars(select(model).filter_by(**where))]

    scope_rows: dict[str, list[tuple[str, Base]]] = {
        REF_CATALOGUE: rows(Entity.DEPARTMENT, Department) + rows(Entity.MATTER, Matter),
        REF_CALENDAR: rows(Entity.CALENDAR_DAY, CalendarDay),
        REF_DISHONEST: rows(Entity.DISHONEST_PARTY, DishonestParty),
    }
    halls = list(s.scalars(select(Hall)))
    for hall in halls:
        windows = rows(Entity.WINDOW, Window, hall_id=hall.id)
        scope_rows[hall_ref_scope(hall.id, "windows")] = [(Entity.HALL, hall), *windows]
        scope_rows[hall_ref_scope(hall.id, "staff")] = rows(Entity.STAFF, Staff, hall_id=hall.id)
    changed = _publish(s, scope_rows, now)
    for hall in halls:
        changed += _parameters(s, hall.id, now)
        lock_scopes(s, [hall_scope(hall.id)])  # the work scope exists from the start
    return changed


def _write_hall(s: Session, data: dict[str, Any], hashes: dict[str, str]) -> Hall:
    h = data["hall"]
    hall = Hall(id=uuid7(), code=h["code"], name=h["name"], agency_name=h.get("agency_name", ""),
                phone=h.get("phone", ""), complaint_phone=h.get("complaint_phone", "12345"),
                address=h.get("address", ""))
    s.add(hall)
    s.flush()
    depts = {d.code: d.id for d in s.scalars(select(Department))}
    windows = {}
    for w in data["windows"]:
        number = str(w["number"]).strip()
        windows[number] = Window(id=uuid7(), hall_id=hall.id, number=number, name=w["name"],
                                 department_id=depts.get(w.get("department_code", "")),
                                 zone=str(w.get("zone") or "").strip()[:32])
    s.add_all(windows.values())
    s.flush()
    staff = []
    for p in data["staff"]:
        window = windows.get(str(p.get("window_number") or "").strip())
        staff.append(Staff(id=uuid7(), hall_id=hall.id, login=p["login"].strip(), name=p["name"],
                           password_hash=hashes[p["login"].strip()], **staff_role_columns(p), active=True,
                           window_id=window.id if window else None,
                           department_id=depts.get(p.get("department_code", "")),
                           staff_no=str(p.get("staff_no") or "").strip()))
    s.add_all(staff)
    assign_posts(data["windows"], windows, staff)
    params = {**DEFAULT_PARAMETERS, **data.get("parameters", {})}
    s.add_all(HallParameter(hall_id=hall.id, key=k, value=str(v)) for k, v in params.items())
    for d in data.get("dishonest_parties", []):
        s.merge(DishonestParty(id_number=d["id_number"], name=d["name"], reason=d.get("reason", "")))
    return hall


def _official_calendar(s: Session) -> None:
    if s.scalar(select(CalendarDay).limit(1)) is None:
        s.add_all(CalendarDay(day=e.day, is_workday=e.is_workday, name=e.name, source="official")
                  for e in official_exceptions(official_years()))


def seed_hall(db: ServerDatabase, hall_file: Path, catalogue_file: Path, now: dt.datetime) -> str | None:
    """Load a hall file and a catalogue (as a counter's first-run setup does); returns the new
    hall's id, or None when a hall with that code is already on the server (nothing changes)."""
    hall_data = load_hall_file(hall_file)
    catalogue = load_catalogue(catalogue_file)
    with db.snapshot() as s:
        if s.scalar(select(Hall).where(Hall.code == hall_data.code)) is not None:
            return None
    hashes = {p["login"].strip(): hash_password(p["password"]) for p in hall_data.data["staff"]}
    with db.write() as s:
        write_catalogue(s, catalogue)
        s.flush()
        hall = _write_hall(s, hall_data.data, hashes)
        _official_calendar(s)
        s.flush()
        publish_reference(s, now)
        return hall.id


def seed_demo(db: ServerDatabase, now: dt.datetime) -> str | None:
    """The bundled demo hall (resources/demo): logins as in README, password demo1234."""
    hall_file, catalogue_file = demo_files()
    return seed_hall(db, hall_file, catalogue_file, now)


def import_counter_store(db: ServerDatabase, store: Path, now: dt.datetime, key: bytes | None = None) -> str:
    """Take over a hall from a counter's local store (encrypted: with its ``key``), keeping every
    reference id, so the ops that counter recorded while standalone apply here unchanged. Returns the hall id."""
    source = Database(store, key)
    try:
        with source.read() as src, db.write() as s:
            for model in REFERENCE_MODELS:
                for obj in src.scalars(select(model)):
                    s.merge(_copy(obj))
                s.flush()
            device = src.scalar(select(Device))
            if device is None:
                raise ValueError(f"{store} is not a counter store that has been set up")
            for p in src.scalars(select(Parameter)):
                s.merge(HallParameter(hall_id=device.hall_id, key=p.key, value=p.value))
            s.flush()
            publish_reference(s, now)
            return device.hall_id
    finally:
        source.dispose()


def _copy(obj: Base) -> Base:
    table = obj.__table__
    values = {c.key: getattr(obj, c.key) for c in table.columns}
    return type(obj)(**values)
