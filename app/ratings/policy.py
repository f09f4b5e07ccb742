"""The rules of a rating (好差评) and of the 差评 closed loop, pure: no session, no Qt.

The counter and the server both use these functions, so a rating checked on the counter is
checked the same way again by the server, and both derive the same ids and due dates.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Sequence

from app.errors import InvalidInput
from app.sync.protocol import FOLLOWUP_CALLBACK, FOLLOWUP_CLOSE, FOLLOWUP_RECTIFY, FOLLOWUP_VERIFY
from app.validation import check_text
from app.workcal import WorkingCalendar
from db.models import Rating, RatingFollowup

LEVELS: dict[int, str] = {5: "非常满意", 4: "满意", 3: "基本满意", 2: "不满意", 1: "非常不满意"}
UNRATED = "未评价"
REASONS: dict[str, str] = {"attitude": "服务态度", "efficiency": "办事效率", "norms": "规范程度",
                           "integrity": "廉洁自律", "other": "其他"}
CHANNELS = {"counter": "评价器", "mobile": "扫码评价"}
TRIGGERS = ("complete", "deliver", "enquiry", "receipt")
FINDINGS = {"substantiated": "属实", "partly": "部分属实", "unfounded": "不属实"}
CALLBACK_RESULTS = {"satisfied": "满意", "unsatisfied": "不满意", "unreachable": "无法联系"}
APPEAL_GROUNDS = {"malicious": "恶意评价", "mistaken": "误评"}
FOLLOWUP_STATUS = {"verify": "待核实", "rectify": "待整改", "callback": "待回访", "closed": "已结案"}
# the step op kind that moves a follow-up on, and the status it must be in
STEP_FROM = {FOLLOWUP_VERIFY: "verify", FOLLOWUP_RECTIFY: "rectify", FOLLOWUP_CALLBACK: "callback",
             FOLLOWUP_CLOSE: "callback"}  # close comes after the call back
STEP_TO = {FOLLOWUP_VERIFY: "rectify", FOLLOWUP_RECTIFY: "callback", FOLLOWUP_CALLBACK: "callback",
           FOLLOWUP_CLOSE: "closed"}  # callback records the result; close ends it

COMMENT_MAX = 500
# the rated person sees a rating only this long after it was given: the applicant has left the window
RATING_VISIBLE_AFTER = dt.timedelta(minutes=30)
# uuid5 namespace of the ids derived here (ratings, follow-ups): the same on counter and server
NAMESPACE = uuid.UUID("3c9a2f61-7d4e-4b8a-a0c5-5e2b7f1d9c84")
_PHONE = re.compile(r"\+?\d{7,20}")


def is_bad(level: int | None) -> bool:
    """不满意 or 非常不满意: a 差评, which opens a follow-up."""
    return level in (1, 2)


def is_good(level: int | None) -> bool:
    """满意 or 非常满意: a 好评 (what the good rate counts)."""
    return level in (4, 5)


def check_rating(level: int, reasons: Sequence[str], comment: str, phone: str) -> tuple[list[str], str, str]:
    """The rating's fields checked and normalised: (reasons, comment, phone).

    The level must be one of the five; a 差评 must give at least one reason (anyone may give
    reasons), every reason a known code, each once; the comment at most 500 characters; the
    callback phone empty or 7–20 digits (an optional leading +; dashes and spaces dropped).
    """
    if isinstance(level, bool) or not isinstance(level, int) or level not in LEVELS:
        raise InvalidInput("请选择评价等级（非常满意至非常不满意）。", field="level")
    if isinstance(reasons, str) or not all(isinstance(r, str) for r in reasons):
        raise InvalidInput("评价原因的格式不正确。", field="reasons")
    unknown = [r for r in reasons if r not in REASONS]
    if unknown:
        raise InvalidInput(f"未知的评价原因：{unknown[0]}，请从列表中选择。", field="reasons")
    picked = list(dict.fromkeys(reasons))
    if is_bad(level) and not picked:
        raise InvalidInput("请至少选择一项不满意的原因。", field="reasons")
    if not isinstance(comment, str):
        raise InvalidInput("评价意见的格式不正确。", field="comment")
    text = check_text(comment, field="comment", label="评价意见", max_len=COMMENT_MAX)
    return picked, text, _check_phone(phone)


def _check_phone(phone: str) -> str:
    if not isinstance(phone, str):
        raise InvalidInput("回访电话的格式不正确。", field="phone")
    value = re.sub(r"[\s\-]", "", phone)
    if value and not _PHONE.fullmatch(value):
        raise InvalidInput("回访电话应为7至20位数字（可不填），请核对。", field="phone")
    return value


def rating_id(case_id: str, rated: bool) -> str:
    """The rating's id, derived so the same rating twice is the same row: a case has at most one
    rated row (whatever the channel) and at most one 未评价 row."""
    return str(uuid.uuid5(NAMESPACE, f"rating:{case_id}:{'rated' if rated else 'unrated'}"))


def followup_id(rating_id: str) -> str:
    """The id of the follow-up a 差评 opens: one per rating, derived from it."""
    return str(uuid.uuid5(NAMESPACE, f"followup:{rating_id}"))


def rectify_due(rated_on: dt.date, calendar: WorkingCalendar, rectify_days: int) -> dt.date:
    """The 整改 limit: ``rectify_days`` working days after the day of the rating (as case limits)."""
    return calendar.add_working_days(rated_on, max(0, rectify_days))


def new_followup(rating: Rating, calendar: WorkingCalendar, rectify_days: int) -> RatingFollowup:
    """The follow-up a 差评 opens (status 待核实), due ``rectify_days`` working days after the rating."""
    return RatingFollowup(
        id=followup_id(rating.id), hall_id=rating.hall_id, rating_id=rating.id, case_id=rating.case_id,
        window_id=rating.window_id, staff_id=rating.staff_id, status="verify", opened_at=rating.rated_at,
        rectify_due=rectify_due(rating.rated_at.date(), calendar, rectify_days),
        verified_by="", verified_at=None, verify_finding="", verify_note="",
        rectified_by="", rectified_at=None, measures="", callback_due=None,
        callback_by="", callback_at=None, callback_result="", callback_note="",
        closed_by="", closed_at=None, close_note="", version=1,
    )


def callback_due(rectified_on: dt.date, calendar: WorkingCalendar, callback_days: int) -> dt.date:
    """The 回访 limit: ``callback_days`` working days after the rectification."""
    return calendar.add_working_days(rectified_on, max(0, callback_days))


def mask_phone(phone: str) -> str:
    """'13812345678' -> '138****5678'; shorter numbers keep only their last 2 digits."""
    if not phone:
        return ""
    if len(phone) >= 11:
        return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]
    return "*" * max(len(phone) - 2, 1) + phone[-2:] if len(phone) > 2 else "*" * len(phone)
