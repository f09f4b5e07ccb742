"""First-run setup of a counter: the demo hall, its staff, calendar and catalogue.

The hall file format is ``counter-desk-hall/1`` (see resources/demo/hall.json).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from app.auth import hash_password
from app.catalogue import load_catalogue
from app.catalogue_service import CatalogueService
from app.context import DEFAULT_PARAMETERS, AppContext
from app.ids import uuid7
from app.resources import resource_path
from app.workcal import official_exceptions, official_years
from db.models import CalendarDay, Device, DishonestParty, Hall, Parameter, Staff, Window
from db.repositories import ReferenceRepository


def is_set_up(ctx: AppContext) -> bool:
    with ctx.db.read() as s:
        return not ReferenceRepository(s).is_empty()


def ensure_demo(ctx: AppContext, window_number: str = "01") -> None:
    """Load the bundled demo hall if this store is empty; a no-op afterwards."""
    if is_set_up(ctx):
        return
    setup_hall(ctx, resource_path("demo", "hall.json"), resource_path("demo", "catalogue.json"),
               window_number=window_number)


def setup_hall(ctx: AppContext, hall_file: Path, catalogue_file: Path, *, window_number: str) -> None:
    catalogue = load_catalogue(catalogue_file)
    CatalogueService(ctx).import_catalogue(catalogue)
    data: dict[str, Any] = json.loads(hall_file.read_text(encoding="utf-8"))
    with ctx.action() as s:
        ref = ReferenceRepository(s)
        h = data["hall"]
        hall = Hall(id=uuid7(), code=h["code"], name=h["name"], agency_name=h.get("agency_name", ""),
                    phone=h.get("phone", ""), complaint_phone=h.get("complaint_phone", "12345"),
                    address=h.get("address", ""))
        s.add(hall)
        windows = _windows(ref, hall.id, data.get("windows", []))
        s.add_all(windows.values())
        s.flush()
        s.add_all(_staff(ref, hall.id, windows, data.get("staff", [])))
        s.add_all(DishonestParty(id_number=d["id_number"], name=d["name"], reason=d.get("reason", ""))
                  for d in data.get("dishonest_parties", []))
        params = {**DEFAULT_PARAMETERS, **data.get("parameters", {})}
        s.add_all(Parameter(key=k, value=str(v)) for k, v in params.items())
        s.add_all(CalendarDay(day=e.day, is_workday=e.is_workday, name=e.name, source="official")
                  for e in official_exceptions(official_years()))
        window = windows.get(window_number)
        s.add(Device(id=uuid7(), hall_id=hall.id, window_id=window.id if window else None,
                     name=f"{hall.name} {window_number}号窗口", standalone=True, created_at=ctx.clock.now()))
    ctx.reload_reference()


def _windows(ref: ReferenceRepository, hall_id: str, rows: list[dict[str, Any]]) -> dict[str, Window]:
    out = {}
    for w in rows:
        dept = ref.department_by_code(w.get("department_code", ""))
        out[w["number"]] = Window(id=uuid7(), hall_id=hall_id, number=w["number"], name=w["name"],
                                  department_id=dept.id if dept else None)
    return out


def _staff(
    ref: ReferenceRepository, hall_id: str, windows: dict[str, Window], rows: list[dict[str, Any]]
) -> list[Staff]:
    out = []
    for p in rows:
        dept = ref.department_by_code(p.get("department_code", ""))
        window = windows.get(p.get("window_number", ""))
        out.append(Staff(
            id=uuid7(), hall_id=hall_id, login=p["login"], name=p["name"],
            password_hash=hash_password(p["password"]), role=p["role"],
            window_id=window.id if window else None, department_id=dept.id if dept else None,
        ))
    return out


def hall_name(ctx: AppContext) -> str:
    with ctx.db.read() as s:
        ref = ReferenceRepository(s)
        device = ref.device()
        hall = ref.hall(device.hall_id) if device else None
        return hall.name if hall else ""
