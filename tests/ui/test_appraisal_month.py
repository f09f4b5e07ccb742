"""月度考核 at the counter, driving the real window on the demo store with the real services: a clerk sees
only their own row, with every button greyed saying who may; the business section sees the hall,
chooses nobody of its own, adjusts a colleague by keyboard (a refused 0 keeps the reason typed) and sees
the score change with the adjustment among the facts; a fact leads to its record (a case to the case
window, others to a small dialog); the chief sees the department, may propose items on its people
but not on themselves, and comments on it."""

from __future__ import annotations

from PySide6.QtCore import Qt

from tests.app.attendance_kit import who
from tests.ui.appraisal_kit import (
    cells,
    closed,
    column,
    facts_of,
    login,
    march_facts,
    open_month,
    person_row,
    select_person,
)
from tests.ui.keyboard import type_text
from ui.appraisal.fact_dialog import FactDialog
from ui.appraisal.item_dialog import PointsDialog
from ui.appraisal.note_dialog import NoteDialog


def test_a_clerk_sees_only_their_own_row_and_its_facts_and_every_button_says_who_may(
        qtbot, services, runner, wait_idle) -> None:
    march_facts(services)
    _menu, window = open_month(qtbot, services, runner, login(services, "zhangmin"), wait_idle, months_on=1)
    assert window.title.text().endswith("2026年3月量化考核")
    assert "范围：张敏本人" in window.header.text()
    assert window.people.table.rowCount() == 1
    row = cells(window.people.table, 0)
    assert row[1:3] == ["张敏", "1001"] and row[5] == "93.0" and row[6] == "-9" and row[7] == "+2"
    kinds = sorted(f[1] for f in facts_of(window))
    assert kinds == ["差评", "查岗问题", "超期办件", "迟到", "锦旗"]
    assert not window.tabs.isTabVisible(1) and not window.tabs.isTabVisible(4)  # windows, comments
    for button in (window.adjust_button, window.publish_button, window.quota_button, window.propose_button):
        assert not button.isEnabled()
        assert "需由" in button.toolTip() and "窗口人员" in button.toolTip()
    assert "中心业务科" in window.adjust_button.toolTip() and "中心领导" in window.quota_button.toolTip()


def test_the_business_section_adjusts_a_colleague_and_sees_it_among_the_facts(
        qtbot, services, runner, wait_idle) -> None:
    march_facts(services)
    business = login(services, "liuyang")
    _menu, window = open_month(qtbot, services, runner, business, wait_idle, months_on=1)
    assert "范围：全大厅" in window.header.text() and window.people.table.rowCount() == 12
    assert person_row(window, "张敏")[5] == "93.0"
    assert window.adjust_button.isEnabled()
    select_person(window, services, "zhangmin")
    qtbot.mouseClick(window.adjust_button, Qt.MouseButton.LeftButton)
    dialog = window.actions_.dialog
    assert isinstance(dialog, PointsDialog)
    targets = [dialog.target.itemData(i) for i in range(dialog.target.count())]
    assert f"staff:{business.id}" not in targets and f"staff:{who(services, 'zhangmin').id}" in targets
    assert dialog.target.target() == (who(services, "zhangmin").id, None)  # the person selected
    dialog.reason.setFocus()
    type_text(qtbot, "协助窗口办理大量业务", dialog.reason)
    qtbot.keyClick(dialog.reason, Qt.Key.Key_Return)  # points still 0: refused next to the field
    wait_idle()
    assert dialog.isVisible() and dialog.shown_errors() == ["分值应在 -20 到 20 之间且不为 0。"]
    assert dialog.focusWidget() is dialog.points.lineEdit() or dialog.points.hasFocus()
    assert dialog.reason.text() == "协助窗口办理大量业务"  # nothing typed is lost
    dialog.points.lineEdit().selectAll()
    qtbot.keyClicks(dialog.points, "2")
    qtbot.keyClick(dialog.points, Qt.Key.Key_Return)
    wait_idle()
    assert closed(dialog)
    assert person_row(window, "张敏")[5] == "95.0"
    select_person(window, services, "zhangmin")
    adjustment = [f for f in facts_of(window) if f[1] == "业务科调整"]
    assert adjustment and adjustment[0][2] == "业务科调整：协助窗口办理大量业务" and adjustment[0][3] == "+2"
    window.tabs.setCurrentIndex(2)
    assert cells(window.items_table, 0)[:4] == ["已批准", "业务科调整", "张敏", "+2"]


def test_each_fact_leads_to_its_record(qtbot, services, runner, wait_idle) -> None:
    ids = march_facts(services)
    _menu, window = open_month(qtbot, services, runner, login(services, "liuyang"), wait_idle, months_on=1)
    select_person(window, services, "zhangmin")
    facts = window.people.facts
    overdue = column(facts, 1).index("超期办件")
    facts.setFocus()
    facts.setCurrentCell(overdue, 2)
    with qtbot.waitSignal(window.open_case, timeout=5000) as opened:
        qtbot.keyClick(facts, Qt.Key.Key_Return)
    assert opened.args == [ids["case"]]
    facts.setCurrentCell(column(facts, 1).index("锦旗"), 2)
    qtbot.keyClick(facts, Qt.Key.Key_Return)
    dialog = window.findChild(FactDialog)
    assert dialog is not None and dialog.isVisible()
    shown = {k: v.text() for k, v in dialog.values.items()}
    assert shown["依据"] == "03月02日 锦旗：办事群众送锦旗“热情服务 高效便民”"
    assert shown["来源记录"] == "表扬信/锦旗登记" and shown["记录编号"] == ids["banner"] and shown["分值"] == "+2 分"
    dialog.close()


def test_the_chief_sees_the_department_and_comments_on_it(qtbot, services, runner, wait_idle) -> None:
    march_facts(services)
    chief = login(services, "liqiang")
    _menu, window = open_month(qtbot, services, runner, chief, wait_idle, months_on=1)
    assert sorted(column(window.people.table, 1)) == ["张敏", "李强（首席代表）"]
    assert "首席代表分担（张敏）" in {f[4] for f in _facts_of_chief(window, services)}
    assert not window.adjust_button.isEnabled() and "中心业务科" in window.adjust_button.toolTip()
    window.tabs.setCurrentIndex(2)
    assert window.propose_button.isEnabled()  # for the department's people, never for oneself
    qtbot.mouseClick(window.propose_button, Qt.MouseButton.LeftButton)
    proposing = window.actions_.dialog
    assert isinstance(proposing, PointsDialog)
    targets = [proposing.target.itemData(i) for i in range(1, proposing.target.count())]
    assert f"staff:{chief.id}" not in targets and f"staff:{who(services, 'zhangmin').id}" in targets
    assert all(not t.startswith("staff:") or t == f"staff:{who(services, 'zhangmin').id}" for t in targets)
    proposing.reject()
    window.tabs.setCurrentIndex(4)
    assert window.comment_button.isEnabled()
    select_person(window, services, "zhangmin")
    qtbot.mouseClick(window.comment_button, Qt.MouseButton.LeftButton)
    dialog = window.actions_.dialog
    assert isinstance(dialog, NoteDialog) and dialog.target is not None
    assert dialog.target.currentText().startswith("张敏")
    dialog.target.setCurrentIndex(0)  # the department as a whole
    assert dialog.target.currentText() == "（本部门整体）"
    dialog.note.setFocus()
    type_text(qtbot, "本月窗口办件量大，超期一件系系统故障所致", dialog.note)
    qtbot.keyClick(dialog.note, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    wait_idle()
    assert closed(dialog)
    qtbot.waitUntil(lambda: window.comments_table.rowCount() == 1)
    row = cells(window.comments_table, 0)
    assert row[1:] == ["示范县市场监督管理局", "本部门整体", "本月窗口办件量大，超期一件系系统故障所致", "李强"]


def _facts_of_chief(window, services) -> list[list[str]]:
    select_person(window, services, "liqiang")
    return facts_of(window)
