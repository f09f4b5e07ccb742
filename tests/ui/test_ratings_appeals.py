"""我的评价与申诉 and 申诉复核: a rating shows in the clerk's list only once it is 30 minutes old; the
clerk appeals it (a reason is required); the leader upholds it with a note (required); the clerk's
list then says it no longer counts. A clerk may not decide appeals: greyed, the tooltip says who may."""

from __future__ import annotations

from PySide6.QtCore import Qt

from app.context import Actor
from tests.ui.keyboard import type_text
from tests.ui.ratings_kit import login, minutes_later, rate
from ui.ratings.appeals_window import AppealsWindow
from ui.ratings.my_ratings_window import MyRatingsWindow


def _mine(qtbot, services, runner, staff, wait_idle) -> MyRatingsWindow:
    window = MyRatingsWindow(services, runner, staff)
    qtbot.addWidget(window)
    window.show()
    wait_idle()
    return window


def _appeals(qtbot, services, runner, staff, wait_idle) -> AppealsWindow:
    window = AppealsWindow(services, runner, staff)
    qtbot.addWidget(window)
    window.show()
    wait_idle()
    return window


def test_a_clerk_appeals_a_rating_and_the_leader_upholds_it(qtbot, services, runner, clerk, clock,
                                                             wait_idle) -> None:
    rate(services, clerk, 1, ("attitude",), "不满意", "13900001111")
    mine = _mine(qtbot, services, runner, clerk, wait_idle)
    assert mine.table.rowCount() == 0  # the applicant may still be at the window
    assert "30分钟" in mine.summary.text()

    minutes_later(clock, 31)
    mine.refresh()
    wait_idle()
    assert mine.table.rowCount() == 1
    assert mine.table.item(0, 3).text() == "非常不满意" and mine.table.item(0, 4).text() == "服务态度"
    assert mine.appeal_button.isEnabled()
    dialog = mine.open_appeal()
    assert dialog is not None and dialog.isVisible()
    dialog.ground.setCurrentIndex(dialog.ground.findText("误评"))
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.error.text() == "请填写申诉理由。" and dialog.isVisible()
    dialog.reason.setFocus()
    type_text(qtbot, "办事人当场表示满意，评价时误触按钮", dialog.reason)
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.item is not None, timeout=20000)
    wait_idle()
    assert not dialog.isVisible()
    assert mine.table.item(0, 7).text() == "待复核" and not mine.appeal_button.isEnabled()
    assert "只能申诉一次" in mine.appeal_button.toolTip()
    assert mine.appeal_table.rowCount() == 1 and mine.appeal_table.item(0, 4).text() == "误评"

    leader = login(services, "chenzr")
    window = _appeals(qtbot, services, runner, leader, wait_idle)
    assert window.table.rowCount() == 1
    row = [window.table.item(0, c).text() for c in range(window.table.columnCount())]
    assert row[0] == "张敏" and row[4] == "非常不满意" and row[6] == "误评" and "误触" in row[7]
    assert window.uphold_button.isEnabled() and window.dismiss_button.isEnabled()
    qtbot.mouseClick(window.uphold_button, Qt.MouseButton.LeftButton)
    assert window.error.text() == "请填写复核意见。"
    window.note.setFocus()
    type_text(qtbot, "经调阅录像，确属误评", window.note)
    qtbot.mouseClick(window.uphold_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.table.rowCount() == 0, timeout=20000)  # no longer pending
    wait_idle()
    window.status.setCurrentIndex(window.status.findData("all"))
    window.refresh()
    wait_idle()
    assert window.table.item(0, 9).text() == "申诉成立" and "确属误评" in window.table.item(0, 10).text()

    mine.refresh()
    wait_idle()
    assert "不计入考核" in mine.table.item(0, 3).text()
    assert mine.table.item(0, 7).text() == "申诉成立"
    assert "确属误评" in mine.appeal_table.item(0, 7).text()


def test_a_clerk_may_not_decide_appeals(qtbot, services, runner, clerk, clock, wait_idle) -> None:
    item = rate(services, clerk, 2, ("efficiency",))
    minutes_later(clock, 40)
    services.ratings.appeal(Actor(clerk.id, clerk.name), item.rating_id, "malicious", "办事人因不符合条件而故意差评")
    window = _appeals(qtbot, services, runner, clerk, wait_idle)
    assert window.table.rowCount() == 1  # their own appeal, to follow it
    assert not window.uphold_button.isEnabled() and not window.dismiss_button.isEnabled()
    assert "中心领导" in window.uphold_button.toolTip()
