"""The 评价(&E) menu of the main window: 今日评价 (this window's counts of the day), 我的评价与申诉, then
the supervisor's and leadership's screens 差评整改 (with the number still open), 申诉复核 and 评价统计.
Entries the signed-in person may not use are greyed with a tooltip saying who may; permissions and the
count are read on a worker, never on the GUI thread. No entry records or changes a rating: ratings come
only from the applicant (the rating screen or the phone page)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QWidget

from app.context import Actor
from app.dto import StaffInfo
from app.services import Services
from ui.tasks import TaskRunner

log = logging.getLogger(__name__)

# (object name, caption, slot name, permission action or None when everyone may)
_ENTRIES: tuple[tuple[str, str, str, str | None], ...] = (
    ("ratingTodayAction", "今日评价(&T)…", "open_today", None),
    ("myRatingsAction", "我的评价与申诉(&M)…", "open_my_ratings", "rating.appeal"),
    ("", "", "", None),
    ("ratingFollowupsAction", "差评整改(&Z)…", "open_followups", "rating.view"),
    ("ratingAppealsAction", "申诉复核(&S)…", "open_appeals", "rating.appeal_decide"),
    ("ratingFiguresAction", "评价统计(&F)…", "open_figures", "rating.view"),
)
_TIPS = {
    "ratingTodayAction": "本窗口今天收到的评价件数（只显示件数）",
    "myRatingsAction": "查看本人收到的评价（办事人离开30分钟后显示），对恶意评价或误评提出申诉",
    "ratingFollowupsAction": "差评整改：核实、整改、回访、结案",
    "ratingAppealsAction": "复核工作人员对评价提出的申诉",
    "ratingFiguresAction": "按窗口、部门、事项或人员统计好评率、差评、整改按期率和回访率，可导出Excel",
}
FOLLOWUPS_CAPTION = "差评整改(&Z)"


class RatingsMenu(QObject):
    """Owns the menu's actions and one window of each kind. ``open_followups_changed`` carries the number
    of 差评 not yet closed (0 for those who may not see them)."""

    open_followups_changed = Signal(int)

    def __init__(self, services: Services, runner: TaskRunner, staff: StaffInfo, parent: QWidget) -> None:
        super().__init__(parent)
        self.services, self.runner, self.staff, self.parent_widget = services, runner, staff, parent
        self.actor = Actor(staff.id, staff.name)
        self.open_count = 0
        self.may_view = False
        self.menu = QMenu(self.tr("评价(&E)"), parent)
        self.menu.setObjectName("ratingsMenu")
        self.menu.setToolTipsVisible(True)
        self.actions: dict[str, QAction] = {}
        for name, caption, slot, _perm in _ENTRIES:
            if not name:
                self.menu.addSeparator()
                continue
            action = self.menu.addAction(self.tr(caption))
            action.setObjectName(name)
            action.setToolTip(self.tr(_TIPS[name]))
            action.triggered.connect(getattr(self, slot))
            parent.addAction(action)
            self.actions[name] = action
        self.windows: dict[str, QWidget] = {}
        self._check_permissions()

    # -- permissions and the count -------------------------------------------------------------------
    def _check_permissions(self) -> None:
        guarded = {name: perm for name, _c, _s, perm in _ENTRIES if name and perm}
        for name in guarded:
            self.actions[name].setEnabled(False)
        actor, permissions = self.actor, self.services.permissions
        wanted = sorted(set(guarded.values()))
        # here=True: a 首席代表 sees the ratings of the department of this PC's window
        self.runner.run(lambda: permissions.refusals(actor, wanted, here=True),
                        lambda refusals: self._on_permissions(guarded, refusals),
                        lambda exc: log.error("rating permissions not read: %s", exc), owner=self.menu)

    def _on_permissions(self, guarded: dict[str, str], refusals: dict[str, str | None]) -> None:
        for name, perm in guarded.items():
            reason = refusals.get(perm)
            action = self.actions[name]
            action.setEnabled(reason is None)
            action.setToolTip(reason or self.tr(_TIPS[name]))
        self.may_view = refusals.get("rating.view") is None
        self.refresh_count()

    def refresh_count(self) -> None:
        """Count the 差评 not yet closed, on a worker (after each sync and each step)."""
        if not self.may_view:
            return
        ratings, actor = self.services.ratings, self.actor
        self.runner.run(lambda: sum(1 for f in ratings.followups(actor) if f.status != "closed"),
                        self._on_counted, lambda exc: log.warning("差评整改 not counted: %s", exc), owner=self.menu)

    def _on_counted(self, count: int) -> None:
        self.open_count = count
        action = self.actions["ratingFollowupsAction"]
        action.setText(self.tr(FOLLOWUPS_CAPTION) + (f"（{count}）" if count else "") + "…")
        self.open_followups_changed.emit(count)

    def refresh_windows(self) -> None:
        """After a sync (ratings from the phone, steps from another PC): the count and the open lists."""
        self.refresh_count()
        for window in list(self.windows.values()):
            refresh = getattr(window, "refresh", None)
            if refresh is not None:
                refresh()

    # -- the entries ---------------------------------------------------------------------------------
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

    def open_today(self) -> QWidget:
        from ui.ratings.day_summary_dialog import DaySummaryDialog

        return self._single("today", lambda: DaySummaryDialog(self.services, self.runner, self.staff,
                                                              self.parent_widget))

    def open_my_ratings(self) -> QWidget:
        from ui.ratings.my_ratings_window import MyRatingsWindow

        return self._single("mine", lambda: MyRatingsWindow(self.services, self.runner, self.staff,
                                                            self.parent_widget))

    def open_followups(self) -> QWidget:
        from ui.ratings.followups_window import FollowupsWindow

        def make() -> QWidget:
            window = FollowupsWindow(self.services, self.runner, self.staff, self.parent_widget)
            window.changed.connect(self.refresh_count)
            return window

        return self._single("followups", make)

    def open_appeals(self) -> QWidget:
        from ui.ratings.appeals_window import AppealsWindow

        return self._single("appeals", lambda: AppealsWindow(self.services, self.runner, self.staff,
                                                             self.parent_widget))

    def open_figures(self) -> QWidget:
        from ui.ratings.figures_window import FiguresWindow

        return self._single("figures", lambda: FiguresWindow(self.services, self.runner, self.staff,
                                                             self.parent_widget))
