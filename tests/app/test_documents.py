"""Printed papers, parsed back: content, A4, the GB/T 9704 text block, embedded fonts,
page numbers, 补打, copies, rare characters and characters no font has."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import re

import pytest
from pypdf import PdfReader

from app.documents.glyphs import MissingGlyphs, missing_glyphs
from app.documents.model import TITLES, ItemLine
from app.documents.pdf import cn_date, render_pdf
from tools.render_samples import ITEMS, sample

MM = 72 / 25.4
A4_W, A4_H = 595.28, 841.89
BLOCK_LEFT, BLOCK_TOP, BLOCK_RIGHT, BLOCK_BOTTOM = 28 * MM, A4_H - 37 * MM, (28 + 156) * MM, 35 * MM
TOL = 1 * MM
PAGE_NUMBER = re.compile(r"^— \d+ —")


def _read(pdf: bytes) -> PdfReader:
    return PdfReader(io.BytesIO(pdf))


def _text(reader: PdfReader) -> str:
    """All pages' text with line breaks removed (a long name may wrap)."""
    return "".join(p.extract_text() for p in reader.pages).replace("\n", "")


def _positions(page) -> list[tuple[float, float, str, float]]:
    out: list[tuple[float, float, str, float]] = []

    def visit(text, cm, tm, _font, size) -> None:
        if text.strip():
            out.append((tm[4] * cm[0] + cm[4], tm[5] * cm[3] + cm[5], text.strip(), size * tm[0] if tm[0] else size))

    page.extract_text(visitor_text=visit)
    return out


def _fonts(page) -> dict[str, bool]:
    """Font name -> embedded (FontFile2 in the descendant's descriptor)."""
    out = {}
    for font in page["/Resources"]["/Font"].values():
        font = font.get_object()
        for desc in font.get("/DescendantFonts", [font]):
            descriptor = desc.get_object().get("/FontDescriptor")
            out[str(font["/BaseFont"])] = bool(descriptor and "/FontFile2" in descriptor.get_object())
    return out


KINDS = list(TITLES)


@pytest.mark.parametrize("kind", KINDS)
def test_each_paper_says_what_it_must(kind: str) -> None:
    data = sample(kind, copy_labels=("申请人留存联", "存档联") if kind == "deferred" else ())
    reader = _read(render_pdf(data))
    text = _text(reader)
    for must in (TITLES[kind], data.number, data.case_number, data.matter_name, data.query_code):
        assert must in text, must
    if kind not in ("commitment", "pickup"):
        assert data.issuer.agency_name in text and cn_date(data.issued_on) == "2026年3月2日" in text
    expected = {
        "receipt": ["企业变更登记（备案）申请书", "营业执照正、副本", "本回执不代表申请已被受理"],
        "acceptance": ["受理日期为2026年3月2日", "2026年3月9日前办结", "投诉电话：12345"],
        "rejection": ["不予受理的理由", "法律依据", "省市场监督管理局", "六十日内", "六个月内", "行政诉讼"],
        "correction": ["决议未经全体股东签字", "一次性告知", "申请人签收", "时"],
        "deferred": ["容缺后补", "2026年3月6日前", "逾期未补齐", "第一联", "第二联", "存档联"],
        "commitment": ["承诺人", "2026年3月6日前补齐"],
        "completion": ["已办结", "准予许可", "换发营业执照"],
        "pickup": ["领取人", "110105********002X", "2026年3月9日 15:05"],
    }[kind]
    for must in expected:
        assert must in text, must
    assert "补打" not in text  # only reprints say so


@pytest.mark.parametrize("kind", KINDS)
def test_a4_gb9704_text_block_and_embedded_fonts(kind: str) -> None:
    reader = _read(render_pdf(sample(kind)))
    for page in reader.pages:
        box = page.mediabox
        assert abs(float(box.width) - A4_W) < 1 and abs(float(box.height) - A4_H) < 1
        pos = _positions(page)
        body = [p for p in pos if not PAGE_NUMBER.match(p[2])]
        assert abs(min(x for x, *_ in body) - BLOCK_LEFT) < TOL  # left margin 28 mm
        _x, top_y, _t, size = max(body, key=lambda p: p[1])
        assert abs(top_y + size - BLOCK_TOP) < TOL  # the first line's em box starts 37 mm from the top
        assert all(x < BLOCK_RIGHT for x, *_ in body)
        assert all(y > BLOCK_BOTTOM - TOL for _x, y, *_ in body)  # nothing below the block but page numbers
        fonts = _fonts(page)
        assert fonts and all(fonts.values()), fonts


def test_long_correction_flows_onto_numbered_pages() -> None:
    items = tuple(ItemLine(f"第{i}项补充材料（按要求加盖公章）", "missing", 1, 1, "缺少原件") for i in range(1, 121))
    reader = _read(render_pdf(sample("correction", items=items)))
    assert len(reader.pages) >= 3
    for number, page in enumerate(reader.pages, start=1):
        numbers = [p for p in _positions(page) if PAGE_NUMBER.match(p[2])]
        assert [p[2] for p in numbers] == [f"— {number} —"]
        x, y, *_ = numbers[0]
        assert y < BLOCK_BOTTOM - 7 * MM + TOL  # 7 mm below the text block
        assert (x > A4_W / 2) == (number % 2 == 1)  # odd pages right, even pages left
    text = _text(reader)
    assert "第1项补充材料" in text and "第120项补充材料" in text
    assert "申请人签收" in text


def test_single_page_papers_carry_no_page_number() -> None:
    assert not any(PAGE_NUMBER.match(p[2]) for p in _positions(_read(render_pdf(sample("acceptance"))).pages[0]))


def test_reprint_is_marked() -> None:
    assert "补打" in _text(_read(render_pdf(sample("acceptance", reprint=True))))


def test_rare_character_is_printed_from_the_fallback_face() -> None:
    # 𠮷 (Extension B) is in neither the 仿宋 nor the Song face: HanaMinB draws it
    reader = _read(render_pdf(sample("acceptance", applicant_name="王𠮷")))
    fonts = _fonts(reader.pages[0])
    assert any("HanaMinB" in name for name in fonts) and all(fonts.values())
    plain = _read(render_pdf(sample("acceptance", applicant_name="王明")))
    assert not any("HanaMinB" in name for name in _fonts(plain.pages[0]))
    # 𬌗 (Extension E, in the 通用规范汉字表) is in 朱雀仿宋 itself: the name stays in the body face
    assert not any("HanaMinB" in name for name in _fonts(_read(render_pdf(sample("acceptance"))).pages[0]))


def test_a_character_no_font_has_stops_the_paper_and_is_named() -> None:
    absent = "\U000f0001"  # supplementary private use: what some input methods produce for 自造字
    assert missing_glyphs([absent, "王𬌗受理"]) == [absent]
    with pytest.raises(MissingGlyphs) as info:
        render_pdf(sample("receipt", applicant_name="张" + absent))
    assert absent in info.value.message and "无法打印" in info.value.message
    items = (*ITEMS, ItemLine("证明" + absent, "missing"))
    with pytest.raises(MissingGlyphs):
        render_pdf(sample("correction", items=items))


def test_hall_wording_overrides_the_default() -> None:
    texts = {"acceptance.body": "{applicant}：本局已受理你的“{matter}”申请，请于{due}后来取件。"}
    text = _text(_read(render_pdf(sample("acceptance", texts=texts))))
    assert "本局已受理你的“营业执照变更登记（企业）”申请，请于2026年3月9日后来取件。" in text


def test_dates_have_no_leading_zeros() -> None:
    assert cn_date(dt.date(2026, 3, 2)) == "2026年3月2日"
    assert cn_date(dt.date(2026, 10, 10)) == "2026年10月10日"


def test_copies_each_start_on_their_own_page() -> None:
    data = dataclasses.replace(sample("deferred"), copy_labels=("申请人留存联", "存档联"))
    reader = _read(render_pdf(data))
    firsts = [p.extract_text() for p in reader.pages if "容缺受理通知书" in p.extract_text()]
    assert len(firsts) == 2 and "申请人留存联" in firsts[0] and "存档联" in firsts[1]


def _png(path, size: int = 64) -> None:
    """A small red ring on transparency (a stand-in for a hall's electronic seal), written by hand."""
    import struct
    import zlib

    rows = []
    for y in range(size):
        row = bytearray([0])
        for x in range(size):
            r2 = (x - size / 2) ** 2 + (y - size / 2) ** 2
            ring = (size * 0.38) ** 2 < r2 < (size * 0.47) ** 2
            row += bytes((200, 0, 0, 255 if ring else 0))
        rows.append(bytes(row))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"".join(rows)))
                     + chunk(b"IEND", b""))


def test_electronic_seal_is_pressed_on_the_authority_and_date(tmp_path) -> None:
    seal = tmp_path / "seal.png"
    _png(seal)
    data = sample("acceptance")
    sealed = dataclasses.replace(data, issuer=dataclasses.replace(data.issuer, seal_image=str(seal)))
    page = _read(render_pdf(sealed)).pages[0]
    images = page.images
    assert len(images) == 1
    plain = _read(render_pdf(data)).pages[0]
    assert len(plain.images) == 0
    # the seal sits over the authority's name and the date: the two text lines drawn just before it,
    # in the same coordinates, lie inside the seal's square
    content = page.get_contents().get_data().decode("latin1")
    match = re.search(r"([\d.]+) 0 0 ([\d.]+) (-?[\d.]+) (-?[\d.]+) cm\s*/FormXob", content)
    assert match, "seal image not drawn"
    width, height, x, y = map(float, match.groups())
    lines = re.findall(r"1 0 0 1 (-?[\d.]+) (-?[\d.]+) Tm /F\S+ 16 Tf", content[: match.start()])[-2:]
    assert len(lines) == 2
    (agency_x, agency_y), (date_x, date_y) = ((float(a), float(b)) for a, b in lines)
    assert y < float(date_y) < float(agency_y) < y + height
    assert agency_x < x + width / 2 < agency_x + 8 * 16  # centred within the 8-character authority name
    assert x < date_x < x + width
