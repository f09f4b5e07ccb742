"""The transport rule as the hall's administrator and the clerk see it (issue 11, point 5): 本机设置
refuses an http:// address of another machine and an unusable CA file, saying why; the status line
warns while the counter talks plain http to this PC (the demo server), and says sync stopped when an
old machine.ini still holds an http:// LAN address."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from PySide6.QtCore import Qt

from app.server_address import PLAIN_REFUSED
from app.services import Services
from app.sync import state
from tests.ui.keyboard import type_text
from tests.ui.test_settings_dialog import _open, _window


@pytest.fixture
def admin(services: Services):
    return services.auth.login("admin", "demo1234")


def _machine_ini(services: Services, text: str) -> None:
    (services.ctx.db.path.parent / "machine.ini").write_text("[counter]\n" + text, encoding="utf-8")
    services._machine = None  # read afresh, as at start


def test_settings_refuse_plain_http_to_a_lan_host_saying_why(qtbot, services: Services, runner, admin,
                                                            wait_idle) -> None:
    w = _window(qtbot, services, runner, admin, wait_idle)
    dialog = _open(w, qtbot, wait_idle)
    type_text(qtbot, "http://192.168.1.10", dialog.server_edit)
    dialog.server_edit.editingFinished.emit()  # said as soon as the field is left (focus-out is unreliable offscreen)
    assert dialog.message.text() == PLAIN_REFUSED
    assert "必须以 https:// 开头" in dialog.message.text() and "明文传输" in dialog.message.text()
    dialog.message.clear()
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    wait_idle()
    assert dialog.message.text() == PLAIN_REFUSED and dialog.isVisible()
    assert not (services.ctx.db.path.parent / "machine.ini").exists()  # nothing saved
    type_text(qtbot, "x", dialog.code_edit)
    qtbot.mouseClick(dialog.enrol_button, Qt.MouseButton.LeftButton)  # nor enrolled at it
    wait_idle()
    assert dialog.message.text() == PLAIN_REFUSED and dialog.enrol_button.isEnabled()


def test_settings_refuse_a_missing_ca_file_and_keep_a_good_one(qtbot, services: Services, runner, admin,
                                                              wait_idle, tmp_path: Path) -> None:
    from tests.sync.test_transport_security import _certificates

    w = _window(qtbot, services, runner, admin, wait_idle)
    dialog = _open(w, qtbot, wait_idle)
    dialog.server_edit.setText("https://192.168.1.10:8443")
    dialog.ca_edit.setText(str(tmp_path / "hall-ca.pem"))
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    wait_idle()
    assert "找不到中心服务器的 CA 证书文件" in dialog.message.text() and dialog.ca_edit.hasFocus()
    ca_file = _certificates(tmp_path)[0]
    with qtbot.waitSignal(dialog.settings_saved, timeout=10000):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    wait_idle()
    stored = services.machine.load()
    assert (stored.server_url, stored.server_ca_file) == ("https://192.168.1.10:8443", str(ca_file))
    assert not w.status.transport_label.isVisible()  # https: no warning


def test_status_line_warns_while_talking_plain_http_to_this_pc(qtbot, services: Services, runner, clerk,
                                                               wait_idle) -> None:
    _machine_ini(services, "server_url = http://127.0.0.1:8765\n")
    w = _window(qtbot, services, runner, clerk, wait_idle)
    qtbot.waitUntil(lambda: w.status.sync_status is not None, timeout=5000)
    bar = w.status
    assert bar.transport_label.isVisible() and bar.transport_label.text() == "⚠ 未加密连接（仅限本机演示）"
    assert "127.0.0.1:8765" in bar.network_label.text() and "同步已停止" not in bar.network_label.text()


def test_status_line_says_sync_stopped_for_an_old_http_lan_address(qtbot, services: Services, runner, clerk,
                                                                   wait_idle) -> None:
    _machine_ini(services, "server_url = http://192.168.1.10:8765\n")
    state.save(services.ctx, **{state.CREDENTIAL: "secret-credential", state.DEVICE_ID: "d1"})
    sent: list[httpx.Request] = []
    services.sync.transport = httpx.MockTransport(lambda r: sent.append(r) or httpx.Response(200, json={}))
    w = _window(qtbot, services, runner, clerk, wait_idle)
    bar = w.status
    qtbot.waitUntil(lambda: w.sync_worker.refused, timeout=5000)  # stopped, not retried on a timer
    wait_idle()
    qtbot.waitUntil(lambda: "同步已停止" in bar.network_label.text(), timeout=5000)
    assert bar.network_label.text() == "● 同步已停止（192.168.1.10:8765）：连接不安全"
    assert "必须以 https:// 开头" in bar.warning_label.text() and "https://" in bar.network_label.toolTip()
    assert not bar.transport_label.isVisible() and sent == []
