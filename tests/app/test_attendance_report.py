"""The monthly attendance sheet (考勤月报) as PDF and Excel: read back with pypdf and openpyxl, a
correction's title, rare characters, formula-looking names, a 300-person hall."""

from __future__ import annotations

import datetime as dt
import io
import time

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from app.attendance.report import CODES, month_pdf, month_xlsx
from app.attendance.rules import LeaveFact, MonthSheet, Person, PunchFact, month_sheet
from app.attendance.schedule import default_schedule
from app.documents.glyphs import MissingGlyphs
from app.workcal import WorkingCalendar

HALL = "示范县政务服务中心"
YEAR, MONTH = 2026, 11          # November 2026: 30 days, starts on a Sunday
CALENDAR = WorkingCalendar([], [2026])
LONG_NAME = "买买提江·阿不都热合曼·艾力"

PEOPLE = (
    Person("s1", "张敏", "d-scj", "市场监管局", "01 市场监管综合窗口"),
    Person("s2", "李强", "d-scj", "市场监管局", "02 市场监管综合窗口"),
    Person("s3", "王𬌗", "d-zrj", "自然资源局", "06 不动产登记窗口"),
    Person("s4", LONG_NAME, "d-zrj", "自然资源局", "06 不动产登记窗口"),
    Person("s5", "=1+1", None, "", "", joined=dt.date(2026, 11, 16)),
)


def _day_punches(staff_id: str, day: dt.date, late: int = 0, flagged: bool = False) -> list[PunchFact]:
    times = ((8, 30 + late if late else 25), (12, 2), (13, 25), (17, 35))   # before the Wednesday study
    return [PunchFact(staff_id, dt.datetime.combine(day, dt.time(h, m)), id=f"{staff_id}-{day}-{h}",
                      flagged=flagged) for h, m in times]


def _facts(people, year: int, month: int, until: dt.date):
    punches: list[PunchFact] = []
    day = dt.date(year, month, 1)
    while day.month == month and day <= until:
        if CALENDAR.is_working_day(day):
            for i, p in enumerate(people):
                if p.staff_id == "s3" and day == dt.date(year, month, 4):
                    continue                                          # 旷工 the whole day
                late = 12 if (p.staff_id == "s1" and day.day == 3) or (i % 7 == 1 and day.day == 10) else 0
                punches += _day_punches(p.staff_id, day, late=late, flagged=p.staff_id == "s2" and day.day == 5)
        day += dt.timedelta(days=1)
    def at(d: int, h: int, m: int) -> dt.datetime:
        return dt.datetime(year, month, d, h, m)

    leaves = [LeaveFact("s2", "病假", at(12, 8, 30), at(12, 17, 30), id="l1"),
              LeaveFact("s4", "事假", at(13, 8, 30), at(13, 12, 0), id="l2")]
    return punches, leaves


def _sheet(people=PEOPLE, as_of: dt.date = dt.date(2026, 11, 30)) -> MonthSheet:
    punches, leaves = _facts(people, YEAR, MONTH, as_of)
    return month_sheet(default_schedule(), CALENDAR, YEAR, MONTH, people, punches, leaves, [], as_of=as_of,
                       makeup_days=3, hall_name=HALL)


def _text(pdf: bytes) -> tuple[PdfReader, list[str]]:
    reader = PdfReader(io.BytesIO(pdf))
    return reader, [page.extract_text() for page in reader.pages]


@pytest.fixture(scope="module")
def sheet() -> MonthSheet:
    return _sheet()


def test_pdf_is_landscape_a4_with_title_names_totals_and_page_numbers(sheet: MonthSheet) -> None:
    reader, pages = _text(month_pdf(sheet))
    assert len(pages) == 2
    for page in reader.pages:
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        assert (round(width), round(height)) == (842, 595)
    first = pages[0].replace(" ", "")
    assert f"{HALL}2026年11月考勤月报" in first
    for name in ("张敏", "李强", "市场监管局", "自然资源局", "合计"):
        assert name in first
    zhang = next(pm for pm in sheet.people if pm.person.name == "张敏")
    assert (zhang.late_count, zhang.late_minutes, zhang.workdays) == (1, 12, 21)
    assert "1/12" in pages[0]                                   # 张敏: late once, 12 minutes
    wang = next(pm for pm in sheet.people if pm.person.name == "王𬌗")
    assert wang.absent_halves == 2                              # a whole day: 旷工 1 天
    assert all(f"第 {n} 页 共 2 页" in text for n, text in enumerate(pages, 1))
    assert "每日考勤明细" in pages[1] and "图例" in pages[1]
    assert pages[1].count("姓名") == 1 and "旷" in pages[1] and "√" in pages[1]


def test_pdf_prints_rare_and_long_names(sheet: MonthSheet) -> None:
    _, pages = _text(month_pdf(sheet))
    flat = "".join(pages).replace("\n", "").replace(" ", "")
    assert "王𬌗" in flat                   # drawn in HanaMinB and extractable
    assert "买买提江" in flat and "艾力" in flat
    assert "=1+1" in flat


def test_pdf_refuses_a_character_no_face_has(sheet: MonthSheet) -> None:
    odd = _sheet(people=(Person("x", "张\ue000", None, "", ""),))
    with pytest.raises(MissingGlyphs) as err:
        month_pdf(odd)
    assert err.value.chars == ["\ue000"]


def test_corrected_version_title_and_unfinished_month() -> None:
    partial = _sheet(as_of=dt.date(2026, 11, 10))
    pdf = month_pdf(partial, published="第2版，更正：11月3日张敏迟到系考勤机故障")
    _, pages = _text(pdf)
    head = pages[0].replace("\n", "").replace(" ", "")
    assert "2026年11月考勤月报（第2版，更正：11月3日张敏迟到系考勤机故障）" in head
    assert "本月尚未结束" in head
    _, custom = _text(month_pdf(partial, title="十一月考勤（征求意见稿）"))
    assert "十一月考勤（征求意见稿）" in custom[0]


def test_xlsx_sheets_numbers_frozen_headers_and_text_names(sheet: MonthSheet) -> None:
    wb = load_workbook(io.BytesIO(month_xlsx(sheet, published="第2版，更正：补录病假")))
    assert wb.sheetnames == ["汇总", "部门", "明细"]
    summary, departments, detail = wb["汇总"], wb["部门"], wb["明细"]
    assert summary["A1"].value == f"{HALL} 2026年11月考勤月报（第2版，更正：补录病假）"
    headers = [c.value for c in summary[3]]
    assert headers[:11] == ["序号", "姓名", "部门", "窗口", "应出勤天数", "迟到次数", "迟到分钟", "早退次数",
                            "早退分钟", "缺卡次数", "旷工天数"]
    assert "病假天数" in headers and "事假天数" in headers
    rows = {r[1]: dict(zip(headers, r, strict=True)) for r in summary.iter_rows(min_row=4, values_only=True)}
    assert rows["张敏"]["迟到次数"] == 1 and rows["张敏"]["迟到分钟"] == 12 and rows["张敏"]["应出勤天数"] == 21
    assert rows["王𬌗"]["旷工天数"] == 1
    assert rows["李强"]["病假天数"] == 1 and rows["李强"]["待核天数"] == 1
    assert rows[LONG_NAME]["事假天数"] == 0.5
    assert rows["=1+1"]["应出勤天数"] == 11                      # joined on the 16th
    assert summary["B8"].value == "=1+1" and summary["B8"].data_type == "s"   # text, never a formula
    assert summary["E4"].data_type == "n" and isinstance(summary["E4"].value, int)
    assert summary.freeze_panes == "C4" and summary.column_dimensions["B"].width == 12
    dept = {r[0]: r for r in departments.iter_rows(min_row=4, values_only=True)}
    assert dept["市场监管局"][1:4] == (2, 2, 0)   # 张敏 late on the 3rd, 李强 on the 10th
    assert dept["自然资源局"][5] == 1
    assert dept["合计"][1] == 5 and departments.freeze_panes == "C4"
    assert detail.freeze_panes == "D4" and detail["D3"].value == "1日（日）"
    wang = next(r for r in detail.iter_rows(min_row=4, values_only=True) if r[0] == "王𬌗")
    assert wang[3] == "休息" and wang[3 + 3] == "旷工" and wang[3 + 4] == "正常"
    zhang = next(r for r in detail.iter_rows(min_row=4, values_only=True) if r[0] == "张敏")
    assert zhang[3 + 2] == "上午迟到12分钟；下午正常"


def test_xlsx_leaves_days_not_yet_judged_blank() -> None:
    wb = load_workbook(io.BytesIO(month_xlsx(_sheet(as_of=dt.date(2026, 11, 10)))))
    zhang = next(r for r in wb["明细"].iter_rows(min_row=4, values_only=True) if r[0] == "张敏")
    assert zhang[3 + 9] == "正常" and zhang[3 + 10] in (None, "")


def test_empty_sheet_renders() -> None:
    empty = _sheet(people=())
    _, pages = _text(month_pdf(empty))
    assert "本月无考勤人员" in pages[0]
    wb = load_workbook(io.BytesIO(month_xlsx(empty)))
    assert wb["部门"]["A4"].value == "合计"


def test_codes_cover_every_status() -> None:
    from app.attendance.rules import STATUS_LABELS

    assert set(STATUS_LABELS) - {"pending"} == set(CODES)
    assert all(len(code) == 1 for code in CODES.values())


def test_a_300_person_hall_renders(capsys: pytest.CaptureFixture[str]) -> None:
    depts = [(f"d{i}", f"第{i}部门") for i in range(30)]
    people = tuple(Person(f"p{i:03d}", f"员工{i:03d}", *depts[i % 30], f"{i % 60 + 1:02d} 综合窗口")
                   for i in range(300))
    big = _sheet(people=people)
    started = time.perf_counter()
    pdf = month_pdf(big)
    pdf_seconds = time.perf_counter() - started
    started = time.perf_counter()
    xlsx = month_xlsx(big)
    xlsx_seconds = time.perf_counter() - started
    _, pages = _text(pdf)
    text = "".join(pages)
    assert "员工000" in text and "员工299" in text and "第30部门" not in text and "第29部门" in text
    assert all(f"共 {len(pages)} 页" in p for p in pages) and len(pages) > 10
    grid = next(i for i, p in enumerate(pages) if "每日考勤明细" in p)
    assert 1 < grid < len(pages) - 1
    assert all("应出勤" in p for p in pages[:grid - 1])           # headers repeat: the summary's...
    assert all("姓名" in p and "30\n一" in p for p in pages[grid:])  # ...and the grid's
    wb = load_workbook(io.BytesIO(xlsx), read_only=True)
    assert wb["汇总"].max_row == 303 and wb["明细"].max_row == 303
    with capsys.disabled():
        print(f"\n300 people: PDF {pdf_seconds:.2f} s, {len(pdf) // 1024} KB, {len(pages)} pages; "
              f"xlsx {xlsx_seconds:.2f} s, {len(xlsx) // 1024} KB")
