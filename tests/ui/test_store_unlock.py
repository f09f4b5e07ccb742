"""Opening the encrypted store at start (ui.store_unlock, ui.main): the clerk's own login opens it and
signs them in; wrong passwords are braked; the recovery key is shown once and must be acknowledged;
a plain store from before is encrypted at the first start. Real SQLCipher files, real widgets."""

from __future__ import annotations

import argparse
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QInputDialog, QLabel, QLineEdit, QPushButton

from app.store_encryption import ENCRYPTED, NEW, is_unlockable_plainly, store_state, unlock_with_recovery
from tests.ui.keyboard import type_text
from ui import main as ui_main
from ui.store_unlock import RecoveryCodeDialog, UnlockDialog, wait_after


def _try(qtbot, wait_idle, dialog: UnlockDialog, login: str, password: str) -> None:
    login_edit = dialog.findChild(QLineEdit, "login")
    login_edit.clear()
    type_text(qtbot, login, login_edit)
    qtbot.keyClick(login_edit, Qt.Key.Key_Return)  # Enter moves to the password
    password_edit = dialog.findChild(QLineEdit, "password")
    password_edit.clear()
    type_text(qtbot, password, password_edit)
    qtbot.keyClick(password_edit, Qt.Key.Key_Return)
    wait_idle()


def test_the_clerks_own_login_opens_the_store_and_is_kept_for_the_sign_in(qtbot, runner, wait_idle, encrypted,
                                                                          tmp_path: Path) -> None:
    path, key, _ = encrypted
    dialog = UnlockDialog(runner, path)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.findChild(QLabel, "unlockTitle").text() == "示范县政务服务中心"  # remembered at setup
    message = dialog.findChild(QLabel, "storeUnlockMessage")
    _try(qtbot, wait_idle, dialog, "zhangmin", "wrong")
    assert message.text() == "用户名或密码不正确。" and dialog.isVisible()
    _try(qtbot, wait_idle, dialog, "xinren", "demo1234")
    assert "尚未在本机登录过" in message.text() and "恢复密钥" in message.text()
    dialog.grab().save(str(tmp_path / "store-unlock-unknown.png"))
    _try(qtbot, wait_idle, dialog, "zhangmin", "demo1234")
    assert dialog.result() == dialog.DialogCode.Accepted
    assert dialog.key == key and dialog.credentials == ("zhangmin", "demo1234")


def test_wrong_passwords_in_a_row_make_the_dialog_wait(qtbot, runner, wait_idle, encrypted) -> None:
    assert [wait_after(n) for n in (1, 2, 3, 4, 5, 9, 20)] == [0, 0, 2, 4, 8, 60, 60]
    path, _, _ = encrypted
    dialog = UnlockDialog(runner, path)
    qtbot.addWidget(dialog)
    dialog.show()
    for _ in range(3):
        _try(qtbot, wait_idle, dialog, "zhangmin", "wrong")
    assert "已连续错误 3 次，请 2 秒后再试" in dialog.findChild(QLabel, "storeUnlockMessage").text()
    assert not dialog.buttons.isEnabled()
    qtbot.waitUntil(dialog.buttons.isEnabled, timeout=5000)


def test_the_recovery_key_opens_the_store_without_a_sign_in(qtbot, runner, wait_idle, encrypted,
                                                            monkeypatch) -> None:
    path, key, code = encrypted
    dialog = UnlockDialog(runner, path)
    qtbot.addWidget(dialog)
    dialog.show()
    typed = iter([("AAAA-BBBB-CCCC-DDDD-EEEE-FFFF", True), (code.lower().replace("-", ""), True)])
    monkeypatch.setattr(QInputDialog, "getText", staticmethod(lambda *a, **k: next(typed)))
    button = dialog.findChild(QPushButton, "useRecoveryKey")
    button.click()
    wait_idle()
    assert "恢复密钥不正确" in dialog.findChild(QLabel, "storeUnlockMessage").text()
    button.click()
    wait_idle()
    assert dialog.key == key and dialog.credentials is None


def test_the_recovery_key_is_shown_until_it_is_marked_written_down(qtbot, tmp_path: Path) -> None:
    dialog = RecoveryCodeDialog("ABCD-EFGH-JKLM-NPQR-STUV-WXYZ")
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.findChild(QLabel, "recoveryCode").text() == "ABCD-EFGH-JKLM-NPQR-STUV-WXYZ"
    assert not dialog.ok.isEnabled()
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert dialog.isVisible()  # Esc does not skip it
    dialog.grab().save(str(tmp_path / "recovery-key.png"))
    dialog.findChild(QCheckBox, "recoveryWritten").setChecked(True)
    assert dialog.ok.isEnabled()
    dialog.ok.click()
    assert not dialog.isVisible() and dialog.result() == dialog.DialogCode.Accepted


def _args(**kw) -> argparse.Namespace:
    return argparse.Namespace(**{"demo": True, "startup_probe": True, **kw})


def test_a_first_start_makes_an_encrypted_store(runner, tmp_path: Path) -> None:
    path = tmp_path / "new" / "counter-desk.sqlite3"
    assert store_state(path) == NEW
    key, credentials, code = ui_main._open_key(path, runner, _args())
    assert len(key) == 32 and credentials is None and path.with_name("counter-desk.keys.json").exists()
    assert unlock_with_recovery(path, code) == key  # shown after the setup (not for the demo)


def test_a_plain_store_from_before_is_encrypted_at_the_first_start(runner, db_path: Path) -> None:
    assert is_unlockable_plainly(db_path)
    key, credentials, code = ui_main._open_key(db_path, runner, _args())
    assert store_state(db_path) == ENCRYPTED and not is_unlockable_plainly(db_path) and credentials is None
    assert code is None  # shown by the encryption's own dialog (not under --startup-probe)
    assert len(key) == 32


def test_a_store_nobody_set_up_is_discarded_with_its_key(runner, tmp_path: Path) -> None:
    from app.store_encryption import discard_unset_store, prepare_new_store

    path = tmp_path / "cancelled" / "counter-desk.sqlite3"
    key, code = prepare_new_store(path, ui_main.dt.datetime.now())
    from app.services import Services

    Services.open(path, key=key).close()
    assert unlock_with_recovery(path, code) == key
    discard_unset_store(path)
    assert store_state(path) == NEW and not path.with_name("counter-desk.keys.json").exists()
