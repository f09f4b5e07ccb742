"""ORM case rows to plain views, and the deadline colour of a case."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from app.cases.rules import STATUS_LABELS, CaseStatus, allowed_actions, warning_level
from app.dto import Applicant, CaseMaterialView, CaseRow, CaseView, NoticeView, PiiField
from app.pii import mask_id_number, mask_phone
from app.workcal import WorkingCalendar
from db.models import Case, Notice, VoidNumber


def yellow_before(calendar: WorkingCalendar, today: dt.date, yellow_days: int) -> dt.date:
    """A due date earlier than this (and not past) shows yellow: ≤ ``yellow_days`` working days left."""
    return calendar.add_working_days(today, yellow_days + 1)


def relevant_due(case: Case) -> dt.date | None:
    """The limit the window currently answers for: the 5-day notify limit before a decision, the
    applicant's 补正 deadline while a correction is awaited, the promised completion date after acceptance."""
    if case.status == CaseStatus.RECEIVED:
        return case.notify_due
    if case.status == CaseStatus.CORRECTION:
        return case.correction_due
    return case.due_date


def case_warning(case: Case, today: dt.date, yellow_limit: dt.date) -> str:
    return warning_level(case.status, relevant_due(case), today, yellow_limit)


def applicant_of(case: Case) -> Applicant:
    """The applicant as every view shows them: ID numbers and phone masked (full ones: ``revealed``)."""
    return Applicant(
        kind=case.applicant_kind, name=case.applicant_name, id_number=mask_id_number(case.applicant_id_number),
        phone=mask_phone(case.applicant_phone), legal_representative=case.legal_representative,
        agent_name=case.agent_name, agent_id_number=mask_id_number(case.agent_id_number),
    )


def revealed(case: Case, field: PiiField) -> str:
    """The full value of one masked field of the case, for its own view (audited by the caller)."""
    values = {PiiField.APPLICANT_ID: case.applicant_id_number, PiiField.APPLICANT_PHONE: case.applicant_phone,
              PiiField.AGENT_ID: case.agent_id_number}
    return values[field]


def to_row(case: Case, today: dt.date, yellow_limit: dt.date) -> CaseRow:
    return CaseRow(
        id=case.id, number=case.number, status=case.status,
        status_label=STATUS_LABELS[CaseStatus(case.status)],
        warning=case_warning(case, today, yellow_limit), matter_name=case.matter_name,
        applicant_name=case.applicant_name, applicant_id_masked=mask_id_number(case.applicant_id_number),
        received_at=case.received_at, due_date=relevant_due(case),
        applicant_phone_masked=mask_phone(case.applicant_phone),
    )


def void_note(void: VoidNumber | None) -> str:
    """How the case shows a voided paper: 已作废（原因），已重新出具 <number>."""
    if void is None:
        return "已作废"
    again = f"，已重新出具 {void.replaced_by}" if void.replaced_by else ""
    return f"已作废（{void.reason}）{again}"


def to_view(case: Case, notices: Sequence[Notice], today: dt.date, yellow_limit: dt.date,
            voids: Sequence[VoidNumber] = ()) -> CaseView:
    by_notice = {v.notice_id: v for v in voids if v.notice_id}
    return CaseView(
        id=case.id, number=case.number, query_code=case.query_code, status=case.status,
        status_label=STATUS_LABELS[CaseStatus(case.status)],
        warning=case_warning(case, today, yellow_limit), matter_id=case.matter_id,
        matter_name=case.matter_name, case_type=case.case_type, applicant=applicant_of(case),
        remark=case.remark, received_at=case.received_at, notify_due=case.notify_due,
        accepted_on=case.accepted_on, due_date=case.due_date, deferred_due=case.deferred_due,
        correction_due=case.correction_due,
        deemed_accepted=case.deemed_accepted, approved=case.approved, result=case.result,
        reject_reason=case.reject_reason, void_reason=case.void_reason,
        recipient_name=case.recipient_name, delivered_at=case.delivered_at, version=case.version,
        materials=tuple(
            CaseMaterialView(
                seq=m.seq, name=m.name, is_main=m.is_main, deferrable=m.deferrable, status=m.status,
                originals=m.originals, copies=m.copies, note=m.note,
            )
            for m in case.materials
        ),
        notices=tuple(
            NoticeView(
                id=n.id, kind=n.kind, number=n.number, issued_at=n.issued_at,
                items=tuple(str(i["name"]) for i in n.payload.get("items", [])),
                void=bool(n.void), void_note=void_note(by_notice.get(n.id)) if n.void else "",
            )
            for n in notices
        ),
        allowed_actions=tuple(a.value for a in allowed_actions(case.status)),
    )


def case_snapshot(case: Case) -> dict[str, object]:
    """The row as the outbox ships it (JSON-safe)."""
    out: dict[str, object] = {}
    for col in Case.__table__.columns:
        value = getattr(case, col.key)
        if isinstance(value, dt.date | dt.datetime):
            value = value.isoformat()
        out[col.key] = value
    out["materials"] = [
        {
            "seq": m.seq, "material_id": m.material_id, "name": m.name, "is_main": m.is_main,
            "deferrable": m.deferrable, "status": m.status, "originals": m.originals,
            "copies": m.copies, "note": m.note,
        }
        for m in case.materials
    ]
    return out
