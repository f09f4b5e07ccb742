"""Art. 32 while the app runs: a received case whose notify limit passes at midnight becomes a
deemed acceptance without waiting for the next start. A timer looks at the date every minute; when
it has changed since the last run (and once at start) the lapsed cases are deemed on the writer."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QObject, QTimer, Signal

from app.services import Services
from ui.tasks import TaskRunner


class LapseWatcher(QObject):
    cases_deemed = Signal(list)  # ids of the cases deemed accepted

    def __init__(self, services: Services, runner: TaskRunner, parent: QObject | None = None,
                 interval_ms: int = 60_000) -> None:
        super().__init__(parent)
        self.services, self.runner = services, runner
        self.checked_on: dt.date | None = None
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.check)

    def start(self) -> None:
        self.check()
        self.timer.start()

    def check(self) -> None:
        """Deem the lapsed cases if the day is not the one last checked (cheap: a clock read)."""
        today = self.services.ctx.today()
        if today == self.checked_on:
            return
        self.checked_on = today
        self.runner.run(self.services.lifecycle.deem_lapsed, self._on_deemed, write=True, owner=self)

    def _on_deemed(self, ids: list[str]) -> None:
        if ids:
            self.cases_deemed.emit(ids)
