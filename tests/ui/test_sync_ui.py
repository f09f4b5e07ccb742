"""Sync as the clerk sees it, with a scripted sync service standing in for the network: the status
line in every state, cycles after each saved action and retries with backoff, the quarantine
list that a 首席代表 settles, and the warning before leaving with unsynced work."""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading

import pytest
from PySide6.QtCore import Qt

from app.errors import InvalidInput
from app.services import Services
from app.sync.client import QuarantinedOp, SyncRefused, SyncReport, SyncStatus, SyncUnavailable
from tests.conftest import DEFAULT_NOW
from ui.main_window import MainWindow
from ui.sync.quarantine_dialog import QuarantineDialog

URL = "http://127.0.0.1:8765"
ONLINE = SyncStatus(server_url=URL, enrolled=True, online=True, pending=0, oldest_pending_at=None, quarantined=0,
                    last_success_at=DEFAULT_NOW, last_attempt_at=DEFAULT_NOW, last_error="", skew_seconds=2.0,
                    epoch="e1", warnings=())
REPORT = SyncReport(pushed=1, applied=1, duplicates=0, conflicts=0, rejected=0, pulled=0, epoch_changed=False,
                    pending_after=0)


class ScriptedSync:
    """Answers like SyncService; ``failures`` are raised by the next cycles, in order."""

    def __init__(self, status: SyncStatus = ONLINE) -> None:
        self.state = status
        self.failures: list[Exception] = []
        self.cycles = 0
        self.items: list[QuarantinedOp] = []
        self.resolved: list[tuple[str, str]] = []
        self.lock = threading.Lock()

    def is_enrolled(self) -> bool:
        return self.state.enrolled

    def status(self) -> SyncStatus:
        return self.state

    def sync_once(self, cancel=None) -> SyncReport:
        with self.lock:
            self.cycles += 1
            if self.failures:
                raise self.failures.pop(0)
        return REPORT

    def quarantine(self, include_resolved: bool = False) -> list[QuarantinedOp]:
        return [q for q in self.items if include_resolved or q.resolved_at is None]

    def resolve(self, actor, op_id: str, note: str) -> None:
        if not note.strip():
            raise InvalidInput("请写明处理情况。")
        self.resolved.append((op_id, note))
        self.items = [dataclasses.replace(q, resolved_at=DEFAULT_NOW, resolved_by=actor.name, resolution_note=note)
                      if q.op_id == op_id else q for q in self.items]


def conflict(op_id: str = "op-1") -> QuarantinedOp:
    return QuarantinedOp(
        op_id=op_id, client_seq=7, kind="case.complete", entity_id="case-1", created_at=DEFAULT_NOW,
        actor_name="张敏", result="conflict", code="state_mismatch",
        message="该办件在服务器上已由其他窗口办结，本机的办结操作未被接收。",
        payload={"from": "accepted", "to": "completed",
                 "case": {"number": "DEMO-2026C000012", "applicant_name": "王𬌗"}},
        server_row={"status": "completed", "number": "DEMO-2026C000012"},
        resolved_at=None, resolved_by="", resolution_note="")


@pytest.fixture
def scripted(services: Services, monkeypatch) -> ScriptedSync:
    from app.machine_settings import MachineSettings

    sync = ScriptedSync()
    services.sync = sync  # type: ignore[assignment]
    monkeypatch.setattr(services, "machine_settings", lambda: MachineSettings(server_url=URL))
    return sync


def _window(qtbot, services, runner, staff, wait_idle) -> MainWindow:
    w = MainWindow(services, runner, staff)
    qtbot.addWidget(w)
    w.sync_worker.poll_ms = 3_600_000  # no background polling during a test
    w.show()
    qtbot.waitUntil(lambda: w.status.sync_status is not None, timeout=5000)
    wait_idle()
    return w


def test_status_line_in_each_state(qtbot, services: Services, runner, clerk, scripted, wait_idle) -> None:
    w = _window(qtbot, services, runner, clerk, wait_idle)
    bar = w.status
    assert bar.network_label.text() == "● 在线（127.0.0.1:8765）"
    assert bar.sync_label.text() == "上次同步：09:30" and not bar.quarantine_button.isVisible()
    offline = dataclasses.replace(ONLINE, online=False, pending=12, last_error="无法连接中心服务器",
                                  oldest_pending_at=DEFAULT_NOW - dt.timedelta(hours=3, minutes=5),
                                  skew_seconds=-420.0, warnings=("受理通知书编号只剩 20 个",))
    bar.show_sync(offline)
    assert bar.network_label.text() == "● 离线（本机照常办理，联网后自动同步）"
    assert bar.network_label.toolTip() == "● 离线（本机照常办理，联网后自动同步）\n无法连接中心服务器"
    assert bar.pending_label.text() == "待同步：12 条，最早已等 3小时5分钟"
    assert bar.warning_label.text() == "⚠ 本机时间比服务器快 7 分钟，请联系信息科校准"
    assert "编号只剩 20 个" in bar.warning_label.toolTip()
    bar.show_sync(dataclasses.replace(ONLINE, quarantined=2))
    assert bar.quarantine_button.isVisible() and bar.quarantine_button.text() == "⚠ 同步冲突待处理：2"
    bar.show_sync(dataclasses.replace(ONLINE, enrolled=False))
    assert "本机未注册" in bar.network_label.text()
    bar.show_sync(dataclasses.replace(ONLINE, server_url="", enrolled=False))
    assert bar.network_label.text() == "● 单机运行（未配置中心服务器）"


def test_a_long_status_line_does_not_widen_the_window(qtbot, services, runner, clerk, scripted, wait_idle) -> None:
    """Offline, with work waiting, a number warning and a quarantine, on a 1366-pixel counter screen:
    the line shortens its texts (whole in the tooltips) instead of pushing the window off the screen."""
    w = _window(qtbot, services, runner, clerk, wait_idle)
    w.resize(1366, 768)
    w.status.show_sync(dataclasses.replace(
        ONLINE, online=False, pending=1234, oldest_pending_at=DEFAULT_NOW - dt.timedelta(days=3), quarantined=12,
        server_url="https://zwfw-zhongxin.example.gov.cn:8443", skew_seconds=-4000.0,
        warnings=("不予受理通知书编号（2027年度）尚未领取，请在年底前联网同步",)))
    qtbot.wait(50)
    assert w.minimumSizeHint().width() <= 1366 and w.status.minimumSizeHint().width() <= 1366
    assert w.width() <= 1366
    assert w.status.pending_label.text() == "待同步：1234 条，最早已等 3天"
    assert "请在年底前联网同步" in w.status.warning_label.toolTip()


def test_a_cycle_at_start_and_after_each_saved_action(qtbot, services, runner, clerk, scripted, wait_idle) -> None:
    w = _window(qtbot, services, runner, clerk, wait_idle)
    qtbot.waitUntil(lambda: scripted.cycles >= 1 and not w.sync_worker.running, timeout=5000)
    qtbot.wait(200)  # the start-up writes (lapsed cases) may ask for one more
    before = scripted.cycles
    runner.run(lambda: None, write=True)  # any committed action
    qtbot.waitUntil(lambda: scripted.cycles == before + 1, timeout=5000)
    runner.run(lambda: None)  # a read is not a reason to sync
    wait_idle()
    qtbot.wait(200)
    assert scripted.cycles == before + 1


def test_failures_back_off_and_a_refused_device_stops(qtbot, services, runner, clerk, scripted, wait_idle,
                                                      monkeypatch) -> None:
    import app.sync.client

    delays: list[int] = []
    monkeypatch.setattr(app.sync.client, "retry_delay", lambda attempt, **_k: delays.append(attempt) or 0.05)
    scripted.failures = [SyncUnavailable("无法连接中心服务器"), SyncUnavailable("连接中断"),
                         SyncRefused("本机已被中心管理员停用")]
    w = _window(qtbot, services, runner, clerk, wait_idle)
    qtbot.waitUntil(lambda: scripted.cycles == 3, timeout=5000)
    assert delays == [1, 2]  # growing attempts, then no retry after the refusal
    qtbot.wait(300)
    assert scripted.cycles == 3 and w.sync_worker.refused
    w.sync_worker.settings_changed()  # re-enrolled: tries again
    qtbot.waitUntil(lambda: scripted.cycles == 4, timeout=5000)


def test_quarantine_is_settled_by_a_chief(qtbot, services: Services, runner, scripted, wait_idle) -> None:
    chief = services.auth.login("liqiang", "demo1234")
    scripted.items = [conflict()]
    scripted.state = dataclasses.replace(ONLINE, quarantined=1)
    w = _window(qtbot, services, runner, chief, wait_idle)
    assert w.status.quarantine_button.isVisible()
    qtbot.mouseClick(w.status.quarantine_button, Qt.MouseButton.LeftButton)
    dialog = w.findChild(QuarantineDialog)
    wait_idle()
    assert dialog.table.rowCount() == 1
    assert dialog.table.item(0, 2).text() == "DEMO-2026C000012 王𬌗"
    assert dialog.table.item(0, 3).text() == "冲突"
    details = dialog.details.toPlainText()
    assert "已由其他窗口办结" in details and "本机原始数据" in details and "服务器当前数据" in details
    qtbot.mouseClick(dialog.resolve_button, Qt.MouseButton.LeftButton)
    assert "请写明处理情况" in dialog.message.text()
    dialog.note_edit.setText("已核对：该件已由02号窗口办结，本机不再重复办理")
    qtbot.keyClick(dialog.note_edit, Qt.Key.Key_Return)
    wait_idle()
    assert scripted.resolved == [("op-1", "已核对：该件已由02号窗口办结，本机不再重复办理")]
    assert dialog.table.rowCount() == 0
    dialog.show_resolved.setChecked(True)
    wait_idle()
    assert dialog.table.item(0, 3).text() == "已处理 冲突"  # kept for the record


def test_a_clerk_can_look_at_the_quarantine_but_not_settle_it(qtbot, services, runner, clerk, scripted,
                                                              wait_idle) -> None:
    scripted.items = [conflict()]
    w = _window(qtbot, services, runner, clerk, wait_idle)
    dialog = w.open_quarantine()
    wait_idle()
    assert dialog.table.rowCount() == 1 and not dialog.resolve_button.isEnabled()


def test_leaving_with_unsynced_work_warns(qtbot, services, runner, clerk, scripted, wait_idle,
                                         _answer_questions_yes) -> None:
    scripted.state = dataclasses.replace(ONLINE, online=False, pending=5, oldest_pending_at=DEFAULT_NOW)
    w = _window(qtbot, services, runner, clerk, wait_idle)
    w.sync_worker.refresh_status()
    qtbot.waitUntil(lambda: w.sync_worker.status.pending == 5, timeout=5000)
    w._on_logout_triggered()
    assert len(_answer_questions_yes) == 1
    assert "还有 5 条操作尚未同步到中心服务器" in _answer_questions_yes[0] and "不会丢失" in _answer_questions_yes[0]
