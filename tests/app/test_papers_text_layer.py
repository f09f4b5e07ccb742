"""The papers' text layer: what an archivist extracts, searches or copies from a PDF is what was
printed, for characters of every CJK extension block the shipped faces cover (issue #15, point 1),
and the faces the text is drawn in (point 2)."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader

from app.documents.glyphs import FANGSONG_CHAIN, HEI_CHAIN, SONG_CHAIN, MissingGlyphs, face_for
from app.documents.pdf import render_pdf
from app.documents.tounicode import to_unicode_cmap, utf16_hex
from tools.render_samples import sample

# one character of each block, with the face that draws it in the body (仿宋 first, then Song, HanaMinB)
BLOCKS = {
    "Extension A": ("㐁", "CDSong"),
    "Extension B": ("𠀀", "CDRare"),
    "Extension C": ("𪜀", "CDRare"),
    "Extension D": ("𫝀", "CDRare"),
    "Extension E": ("𫠠", "CDRare"),
    "Extension E (通用规范汉字)": ("𬌗", "CDFangsong"),
    "Extension F": ("𬺰", "CDRare"),
    "Compatibility Supplement": ("\U0002F825", "CDSong"),
}


def _text(pdf: bytes) -> str:
    return "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).replace("\n", "")


def test_code_points_above_the_bmp_are_written_as_surrogate_pairs() -> None:
    assert utf16_hex(0x4E00) == "4E00"
    assert utf16_hex(0x2C317) == "D870DF17"  # 𬌗: UTF-16BE, not the 5-digit 2C317
    cmap = to_unicode_cmap("AAAAAA+Test", [0, 0x6B27, 0x2C317])
    assert "<02> <D870DF17>" in cmap and "2C317" not in cmap
    assert "3 beginbfchar" in cmap and "<00> <02>" in cmap


@pytest.mark.parametrize("block", list(BLOCKS))
def test_a_rare_character_of_each_block_extracts_back(block: str) -> None:
    char, face = BLOCKS[block]
    assert face_for(char, FANGSONG_CHAIN) == face
    name = "欧阳" + char
    text = _text(render_pdf(sample("acceptance", applicant_name=name)))
    assert f"申请人：{name}（" in text  # the header line
    assert f"{name}：" in text  # the salutation of the body


def test_the_name_of_the_issue_is_found_in_every_paper_kind() -> None:
    for kind in ("receipt", "rejection", "correction", "completion", "pickup"):
        text = _text(render_pdf(sample(kind, applicant_name="欧阳𬌗", recipient_name="欧阳𬌗")))
        assert "欧阳𬌗" in text, kind


def test_extension_g_is_in_no_shipped_face_and_stops_the_print_by_name() -> None:
    with pytest.raises(MissingGlyphs) as info:
        render_pdf(sample("acceptance", applicant_name="王\U00030000"))
    assert "U+30000" in info.value.message


def _fonts_of(pdf: bytes, wanted: str) -> set[str]:
    """The faces (subset prefix and subfont suffix dropped) of the drawn pieces of text that hold
    ``wanted`` or are part of it."""
    found: set[str] = set()

    def visit(text, _cm, _tm, font, _size) -> None:
        piece = text.strip()
        if piece and font is not None and (wanted in piece or piece in wanted):
            found.add(str(font["/BaseFont"]).split("+")[-1].removesuffix("-0"))

    for page in PdfReader(io.BytesIO(pdf)).pages:
        page.extract_text(visitor_text=visit)
    return found


def test_body_in_fangsong_title_in_emboldened_song() -> None:
    pdf = render_pdf(sample("acceptance"))
    assert _fonts_of(pdf, "申请材料齐全") == {"ZhuqueFangsong-Regular"}
    assert _fonts_of(pdf, "受理通知书") == {"UMingCN"}
    content = PdfReader(io.BytesIO(pdf)).pages[0].get_contents().get_data().decode("latin1")
    assert re.search(r"2 Tr", content), "the title is drawn filled and stroked (小标宋 weight)"
    assert face_for("受", SONG_CHAIN) == "CDSong" and face_for("受", HEI_CHAIN) == "CDHei"


def test_fangsong_lacking_a_character_falls_back_to_song() -> None:
    assert face_for("㐁", FANGSONG_CHAIN) == "CDSong"
    assert face_for("“", FANGSONG_CHAIN) == "CDSong"  # 朱雀仿宋's quotes are Latin-width
    assert face_for("申", FANGSONG_CHAIN) == "CDFangsong"


def test_level_one_heading_is_set_in_hei() -> None:
    texts = {"acceptance.body": "{applicant}：\n一、受理事项。你的申请已受理。\n　　二、办理时限。七个工作日。"}
    pdf = render_pdf(sample("acceptance", texts=texts))
    assert _fonts_of(pdf, "、受理事项") == {"WenQuanYiMicroHei"}
    assert _fonts_of(pdf, "时限") == {"WenQuanYiMicroHei"}
    assert _fonts_of(pdf, "你的申请已") == {"ZhuqueFangsong-Regular"}
    assert "一、受理事项。你的申请已受理。" in _text(pdf)
