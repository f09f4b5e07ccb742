"""评优: the business section opens the quarter's 红旗窗口 and the year's 先进 from the 考核 menu; the tables
fill on a worker (the five indicators per window, one red flag), and the year says which months are not
published; a clerk finds the entry greyed, saying who may."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QWidget

from tests.ui.appraisal_kit import login, march_facts
from ui.appraisal.awards_window import AwardsWindow
from ui.appraisal.menu import AppraisalMenu

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def test_the_business_section_sees_the_red_flags_and_the_year(qtbot, services, runner, wait_idle) -> None:
    march_facts(services)
    host = QWidget()
    qtbot.addWidget(host)
    menu = AppraisalMenu(services, runner, login(services, "liuyang"), host)
    wait_idle()
    assert menu.actions["appraisalAwardsAction"].isEnabled()
    window = menu.open_awards()
    assert isinstance(window, AwardsWindow) and window.isWindow()
    wait_idle()
    table = window.quarter_table
    assert table.rowCount() > 3 and window.quarter_result.quarter == 1
    flags = [table.item(r, 9).text() for r in range(table.rowCount())]
    assert flags.count("★ 红旗窗口") == 1 and flags[0] == "★ 红旗窗口"
    assert "尚未发布" in window.year_note.text() and "12月" in window.year_note.text()
    window.resize(1280, 520)
    wait_idle()
    assert window.grab().save(str(SCREENSHOTS / "appraisal-awards.png"))


def test_a_clerk_finds_the_awards_greyed(qtbot, services, runner, wait_idle) -> None:
    host = QWidget()
    qtbot.addWidget(host)
    menu = AppraisalMenu(services, runner, login(services, "zhangmin"), host)
    wait_idle()
    action = menu.actions["appraisalAwardsAction"]
    assert not action.isEnabled() and "中心业务科" in action.toolTip()
