"""扫码评价 on the papers: the 办结通知 and the 出件签收 (and the receipt, as a hall option) carry a QR
code of the phone page with its caption and address; without an address a line on rating at the
counter. Read back from the PDFs with pypdf: the text layer, and the QR code's modules, compared
with the code ReportLab makes of the expected address (so the paper's QR code says exactly that)."""

from __future__ import annotations

import dataclasses
import io
from collections import Counter
from pathlib import Path

from pypdf import PdfReader
from pypdf.generic import ContentStream
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Rect
from reportlab.lib import colors

from app.context import Actor
from app.documents.pdf import RATING_AT_COUNTER, RATING_CAPTION, render_pdf
from app.services import Services
from tests.app.kit import VALID_ID, IntakeKit

URL = "https://zwfw.example.gov.cn"
Box = tuple[float, float, float, float]


def _set(services: Services, key: str, value: str) -> None:
    """A hall parameter as the business section (中心业务科) sets it."""
    who = services.auth.login("liuyang", "demo1234")
    services.settings.set_parameter(Actor(who.id, who.name), key, value)


def _text(pdf: bytes) -> str:
    return "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).replace("\n", "")


def _boxes(pdf: bytes) -> Counter[Box]:
    """Every filled rectangle the pages draw (operands as written, in their flowable's space)."""
    reader = PdfReader(io.BytesIO(pdf))
    out: Counter[Box] = Counter()
    for page in reader.pages:
        for operands, operator in ContentStream(page.get_contents(), reader).operations:
            if operator == b"re":
                x, y, w, h = (round(float(v), 2) for v in operands)
                out[(x, y, w, h)] += 1
    return out


def _modules(boxes: list[Box]) -> set[tuple[int, int, int, int]]:
    """Rectangles in module units from the code's corner: what a reader of the code sees."""
    x0, y0 = min(b[0] for b in boxes), min(b[1] for b in boxes)
    unit = min(min(b[2] for b in boxes), min(b[3] for b in boxes))
    return {(round((x - x0) / unit), round((y - y0) / unit), round(w / unit), round(h / unit))
            for x, y, w, h in boxes}


def _expected(text: str) -> set[tuple[int, int, int, int]]:
    widget = QrCodeWidget(text)
    dark = [(s.x, s.y, s.width, s.height) for s in widget.draw().contents
            if isinstance(s, Rect) and s.fillColor is not None and s.fillColor != colors.white]
    return _modules([(float(x), float(y), float(w), float(h)) for x, y, w, h in dark])


def _paper(services: Services, case_id: str, kind: str) -> bytes:
    notice = next(p for p in services.notices.printables(case_id) if p.kind == kind)
    data = services.notices.notice_data(notice.notice_id, kind, reprint=False)
    return render_pdf(data)


def _delivered(services: Services, actor: Actor, kit: IntakeKit):  # -> CaseView
    view = services.intake.open_case(actor, kit.request(kit.matter().id), window_id=None)
    view = services.lifecycle.complete(actor, view.id, view.version, approved=True, result="准予许可")
    return services.lifecycle.deliver(actor, view.id, view.version, recipient="李明", recipient_id=VALID_ID)


def test_completion_and_pickup_carry_the_rating_qr_code_of_the_phone_page(services, actor, kit) -> None:
    _set(services, "rating.public_url", URL + "/")
    view = _delivered(services, actor, kit)
    address = f"{URL}/r/{view.query_code}"
    for kind in ("completion", "pickup"):
        pdf = _paper(services, view.id, kind)
        text = _text(pdf)
        assert RATING_CAPTION in text and address in text and RATING_AT_COUNTER not in text
        # the rectangles beyond those of the same paper without the invitation are the rating code
        notice = next(p for p in services.notices.printables(view.id) if p.kind == kind)
        plain = services.notices.notice_data(notice.notice_id, kind, reprint=False)
        without = render_pdf(dataclasses.replace(plain, rating_invite=False, rating_url=""))
        extra = list((_boxes(pdf) - _boxes(without)).elements())
        assert len(extra) > 50  # a QR code's modules, not a stray frame
        assert _modules(extra) == _expected(address)
        assert _modules(extra) != _expected(f"{URL}/r/{view.query_code}X")  # the comparison can tell


def test_without_an_address_the_paper_says_to_rate_at_the_counter(services, actor, kit) -> None:
    view = _delivered(services, actor, kit)
    for kind in ("completion", "pickup"):
        pdf = _paper(services, view.id, kind)
        text = _text(pdf)
        assert RATING_AT_COUNTER in text and RATING_CAPTION not in text and "/r/" not in text
        notice = next(p for p in services.notices.printables(view.id) if p.kind == kind)
        data = services.notices.notice_data(notice.notice_id, kind, reprint=False)
        assert data.rating_invite and data.rating_url == ""


def test_the_receipt_asks_for_a_rating_only_as_a_hall_option(services, actor, kit) -> None:
    _set(services, "rating.public_url", URL)
    view = services.intake.open_case(actor, kit.request(kit.matter().id), window_id=None)
    for kind in ("receipt", "acceptance"):
        text = _text(_paper(services, view.id, kind))
        assert RATING_CAPTION not in text and RATING_AT_COUNTER not in text
    _set(services, "rating.after_receipt", "1")
    assert f"{URL}/r/{view.query_code}" in _text(_paper(services, view.id, "receipt"))
    assert RATING_CAPTION not in _text(_paper(services, view.id, "acceptance"))


def test_the_archived_pdf_of_a_print_has_the_code_too(services, actor, kit, tmp_path: Path) -> None:
    _set(services, "rating.public_url", URL)
    view = _delivered(services, actor, kit)
    notice = next(p for p in services.notices.printables(view.id) if p.kind == "completion")
    doc = services.notices.prepare(actor, notice.notice_id, "completion")
    assert f"{URL}/r/{view.query_code}" in _text(doc.path.read_bytes())
