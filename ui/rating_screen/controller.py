"""The rating screen's controller: between the clerk's screens and the applicant's monitor.

The clerk's screens only ever *invite* a rating (a 办结 or 出件 went through): ``invite()`` asks the
booth on a read worker what to ask about, shows it on the applicant's screen, and from then on only
what the applicant touches there decides. The controller records (on the write pool, never on the
GUI thread) the level chosen, or 未评价 when the hall's time-out passes untouched; no public method
records anything, and ``state_changed`` tells the clerk only *that* a rating was given, never which.

Invitations arriving while the applicant is still rating wait their turn. With no rating screen
(machine setting ``rating_screen`` empty, or that monitor not connected) invitations are dropped
and the state says so: the papers then carry the rating QR code (扫码评价).
"""

from __future__ import annotations

import logging
from collections import deque
from typing import Any

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtGui import QGuiApplication, QScreen
from PySide6.QtWidgets import QWidget

from app.context import AppContext
from app.errors import InvalidInput
from app.machine_settings import MachineSettingsStore
from app.ratings.booth import AlreadyRated, RatingBooth, RatingPrompt, RatingReceipt
from app.ratings.policy import TRIGGERS
from ui.errors import show_error
from ui.rating_screen.screen_window import RatingScreen
from ui.rating_screen.screens import applicant_screen
from ui.tasks import TaskRunner

log = logging.getLogger(__name__)
IDLE = "评价器：空闲"
ASKING = "评价器：请办事人评价"
RATED = "评价器：已评价"
TIMED_OUT = "评价器：未评价（超时）"
NOT_SAVED = "评价器：评价未能保存"
ABSENT = "未接评价器（文书印有评价二维码）"
THANKS_MS = 5000  # the thank-you stays this long, then the idle screen
APPLICANT_FIELDS = {"level", "reasons", "comment", "phone"}  # refusals the applicant can mend on the screen
OPTIONAL_TRIGGERS = {"enquiry": "rating.after_enquiry", "receipt": "rating.after_receipt"}  # hall options


class RatingScreenController(QObject):
    state_changed = Signal(str)

    def __init__(self, ctx: AppContext, runner: TaskRunner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self._booth = RatingBooth(ctx)
        self._machine = MachineSettingsStore(ctx.db.path.parent)
        self._clerk = parent if isinstance(parent, QWidget) else None
        self._window = RatingScreen(self._clerk)
        self._window.level_chosen.connect(self._on_window_level_chosen)
        self._window.reasons_submitted.connect(self._on_window_reasons_submitted)
        self._window.touched.connect(self._on_window_touched)
        self._name = ""
        self._hall = ""
        self._state = ""
        self._queue: deque[tuple[str, str, str | None]] = deque()
        self._loading = False  # a prompt is being read
        self._prompt: RatingPrompt | None = None  # what the applicant is asked now
        self._saving = False
        self._left = 0  # seconds until the time-out
        self._tick = QTimer(self)
        self._tick.setInterval(1000)
        self._tick.timeout.connect(self._on_tick_timeout)
        self._thanks = QTimer(self)
        self._thanks.setSingleShot(True)
        self._thanks.setInterval(THANKS_MS)
        self._thanks.timeout.connect(self._on_thanks_timeout)
        if self._clerk is not None:
            self._clerk.installEventFilter(self)  # the clerk's window closed (log out, quit): so is this
        QGuiApplication.instance().screenAdded.connect(self._on_screens_changed)
        QGuiApplication.instance().screenRemoved.connect(self._on_screens_changed)
        runner.run(self._read_setup, self._on_setup_read, self._on_setup_failed, owner=self)

    # -- public API: nothing here records anything ------------------------------------------------
    def invite(self, case_id: str, trigger: str, staff_id: str | None) -> None:
        """A 办结/出件 (or, as the hall chose, an enquiry or a receipt) went through: ask the applicant,
        now or after the one rating now; ``staff_id`` is who did the step."""
        if trigger not in TRIGGERS:
            log.error("rating invitation with unknown trigger %r", trigger)
            return
        self._queue.append((case_id, trigger, staff_id))
        self._next()

    def available(self) -> bool:
        """A rating screen is set for this PC and connected (else the papers carry the QR code)."""
        return self._screen() is not None

    def screen_name(self) -> str:
        """The machine setting: the applicant's monitor's name ('' = none)."""
        return self._name

    def state(self) -> str:
        """The last state told through ``state_changed`` (for a status line built later)."""
        return self._state

    def reload_settings(self) -> None:
        """本机设置 was saved: read the rating screen's setting again (on a worker)."""
        self._runner.run(self._machine.load, lambda s: self._use_screen(s.rating_screen), self._on_setup_failed,
                         owner=self)

    # -- the screen -----------------------------------------------------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """The clerk's window hidden or closed by the program (not minimised): the applicant's screen
        goes dark with it, and comes back when the window is shown again."""
        if watched is self._clerk and not event.spontaneous():
            if event.type() == QEvent.Type.Hide:
                self._window.hide()
            elif event.type() == QEvent.Type.Show and self._state:
                QTimer.singleShot(0, self, lambda: self._use_screen(self._name))
        return False

    def _read_setup(self) -> tuple[str, str]:
        return self._machine.load().rating_screen, self._booth.hall_name()

    def _on_setup_read(self, setup: tuple[str, str]) -> None:
        name, self._hall = setup
        self._use_screen(name)

    def _on_setup_failed(self, exc: Exception) -> None:
        log.error("rating screen set-up failed: %s", getattr(exc, "__traceback_text__", exc))
        self._use_screen(self._name)

    def _screen(self) -> QScreen | None:
        clerk = self._clerk.screen() if self._clerk is not None and self._clerk.isVisible() else None
        return applicant_screen(self._name, clerk)

    def _on_screens_changed(self, _screen: QScreen) -> None:
        QTimer.singleShot(0, self, lambda: self._use_screen(self._name))  # once Qt has finished with the change

    def _use_screen(self, name: str) -> None:
        self._name = name
        screen = self._screen()
        if screen is None:
            self._window.hide()
            self._set_state(ABSENT)
            return
        self._window.place_on(screen)
        if self._prompt is None and not self._thanks.isActive():
            self._window.show_idle(self._hall, due=self._loading or bool(self._queue))
        if self._state in ("", ABSENT):
            self._set_state(IDLE)
        self._next()

    def _set_state(self, text: str) -> None:
        self._state = text
        self.state_changed.emit(text)

    # -- asking ---------------------------------------------------------------------------------
    def _next(self) -> None:
        """Read the next invitation's prompt, unless the applicant is busy with one."""
        if self._loading or self._prompt is not None or self._saving or self._thanks.isActive() or not self._queue:
            return
        case_id, trigger, staff_id = self._queue.popleft()
        if not self.available():
            self._queue.clear()
            self._set_state(ABSENT)
            return
        self._loading = True
        self._window.show_idle(self._hall, due=True)
        booth, ctx_parameters = self._booth, self._booth.ctx.parameters

        def read() -> RatingPrompt | None:
            option = OPTIONAL_TRIGGERS.get(trigger)
            if option is not None and ctx_parameters()[option] != "1":
                return None  # the hall does not ask after an enquiry / a receipt
            return booth.prompt(case_id, trigger, staff_id)

        self._runner.run(read, self._on_prompt_read, self._on_prompt_failed, owner=self)

    def _on_prompt_read(self, prompt: RatingPrompt | None) -> None:
        self._loading = False
        if prompt is None or not self.available():  # rated already (一次一评), or not asked here
            self._window.show_idle(self._hall)
            self._next()
            return
        self._prompt = prompt
        self._window.show_asking(prompt)
        self._restart_countdown()
        self._set_state(ASKING)

    def _on_prompt_failed(self, exc: Exception) -> None:
        """The step's case does not fit (a receipt of a case that was refused, say): nothing to ask."""
        self._loading = False
        log.warning("no rating asked: %s", getattr(exc, "message", None) or getattr(exc, "__traceback_text__", exc))
        self._window.show_idle(self._hall)
        self._next()

    def _restart_countdown(self) -> None:
        if self._prompt is None:
            return
        self._left = max(1, self._prompt.timeout_seconds)
        self._window.set_countdown(self._left)
        self._tick.start()

    def _on_window_touched(self) -> None:
        if not self._saving:
            self._restart_countdown()  # the applicant is still there

    def _on_tick_timeout(self) -> None:
        self._left -= 1
        self._window.set_countdown(self._left)
        if self._left <= 0:
            self._on_timed_out()

    # -- recording ------------------------------------------------------------------------------
    def _on_window_level_chosen(self, level: int) -> None:
        self._record(level, [], "", "")

    def _on_window_reasons_submitted(self, level: int, reasons: list[str], comment: str, phone: str) -> None:
        self._record(level, reasons, comment, phone)

    def _record(self, level: int, reasons: list[str], comment: str, phone: str) -> None:
        prompt = self._prompt
        if prompt is None or self._saving:
            return
        self._tick.stop()
        self._saving = True
        self._window.set_busy(True)
        booth, picked = self._booth, tuple(reasons)
        note = "中心督查将核实您反映的问题，并按您留的电话回访。" if phone.strip() else "中心督查将核实您反映的问题。"
        self._runner.run(lambda: booth.record(prompt, level, picked, comment, phone),
                         lambda receipt: self._on_recorded(receipt, note), self._on_record_failed,
                         write=True, owner=self)

    def _on_recorded(self, receipt: RatingReceipt, bad_note: str) -> None:
        self._saving = False
        self._thank(bad_note if receipt.bad else "祝您办事顺利！")
        self._set_state(RATED)

    def _on_record_failed(self, exc: Exception) -> None:
        self._saving = False
        if isinstance(exc, AlreadyRated):  # rated meanwhile by phone: one rating per case
            self._thank(exc.message)
            self._set_state(RATED)
        elif isinstance(exc, InvalidInput) and exc.field in APPLICANT_FIELDS:  # a phone too short, say
            self._window.show_problem(exc.message)
            self._restart_countdown()
        else:
            self._failed(exc)

    def _on_timed_out(self) -> None:
        prompt, self._prompt = self._prompt, None
        self._tick.stop()
        self._window.set_countdown(0)
        self._window.show_idle(self._hall)
        if prompt is None:
            return
        self._saving = True
        booth = self._booth
        self._runner.run(lambda: booth.record_unrated(prompt), self._on_unrated, self._on_unrated_failed,
                         write=True, owner=self)

    def _on_unrated(self, _result: Any) -> None:
        self._saving = False
        self._set_state(TIMED_OUT)
        self._next()

    def _on_unrated_failed(self, exc: Exception) -> None:
        self._saving = False
        self._failed(exc)

    def _failed(self, exc: Exception) -> None:
        """A write that failed for a reason the applicant cannot mend: the clerk is told, the
        applicant's screen goes back to the welcome, nothing was recorded."""
        self._prompt = None
        self._tick.stop()
        self._window.show_idle(self._hall)
        self._set_state(NOT_SAVED)
        show_error(self._clerk, exc, "评价未能保存")
        self._next()

    def _thank(self, note: str) -> None:
        self._prompt = None
        self._tick.stop()
        self._window.show_thanks(note)
        self._thanks.start()

    def _on_thanks_timeout(self) -> None:
        self._window.show_idle(self._hall, due=bool(self._queue))
        self._next()
