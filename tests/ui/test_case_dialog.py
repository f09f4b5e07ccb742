"""The case dialog: what a clerk reads about a case and the steps it offers, driven by clicks."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QTableWidget,
    QWidget,
)

from app.cases.rules import MaterialCheck
from app.dto import Applicant, CaseView, DecisionInput, IntakeRequest
from app.services import Services
from tests.ui.keyboard import type_text
from ui.cases.case_dialog import CaseDialog

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ACTIONS = ("caseDecide", "caseSuspend", "caseResume", "caseSupply", "caseComplete", "caseDeliver", "caseVoid")


def resident_id(first17: str) -> str:
    """A valid GB 11643 resident ID from its first 17 digits."""
    total = sum(int(c) * w for c, w in zip(first17, _WEIGHTS, strict=True))
    return first17 + "10X98765432"[total % 11]


LI_ID = resident_id("11010519491231002")


def open_case(services: Services, actor, clerk, *, decision: DecisionInput | None = None, matter_id: str = "",
              deferred: bool = False, remark: str = "") -> CaseView:
    matter_id = matter_id or services.catalogue.find("yyzz")[0].id
    materials = tuple(
        MaterialCheck(t.name, t.is_main, t.deferrable, "deferred" if deferred and t.deferrable else "received",
                      t.originals, t.copies, material_id=t.id)
        for t in services.catalogue.detail(matter_id).materials
    )
    request = IntakeRequest(matter_id=matter_id, applicant=Applicant("person", "李明", LI_ID, "13800138000"),
                            materials=materials, remark=remark, decision=decision)
    return services.intake.open_case(actor, request, window_id=clerk.window_id)


@pytest.fixture
def show_case(qtbot, services, runner, clerk, wait_idle):
    def show(case_id: str, staff=None) -> CaseDialog:
        dialog = CaseDialog(services, runner, staff or clerk, case_id)
        qtbot.addWidget(dialog)
        dialog.show()
        wait_idle()
        assert dialog.view is not None
        return dialog

    return show


def _find(parent: QWidget, cls, name: str):
    w = parent.findChild(cls, name)
    assert w is not None, name
    return w


def _offered(dialog: CaseDialog) -> list[str]:
    return [name for name in ACTIONS if dialog.findChild(QPushButton, name) is not None]


def _header(dialog: CaseDialog) -> str:
    return _find(dialog, QLabel, "caseHeader").text()


def _timeline(dialog: CaseDialog) -> list[str]:
    table = _find(dialog, QTableWidget, "caseTimeline")
    return [table.item(r, 2).text() for r in range(table.rowCount())]


def _info_text(dialog: CaseDialog) -> str:
    return " ".join(label.text() for label in dialog.findChildren(QLabel))


def _click(qtbot, dialog: CaseDialog, button: str, step_name: str = "") -> QDialog | None:
    qtbot.mouseClick(_find(dialog, QPushButton, button), Qt.MouseButton.LeftButton)
    if not step_name:
        return None
    step = _find(dialog, QDialog, step_name)
    assert step.isVisible() and step is dialog.step
    return step


def _ok(qtbot, step: QDialog) -> None:
    qtbot.mouseClick(step.ok_button, Qt.MouseButton.LeftButton)


def _saved(qtbot, dialog: CaseDialog, before: int, wait_idle) -> None:
    qtbot.waitUntil(lambda: dialog.view.version == before + 1, timeout=5000)
    wait_idle()


def test_suspend_resume_complete_deliver_by_clicking(qtbot, services, actor, clerk, show_case, wait_idle) -> None:
    view = open_case(services, actor, clerk, decision=DecisionInput(action="accept"))
    dialog = show_case(view.id)
    changed: list[str] = []
    dialog.case_changed.connect(changed.append)
    assert "已受理办理中" in _header(dialog) and view.number in _header(dialog)
    assert view.query_code in _find(dialog, QLabel, "caseQueryCode").text()
    assert _offered(dialog) == ["caseSuspend", "caseComplete", "caseVoid"]  # no 出件 before 办结

    step = _click(qtbot, dialog, "caseSuspend", "stepSuspendDialog")
    type_text(qtbot, "组织专家评审", _find(step, QPlainTextEdit, "stepReason"))
    _ok(qtbot, step)
    _saved(qtbot, dialog, view.version, wait_idle)
    assert "暂停计时" in _header(dialog) and dialog.step is None  # saved: the step dialog is gone
    assert _offered(dialog) == ["caseResume", "caseVoid"]

    version = dialog.view.version
    _click(qtbot, dialog, "caseResume")
    _saved(qtbot, dialog, version, wait_idle)
    assert "已受理办理中" in _header(dialog)

    version = dialog.view.version
    step = _click(qtbot, dialog, "caseComplete", "stepCompleteDialog")
    assert _find(step, QRadioButton, "stepApproved").isChecked()
    type_text(qtbot, "准予变更登记，换发营业执照", _find(step, QPlainTextEdit, "stepResult"))
    _ok(qtbot, step)
    _saved(qtbot, dialog, version, wait_idle)
    assert "已办结待取件" in _header(dialog)
    assert _offered(dialog) == ["caseDeliver"]

    version = dialog.view.version
    step = _click(qtbot, dialog, "caseDeliver", "stepDeliverDialog")
    assert _find(step, QLineEdit, "stepRecipient").text() == "李明"  # the applicant, prefilled
    type_text(qtbot, LI_ID, _find(step, QLineEdit, "stepRecipientId"))
    qtbot.keyClick(_find(step, QLineEdit, "stepRecipientId"), Qt.Key.Key_Return)  # Enter is OK
    _saved(qtbot, dialog, version, wait_idle)
    assert "已出件" in _header(dialog) and _offered(dialog) == []
    assert _timeline(dialog) == [
        "收件并受理", "暂停计时：组织专家评审", "恢复计时，暂停 0 个工作日不计入时限",
        "办结（准予许可）：准予变更登记，换发营业执照", "出件，领取人：李明",
    ]
    assert changed == [view.id] * 4
    assert "准予许可：准予变更登记，换发营业执照" in _info_text(dialog)
    assert services.intake.get(view.id).status == "delivered"


def test_an_empty_suspend_reason_is_refused_and_the_text_stays(
    qtbot, services, actor, clerk, show_case, wait_idle, shown_errors
) -> None:
    view = open_case(services, actor, clerk, decision=DecisionInput(action="accept"))
    dialog = show_case(view.id)
    step = _click(qtbot, dialog, "caseSuspend", "stepSuspendDialog")
    reason = _find(step, QPlainTextEdit, "stepReason")
    type_text(qtbot, "   ", reason)
    _ok(qtbot, step)
    wait_idle()
    assert shown_errors == ["请填写暂停计时原因。"]
    assert step.isVisible() and reason.toPlainText() == "   " and step.ok_button.isEnabled()
    assert services.intake.get(view.id).status == "accepted"
    # the clerk goes on typing in the same dialog, nothing lost
    type_text(qtbot, "现场核查", reason)
    _ok(qtbot, step)
    _saved(qtbot, dialog, view.version, wait_idle)
    assert "暂停计时" in _header(dialog) and _timeline(dialog)[-1] == "暂停计时：现场核查"


def test_a_wrong_recipient_id_keeps_what_was_typed(
    qtbot, services, actor, clerk, show_case, wait_idle, shown_errors
) -> None:
    view = open_case(services, actor, clerk, decision=DecisionInput(action="accept"))
    view = services.lifecycle.complete(actor, view.id, view.version, approved=False, result="不符合变更条件")
    dialog = show_case(view.id)
    step = _click(qtbot, dialog, "caseDeliver", "stepDeliverDialog")
    name, id_number = _find(step, QLineEdit, "stepRecipient"), _find(step, QLineEdit, "stepRecipientId")
    name.clear()
    type_text(qtbot, "王芳", name)
    type_text(qtbot, "110105194912310021", id_number)  # wrong check digit
    _ok(qtbot, step)
    wait_idle()
    assert len(shown_errors) == 1 and "身份证" in shown_errors[0]
    assert step.isVisible() and name.text() == "王芳" and id_number.text() == "110105194912310021"
    id_number.setText(resident_id("32010219800101123"))
    _ok(qtbot, step)
    _saved(qtbot, dialog, view.version, wait_idle)
    assert "已出件" in _header(dialog) and _timeline(dialog)[-1] == "出件，领取人：王芳"
    assert "不予许可：不符合变更条件" in _info_text(dialog)


def test_void_asks_to_confirm(qtbot, services, actor, clerk, show_case, wait_idle) -> None:
    view = open_case(services, actor, clerk, decision=DecisionInput(action="accept"))
    dialog = show_case(view.id, services.auth.login("liqiang", "demo1234"))  # a 首席代表 voids
    step = _click(qtbot, dialog, "caseVoid", "stepVoidDialog")
    type_text(qtbot, "申请人撤回申请", _find(step, QPlainTextEdit, "stepReason"))
    _ok(qtbot, step)
    box = _find(step, QMessageBox, "stepConfirm")
    assert view.number in box.text()
    box.button(QMessageBox.StandardButton.No).click()
    wait_idle()
    assert step.isVisible() and services.intake.get(view.id).status == "accepted"
    _ok(qtbot, step)
    boxes = [b for b in step.findChildren(QMessageBox, "stepConfirm") if b.isVisible()]
    assert len(boxes) == 1
    boxes[0].button(QMessageBox.StandardButton.Yes).click()
    _saved(qtbot, dialog, view.version, wait_idle)
    assert "已作废" in _header(dialog) and _offered(dialog) == []
    assert "申请人撤回申请" in _info_text(dialog)


def test_received_case_shows_its_notify_limit_and_offers_the_decision(
    qtbot, services, actor, clerk, show_case, wait_idle
) -> None:
    remark = "申请人称原件在外地，" + "备注内容很长。" * 400 + "（完）"
    view = open_case(services, actor, clerk, remark=remark)
    dialog = show_case(view.id)
    info = _info_text(dialog)
    assert "已收件待决定" in _header(dialog)
    assert view.notify_due.isoformat() in info
    assert "110105********002X" in info and LI_ID not in info
    assert _find(dialog, QPlainTextEdit, "caseRemark").toPlainText() == remark
    assert _find(dialog, QPlainTextEdit, "caseRemark").isReadOnly()
    notices = _find(dialog, QTableWidget, "caseNotices")
    assert notices.rowCount() == 1 and notices.item(0, 0).text() == "收件回执"
    assert "企业变更登记（备案）申请书" in notices.item(0, 4).text()
    assert _offered(dialog) == ["caseDecide", "caseVoid"]
    with qtbot.waitSignal(dialog.decide_requested, timeout=2000) as decide:
        qtbot.mouseClick(_find(dialog, QPushButton, "caseDecide"), Qt.MouseButton.LeftButton)
    assert decide.args == [view.id] and not dialog.isVisible()


def test_deferred_materials_must_be_supplied_before_completion(
    qtbot, services, actor, clerk, show_case, wait_idle, shown_errors
) -> None:
    matter = next(m for m in services.catalogue.matters() if m.allows_deferral
                  and any(t.deferrable for t in services.catalogue.detail(m.id).materials))
    due = services.ctx.calendar().add_working_days(services.ctx.today(), matter.promised_days)
    decision = DecisionInput(action="accept_deferred", commitment_signed=True, supply_deadline=due)
    view = open_case(services, actor, clerk, decision=decision, matter_id=matter.id, deferred=True)
    dialog = show_case(view.id)
    assert "caseSupply" in _offered(dialog)
    assert due.isoformat() in _info_text(dialog)  # 容缺补交期限
    materials = _find(dialog, QTableWidget, "caseMaterials")
    statuses = [materials.item(r, 2).text() for r in range(materials.rowCount())]
    assert "容缺后补" in statuses

    step = _click(qtbot, dialog, "caseComplete", "stepCompleteDialog")
    type_text(qtbot, "准予", _find(step, QPlainTextEdit, "stepResult"))
    _ok(qtbot, step)
    wait_idle()
    assert "容缺材料尚未补齐" in shown_errors[-1] and step.isVisible()
    step.reject()

    _click(qtbot, dialog, "caseSupply")
    _saved(qtbot, dialog, view.version, wait_idle)
    assert "caseSupply" not in _offered(dialog)
    assert {materials.item(r, 2).text() for r in range(materials.rowCount())} == {"已收"}
    assert _timeline(dialog)[-1].startswith("补齐容缺材料：")


def test_an_overdue_case_shows_the_red_badge(qtbot, services, actor, clerk, clock, show_case) -> None:
    view = open_case(services, actor, clerk, decision=DecisionInput(action="accept"))
    assert view.due_date is not None
    clock.at = dt.datetime.combine(view.due_date + dt.timedelta(days=1), dt.time(10, 0))
    dialog = show_case(view.id)
    badge = _find(dialog, QLabel, "caseWarning")
    assert badge.isVisible() and badge.text() == "红牌：已超期"
    assert view.due_date.isoformat() in _info_text(dialog)
