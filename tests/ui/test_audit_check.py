"""At start the counter checks its own audit chain on a worker thread once the main window is up: a
broken chain is named in the status line in red until the app closes, and logged; a whole one
shows nothing."""

from __future__ import annotations

import logging
import threading

import pytest

from app.services import Services
from tests.app.kit import IntakeKit
from tests.app.test_audit_chain import tamper
from ui.main_window import MainWindow


@pytest.fixture
def checks(services: Services, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The threads the check ran on."""
    threads: list[str] = []
    verify = services.audit_chain.verify

    def spy(*args, **kwargs):
        threads.append(threading.current_thread().name)
        return verify(*args, **kwargs)

    monkeypatch.setattr(services.audit_chain, "verify", spy)
    return threads


def _work(services: Services, actor) -> None:
    kit = IntakeKit(services)
    for name in ("李明", "王芳", "赵雷"):
        services.intake.open_case(actor, kit.request(kit.matter().id, name=name), window_id=None)


def _window(qtbot, services, runner, clerk) -> MainWindow:
    w = MainWindow(services, runner, clerk)
    qtbot.addWidget(w)
    w.show()
    return w


def test_a_broken_chain_is_shown_in_the_status_line_and_logged(
        qtbot, services: Services, runner, clerk, actor, db_path, checks, caplog, wait_idle) -> None:
    _work(services, actor)
    tamper(db_path, "UPDATE audit_event SET summary = '改过' WHERE seq = 2")
    caplog.set_level(logging.INFO)
    w = _window(qtbot, services, runner, clerk)
    label = w.status.audit_label
    qtbot.waitUntil(label.isVisible, timeout=10000)
    assert label.text().startswith("⚠ 审计记录校验未通过：第 2 条记录（")
    assert "的内容被改动" in label.text() and label.text().endswith("，请联系信息科")
    assert "verify-audit" in label.toolTip()
    assert checks and threading.main_thread().name not in checks
    assert "audit chain broken" in caplog.text
    w.status.refresh()
    wait_idle()
    assert label.isVisible()  # persistent: the status line's refreshes leave it


def test_a_whole_chain_shows_nothing(qtbot, services: Services, runner, clerk, actor, checks, caplog,
                                     wait_idle) -> None:
    _work(services, actor)
    caplog.set_level(logging.INFO)
    w = _window(qtbot, services, runner, clerk)
    qtbot.waitUntil(lambda: "audit chain intact" in caplog.text, timeout=10000)
    wait_idle()
    assert not w.status.audit_label.isVisible() and w.status.audit_label.text() == ""
    assert checks and threading.main_thread().name not in checks
