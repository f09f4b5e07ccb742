"""Rendering a paper (NoticeData) to PDF with ReportLab, in the GB/T 9704-2012 layout.

Pure function of its input; safe on a worker thread (fonts registered once under a lock).
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterator
from typing import Any

from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Rect
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, KeepTogether, PageBreak, PageTemplate, Spacer, Table
from reportlab.platypus.tables import TableStyle

from app.documents.flow import GridParagraph, Segment, TextStyle, draw_line, text_width
from app.documents.glyphs import (
    FANGSONG,
    FANGSONG_CHAIN,
    HEI_CHAIN,
    SONG_CHAIN,
    MissingGlyphs,
    missing_glyphs,
    register_fonts,
)
from app.documents.layout import (
    BLOCK_H,
    BLOCK_W,
    BODY_PT,
    BOTTOM,
    GRID,
    LEFT,
    LINE,
    PAGE_H,
    PAGE_W,
    TITLE_PT,
    CopyLabel,
    PaperCanvas,
)
from app.documents.model import TITLES, NoticeData
from app.documents.texts import DEFAULT_TEXTS, RIGHTS_KEY, rights_missing, rights_refusal

STATUS_TEXT = {"missing": "缺少", "defective": "需补正", "deferred": "容缺后补", "received": "已收"}


def cn_date(d: dt.date | None) -> str:
    """Arabic numerals without leading zeros: 2026年3月2日."""
    return f"{d.year}年{d.month}月{d.day}日" if d else "＿＿年＿＿月＿＿日"


def _styles() -> dict[str, TextStyle]:
    body = TextStyle(BODY_PT, LINE, "justify", grid=GRID)
    return {
        "body": body,
        # 小标宋 is a heavy Song: the shipped Song drawn with a thin outline comes close
        "title": TextStyle(TITLE_PT, LINE * 1.5, "center", chain=SONG_CHAIN, embolden=0.035),
        "number": TextStyle(14, LINE, "right"),
        "small": TextStyle(12, 18, "left"),
        "cell": TextStyle(14, 20, "left"),
    }


def check_printable(data: NoticeData) -> None:
    """Raise MissingGlyphs if any text of the paper has a character no shipped face has."""
    texts = [data.applicant_name, data.matter_name, data.reasons, data.legal_basis, data.redirect_to, data.note,
             data.result, data.recipient_name, data.issuer.agency_name, data.issuer.hall_name,
             data.issuer.window_label, data.issuer.address, *data.texts.values()]
    texts += [t for item in data.items for t in (item.name, item.note)]
    missing = missing_glyphs(texts)
    if missing:
        raise MissingGlyphs(missing)


def check_rights(data: NoticeData) -> None:
    """A 不予受理通知书 states both rights with their limits, whatever the hall's wording: raises
    InvalidInput (field text.rejection.rights) before anything is drawn."""
    if data.kind != "rejection":
        return
    missing = rights_missing(_text(data, "rejection.body") + "\n" + _text(data, RIGHTS_KEY))
    if missing:
        raise rights_refusal(missing, "text." + RIGHTS_KEY)


def _fields(d: NoticeData) -> dict[str, str]:
    return {
        "applicant": d.applicant_name, "matter": d.matter_name, "received": cn_date(d.received_at.date()),
        "accepted": cn_date(d.accepted_on), "due": cn_date(d.due_date), "window": d.issuer.window_label or "本窗口",
        "phone": d.issuer.phone, "complaint_phone": d.issuer.complaint_phone, "deadline": cn_date(d.supply_deadline),
        "case_number": d.case_number, "agency": d.issuer.agency_name, "result": d.result,
        "verdict": "准予许可" if d.approved else "不予许可",
    }


def _text(d: NoticeData, key: str) -> str:
    template = d.texts.get(key, DEFAULT_TEXTS[key])
    try:
        return template.format(**_fields(d))
    except (KeyError, IndexError, ValueError):
        return template  # a hall text with a stray brace prints as written rather than failing


class _Closing(Flowable):
    """The query code as a QR code on the left; the issuing authority and the date on the right,
    four characters in from the edge, where the seal presses on them."""

    def __init__(self, d: NoticeData, style: TextStyle, *, agency: bool) -> None:
        super().__init__()
        self.d, self.style, self.agency, self.qr = d, style, agency, 20 * mm

    def wrap(self, *_args: Any) -> tuple[float, float]:
        return BLOCK_W, max(self.qr, LINE * 2.2)

    def draw(self) -> None:
        self._draw_qr()
        if not self.agency:
            return
        c, right, agency = self.canv, BLOCK_W - 4 * BODY_PT, self.d.issuer.agency_name
        name_w = text_width(agency, FANGSONG_CHAIN, BODY_PT)
        draw_line(c, right - name_w, LINE * 1.2, agency, FANGSONG_CHAIN, BODY_PT)
        date = cn_date(self.d.issued_on)
        draw_line(c, right - text_width(date, FANGSONG_CHAIN, BODY_PT), LINE * 0.2, date, FANGSONG_CHAIN, BODY_PT)
        if self.d.issuer.seal_image:  # centred on the authority's name, pressing on it and the date
            size = 40 * mm
            cx, cy = right - name_w / 2, LINE * 0.9
            c.drawImage(self.d.issuer.seal_image, cx - size / 2, cy - size / 2, size, size, mask="auto")

    def _draw_qr(self) -> None:
        draw_qr(self.canv, "CDQ:" + self.d.query_code, self.qr)
        for i, line in enumerate((f"查询码：{self.d.query_code}", "扫码或凭查询码查询进度")):
            p = GridParagraph.of(line, self.style)
            p.wrapOn(self.canv, 52 * mm, self.qr)
            p.drawOn(self.canv, self.qr + 2 * mm, 2 * mm + (1 - i) * self.style.leading)


def draw_qr(c: Any, text: str, size: float) -> None:
    """``text`` as a QR code ``size`` wide at the origin of ``c``."""
    # modules drawn straight onto the canvas: renderPDF would add an unembedded Helvetica
    widget = QrCodeWidget(text)
    x0, y0, x1, y1 = widget.getBounds()
    scale = size / max(x1 - x0, y1 - y0)
    c.saveState()
    c.setFillColorRGB(0, 0, 0)
    for shape in widget.draw().contents:
        if isinstance(shape, Rect) and shape.fillColor is not None and shape.fillColor != colors.white:
            c.rect((shape.x - x0) * scale, (shape.y - y0) * scale, shape.width * scale, shape.height * scale,
                   stroke=0, fill=1)
    c.restoreState()


RATING_CAPTION = "扫码评价本次服务"
RATING_AT_COUNTER = "请您在窗口的评价器上对本次服务进行评价，或向窗口工作人员询问评价方式。"


class _RatingInvite(Flowable):
    """扫码评价: the phone page's address as a QR code with its caption and the address in words;
    without an address (hall parameter rating.public_url empty) one line on rating at the counter."""

    def __init__(self, d: NoticeData, style: TextStyle) -> None:
        super().__init__()
        self.url, self.style, self.qr = d.rating_url, style, 20 * mm

    def wrap(self, *_args: Any) -> tuple[float, float]:
        return BLOCK_W, self.qr if self.url else self.style.leading * 2

    def draw(self) -> None:
        if not self.url:
            p = GridParagraph.of(RATING_AT_COUNTER, self.style)
            p.wrapOn(self.canv, BLOCK_W, self.style.leading * 2)
            p.drawOn(self.canv, 0, 0)
            return
        draw_qr(self.canv, self.url, self.qr)
        for i, line in enumerate((RATING_CAPTION, self.url)):
            p = GridParagraph.of(line, self.style)
            p.wrapOn(self.canv, BLOCK_W - self.qr - 2 * mm, self.qr)
            p.drawOn(self.canv, self.qr + 2 * mm, 2 * mm + (1 - i) * self.style.leading)


def _items_table(d: NoticeData, s: dict[str, TextStyle], *, notes: bool) -> Table:
    head = ["序号", "材料名称", "原件", "复印件"] + (["需补正内容"] if notes else [])
    rows: list[list[Any]] = [[_p(h, s["cell"]) for h in head]]
    for i, item in enumerate(d.items, start=1):
        row = [str(i), _p(item.name, s["cell"]), str(item.originals), str(item.copies)]
        if notes:
            what = STATUS_TEXT.get(item.status, "") + ("：" + item.note if item.note else "")
            row.append(_p(what, s["cell"]))
        rows.append(row)
    widths = [14 * mm, 60 * mm, 16 * mm, 22 * mm, 44 * mm] if notes else [14 * mm, 104 * mm, 16 * mm, 22 * mm]
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, -1), FANGSONG, 14), ("GRID", (0, 0), (-1, -1), 0.5, "black"),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("ALIGN", (0, 0), (0, -1), "CENTER"),
        ("ALIGN", (2, 0), (3, -1), "CENTER"),
    ]))
    return table


def _p(text: str, style: TextStyle) -> GridParagraph:
    return GridParagraph.of(text, style)


_HEADING = re.compile(r"^[一二三四五六七八九十]+、[^。]*。?")


def _paras(text: str, style: TextStyle) -> list[GridParagraph]:
    """One paragraph per line; leading ideographic spaces become the first-line indent. A line
    opening with 一、二、… is a level-1 heading: set in 黑体 up to its first full stop (GB/T 9704)."""
    out = []
    for line in text.split("\n"):
        body = line.lstrip("　")
        heading = _HEADING.match(body)
        segments: list[Segment] = [(body, style.chain)]
        if heading:
            segments = [(heading.group(), HEI_CHAIN), (body[heading.end():], style.chain)]
        out.append(GridParagraph(segments, style, indent=len(line) - len(body)))
    return out


def _header(d: NoticeData, s: dict[str, TextStyle]) -> Iterator[Flowable]:
    yield _p(TITLES[d.kind], s["title"])
    yield _p("编号：" + d.number, s["number"])
    yield _p(f"办件编号：{d.case_number}　申请人：{d.applicant_name}（{d.applicant_id_masked}）", s["small"])
    yield Spacer(1, LINE * 0.4)


def _footer(d: NoticeData, s: dict[str, TextStyle], *, agency: bool = True) -> Iterator[Flowable]:
    if d.rating_invite:
        yield Spacer(1, LINE * 0.4)
        yield _RatingInvite(d, s["small"])
    yield Spacer(1, LINE * 0.6)
    yield _Closing(d, s["small"], agency=agency)


def _applicant_signs(s: dict[str, TextStyle], who: str) -> Flowable:
    return _p(f"{who}签收：＿＿＿＿＿＿　　　年　　月　　日　　时　　分", s["body"])  # 28 characters: one line


def _body_receipt(d: NoticeData, s: dict[str, TextStyle]) -> Iterator[Flowable]:
    yield from _paras(_text(d, "receipt.body"), s["body"])
    yield Spacer(1, LINE * 0.3)
    yield _items_table(d, s, notes=False)
    received = d.received_at.strftime("%H:%M")
    yield _p(f"收件窗口：{d.issuer.window_label}　收件时间：{cn_date(d.received_at.date())} {received}", s["small"])


def _body_rejection(d: NoticeData, s: dict[str, TextStyle]) -> Iterator[Flowable]:
    yield from _paras(_text(d, "rejection.body"), s["body"])
    yield from _paras("　　不予受理的理由：" + d.reasons, s["body"])
    yield from _paras("　　法律依据：" + d.legal_basis, s["body"])
    if d.redirect_to:
        yield from _paras(f"　　该事项请向{d.redirect_to}提出申请。", s["body"])
    yield from _paras(_text(d, "rejection.rights"), s["body"])


def _body_correction(d: NoticeData, s: dict[str, TextStyle]) -> Iterator[Flowable]:
    yield from _paras(_text(d, "correction.body"), s["body"])
    yield Spacer(1, LINE * 0.3)
    yield _items_table(d, s, notes=True)
    if d.supply_deadline:
        yield from _paras(f"　　请于{cn_date(d.supply_deadline)}前补正。", s["body"])
    if d.note:
        yield from _paras("　　其他要求：" + d.note, s["body"])
    yield from _paras(_text(d, "correction.after"), s["body"])
    yield _applicant_signs(s, "申请人")


def _body_deferred(d: NoticeData, s: dict[str, TextStyle]) -> Iterator[Flowable]:
    yield from _paras(_text(d, "deferred.body"), s["body"])
    yield Spacer(1, LINE * 0.3)
    yield _items_table(d, s, notes=True)
    yield from _paras(_text(d, "deferred.after"), s["body"])
    yield _applicant_signs(s, "申请人")


def _body_commitment(d: NoticeData, s: dict[str, TextStyle]) -> Iterator[Flowable]:
    yield from _paras("　　" + _text(d, "commitment.body"), s["body"])
    for i, item in enumerate(d.items, start=1):
        yield from _paras(f"　　{i}. {item.name}", s["body"])
    yield Spacer(1, LINE)
    yield from _paras("承诺人（签字或盖章）：＿＿＿＿＿＿　　　　年　　月　　日", s["body"])


def _body_pickup(d: NoticeData, s: dict[str, TextStyle]) -> Iterator[Flowable]:
    yield from _paras(_text(d, "pickup.body"), s["body"])
    when = d.delivered_at.strftime("%H:%M") if d.delivered_at else ""
    delivered = cn_date(d.delivered_at.date() if d.delivered_at else None)
    yield from _paras(f"领取人：{d.recipient_name}　证件号码：{d.recipient_id_masked}", s["body"])
    yield from _paras(f"领取时间：{delivered} {when}", s["body"])
    yield _applicant_signs(s, "领取人")


_BODIES = {
    "receipt": _body_receipt, "rejection": _body_rejection, "correction": _body_correction,
    "deferred": _body_deferred, "commitment": _body_commitment, "pickup": _body_pickup,
}


def _copy(d: NoticeData, s: dict[str, TextStyle]) -> list[Flowable]:
    body = _BODIES.get(d.kind)
    flow = list(body(d, s)) if body else _paras(_text(d, f"{d.kind}.body"), s["body"])
    # the authority and date never stand alone on a page: they stay with the last lines of text
    # (two lines of a long paragraph, not the whole of it, which would leave a page blank)
    last = flow.pop()
    if isinstance(last, GridParagraph):
        *lead, last = last.tail(BLOCK_W, 2)
        flow += lead
    ending = KeepTogether([last, *_footer(d, s, agency=d.kind != "commitment")])
    return [*_header(d, s), *flow, ending]


def story(d: NoticeData) -> list[Flowable]:
    s = _styles()
    if not d.copy_labels:
        return _copy(d, s)
    out: list[Flowable] = []
    for i, label in enumerate(d.copy_labels):
        if i:
            out.append(PageBreak())
        out.append(CopyLabel(f"第{'一二三四五'[i]}联　{label}"))
        out += _copy(d, s)
    return out


def render_pdf(data: NoticeData) -> bytes:
    """The paper as PDF bytes. Raises MissingGlyphs, or InvalidInput for a rejection that does not
    state the applicant's rights, before anything is drawn."""
    check_printable(data)
    check_rights(data)
    register_fonts()
    buffer = io.BytesIO()
    doc = BaseDocTemplate(
        buffer, pagesize=(PAGE_W, PAGE_H), leftMargin=LEFT, rightMargin=PAGE_W - LEFT - BLOCK_W,
        topMargin=PAGE_H - BOTTOM - BLOCK_H, bottomMargin=BOTTOM, title=f"{TITLES[data.kind]} {data.number}",
        author=data.issuer.agency_name, subject=data.case_number, creator="窗口工作台 Counter Desk",
    )
    frame = Frame(LEFT, BOTTOM, BLOCK_W, BLOCK_H, leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
    doc.addPageTemplates([PageTemplate(id="paper", frames=[frame])])
    canvas_class = type("Paper", (PaperCanvas,), {"reprint": data.reprint, "void_mark": data.void_mark})
    doc.build(story(data), canvasmaker=canvas_class)
    return buffer.getvalue()
