"""考勤月报 window (computed rows, the day grid, PDF / Excel export, 关闭并发布 with versions) and the
作息时间 dialog (inline validation, saving a new version), on real services with a temporary store."""

from __future__ import annotations

import datetime as dt

from openpyxl import load_workbook
from pypdf import PdfReader
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLabel, QPushButton

from app.context import Actor
from ui.attendance.month_sheet_window import MonthSheetWindow
from ui.attendance.schedule_dialog import ScheduleDialog

# February 2026 (the month before the tests' "now", 2026-03-02): Monday 2nd on time, Tuesday 3rd late.
FEB_PUNCHES = {
    dt.date(2026, 2, 2): ("08:25", "12:01", "13:55", "17:35"),
    dt.date(2026, 2, 3): ("08:45", "12:00", "13:58", "17:31"),
}


def punch_february(services, clock, actor: Actor) -> None:
    """Punch at this PC on two days of February as the clerk does, then come back to "now"."""
    now = clock.at
    for day, times in FEB_PUNCHES.items():
        for hhmm in times:
            clock.at = dt.datetime.combine(day, dt.time.fromisoformat(hhmm))
            services.attendance.punch(actor)
    clock.at = now


def _open(qtbot, services, runner, wait_idle, login: str) -> MonthSheetWindow:
    window = MonthSheetWindow(services, runner, services.auth.login(login, "demo1234"))
    qtbot.addWidget(window)
    window.show()
    wait_idle()
    return window


def _row_of(model, name: str) -> int:
    return next(r for r in range(model.rowCount()) if model.cells(r)[0] == name)


def test_the_business_section_sees_the_computed_month_with_a_day_grid(
        qtbot, services, runner, actor, clock, wait_idle) -> None:
    punch_february(services, clock, actor)
    window = _open(qtbot, services, runner, wait_idle, "liuyang")
    assert window.month.date().toString("yyyy-MM") == "2026-02"
    assert "2026年2月" in window.findChild(QLabel, "monthSheetTitle").text()
    assert "实时计算" in window.findChild(QLabel, "monthSheetState").text()
    totals = window.totals_model
    headers = totals.headers
    row = totals.cells(_row_of(totals, "张敏"))
    assert row[headers.index("迟到(次)")] == "1" and row[headers.index("迟到(分钟)")] == "15"
    assert totals.rowCount() >= 10  # the whole hall
    grid = window.grid_model
    r = next(i for i in range(grid.rowCount()) if grid.headerData(i, Qt.Orientation.Vertical) == "张敏")
    assert grid.headerData(2, Qt.Orientation.Horizontal) == "3"
    assert grid.data(grid.index(r, 0)) == "休"  # Sunday 1 February
    assert grid.data(grid.index(r, 1)) == "√"
    assert grid.data(grid.index(r, 2)) == "迟√"  # 3 February: late in the morning
    assert "迟到15分钟" in grid.data(grid.index(r, 2), Qt.ItemDataRole.ToolTipRole)
    assert grid.data(grid.index(r, 2), Qt.ItemDataRole.BackgroundRole).color().name() == "#ffe0b2"
    assert window.findChild(QPushButton, "monthSheetPublish").isEnabled()
    qtbot.keyClick(window, Qt.Key.Key_PageUp, Qt.KeyboardModifier.ControlModifier)
    wait_idle()
    assert window.month.date().toString("yyyy-MM") == "2026-01"
    assert "2026年1月" in window.findChild(QLabel, "monthSheetTitle").text()


def test_the_month_exports_a_pdf_and_an_xlsx_that_parse(
        qtbot, services, runner, actor, clock, wait_idle, tmp_path) -> None:
    punch_february(services, clock, actor)
    window = _open(qtbot, services, runner, wait_idle, "liuyang")
    pdf = tmp_path / "month.pdf"
    window.export_to(pdf)
    wait_idle()
    text = "".join(page.extract_text() for page in PdfReader(pdf).pages)
    assert "张敏" in text and "考勤月报" in text
    assert "已导出" in window.findChild(QLabel, "monthSheetExported").text()
    assert window.findChild(QPushButton, "monthSheetOpenFolder").isVisible()
    xlsx = tmp_path / "month.xlsx"
    window.export_to(xlsx)
    wait_idle()
    book = load_workbook(xlsx)
    cells = [c for ws in book.worksheets for row in ws.iter_rows(values_only=True) for c in row]
    assert "张敏" in cells


def test_a_clerk_sees_only_herself_and_may_not_publish(qtbot, services, runner, actor, clock, wait_idle) -> None:
    punch_february(services, clock, actor)
    window = _open(qtbot, services, runner, wait_idle, "zhangmin")
    assert window.totals_model.rowCount() == 1 and window.totals_model.cells(0)[0] == "张敏"
    publish = window.findChild(QPushButton, "monthSheetPublish")
    assert not publish.isEnabled() and "业务科" in publish.toolTip()
    assert not window.findChild(QComboBox, "monthSheetDepartment").isVisible()


def test_publishing_then_a_correction_needs_a_reason_and_shows_the_versions(
        qtbot, services, runner, actor, clock, wait_idle, shown_errors, tmp_path) -> None:
    punch_february(services, clock, actor)
    window = _open(qtbot, services, runner, wait_idle, "liuyang")
    assert "尚未发布" in window.findChild(QLabel, "monthSheetVersions").text()
    window.publish("")
    wait_idle()
    versions = window.findChild(QLabel, "monthSheetVersions")
    assert "第1版" in versions.text() and "刘洋" in versions.text()
    window.publish("")
    wait_idle()
    assert shown_errors and "更正原因" in shown_errors[-1]
    window.publish("张敏2月3日补签已批准")
    wait_idle()
    assert versions.text().index("第2版") < versions.text().index("第1版")
    assert "张敏2月3日补签已批准" in versions.text()
    box = window.findChild(QComboBox, "monthSheetVersion")
    box.setCurrentIndex(1)
    box.activated.emit(1)
    assert "已发布的第2版" in window.findChild(QLabel, "monthSheetState").text()
    assert window.totals_model.rowCount() >= 10  # the published sheet is on screen
    pdf = tmp_path / "published.pdf"
    window.export_to(pdf)
    wait_idle()
    assert "第2版" in "".join(page.extract_text() for page in PdfReader(pdf).pages)


def test_the_schedule_dialog_checks_inline_and_saves_a_new_version(qtbot, services, runner, wait_idle) -> None:
    dialog = ScheduleDialog(services, runner, services.auth.login("liuyang", "demo1234"))
    qtbot.addWidget(dialog)
    dialog.show()
    wait_idle()
    assert dialog.table.rowCount() >= 1 and dialog.table.item(0, 3).text() == "08:30"
    assert dialog.save_button.isEnabled()
    dialog.grace.setValue(45)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    error = dialog.findChild(QLabel, "scheduleError")
    assert "宽限" in error.text()
    dialog.grace.setValue(5)
    dialog.table.item(0, 3).setText("8点半")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert "时:分" in error.text()
    dialog.table.item(0, 3).setText("08:45")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    wait_idle()
    assert error.text() == ""
    assert "第 1 版" in dialog.findChild(QLabel, "scheduleInForce").text()
    schedule = services.attendance.schedule()
    assert schedule.version == 1 and schedule.grace_minutes == 5
    assert schedule.timetables[0].morning[0] == dt.time(8, 45)


def test_a_clerk_may_not_change_the_schedule(qtbot, services, runner, clerk, wait_idle) -> None:
    dialog = ScheduleDialog(services, runner, clerk)
    qtbot.addWidget(dialog)
    dialog.show()
    wait_idle()
    assert not dialog.save_button.isEnabled()
    assert "业务科" in dialog.findChild(QLabel, "scheduleError").text()
