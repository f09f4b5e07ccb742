"""差评整改 on the counter: the supervisor's list puts the overdue 差评 first in red (the ledger's colour),
shows the callback phone in full to the supervisor and masked to a chief; Enter opens the follow-up,
which goes 核实 → 整改 → 回访 → 结案 through the real service; a chief may register measures but not
verify (the button is greyed, the tooltip says who may); a step another PC took first is refused inline."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTableWidget

from app.context import Actor
from tests.ui.keyboard import type_text
from tests.ui.ratings_kit import later, login, rate
from ui.ledger.case_table_model import WARNING_COLOURS
from ui.ratings.followup_dialog import FollowupDialog
from ui.ratings.followups_window import FollowupsWindow

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PHONE = "13812345678"


def _store(services, clock, clerk, *, yellow: bool = False) -> None:
    """Day 0: a 非常不满意 with a phone and a 非常满意; (``yellow``: day 2, a 不满意 due the day after
    the end); day 12 a 不满意 without a phone; day 16: the first one's 15-day 整改 limit has passed."""
    rate(services, clerk, 1, ("attitude", "efficiency"), "窗口人员态度生硬，让我来回跑了两趟", PHONE)
    rate(services, clerk, 5)
    later(services, clock, 2)
    if yellow:
        rate(services, clerk, 2, ("efficiency",), "等候时间太长", "0571-87654321")
    later(services, clock, 10)
    rate(services, clerk, 2, ("norms",), "材料清单没有一次讲清楚")
    later(services, clock, 4)


def _list(qtbot, services, runner, staff, wait_idle) -> FollowupsWindow:
    window = FollowupsWindow(services, runner, staff)
    qtbot.addWidget(window)
    window.show()
    wait_idle()
    return window


def _cells(table: QTableWidget, row: int) -> list[str]:
    return [table.item(row, c).text() for c in range(table.columnCount())]


def _open(qtbot, window: FollowupsWindow, row: int, wait_idle) -> FollowupDialog:
    window.table.selectRow(row)
    window.table.setFocus()
    qtbot.keyClick(window.table, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: bool(window.dialogs), timeout=5000)
    dialog = next(iter(window.dialogs.values()))
    wait_idle()
    assert dialog.isVisible() and dialog.item is not None
    return dialog


def test_the_supervisors_list_puts_the_overdue_first_in_red(qtbot, services, runner, clerk, clock,
                                                             wait_idle) -> None:
    _store(services, clock, clerk, yellow=True)
    window = _list(qtbot, services, runner, login(services, "sunduc"), wait_idle)
    table = window.table
    assert table.rowCount() == 3  # the 非常满意 opens nothing
    first, middle, second = _cells(table, 0), _cells(table, 1), _cells(table, 2)
    assert first[0] == "待核实" and "红牌" in first[1] and first[4] == "非常不满意"
    assert first[3] == "张敏" and first[2].startswith("01") and first[5] == "服务态度、办事效率"
    assert first[9] == PHONE  # the supervisor calls back: the number in full
    assert table.item(0, 0).background().color() == WARNING_COLOURS["red"]
    assert "红牌" not in second[1] and second[4] == "不满意" and second[9] == ""
    assert table.item(2, 0).background().color() not in WARNING_COLOURS.values()
    assert "黄牌" in middle[1] and middle[9] == "057187654321"
    assert table.item(1, 0).background().color() == WARNING_COLOURS["yellow"]
    assert window.summary.text() == "共 3 件，其中 1 件已超期"
    window.resize(1280, 420)
    table.selectRow(2)  # the colours show on rows not selected
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    assert window.grab().save(str(SCREENSHOTS / "rating_followups.png"))

    chief = _list(qtbot, services, runner, login(services, "liqiang"), wait_idle)
    assert _cells(chief.table, 0)[9] == "138****5678"  # everyone else: masked


def test_a_bad_rating_goes_from_verify_to_closed(qtbot, services, runner, clerk, clock, wait_idle) -> None:
    _store(services, clock, clerk)
    window = _list(qtbot, services, runner, login(services, "sunduc"), wait_idle)
    dialog = _open(qtbot, window, 0, wait_idle)
    assert "窗口人员态度生硬" in dialog.about.text() and PHONE in dialog.about.text()
    assert dialog.state.text().startswith("状态：待核实") and "红牌" in dialog.state.text()
    assert dialog.verify_box.isVisible() and not dialog.rectify_box.isVisible()
    assert dialog.verify_button.isEnabled()
    assert dialog.steps.rowCount() == 1 and dialog.steps.item(0, 0).text() == "收到差评"

    dialog.finding.setCurrentIndex(dialog.finding.findText("属实"))
    dialog.verify_note.setFocus()
    type_text(qtbot, "电话联系办事人，调阅窗口录像，情况属实", dialog.verify_note)
    qtbot.mouseClick(dialog.verify_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.item.status == "rectify", timeout=20000)
    wait_idle()
    assert dialog.rectify_box.isVisible() and not dialog.verify_box.isVisible()
    assert dialog.steps.rowCount() == 2 and "情况属实" in dialog.steps.item(1, 3).text()
    assert dialog.steps.item(1, 1).text() == "孙立"

    dialog.measures.setFocus()
    type_text(qtbot, "对当事人批评教育，窗口人员集中学习一次告知制度", dialog.measures)
    qtbot.mouseClick(dialog.rectify_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.item.status == "callback", timeout=20000)
    wait_idle()
    assert dialog.callback_box.isVisible() and dialog.close_box.isVisible()
    assert not dialog.close_button.isEnabled() and "回访" in dialog.close_button.toolTip()
    dialog.resize(800, 640)
    assert dialog.grab().save(str(SCREENSHOTS / "rating_followup_dialog.png"))

    dialog.result.setCurrentIndex(dialog.result.findText("满意"))
    dialog.callback_note.setFocus()
    type_text(qtbot, "回访办事人，对整改结果表示满意", dialog.callback_note)
    qtbot.mouseClick(dialog.callback_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(dialog.item.callback_result), timeout=20000)
    wait_idle()
    assert dialog.close_button.isEnabled()
    qtbot.mouseClick(dialog.close_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.item.status == "closed", timeout=20000)
    wait_idle()
    assert dialog.state.text().startswith("状态：已结案")
    assert not any(box.isVisible() for box in (dialog.verify_box, dialog.rectify_box, dialog.callback_box,
                                               dialog.close_box))
    assert [dialog.steps.item(r, 0).text() for r in range(dialog.steps.rowCount())][-1] == "结案"
    # the list (未结案) has only the other one left
    assert window.table.rowCount() == 1 and _cells(window.table, 0)[4] == "不满意"


def test_a_chief_registers_measures_but_may_not_verify(qtbot, services, runner, clerk, clock, wait_idle) -> None:
    _store(services, clock, clerk)
    chief = login(services, "liqiang")
    window = _list(qtbot, services, runner, chief, wait_idle)
    dialog = _open(qtbot, window, 0, wait_idle)
    assert dialog.verify_box.isVisible() and not dialog.verify_button.isEnabled()
    assert "督查" in dialog.verify_button.toolTip()
    assert "138****5678" in dialog.about.text() and PHONE not in dialog.about.text()

    supervisor = login(services, "sunduc")
    item = dialog.item
    services.ratings.verify(Actor(supervisor.id, supervisor.name), item.id, item.version, "partly", "部分属实")
    dialog.refresh()
    wait_idle()
    assert dialog.item.status == "rectify" and dialog.rectify_button.isEnabled()
    dialog.measures.setFocus()
    type_text(qtbot, "本部门组织服务规范培训", dialog.measures)
    qtbot.mouseClick(dialog.rectify_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.item.status == "callback", timeout=20000)
    wait_idle()
    assert not dialog.callback_button.isEnabled() and "督查" in dialog.callback_button.toolTip()


def test_a_step_taken_first_on_another_pc_is_refused_inline(qtbot, services, runner, clerk, clock,
                                                             wait_idle) -> None:
    _store(services, clock, clerk)
    supervisor = login(services, "sunduc")
    window = _list(qtbot, services, runner, supervisor, wait_idle)
    dialog = _open(qtbot, window, 0, wait_idle)
    item = dialog.item
    services.ratings.verify(Actor(supervisor.id, supervisor.name), item.id, item.version, "unfounded", "不属实")
    dialog.verify_note.setFocus()
    type_text(qtbot, "晚了一步", dialog.verify_note)
    qtbot.mouseClick(dialog.verify_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.error.text() != "", timeout=20000)
    wait_idle()
    assert dialog.item.status == "rectify"  # reloaded: where it stands now
    assert dialog.rectify_box.isVisible()
    assert dialog.verify_note.toPlainText() == "晚了一步"  # nothing typed is lost


def test_the_greyed_list_for_a_clerk_says_who_may(qtbot, services, runner, clerk, clock, wait_idle,
                                                   shown_errors) -> None:
    _store(services, clock, clerk)
    window = _list(qtbot, services, runner, clerk, wait_idle)
    assert window.table.rowCount() == 0
    assert shown_errors and "督查" in shown_errors[0]
