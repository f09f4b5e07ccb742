"""The task runner: the GUI thread hands work to pools and gets plain data back.

Two pools:
- reads and (later) network: a few threads, since WAL lets readers run beside the writer;
- database writes: ONE thread, because SQLite has a single writer and serialising the
  clerk's actions here avoids busy-waiting on the write lock.
Callbacks run on the GUI thread (the runner lives there; signals are queued to it).
"""

from __future__ import annotations

import itertools
import logging
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot
from shiboken6 import isValid

log = logging.getLogger(__name__)


class _Job(QRunnable):
    def __init__(self, runner: TaskRunner, job_id: int, fn: Callable[[], Any]) -> None:
        super().__init__()
        self.runner, self.job_id, self.fn = runner, job_id, fn

    def run(self) -> None:
        try:
            result = self.fn()
        except Exception as exc:
            exc.__traceback_text__ = traceback.format_exc()  # type: ignore[attr-defined]
            self.runner._finished.emit(self.job_id, False, exc)
        else:
            self.runner._finished.emit(self.job_id, True, result)


class TaskRunner(QObject):
    _finished = Signal(int, bool, object)
    busy_changed = Signal(int)  # number of jobs under way
    write_committed = Signal()  # a database write finished without error (sync may have work)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.read_pool = QThreadPool(self)
        self.read_pool.setMaxThreadCount(4)
        self.write_pool = QThreadPool(self)
        self.write_pool.setMaxThreadCount(1)  # single writer: see module docstring
        self._ids = itertools.count(1)
        self._callbacks: dict[int, tuple[Callable[[Any], None] | None, Callable[[Exception], None] | None]] = {}
        self._owners: dict[int, QObject] = {}
        self._writes: set[int] = set()
        self._finished.connect(self._on_finished)
        self.default_error: Callable[[Exception], None] | None = None

    @property
    def pending(self) -> int:
        return len(self._callbacks)

    def run(
        self,
        fn: Callable[[], Any],
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[Exception], None] | None = None,
        *,
        write: bool = False,
        owner: QObject | None = None,
    ) -> int:
        """Run ``fn`` off the GUI thread; ``on_done(result)`` or ``on_error(exc)`` back on it.

        The callbacks are dropped when ``owner`` (by default the widget whose method ``on_done`` is)
        has been deleted by the time the job ends: a window closed while its query was running. The
        job itself still runs to the end, so a write is never cut short."""
        job_id = next(self._ids)
        self._callbacks[job_id] = (on_done, on_error)
        if owner is None:
            owner = _owner_of(on_done) or _owner_of(on_error)
        if owner is not None:
            self._owners[job_id] = owner
        if write:
            self._writes.add(job_id)
        pool = self.write_pool if write else self.read_pool
        pool.start(_Job(self, job_id, fn))
        self.busy_changed.emit(self.pending)
        return job_id

    @Slot(int, bool, object)
    def _on_finished(self, job_id: int, ok: bool, value: object) -> None:
        on_done, on_error = self._callbacks.pop(job_id, (None, None))
        wrote = job_id in self._writes
        self._writes.discard(job_id)
        owner = self._owners.pop(job_id, None)
        self.busy_changed.emit(self.pending)
        if owner is not None and not isValid(owner):  # its window is gone: nothing to show it in
            on_done, on_error = None, _log_closed_window_failure
        if ok:
            if on_done is not None:
                on_done(value)
            if wrote:
                self.write_committed.emit()
            return
        assert isinstance(value, Exception)
        handler = on_error or self.default_error
        if handler is not None:
            handler(value)
        else:
            log.error("unhandled task error: %s", getattr(value, "__traceback_text__", value))

    def wait_all(self, msecs: int = 30000) -> None:
        """For shutdown: let queued writes finish before the database is closed."""
        self.write_pool.waitForDone(msecs)
        self.read_pool.waitForDone(msecs)


def _log_closed_window_failure(exc: Exception) -> None:
    log.warning("task of a closed window failed: %s", getattr(exc, "__traceback_text__", exc))


def _owner_of(callback: Callable[..., Any] | None) -> QObject | None:
    target = getattr(callback, "__self__", None)
    return target if isinstance(target, QObject) else None
