"""After acceptance: suspension (Art. 45), completion, pickup, voiding, and the lapse of the
notify limit (Art. 32: no notice in time means accepted from the day of receipt)."""

from __future__ import annotations

from typing import Any

from app.cases.base import CaseUseCases
from app.cases.rules import Action, MaterialStatus
from app.context import Actor
from app.dto import CaseView
from app.errors import InvalidInput
from app.ids import uuid7
from app.sync.rows import columns_row
from app.validation import check_name, check_resident_id, check_text
from db.models import Suspension
from db.repositories import CaseRepository


class LifecycleService(CaseUseCases):
    """Steps of an accepted case. Each method: one transaction, one audit event, one outbox op."""

    def suspend(self, actor: Actor, case_id: str, expected_version: int, reason: str) -> CaseView:
        reason = check_text(reason, field="reason", label="暂停计时原因", required=True, max_len=2000)
        with self.ctx.action() as s:
            case = self._load_for(s, actor, "case.step", case_id, expected_version)
            previous = case.status
            self._transition(case, Action.SUSPEND)
            suspension = Suspension(id=uuid7(), case_id=case.id, reason=reason, started_on=self.ctx.today(),
                                    working_days=0)
            CaseRepository(s).add_suspension(suspension)
            # the row travels with the op, so the server keeps it under the same id
            self._record(s, actor, case, "case.suspend", f"暂停计时：{reason}", previous,
                         {"reason": reason, "suspension": columns_row(suspension)})
            return self._view(s, case)

    def resume(self, actor: Actor, case_id: str, expected_version: int) -> CaseView:
        """Resuming moves the due date by the working days the clock stood still."""
        with self.ctx.action() as s:
            case = self._load_for(s, actor, "case.step", case_id, expected_version)
            previous = case.status
            self._transition(case, Action.RESUME)
            suspension = CaseRepository(s).open_suspension(case.id)
            days = 0
            if suspension is not None:
                today = self.ctx.today()
                days = self.ctx.calendar().working_days_between(suspension.started_on, today)
                suspension.ended_on = today
                suspension.working_days = days
            case.suspended_days += days
            if case.due_date is not None and days:
                case.due_date = self.ctx.calendar().add_working_days(case.due_date, days)
            extra: dict[str, Any] = {"suspended_working_days": days}
            if suspension is not None:
                extra["suspension"] = columns_row(suspension)
            self._record(s, actor, case, "case.resume", f"恢复计时，暂停 {days} 个工作日不计入时限",
                         previous, extra)
            return self._view(s, case)

    def complete(
        self, actor: Actor, case_id: str, expected_version: int, *, approved: bool, result: str
    ) -> CaseView:
        result = check_text(result, field="result", label="办理结果", required=True)
        with self.ctx.action() as s:
            case = self._load_for(s, actor, "case.step", case_id, expected_version)
            previous = case.status
            if any(m.status == MaterialStatus.DEFERRED for m in case.materials):
                raise InvalidInput("容缺材料尚未补齐，不能办结。请先登记补齐容缺材料。", field="result")
            self._transition(case, Action.COMPLETE)
            case.approved = approved
            case.result = result
            case.completed_at = self.ctx.clock.now()
            verdict = "准予许可" if approved else "不予许可"
            self._issue(s, case, "completion", actor, {"approved": approved, "result": result})
            self._record(s, actor, case, "case.complete", f"办结（{verdict}）：{result}", previous,
                         {"approved": approved, "result": result})
            return self._view(s, case)

    def deliver(
        self, actor: Actor, case_id: str, expected_version: int, *, recipient: str, recipient_id: str
    ) -> CaseView:
        name = check_name(recipient, field="recipient_name", label="领取人姓名")
        id_number = check_resident_id(recipient_id)
        with self.ctx.action() as s:
            case = self._load_for(s, actor, "case.step", case_id, expected_version)
            previous = case.status
            self._transition(case, Action.DELIVER)
            case.recipient_name = name
            case.recipient_id_number = id_number
            case.delivered_at = self.ctx.clock.now()
            self._issue(s, case, "pickup", actor, {"recipient_name": name})
            self._record(s, actor, case, "case.deliver", f"出件，领取人：{name}", previous,
                         {"recipient_name": name, "recipient_id_number": id_number})
            return self._view(s, case)

    def void(self, actor: Actor, case_id: str, expected_version: int, reason: str) -> CaseView:
        reason = check_text(reason, field="reason", label="作废原因", required=True, max_len=2000)
        with self.ctx.action() as s:
            case = self._load_for(s, actor, "case.void", case_id, expected_version)
            previous = case.status
            self._transition(case, Action.VOID)
            case.void_reason = reason
            self._record(s, actor, case, "case.void", f"作废：{reason}", previous, {"reason": reason})
            return self._view(s, case)

    def supply_deferred(self, actor: Actor, case_id: str, expected_version: int) -> CaseView:
        with self.ctx.action() as s:
            case = self._load_for(s, actor, "case.step", case_id, expected_version)
            previous = case.status
            deferred = [m for m in case.materials if m.status == MaterialStatus.DEFERRED]
            if not deferred:
                raise InvalidInput("该办件没有待补交的容缺材料。", field="materials")
            self._transition(case, Action.SUPPLY_DEFERRED)
            for m in deferred:
                m.status = MaterialStatus.RECEIVED.value
            names = "、".join(m.name for m in deferred)
            self._record(s, actor, case, "case.supply_deferred", f"补齐容缺材料：{names}", previous)
            return self._view(s, case)
