"""The hall's schedule (versions) and the monthly sheet (考勤月报): computed from local data, and
closed and published by the business section (corrections are new versions with a reason)."""

from __future__ import annotations

import calendar as cal
import datetime as dt
from dataclasses import replace
from typing import Any

from sqlalchemy.orm import Session

from app.attendance import common, policy
from app.attendance.common import Labels
from app.attendance.model import MonthView, PublishedVersion, ScheduleInfo
from app.attendance.rules import (
    LeaveFact,
    MakeupFact,
    MonthSheet,
    Person,
    PunchFact,
    month_sheet,
    sheet_from_json,
    sheet_json,
)
from app.attendance.schedule import Schedule, default_schedule, parse_schedule, schedule_content
from app.authz import holder_of, require
from app.context import Actor, AppContext
from app.errors import InvalidInput, NotPermitted
from app.ids import uuid7
from app.permissions import Holder, Subject, refusal
from app.sync.protocol import ATTENDANCE_PUBLISH, SCHEDULE_SET, Entity
from app.sync.rows import columns_row
from app.validation import check_text
from app.workcal import WorkingCalendar
from db.attendance_repository import AttendanceRepository
from db.models import AttendanceMonth, AttendanceSchedule
from db.repositories import ReferenceRepository


def schedule(ctx: AppContext) -> Schedule:
    with ctx.db.read() as s:
        return common.schedule_in_force(s, common.hall_id(s))


def schedule_info(ctx: AppContext) -> ScheduleInfo:
    with ctx.db.read() as s:
        row = AttendanceRepository(s).schedule(common.hall_id(s))
        if row is None:
            return ScheduleInfo(0, dict(schedule_content(default_schedule())))
        return ScheduleInfo(row.version, dict(row.content), row.note, Labels(s).name(row.created_by), row.created_at)


def set_schedule(ctx: AppContext, actor: Actor, content: dict[str, Any], note: str) -> int:
    text = check_text(note, field="note", label="变更说明", max_len=500)
    with ctx.action() as s:
        require(s, actor, "schedule.change")
        hall = common.hall_id(s)
        version = AttendanceRepository(s).max_schedule_version(hall) + 1
        parsed = parse_schedule(content, version)
        row = AttendanceSchedule(id=uuid7(), hall_id=hall, version=version, content=schedule_content(parsed),
                                 note=text, created_by=actor.id or "", created_at=ctx.clock.now())
        AttendanceRepository(s).add(row)
        ctx.record(s, actor, op_kind=SCHEDULE_SET, entity=Entity.SCHEDULE, entity_id=row.id,
                   summary=f"作息时间和考勤规则第{version}版" + (f"：{text}" if text else ""),
                   payload=columns_row(row))
        return version


def _month_bounds(year: int, month: int) -> tuple[dt.date, dt.date]:
    if not 1 <= month <= 12 or not 2000 <= year <= 2100:
        raise InvalidInput(f"月份有误：{year}年{month}月。", field="month")
    return dt.date(year, month, 1), dt.date(year, month, cal.monthrange(year, month)[1])


def _scope(s: Session, holder: Holder, department_id: str | None, staff_id: str | None,
           me: str | None) -> tuple[str | None, str | None, bool]:
    """(department, staff, own only) the viewer may see: all with attendance.view hall-wide, their
    department for a chief, else only themselves."""
    if refusal(holder, "attendance.view", Subject()) is None:
        return department_id, staff_id, False
    if holder.department_id and refusal(holder, "attendance.view", Subject(department_id=holder.department_id)) is None:
        if department_id not in (None, holder.department_id):
            raise NotPermitted("您只能查看本部门人员的考勤。", action="attendance.view")
        return holder.department_id, staff_id, False
    if staff_id not in (None, me):
        raise NotPermitted("您只能查看本人的考勤。", action="attendance.view")
    return None, me, True


def _people(labels: Labels, department_id: str | None, staff_id: str | None) -> list[Person]:
    out = []
    for p in sorted(labels.staff.values(), key=lambda x: (labels.window_of(x.id) or "~", x.login)):
        dept = labels.department_of(p)
        if not p.active or (staff_id and p.id != staff_id) or (department_id and dept != department_id):
            continue
        if not policy.keeps_attendance(p.window_id, bool(labels.posts_of(p.id))) and p.id != staff_id:
            continue  # the hall's own management (no window, no post) is not on the window staff's sheet
        d = labels.departments.get(dept or "")
        out.append(Person(p.id, p.name, dept, d.name if d else "中心", labels.window_of(p.id)))
    return out


def compute(ctx: AppContext, s: Session, year: int, month: int, department_id: str | None = None,
            staff_id: str | None = None) -> MonthSheet:
    return hall_sheet(s, common.hall_id(s), year, month, calendar=ctx.calendar(), as_of=ctx.today(),
                      makeup_days=common.params(ctx).makeup_days, department_id=department_id, staff_id=staff_id)


def hall_sheet(s: Session, hall: str, year: int, month: int, *, calendar: WorkingCalendar, as_of: dt.date,
               makeup_days: int, department_id: str | None = None, staff_id: str | None = None) -> MonthSheet:
    """The month of ``hall`` from the rows of this store: the counter's view and the sheet the server
    publishes are the same function of the same rows (the server holds several halls)."""
    first, last = _month_bounds(year, month)
    labels = Labels(s, hall)
    people = _people(labels, department_id, staff_id)
    ids = [p.staff_id for p in people]
    repo = AttendanceRepository(s)
    start, end = dt.datetime.combine(first, dt.time()), dt.datetime.combine(last + dt.timedelta(days=1), dt.time())
    punches = [PunchFact(p.staff_id, p.at, p.id, bool(p.flag)) for p in repo.punches(start, end, ids)]
    leaves = [LeaveFact(x.staff_id, x.kind, x.starts_at, x.ends_at, x.id)
              for x in repo.leaves_overlapping(ids, start, end, ("approved",))]
    wanted = set(ids)
    makeups = [MakeupFact(x.staff_id, x.day, x.slot, x.claimed_at, x.id)
               for x in repo.makeups_between(first, last) if x.staff_id in wanted]
    ref = ReferenceRepository(s).hall(hall)
    return month_sheet(common.schedule_in_force(s, hall), calendar, year, month, people, punches, leaves,
                       makeups, as_of=as_of, makeup_days=makeup_days, hall_name=ref.name if ref else "")


def _narrowed(sheet: MonthSheet, department_id: str | None, staff_id: str | None) -> MonthSheet:
    people = tuple(p for p in sheet.people if (not staff_id or p.person.staff_id == staff_id)
                   and (not department_id or p.person.department_id == department_id))
    depts = tuple(d for d in sheet.departments
                  if not staff_id and (not department_id or d.department_id == department_id))
    return replace(sheet, people=people, departments=depts)


def _versions(s: Session, hall: str, year: int, month: int, labels: Labels, department_id: str | None,
              staff_id: str | None) -> tuple[PublishedVersion, ...]:
    out = []
    for row in AttendanceRepository(s).months(hall, f"{year:04d}-{month:02d}"):
        try:
            sheet: MonthSheet | None = _narrowed(sheet_from_json(row.sheet), department_id, staff_id)
        except (InvalidInput, KeyError, TypeError, ValueError):
            sheet = None
        who = labels.name(row.published_by)
        label = f"第{row.version}版 {row.published_at:%Y-%m-%d} {who}" + (f" 更正：{row.reason}" if row.reason else "")
        out.append(PublishedVersion(row.id, row.version, row.published_at, row.published_by, who, row.reason, label,
                                    sheet))
    return tuple(out)


def month_view(ctx: AppContext, actor: Actor, year: int, month: int, *, department_id: str | None = None,
               staff_id: str | None = None) -> MonthView:
    with ctx.db.read() as s:
        holder = holder_of(s, actor)
        department_id, staff_id, own = _scope(s, holder, department_id, staff_id, actor.id)
        return _view(ctx, s, year, month, department_id, staff_id, own)


def _view(ctx: AppContext, s: Session, year: int, month: int, department_id: str | None, staff_id: str | None,
          own: bool) -> MonthView:
    sheet = compute(ctx, s, year, month, department_id, staff_id)
    labels = Labels(s)
    dept = labels.departments.get(department_id or "")
    scope = (f"{labels.name(staff_id)}本人" if own else labels.name(staff_id) if staff_id
             else dept.name if dept else "全大厅")
    return MonthView(year=year, month=month, title=f"{sheet.hall_name} {year}年{month}月考勤月报", scope_label=scope,
                     sheet=sheet,
                     versions=_versions(s, common.hall_id(s), year, month, labels, department_id, staff_id),
                     department_id=department_id, staff_id=staff_id, own_only=own, made_at=ctx.clock.now())


def publish(ctx: AppContext, actor: Actor, year: int, month: int, reason: str = "") -> MonthView:
    last = _month_bounds(year, month)[1]
    now = ctx.clock.now()
    if now.date() <= last:
        raise InvalidInput(f"{year}年{month}月尚未结束，不能关闭发布。", field="month")
    text = check_text(reason, field="reason", label="更正原因", max_len=500)
    with ctx.action() as s:
        require(s, actor, "attendance.publish")
        hall = common.hall_id(s)
        key = f"{year:04d}-{month:02d}"
        held = AttendanceRepository(s).months(hall, key)
        version = held[0].version + 1 if held else 1
        if version > 1 and not text:
            raise InvalidInput(f"{year}年{month}月已发布第{version - 1}版，更正发布须填写更正原因。", field="reason")
        row = AttendanceMonth(id=uuid7(), hall_id=hall, month=key, version=version,
                              sheet=sheet_json(compute(ctx, s, year, month)), reason=text,
                              published_by=actor.id or "", published_at=now)
        AttendanceRepository(s).add(row)
        ctx.record(s, actor, op_kind=ATTENDANCE_PUBLISH, entity=Entity.ATTENDANCE_MONTH, entity_id=row.id,
                   summary=(f"发布{year}年{month}月考勤月报第{version}版" + (f"，更正：{text}" if text else ""))[:500],
                   payload=columns_row(row))
        view = _view(ctx, s, year, month, None, None, False)
        # what was just published is the edition shown (the same sheet, as computed here)
        return replace(view, sheet=view.latest.sheet or view.sheet, edition=version) if view.latest else view
