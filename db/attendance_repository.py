"""Queries of the attendance tables (考勤). Runs in the caller's session and transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from db.models import (
    AttendanceImport,
    AttendanceMonth,
    AttendanceSchedule,
    Department,
    EmptyPost,
    Inspection,
    LeaveRequest,
    Punch,
    PunchMakeup,
    Staff,
    Window,
)

OPEN_LEAVE = ("pending", "approved")


class AttendanceRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    def add(self, row: object) -> None:
        self.s.add(row)
        self.s.flush()

    # -- people and posts ------------------------------------------------------------------------
    def staff(self, active_only: bool = False, hall_id: str | None = None) -> Sequence[Staff]:
        """The staff (of ``hall_id`` when given: the server holds several halls)."""
        q = select(Staff)
        if active_only:
            q = q.where(Staff.active.is_(True))
        if hall_id is not None:
            q = q.where(Staff.hall_id == hall_id)
        return self.s.scalars(q.order_by(Staff.login)).all()

    def windows(self, hall_id: str | None = None) -> Sequence[Window]:
        q = select(Window) if hall_id is None else select(Window).where(Window.hall_id == hall_id)
        return self.s.scalars(q.order_by(Window.number)).all()

    def departments(self) -> dict[str, Department]:
        return {d.id: d for d in self.s.scalars(select(Department))}

    # -- punches -------------------------------------------------------------------------------------
    def punches(self, start: dt.datetime, end: dt.datetime, staff_ids: Iterable[str] | None = None) -> Sequence[Punch]:
        """Punches with ``start <= at < end`` (of ``staff_ids`` when given), by time."""
        q = select(Punch).where(Punch.at >= start, Punch.at < end)
        if staff_ids is not None:
            q = q.where(Punch.staff_id.in_(list(staff_ids)))
        return self.s.scalars(q.order_by(Punch.at, Punch.id)).all()

    def last_punch_of_device(self, device_id: str) -> Punch | None:
        """The latest punch this PC made (by its recorded time): a new punch before it means the clock went back."""
        return self.s.scalar(select(Punch).where(Punch.device_id == device_id)
                             .order_by(Punch.recorded_at.desc(), Punch.id.desc()).limit(1))

    def last_punch_of(self, staff_id: str) -> Punch | None:
        return self.s.scalar(select(Punch).where(Punch.staff_id == staff_id)
                             .order_by(Punch.at.desc()).limit(1))

    def punch_keys(self, device_ids: Iterable[str], start: dt.datetime,
                   end: dt.datetime) -> set[tuple[str, str, dt.datetime]]:
        """(staff, device, at) of the punches held from ``device_ids`` with start <= at <= end."""
        rows = self.s.execute(select(Punch.staff_id, Punch.device_id, Punch.at).where(
            Punch.device_id.in_(list(device_ids)), Punch.at >= start, Punch.at <= end)).tuples().all()
        return {(a, b, c) for a, b, c in rows}

    # -- leave and 补签 -----------------------------------------------------------------------------
    def leave(self, leave_id: str) -> LeaveRequest | None:
        return self.s.get(LeaveRequest, leave_id)

    def leaves_overlapping(self, staff_ids: Iterable[str], start: dt.datetime, end: dt.datetime,
                           statuses: Sequence[str] = OPEN_LEAVE) -> Sequence[LeaveRequest]:
        """Leave of ``staff_ids`` in ``statuses`` overlapping [start, end)."""
        return self.s.scalars(select(LeaveRequest).where(
            LeaveRequest.staff_id.in_(list(staff_ids)), LeaveRequest.status.in_(list(statuses)),
            LeaveRequest.starts_at < end, LeaveRequest.ends_at > start).order_by(LeaveRequest.starts_at)).all()

    def leaves_of(self, staff_id: str) -> Sequence[LeaveRequest]:
        return self.s.scalars(select(LeaveRequest).where(LeaveRequest.staff_id == staff_id)
                              .order_by(LeaveRequest.requested_at.desc(), LeaveRequest.id.desc())).all()

    def pending_leaves(self) -> Sequence[LeaveRequest]:
        return self.s.scalars(select(LeaveRequest).where(LeaveRequest.status == "pending")
                              .order_by(LeaveRequest.requested_at, LeaveRequest.id)).all()

    def makeup(self, makeup_id: str) -> PunchMakeup | None:
        return self.s.get(PunchMakeup, makeup_id)

    def makeups_of(self, staff_id: str) -> Sequence[PunchMakeup]:
        return self.s.scalars(select(PunchMakeup).where(PunchMakeup.staff_id == staff_id)
                              .order_by(PunchMakeup.requested_at.desc(), PunchMakeup.id.desc())).all()

    def pending_makeups(self) -> Sequence[PunchMakeup]:
        return self.s.scalars(select(PunchMakeup).where(PunchMakeup.status == "pending")
                              .order_by(PunchMakeup.requested_at, PunchMakeup.id)).all()

    def open_makeup(self, staff_id: str, day: dt.date, slot: str) -> PunchMakeup | None:
        return self.s.scalar(select(PunchMakeup).where(
            PunchMakeup.staff_id == staff_id, PunchMakeup.day == day, PunchMakeup.slot == slot,
            PunchMakeup.status.in_(["pending", "approved"])).limit(1))

    def makeups_between(self, first: dt.date, last: dt.date, status: str = "approved") -> Sequence[PunchMakeup]:
        return self.s.scalars(select(PunchMakeup).where(
            PunchMakeup.day >= first, PunchMakeup.day <= last, PunchMakeup.status == status)).all()

    # -- schedule, imports, months --------------------------------------------------------------------
    def schedule(self, hall_id: str) -> AttendanceSchedule | None:
        """The version in force: the highest."""
        return self.s.scalar(select(AttendanceSchedule).where(AttendanceSchedule.hall_id == hall_id)
                             .order_by(AttendanceSchedule.version.desc()).limit(1))

    def max_schedule_version(self, hall_id: str) -> int:
        value = self.s.scalar(select(func.max(AttendanceSchedule.version))
                              .where(AttendanceSchedule.hall_id == hall_id))
        return int(value or 0)

    def latest_import(self, hall_id: str) -> AttendanceImport | None:
        return self.s.scalar(select(AttendanceImport).where(AttendanceImport.hall_id == hall_id)
                             .order_by(AttendanceImport.imported_at.desc(), AttendanceImport.id.desc()).limit(1))

    def months(self, hall_id: str, month: str) -> Sequence[AttendanceMonth]:
        """The published versions of ``month`` ("2026-12"), latest first."""
        return self.s.scalars(select(AttendanceMonth).where(
            AttendanceMonth.hall_id == hall_id, AttendanceMonth.month == month)
            .order_by(AttendanceMonth.version.desc())).all()

    # -- 空岗 and 查岗 ---------------------------------------------------------------------------------
    def empty_posts(self, since: dt.datetime) -> Sequence[EmptyPost]:
        """Events still open, or started since ``since``; open ones first, then newest first."""
        return self.s.scalars(select(EmptyPost).where(
            or_(EmptyPost.ended_at.is_(None), EmptyPost.started_at >= since))
            .order_by(EmptyPost.ended_at.is_not(None), EmptyPost.started_at.desc())).all()

    def inspection(self, inspection_id: str) -> Inspection | None:
        return self.s.get(Inspection, inspection_id)

    def inspections(self, staff_id: str | None = None, window_ids: Iterable[str] | None = None,
                    limit: int = 500) -> Sequence[Inspection]:
        q = select(Inspection)
        if staff_id is not None:
            q = q.where(Inspection.staff_id == staff_id)
        if window_ids is not None:
            q = q.where(Inspection.window_id.in_(list(window_ids)))
        return self.s.scalars(q.order_by(Inspection.at.desc(), Inspection.id.desc()).limit(limit)).all()
