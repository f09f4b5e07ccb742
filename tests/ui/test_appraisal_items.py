"""考核加减分事项 through the month window: a supervisor proposes a 违规收费 on a clerk (at the rules'
points; it does not count yet, and the supervisor may not approve it); the business section approves it
and it appears among the clerk's facts with its points; a refusal needs its reason, said next to the
field; the business section may not approve its own proposal (greyed, saying why)."""

from __future__ import annotations

from PySide6.QtCore import Qt

from tests.ui.appraisal_kit import (
    actor,
    cells,
    closed,
    facts_of,
    login,
    march_facts,
    open_month,
    person_row,
    select_person,
)
from tests.ui.keyboard import type_text
from ui.appraisal.item_dialog import PointsDialog
from ui.appraisal.note_dialog import NoteDialog

ITEMS_TAB = 2


def _propose_fee(qtbot, services, runner, wait_idle) -> None:
    _menu, window = open_month(qtbot, services, runner, login(services, "sunduc"), wait_idle, months_on=1)
    window.tabs.setCurrentIndex(ITEMS_TAB)
    assert window.propose_button.isEnabled()
    assert not window.adjust_button.isEnabled() and "中心业务科" in window.adjust_button.toolTip()
    select_person(window, services, "zhangmin")
    qtbot.mouseClick(window.propose_button, Qt.MouseButton.LeftButton)
    dialog = window.actions_.dialog
    assert isinstance(dialog, PointsDialog)
    dialog.kind.setCurrentIndex(dialog.kind.findData("unauthorised_fee"))
    assert dialog.kind.currentText() == "违规收费（按评分规则 -5 分）"
    assert not dialog.points.isEnabled() and dialog.points.text() == "按评分规则"
    dialog.reason.setFocus()
    type_text(qtbot, "超标准收取工本费20元", dialog.reason)
    qtbot.keyClick(dialog.reason, Qt.Key.Key_Return)
    wait_idle()
    assert closed(dialog)
    row = cells(window.items_table, 0)
    assert row[:5] == ["待审批", "违规收费", "张敏", "按评分规则", "超标准收取工本费20元"] and row[5] == "孙立"
    assert person_row(window, "张敏")[5] == "93.0"  # not counted until approved
    assert not window.approve_button.isEnabled() and "中心业务科" in window.approve_button.toolTip()
    window.close()


def test_a_supervisors_item_approved_by_the_business_section_counts_among_the_facts(
        qtbot, services, runner, wait_idle) -> None:
    march_facts(services)
    _propose_fee(qtbot, services, runner, wait_idle)
    _menu, window = open_month(qtbot, services, runner, login(services, "liuyang"), wait_idle, months_on=1)
    window.tabs.setCurrentIndex(ITEMS_TAB)
    window.items_table.selectRow(0)
    assert window.approve_button.isEnabled() and window.refuse_button.isEnabled()
    qtbot.mouseClick(window.approve_button, Qt.MouseButton.LeftButton)
    dialog = window.actions_.dialog
    assert isinstance(dialog, NoteDialog) and "违规收费：张敏" in dialog.intro.text()
    type_text(qtbot, "经核实属实", dialog.note)
    qtbot.keyClick(dialog.note, Qt.Key.Key_Return)
    wait_idle()
    assert closed(dialog)
    assert cells(window.items_table, 0)[0] == "已批准" and cells(window.items_table, 0)[7:] == ["刘洋", "经核实属实"]
    assert not window.approve_button.isEnabled() and "已审批过" in window.approve_button.toolTip()
    assert person_row(window, "张敏")[5] == "88.0"
    select_person(window, services, "zhangmin")
    fee = [f for f in facts_of(window) if f[1] == "违规收费"]
    assert fee and fee[0][2] == "违规收费：超标准收取工本费20元" and fee[0][3] == "-5"


def test_a_refusal_needs_its_reason_and_nobody_approves_their_own_proposal(
        qtbot, services, runner, wait_idle) -> None:
    march_facts(services)
    business = actor(services, "liuyang")
    zhang = actor(services, "zhangmin")
    services.appraisal.propose_item(actor(services, "sunduc"), 2026, 3, "irregular_receipt", staff_id=zhang.id,
                                    window_id=None, reason="收件材料未按清单核对")
    services.appraisal.propose_item(business, 2026, 3, "manual", staff_id=zhang.id, window_id=None,
                                    reason="周末加班", points=1.0)
    _menu, window = open_month(qtbot, services, runner, login(services, "liuyang"), wait_idle, months_on=1)
    window.tabs.setCurrentIndex(ITEMS_TAB)
    assert [cells(window.items_table, r)[4] for r in range(2)] == ["收件材料未按清单核对", "周末加班"]
    window.items_table.selectRow(1)
    assert not window.approve_button.isEnabled() and "不能审批本人提出的事项" in window.approve_button.toolTip()
    window.items_table.selectRow(0)
    qtbot.mouseClick(window.refuse_button, Qt.MouseButton.LeftButton)
    dialog = window.actions_.dialog
    assert isinstance(dialog, NoteDialog)
    qtbot.keyClick(dialog.note, Qt.Key.Key_Return)
    wait_idle()
    assert dialog.isVisible() and dialog.shown_errors() == ["不批准时请写明理由。"]
    type_text(qtbot, "材料齐全，不属实", dialog.note)
    qtbot.keyClick(dialog.note, Qt.Key.Key_Return)
    wait_idle()
    assert closed(dialog)
    assert cells(window.items_table, 0)[0] == "未批准" and cells(window.items_table, 0)[8] == "材料齐全，不属实"
    assert person_row(window, "张敏")[5] == "93.0"
