"""统计报表 through the real window and services on a store of its own: the business section picks a month
and sees its figures beside February's (▲▼), switches the grouping, exports Excel, and the charts are
there; Enter counts again; a chief's department is fixed; a clerk's menu entry is greyed with who may.
The screenshot (docs/screenshots/report-dashboard.png) shows a year of the demo hall's windows."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import openpyxl
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMainWindow

from app.clock import FixedClock
from app.services import Services
from benchmarks.dashboard_year import build as build_year
from tests.app.test_reports_data import MARCH, month, month_store  # noqa: F401 - the fixtures
from tests.ui.ratings_kit import login
from ui.reports.menu import ReportsMenu
from ui.reports.reports_window import ReportsWindow

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def _window(qtbot, services, runner, staff, wait_idle) -> ReportsWindow:
    window = ReportsWindow(services, runner, staff)
    qtbot.addWidget(window)
    window.show()
    wait_idle()
    wait_idle()  # the permissions, then the first count
    return window


def _cells(table, row: int) -> list[str]:
    return [table.item(row, c).text() for c in range(table.columnCount())]


def _rows(table) -> dict[str, list[str]]:
    return {table.item(r, 0).text(): _cells(table, r) for r in range(table.rowCount())}


def test_a_month_with_its_comparison_grouping_and_excel(qtbot, month, runner, wait_idle, tmp_path) -> None:  # noqa: F811
    services, _built = month
    window = _window(qtbot, services, runner, login(services, "liuyang"), wait_idle)
    assert window.kind() == "month" and window.department.currentText() == "全部部门"
    window.set_period("month", MARCH[0])
    assert window.state.text() == "正在统计…" and not window.excel_button.isEnabled()
    wait_idle()
    assert window.title.text() == "示范县政务服务中心统计报表　2026年3月　按窗口"
    received = window.figures.card("received")
    assert received.value.text() == "13件" and received.change.text() == "上期 1　▲ 12"
    assert window.figures.card("on_time_rate").value.text() == "66.7%"
    assert window.figures.card("overdue").change.text() == "上期 0　▲ 5"
    assert "对比：2026年2月" in window.state.text()
    cases = _rows(window.tables["cases"])
    assert list(cases)[-1] == "合计" and cases["合计"][1:3] == ["13", "12"]
    assert cases["01 市场监管综合窗口"][1] == "7" and cases["合计"][9] == "66.7%"
    ratings = _rows(window.tables["ratings"])
    assert ratings["合计"][1] == "8" and ratings["合计"][6] == "75.0%"
    attendance = _rows(window.tables["attendance"])
    assert attendance["合计"][1] == "12" and attendance["合计"][3] == "99.2%"
    assert window.tables["trend"].rowCount() == 12
    # the charts: the trend's four lines, a bar per window, the levels
    assert len(window.trend_view.chart().series()) == 4
    bars = window.group_view.chart().series()[0].barSets()
    assert [b.label() for b in bars] == ["收件", "办结"] and bars[0].count() == 4
    assert window.levels_view.chart().series()[0].barSets()[0].count() == 6
    # 考核排名: March has ended (the clock is in April) and is not published: its draft, said so
    ranking = window.tables["appraisal"]
    assert ranking.rowCount() == 12 and ranking.item(0, 0).text() == "1"
    note = window.notes["appraisal"].text()
    assert note.startswith("2026年3月考核（草稿，未发布）") and "优秀" in note and "人" in note

    window.group.setCurrentIndex(window.group.findData("department"))
    window.refresh()
    wait_idle()
    assert window.title.text().endswith("按部门")
    assert window.tables["cases"].horizontalHeaderItem(0).text() == "部门"
    assert set(_rows(window.tables["cases"])) == {"示范县市场监督管理局", "示范县人力资源和社会保障局",
                                                  "示范县自然资源和规划局（不动产登记中心）", "合计"}
    assert window.default_name("xlsx") == "统计报表-2026年3月-按部门.xlsx"
    window.export_to(tmp_path / "report.xlsx")
    wait_idle()
    assert window.exported == tmp_path / "report.xlsx" and "已导出" in window.export_note.text()
    book = openpyxl.load_workbook(window.exported)
    assert book.sheetnames[:5] == ["概览", "办件统计", "评价统计", "考勤统计", "月度趋势"]
    assert book["办件统计"]["A3"].value == "部门" and book["办件统计"].freeze_panes == "B4"


def test_enter_counts_again_and_pdf_and_bulletin_are_written(qtbot, month, runner, wait_idle, tmp_path) -> None:  # noqa: F811
    services, _built = month
    window = _window(qtbot, services, runner, login(services, "liuyang"), wait_idle)
    window.set_period("month", MARCH[0])
    wait_idle()
    asked = window.query
    window.group.setFocus()
    qtbot.keyClick(window.group, Qt.Key.Key_Return)
    assert window.query == asked + 1 and window.state.text() == "正在统计…"
    wait_idle()
    window.export_to(tmp_path / "report.pdf", "pdf")
    wait_idle()
    assert (tmp_path / "report.pdf").read_bytes()[:5] == b"%PDF-"
    window.set_period("week", dt.date(2026, 3, 11))
    wait_idle()
    assert window.default_name("bulletin") == "窗口服务情况通报-2026年3月.pdf"
    window.export_to(tmp_path / "bulletin.pdf", "bulletin")  # the month of the week chosen
    wait_idle()
    from pypdf import PdfReader

    text = PdfReader(tmp_path / "bulletin.pdf").pages[0].extract_text()
    assert "关于2026年3月窗口服务情况的通报" in text.replace("\n", "")


def test_a_chief_s_department_is_fixed_and_a_clerk_is_refused(qtbot, month, runner, wait_idle,  # noqa: F811
                                                             shown_errors) -> None:
    services, _built = month
    window = _window(qtbot, services, runner, login(services, "liqiang"), wait_idle)
    assert window.department.currentText() == "示范县市场监督管理局" and not window.department.isEnabled()
    window.set_period("month", MARCH[0])
    wait_idle()
    assert set(_rows(window.tables["cases"])) == {"01 市场监管综合窗口", "02 食品药品许可窗口", "合计"}
    clerk = login(services, "zhangmin")
    refused = _window(qtbot, services, runner, clerk, wait_idle)
    assert refused.title.text() == "无权查看统计报表" and "中心业务科" in refused.state.text()
    assert not refused.excel_button.isEnabled() and not shown_errors
    main = QMainWindow()
    qtbot.addWidget(main)
    menu = ReportsMenu(services, runner, clerk, main)
    main.menuBar().addMenu(menu.menu)
    wait_idle()
    assert menu.menu.title() == "报表(&R)" and menu.action.text() == "统计报表(&S)…"
    assert not menu.action.isEnabled() and "首席代表（本部门）" in menu.action.toolTip()
    boss_menu = ReportsMenu(services, runner, login(services, "sunduc"), main)
    wait_idle()
    assert boss_menu.action.isEnabled()
    opened = boss_menu.open_reports()
    wait_idle()
    assert opened.isVisible() and boss_menu.open_reports() is opened
    opened.close()


@pytest.fixture
def year_services(demo_template: Path, tmp_path: Path):
    """The demo hall's 11 windows through 2026 (the benchmark's generator, small), seen on 31 December."""
    path = tmp_path / "year.sqlite3"
    shutil.copyfile(demo_template, path)
    build_year(path, cases=6000, seats=11, quiet=True)
    services = Services.open(path, FixedClock(dt.datetime(2026, 12, 31, 18, 0)))
    yield services
    services.close()


def test_the_dashboard_of_a_year_of_work_screenshot(qtbot, year_services, runner, wait_idle) -> None:
    window = _window(qtbot, year_services, runner, login(year_services, "liuyang"), wait_idle)
    window.resize(1360, 860)
    wait_idle()
    assert window.title.text() == "示范县政务服务中心统计报表　2026年12月　按窗口"
    trend = window.report.trend
    assert [p.month for p in trend] == list(range(1, 13)) and all(p.received for p in trend)
    assert sum(p.received for p in trend) == 6000
    assert window.group_view.chart().series()[0].barSets()[0].count() == 11
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    assert window.grab().save(str(SCREENSHOTS / "report-dashboard.png"))
