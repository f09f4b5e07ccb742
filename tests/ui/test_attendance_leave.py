"""请假 and 补签 at the counter: a clerk's request appears in 我的申请; the chief, signed in on the same
store, sees it in 待我审批, approves it with a note, and the clerk's list says 已批准; a refusal is said
inline in red with the field focused and nothing typed is lost; 不批准 needs a note."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QLabel, QTableWidget

from app.context import Actor
from tests.ui.keyboard import type_text
from ui.attendance.leave_dialog import LeaveDialog
from ui.attendance.makeup_dialog import MakeupDialog
from ui.attendance.requests_window import RequestsWindow
from ui.main_window import MainWindow

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def _leave_dialog(qtbot, services, runner, staff, wait_idle) -> LeaveDialog:
    dialog = LeaveDialog(services, runner, staff)
    qtbot.addWidget(dialog)
    dialog.show()
    wait_idle()
    assert dialog.kind.count() >= 5 and dialog.ok_button.isEnabled()
    return dialog


def _fill_leave(qtbot, dialog: LeaveDialog, kind: str, start: dt.date, start_half: str, end: dt.date,
                end_half: str, reason: str) -> None:
    dialog.kind.setCurrentIndex(dialog.kind.findText(kind))
    dialog.start.date.setDate(QDate(start.year, start.month, start.day))
    dialog.start.half.setCurrentIndex(dialog.start.half.findText(start_half))
    dialog.end.date.setDate(QDate(end.year, end.month, end.day))
    dialog.end.half.setCurrentIndex(dialog.end.half.findText(end_half))
    dialog.reason.setFocus()
    type_text(qtbot, reason, dialog.reason)


def _requests(qtbot, services, runner, staff, wait_idle, *, pending: bool) -> RequestsWindow:
    window = RequestsWindow(services, runner, staff)
    qtbot.addWidget(window)
    window.show()
    window.show_tab(pending=pending)
    wait_idle()
    return window


def _cells(table: QTableWidget, row: int) -> list[str]:
    return [table.item(row, c).text() for c in range(table.columnCount())]


def test_a_leave_goes_from_the_clerk_to_the_chiefs_list_and_back_approved(
        qtbot, services, runner, clerk, wait_idle) -> None:
    dialog = _leave_dialog(qtbot, services, runner, clerk, wait_idle)
    _fill_leave(qtbot, dialog, "事假", dt.date(2026, 3, 3), "上午", dt.date(2026, 3, 3), "下午", "家中老人就医")
    assert dialog.quote.text() == "共 1天，需首席代表审批"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    assert dialog.grab().save(str(SCREENSHOTS / "attendance-leave-dialog.png"))
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.item is not None, timeout=20000)
    wait_idle()
    assert not dialog.isVisible()

    mine = _requests(qtbot, services, runner, clerk, wait_idle, pending=False)
    assert mine.mine_table.rowCount() == 1
    row = _cells(mine.mine_table, 0)
    assert "事假" in row[0] and row[4] == "待审批" and "家中老人就医" in row[3]
    assert mine.cancel_button.isEnabled()  # not started yet

    services.attendance.request_makeup(Actor(clerk.id, clerk.name), dt.date(2026, 2, 27), "start",
                                       dt.datetime(2026, 2, 27, 8, 25), "考勤机故障")
    chief = services.auth.login("liqiang", "demo1234")
    approvals = _requests(qtbot, services, runner, chief, wait_idle, pending=True)
    table = approvals.pending_table
    assert table.rowCount() == 2
    rows = {_cells(table, r)[2]: _cells(table, r) for r in range(2)}
    leave_row = next(cells for title, cells in rows.items() if "事假" in title)
    assert leave_row[0] == "张敏" and leave_row[6].endswith("首席代表审批") and leave_row[4] == "1天"
    assert any("补签" in title for title in rows)
    assert "（2）" in approvals.tabs.tabText(1)
    table.selectRow(next(r for r in range(2) if "事假" in table.item(r, 2).text()))
    assert approvals.grab().save(str(SCREENSHOTS / "attendance-pending-approvals.png"))

    qtbot.mouseClick(approvals.reject_button, Qt.MouseButton.LeftButton)  # 不批准 without a note
    assert "理由" in approvals.error.text() and approvals.note.hasFocus()
    assert table.rowCount() == 2
    type_text(qtbot, "同意，请安排好B岗", approvals.note)
    qtbot.mouseClick(approvals.approve_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: table.rowCount() == 1, timeout=20000)
    wait_idle()
    assert "补签" in table.item(0, 2).text() and approvals.pending_summary.text() == "共 1 项待审批"

    mine.refresh()
    wait_idle()
    row = next(_cells(mine.mine_table, r) for r in range(2) if "事假" in mine.mine_table.item(r, 0).text())
    assert row[4] == "已批准" and "李强" in row[5] and "同意，请安排好B岗" in row[5]


def test_a_refused_leave_is_said_inline_and_keeps_what_was_typed(qtbot, services, runner, clerk,
                                                                 wait_idle, shown_errors) -> None:
    first = _leave_dialog(qtbot, services, runner, clerk, wait_idle)
    _fill_leave(qtbot, first, "病假", dt.date(2026, 3, 4), "上午", dt.date(2026, 3, 4), "下午", "发烧")
    qtbot.mouseClick(first.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: first.item is not None, timeout=20000)
    wait_idle()

    dialog = _leave_dialog(qtbot, services, runner, clerk, wait_idle)  # overlaps the first one
    _fill_leave(qtbot, dialog, "事假", dt.date(2026, 3, 4), "下午", dt.date(2026, 3, 5), "上午", "办理房产过户")
    qtbot.keyClick(dialog.ok_button, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.error.text() != "", timeout=20000)
    wait_idle()
    assert dialog.isVisible() and dialog.item is None and shown_errors == []
    assert "b00020" in dialog.error.styleSheet()
    assert dialog.reason.toPlainText() == "办理房产过户" and dialog.kind.currentText() == "事假"
    assert dialog.start.date.date() == QDate(2026, 3, 4) and dialog.end.half.currentText() == "上午"
    assert dialog.ok_button.isEnabled()
    mine = services.attendance.my_requests(services.auth.login("zhangmin", "demo1234"))
    assert len(mine) == 1


def test_a_makeup_defaults_to_todays_missing_slot_and_the_chief_sees_the_count(
        qtbot, services, runner, clerk, clock, wait_idle) -> None:
    clock.at = dt.datetime(2026, 3, 2, 12, 40)  # nothing punched this morning: 上班 and 午间下班 missing
    dialog = MakeupDialog(services, runner, clerk)
    qtbot.addWidget(dialog)
    dialog.show()
    wait_idle()
    assert dialog.slot.currentData() == "start" and dialog.claimed.time().toString("HH:mm") == "08:30"
    type_text(qtbot, "考勤机故障", dialog.reason)
    qtbot.keyClick(dialog.reason, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.item is not None, timeout=20000)
    wait_idle()
    assert dialog.item.slot == "start"

    chief = services.auth.login("liqiang", "demo1234")
    w = MainWindow(services, runner, chief)
    qtbot.addWidget(w)
    w.sync_worker.poll_ms = 3_600_000
    w.show()
    wait_idle()
    assert w.attendance.pending_button.text() == "待我审批 1" and w.attendance.pending_button.isVisible()
    assert "（1）" in w.attendance.actions["pendingAction"].text()
    window = w.attendance.open_pending()
    wait_idle()
    assert isinstance(window, RequestsWindow) and window.tabs.currentIndex() == 1
    assert window.pending_table.rowCount() == 1 and "补签" in window.pending_table.item(0, 2).text()
    # a request arrives with a sync: the count and the open list follow
    services.attendance.request_leave(Actor(clerk.id, clerk.name), "病假", dt.datetime(2026, 3, 6, 8, 30),
                                      dt.datetime(2026, 3, 6, 12, 0), "复诊")
    w.sync_worker.synced.emit(None)
    qtbot.waitUntil(lambda: w.attendance.pending_button.text() == "待我审批 2", timeout=20000)
    wait_idle()
    assert window.pending_table.rowCount() == 2
    window.pending_table.selectRow(next(r for r in range(2) if "补签" in window.pending_table.item(r, 2).text()))
    type_text(qtbot, "情况属实", window.note)
    qtbot.keyClick(window.note, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.pending_table.rowCount() == 1, timeout=20000)
    wait_idle()
    assert "病假" in window.pending_table.item(0, 2).text()
    assert w.attendance.pending_button.text() == "待我审批 1"
    assert w.findChild(QLabel, "punchStatus") is not None


def test_a_leader_approves_a_leave_that_empties_a_window_only_with_a_named_cover(
        qtbot, services, runner, wait_idle) -> None:
    # 03号窗口: A 王芳, B 赵丽 (and the other way round at 04). 王芳's leave on the 4th is approved; 赵丽 then
    # asks for the same day: the request goes to the hall's leadership, who approve only naming a cover.
    def ask(login: str, reason: str):
        staff = services.auth.login(login, "demo1234")
        return services.attendance.request_leave(Actor(staff.id, staff.name), "事假", dt.datetime(2026, 3, 4, 8, 30),
                                                 dt.datetime(2026, 3, 4, 17, 30), reason)

    first = ask("wangfang", "孩子开家长会")
    business = services.auth.login("liuyang", "demo1234")
    services.attendance.decide_leave(Actor(business.id, business.name), first.id, True, "")
    ask("zhaoli", "回老家办事")
    leader = services.auth.login("chenzr", "demo1234")
    window = _requests(qtbot, services, runner, leader, wait_idle, pending=True)
    table = window.pending_table
    row = next(r for r in range(table.rowCount()) if table.item(r, 0).text() == "赵丽")
    table.selectRow(row)
    assert window.conflict.isVisible() and "王芳" in window.conflict.text()
    assert window.cover.isVisible() and window.cover.currentData() is None
    qtbot.mouseClick(window.approve_button, Qt.MouseButton.LeftButton)  # no cover named: refused inline
    qtbot.waitUntil(lambda: window.error.text() != "", timeout=20000)
    wait_idle()
    assert "顶岗" in window.error.text() and window.cover.hasFocus()
    assert table.rowCount() == 1  # only the clash is left for the leadership: the first is approved
    window.cover.setCurrentIndex(next(i for i in range(window.cover.count())
                                      if window.cover.itemText(i).startswith("陈静")))
    table.selectRow(next(r for r in range(table.rowCount()) if table.item(r, 0).text() == "赵丽"))
    type_text(qtbot, "同意，陈静临时顶岗", window.note)
    qtbot.mouseClick(window.approve_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: all(table.item(r, 0).text() != "赵丽" for r in range(table.rowCount())), timeout=20000)
    wait_idle()
    zhaoli = services.auth.login("zhaoli", "demo1234")
    item = next(i for i in services.attendance.my_requests(Actor(zhaoli.id, zhaoli.name)))
    assert item.status_label == "已批准" and item.leave is not None and item.leave.cover_name.startswith("陈静")
