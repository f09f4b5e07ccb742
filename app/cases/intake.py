"""Intake and decision (收件、审查、受理决定) under Art. 32 of the Administrative Licensing Law."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from app.attendance.cover import covers
from app.authz import require, window_subject
from app.cases import rules
from app.cases.base import CaseUseCases, issued_rows
from app.cases.rules import Action, CaseStatus, MaterialCheck, MaterialStatus
from app.context import Actor
from app.dto import Applicant, CaseView, DecisionInput, IntakeRequest
from app.errors import InvalidInput, NotFound
from app.ids import query_code, uuid7
from app.numbering import case_number, device_station, take_number
from app.validation import check_credit_code, check_name, check_phone, check_resident_id, check_text
from db.models import Case, CaseMaterial
from db.repositories import CaseRepository, MatterFacts, ReferenceRepository, StaffRepository

_NOTICE_OF = {
    Action.ACCEPT: "acceptance",
    Action.ACCEPT_DEFERRED: "deferred",
    Action.REQUEST_CORRECTION: "correction",
    Action.REJECT: "rejection",
}
_SUMMARY = {
    Action.ACCEPT: "受理",
    Action.ACCEPT_DEFERRED: "容缺受理",
    Action.REQUEST_CORRECTION: "一次性告知补正",
    Action.REJECT: "不予受理",
}


def validate_applicant(a: Applicant) -> Applicant:
    """Checks and normalises the applicant; raises InvalidInput naming the field."""
    if a.kind == "person":
        name = check_name(a.name, field="applicant_name", label="申请人姓名")
        id_number = check_resident_id(a.id_number)
        legal_rep = ""
    elif a.kind == "org":
        name = check_name(a.name, field="applicant_name", label="单位名称", max_len=200)
        id_number = check_credit_code(a.id_number)
        legal_rep = check_name(a.legal_representative, field="legal_representative", label="法定代表人")
    else:
        raise InvalidInput("请选择申请人类型（个人或单位）。", field="applicant_kind")
    agent_name, agent_id = "", ""
    if a.agent_name.strip() or a.agent_id_number.strip():
        agent_name = check_name(a.agent_name, field="agent_name", label="代理人姓名")
        agent_id = check_resident_id(a.agent_id_number)
    phone = check_phone(a.phone)
    return Applicant(a.kind, name, id_number, phone, legal_rep, agent_name, agent_id)


def _check_materials(materials: Sequence[MaterialCheck]) -> None:
    if not materials:
        raise InvalidInput("材料清单为空，请先选择事项。", field="materials")
    allowed = set(MaterialStatus)
    for m in materials:
        if m.status not in allowed:
            raise InvalidInput(f"材料“{m.name}”的状态无效。", field="materials")
        if m.originals < 0 or m.copies < 0:
            raise InvalidInput(f"材料“{m.name}”的份数不能为负数。", field="materials")
        check_text(m.note, field="materials", label="材料备注", max_len=2000)


def _acting_for(s: Session, actor: Actor, window_id: str | None, now: dt.datetime) -> str:
    """AB岗: the A whose window ``actor`` takes in for while covering it ('' at one's own window)."""
    if not window_id or actor.id is None:
        return ""
    staff = StaffRepository(s).get(actor.id)
    if staff is None or staff.window_id == window_id:
        return ""
    return next((c.leave.staff_id for c in covers(s, actor.id, now) if c.window.id == window_id), "")


class IntakeService(CaseUseCases):
    """收件 with an optional immediate decision, and later decisions on received cases."""

    def open_case(self, actor: Actor, req: IntakeRequest, *, window_id: str | None) -> CaseView:
        applicant = validate_applicant(req.applicant)
        remark = check_text(req.remark, field="remark", label="备注", max_len=10000)
        _check_materials(req.materials)
        now = self.ctx.clock.now()
        # no autoflush: the rows go out together at the end (the case inserted as decided, not
        # inserted and then updated), and nothing read on the way depends on them
        with self.ctx.action() as s, s.no_autoflush:
            matter = self.ctx.matter(s, req.matter_id)
            if matter is None or not matter.active:
                raise NotFound("找不到该事项，请重新选择。", field="matter")
            window_id = window_id or self._device_window(s)  # not named: received at this PC's window
            require(s, actor, "case.intake", window_subject(s, window_id, matter.department_id))
            case = self._new_case(s, matter, applicant, remark, req.materials, now, window_id, actor)
            case.acting_for = _acting_for(s, actor, window_id, now)
            summary = "收件"
            extra: dict[str, Any] = {}
            self._issue(s, case, "receipt", actor, {"items": _items(req.materials, all_items=True)})
            if req.decision is not None:
                extra = self._apply_decision(s, case, matter, req.decision, req.materials, actor)
                summary = "收件并" + _SUMMARY[Action(req.decision.action)]
            self._record(s, actor, case, "case.open", summary, None, extra)
            return self._view(s, case, issued_rows(s, case.id))  # a new case: its papers are these

    def decide(
        self, actor: Actor, case_id: str, expected_version: int, decision: DecisionInput,
        materials: Sequence[MaterialCheck],
    ) -> CaseView:
        """A decision on a case received earlier or returned with corrections. A received case whose
        notify limit has passed is deemed accepted first, and the decision is refused (Art. 32)."""
        _check_materials(materials)
        if self.deem_lapsed([case_id]):
            raise InvalidInput(
                f"收件已超过{self.ctx.int_parameter('notify_limit_days')}个工作日告知期限，依法自收到材料之日起"
                "即为受理，已登记为视为受理；不能再告知补正或不予受理，也无需再作受理决定。", field="decision")
        with self.ctx.action() as s:
            case = self._load_for(s, actor, "case.intake", case_id, expected_version)
            matter = self.ctx.matter(s, case.matter_id)
            assert matter is not None
            previous = case.status
            self._set_materials(case, materials)
            extra = self._apply_decision(s, case, matter, decision, materials, actor)
            summary = _SUMMARY[Action(decision.action)]
            self._record(s, actor, case, "case.decide", summary, previous, extra)
            return self._view(s, case)

    # -- the four outcomes -------------------------------------------------------------------
    def _apply_decision(
        self, s: Session, case: Case, matter: MatterFacts, d: DecisionInput,
        materials: Sequence[MaterialCheck], actor: Actor,
    ) -> dict[str, Any]:
        action = Action(d.action)
        rules.check_decision_open(action)
        today = self.ctx.today()
        lapsed = case.status == CaseStatus.RECEIVED and today > case.notify_due
        if lapsed and action in (Action.REQUEST_CORRECTION, Action.REJECT):
            raise InvalidInput(
                f"收件已超过{self.ctx.int_parameter('notify_limit_days')}个工作日告知期限"
                f"（{case.notify_due.isoformat()}），依法自收到材料之日起即为受理，不能再告知补正或不予受理。",
                field="decision",
            )
        accept_day = case.received_on if lapsed else today
        extra: dict[str, Any] = {"decision": action.value}
        if action == Action.ACCEPT:
            rules.check_accept(materials)
            self._accept(case, matter, accept_day, lapsed)
        elif action == Action.ACCEPT_DEFERRED:
            due = self._due_from(accept_day, matter.promised_days)
            rules.check_accept_deferred(
                materials, matter_allows=matter.allows_deferral,
                dishonest=ReferenceRepository(s).is_dishonest(case.applicant_id_number),
                commitment_signed=d.commitment_signed, supply_deadline=d.supply_deadline,
                latest_deadline=due,
            )
            self._accept(case, matter, accept_day, lapsed)
            case.deferred_due = d.supply_deadline
            extra["supply_deadline"] = d.supply_deadline.isoformat() if d.supply_deadline else None
        elif action == Action.REQUEST_CORRECTION:
            self._check_second_notice(s, case, materials)
            case.correction_due = rules.check_correction_due(
                d.correction_due or self.correction_default(today), today)
            self._transition(case, action)
        else:
            rules.check_reject(d.reject_category, d.reject_reason, d.reject_legal_basis, d.redirect_to)
            self._transition(case, action)
            case.reject_category = d.reject_category
            case.reject_reason = check_text(d.reject_reason, field="reject_reason", label="理由")
            case.reject_legal_basis = d.reject_legal_basis.strip()
            case.redirect_to = d.redirect_to.strip()
        case.decided_at = self.ctx.clock.now()
        payload = self._notice_payload(action, materials, d)
        if action == Action.REQUEST_CORRECTION and case.correction_due is not None:
            payload["supply_deadline"] = case.correction_due.isoformat()  # printed: 请于…前补正
        extra["notice"] = self._issue(s, case, _NOTICE_OF[action], actor, payload)
        return extra

    def correction_default(self, day: dt.date | None = None) -> dt.date:
        """The 补正 deadline the decision dialog proposes: the hall's ``rectify_days`` working days
        after ``day`` (today)."""
        day = day or self.ctx.today()
        return self.ctx.calendar().add_working_days(day, self.ctx.int_parameter("rectify_days"))

    def _accept(self, case: Case, matter: MatterFacts, accept_day: dt.date, lapsed: bool) -> None:
        self._transition(case, Action.ACCEPT)
        case.accepted_on = accept_day
        case.deemed_accepted = lapsed
        case.due_date = self._due_from(accept_day, matter.promised_days)

    def _check_second_notice(self, s: Session, case: Case, materials: Sequence[MaterialCheck]) -> None:
        earlier = CaseRepository(s).notices(case.id, "correction")
        if not earlier:
            rules.check_correction(materials, previous_items=None, previously_received=None)
            return
        listed = {str(i["name"]) for n in earlier for i in n.payload.get("items", [])}
        received = {str(x) for x in earlier[-1].payload.get("received", [])}
        rules.check_correction(materials, previous_items=listed, previously_received=received)

    @staticmethod
    def _notice_payload(
        action: Action, materials: Sequence[MaterialCheck], d: DecisionInput
    ) -> dict[str, Any]:
        payload: dict[str, Any] = {"items": _items(materials, all_items=False)}
        if action == Action.REQUEST_CORRECTION:
            payload["received"] = [m.name for m in materials if m.status == MaterialStatus.RECEIVED]
            payload["note"] = d.correction_note
        if action == Action.REJECT:
            payload.update(category=d.reject_category, reason=d.reject_reason,
                           legal_basis=d.reject_legal_basis, redirect_to=d.redirect_to)
        if action == Action.ACCEPT_DEFERRED and d.supply_deadline:
            payload["supply_deadline"] = d.supply_deadline.isoformat()
        return payload

    @staticmethod
    def _device_window(s: Session) -> str | None:
        device = ReferenceRepository(s).device()
        return device.window_id if device else None

    # -- rows ----------------------------------------------------------------------------------
    def _new_case(
        self, s: Session, matter: MatterFacts, applicant: Applicant, remark: str,
        materials: Sequence[MaterialCheck], now: dt.datetime, window_id: str | None, actor: Actor,
    ) -> Case:
        device = ReferenceRepository(s).device()
        hall = self.ctx.hall(s, device.hall_id) if device else None
        if device is None or hall is None:
            raise NotFound("本机尚未完成大厅设置，不能收件。")
        station = device_station(s, device)  # standalone: the window number marks the case number
        seq = take_number(s, f"case-{matter.case_type}", now.year, standalone=device.standalone, now=now,
                          station=station)
        today = now.date()
        case = Case(
            id=uuid7(), number=case_number(hall.code, matter.case_type, now.year, seq, station),
            query_code=query_code(), hall_id=hall.id, window_id=window_id, matter_id=matter.id,
            matter_name=matter.name, case_type=matter.case_type, status=CaseStatus.RECEIVED.value,
            applicant_kind=applicant.kind, applicant_name=applicant.name,
            applicant_id_number=applicant.id_number, applicant_phone=applicant.phone,
            legal_representative=applicant.legal_representative, agent_name=applicant.agent_name,
            agent_id_number=applicant.agent_id_number, remark=remark, received_at=now,
            received_on=today,
            notify_due=self._due_from(today, self.ctx.int_parameter("notify_limit_days")),
            created_by=actor.id or "", updated_at=now, version=1, suspended_days=0,
        )
        self._set_materials(case, materials)
        CaseRepository(s).add(case)
        return case

    @staticmethod
    def _set_materials(case: Case, materials: Sequence[MaterialCheck]) -> None:
        case.materials.clear()
        for i, m in enumerate(materials, start=1):
            case.materials.append(CaseMaterial(
                id=uuid7(), seq=i, material_id=m.material_id, name=m.name, is_main=m.is_main,
                deferrable=m.deferrable, status=m.status, originals=m.originals, copies=m.copies,
                note=m.note,
            ))



def _items(materials: Sequence[MaterialCheck], *, all_items: bool) -> list[dict[str, Any]]:
    chosen = materials if all_items else rules.correction_items(materials)
    return [
        {"name": m.name, "status": m.status, "originals": m.originals, "copies": m.copies, "note": m.note}
        for m in chosen
    ]
