"""What the rating use cases share: labels of the hall, who may see which rating, row -> DTO."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from app.authz import holder_of
from app.context import Actor
from app.errors import NotPermitted
from app.permissions import HALL_WIDE, Holder, Subject, refusal
from app.ratings import policy
from app.ratings.model import APPEAL_STATUS, RatingItem
from db.models import Rating, RatingAppeal, Staff, Window
from db.rating_repository import RatingRepository

VIEW = "rating.view"
PHONE_VIEW = "rating.phone_view"


def window_label(w: Window | None) -> str:
    """How the rating screens name a window: "01 市场监管综合窗口"."""
    return f"{w.number} {w.name}" if w is not None else ""


def rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def due_state(due: dt.date | None, today: dt.date, yellow_limit: dt.date) -> str:
    """As the ledger colours a case (app.cases.rules.warning_level): red once the due day has passed,
    yellow when due before ``yellow_limit`` (app.cases.views.yellow_before: at most
    ``yellow_days_before`` working days left), else ok; '' when nothing is due (closed)."""
    if due is None:
        return ""
    if today > due:
        return "red"
    if due < yellow_limit:
        return "yellow"
    return "ok"


class Labels:
    """The hall's staff, windows, departments and the matters of the rows at hand, read once per call."""

    def __init__(self, s: Session, matter_ids: Iterable[str] = ()) -> None:
        repo = RatingRepository(s)
        self.staff: dict[str, Staff] = repo.staff()
        self.windows: dict[str, Window] = repo.windows()
        self.departments = repo.departments()
        self.matters = repo.matters(m for m in matter_ids if m)

    def name(self, staff_id: str | None) -> str:
        person = self.staff.get(staff_id or "")
        return person.name if person else ""

    def window(self, window_id: str | None) -> str:
        return window_label(self.windows.get(window_id or ""))

    def matter(self, matter_id: str) -> str:
        return self.matters.get(matter_id, ("", ""))[0] or ("咨询服务" if not matter_id else "")

    def department_of(self, window_id: str | None, matter_id: str) -> str | None:
        """The department a rating's work belongs to: its window's, or (综合窗口) its matter's."""
        window = self.windows.get(window_id or "")
        if window is not None and window.department_id:
            return window.department_id
        return self.matters.get(matter_id, ("", None))[1] or None

    def department_name(self, department_id: str | None) -> str:
        department = self.departments.get(department_id or "")
        return department.name if department else ""

    def subject(self, rating: Rating, requester_id: str | None = None) -> Subject:
        return Subject(window_id=rating.window_id, department_id=self.department_of(rating.window_id,
                                                                                     rating.matter_id),
                       requester_id=requester_id)


@dataclass(frozen=True)
class Viewer:
    """The person looking, as the permission table sees them."""

    holder: Holder

    @property
    def staff_id(self) -> str:
        return self.holder.staff_id

    @property
    def phone_view(self) -> bool:
        return refusal(self.holder, PHONE_VIEW, HALL_WIDE) is None

    def may(self, action: str, subject: Subject) -> bool:
        return refusal(self.holder, action, subject) is None


def viewer(s: Session, actor: Actor) -> Viewer:
    return Viewer(holder_of(s, actor))


def reviewer(s: Session, actor: Actor) -> Viewer:
    """The viewer of the hall's ratings: NotPermitted (saying who may) unless ``actor`` holds rating.view
    somewhere (the whole hall, or a chief's department; each row is then checked with ``may``)."""
    seen = viewer(s, actor)
    holder = seen.holder
    if refusal(holder, VIEW, HALL_WIDE) is None:
        return seen
    if holder.department_id and refusal(holder, VIEW, Subject(department_id=holder.department_id)) is None:
        return seen
    reason = refusal(holder, VIEW, HALL_WIDE if not holder.department_id else
                     Subject(department_id=holder.department_id))
    raise NotPermitted(reason or "无权查看评价结果。", action=VIEW)


def rating_item(r: Rating, labels: Labels, seen: Viewer, appeal: RatingAppeal | None,
                case_number: str = "") -> RatingItem:
    appeal_status = appeal.status if appeal is not None else ""
    return RatingItem(
        id=r.id, case_id=r.case_id, case_number=case_number, matter_name=labels.matter(r.matter_id),
        window_id=r.window_id, window_label=labels.window(r.window_id), staff_id=r.staff_id,
        staff_name=labels.name(r.staff_id), level=r.level,
        level_label=policy.LEVELS.get(r.level, policy.UNRATED) if r.level is not None else policy.UNRATED,
        reasons=[policy.REASONS.get(code, code) for code in r.reasons or []], comment=r.comment,
        phone=r.callback_phone if seen.phone_view else policy.mask_phone(r.callback_phone),
        channel=r.channel, channel_label=policy.CHANNELS.get(r.channel, r.channel), rated_at=r.rated_at,
        appeal_status=appeal_status, appeal_status_label=APPEAL_STATUS.get(appeal_status, appeal_status),
        counts=appeal_status != "upheld",
        can_appeal=bool(seen.staff_id) and seen.staff_id == r.staff_id and r.level is not None and appeal is None,
    )


def day_bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """``start`` 00:00 to the midnight after ``end``: the days start..end inclusive."""
    return dt.datetime.combine(start, dt.time()), dt.datetime.combine(end + dt.timedelta(days=1), dt.time())
