"""The reports' files read back: the Excel workbook with openpyxl (sheet names, values, number formats, frozen
header, widths), the PDF with pypdf (A4 landscape, the running head and page count on every page, a long
table's header repeated, only embedded faces), the monthly 通报 (A4 portrait, 28-character lines, numbered
sections, extra ones appended) and the appraisal extension point. Writes the screenshots of the first
pages (docs/screenshots/report-pdf-1.png, report-bulletin-1.png) when pdftoppm is there."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from app.clock import FixedClock
from app.documents.flow import GridParagraph
from app.documents.glyphs import MissingGlyphs
from app.documents.layout import BLOCK_W
from app.reports import bulletin
from app.reports.model import AppraisalPart, AppraisalRank, BulletinSection, ReportSection
from app.reports.periods import period_of
from app.reports.tables import display_width
from app.services import Services
from benchmarks.dashboard_year import build as build_year
from tests.app.attendance_kit import who
from tests.app.test_reports_data import MARCH, month, month_store  # noqa: F401 - the fixtures

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
HEAD = "示范县政务服务中心统计报表（2026年3月）"


def _march(services, by: str = "window"):
    return services.reports.dashboard(who(services, "liuyang"), period_of("month", MARCH[0]), by=by)


def _fonts(reader: PdfReader) -> set[str]:
    names = set()
    for page in reader.pages:
        for font in page["/Resources"].get("/Font", {}).values():
            font = font.get_object()
            names.add(str(font["/BaseFont"]))
            for descendant in font.get("/DescendantFonts", []):
                descriptor = descendant.get_object()["/FontDescriptor"].get_object()
                assert "/FontFile2" in descriptor, f"{font['/BaseFont']} is not embedded"
    return names


def test_the_workbook_read_back(month) -> None:  # noqa: F811
    services, _built = month
    report = _march(services)
    book = load_workbook(io.BytesIO(services.reports.excel(report)))
    # the appraisal (app.appraisal.report_part, registered by Services) follows: March's draft here
    assert book.sheetnames == ["概览", "办件统计", "评价统计", "考勤统计", "月度趋势", "考核排名", "考核等级分布"]
    for ws in book.worksheets:
        assert ws.freeze_panes == "B4", ws.title  # the header row (3) and the first column stay in view
        assert ws["A1"].value.startswith("示范县政务服务中心统计报表") and "2026年3月" in ws["A1"].value
        assert "对比：2026年2月" in ws["A2"].value
    cases = book["办件统计"]
    headers = [c.value for c in cases[3]]
    assert headers[:3] == ["窗口", "收件", "受理"] and "按期办结率" in headers
    total = next(r for r in cases.iter_rows(min_row=4) if r[0].value == "合计")
    cell = {h: c for h, c in zip(headers, total, strict=True)}
    t = report.current.case_total
    assert (cell["收件"].value, cell["办结"].value, cell["超期"].value) == (t.received, t.completed, t.overdue)
    assert cell["按期办结率"].value == pytest.approx(6 / 9) and cell["按期办结率"].number_format == "0.0%"
    assert cell["收件"].number_format == "#,##0" and cell["平均办理时间（工作日）"].number_format == "0.0"
    assert cell["收件"].font.bold
    for c, header in enumerate(headers, 1):  # wide enough for the Chinese header (a CJK character counts 2)
        width = cases.column_dimensions[cases.cell(row=3, column=c).column_letter].width
        assert width >= display_width(header), header
    overview = {r[0].value: r for r in book["概览"].iter_rows(min_row=4) if r[0].value}
    received = overview["收件"]
    assert [received[1].value, received[2].value, received[3].value] == [13, 1, 12]
    assert received[3].number_format.startswith("+")
    assert overview["按期办结率"][1].number_format == "0.0%"
    ratings = book["评价统计"]
    assert any(r[0].value == "评价等级" for r in ratings.iter_rows())
    assert book["月度趋势"].max_row == 3 + 12
    assert book["考勤统计"]["B3"].value == "人数"


def _long(report, rows: int = 90):
    """The report with as many windows as a large hall's (the layout is a function of the figures)."""
    one = report.current.cases[0]
    many = tuple(dataclasses.replace(one, key=f"w{i}", label=f"{i + 1:03d} 综合窗口{i + 1}") for i in range(rows))
    return dataclasses.replace(report, current=dataclasses.replace(report.current,
                                                                   cases=(*many, report.current.cases[-1])))


def test_the_pdf_read_back(month, tmp_path) -> None:  # noqa: F811
    services, _built = month
    report = _long(_march(services))
    path = services.reports.write_pdf(report, tmp_path / "报表")
    assert path.suffix == ".pdf"
    reader = PdfReader(path)
    pages = len(reader.pages)
    assert pages >= 4
    for i, page in enumerate(reader.pages, 1):
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        assert (round(width), round(height)) == (842, 595)  # A4 landscape
        text = page.extract_text().replace("\n", "")
        assert HEAD in text and f"第 {i} 页 共 {pages} 页" in text, i
    texts = [p.extract_text().replace("\n", "") for p in reader.pages]
    table_pages = [t for t in texts[2:] if re.search(r"\d{3} 综合窗口\d+", t)]  # page 2 is the bar chart's
    assert len(table_pages) >= 2  # the 90 windows run over pages ...
    assert all("不予受理" in t and "上期收件" in t for t in table_pages)  # ... the header on each
    whole = "".join(p.extract_text() for p in reader.pages).replace("\n", "")
    for heading in ("一、主要指标", "二、图表", "三、办件统计", "四、评价统计", "五、考勤统计", "六、月度趋势"):
        assert heading in whole
    assert "各窗口收件与办结" in whole and "评价等级分布" in whole and "月度按期办结率与好评率" in whole
    fonts = _fonts(reader)
    assert not any("Helvetica" in f for f in fonts), fonts


def _body_lines(story) -> list[tuple[str, float]]:
    """(line, its characters' natural width in points) of every body paragraph (16 pt) as broken."""
    lines = []
    for flowable in story:
        if isinstance(flowable, GridParagraph) and flowable.style.size == 16:
            flowable.wrap(BLOCK_W, 10_000)
            lines += [(flowable.chars[a:b], sum(flowable.widths[a:b])) for a, b in flowable._spans]
    return lines


def test_the_bulletin_read_back(month, tmp_path) -> None:  # noqa: F811
    services, _built = month
    report = _march(services)
    praise = ("本月收到表扬信二封锦旗一面群众对窗口服务的满意度持续提高"
              "各窗口要再接再厉保持良好的服务作风做到热情周到耐心细致")
    extra = [BulletinSection("群众表扬情况", ("本月收到表扬信2封、锦旗1面。", praise))]
    path = services.reports.write_bulletin(report, tmp_path / "通报.pdf", extra)
    reader = PdfReader(path)
    for page in reader.pages:
        assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (595, 842)  # A4 portrait
    text = "".join(p.extract_text() for p in reader.pages).replace("\n", "")
    assert "关于2026年3月窗口服务情况的通报" in text and "各窗口、各派驻单位：" in text
    order = [text.index(h) for h in ("一、办件情况", "二、服务评价情况", "三、考勤情况", "四、考核情况",
                                     "五、群众表扬情况", "六、有关要求")]
    assert order == sorted(order)
    assert "共收件13件（上月1件，增加12件）" in text and "按期办结率66.7%" in text
    assert "好评率75.0%" in text and "出勤率99.2%" in text and "空岗2次" in text
    assert text.rstrip().endswith("2026年4月1日") or "示范县政务服务中心2026年4月1日" in text
    assert len(reader.pages) == 1 or "— 1 —" in reader.pages[0].extract_text()
    assert any("ZhuqueFangsong" in f for f in _fonts(reader))
    lines = _body_lines(bulletin.story(report, extra))
    assert len(praise) > 54
    assert [len(line) for line, _w in lines if line in praise] == [26, 28, len(praise) - 54]  # indent 2, then 28
    assert all(width <= 28 * 16 + 0.01 for _line, width in lines)  # never more than the 28 cells of 16 pt


def test_the_appraisal_part_is_laid_out_when_a_provider_gives_one(month) -> None:  # noqa: F811
    services, _built = month
    seen = []

    def provider(ctx, actor, period, department):
        seen.append((period.label, department))
        return AppraisalPart("2026年3月考核结果（第1版）", (AppraisalRank(1, "张敏", "市场监管局", 104.0, "优秀"),
                                                        AppraisalRank(2, "王芳", "人社局", 97.0, "称职")),
                             (("优秀", 1), ("称职", 1), ("基本称职", 0), ("不称职", 0)))

    services.reports.appraisal_provider = provider
    report = _march(services)
    assert seen == [("2026年3月", None)] and report.appraisal is not None
    extra = ReportSection("commendations", "表扬统计", ("窗口", "表扬信"), (("01 市场监管综合窗口", 2),),
                          ("text", "int"))
    book = load_workbook(io.BytesIO(services.reports.excel(report, [extra])))
    assert book.sheetnames[-3:] == ["考核排名", "考核等级分布", "表扬统计"]
    assert book["考核排名"]["B4"].value == "张敏" and book["考核排名"]["D4"].number_format == "0.00"
    pdf = "".join(p.extract_text() for p in PdfReader(io.BytesIO(services.reports.pdf(report, [extra]))).pages)
    assert "七、考核排名" in pdf.replace("\n", "") and "表扬统计" in pdf
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(services.reports.bulletin(report))).pages)
    assert "四、考核情况" in text.replace("\n", "") and "优秀1人" in text.replace("\n", "")


def test_a_character_no_face_has_stops_the_print(month) -> None:  # noqa: F811
    services, _built = month
    report = _march(services)
    odd = ReportSection("odd", "附表", ("名称", "件数"), (("\ue000窗口", 1),), ("text", "int"))
    with pytest.raises(MissingGlyphs, match="U\\+E000"):
        services.reports.pdf(report, [odd])
    with pytest.raises(MissingGlyphs):
        services.reports.bulletin(report, [BulletinSection("附", ("\ue000",))])


@pytest.mark.slow
def test_the_first_pages_of_a_year_of_work(demo_template, tmp_path) -> None:
    """The PDF and the 通报 of December for the demo hall's windows through 2026; their first pages as the
    screenshots (pdftoppm -r 60)."""
    path = tmp_path / "year.sqlite3"
    shutil.copyfile(demo_template, path)
    build_year(path, cases=6000, seats=11, quiet=True)
    services = Services.open(path, FixedClock(dt.datetime(2026, 12, 31, 18, 0)))
    try:
        report = services.reports.dashboard(who(services, "liuyang"), period_of("month", dt.date(2026, 12, 1)))
        pdf = services.reports.write_pdf(report, tmp_path / "report.pdf")
        paper = services.reports.write_bulletin(report, tmp_path / "bulletin.pdf")
    finally:
        services.close()
    first = PdfReader(pdf).pages[0].extract_text()
    assert re.search(r"收件（件）\s*552", first) and "第 1 页" in first
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm is not installed: no screenshots")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for source, name in ((pdf, "report-pdf"), (paper, "report-bulletin")):
        subprocess.run(["pdftoppm", "-r", "60", "-f", "1", "-l", "1", "-png", "-singlefile", str(source),
                        str(SCREENSHOTS / f"{name}-1")], check=True)
        assert (SCREENSHOTS / f"{name}-1.png").stat().st_size > 10_000
