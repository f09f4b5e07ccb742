"""Crafted rating ops (rating.record, followup.*, rating.appeal*), shaped as the payload contract
says (/tmp/brief contracts R and S), for the server tests: a counter may send anything, so the server
is driven by hand-made ops; the cases and enquiries they rate are written to the server's tables
as a push of them would have left them."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import select

from app.ratings import policy
from app.sync.protocol import RATING_APPEAL, RATING_APPEAL_DECIDE, RATING_RECORD
from app.sync.rows import columns_row
from db.models import Case, Enquiry, Matter, Rating
from server.attendance_sheet import hall_calendar
from tests.server.attendance_kit import NOW_LOCAL, Hall, new_id, op
from tests.server.kit import Device, ServerKit

RATED_AT = "2026-03-02T09:25:00"  # five minutes before the server's clock of the tests, in the hall


class RatingHall(Hall):
    """The demo hall on the server with rating ops of its window-01 device."""

    def __init__(self, server: ServerKit, device: Device) -> None:
        super().__init__(server, device)
        with server.db.snapshot() as s:
            self.matter_id = s.scalars(select(Matter.id).order_by(Matter.id).limit(1)).one()
            self.calendar = hall_calendar(s)

    # -- what is rated ---------------------------------------------------------------------------
    def case(self, status: str = "completed", window: str = "01", who: str = "zhangmin") -> str:
        """A case the server holds (as pushed by a counter), in ``status``."""
        case_id = new_id()
        at = dt.datetime(2026, 3, 2, 9, 0)
        with self.server.db.write() as s:
            s.add(Case(id=case_id, number=f"SC{uuid.uuid4().hex[:12]}", query_code=uuid.uuid4().hex[:10].upper(),
                       hall_id=self.server.hall_id, window_id=self.windows[window], matter_id=self.matter_id,
                       matter_name="测试事项", case_type="immediate", status=status, applicant_kind="person",
                       applicant_name="李明", applicant_id_number="110101199003077777",
                       applicant_phone="13812345678", received_at=at, received_on=at.date(), notify_due=at.date(),
                       created_by=self.staff[who], updated_at=at, version=3))
        return case_id

    def enquiry(self, who: str = "zhangmin") -> str:
        enquiry_id = new_id()
        with self.server.db.write() as s:
            s.add(Enquiry(id=enquiry_id, hall_id=self.server.hall_id, window_id=self.windows["01"],
                          staff_id=self.staff[who], at=dt.datetime(2026, 3, 2, 9, 10), visitor="王先生",
                          phone="", topic="营业执照怎么办", matter_id=None, referred_window="", answer="请到01窗口"))
        return enquiry_id

    # -- rating.record ---------------------------------------------------------------------------
    def rating_row(self, case_id: str, level: int | None = 2, *, reasons: list[str] | None = None,
                   trigger: str = "complete", who: str | None = "zhangmin", window: str | None = "01",
                   **over: Any) -> dict[str, Any]:
        if reasons is None:
            reasons = ["attitude"] if policy.is_bad(level) else []
        row = {"id": policy.rating_id(case_id, level is not None), "hall_id": self.server.hall_id,
               "case_id": case_id, "window_id": self.windows[window] if window else None,
               "staff_id": self.staff[who] if who else None,
               "matter_id": "" if trigger == "enquiry" else self.matter_id, "level": level, "reasons": reasons,
               "comment": "等了很久" if policy.is_bad(level) else "", "callback_phone": "13812345678"
               if policy.is_bad(level) else "", "channel": "counter", "trigger": trigger,
               "device_id": self.device.id, "rated_at": RATED_AT}
        row.update(over)
        return row

    def followup_row(self, rating: dict[str, Any], rectify_days: int = 15) -> dict[str, Any] | None:
        """The follow-up the counter opens with its own calendar (policy.new_followup)."""
        if not policy.is_bad(rating["level"]):
            return None
        model = Rating(**{**rating, "rated_at": dt.datetime.fromisoformat(rating["rated_at"])})
        return columns_row(policy.new_followup(model, self.calendar, rectify_days))

    def rating(self, case_id: str, level: int | None = 2, **over: Any) -> dict[str, Any]:
        """A rating.record op as the counter's rating screen writes it (no actor)."""
        row = self.rating_row(case_id, level, **over)
        return op(RATING_RECORD, row["id"], None, {"rating": row, "followup": self.followup_row(row)})

    def bad_rating(self, who: str = "zhangmin", window: str = "01") -> tuple[str, str]:
        """A 差评 applied on a fresh completed case: (rating id, follow-up id)."""
        rating = self.rating(self.case(window=window), 1, who=who, window=window)
        answer = self.one(rating)
        assert answer["status"] == "applied", answer
        return rating["entity_id"], policy.followup_id(rating["entity_id"])

    # -- 差评整改 ---------------------------------------------------------------------------------
    def step(self, kind: str, followup_id: str, who: str = "sunduc", from_version: int = 1,
             at: str = NOW_LOCAL, **fields: Any) -> dict[str, Any]:
        defaults = {"followup.verify": {"finding": "substantiated", "note": "已联系办事人并听取窗口人员说明"},
                    "followup.rectify": {"measures": "组织窗口服务规范培训"},
                    "followup.callback": {"result": "satisfied", "note": "办事人表示满意"},
                    "followup.close": {"note": "整改完成"}}[kind]
        payload = {"id": followup_id, "from_version": from_version, "at": at, **defaults, **fields}
        return op(kind, followup_id, self.staff[who], payload)

    # -- 申诉复核 ---------------------------------------------------------------------------------
    def appeal(self, rating_id: str, who: str = "zhangmin", **over: Any) -> dict[str, Any]:
        row = {"id": new_id(), "hall_id": self.server.hall_id, "rating_id": rating_id, "staff_id": self.staff[who],
               "ground": "mistaken", "reason": "办事人误操作，当场已说明", "appealed_at": NOW_LOCAL,
               "status": "pending", "decided_by": "", "decided_at": None, "decision_note": "", "version": 1, **over}
        return op(RATING_APPEAL, row["id"], self.staff[who], row)

    def decide_appeal(self, appeal_id: str, who: str = "chenzr", upheld: bool = True,
                      from_version: int = 1, **over: Any) -> dict[str, Any]:
        payload = {"id": appeal_id, "from_version": from_version, "upheld": upheld, "note": "经核实属误评",
                   "at": "2026-03-02T09:40:00", **over}
        return op(RATING_APPEAL_DECIDE, appeal_id, self.staff[who], payload)

    def held(self, model: type[Any], row_id: str) -> dict[str, Any] | None:
        with self.server.db.snapshot() as s:
            row = s.get(model, row_id)
            return columns_row(row) if row is not None else None
