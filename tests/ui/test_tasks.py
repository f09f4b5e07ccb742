"""The task runner drops the answers of jobs whose window is gone, without cutting the job short."""

from __future__ import annotations

import threading

from PySide6.QtWidgets import QLabel

from ui.status_bar import CounterStatusBar
from ui.tasks import TaskRunner


def test_answer_for_a_deleted_widget_is_dropped_but_the_write_counts(qtbot):
    runner = TaskRunner()
    gate, ran = threading.Event(), []
    label = QLabel()
    committed = []
    runner.write_committed.connect(lambda: committed.append(1))

    def job():
        gate.wait(10)
        ran.append(1)
        return "done"

    runner.run(job, label.setText, write=True)
    label.deleteLater()
    qtbot.waitUntil(lambda: not _alive(label))
    gate.set()
    qtbot.waitUntil(lambda: runner.pending == 0)
    assert ran == [1]
    assert committed == [1]  # the write happened: sync must still hear of it


def test_lambda_callbacks_follow_an_explicit_owner(qtbot):
    runner = TaskRunner()
    owner, seen = QLabel(), []
    gate = threading.Event()
    runner.run(lambda: gate.wait(10), lambda v: seen.append(v), owner=owner)
    owner.deleteLater()
    qtbot.waitUntil(lambda: not _alive(owner))
    gate.set()
    qtbot.waitUntil(lambda: runner.pending == 0)
    assert seen == []
    live, seen2 = QLabel(), []
    runner.run(lambda: 7, lambda v: seen2.append(v), owner=live)
    qtbot.waitUntil(lambda: runner.pending == 0)
    assert seen2 == [7]


def test_status_bar_closed_while_counting_pending_work(qtbot, services):
    """CI once failed here: the outbox count came back after the main window had been closed."""
    runner = TaskRunner()
    bar = CounterStatusBar(services, runner)
    gate = threading.Event()
    original = services.ledger.outbox_stats
    services.ledger.outbox_stats = lambda: (gate.wait(10), original())[1]
    try:
        bar.refresh()
        bar.deleteLater()
        qtbot.waitUntil(lambda: not _alive(bar))
        gate.set()
        qtbot.waitUntil(lambda: runner.pending == 0)
    finally:
        services.ledger.outbox_stats = original


def _alive(obj) -> bool:
    from shiboken6 import isValid
    return isValid(obj)
