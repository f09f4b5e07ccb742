"""The 互评(&U) menu of the main window: 互评轮次 (the rounds with their turnout; the business section opens
and closes rounds there), 参加互评 (the ballot sheet of the open round) and 互评结果. Entries the signed-in
person may not use are greyed with a tooltip saying who may; permissions and rounds are read on a worker,
never on the GUI thread. Windows are opened lazily (each is its own module)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu, QWidget

from app.context import Actor
from app.dto import StaffInfo
from app.errors import DomainError
from app.services import Services
from ui.errors import show_error
from ui.tasks import TaskRunner

log = logging.getLogger(__name__)

# (object name, caption, shortcut, slot name, permission action or None when everyone may)
_ENTRIES: tuple[tuple[str, str, str, str, str | None], ...] = (
    ("peerRoundsAction", "互评轮次(&L)…", "", "open_rounds", None),
    ("peerVoteAction", "参加互评(&V)…", "", "open_ballot", "peer_evaluation.vote"),
    ("peerResultsAction", "互评结果(&R)…", "", "open_results", None),
)
_TIPS = {
    "peerRoundsAction": "查看互评轮次和参评情况；中心业务科在此开启和结束评议",
    "peerVoteAction": "对本组同事逐项打分（匿名，结束前可修改）",
    "peerResultsAction": "查看已结束轮次的互评结果（只显示平均分，票数不足的不显示）",
}
NO_OPEN_ROUND = "目前没有您可以参加的互评轮次。"


class PeerMenu(QObject):
    """Owns the 互评 menu's actions and the windows they open (one of each kind)."""

    voted = Signal(str)  # round id: the signed-in person's ballots were saved
    rounds_changed = Signal()  # a round was opened or closed here

    def __init__(self, services: Services, runner: TaskRunner, staff: StaffInfo, parent: QWidget) -> None:
        super().__init__(parent)
        self.services, self.runner, self.staff, self.window = services, runner, staff, parent
        self.actor = Actor(staff.id, staff.name)
        self.menu = QMenu(self.tr("互评(&U)"), parent)
        self.menu.setObjectName("peerMenu")
        self.menu.setToolTipsVisible(True)
        self.actions: dict[str, QAction] = {}
        for name, caption, key, slot, _perm in _ENTRIES:
            action = QAction(self.tr(caption), parent)
            action.setObjectName(name)
            action.setToolTip(self.tr(_TIPS[name]))
            if key:
                action.setShortcut(QKeySequence(key))
            action.triggered.connect(getattr(self, slot))
            self.menu.addAction(action)
            parent.addAction(action)
            self.actions[name] = action
        self.windows: dict[str, QWidget] = {}
        self._check_permissions()

    # -- permissions -----------------------------------------------------------------------------
    def _check_permissions(self) -> None:
        guarded = {name: perm for name, _c, _k, _s, perm in _ENTRIES if perm}
        for name in guarded:
            self.actions[name].setEnabled(False)
        actor, permissions = self.actor, self.services.permissions
        wanted = sorted(set(guarded.values()))
        self.runner.run(lambda: permissions.refusals(actor, wanted),
                        lambda refusals: self._on_permissions(guarded, refusals),
                        lambda exc: log.error("peer permissions not read: %s", exc), owner=self.menu)

    def _on_permissions(self, guarded: dict[str, str], refusals: dict[str, str | None]) -> None:
        for name, perm in guarded.items():
            reason = refusals.get(perm)
            action = self.actions[name]
            action.setEnabled(reason is None)
            action.setToolTip(reason or self.tr(_TIPS[name]))

    # -- the entries -----------------------------------------------------------------------------
    def _single(self, key: str, make: Callable[[], QWidget]) -> QWidget:
        """One window of each kind: a second use brings the open one forward."""
        existing = self.windows.get(key)
        try:
            if existing is not None and existing.isVisible():
                existing.raise_()
                existing.activateWindow()
                return existing
        except RuntimeError:  # deleted on close
            pass
        widget = make()
        widget.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.windows[key] = widget
        widget.destroyed.connect(lambda _o=None, k=key: self.windows.pop(k, None))
        widget.show()
        return widget

    def open_rounds(self) -> QWidget:
        from ui.peer.rounds_window import RoundsWindow

        def make() -> QWidget:
            window = RoundsWindow(self.services, self.runner, self.staff, self.window)
            window.ballot_requested.connect(self.open_ballot_for)
            window.results_requested.connect(self.open_results_for)
            window.changed.connect(self.rounds_changed)
            return window

        return self._single("rounds", make)

    def open_ballot(self) -> None:
        """The ballot of the round open to this person (the newest, when several are); none: said so."""
        peer, actor = self.services.peer, self.actor
        self.runner.run(lambda: peer.rounds(actor), self._on_rounds_for_ballot,
                        lambda exc: show_error(self.window, exc), owner=self.menu)

    def _on_rounds_for_ballot(self, rounds: list) -> None:  # list[RoundItem]
        open_to_me = [r for r in rounds if r.can_vote]
        if not open_to_me:
            show_error(self.window, DomainError(NO_OPEN_ROUND))
            return
        newest = max(open_to_me, key=lambda r: r.opened_at)
        self.open_ballot_for(newest.id)

    def open_ballot_for(self, round_id: str) -> QWidget:
        from ui.peer.ballot_dialog import BallotDialog

        def make() -> QWidget:
            dialog = BallotDialog(self.services, self.runner, self.staff, round_id, self.window)
            dialog.voted.connect(self._on_voted)
            return dialog

        key = "ballot:" + round_id
        return self._single(key, make)

    def _on_voted(self, receipt: object) -> None:  # VoteReceipt
        round_id = str(getattr(receipt, "round_id", ""))
        self.voted.emit(round_id)
        self.refresh_windows()

    def open_results(self) -> QWidget:
        return self.open_results_for("")

    def open_results_for(self, round_id: str) -> QWidget:
        from ui.peer.results_window import ResultsWindow

        window = self._single("results", lambda: ResultsWindow(self.services, self.runner, self.staff,
                                                               round_id or None, self.window))
        if round_id:
            window.choose_round(round_id)  # type: ignore[attr-defined]
        return window

    def refresh_windows(self) -> None:
        """After a sync (results and turnout may have arrived) or a vote: the open lists afresh."""
        for key in ("rounds", "results"):
            window = self.windows.get(key)
            if window is not None:
                window.refresh()  # type: ignore[attr-defined]
