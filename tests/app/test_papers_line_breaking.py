"""Chinese line breaking (避头尾) on the papers' 28-character grid (issue #15, point 3): texts built
so that a plain fill would break against each rule, checked on the lines drawn in the PDF."""

from __future__ import annotations

import io
import re
from collections import defaultdict

import pytest
from pypdf import PdfReader

from app.documents.flow import GridParagraph, TextStyle
from app.documents.layout import BLOCK_W, BODY_PT, GRID, LINE
from app.documents.linebreak import NO_END, NO_START, break_lines
from app.documents.pdf import render_pdf
from tools.render_samples import sample

FILL = "甲" * 40
MM = 72 / 25.4


def drawn_lines(pdf: bytes, page: int = 0) -> list[tuple[float, str]]:
    """Every drawn line of a page, top to bottom, as (x of its start, text)."""
    rows: dict[float, list[tuple[float, str]]] = defaultdict(list)

    def visit(text, cm, tm, _font, _size) -> None:
        if text.strip():
            y = round(tm[5] * cm[3] + cm[5], 1)
            rows[y].append((tm[4] * cm[0] + cm[4], text))

    PdfReader(io.BytesIO(pdf)).pages[page].extract_text(visitor_text=visit)
    return [(min(x for x, _ in rows[y]), "".join(t for _, t in rows[y]).strip()) for y in sorted(rows, reverse=True)]


def body_lines(body: str) -> list[str]:
    """The drawn lines of an acceptance notice whose body is ``body`` (no indent, no salutation)."""
    lines = [t for _x, t in drawn_lines(render_pdf(sample("acceptance", texts={"acceptance.body": body})))]
    start = next(i for i, t in enumerate(lines) if body.startswith(t[:6]))
    return lines[start:start + 4]


def test_a_full_line_holds_28_characters_and_starts_on_the_margin() -> None:
    pdf = render_pdf(sample("acceptance", texts={"acceptance.body": "乙" * 60}))
    lines = [(x, t) for x, t in drawn_lines(pdf) if set(t) == {"乙"}]
    assert [len(t) for _x, t in lines] == [28, 28, 4]
    assert all(abs(x - 28 * MM) < 0.5 for x, _t in lines)


@pytest.mark.parametrize("mark", list("。，、；：？！）」』”"))
def test_no_closing_mark_starts_a_line(mark: str) -> None:
    body = "甲" * GRID + mark + "乙" * 10  # a plain fill puts the mark first on line 2
    lines = body_lines(body)
    assert lines[0] == "甲" * (GRID - 1)
    assert lines[1].startswith("甲" + mark)
    assert not any(line[0] in NO_START for line in lines)


@pytest.mark.parametrize("mark", list("（「『“"))
def test_no_opening_mark_ends_a_line(mark: str) -> None:
    body = "甲" * (GRID - 1) + mark + "乙" * 10  # a plain fill ends line 1 with the mark
    lines = body_lines(body)
    assert lines[0] == "甲" * (GRID - 1)
    assert lines[1].startswith(mark + "乙")
    assert not any(line[-1] in NO_END for line in lines)


def test_two_rules_at_once_move_the_pair_and_its_character() -> None:
    body = "甲" * (GRID - 2) + "乙”。" + "丙" * 10  # closing quote and full stop: neither may lead
    lines = body_lines(body)
    assert lines[0] == "甲" * (GRID - 2) and lines[1].startswith("乙”。丙")


@pytest.mark.parametrize("token", ["2026年3月12日", "DEMO-2026C000123", "DEMO-03-2026-SJ000123", "0571-86601101",
                                   "110105********002X", "1234567", "15:05"])
def test_numbers_dates_and_case_numbers_stay_on_one_line(token: str) -> None:
    for lead in range(GRID - 6, GRID):  # the token crosses the end of line 1 at each offset
        lines = body_lines("甲" * lead + token + "乙" * 10)
        assert any(token in line for line in lines), (lead, lines)


def test_a_paragraph_line_that_gave_characters_away_is_still_justified() -> None:
    para = GridParagraph.of("甲" * GRID + "。乙", TextStyle(BODY_PT, LINE, grid=GRID))
    para.wrap(BLOCK_W, 1000)
    assert para.lines == ["甲" * (GRID - 1), "甲。乙"]
    pdf = render_pdf(sample("acceptance", texts={"acceptance.body": "甲" * GRID + "。乙"}))
    content = PdfReader(io.BytesIO(pdf)).pages[0].get_contents().get_data().decode("latin1")
    spacings = [float(v) for v in re.findall(r"(-?[\d.]+) Tc", content)]
    justified = (BLOCK_W - (GRID - 1) * BODY_PT) / (GRID - 2)  # 27 characters spread over the full width
    grid = BLOCK_W / GRID - BODY_PT  # the paragraph's last line keeps the grid's pitch
    assert any(abs(v - justified) < 1e-3 for v in spacings), spacings
    assert any(abs(v - grid) < 1e-3 for v in spacings), spacings


def test_the_line_breaker_alone() -> None:
    def lines(text: str, cells: int = 5) -> list[str]:
        return [text[a:b] for a, b in break_lines(text, [1.0] * len(text), cells, cells)]

    assert lines("一二三四五六七") == ["一二三四五", "六七"]
    assert lines("一二三四五。七") == ["一二三四", "五。七"]
    assert lines("一二三四（六七") == ["一二三四", "（六七"]
    assert lines("一二三12345") == ["一二三", "12345"]
    assert lines("1234567890") == ["12345", "67890"]  # longer than a line: cut where it is full
    assert lines("一二三四五 六") == ["一二三四五", "六"]  # the space falls into the break


def _all_lines(pdf: bytes) -> list[str]:
    out: list[str] = []
    for page in range(len(PdfReader(io.BytesIO(pdf)).pages)):
        out += [t for _x, t in drawn_lines(pdf, page)]
    return out


@pytest.mark.parametrize("kind", ["receipt", "acceptance", "rejection", "correction", "deferred", "completion"])
def test_the_default_papers_obey_the_rules_whatever_the_matter(kind: str) -> None:
    # the 受理通知书 broke "…变更登记（" / "企业）…": matter names 0 to 6 characters longer move
    # every bracket, quote, comma and date of the default wording across the ends of the lines
    seen_start, seen_end = set(), set()
    for n in range(7):
        data = sample(kind, matter_name="食品经营许可"[:n] + "营业执照变更登记（企业）")
        lines = _all_lines(render_pdf(data))
        bad = [t for t in lines if t[0] in NO_START or t[-1] in NO_END]
        assert not bad, (n, bad)
        assert any("2026年3月2日" in t for t in lines)
        seen_start |= {t[0] for t in lines}
        seen_end |= {t[-1] for t in lines}
    assert len(seen_start) > 3 and len(seen_end) > 3


def test_a_paragraph_longer_than_a_page_continues_on_the_next_without_an_indent() -> None:
    body = "　　" + "".join(f"第{i}句话写在这里。" for i in range(1, 151))  # about 45 lines
    pdf = render_pdf(sample("acceptance", texts={"acceptance.body": body}))
    pages = PdfReader(io.BytesIO(pdf)).pages
    assert len(pages) >= 2
    text = "".join(t for n in range(len(pages)) for _x, t in drawn_lines(pdf, n) if not t.startswith("— "))
    assert body.lstrip("　") in text  # nothing lost or doubled at the page break
    first, second = drawn_lines(pdf, 0), drawn_lines(pdf, 1)
    assert len(first) > 20  # the paragraph starts under the header: no page left blank before it
    starts = [x for x, t in first if t.startswith("第1句")]
    assert starts and abs(starts[0] - (28 * MM + 2 * BLOCK_W / GRID)) < 0.5  # two characters in
    assert abs(second[0][0] - 28 * MM) < 0.5 and second[0][1][0] not in NO_START  # continued flush left


def test_justifying_spreads_the_gaps_between_characters_not_inside_a_date_or_number() -> None:
    from reportlab.pdfgen.canvas import Canvas

    from app.documents.glyphs import register_fonts

    register_fonts()
    para = GridParagraph.of("甲" * 12 + "2026年3月12日" + "乙" * 30 + "。", TextStyle(BODY_PT, LINE, grid=GRID))
    para.wrap(BLOCK_W, 1000)
    assert para.lines[0] == "甲" * 12 + "2026年3月12日" + "乙" * 9  # 27.4 cells: a justified line with room
    out = io.BytesIO()
    canvas = Canvas(out, pageCompression=0)
    para.drawOn(canvas, 0, 100)
    canvas.save()
    content = out.getvalue().decode("latin1").splitlines()
    first = next(line for line in content if line.startswith("BT 1 0 0 1"))  # the first line's text object
    spacings = [float(v) for v in re.findall(r"(-?[\d.]+) Tc", first)]
    grid = BLOCK_W / GRID - BODY_PT
    assert len(spacings) == 3 and abs(spacings[1] - grid) < 1e-3  # 甲… spread, 2026年3月12 at the pitch, 日乙… spread
    assert spacings[0] == spacings[2] > grid + 0.1
