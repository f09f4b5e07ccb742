"""Local overrides of the official working calendar (a hall closed for a local reason,
an extra working day), kept as reference data beside the official schedule."""

from __future__ import annotations

import datetime as dt

from app.context import Actor, AppContext
from app.validation import check_text
from db.models import CalendarDay


class CalendarService:
    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx

    def set_day(self, actor: Actor, day: dt.date, *, is_workday: bool, name: str) -> None:
        """Override one day; audited. The calendar cache is reloaded."""
        name = check_text(name, field="name", label="说明", required=True, max_len=64)
        kind = "工作日" if is_workday else "休息日"
        with self.ctx.action() as s:
            s.merge(CalendarDay(day=day, is_workday=is_workday, name=name, source="override"))
            self.ctx.audit(s, actor, action="calendar.set_day", entity="calendar_day", entity_id=day.isoformat(),
                           summary=f"{day.isoformat()} 设为{kind}：{name}",
                           detail={"is_workday": is_workday, "name": name})
        self.ctx.reload_reference()
