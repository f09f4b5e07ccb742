"""The attendance rules the counter checks before it writes and the server checks again on every
pushed op (server/attendance_ops.py). Pure: plain values in, a Chinese refusal (InvalidInput with
``field``) or a value out; no db, no Qt.

Decisions kept here so both sides agree:

* A punch is **offline** when this PC is enrolled with a server but had no successful sync in the
  last :data:`OFFLINE_AFTER`. A standalone counter (never enrolled) has no server time to compare
  with: its punches are not offline and carry no offset (its own clock is the hall's clock); the
  backwards-clock check still applies.
* Leave is counted in working days by half days: each half day (morning / afternoon of the day's
  timetable) of a working day the leave overlaps counts 0.5. 临时外出 counts its hours / 8.
* AB岗: a leave conflicts when the other post holder of a window the person is A or B of has an
  approved leave overlapping it (as server/leave_ops.py has it: a pending request is nobody away
  yet). Requesting such a leave is refused; approving one (e.g. two requests made while the other
  was still pending) is refused unless a leader approves it naming a temporary cover.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from app.attendance.schedule import Schedule, expected_slots
from app.errors import InvalidInput
from app.validation import check_text
from app.workcal import WorkingCalendar

PUNCH_MIN_GAP = dt.timedelta(minutes=1)
OFFLINE_AFTER = dt.timedelta(minutes=10)  # enrolled and no successful sync for this long: offline
PHOTO_MAX_BYTES = 1024 * 1024
PHOTO_TYPES = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png"}
LEAVE_OPEN = ("pending", "approved")
OUT_KIND = "临时外出"
MAX_LEAVE = dt.timedelta(days=366)
STATE_LABELS = {"pending": "待审批", "approved": "已批准", "rejected": "未批准", "cancelled": "已撤销"}


@dataclass(frozen=True)
class Span:
    """A person's leave as the rules see it."""

    id: str
    staff_id: str
    kind: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    status: str

    def overlaps(self, other: Span) -> bool:
        return self.starts_at < other.ends_at and other.starts_at < self.ends_at


def is_offline(*, enrolled: bool, last_success: dt.datetime | None, now: dt.datetime) -> bool:
    """See the module docstring: only an enrolled PC can be offline."""
    if not enrolled:
        return False
    return last_success is None or not dt.timedelta(0) <= now - last_success <= OFFLINE_AFTER


def punch_flag(*, offline: bool, offset_seconds: float | None, tolerance_minutes: int,
               at: dt.datetime, last_at: dt.datetime | None) -> str:
    """Why a punch needs review ('' when trusted): "离线打卡；本机时钟与中心相差8分钟，待核"."""
    reasons = []
    if offline:
        reasons.append("离线打卡")
    if offset_seconds is not None and abs(offset_seconds) > tolerance_minutes * 60:
        reasons.append(f"本机时钟与中心相差{round(abs(offset_seconds) / 60)}分钟")
    if last_at is not None and at < last_at:
        reasons.append(f"本机时钟倒退（早于本机上次打卡{last_at:%m-%d %H:%M}）")
    return ("；".join(reasons) + "，待核") if reasons else ""


def check_punch_gap(at: dt.datetime, previous: dt.datetime | None) -> None:
    """A second punch of the same person within a minute of the previous one is refused."""
    if previous is not None and abs(at - previous) < PUNCH_MIN_GAP:
        raise InvalidInput(f"刚刚已打卡（{previous:%H:%M:%S}），无需重复打卡。", field="punch")


def leave_days(schedule: Schedule, calendar: WorkingCalendar, kind: str, starts_at: dt.datetime,
               ends_at: dt.datetime) -> float:
    """Working days of a leave in half days (临时外出: hours / 8, to 0.01)."""
    if ends_at <= starts_at:
        return 0.0
    if kind == OUT_KIND:
        return round((ends_at - starts_at).total_seconds() / 3600 / 8, 2)
    halves = 0
    day = starts_at.date()
    while day <= ends_at.date():
        if calendar.is_working_day(day):
            timetable = schedule.timetable_for(day)
            for first, last in (timetable.morning, timetable.afternoon):
                if starts_at < dt.datetime.combine(day, last) and ends_at > dt.datetime.combine(day, first):
                    halves += 1
        day += dt.timedelta(days=1)
    return halves / 2


def period_label(starts_at: dt.datetime, ends_at: dt.datetime) -> str:
    """"12月7日 08:30 至 12月8日 17:30" / "12月7日 09:00–11:00"."""
    if starts_at.date() == ends_at.date():
        return f"{starts_at.month}月{starts_at.day}日 {starts_at:%H:%M}–{ends_at:%H:%M}"
    return f"{starts_at.month}月{starts_at.day}日 {starts_at:%H:%M} 至 {ends_at.month}月{ends_at.day}日 {ends_at:%H:%M}"


def days_label(kind: str, days: float) -> str:
    if kind == OUT_KIND:
        return f"{days * 8:g}小时"
    return f"{days:g}天"


def check_leave_request(kinds: Sequence[str], kind: str, starts_at: dt.datetime, ends_at: dt.datetime,
                        reason: str, others: Sequence[Span]) -> str:
    """Raise InvalidInput unless the request is well formed and overlaps none of ``others`` (the
    person's leave; only open ones count); returns the reason trimmed."""
    if kind not in kinds:
        raise InvalidInput(f"请选择请假类别（{'、'.join(kinds)}）。", field="kind")
    if ends_at <= starts_at:
        raise InvalidInput("结束时间应晚于开始时间。", field="ends_at")
    if ends_at - starts_at > MAX_LEAVE:
        raise InvalidInput("一次请假不能超过一年。", field="ends_at")
    if kind == OUT_KIND and starts_at.date() != ends_at.date():
        raise InvalidInput("临时外出应在同一天内，跨天请按请假办理。", field="ends_at")
    text = check_text(reason, field="reason", label="请假事由", required=True, max_len=500)
    mine = Span("", "", kind, starts_at, ends_at, "pending")
    for other in others:
        if other.status in LEAVE_OPEN and other.overlaps(mine):
            raise InvalidInput(
                f"与您已提出的{other.kind}（{period_label(other.starts_at, other.ends_at)}，"
                f"{STATE_LABELS.get(other.status, other.status)}）时间重叠，不能重复请假。", field="starts_at")
    return text


def check_leave_days(days: float) -> None:
    if days <= 0:
        raise InvalidInput("所选时间内没有需要上班的时段（不是工作日或不在上班时间），无需请假。", field="starts_at")


def post_conflict(leave: Span, partner_leaves: Sequence[Span], window_label: str, partner_name: str) -> str:
    """'' unless ``leave`` and an approved leave of the window's other post holder overlap: then the
    message naming the window and that leave."""
    for other in partner_leaves:
        if other.id != leave.id and other.status == "approved" and other.overlaps(leave):
            state = STATE_LABELS.get(other.status, other.status)
            return (f"{window_label}的A岗、B岗不能同时不在：{partner_name}已请{other.kind}"
                    f"（{period_label(other.starts_at, other.ends_at)}，{state}）。"
                    "需由中心领导批准并指定临时顶岗人员。")
    return ""


def check_cancel(status: str, starts_at: dt.datetime, now: dt.datetime) -> None:
    if status not in LEAVE_OPEN:
        raise InvalidInput(f"该请假{STATE_LABELS.get(status, status)}，不能撤销。", field="leave")
    if now >= starts_at:
        raise InvalidInput("请假已开始，不能撤销；如需提前返岗请告知审批人。", field="leave")


def check_pending(status: str, what: str) -> None:
    if status != "pending":
        raise InvalidInput(f"该{what}{STATE_LABELS.get(status, status)}，不能再审批。", field="status")


def check_decision_note(approve: bool, note: str) -> str:
    """A refusal needs a note."""
    return check_text(note, field="note", label="审批意见", required=not approve, max_len=500)


def makeup_deadline(calendar: WorkingCalendar, day: dt.date, limit_days: int) -> dt.date:
    return calendar.add_working_days(day, limit_days)


def check_makeup(schedule: Schedule, calendar: WorkingCalendar, day: dt.date, slot: str,
                 claimed_at: dt.datetime, reason: str, now: dt.datetime, limit_days: int) -> str:
    """Raise InvalidInput unless the 补签 is for a due slot of a working day not in the future,
    claimed on that day and not after ``now``, within ``limit_days`` working days; returns the reason."""
    if day > now.date():
        raise InvalidInput("不能为以后的日期补签。", field="day")
    if not calendar.is_working_day(day):
        raise InvalidInput(f"{day.month}月{day.day}日不是工作日，无需补签。", field="day")
    slots = {s.name: s.label for s in expected_slots(schedule, day)}
    if slot not in slots:
        raise InvalidInput(f"请选择要补签的打卡（{'、'.join(slots.values())}）。", field="slot")
    if claimed_at.date() != day or claimed_at > now:
        raise InvalidInput(f"补签时间应为{day.month}月{day.day}日当天、且不晚于现在。", field="claimed_at")
    deadline = makeup_deadline(calendar, day, limit_days)
    if calendar.working_days_between(day, now.date()) > limit_days:  # as the server counts it
        raise InvalidInput(f"补签须在{day.month}月{day.day}日后{limit_days}个工作日内提出"
                           f"（截至{deadline.month}月{deadline.day}日），已超过期限。", field="day")
    return check_text(reason, field="reason", label="补签原因", required=True, max_len=500)


def check_response(response: str, responder: str, staff_id: str | None, note: str) -> str:
    """Only the checked staff member answers, once; a dispute needs a note."""
    if staff_id is None or responder != staff_id:
        raise InvalidInput("只有被查岗的本人可以确认或提出异议。", field="inspection")
    if response:
        raise InvalidInput("该查岗结果已确认或已提出异议，不能再次回复。", field="inspection")
    return note


def check_photo(name: str, size: int) -> str:
    """The media type of an inspection photo: jpg/png of at most 1 MB."""
    suffix = name[name.rfind("."):].lower() if "." in name else ""
    if suffix not in PHOTO_TYPES:
        raise InvalidInput("照片只能是 JPG 或 PNG 文件。", field="photo")
    if size > PHOTO_MAX_BYTES:
        raise InvalidInput(f"照片过大（{size / 1024 / 1024:.1f} MB），最大 1 MB，请压缩后再选。", field="photo")
    return PHOTO_TYPES[suffix]


def keeps_attendance(window_id: str | None, holds_a_post: bool) -> bool:
    """Whether a person is on the monthly sheet: the window staff (a window of their own, or A/B of one);
    the hall's management (business section, leadership, supervisors, IT) keep attendance elsewhere."""
    return window_id is not None or holds_a_post


_MACHINE_PUNCHES = uuid.UUID("6f1d2c0e-6a52-4d8e-9b1a-3c7e5f0a2b94")


def machine_punch_id(staff_id: str, device_id: str, at: dt.datetime) -> str:
    """The id of a punch read from the attendance machine: made from its natural key (staff, terminal,
    time), so the same file imported at two counters offline gives the same rows, not two punches that
    collide on the key when they meet."""
    return str(uuid.uuid5(_MACHINE_PUNCHES, f"{staff_id}|{device_id}|{at.isoformat()}"))
