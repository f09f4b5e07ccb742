"""Chinese renders from the shipped fonts, Qt's buttons read Chinese, and bad input at the
intake screen gets a clear message while everything typed stays on screen."""

from __future__ import annotations

import sqlite3

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontDatabase, QFontMetrics
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QLabel

from app.services import Services
from tests.ui.keyboard import type_text
from ui.intake.intake_widget import IntakeWidget


def test_bundled_fonts_cover_common_and_rare_characters(qapp: QApplication) -> None:
    families = qapp.font().families()
    assert families[0].startswith("WenQuanYi Micro Hei")
    assert "HanaMinB" in families
    assert QFontMetrics(qapp.font()).inFontUcs4(ord("营"))
    rare = QFontDatabase.font("HanaMinB", "", 12)
    assert QFontMetrics(rare).inFontUcs4(0x2C317)  # 𬌗, CJK Extension E


def test_qt_standard_buttons_are_translated(qtbot) -> None:
    box = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
    qtbot.addWidget(box)
    assert box.button(QDialogButtonBox.StandardButton.Ok).text() == "确定"
    assert box.button(QDialogButtonBox.StandardButton.Cancel).text() == "取消"


def _intake(qtbot, services: Services, runner, clerk, wait_idle) -> IntakeWidget:
    w = IntakeWidget(services, runner, clerk)
    qtbot.addWidget(w)
    w.show()
    wait_idle()
    type_text(qtbot, "yyzz", w.search)
    qtbot.keyClick(w.search, Qt.Key.Key_Return)
    wait_idle()
    return w


def test_bad_inputs_are_explained_and_nothing_typed_is_lost(
    qtbot, services: Services, runner, clerk, wait_idle, shown_errors
) -> None:
    w = _intake(qtbot, services, runner, clerk, wait_idle)
    remark = ("申请人反映：" + "原营业执照遗失，已登报声明作废。" * 320)[:5000]
    w.remark.setPlainText(remark)
    w.materials.set_all("received")

    # empty name
    w.decision_buttons["decideAccept"].click()
    wait_idle()
    assert shown_errors[-1] == "请填写申请人姓名。"
    # rare character name, wrong check digit: flagged as soon as the field is left, then refused
    type_text(qtbot, "王𬌗", w.applicant.name)
    type_text(qtbot, "110105194912310021", w.applicant.id_number)
    w.applicant.id_number.editingFinished.emit()
    assert "校验位" in w.findChild(QLabel, "applicantIdHint").text()
    w.decision_buttons["decideAccept"].click()
    wait_idle()
    assert "校验位不正确" in shown_errors[-1]
    assert w.applicant.name.text() == "王𬌗" and w.remark.toPlainText() == remark
    # organisation with a bad credit code
    w.applicant.kind.setCurrentIndex(1)
    w.applicant.id_number.setText("91350100M0001O0Y43")
    w.decision_buttons["decideAccept"].click()
    wait_idle()
    assert "I、O、Z、S、V" in shown_errors[-1]
    # fixed: a person with a valid number; the rare name and the long remark are stored intact
    w.applicant.kind.setCurrentIndex(0)
    w.applicant.id_number.setText("11010519491231002X")
    w.decision_buttons["decideAccept"].click()
    wait_idle()
    assert "已受理" in w.result.text()
    with sqlite3.connect(services.ctx.db.path) as c:
        name, stored = c.execute("SELECT applicant_name, remark FROM cases").fetchone()
    assert name == "王𬌗" and stored == remark and len(stored) == 5000


def test_missing_x11_libraries_are_named_with_the_install_command(monkeypatch) -> None:
    import ctypes.util

    from ui import main as main_module

    monkeypatch.setattr(main_module.sys, "platform", "linux")
    monkeypatch.setenv("DISPLAY", ":0")
    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    monkeypatch.setattr(ctypes.util, "find_library", lambda name: None if name == "xcb-icccm" else f"lib{name}.so")
    assert main_module.missing_system_packages() == ["libxcb-icccm4"]
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    assert main_module.missing_system_packages() == []
