"""评价统计: the periods (day … year, custom) and the figures per window / person with the total last,
read through the real service; the Excel export holds what is on screen."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest
from PySide6.QtCore import QDate

from app.context import Actor
from tests.ui.ratings_kit import later, login, rate, unrated, window_id
from ui.ratings.figures_window import FiguresWindow
from ui.ratings.periods import period_label, period_range

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
D = dt.date


@pytest.mark.parametrize(("kind", "anchor", "expected"), [
    ("day", D(2026, 3, 4), (D(2026, 3, 4), D(2026, 3, 4))),
    ("week", D(2026, 3, 4), (D(2026, 3, 2), D(2026, 3, 8))),
    ("week", D(2026, 3, 1), (D(2026, 2, 23), D(2026, 3, 1))),
    ("month", D(2024, 2, 10), (D(2024, 2, 1), D(2024, 2, 29))),
    ("month", D(2026, 12, 31), (D(2026, 12, 1), D(2026, 12, 31))),
    ("quarter", D(2026, 5, 20), (D(2026, 4, 1), D(2026, 6, 30))),
    ("quarter", D(2026, 12, 1), (D(2026, 10, 1), D(2026, 12, 31))),
    ("year", D(2026, 7, 1), (D(2026, 1, 1), D(2026, 12, 31))),
])
def test_periods(kind: str, anchor: dt.date, expected: tuple[dt.date, dt.date]) -> None:
    assert period_range(kind, anchor) == expected


def test_period_labels() -> None:
    assert period_label("quarter", D(2026, 4, 1), D(2026, 6, 30)) == "2026年第2季度"
    assert period_label("month", D(2026, 3, 1), D(2026, 3, 31)) == "2026年3月"
    assert period_label("custom", D(2026, 3, 2), D(2026, 3, 20)) == "2026-03-02 至 2026-03-20"
    with pytest.raises(ValueError):
        period_range("decade", D(2026, 1, 1))


def _ratings(services, clock, clerk) -> None:
    """Window 01 (张敏): 5, 4, 4, 1 (rectified in time), 未评价; window 02 (李强): 5, 3, 2 (overdue)."""
    for level in (5, 4, 4):
        rate(services, clerk, level)
    bad = rate(services, clerk, 1, ("attitude",), "", "13812345678")
    unrated(services, clerk)
    chief = login(services, "liqiang")
    w02 = window_id(services, "02")
    for level in (5, 3):
        rate(services, chief, level, window=w02)
    rate(services, chief, 2, ("efficiency",), window=w02)
    supervisor = login(services, "sunduc")
    boss = Actor(supervisor.id, supervisor.name)
    followup = next(f for f in services.ratings.followups(boss) if f.rating.id == bad.rating_id)
    followup = services.ratings.verify(boss, followup.id, followup.version, "substantiated", "属实")
    services.ratings.rectify(boss, followup.id, followup.version, "批评教育")
    later(services, clock, 16)


def _window(qtbot, services, runner, staff, wait_idle) -> FiguresWindow:
    window = FiguresWindow(services, runner, staff)
    qtbot.addWidget(window)
    window.show()
    wait_idle()
    return window


def _row(window: FiguresWindow, r: int) -> list[str]:
    return [window.table.item(r, c).text() for c in range(window.table.columnCount())]


def test_figures_by_window_and_person_with_the_total_and_an_excel_export(qtbot, services, runner, clerk, clock,
                                                                        wait_idle, tmp_path) -> None:
    _ratings(services, clock, clerk)
    window = _window(qtbot, services, runner, login(services, "liuyang"), wait_idle)
    assert window.title.text() == "评价统计　2026年3月　按窗口"
    assert window.start.date() == QDate(2026, 3, 1) and window.end.date() == QDate(2026, 3, 31)
    assert not window.start.isEnabled()  # a fixed period: the dates follow
    rows = {(_row(window, r)[0]): _row(window, r) for r in range(window.table.rowCount())}
    assert list(rows)[-1] == "合计" and window.table.item(window.table.rowCount() - 1, 0).font().bold()
    w01 = next(v for k, v in rows.items() if k.startswith("01"))
    w02 = next(v for k, v in rows.items() if k.startswith("02"))
    # 名称, 已评价, 未评价, 好评, 中评, 差评, 好评率, 差评整改, 按期整改, 整改按期率, 应回访, 已回访, 回访率, 申诉成立
    assert w01[1:7] == ["4", "1", "3", "0", "1", "75.0%"]
    assert w01[7:10] == ["1", "1", "100.0%"]
    assert w02[1:7] == ["3", "0", "1", "1", "1", "33.3%"]
    assert w02[9] == "0.0%"  # its 差评 was never rectified and its limit has passed
    assert rows["合计"][1:7] == ["7", "1", "4", "1", "2", "57.1%"]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    window.table.clearSelection()
    assert window.grab().save(str(SCREENSHOTS / "rating_figures.png"))

    window.group.setCurrentIndex(window.group.findData("staff"))
    window.refresh()
    wait_idle()
    assert window.title.text().endswith("按人员") and window.table.horizontalHeaderItem(0).text() == "人员"
    names = [_row(window, r)[0] for r in range(window.table.rowCount())]
    assert set(names) == {"张敏", "李强", "合计"}

    path = window.default_name()
    assert path == "评价统计-2026年3月-按人员.xlsx"
    window.export_to(tmp_path / "figures")
    wait_idle()
    assert window.exported == tmp_path / "figures.xlsx" and "已导出" in window.export_note.text()
    sheet = openpyxl.load_workbook(window.exported).active
    cells = [str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None]
    assert "张敏" in cells and "李强" in cells and "合计" in cells


def test_a_custom_period_and_a_day_before_anything(qtbot, services, runner, clerk, clock, wait_idle) -> None:
    _ratings(services, clock, clerk)
    window = _window(qtbot, services, runner, login(services, "liuyang"), wait_idle)
    window.set_period("day", D(2026, 2, 27))
    wait_idle()
    assert window.title.text() == "评价统计　2026年2月27日　按窗口"
    assert _row(window, window.table.rowCount() - 1)[0:2] == ["合计", "0"]
    assert _row(window, window.table.rowCount() - 1)[6] == "—"  # nothing to divide
    window.set_period("custom", D(2026, 3, 2))
    assert window.start.isEnabled() and window.end.isEnabled()
    window.end.setDate(QDate(2026, 2, 1))
    assert "结束日期早于开始日期" in window.title.text() and not window.excel_button.isEnabled()


def test_a_clerk_may_not_read_the_figures(qtbot, services, runner, clerk, wait_idle, shown_errors) -> None:
    window = _window(qtbot, services, runner, clerk, wait_idle)
    assert window.table.rowCount() == 0 and window.title.text() == "未能读取评价统计。"
    assert shown_errors and "督查" in shown_errors[0]
