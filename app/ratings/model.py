"""What the rating screens show (frozen DTOs from app.ratings.service): labels in Chinese already,
with the ids, versions and dates a screen acts on. The applicant's phone is masked here unless the
viewer holds ``rating.phone_view`` (the supervisor calling back)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

APPEAL_STATUS = {"": "", "pending": "待复核", "upheld": "申诉成立", "dismissed": "申诉不成立"}


@dataclass(frozen=True)
class RatingItem:
    id: str
    case_id: str
    case_number: str  # '' for an enquiry
    matter_name: str
    window_id: str | None
    window_label: str
    staff_id: str | None
    staff_name: str
    level: int | None
    level_label: str  # 非常满意 … 非常不满意, or 未评价
    reasons: list[str]  # labels (服务态度 …)
    comment: str
    phone: str  # masked unless the viewer holds rating.phone_view
    channel: str  # counter / mobile
    channel_label: str
    rated_at: dt.datetime
    appeal_status: str  # '' | pending | upheld | dismissed
    appeal_status_label: str
    counts: bool  # False once an appeal was upheld: out of appraisal, still on the record
    can_appeal: bool


@dataclass(frozen=True)
class FollowupStep:
    label: str  # 收到差评 / 核实 / 整改 / 回访 / 结案
    who_name: str
    at: dt.datetime | None
    text: str


@dataclass(frozen=True)
class FollowupItem:
    id: str
    rating: RatingItem
    status: str  # verify / rectify / callback / closed
    status_label: str
    opened_at: dt.datetime
    rectify_due: dt.date
    callback_due: dt.date | None
    due: dt.date | None  # of the current step; None once closed
    due_state: str  # 'ok' | 'yellow' | 'red' | '' (closed)
    steps: list[FollowupStep]
    finding: str
    measures: str
    callback_result: str
    version: int
    can_verify: bool
    can_rectify: bool
    can_callback: bool
    can_close: bool
    phone: str  # full for rating.phone_view holders, else masked


@dataclass(frozen=True)
class AppealItem:
    id: str
    rating: RatingItem
    staff_id: str
    staff_name: str
    ground: str  # malicious / mistaken
    ground_label: str
    reason: str
    appealed_at: dt.datetime
    status: str  # pending / upheld / dismissed
    status_label: str
    decided_by_name: str
    decided_at: dt.datetime | None
    decision_note: str
    version: int
    can_decide: bool


@dataclass(frozen=True)
class DaySummary:
    day: dt.date
    window_label: str
    counts: dict[str, int]  # level label -> n, 非常满意 … 非常不满意 then 未评价
    rated: int
    good_rate: float | None  # 好评 / rated; None without ratings


@dataclass(frozen=True)
class FigureRow:
    key: str  # window / department / matter / staff id; '' for the 合计 row
    label: str
    rated: int
    unrated: int
    good: int
    medium: int
    bad: int
    good_rate: float | None
    followups: int
    rectified_on_time: int
    rectified_on_time_rate: float | None
    callbacks_due: int
    callbacks_done: int
    callback_rate: float | None
    upheld_appeals: int
