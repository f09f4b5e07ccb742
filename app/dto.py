"""Plain frozen dataclasses that cross the app/ui boundary; never ORM objects."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum

from app.cases.rules import MaterialCheck
from app.catalogue import CASE_TYPE_LABELS
from app.permissions import roles_label


@dataclass(frozen=True)
class StaffInfo:
    id: str
    login: str
    name: str
    role: str  # the first of ``roles``
    hall_id: str
    hall_name: str
    window_id: str | None
    window_label: str
    roles: frozenset[str] = frozenset()
    department_id: str | None = None

    @property
    def role_label(self) -> str:
        return roles_label(self.roles or {self.role})


@dataclass(frozen=True)
class MaterialTemplate:
    id: str
    seq: int
    name: str
    originals: int
    copies: int
    is_main: bool
    deferrable: bool
    notes: str


@dataclass(frozen=True)
class MatterSummary:
    id: str
    code: str
    name: str
    department_name: str
    case_type: str
    statutory_days: int
    promised_days: int
    allows_deferral: bool
    pinyin_initials: str
    pinyin_full: str

    @property
    def case_type_label(self) -> str:
        return CASE_TYPE_LABELS.get(self.case_type, self.case_type)


@dataclass(frozen=True)
class MatterDetail:
    summary: MatterSummary
    legal_basis: str
    conditions: str
    procedure: str
    fee: str
    fee_basis: str
    consult_phone: str
    complaint_phone: str
    materials: tuple[MaterialTemplate, ...]


@dataclass(frozen=True)
class Applicant:
    """Who applies. Typed at intake with the full numbers; in a ``CaseView`` the ID numbers and the
    phone are masked (app.pii): the full ones only through ``LedgerService.reveal``, audited."""

    kind: str  # "person" | "org"
    name: str
    id_number: str  # resident ID (person) or unified social credit code (org)
    phone: str = ""
    legal_representative: str = ""
    agent_name: str = ""
    agent_id_number: str = ""


@dataclass(frozen=True)
class DecisionInput:
    """What the clerk decided, with the fields that decision needs."""

    action: str  # an app.cases.rules.Action value
    reject_category: str = ""
    reject_reason: str = ""
    reject_legal_basis: str = ""
    redirect_to: str = ""
    supply_deadline: dt.date | None = None
    commitment_signed: bool = False
    correction_note: str = ""
    # 补正: the day by which the applicant supplies the corrections (None: the hall's rectify_days
    # working days from today)
    correction_due: dt.date | None = None


@dataclass(frozen=True)
class IntakeRequest:
    matter_id: str
    applicant: Applicant
    materials: tuple[MaterialCheck, ...]
    remark: str = ""
    decision: DecisionInput | None = None  # None: only 收件, decide later (within the notify limit)


@dataclass(frozen=True)
class CaseMaterialView:
    seq: int
    name: str
    is_main: bool
    deferrable: bool
    status: str
    originals: int
    copies: int
    note: str


@dataclass(frozen=True)
class NoticeView:
    id: str
    kind: str
    number: str
    issued_at: dt.datetime
    items: tuple[str, ...]
    void: bool = False  # voided (作废号登记): the number is never used again, the PDF kept marked 作废
    void_note: str = ""  # 作废原因 and the number of the paper issued again, as the case shows it


@dataclass(frozen=True)
class CaseView:
    id: str
    number: str
    query_code: str
    status: str
    status_label: str
    warning: str  # "", "yellow", "red"
    matter_id: str
    matter_name: str
    case_type: str
    applicant: Applicant
    remark: str
    received_at: dt.datetime
    notify_due: dt.date
    accepted_on: dt.date | None
    due_date: dt.date | None
    deferred_due: dt.date | None
    deemed_accepted: bool
    approved: bool | None
    result: str
    reject_reason: str
    void_reason: str
    recipient_name: str
    delivered_at: dt.datetime | None
    version: int
    materials: tuple[CaseMaterialView, ...]
    notices: tuple[NoticeView, ...] = ()
    allowed_actions: tuple[str, ...] = ()
    correction_due: dt.date | None = None  # 补正: the applicant supplies the corrections by this day


@dataclass(frozen=True)
class CaseRow:
    """One ledger line. ID number and phone come masked (app.pii): a list never holds the full ones."""

    id: str
    number: str
    status: str
    status_label: str
    warning: str
    matter_name: str
    applicant_name: str
    applicant_id_masked: str
    received_at: dt.datetime
    due_date: dt.date | None
    applicant_phone_masked: str = ""


class PiiField(StrEnum):
    """A masked field of a case that its own view may reveal (``LedgerService.reveal``, audited)."""

    APPLICANT_ID = "applicant_id_number"
    APPLICANT_PHONE = "applicant_phone"
    AGENT_ID = "agent_id_number"

    @property
    def label(self) -> str:
        return {"applicant_id_number": "申请人证件号码", "applicant_phone": "联系电话",
                "agent_id_number": "代理人证件号码"}[self.value]


@dataclass(frozen=True)
class LedgerQuery:
    text: str = ""
    status: str = ""
    matter_id: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    warning: str = ""  # "", "yellow", "red"
    limit: int = 200


@dataclass(frozen=True)
class TimelineEntry:
    at: dt.datetime
    actor_name: str
    action: str
    summary: str
    device_id: str


@dataclass(frozen=True)
class EnquiryInput:
    topic: str
    answer: str = ""
    referred_window: str = ""
    visitor: str = ""
    phone: str = ""
    matter_id: str | None = None


@dataclass(frozen=True)
class EnquiryView:
    id: str
    at: dt.datetime
    staff_name: str
    topic: str
    answer: str
    referred_window: str
    visitor: str
    phone: str


@dataclass(frozen=True)
class HomeSummary:
    today: dt.date
    red: tuple[CaseRow, ...]
    yellow: tuple[CaseRow, ...]
    counts: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class OutboxStats:
    pending: int
    oldest_pending_at: dt.datetime | None
