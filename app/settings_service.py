"""Hall parameters (reference data a hall tunes): warning window, idle lock, notice wording."""

from __future__ import annotations

from app.authz import require
from app.context import DEFAULT_PARAMETERS, Actor, AppContext
from app.errors import InvalidInput
from db.repositories import ReferenceRepository

_INTEGER_KEYS = {"yellow_days_before": (0, 10), "notify_limit_days": (1, 5), "idle_lock_minutes": (1, 120),
                 "rectify_days": (1, 30), "backup_keep": (1, 365)}


def check_parameter(key: str, value: str) -> str:
    """Known numeric keys are range-checked (the notify limit can only be shortened, Art. 32)."""
    if key in _INTEGER_KEYS:
        low, high = _INTEGER_KEYS[key]
        if not value.isdigit() or not low <= int(value) <= high:
            raise InvalidInput(f"参数 {key} 应为 {low} 到 {high} 之间的整数。", field=key)
        return value
    if key in DEFAULT_PARAMETERS or key.startswith("text.") or key == "seal_image":
        return value
    raise InvalidInput(f"未知参数 {key}。", field=key)


class SettingsService:
    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx

    def set_parameter(self, actor: Actor, key: str, value: str) -> None:
        value = check_parameter(key, value)
        with self.ctx.action() as s:
            require(s, actor, "parameter.change")
            ReferenceRepository(s).set_parameter(key, value)
            self.ctx.audit(s, actor, action="parameter.set", entity="parameter", entity_id=key[:36],
                           summary=f"参数 {key} 设为 {value[:80]}", detail={"key": key, "value": value})
