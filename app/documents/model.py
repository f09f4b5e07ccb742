"""What a printed document says, as plain data. Built by NoticeService from the case and the
notice row; rendered by app.documents.render. Nothing here knows about PDFs or Qt."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

# kind -> title printed on the paper
TITLES: dict[str, str] = {
    "receipt": "收件回执",
    "acceptance": "受理通知书",
    "rejection": "不予受理通知书",
    "correction": "补正材料通知书",  # also called 一次性告知书
    "deferred": "容缺受理通知书",
    "commitment": "容缺受理承诺书",
    "completion": "办结（领取）通知书",
    "pickup": "出件签收单",
}


@dataclass(frozen=True)
class Issuer:
    """The hall and agency that issue the paper (the seal presses on agency_name and the date)."""

    hall_name: str
    agency_name: str
    window_label: str
    phone: str
    complaint_phone: str
    address: str = ""
    seal_image: str | None = None  # path to a transparent PNG of the electronic seal, optional


@dataclass(frozen=True)
class ItemLine:
    """One material line: name, counts, and what is wrong with it (for corrections)."""

    name: str
    status: str  # received/missing/deferred/defective
    originals: int = 0
    copies: int = 0
    note: str = ""


@dataclass(frozen=True)
class NoticeData:
    kind: str  # a key of TITLES
    number: str  # the notice's own serial number, unique per type and year
    case_number: str
    query_code: str  # printed with a QR code so the applicant can follow the case
    issuer: Issuer
    matter_name: str
    applicant_name: str
    applicant_id_masked: str  # ID numbers are masked on paper (110101********1234)
    received_at: dt.datetime
    issued_on: dt.date
    accepted_on: dt.date | None = None
    due_date: dt.date | None = None  # promised completion date
    items: tuple[ItemLine, ...] = ()
    reasons: str = ""  # rejection reasons
    legal_basis: str = ""
    redirect_to: str = ""  # where to apply instead (outside jurisdiction)
    supply_deadline: dt.date | None = None  # correction / deferred materials
    note: str = ""  # free text the clerk added (correction requirements...)
    result: str = ""  # completion: the result to collect
    approved: bool | None = None
    recipient_name: str = ""
    recipient_id_masked: str = ""
    delivered_at: dt.datetime | None = None
    reprint: bool = False  # a reprint is marked 补打
    # a voided paper's archive copy is stamped 作废 with this line (reason, date, who decided)
    void_mark: str = ""
    copy_labels: tuple[str, ...] = ()  # e.g. ("申请人留存联", "存档联") prints one copy per label
    texts: dict[str, str] = field(default_factory=dict)  # hall wording overrides, see render.DEFAULT_TEXTS
    # 扫码评价: the paper asks the applicant to rate the service (办结通知, 出件签收, and the receipt as a
    # hall option); with the phone page's address it carries its QR code, else a line on rating at the counter
    rating_invite: bool = False
    rating_url: str = ""
