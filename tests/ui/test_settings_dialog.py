"""本机设置 from the main window: a 首席代表 or administrator changes this PC's settings and they
apply at once; a clerk can only look; mistakes are explained; a backup can be made on demand."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from app.machine_settings import MachineSettings, MachineSettingsStore
from app.services import Services
from tests.ui.keyboard import type_text
from ui.documents.printing import PrintFailed, default_printer
from ui.main_window import MainWindow
from ui.settings.settings_dialog import MachineSettingsDialog


@pytest.fixture
def admin(services: Services):
    return services.auth.login("admin", "demo1234")


def _window(qtbot, services, runner, staff, wait_idle) -> MainWindow:
    w = MainWindow(services, runner, staff)
    qtbot.addWidget(w)
    w.show()
    wait_idle()
    return w


def _open(w: MainWindow, qtbot, wait_idle) -> MachineSettingsDialog:
    action = w.findChild(type(w.menuBar().actions()[0]), "machineSettingsAction")
    action.trigger()
    dialog = w.findChild(MachineSettingsDialog)
    assert dialog is not None and dialog.isVisible()
    wait_idle()
    return dialog


def test_admin_changes_settings_and_they_apply_at_once(qtbot, services: Services, runner, admin, wait_idle) -> None:
    w = _window(qtbot, services, runner, admin, wait_idle)
    assert w.idle.timer.interval() == 5 * 60_000  # the hall's default
    dialog = _open(w, qtbot, wait_idle)
    assert "单机运行（未配置中心服务器）" in w.status.network_label.text()
    assert dialog.lock_spin.text() == "大厅默认（5分钟）"
    dialog.lock_spin.setFocus()
    qtbot.keyClick(dialog.lock_spin, Qt.Key.Key_Up)
    qtbot.keyClick(dialog.lock_spin, Qt.Key.Key_Up)
    dialog.keep_spin.setValue(30)
    type_text(qtbot, "zwfw.example.gov.cn", dialog.server_edit)
    with qtbot.waitSignal(dialog.settings_saved, timeout=10000):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    wait_idle()
    assert w.idle.timer.interval() == 2 * 60_000
    qtbot.waitUntil(lambda: "本机未注册（zwfw.example.gov.cn）" in w.status.network_label.text(), timeout=5000)
    stored = MachineSettingsStore(services.ctx.db.path.parent).load()
    assert stored == MachineSettings("https://zwfw.example.gov.cn", "", 2, 30)
    assert services.backup_keep() == 30


def test_a_clerk_can_look_but_not_change(qtbot, services: Services, runner, clerk, wait_idle) -> None:
    w = _window(qtbot, services, runner, clerk, wait_idle)
    dialog = _open(w, qtbot, wait_idle)
    assert "更改本机设置需由中心管理员办理" in dialog.notice.text() and "您可以查看" in dialog.notice.text()
    assert "中心管理员" in dialog.server_edit.toolTip() and "中心管理员" in dialog.enrol_button.toolTip()
    assert dialog.authorise_button.isVisible()
    assert not dialog.save_button.isEnabled() and not dialog.server_edit.isEnabled()


def test_a_bad_server_address_keeps_the_dialog_and_changes_nothing(qtbot, services: Services, runner, admin,
                                                                  wait_idle) -> None:
    w = _window(qtbot, services, runner, admin, wait_idle)
    dialog = _open(w, qtbot, wait_idle)
    type_text(qtbot, "ftp://zwfw", dialog.server_edit)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    wait_idle()
    assert "中心服务器地址应类似" in dialog.message.text()
    assert dialog.isVisible() and dialog.server_edit.text() == "ftp://zwfw"
    assert not (services.ctx.db.path.parent / "machine.ini").exists()


def test_backup_now_and_a_missing_printer(qtbot, services: Services, runner, admin, wait_idle) -> None:
    services.machine.save(MachineSettings(printer="前台激光打印机"))
    services._machine = None
    w = _window(qtbot, services, runner, admin, wait_idle)
    dialog = _open(w, qtbot, wait_idle)
    assert "还没有备份" in dialog.backups_label.text()
    qtbot.mouseClick(dialog.backup_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "共 1 份" in dialog.backups_label.text(), timeout=10000)
    index = dialog.printer_combo.currentIndex()
    assert dialog.printer_combo.itemText(index) == "前台激光打印机（本机找不到此打印机）"
    with pytest.raises(PrintFailed, match=r"前台激光打印机.*不存在"):
        default_printer("前台激光打印机")


def test_a_damaged_settings_file_is_shown_not_fatal(qtbot, services: Services, runner, admin, wait_idle) -> None:
    (services.ctx.db.path.parent / "machine.ini").write_text("[counter]\nidle_lock_minutes = 九\n", encoding="utf-8")
    services._machine = None
    w = _window(qtbot, services, runner, admin, wait_idle)
    assert w.idle.timer.interval() == 5 * 60_000
    dialog = _open(w, qtbot, wait_idle)
    assert "“九”无效" in dialog.notice.text()


def test_closing_before_the_lists_arrive_is_harmless(qtbot, services: Services, runner, admin, wait_idle,
                                                      monkeypatch) -> None:
    import time

    import ui.settings.settings_dialog as module

    def slow_printers():
        time.sleep(0.3)  # a print server that takes its time
        return ["前台打印机"], ""

    monkeypatch.setattr(module, "printer_names", slow_printers)
    w = _window(qtbot, services, runner, admin, wait_idle)
    dialog = w.open_machine_settings()
    dialog.close()  # deleted on close, while the printers are still being listed
    qtbot.waitUntil(lambda: w.findChild(MachineSettingsDialog) is None, timeout=3000)
    wait_idle()  # the late answer is dropped, not delivered to a deleted dialog


def test_backup_now_on_an_encrypted_store_is_encrypted(qtbot, runner, wait_idle, encrypted) -> None:
    from app.store_encryption import is_unlockable_plainly

    path, key, _ = encrypted
    services = Services.open(path, key=key)
    try:
        w = _window(qtbot, services, runner, services.auth.login("admin", "demo1234"), wait_idle)
        dialog = _open(w, qtbot, wait_idle)
        qtbot.mouseClick(dialog.backup_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: "共 1 份" in dialog.backups_label.text(), timeout=10000)
        backup = next((path.parent / "backups").glob("counter-desk-*.sqlite3"))
        assert not is_unlockable_plainly(backup)
        w.close()
        wait_idle()
    finally:
        services.close()
