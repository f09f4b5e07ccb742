"""The first-run screen, driven as the person installing a counter PC would: keyboard, the
hall's own files, mistakes explained without losing what was typed, cancel writes nothing."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, qInstallMessageHandler
from PySide6.QtWidgets import QDialog

from app.machine_settings import MachineSettings
from app.resources import resource_path
from app.services import Services
from app.setup import device_name
from app.store_encryption import is_unlockable_plainly, unlock_with_password
from tests.app.test_setup import hall_data, write
from tests.ui.keyboard import type_text
from ui.setup.setup_dialog import SetupDialog

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def fresh(tmp_path: Path):
    services = Services.open(tmp_path / "data" / "counter-desk.sqlite3")
    yield services
    services.close()


@pytest.fixture
def dialog(qtbot, fresh: Services, runner, wait_idle) -> SetupDialog:
    d = SetupDialog(fresh, runner)
    qtbot.addWidget(d)
    d.show()
    wait_idle()
    return d


def test_demo_hall_on_a_chosen_window_with_a_server(qtbot, dialog: SetupDialog, fresh: Services) -> None:
    assert dialog.demo_radio.isChecked()
    assert dialog.hall_info.text() == "示范县政务服务中心：11 个窗口，16 名人员"
    dialog.window_combo.setFocus()
    qtbot.keyClick(dialog.window_combo, Qt.Key.Key_Down)
    qtbot.keyClick(dialog.window_combo, Qt.Key.Key_Down)
    assert dialog.window_combo.currentText() == "03号窗口 人力社保窗口"
    type_text(qtbot, "zwfw.example.gov.cn:8443", dialog.server_edit)
    with qtbot.waitSignal(dialog.accepted, timeout=30000):
        qtbot.keyClick(dialog.server_edit, Qt.Key.Key_Return)  # Enter finishes, as everywhere
    assert fresh.is_set_up()
    assert device_name(fresh.ctx) == "示范县政务服务中心 03号窗口"
    assert fresh.machine_settings() == MachineSettings(server_url="https://zwfw.example.gov.cn:8443")
    assert fresh.auth.login("zhangmin", "demo1234").name == "张敏"


def test_hall_files_with_mistakes_then_fixed(qtbot, dialog: SetupDialog, fresh: Services, tmp_path: Path,
                                            wait_idle) -> None:
    hall = write(tmp_path / "新区大厅.json", hall_data())
    bad_catalogue = tmp_path / "事项目录.json"
    bad_catalogue.write_text('{"format": "counter-desk-catalogue/1", "departments": [], "matters": [{}]}',
                             encoding="utf-8")
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    qtbot.keyClick(dialog, Qt.Key.Key_F, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(dialog.files_radio.isChecked)  # a mnemonic clicks after a short animation
    assert dialog.files_form.isEnabled()
    assert dialog.window_combo.count() == 0
    type_text(qtbot, str(hall), dialog.hall_edit)
    dialog.hall_edit.editingFinished.emit()
    wait_idle()
    assert [dialog.window_combo.itemText(i) for i in range(2)] == ["01号窗口 综合窗口", "07号窗口 社保窗口"]
    dialog.window_combo.setCurrentIndex(1)
    type_text(qtbot, str(bad_catalogue), dialog.catalogue_edit)
    type_text(qtbot, "10.1.2.3:8080", dialog.server_edit)
    qtbot.mouseClick(dialog.finish_button, Qt.MouseButton.LeftButton)
    wait_idle()
    assert dialog.isVisible() and dialog.errors.isVisible()
    assert "事项目录" in dialog.errors.toPlainText()
    assert "未写入任何大厅资料" in dialog.message.text()
    assert not fresh.is_set_up()
    assert dialog.server_edit.text() == "10.1.2.3:8080" and dialog.window_combo.currentIndex() == 1  # kept
    dialog.catalogue_edit.setText(str(resource_path("demo", "catalogue.json")))
    with qtbot.waitSignal(dialog.accepted, timeout=30000):
        qtbot.mouseClick(dialog.finish_button, Qt.MouseButton.LeftButton)
    assert device_name(fresh.ctx) == "新区政务服务中心 07号窗口"
    assert fresh.auth.login("wangfang", "chushi-2026").name == "王芳"


def test_a_broken_hall_file_is_listed_and_blocks_finishing(qtbot, dialog: SetupDialog, fresh: Services,
                                                          tmp_path: Path, wait_idle) -> None:
    data = hall_data()
    data["staff"][1]["roles"] = ["boss"]
    dialog.files_radio.setChecked(True)
    dialog.hall_edit.setText(str(write(tmp_path / "hall.json", data)))
    dialog.hall_edit.editingFinished.emit()
    wait_idle()
    assert "角色 roles" in dialog.errors.toPlainText() and dialog.window_combo.count() == 0
    dialog.catalogue_edit.setText(str(resource_path("demo", "catalogue.json")))
    qtbot.mouseClick(dialog.finish_button, Qt.MouseButton.LeftButton)
    wait_idle()
    assert "还未读入或有错误" in dialog.errors.toPlainText()
    assert not fresh.is_set_up()


def test_a_bad_server_address_is_explained(qtbot, dialog: SetupDialog, fresh: Services, wait_idle) -> None:
    type_text(qtbot, "ftp://zwfw", dialog.server_edit)
    qtbot.mouseClick(dialog.finish_button, Qt.MouseButton.LeftButton)
    wait_idle()
    assert "中心服务器地址应类似" in dialog.errors.toPlainText()
    assert dialog.isVisible() and not fresh.is_set_up()


def test_setting_up_from_a_server_counts_the_rows_taken_over(qtbot, dialog: SetupDialog, fresh: Services,
                                                               wait_idle, monkeypatch) -> None:
    """A big hall takes a while to come over: the screen counts the rows as the pages arrive (sent
    from the worker thread) instead of a frozen "please wait"; a failure afterwards keeps what was typed."""
    from app.sync.client import SyncUnavailable

    gate, calls = threading.Event(), []

    def set_up_from_server(url, code, name, progress=None):
        calls.append((url, code))
        progress(1000)
        progress(2500)
        gate.wait(10)
        raise SyncUnavailable("无法连接中心服务器（网络不通或服务器未开启）")

    monkeypatch.setattr(fresh, "set_up_from_server", set_up_from_server)
    qtbot.mouseClick(dialog.server_radio, Qt.MouseButton.LeftButton)
    assert dialog.server_radio.isChecked()
    type_text(qtbot, "https://zwfw.example.gov.cn:8443", dialog.server_edit)
    type_text(qtbot, "K7PQ-2M9X", dialog.code_edit)
    qtbot.mouseClick(dialog.finish_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "已取得 2,500 条" in dialog.message.text(), timeout=10000)
    assert not dialog.finish_button.isEnabled()
    gate.set()
    wait_idle()
    assert calls == [("https://zwfw.example.gov.cn:8443", "K7PQ-2M9X")]
    assert dialog.isVisible() and dialog.finish_button.isEnabled()
    assert dialog.code_edit.text() == "K7PQ-2M9X"


def test_leaving_writes_nothing(qtbot, dialog: SetupDialog, fresh: Services) -> None:
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert dialog.result() == QDialog.DialogCode.Rejected
    assert not fresh.is_set_up()
    assert not (fresh.ctx.db.path.parent / "machine.ini").exists()


def test_the_app_asks_on_a_new_folder_and_quits_cleanly_when_declined(qapp, tmp_path: Path, monkeypatch) -> None:
    import ui.main

    shown: list[bool] = []

    def decline(self: SetupDialog) -> int:
        shown.append(True)
        return int(QDialog.DialogCode.Rejected)

    monkeypatch.setattr(SetupDialog, "exec", decline)
    # main() installs its own hooks: put them back afterwards
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    monkeypatch.setattr(threading, "excepthook", threading.excepthook)
    try:
        assert ui.main.main(["counter-desk", "--data", str(tmp_path / "data")]) == 0
    finally:
        qInstallMessageHandler(None)
    assert shown == [True]
    # nothing was set up: the new (encrypted) store and its key are gone, the next start begins afresh
    assert not (tmp_path / "data" / "counter-desk.sqlite3").exists()
    assert not (tmp_path / "data" / "counter-desk.keys.json").exists()


@pytest.mark.slow
def test_demo_flag_sets_up_without_questions(tmp_path: Path) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)}
    data = tmp_path / "data"
    done = subprocess.run([sys.executable, "-m", "ui", "--data", str(data), "--demo", "--startup-probe"],
                          env=env, cwd=ROOT, capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    store = data / "counter-desk.sqlite3"
    assert not is_unlockable_plainly(store)  # encrypted, and every demo login opens it
    services = Services.open(store, key=unlock_with_password(store, "zhangmin", "demo1234"))
    try:
        assert device_name(services.ctx) == "示范县政务服务中心 01号窗口"
    finally:
        services.close()
    log = (data / "logs" / "counter-desk.log").read_text(encoding="utf-8")
    assert "started, data folder" in log
