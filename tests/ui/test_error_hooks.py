"""What IT gets when something goes wrong: rotating UTF-8 log files in the data folder, and an
unexpected error on the screen as a dialog whose details can be copied, with the app going on."""

from __future__ import annotations

import logging
import sys
import threading
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QMessageBox

import ui.errors
import ui.main


@pytest.fixture
def log_folder(tmp_path: Path):
    handler = ui.main.setup_logging(tmp_path / "logs", max_bytes=20_000, keep=3)
    yield tmp_path / "logs"
    logging.getLogger().removeHandler(handler)
    handler.close()


def test_log_files_are_utf8_and_rotate(log_folder: Path) -> None:
    log = logging.getLogger("counterdesk.test")
    log.info("申请人 王𬌗 的通知书已打印")
    for i in range(400):
        log.info("第 %d 行：%s", i, "受理" * 20)
    files = sorted(p.name for p in log_folder.iterdir())
    assert files == ["counter-desk.log", "counter-desk.log.1", "counter-desk.log.2", "counter-desk.log.3"]
    assert all(p.stat().st_size <= 21_000 for p in log_folder.iterdir())
    newest = (log_folder / "counter-desk.log").read_text(encoding="utf-8")
    assert "第 399 行：受理受理" in newest


@pytest.mark.qt_no_exception_capture
def test_an_unexpected_error_shows_details_and_the_app_goes_on(qtbot, log_folder: Path, monkeypatch) -> None:
    boxes: list[QMessageBox] = []
    monkeypatch.setattr(ui.errors, "present", boxes.append)
    monkeypatch.setattr(sys, "excepthook", ui.main._excepthook)
    later: list[str] = []

    def broken_slot() -> None:
        raise KeyError("没有这个事项")

    QTimer.singleShot(0, broken_slot)
    QTimer.singleShot(50, lambda: later.append("still running"))
    qtbot.waitUntil(lambda: bool(boxes and later), timeout=5000)
    box = boxes[0]
    assert box.objectName() == "unexpectedError" and "请把详细信息复制给信息科" in box.text()
    assert "KeyError" in box.detailedText() and "broken_slot" in box.detailedText()
    text = (log_folder / "counter-desk.log").read_text(encoding="utf-8")
    assert "uncaught exception" in text and "没有这个事项" in text


def test_errors_in_other_threads_are_logged(log_folder: Path, monkeypatch) -> None:
    monkeypatch.setattr(threading, "excepthook", ui.main._thread_excepthook)

    def crash() -> None:
        raise RuntimeError("打印线程出错")

    t = threading.Thread(target=crash, name="printer-worker")
    t.start()
    t.join()
    text = (log_folder / "counter-desk.log").read_text(encoding="utf-8")
    assert "uncaught exception in thread printer-worker" in text and "打印线程出错" in text


def test_qt_warnings_go_to_the_log(log_folder: Path) -> None:
    from PySide6.QtCore import QtMsgType

    class Context:
        file, line = "qpdfview.cpp", 42

    ui.main._qt_message(QtMsgType.QtWarningMsg, Context(), "QPdfView: 页面无法渲染")
    ui.main._qt_message(QtMsgType.QtDebugMsg, Context(), "noise")
    text = (log_folder / "counter-desk.log").read_text(encoding="utf-8")
    assert "WARNING qt [MainThread]: QPdfView: 页面无法渲染 (qpdfview.cpp:42)" in text and "noise" not in text
