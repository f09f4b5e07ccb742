"""发布 and 更正发布 through the month window (the clock is in March: February is over, March is not): the
business section publishes February, and 第1版 appears in the view selector and is shown, said to be a
record; a second publication is a correction — without its reason the service's refusal is said next to
the field and the dialog stays with what was typed; with it, 第2版. March cannot be published yet (greyed,
saying why). The leadership approves the raised quota and the header says so."""

from __future__ import annotations

from PySide6.QtCore import Qt

from tests.ui.appraisal_kit import closed, login, march_facts, open_month
from tests.ui.keyboard import type_text
from ui.appraisal.month_window import LIVE
from ui.appraisal.note_dialog import NoteDialog


def _versions(window) -> list[str]:
    return [window.version_box.itemText(i) for i in range(window.version_box.count())]


def _publish_dialog(qtbot, window) -> NoteDialog:
    assert window.publish_button.isEnabled()
    qtbot.mouseClick(window.publish_button, Qt.MouseButton.LeftButton)
    dialog = window.actions_.dialog
    assert isinstance(dialog, NoteDialog)
    return dialog


def test_publishing_makes_version_1_and_a_correction_needs_its_reason(qtbot, services, runner, wait_idle) -> None:
    _menu, window = open_month(qtbot, services, runner, login(services, "liuyang"), wait_idle)
    assert window.period() == (2026, 2) and window.title.text().endswith("2026年2月量化考核")
    assert _versions(window) == ["草稿（实时计算）"] and window.publish_button.text() == "发布(&F)…"
    assert "草稿" in window.state.text()
    dialog = _publish_dialog(qtbot, window)
    assert "正式记录" in dialog.intro.text() and "更正发布为新的版本" in dialog.intro.text()
    qtbot.keyClick(dialog.note, Qt.Key.Key_Return)
    wait_idle()
    assert closed(dialog)
    versions = _versions(window)
    assert len(versions) == 2 and versions[1].startswith("第1版 ") and "刘洋" in versions[1]
    assert window.version_box.currentIndex() == 1 and window.version_box.currentData() != LIVE
    assert "已发布的第1版" in window.state.text() and "正式记录" in window.state.text()
    assert window.people.table.rowCount() == 12
    assert window.publish_button.text() == "更正发布(&F)…"

    dialog = _publish_dialog(qtbot, window)
    assert "已发布第1版" in dialog.intro.text() and "第2版" in dialog.intro.text()
    type_text(qtbot, "   ", dialog.note)
    qtbot.keyClick(dialog.note, Qt.Key.Key_Return)
    wait_idle()
    assert dialog.isVisible()
    assert dialog.shown_errors() == ["2026年2月已发布第1版，更正发布须填写更正原因。"]
    assert dialog.note.text() == "   " and "已发布第1版" in dialog.intro.text()  # the dialog as it was
    assert dialog.focusWidget() is dialog.note
    dialog.note.selectAll()
    type_text(qtbot, "补录2月查岗结果", dialog.note)
    qtbot.keyClick(dialog.note, Qt.Key.Key_Return)
    wait_idle()
    assert closed(dialog)
    versions = _versions(window)
    assert len(versions) == 3 and versions[1].startswith("第2版 ") and versions[1].endswith("更正：补录2月查岗结果")
    assert versions[2].startswith("第1版 ") and window.version_box.currentIndex() == 1
    window.version_box.setCurrentIndex(0)
    window.version_box.activated.emit(0)
    assert "草稿" in window.state.text() and "已发布第2版" in window.state.text()


def test_a_month_not_over_cannot_be_published_and_the_leadership_raises_the_quota(
        qtbot, services, runner, wait_idle) -> None:
    march_facts(services)
    _menu, window = open_month(qtbot, services, runner, login(services, "liuyang"), wait_idle, months_on=1)
    assert not window.publish_button.isEnabled()
    assert window.publish_button.toolTip() == "2026年3月尚未结束，月份结束后才能发布考核结果。"
    assert not window.quota_button.isEnabled() and "中心领导" in window.quota_button.toolTip()
    assert "优秀名额 2 名（20%）" in window.header.text()
    window.close()

    _menu, window = open_month(qtbot, services, runner, login(services, "chenzr"), wait_idle, months_on=1)
    assert not window.adjust_button.isEnabled() and not window.publish_button.isEnabled()
    assert window.quota_button.isEnabled()
    qtbot.mouseClick(window.quota_button, Qt.MouseButton.LeftButton)
    dialog = window.actions_.dialog
    assert isinstance(dialog, NoteDialog) and "由20%提高到25%" in dialog.intro.text()
    qtbot.keyClick(dialog.note, Qt.Key.Key_Return)
    wait_idle()
    assert dialog.shown_errors() == ["请填写批准说明。"]
    type_text(qtbot, "三月办件量大、服务突出", dialog.note)
    qtbot.keyClick(dialog.note, Qt.Key.Key_Return)
    wait_idle()
    assert closed(dialog)
    assert "优秀名额 3 名（已批准提高到25%）" in window.header.text()
    assert not window.quota_button.isEnabled() and "已批准提高到25%" in window.quota_button.toolTip()
