"""The permission table applied on the counter: who the actor is in this store, what an action is
on, and the refusal raised before anything is written. Services call :func:`require` inside their
transaction, so the check and the write see the same staff row."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.attendance.cover import covered_window_ids
from app.context import Actor
from app.errors import NotPermitted
from app.permissions import HALL_WIDE, Holder, Subject, parse_roles, refusal
from db.models import Case, Staff
from db.repositories import ReferenceRepository, StaffRepository


def staff_roles(staff: Staff) -> frozenset[str]:
    """The roles a staff row holds (``roles``; rows written before roles were data: ``role``)."""
    return parse_roles(staff.roles or staff.role)


def holder_of(s: Session, actor: Actor) -> Holder:
    """``actor`` as the permission table sees them, from this store's staff row and this PC's window."""
    if actor.id is None:  # the system or the command line: only the roles it was given
        return Holder("", frozenset(actor.roles))
    staff = StaffRepository(s).get(actor.id)
    if staff is None or not staff.active:
        raise NotPermitted("操作人不是本大厅在岗人员，不能办理。请重新登录。")
    device = ReferenceRepository(s).device()
    windows = {w for w in (staff.window_id, device.window_id if device else None) if w}
    windows |= covered_window_ids(s, staff.id)  # AB岗: the windows whose A is away and this person covers now
    return Holder(staff.id, staff_roles(staff), staff.department_id, frozenset(windows))


def window_subject(s: Session, window_id: str | None, fallback_department: str | None = None,
                   requester_id: str | None = None) -> Subject:
    """The subject of an action on a window's work: the window and its department (a window of no
    one department, 综合窗口, counts for the department of the matter)."""
    window = ReferenceRepository(s).window(window_id)
    department = window.department_id if window and window.department_id else fallback_department
    return Subject(window_id=window_id, department_id=department, requester_id=requester_id)


def case_subject(s: Session, case: Case, requester_id: str | None = None) -> Subject:
    matter = ReferenceRepository(s).matter(case.matter_id)
    return window_subject(s, case.window_id, matter.department_id if matter else None, requester_id)


def require(s: Session, actor: Actor, action: str, subject: Subject = HALL_WIDE) -> None:
    """Raise NotPermitted (saying who may) unless ``actor`` may take ``action`` on ``subject``."""
    reason = refusal(holder_of(s, actor), action, subject)
    if reason is not None:
        raise NotPermitted(reason, action=action)


def may(s: Session, actor: Actor, action: str, subject: Subject = HALL_WIDE) -> str | None:
    """None when ``actor`` may; else why not (for the UI to grey and explain)."""
    try:
        return refusal(holder_of(s, actor), action, subject)
    except NotPermitted as exc:
        return exc.message
