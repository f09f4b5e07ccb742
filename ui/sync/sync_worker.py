"""Keeps this counter in sync with the central server, off the GUI thread.

A cycle (``services.sync.sync_once``: push, then pull) runs on the worker's own one-thread pool:
two cycles at once would push the same operations twice in parallel. Cycles are asked for at
start, after every committed action, and on a timer: soon again while work is pending, on a
capped exponential backoff with jitter after a failure (which also notices when the network
comes back), and every ``poll_seconds`` otherwise to bring in other counters' cases. A refused
device (revoked, credential invalid) is not retried until it is enrolled again.

Standalone (no server address, or not enrolled): no network at all, only the status is shown.
"""

from __future__ import annotations

import logging
import threading

from PySide6.QtCore import QObject, QTimer, Signal

from app.services import Services
from ui.tasks import TaskRunner

log = logging.getLogger(__name__)
AGAIN_SOON_MS = 2_000


class SyncWorker(QObject):
    status_changed = Signal(object)  # SyncStatus
    synced = Signal(object)  # SyncReport of a cycle that changed something

    def __init__(self, services: Services, parent: QObject | None = None, *, poll_seconds: float = 60.0) -> None:
        super().__init__(parent)
        self.services = services
        self.runner = TaskRunner(self)  # its write pool is the one sync thread (see module docstring)
        self.poll_ms = int(poll_seconds * 1000)
        self.attempt = 0
        self.refused = False
        self.running = False
        self._again = False
        self._cancel = threading.Event()
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self.request)
        self.status = None

    def start(self) -> None:
        self.request()

    def request(self) -> None:
        """Ask for a cycle now (one already running is followed by another)."""
        if self.refused:
            self.refresh_status()
            return
        if self.running:
            self._again = True
            return
        self.timer.stop()
        self.running, self._again = True, False
        self._cancel.clear()
        self.runner.run(self._cycle, self._on_cycle_done, self._on_cycle_failed, write=True)

    def _cycle(self):
        """On the sync thread: a cycle when a server is configured and this PC enrolled."""
        sync = self.services.sync
        if not self.services.machine_settings().server_url or not sync.is_enrolled():
            return None, sync.status()
        return sync.sync_once(self._cancel), sync.status()

    def _on_cycle_done(self, result) -> None:
        report, status = result
        self.running, self.attempt = False, 0
        self._publish(status)
        if report is None:  # standalone: nothing to repeat until the settings change
            return
        if report.applied or report.pulled or report.conflicts or report.rejected:
            self.synced.emit(report)
        self._next(AGAIN_SOON_MS if self._again or report.pending_after else self.poll_ms)

    def _on_cycle_failed(self, exc: Exception) -> None:
        from app.sync.client import SyncRefused, retry_delay

        self.running = False
        self.refused = isinstance(exc, SyncRefused)
        log.warning("sync failed: %s", getattr(exc, "message", exc))
        self.refresh_status()
        if not self.refused:
            self.attempt += 1
            self._next(int(retry_delay(self.attempt) * 1000))

    def _next(self, delay_ms: int) -> None:
        if self._again:
            self.request()
        else:
            self.timer.start(max(100, delay_ms))

    def refresh_status(self) -> None:
        self.runner.run(self.services.sync.status, self._publish, lambda exc: log.warning("sync status: %s", exc))

    def _publish(self, status) -> None:
        self.status = status
        self.status_changed.emit(status)

    def settings_changed(self) -> None:
        """Server address or enrolment changed: start afresh."""
        self.refused, self.attempt = False, 0
        self.start()

    def stop(self, msecs: int = 15_000) -> None:
        self.timer.stop()
        self._cancel.set()
        self.runner.wait_all(msecs)
