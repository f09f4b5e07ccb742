"""The 考核(&A) menu: everyone opens 月度考核 (one window, brought forward on a second use); 考核评分规则 and
登记表扬信/锦旗 are greyed for a clerk with a tooltip saying who may; a supervisor records a 表扬信 for a
window (without a choice the refusal is said next to the chooser) and it counts for that window in the
month; a case a fact leads to comes out of the menu's ``open_case``."""

from __future__ import annotations

from PySide6.QtCore import Qt

from tests.app.attendance_kit import window_id
from tests.ui.appraisal_kit import closed, column, login, march_facts, open_month, select_person
from tests.ui.keyboard import type_text
from ui.appraisal.commendation_dialog import CommendationDialog


def test_a_clerk_opens_the_month_and_the_other_entries_say_who_may(qtbot, services, runner, wait_idle) -> None:
    menu, window = open_month(qtbot, services, runner, login(services, "zhangmin"), wait_idle)
    assert menu.menu.title() == "考核(&A)"
    assert [a.text() for a in menu.menu.actions()] == ["月度考核(&M)…", "考核评分规则(&R)…", "登记表扬信/锦旗(&C)…",
                                                       "评优(&W)…"]
    month, rules, commendation = (menu.actions[n] for n in ("appraisalMonthAction", "appraisalRulesAction",
                                                            "commendationAction"))
    assert month.isEnabled() and not rules.isEnabled() and not commendation.isEnabled()
    assert rules.toolTip() == "更改考核评分规则需由中心业务科办理（当前登录人的角色：窗口人员）。"
    assert "中心业务科或督查/投诉监督" in commendation.toolTip()
    assert menu.open_month() is window  # one window of each kind


def test_a_supervisor_records_a_letter_for_a_window_and_it_counts_there(qtbot, services, runner, wait_idle) -> None:
    supervisor = login(services, "sunduc")
    menu, window = open_month(qtbot, services, runner, supervisor, wait_idle, months_on=1)
    assert menu.actions["commendationAction"].isEnabled() and not menu.actions["appraisalRulesAction"].isEnabled()
    dialog = menu.open_commendation()
    assert isinstance(dialog, CommendationDialog)
    wait_idle()
    assert dialog.kind.currentText() == "表扬信" and dialog.day.date().toString("yyyy-MM-dd") == "2026-03-02"
    dialog.note.setFocus()
    type_text(qtbot, "办事群众来信表扬窗口热情周到", dialog.note)
    qtbot.keyClick(dialog.note, Qt.Key.Key_Return)
    wait_idle()
    assert dialog.isVisible() and dialog.shown_errors() == ["请选择一位人员或一个窗口。"]
    assert dialog.focusWidget() is dialog.target and dialog.note.text() == "办事群众来信表扬窗口热情周到"
    assert dialog.target.choose("window", window_id(services, "03"))
    qtbot.keyClick(dialog.note, Qt.Key.Key_Return)
    wait_idle()
    assert closed(dialog)
    qtbot.waitUntil(lambda: window.commendations_table.rowCount() == 1)  # the menu refreshed the month
    window.tabs.setCurrentIndex(1)
    assert window.windows.select_key(window_id(services, "03"))
    facts = window.windows.facts
    assert column(facts, 1) == ["表扬信"] and column(facts, 3) == ["+1"] and column(facts, 4) == ["计入窗口"]


def test_a_case_behind_a_fact_comes_out_of_the_menu(qtbot, services, runner, wait_idle) -> None:
    ids = march_facts(services)
    menu, window = open_month(qtbot, services, runner, login(services, "liqiang"), wait_idle, months_on=1)
    select_person(window, services, "liqiang")  # the chief carries half of the overdue case of 张敏
    facts = window.people.facts
    row = next(r for r, (kind, via) in enumerate(zip(column(facts, 1), column(facts, 4), strict=True))
               if kind == "超期办件" and via == "首席代表分担（张敏）")
    assert column(facts, 3)[row] == "-2.5"
    facts.setFocus()
    facts.setCurrentCell(row, 2)
    with qtbot.waitSignal(menu.open_case, timeout=5000) as opened:
        qtbot.keyClick(facts, Qt.Key.Key_Enter)
    assert opened.args == [ids["case"]]
