"""本机设置 → 注册 on a standalone PC whose hall data has a window the central server lacks: the
administrator reads the refusal (what is missing, what to do), the PC stays standalone and the
button can be pressed again. The in-process server of tests/server; the mapping itself:
tests/sync/test_standalone_enrol.py."""

from __future__ import annotations

from PySide6.QtCore import Qt

from app.ids import uuid7
from app.services import Services
from db.models import Device, Window
from tests.server.conftest import (  # noqa: F401 - fixtures
    server,
    server_clock,
    server_db,
    server_template,
    server_url,
)
from tests.server.kit import ServerKit
from tests.sync.kit import URL, wire
from tests.ui.keyboard import type_text
from tests.ui.test_settings_dialog import _open, _window

REFUSED = ("中心服务器上缺少本机使用的大厅资料：窗口 12。请由中心管理员在服务器上补充后，用同一注册码重新注册；"
           "本机资料未作任何改动。")


def test_register_with_a_window_the_server_lacks_says_what_to_add(qtbot, services: Services, runner, wait_idle,
                                                                  server: ServerKit) -> None:  # noqa: F811
    with services.ctx.db.write() as s:  # added on this PC while it worked alone
        hall_id = s.query(Device).one().hall_id
        s.add(Window(id=uuid7(), hall_id=hall_id, number="12", name="临时窗口", zone=""))
    wire(services, server.client._transport)
    admin = services.auth.login("admin", "demo1234")
    w = _window(qtbot, services, runner, admin, wait_idle)
    dialog = _open(w, qtbot, wait_idle)
    type_text(qtbot, URL, dialog.server_edit)
    type_text(qtbot, str(server.code("01")["code"]), dialog.code_edit)
    qtbot.mouseClick(dialog.enrol_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.enrol_button.isEnabled(), timeout=20000)
    wait_idle()
    assert dialog.message.text() == REFUSED
    assert dialog.enrol_state.text() == "注册未成功。"
    assert not services.sync.is_enrolled()
