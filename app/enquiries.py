"""First-contact log (首问登记): who asked what, what they were told, which window handles it."""

from __future__ import annotations

import datetime as dt

from app.authz import require
from app.context import Actor, AppContext
from app.dto import EnquiryInput, EnquiryView
from app.ids import uuid7
from app.validation import check_phone, check_text
from db.models import Enquiry
from db.repositories import EnquiryRepository, StaffRepository


class EnquiryService:
    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx

    def record(self, actor: Actor, hall_id: str, window_id: str | None, e: EnquiryInput) -> EnquiryView:
        """One transaction: the enquiry row, its audit event and its outbox operation."""
        topic = check_text(e.topic, field="topic", label="咨询内容", required=True, max_len=5000)
        answer = check_text(e.answer, field="answer", label="答复", max_len=5000)
        referred = check_text(e.referred_window, field="referred_window", label="转办窗口", max_len=100)
        visitor = check_text(e.visitor, field="visitor", label="来访人", max_len=100)
        phone = check_phone(e.phone)
        now = self.ctx.clock.now()
        row = Enquiry(
            id=uuid7(), hall_id=hall_id, window_id=window_id, staff_id=actor.id or "", at=now,
            visitor=visitor, phone=phone, topic=topic, matter_id=e.matter_id,
            referred_window=referred, answer=answer,
        )
        with self.ctx.action() as s:
            require(s, actor, "enquiry.record")
            EnquiryRepository(s).add(row)
            payload = {
                "id": row.id, "hall_id": hall_id, "window_id": window_id, "staff_id": actor.id,
                "at": now.isoformat(), "visitor": visitor, "phone": phone, "topic": topic,
                "matter_id": e.matter_id, "referred_window": referred, "answer": answer,
            }
            self.ctx.record(s, actor, op_kind="enquiry.add", entity="enquiry", entity_id=row.id,
                            summary=f"首问登记：{topic[:40]}", payload=payload)
        return EnquiryView(row.id, now, actor.name, topic, answer, referred, visitor, phone)

    def today(self, hall_id: str) -> list[EnquiryView]:
        start = dt.datetime.combine(self.ctx.today(), dt.time.min)
        with self.ctx.db.read() as s:
            staff = StaffRepository(s)
            out = []
            for r in EnquiryRepository(s).recent(hall_id, start):
                person = staff.get(r.staff_id)
                out.append(EnquiryView(r.id, r.at, person.name if person else "", r.topic, r.answer,
                                       r.referred_window, r.visitor, r.phone))
            return out
