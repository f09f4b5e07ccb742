"""What the attendance screens show (frozen DTOs from app.attendance.service): formatted in Chinese
already (names, window labels, state labels), with the ids and datetimes a screen acts on."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.attendance.rules import MonthSheet

STATUS_LABELS = {"pending": "待审批", "approved": "已批准", "rejected": "未批准", "cancelled": "已撤销"}
APPROVAL_LABELS = {
    "leave.approve_day": "首席代表审批",
    "leave.approve_two_days": "中心业务科审批",
    "leave.approve_longer": "中心领导审批",
    "punch.makeup_approve": "首席代表审批",
}
SLOT_LABELS = {"start": "上班", "noon_out": "午间下班", "noon_in": "午间上班", "end": "下班"}
SLOT_STATE_LABELS = {"done": "已打卡", "missing": "缺卡", "upcoming": "待打卡"}
RESPONSE_LABELS = {"": "待确认", "confirmed": "已确认", "disputed": "有异议"}
SOURCE_LABELS = {"counter": "窗口打卡", "machine": "考勤机"}


@dataclass(frozen=True)
class PunchItem:
    id: str
    staff_id: str
    at: dt.datetime
    source: str  # counter / machine
    source_label: str  # 窗口打卡 / 考勤机
    device_id: str
    offline: bool
    flag: str  # '' when trusted, else why it needs review ("离线打卡，待核")
    clock_offset_seconds: float | None = None


@dataclass(frozen=True)
class PunchResult:
    punch: PunchItem
    message: str  # "已打卡 08:27" (+ "（离线打卡，待核）")
    flagged: bool


@dataclass(frozen=True)
class SlotState:
    """One punch due today: 上班 08:30 ✓ 08:27 / 午间下班 12:00 待打卡 / 缺卡."""

    name: str  # start / noon_out / noon_in / end
    label: str  # 上班
    due: dt.time
    state: str  # done / missing / upcoming
    state_label: str  # 已打卡 / 缺卡 / 待打卡
    punch_at: dt.datetime | None = None
    flag: str = ""


@dataclass(frozen=True)
class LeaveItem:
    id: str
    staff_id: str
    staff_name: str
    window_label: str  # "01号窗口（市场监管综合窗口）" or ''
    kind: str  # 事假
    starts_at: dt.datetime
    ends_at: dt.datetime
    period_label: str  # "12月7日 上午 至 12月8日 下午" / "12月7日 09:00–11:00"
    days: float
    days_label: str  # "1.5天" / "2小时"
    reason: str
    approval: str  # leave.approve_day ...
    approval_label: str  # 首席代表审批
    status: str  # pending/approved/rejected/cancelled
    status_label: str  # 待审批/已批准/未批准/已撤销
    requested_at: dt.datetime
    version: int
    cover_staff_id: str | None = None
    cover_name: str = ""
    decided_by: str | None = None
    decided_by_name: str = ""
    decided_at: dt.datetime | None = None
    decision_note: str = ""
    can_cancel: bool = False
    post_conflict: str = ""  # A and B would both be away: the message naming the window and the other leave


@dataclass(frozen=True)
class LeaveEstimate:
    """What a leave dialog shows before submitting: the days counted and who must approve."""

    days: float
    days_label: str  # "1.5天" / "2小时"
    approval: str
    approval_label: str  # 首席代表审批


@dataclass(frozen=True)
class ScheduleInfo:
    """The schedule version in force and who set it (version 0: the default, never set)."""

    version: int
    content: dict[str, object]
    note: str = ""
    set_by_name: str = ""
    set_at: dt.datetime | None = None


@dataclass(frozen=True)
class MakeupItem:
    id: str
    staff_id: str
    staff_name: str
    window_label: str
    day: dt.date
    slot: str
    slot_label: str  # 上班
    claimed_at: dt.datetime
    reason: str
    status: str
    status_label: str
    requested_at: dt.datetime
    version: int
    approval_label: str = "首席代表审批"
    decided_by: str | None = None
    decided_by_name: str = ""
    decided_at: dt.datetime | None = None
    decision_note: str = ""


@dataclass(frozen=True)
class RequestItem:
    """One line of 我的申请 / 待我审批: a leave or a 补签."""

    kind: str  # leave / makeup
    id: str
    staff_id: str
    staff_name: str
    window_label: str
    title: str  # "请假（病假）" / "补签（上班）"
    period_label: str
    days_label: str  # '' for 补签
    reason: str
    status: str
    status_label: str
    approval_label: str  # 需首席代表审批
    requested_at: dt.datetime
    can_cancel: bool
    leave: LeaveItem | None = None
    makeup: MakeupItem | None = None
    post_conflict: str = ""  # leave only: approving needs a leader with a named cover


@dataclass(frozen=True)
class TodayPunches:
    day: dt.date
    working: bool  # a working day of the hall
    punches: tuple[PunchItem, ...]
    slots: tuple[SlotState, ...]
    flags: tuple[str, ...]  # the flags of today's punches (离线打卡，待核 ...)
    status_label: str  # the status so far (rules.day_result(...).label), "休息" on a day off
    open_requests: tuple[RequestItem, ...]  # own pending requests
    schedule_version: int = 0


@dataclass(frozen=True)
class ImportProblem:
    row: int
    reason: str
    text: str


@dataclass(frozen=True)
class ImportPreview:
    file_name: str
    headers: tuple[str, ...]
    mapping: dict[str, int]  # field -> column index (remembered, else guessed)
    mapping_source: str  # remembered / guessed / given
    rows: tuple[tuple[str, ...], ...]  # the first 20 rows of the file
    total_rows: int
    new_count: int  # punches that would be added
    duplicate_count: int  # already held (same staff + device + time) or merged in the file
    problems: tuple[ImportProblem, ...]
    mapping_error: str = ""  # the mapping does not fit the file (then the counts are 0)


@dataclass(frozen=True)
class ImportResult:
    import_id: str
    file_name: str
    rows_total: int
    rows_new: int
    rows_duplicate: int
    problems: tuple[ImportProblem, ...]
    message: str  # "导入 12 条新记录，3 条已导入过，2 行有问题"


@dataclass(frozen=True)
class PublishedVersion:
    id: str
    version: int
    published_at: dt.datetime
    published_by: str
    published_by_name: str
    reason: str
    label: str  # "第2版 2026-12-03 刘洋 更正：…"
    sheet: MonthSheet | None = None


@dataclass(frozen=True)
class MonthView:
    year: int
    month: int
    title: str  # "<hall> 2026年12月考勤月报"
    scope_label: str  # 全大厅 / 市场监管局 / 张敏本人
    sheet: MonthSheet  # computed from local data now
    versions: tuple[PublishedVersion, ...]  # published versions, latest first
    department_id: str | None = None
    staff_id: str | None = None
    own_only: bool = False  # the viewer sees only themselves
    made_at: dt.datetime | None = None
    edition: int | None = None  # the published version ``sheet`` is; None: computed now (实时计算)

    @property
    def latest(self) -> PublishedVersion | None:
        return self.versions[0] if self.versions else None


@dataclass(frozen=True)
class PostItem:
    """A window's posts today."""

    window_id: str
    window_label: str
    a_staff_id: str | None
    a_name: str
    b_staff_id: str | None
    b_name: str
    away: tuple[str, ...] = field(default_factory=tuple)  # "张敏 事假 12月7日 上午 至 12月8日 下午"
    cover_label: str = ""  # "李强顶岗" / "临时顶岗：陈静" / ''
    state_label: str = "在岗"  # 在岗 / A岗不在，B岗顶岗 / A、B岗均不在


@dataclass(frozen=True)
class CoverItem:
    window_id: str
    window_label: str
    a_staff_id: str
    a_name: str
    leave_id: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    period_label: str
    kind: str = ""


@dataclass(frozen=True)
class EmptyPostItem:
    id: str
    window_id: str
    window_label: str
    started_at: dt.datetime
    ended_at: dt.datetime | None
    minutes: int
    basis: str
    is_open: bool
    label: str  # "空岗：03号窗口 10:02起 已 14 分钟（中心判定：…）"


@dataclass(frozen=True)
class InspectionItem:
    id: str
    window_id: str
    window_label: str
    staff_id: str | None
    staff_name: str
    at: dt.datetime
    finding: str
    note: str
    photo_name: str
    photo: bytes | None
    recorded_by: str
    recorded_by_name: str
    response: str  # '' / confirmed / disputed
    response_label: str  # 待确认 / 已确认 / 有异议
    response_note: str
    responded_at: dt.datetime | None
    version: int
    can_respond: bool = False
