"""What the attendance use cases share: the hall of this PC, parameters, labels, row -> DTO."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from app.attendance import policy
from app.attendance.model import (
    APPROVAL_LABELS,
    SLOT_LABELS,
    STATUS_LABELS,
    LeaveItem,
    MakeupItem,
    RequestItem,
)
from app.attendance.schedule import Schedule, default_schedule, parse_schedule
from app.context import Actor, AppContext
from app.errors import NotFound, NotPermitted
from app.permissions import Subject
from db.attendance_repository import AttendanceRepository
from db.models import Department, LeaveRequest, PunchMakeup, Staff, Window
from db.repositories import ReferenceRepository


@dataclass(frozen=True)
class Params:
    leave_types: tuple[str, ...]
    chief_max: float
    business_max: float
    makeup_days: int
    tolerance_minutes: int
    findings: tuple[str, ...]


def split_list(text: str) -> tuple[str, ...]:
    return tuple(i.strip() for i in text.replace("，", ",").split(",") if i.strip())


def params(ctx: AppContext) -> Params:
    p = ctx.parameters()
    return Params(split_list(p["leave.types"]), float(p["leave.chief_max_days"]),
                  float(p["leave.business_max_days"]), int(p["makeup.limit_days"]),
                  int(p["punch.clock_tolerance_minutes"]), split_list(p["inspection.findings"]))


def hall_id(s: Session) -> str:
    device = ReferenceRepository(s).device()
    if device is None:
        raise NotFound("本机尚未完成大厅设置。")
    return device.hall_id


def staff_id_of(actor: Actor) -> str:
    if actor.id is None:
        raise NotPermitted("考勤只能由本人登录后办理。")
    return actor.id


def schedule_in_force(s: Session, hall: str) -> Schedule:
    row = AttendanceRepository(s).schedule(hall)
    return parse_schedule(row.content, row.version) if row is not None else default_schedule()


def window_label(w: Window | None) -> str:
    return f"{w.number}号窗口（{w.name}）" if w is not None else ""


def day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(day, dt.time())
    return start, start + dt.timedelta(days=1)


class Labels:
    """Names of the hall's staff, windows and departments, read once per call."""

    def __init__(self, s: Session, hall_id: str | None = None) -> None:
        repo = AttendanceRepository(s)
        self.staff: dict[str, Staff] = {p.id: p for p in repo.staff(hall_id=hall_id)}
        self.windows: dict[str, Window] = {w.id: w for w in repo.windows(hall_id)}
        self.departments: dict[str, Department] = repo.departments()

    def name(self, staff_id: str | None) -> str:
        person = self.staff.get(staff_id or "")
        return person.name if person else ""

    def window_of(self, staff_id: str | None) -> str:
        person = self.staff.get(staff_id or "")
        return window_label(self.windows.get(person.window_id or "")) if person else ""

    def window(self, window_id: str | None) -> str:
        return window_label(self.windows.get(window_id or ""))

    def department_of(self, person: Staff) -> str | None:
        window = self.windows.get(person.window_id or "")
        return person.department_id or (window.department_id if window else None)

    def subject(self, staff_id: str) -> Subject:
        """The subject of an approval of ``staff_id``'s request: their window and department."""
        person = self.staff.get(staff_id)
        if person is None:
            return Subject(requester_id=staff_id)
        return Subject(window_id=person.window_id, department_id=self.department_of(person), requester_id=staff_id)

    def posts_of(self, staff_id: str) -> list[tuple[Window, str | None]]:
        """The windows ``staff_id`` is A or B of, each with the other post holder."""
        out = []
        for w in self.windows.values():
            if w.a_staff_id == staff_id:
                out.append((w, w.b_staff_id))
            elif w.b_staff_id == staff_id:
                out.append((w, w.a_staff_id))
        return out


def span(row: LeaveRequest) -> policy.Span:
    return policy.Span(row.id, row.staff_id, row.kind, row.starts_at, row.ends_at, row.status)


def leave_item(row: LeaveRequest, labels: Labels, *, now: dt.datetime, viewer: str | None,
               conflict: str = "") -> LeaveItem:
    return LeaveItem(
        id=row.id, staff_id=row.staff_id, staff_name=labels.name(row.staff_id),
        window_label=labels.window_of(row.staff_id), kind=row.kind, starts_at=row.starts_at, ends_at=row.ends_at,
        period_label=policy.period_label(row.starts_at, row.ends_at), days=row.days,
        days_label=policy.days_label(row.kind, row.days), reason=row.reason, approval=row.approval,
        approval_label=APPROVAL_LABELS.get(row.approval, row.approval), status=row.status,
        status_label=STATUS_LABELS.get(row.status, row.status), requested_at=row.requested_at, version=row.version,
        cover_staff_id=row.cover_staff_id, cover_name=labels.name(row.cover_staff_id), decided_by=row.decided_by,
        decided_by_name=labels.name(row.decided_by), decided_at=row.decided_at, decision_note=row.decision_note,
        can_cancel=viewer == row.staff_id and row.status in policy.LEAVE_OPEN and now < row.starts_at,
        post_conflict=conflict,
    )


def makeup_item(row: PunchMakeup, labels: Labels) -> MakeupItem:
    return MakeupItem(
        id=row.id, staff_id=row.staff_id, staff_name=labels.name(row.staff_id),
        window_label=labels.window_of(row.staff_id), day=row.day, slot=row.slot,
        slot_label=SLOT_LABELS.get(row.slot, row.slot), claimed_at=row.claimed_at, reason=row.reason,
        status=row.status, status_label=STATUS_LABELS.get(row.status, row.status), requested_at=row.requested_at,
        version=row.version, decided_by=row.decided_by, decided_by_name=labels.name(row.decided_by),
        decided_at=row.decided_at, decision_note=row.decision_note,
    )


def leave_request_item(item: LeaveItem) -> RequestItem:
    return RequestItem(
        kind="leave", id=item.id, staff_id=item.staff_id, staff_name=item.staff_name,
        window_label=item.window_label, title=f"请假（{item.kind}）", period_label=item.period_label,
        days_label=item.days_label, reason=item.reason, status=item.status, status_label=item.status_label,
        approval_label=f"需{item.approval_label}", requested_at=item.requested_at, can_cancel=item.can_cancel,
        leave=item, post_conflict=item.post_conflict,
    )


def makeup_request_item(item: MakeupItem) -> RequestItem:
    return RequestItem(
        kind="makeup", id=item.id, staff_id=item.staff_id, staff_name=item.staff_name,
        window_label=item.window_label, title=f"补签（{item.slot_label}）",
        period_label=f"{item.day.month}月{item.day.day}日 {item.claimed_at:%H:%M}", days_label="",
        reason=item.reason, status=item.status, status_label=item.status_label,
        approval_label=f"需{item.approval_label}", requested_at=item.requested_at, can_cancel=False, makeup=item,
    )
