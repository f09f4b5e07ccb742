"""First-run setup of a counter: the hall (its windows, staff, parameters), the catalogue and
the calendar, and which window this PC serves.

The hall file format is ``counter-desk-hall/1`` (see resources/demo/hall.json and
docs/hall-format.md). A hall file is checked as a whole before anything is written: every
problem is listed at once, and a refused file leaves the store empty.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from app.auth import hash_password
from app.catalogue import Catalogue, load_catalogue
from app.catalogue_service import write_catalogue
from app.context import DEFAULT_PARAMETERS, AppContext
from app.errors import InvalidInput
from app.ids import uuid7
from app.numbering import STATION
from app.permissions import ROLE_LABELS, Role, format_roles, known_roles
from app.resources import resource_path
from app.settings_service import check_parameter
from app.store_access import StoreAccess
from app.workcal import official_exceptions, official_years
from db.models import CalendarDay, Device, DishonestParty, Hall, Parameter, Staff, Window
from db.repositories import ReferenceRepository

HALL_FORMAT = "counter-desk-hall/1"
MIN_PASSWORD = 8
MAX_LISTED = 30


class HallFileError(InvalidInput):
    """The hall file cannot be used; ``errors`` lists every problem found."""

    def __init__(self, errors: list[str], name: str) -> None:
        lines = [f"大厅资料文件“{name}”有 {len(errors)} 处错误："]
        lines += [f"{i}. {e}" for i, e in enumerate(errors[:MAX_LISTED], 1)]
        if len(errors) > MAX_LISTED:
            lines.append(f"……另有 {len(errors) - MAX_LISTED} 处错误未列出")
        super().__init__("\n".join(lines))
        self.errors = tuple(errors)


@dataclass(frozen=True)
class WindowChoice:
    number: str
    name: str

    @property
    def label(self) -> str:
        return f"{self.number}号窗口 {self.name}"


@dataclass(frozen=True)
class HallFile:
    """A checked hall file: what the setup screen shows and what setup writes."""

    path: Path
    code: str
    name: str
    windows: tuple[WindowChoice, ...]
    staff_count: int
    data: dict[str, Any]


def demo_files() -> tuple[Path, Path]:
    return resource_path("demo", "hall.json"), resource_path("demo", "catalogue.json")


def is_set_up(ctx: AppContext) -> bool:
    with ctx.db.read() as s:
        return not ReferenceRepository(s).is_empty()


def ensure_demo(ctx: AppContext, window_number: str = "01") -> None:
    """Load the bundled demo hall if this store is empty; a no-op afterwards."""
    if is_set_up(ctx):
        return
    hall, catalogue = demo_files()
    setup_hall(ctx, hall, catalogue, window_number=window_number)


def load_hall_file(path: Path) -> HallFile:
    """Read and check a hall file; HallFileError lists every problem."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise HallFileError([f"找不到文件 {path}"], path.name) from exc
    except PermissionError as exc:
        raise HallFileError(["没有读取该文件的权限"], path.name) from exc
    except OSError as exc:
        raise HallFileError([f"无法读取：{exc.strerror or exc}"], path.name) from exc
    except UnicodeDecodeError as exc:
        raise HallFileError(["文件不是 UTF-8 编码"], path.name) from exc
    except json.JSONDecodeError as exc:
        raise HallFileError([f"不是有效的 JSON（第 {exc.lineno} 行第 {exc.colno} 列）"], path.name) from exc
    if not isinstance(data, dict) or data.get("format") != HALL_FORMAT:
        raise HallFileError([f"不是窗口工作台大厅资料文件（“format”应为“{HALL_FORMAT}”）"], path.name)
    errors = _hall_errors(data)
    if errors:
        raise HallFileError(errors, path.name)
    windows = tuple(WindowChoice(str(w["number"]), str(w["name"])) for w in data["windows"])
    return HallFile(path, data["hall"]["code"], data["hall"]["name"], windows, len(data["staff"]), data)


def _hall_errors(data: dict[str, Any]) -> list[str]:
    errors: list[str] = []
    hall = data.get("hall")
    if not isinstance(hall, dict) or not str(hall.get("code", "")).strip() or not str(hall.get("name", "")).strip():
        errors.append("“hall”应写明大厅代码 code 和名称 name")
    windows = _records(data, "windows", errors)
    numbers = [str(w.get("number", "")).strip() for w in windows]
    marks = [number.upper() for number in numbers]  # a standalone PC's numbers carry it in capitals
    for i, (w, number) in enumerate(zip(windows, numbers, strict=True), 1):
        if not number or not str(w.get("name", "")).strip():
            errors.append(f"窗口第 {i} 条：应有窗口号 number 和名称 name")
        elif not STATION.fullmatch(number):
            errors.append(f"窗口第 {i} 条：窗口号“{number}”只能是 1 至 8 位字母或数字"
                          "（本机单机使用时，窗口号印在办件和文书编号中）")
        elif marks.count(number.upper()) > 1 and marks.index(number.upper()) == i - 1:
            errors.append(f"窗口号 {number} 重复")
    if not windows:
        errors.append("至少应有一个窗口")
    staff = _records(data, "staff", errors)
    errors += _staff_errors(staff, set(numbers))
    errors += _post_errors(windows, {str(p.get("login", "")).strip() for p in staff})
    for key, value in (data.get("parameters") or {}).items():
        try:
            check_parameter(str(key), str(value))
        except InvalidInput as exc:
            errors.append(exc.message)
    return errors


def _post_errors(windows: list[dict[str, Any]], logins: set[str]) -> list[str]:
    """AB岗: a window's ``a_post`` / ``b_post`` name people of the staff list, two different ones."""
    errors = []
    for w in windows:
        for key, label in (("a_post", "A岗"), ("b_post", "B岗")):
            login = str(w.get(key) or "").strip()
            if login and login not in logins:
                errors.append(f"窗口 {w.get('number', '')} 的{label}“{login}”不在人员名单中")
        if w.get("a_post") and w.get("a_post") == w.get("b_post"):
            errors.append(f"窗口 {w.get('number', '')} 的A岗和B岗不能是同一人")
    return errors


def _records(data: dict[str, Any], key: str, errors: list[str]) -> list[dict[str, Any]]:
    rows = data.get(key, [])
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        errors.append(f"“{key}”应为对象列表")
        return []
    return rows


ROLE_CHOICES = "、".join(f"{r.value}（{ROLE_LABELS[r]}）" for r in Role)


def hall_file_roles(p: dict[str, Any]) -> list[str]:
    """The roles of a hall file's person: ``roles`` (a list of codes) or the older single ``role``;
    empty when any code is unknown."""
    raw = p.get("roles", [p.get("role")] if p.get("role") else [])
    codes = [str(r).strip() for r in raw] if isinstance(raw, list) else str(raw).replace(",", " ").split()
    return codes if known_roles(codes) else []


def staff_role_columns(p: dict[str, Any]) -> dict[str, str]:
    """``role`` (the first) and ``roles`` of a staff row from a checked hall file's person."""
    roles = format_roles(hall_file_roles(p))
    return {"role": roles.split()[0], "roles": roles}


def _staff_errors(staff: list[dict[str, Any]], window_numbers: set[str]) -> list[str]:
    errors: list[str] = []
    logins: set[str] = set()
    for p in staff:
        login = str(p.get("login", "")).strip()
        who = f"人员 {login or p.get('name') or '（无登录名）'}"
        if not login or not str(p.get("name", "")).strip():
            errors.append(f"{who}：应有登录名 login 和姓名 name")
        if login in logins:
            errors.append(f"登录名 {login} 重复")
        logins.add(login)
        if not hall_file_roles(p):
            errors.append(f"{who}：角色 roles 应为以下一项或几项：{ROLE_CHOICES}")
        if len(str(p.get("password", ""))) < MIN_PASSWORD:
            errors.append(f"{who}：初始密码 password 至少 {MIN_PASSWORD} 位")
        window = str(p.get("window_number") or "").strip()
        if window and window not in window_numbers:
            errors.append(f"{who}：窗口号 {window} 不在窗口列表中")
    if not any("admin" in hall_file_roles(p) for p in staff):
        errors.append("至少应有一名中心管理员（roles 中含 admin）")
    return errors


def _department_errors(hall: HallFile, catalogue: Catalogue) -> list[str]:
    known = {d.code for d in catalogue.departments}
    rows = [("窗口", w) for w in hall.data["windows"]] + [("人员", p) for p in hall.data["staff"]]
    return [f"{kind} {row.get('number') or row.get('login')}：部门代码 {row['department_code']} 不在事项目录中"
            for kind, row in rows if row.get("department_code") and row["department_code"] not in known]


def setup_hall(ctx: AppContext, hall_file: Path, catalogue_file: Path, *, window_number: str) -> None:
    """Write the hall, catalogue, calendar and this device; everything is checked first."""
    window_number = window_number.strip()
    hall_data = load_hall_file(hall_file)
    catalogue = load_catalogue(catalogue_file)
    errors = _department_errors(hall_data, catalogue)
    if window_number not in {w.number for w in hall_data.windows}:
        errors.append(f"本机窗口号 {window_number} 不在大厅资料的窗口列表中")
    if errors:
        raise HallFileError(errors, Path(hall_file).name)
    # argon2 takes a while per password: hash before taking the write lock
    hashes = {p["login"].strip(): hash_password(p["password"]) for p in hall_data.data["staff"]}
    with ctx.action() as s:  # all or nothing: a failed setup leaves an empty store
        write_catalogue(s, catalogue)
        s.flush()
        _write_hall(ctx, s, hall_data.data, window_number, hashes)
    ctx.reload_reference()
    # on an encrypted store, everyone in the hall file can open it with their initial password
    StoreAccess(ctx).grant((p["login"].strip(), p["password"], hashes[p["login"].strip()])
                           for p in hall_data.data["staff"])


def _write_hall(ctx: AppContext, s: Session, data: dict[str, Any], window_number: str,
                hashes: dict[str, str]) -> None:
    ref = ReferenceRepository(s)
    h = data["hall"]
    hall = Hall(id=uuid7(), code=h["code"], name=h["name"], agency_name=h.get("agency_name", ""),
                phone=h.get("phone", ""), complaint_phone=h.get("complaint_phone", "12345"),
                address=h.get("address", ""))
    s.add(hall)
    windows = _windows(ref, hall.id, data.get("windows", []))
    s.add_all(windows.values())
    s.flush()
    staff = _staff(ref, hall.id, windows, data.get("staff", []), hashes)
    s.add_all(staff)
    assign_posts(data.get("windows", []), windows, staff)
    s.add_all(DishonestParty(id_number=d["id_number"], name=d["name"], reason=d.get("reason", ""))
              for d in data.get("dishonest_parties", []))
    params = {**DEFAULT_PARAMETERS, **data.get("parameters", {})}
    s.add_all(Parameter(key=k, value=str(v)) for k, v in params.items())
    s.add_all(CalendarDay(day=e.day, is_workday=e.is_workday, name=e.name, source="official")
              for e in official_exceptions(official_years()))
    window = windows[window_number]
    s.add(Device(id=uuid7(), hall_id=hall.id, window_id=window.id,
                 name=f"{hall.name} {window_number}号窗口", standalone=True, created_at=ctx.clock.now()))


def _windows(ref: ReferenceRepository, hall_id: str, rows: list[dict[str, Any]]) -> dict[str, Window]:
    out = {}
    for w in rows:
        dept = ref.department_by_code(w.get("department_code", ""))
        number = str(w["number"]).strip()
        out[number] = Window(id=uuid7(), hall_id=hall_id, number=number, name=w["name"],
                             department_id=dept.id if dept else None, zone=str(w.get("zone") or "").strip()[:32])
    return out


def _staff(
    ref: ReferenceRepository, hall_id: str, windows: dict[str, Window], rows: list[dict[str, Any]],
    hashes: dict[str, str],
) -> list[Staff]:
    out = []
    for p in rows:
        dept = ref.department_by_code(p.get("department_code", ""))
        window = windows.get(str(p.get("window_number") or "").strip())
        out.append(Staff(
            id=uuid7(), hall_id=hall_id, login=p["login"].strip(), name=p["name"],
            password_hash=hashes[p["login"].strip()], **staff_role_columns(p),
            window_id=window.id if window else None, department_id=dept.id if dept else None,
            staff_no=str(p.get("staff_no") or "").strip(),
        ))
    return out


def assign_posts(rows: list[dict[str, Any]], windows: dict[str, Window], staff: list[Staff]) -> None:
    """AB岗 from the hall file: each window's ``a_post`` and ``b_post`` logins; without ``a_post`` the
    first person whose window it is holds the post. Used by the counter's setup and the server's seed."""
    by_login = {p.login: p for p in staff}
    for w in rows:
        window = windows[str(w["number"]).strip()]
        a = by_login.get(str(w.get("a_post") or "").strip()) or next(
            (p for p in staff if p.window_id == window.id), None)
        b = by_login.get(str(w.get("b_post") or "").strip())
        window.a_staff_id = a.id if a else None
        window.b_staff_id = b.id if b else None


def hall_name(ctx: AppContext) -> str:
    with ctx.db.read() as s:
        ref = ReferenceRepository(s)
        device = ref.device()
        hall = ref.hall(device.hall_id) if device else None
        return hall.name if hall else ""


def device_name(ctx: AppContext) -> str:
    """This PC as people call it: hall and window."""
    with ctx.db.read() as s:
        device = ReferenceRepository(s).device()
        return device.name if device else ""
