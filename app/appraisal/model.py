"""What the appraisal screens show (immutable; built on a worker thread)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from app.appraisal.score import MonthAppraisal

ITEM_KIND_LABELS = {"irregular_receipt": "不规范收件", "unauthorised_fee": "违规收费", "manual": "其他加减分",
                    "adjustment": "业务科调整"}
ITEM_STATUS_LABELS = {"proposed": "待审批", "approved": "已批准", "refused": "未批准"}
COMMENDATION_LABELS = {"praise_letter": "表扬信", "banner": "锦旗"}


@dataclass(frozen=True)
class AppraisalVersion:
    """One published version of a month: ``result`` as the server computed it (None if unreadable)."""

    id: str
    version: int
    rules_version: int
    published_at: dt.datetime
    published_by: str
    reason: str
    label: str
    result: MonthAppraisal | None


@dataclass(frozen=True)
class ItemRow:
    id: str
    month: str
    kind: str
    kind_label: str
    staff_id: str | None
    window_id: str | None
    target: str  # the person or window it is about
    points: float | None  # None: the rules' points for the kind
    reason: str
    entered_by: str
    entered_by_name: str
    entered_at: dt.datetime
    status: str
    status_label: str
    decided_by_name: str
    decision_note: str
    version: int


@dataclass(frozen=True)
class CommentRow:
    id: str
    department: str
    about: str
    text: str
    written_by: str
    written_at: dt.datetime


@dataclass(frozen=True)
class CommendationRow:
    id: str
    kind_label: str
    target: str
    day: dt.date
    note: str
    recorded_by: str


@dataclass(frozen=True)
class AppraisalView:
    """A month as the viewer may see it: the draft computed now from this PC's data (narrowed to the
    viewer's scope: the hall, the chief's department, or oneself), the published versions, the
    items, comments and commendations of the month, and what the viewer may do."""

    year: int
    month: int
    title: str
    scope_label: str
    draft: MonthAppraisal
    versions: tuple[AppraisalVersion, ...]  # newest first
    items: tuple[ItemRow, ...]
    comments: tuple[CommentRow, ...]
    commendations: tuple[CommendationRow, ...]
    quota_raised: bool
    own_only: bool
    department_id: str | None
    month_over: bool
    may: dict[str, str | None]  # action -> None when the viewer may, else why not
    made_at: dt.datetime

    @property
    def latest(self) -> AppraisalVersion | None:
        return self.versions[0] if self.versions else None
