"""The first-contact log: typed and saved from the keyboard, stored with its outbox operation,
errors shown without losing what was typed, and text stored exactly as entered."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QComboBox, QTableWidget

from app.dto import EnquiryInput
from tests.ui.keyboard import type_text
from ui.enquiry.enquiry_widget import EnquiryWidget

CTRL = Qt.KeyboardModifier.ControlModifier


@pytest.fixture
def shown(qtbot, services, runner, clerk, wait_idle):
    def make() -> EnquiryWidget:
        w = EnquiryWidget(services, runner, clerk)
        qtbot.addWidget(w)
        w.resize(1366, 700)
        w.show()
        qtbot.waitExposed(w)
        w.activateWindow()
        qtbot.waitUntil(lambda: QApplication.activeWindow() is w)
        wait_idle()
        w.focus_topic()
        qtbot.waitUntil(w.topic.hasFocus)
        return w

    return make


@pytest.fixture
def warnings(shown_errors: list[str]) -> list[str]:
    return shown_errors


def _type(qtbot, text: str) -> None:
    type_text(qtbot, text)


def _tab(qtbot) -> None:
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)


def _rows(w: EnquiryWidget) -> list[str]:
    table = w.findChild(QTableWidget, "enquiryTable")
    return [table.item(r, 1).text() for r in range(table.rowCount())]


def test_departments_prefilled_and_today_loaded(qtbot, services, clerk, actor, shown):
    services.enquiries.record(actor, clerk.hall_id, clerk.window_id, EnquiryInput(topic="询问护照加急"))
    w = shown()
    combo = w.findChild(QComboBox, "enquiryReferred")
    items = [combo.itemText(i) for i in range(combo.count())]
    assert set(services.catalogue.departments()) <= set(items)
    assert combo.currentText() == ""
    assert _rows(w) == ["询问护照加急"]
    assert "今日首问登记（1 条）" in w.table_box.title()


def test_typed_and_saved_with_keyboard(qtbot, services, clerk, shown, wait_idle):
    pending = services.ledger.outbox_stats().pending
    w = shown()
    saved = []
    w.enquiry_saved.connect(saved.append)
    _type(qtbot, "营业执照变更需要什么材料")
    _tab(qtbot)
    assert QApplication.focusWidget() is w.answer
    _type(qtbot, "告知变更登记申请书、营业执照正副本")
    _tab(qtbot)
    assert QApplication.focusWidget() is w.referred
    _type(qtbot, "示范县市场监督管理局")
    _tab(qtbot)
    assert QApplication.focusWidget() is w.visitor
    _type(qtbot, "王芳")
    _tab(qtbot)
    assert QApplication.focusWidget() is w.phone
    _type(qtbot, "13800138000")
    qtbot.keyClick(w.phone, Qt.Key.Key_Return)  # Enter in the last field saves
    wait_idle()

    assert _rows(w)[0] == "营业执照变更需要什么材料"
    stored = services.enquiries.today(clerk.hall_id)
    assert [e.topic for e in stored] == ["营业执照变更需要什么材料"]
    e = stored[0]
    assert (e.answer, e.referred_window, e.visitor, e.phone, e.staff_name) == (
        "告知变更登记申请书、营业执照正副本", "示范县市场监督管理局", "王芳", "13800138000", clerk.name)
    assert services.ledger.outbox_stats().pending == pending + 1
    assert saved and saved[0].id == e.id
    assert (w.topic.text(), w.answer.toPlainText(), w.referred.currentText(), w.visitor.text(),
            w.phone.text()) == ("", "", "", "", "")
    qtbot.waitUntil(w.topic.hasFocus)

    _type(qtbot, "第二位来访人咨询")
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)  # Enter in the topic goes on to the answer
    assert QApplication.focusWidget() is w.answer
    _type(qtbot, "当场答复")
    qtbot.keyClick(w.answer, Qt.Key.Key_Return, CTRL)  # saves from inside the multi-line answer too
    wait_idle()
    assert _rows(w)[:2] == ["第二位来访人咨询", "营业执照变更需要什么材料"]
    assert services.enquiries.today(clerk.hall_id)[0].answer == "当场答复"
    assert services.ledger.outbox_stats().pending == pending + 2


def test_tab_order_reaches_save_button(qtbot, shown):
    w = shown()
    for _ in range(5):
        _tab(qtbot)
    assert QApplication.focusWidget() is w.save_button


def test_empty_topic_shows_error_and_keeps_typed_text(qtbot, services, clerk, shown, wait_idle, warnings):
    pending = services.ledger.outbox_stats().pending
    w = shown()
    _tab(qtbot)
    _type(qtbot, "已告知办理时间")
    _tab(qtbot)
    _type(qtbot, "示范县公安局")
    _tab(qtbot)
    _type(qtbot, "赵强")
    _tab(qtbot)
    _type(qtbot, "13912345678")
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return, CTRL)
    wait_idle()

    assert len(warnings) == 1
    assert "咨询内容" in warnings[0]
    assert (w.answer.toPlainText(), w.referred.currentText(), w.visitor.text(), w.phone.text()) == (
        "已告知办理时间", "示范县公安局", "赵强", "13912345678")
    assert _rows(w) == []
    assert services.enquiries.today(clerk.hall_id) == []
    assert services.ledger.outbox_stats().pending == pending
    assert w.save_button.isEnabled()
    qtbot.waitUntil(w.topic.hasFocus)


def test_bad_phone_shows_error_and_keeps_typed_text(qtbot, services, clerk, shown, wait_idle, warnings):
    w = shown()
    _type(qtbot, "咨询居住证")
    w.phone.setFocus()
    _type(qtbot, "1380013800")
    qtbot.keyClick(w.phone, Qt.Key.Key_Return)
    wait_idle()
    assert len(warnings) == 1
    assert "电话" in warnings[0]
    assert (w.topic.text(), w.phone.text()) == ("咨询居住证", "1380013800")
    assert services.enquiries.today(clerk.hall_id) == []


def test_rare_character_and_long_answer_stored_intact(qtbot, services, clerk, shown, wait_idle):
    topic = "咨询𬌗字姓名的户口登记"
    answer = ("答复要点：𬌗字可录入，需携带户口簿原件。" * 300)[:4999] + "完"
    assert len(answer) == 5000
    w = shown()
    _type(qtbot, topic)
    w.answer.setPlainText(answer)  # pasted: typing 5,000 characters adds nothing to the test
    qtbot.keyClick(w.topic, Qt.Key.Key_Return, CTRL)
    wait_idle()
    stored = services.enquiries.today(clerk.hall_id)
    assert len(stored) == 1
    assert stored[0].topic == topic
    assert stored[0].answer == answer
    assert _rows(w) == [topic]
