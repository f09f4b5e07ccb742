"""Hall parameters (reference data a hall tunes): warning window, idle lock, notice wording."""

from __future__ import annotations

from urllib.parse import urlsplit

from app.authz import require
from app.context import DEFAULT_PARAMETERS, Actor, AppContext
from app.documents.texts import check_notice_text
from app.errors import InvalidInput
from db.repositories import ReferenceRepository

_INTEGER_KEYS = {"yellow_days_before": (0, 10), "notify_limit_days": (1, 5), "idle_lock_minutes": (1, 120),
                 "rectify_days": (1, 30), "backup_keep": (1, 365),
                 # attendance
                 "leave.chief_max_days": (0, 30), "leave.business_max_days": (0, 60), "makeup.limit_days": (1, 30),
                 "empty_post.minutes": (1, 240), "punch.clock_tolerance_minutes": (1, 60),
                 # ratings and peer evaluation (a 互评 result is never shown on fewer than 3 ballots)
                 "rating.timeout_seconds": (10, 600), "rating.rectify_days": (1, 30), "rating.callback_days": (1, 30),
                 "peer.min_ballots": (3, 50)}
_LIST_KEYS = {"leave.types": "请假类别", "inspection.findings": "查岗结果", "peer.dimensions": "互评维度"}
_CHOICE_KEYS = {"rating.timeout_policy": ("unrated", "none"), "rating.after_enquiry": ("0", "1"),
                "rating.after_receipt": ("0", "1")}
SERVER_ONLY_KEYS = {"peer.ballot_key"}  # set by the central server (the key ballots are sealed to)
_LIST_MAX_ITEMS, _LIST_MAX_CHARS = 20, 10


def check_parameter(key: str, value: str) -> str:
    """Known numeric keys are range-checked (the notify limit can only be shortened, Art. 32)."""
    if key in _INTEGER_KEYS:
        low, high = _INTEGER_KEYS[key]
        if not value.isdigit() or not low <= int(value) <= high:
            raise InvalidInput(f"参数 {key} 应为 {low} 到 {high} 之间的整数。", field=key)
        return value
    if key in _LIST_KEYS:
        return _checked_list(key, value)
    if key in _CHOICE_KEYS:
        if value not in _CHOICE_KEYS[key]:
            raise InvalidInput(f"参数 {key} 只能是 {' 或 '.join(_CHOICE_KEYS[key])}。", field=key)
        return value
    if key == "rating.public_url":
        return _checked_url(key, value)
    if key in SERVER_ONLY_KEYS:
        raise InvalidInput(f"参数 {key} 由中心服务器设置，不能在本机更改。", field=key)
    if key.startswith("text."):  # the papers' wording: a rejection must keep both rights with their limits
        return check_notice_text(key, value)
    if key in DEFAULT_PARAMETERS or key == "seal_image":
        return value
    raise InvalidInput(f"未知参数 {key}。", field=key)


def _checked_list(key: str, value: str) -> str:
    """A comma list (， too) of 1–20 distinct items of at most 10 characters; returned normalised."""
    label = _LIST_KEYS[key]
    items = [i.strip() for i in value.replace("，", ",").split(",")]
    if not 1 <= len(items) <= _LIST_MAX_ITEMS or any(not i for i in items):
        raise InvalidInput(f"{label}应为 1 到 {_LIST_MAX_ITEMS} 项，用逗号分隔，每项不能为空。", field=key)
    if any(len(i) > _LIST_MAX_CHARS or not i.isprintable() for i in items):
        raise InvalidInput(f"{label}的每一项最多 {_LIST_MAX_CHARS} 个字。", field=key)
    if len(set(items)) != len(items):
        raise InvalidInput(f"{label}中有重复的项。", field=key)
    return ",".join(items)


def _check_leave_tiers(key: str, value: str, current: dict[str, str]) -> None:
    """The business section's limit is never below the chief's."""
    if key not in ("leave.chief_max_days", "leave.business_max_days"):
        return
    values = {**current, key: value}
    if int(values["leave.business_max_days"]) < int(values["leave.chief_max_days"]):
        raise InvalidInput("中心业务科审批的天数上限不能小于首席代表的上限。", field=key)


class SettingsService:
    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx

    def set_parameter(self, actor: Actor, key: str, value: str) -> None:
        value = check_parameter(key, value)
        with self.ctx.action() as s:
            require(s, actor, "parameter.change")
            _check_leave_tiers(key, value, {**DEFAULT_PARAMETERS, **ReferenceRepository(s).parameters()})
            ReferenceRepository(s).set_parameter(key, value)
            self.ctx.audit(s, actor, action="parameter.set", entity="parameter", entity_id=key[:36],
                           summary=f"参数 {key} 设为 {value[:80]}", detail={"key": key, "value": value})


def _checked_url(key: str, value: str) -> str:
    """The address printed in the rating QR code: empty (no QR code) or an http(s) address."""
    value = value.strip().rstrip("/")
    if not value:
        return value
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or " " in value or len(value) > 200:
        raise InvalidInput(f"参数 {key} 应为办事群众手机能打开的网址，例如 https://zwfw.example.gov.cn 。", field=key)
    return value
