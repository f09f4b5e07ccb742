"""打卡 at the counter: F7 in the main window punches and the home panel and the status line show it;
a second punch within the minute is refused on the panel; the day's first login punches once; the 考勤
menu greys what the person may not use."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QLineEdit

from tests.ui.keyboard import type_text
from ui.attendance.punch_panel import PunchPanel
from ui.login_dialog import LoginDialog
from ui.main_window import MainWindow

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def _window(qtbot, services, runner, staff, wait_idle) -> MainWindow:
    w = MainWindow(services, runner, staff)
    qtbot.addWidget(w)
    w.sync_worker.poll_ms = 3_600_000
    w.show()
    wait_idle()
    return w


def _login(qtbot, services, runner, wait_idle, login: str = "zhangmin") -> LoginDialog:
    dialog = LoginDialog(services, runner, "示范县政务服务中心")
    qtbot.addWidget(dialog)
    dialog.show()
    type_text(qtbot, login, dialog.findChild(QLineEdit, "login"))
    password = dialog.findChild(QLineEdit, "password")
    type_text(qtbot, "demo1234", password)
    qtbot.keyClick(password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.result() == LoginDialog.DialogCode.Accepted, timeout=20000)
    wait_idle()
    return dialog


def test_f7_punches_and_the_panel_and_the_status_line_show_it(qtbot, services, runner, clerk, actor, clock,
                                                               wait_idle) -> None:
    clock.at = dt.datetime(2026, 3, 2, 8, 27)
    w = _window(qtbot, services, runner, clerk, wait_idle)
    panel = w.home.findChild(PunchPanel, "punchPanel")
    assert panel is not None and panel.isVisible()
    assert "2026年3月2日 星期一" in panel.title.text()
    assert panel.slot_texts()[0] == "上班 08:30 待打卡"
    assert services.attendance.today(actor).punches == ()

    qtbot.keyClick(w, Qt.Key.Key_F7)
    qtbot.waitUntil(lambda: "✓" in panel.slot_texts()[0], timeout=20000)
    wait_idle()
    assert panel.slot_texts()[0].startswith("上班 08:30 ✓ 08:27")
    assert "已打卡 08:27" in w.findChild(QLabel, "punchStatus").text()
    assert "已打卡 08:27" in panel.message.text()
    assert len(services.attendance.today(actor).punches) == 1

    qtbot.keyClick(w, Qt.Key.Key_F7)  # again at once: refused on the panel, nothing written
    qtbot.waitUntil(lambda: "刚刚" in panel.message.text(), timeout=20000)
    wait_idle()
    assert len(services.attendance.today(actor).punches) == 1
    assert panel.button.isEnabled()

    clock.at = dt.datetime(2026, 3, 2, 12, 2)
    qtbot.mouseClick(panel.button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(panel.slot_texts()) > 1 and "✓" in panel.slot_texts()[1], timeout=20000)
    wait_idle()
    assert panel.slot_texts()[1].startswith("午间下班 12:00 ✓ 12:02")
    assert "待打卡" in panel.slot_texts()[2]
    clock.at = dt.datetime(2026, 3, 2, 13, 10)
    w.home.refresh()
    w.status.refresh()
    wait_idle()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    assert w.grab().save(str(SCREENSHOTS / "attendance-today-punches.png"))


def _signed_in(qtbot, services, runner, wait_idle) -> MainWindow:
    """Log in through the login dialog and open the main window as ui.main does after a login."""
    login = _login(qtbot, services, runner, wait_idle)
    assert login.staff is not None
    w = MainWindow(services, runner, login.staff, punch_on_login=True)
    qtbot.addWidget(w)
    w.sync_worker.poll_ms = 3_600_000
    w.show()
    wait_idle()
    return w


def test_the_days_first_login_punches_once(qtbot, services, runner, clerk, actor, clock, wait_idle) -> None:
    clock.at = dt.datetime(2026, 3, 2, 8, 24)
    first = _signed_in(qtbot, services, runner, wait_idle)
    status = first.findChild(QLabel, "punchStatus").text()
    assert "登录时已自动打卡" in status and "08:24" in status
    assert len(services.attendance.today(actor).punches) == 1
    qtbot.waitUntil(lambda: "✓ 08:24" in first.home.punch_panel.slot_texts()[0], timeout=20000)
    first._confirmed = True
    first.close()

    clock.at = dt.datetime(2026, 3, 2, 10, 5)  # logged out and in again the same day: no second punch
    second = _signed_in(qtbot, services, runner, wait_idle)
    assert second.findChild(QLabel, "punchStatus").text() == ""
    assert len(services.attendance.today(actor).punches) == 1

    clock.at = dt.datetime(2026, 3, 3, 8, 20)  # the next day's first login punches again
    third = _signed_in(qtbot, services, runner, wait_idle)
    assert "08:20" in third.findChild(QLabel, "punchStatus").text()
    assert len(services.attendance.today(actor).punches) == 1  # today is now 3 March


def test_the_attendance_menu_greys_what_a_clerk_may_not_use(qtbot, services, runner, clerk, wait_idle) -> None:
    w = _window(qtbot, services, runner, clerk, wait_idle)
    titles = [a.text() for a in w.menuBar().actions()]
    assert titles.index("考勤(&K)") == titles.index("操作(&O)") + 1
    menu = w.attendance.menu
    texts = [a.text() for a in menu.actions() if not a.isSeparator()]
    assert texts[:5] == ["打卡(&D)", "请假(&Q)…", "补签(&B)…", "我的申请(&M)…", "待我审批(&P)…"]
    assert {"考勤月报(&Y)…", "导入考勤机记录(&I)…", "查岗登记(&C)…", "我的查岗记录(&J)…",
            "作息时间(&S)…"} <= set(texts)
    actions = w.attendance.actions
    assert actions["punchAction"].shortcut().toString() == "F7"
    assert actions["punchAction"].isEnabled() and actions["leaveAction"].isEnabled()
    for name in ("machineImportAction", "inspectionAction", "scheduleAction"):
        assert not actions[name].isEnabled(), name
    assert "业务科" in actions["scheduleAction"].toolTip()
    assert actions["monthSheetAction"].isEnabled()


def test_a_punch_that_needs_review_is_shown_in_amber(qtbot, services, runner, clerk, clock, wait_idle) -> None:
    panel = PunchPanel(services, runner, clerk)
    qtbot.addWidget(panel)
    panel.show()
    clock.at = dt.datetime(2026, 3, 2, 12, 2)
    panel.punch()
    wait_idle()
    assert not panel.flags_label.isVisible()
    clock.at = dt.datetime(2026, 3, 2, 11, 0)  # this PC's clock went back an hour since its last punch
    panel.punch()
    qtbot.waitUntil(lambda: panel.flags_label.isVisible(), timeout=20000)
    wait_idle()
    flag = panel.flags_label.text()
    assert flag.startswith("⚠ ") and len(flag) > 2 and "8a6d00" in panel.flags_label.styleSheet()
    assert "8a6d00" in panel.message.styleSheet() and flag[2:] in panel.message.text()


def test_the_signed_in_person_is_told_to_the_sync_client_and_the_empty_post_banner_is_placed(
        qtbot, services, runner, clerk, wait_idle) -> None:
    w = _window(qtbot, services, runner, clerk, wait_idle)
    assert services.sync.signed_in == clerk.id
    w.lock()
    assert services.sync.signed_in is None
    w.lock_overlay.unlocked.emit()
    assert services.sync.signed_in == clerk.id
    alarm = w.empty_post_alarm
    assert alarm is not None and w.centralWidget().isAncestorOf(alarm) and not alarm.isVisible()  # no 空岗 open
    w._confirmed = True
    w.close()
    assert services.sync.signed_in is None


def test_the_menu_opens_each_attendance_screen_for_the_business_section(qtbot, services, runner,
                                                                        wait_idle) -> None:
    staff = services.auth.login("liuyang", "demo1234")
    w = _window(qtbot, services, runner, staff, wait_idle)
    expected = {"monthSheetAction": "MonthSheetWindow", "machineImportAction": "MachineImportDialog",
                "inspectionAction": "InspectionDialog", "myInspectionsAction": "InspectionsWindow",
                "scheduleAction": "ScheduleDialog", "leaveAction": "LeaveDialog", "makeupAction": "MakeupDialog",
                "myRequestsAction": "RequestsWindow"}
    for name, cls in expected.items():
        action = w.attendance.actions[name]
        assert action.isEnabled(), name
        action.trigger()
        wait_idle()
        opened = [x for x in w.attendance.windows.values() if type(x).__name__ == cls]
        assert len(opened) == 1 and opened[0].isVisible(), name
        opened[0].close()
        wait_idle()
