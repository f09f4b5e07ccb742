"""考核评分规则 through the real dialog: the rules in force filled in (the defaults of DOMAIN.md); a cap
below the base and a 锦旗 made a deduction are refused by the service next to the field they name, with
nothing saved and nothing typed lost; corrected and saved with a note, they are version 1 and the month
is computed with them."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMainWindow

from tests.ui.appraisal_kit import actor, closed, login, march_facts
from tests.ui.keyboard import type_text
from ui.appraisal.menu import AppraisalMenu
from ui.appraisal.rules_dialog import RulesDialog


def _rules_dialog(qtbot, services, runner, wait_idle) -> RulesDialog:
    host = QMainWindow()
    qtbot.addWidget(host)
    menu = AppraisalMenu(services, runner, login(services, "liuyang"), host)
    wait_idle()
    assert menu.actions["appraisalRulesAction"].isEnabled()
    dialog = menu.open_rules()
    assert isinstance(dialog, RulesDialog)
    wait_idle()
    return dialog


def _point_row(dialog: RulesDialog, label: str) -> int:
    return next(r for r in range(dialog.points.rowCount()) if dialog.points.item(r, 0).text() == label)


def _edit_points(qtbot, dialog: RulesDialog, label: str, text: str) -> None:
    table = dialog.points
    table.setFocus()
    table.setCurrentCell(_point_row(dialog, label), 2)
    qtbot.keyClick(table, Qt.Key.Key_F2)
    editor = QApplication.focusWidget()
    assert editor is not table and editor is not None
    editor.selectAll()
    qtbot.keyClicks(editor, text)
    qtbot.keyClick(editor, Qt.Key.Key_Return)


def _type_number(qtbot, spin, text: str) -> None:
    spin.setFocus()
    spin.selectAll()
    qtbot.keyClicks(spin, text)


def test_bad_rules_are_refused_by_field_and_good_ones_saved_as_a_new_version(
        qtbot, services, runner, wait_idle) -> None:
    march_facts(services)
    dialog = _rules_dialog(qtbot, services, runner, wait_idle)
    inputs = dialog.inputs
    assert "默认规则" in dialog.intro.text()
    assert inputs["base"].value() == 100 and inputs["cap"].value() == 110 and inputs["excellent"].value() == 95
    assert inputs["staff_excellent_quota"].value() == 20 and inputs["chief_share"].value() == 50
    assert inputs["absent_removes_eligibility"].isChecked()
    assert dialog.points.item(_point_row(dialog, "迟到"), 2).text() == "-1"
    assert dialog.points.item(_point_row(dialog, "锦旗"), 1).text() == "加分"

    _type_number(qtbot, inputs["cap"], "90")
    dialog.note.setFocus()
    type_text(qtbot, "迟到扣分减半，封顶108分", dialog.note)
    qtbot.keyClick(dialog.note, Qt.Key.Key_Return)
    wait_idle()
    [error] = dialog.shown_errors()
    assert dialog.isVisible() and "“封顶分”不能低于基础分" in error and dialog.field_errors["cap"].text() == error
    assert dialog.focusWidget() is inputs["cap"] or inputs["cap"].hasFocus()
    assert services.appraisal.rules()[1] == 0  # nothing saved

    _type_number(qtbot, inputs["cap"], "108")
    _edit_points(qtbot, dialog, "锦旗", "-2")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    wait_idle()
    [error] = dialog.shown_errors()
    assert error.endswith("“锦旗”是加分项，分值不能为负数。")
    assert dialog.field_errors["points"].text() == error  # under the table of points
    assert dialog.note.text() == "迟到扣分减半，封顶108分" and inputs["cap"].value() == 108

    _edit_points(qtbot, dialog, "锦旗", "2")
    _edit_points(qtbot, dialog, "迟到", "-0.5")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    wait_idle()
    assert closed(dialog)
    rules, version = services.appraisal.rules()
    assert version == 1 and rules["cap"] == 108 and rules["points"]["late"] == -0.5
    assert rules["red_flag_weights"]["cases"] == 20  # not shown, kept
    view = services.appraisal.month_view(actor(services, "liuyang"), 2026, 3)
    assert view.draft.rules_version == 1
    zhang = next(p for p in view.draft.people if p.person.name == "张敏")
    assert {f.fact.kind: f.points for f in zhang.facts}["late"] == -0.5

    again = _rules_dialog(qtbot, services, runner, wait_idle)
    assert "第1版" in again.intro.text() and again.inputs["cap"].value() == 108
