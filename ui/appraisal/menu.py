"""The 考核(&A) menu of the main window: 月度考核 (everyone: a clerk sees their own month and its facts, a
首席代表 their department, the business section, leadership and supervisors the whole hall), 考核评分规则
(the business section) and 登记表扬信/锦旗 (supervisors, the business section). Entries the signed-in
person may not use are greyed with a tooltip saying who may; permissions are read on a worker, never on
the GUI thread. ``open_case`` carries the case a fact of the month window leads to."""

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
    ("appraisalMonthAction", "月度考核(&M)…", "open_month", None),
    ("appraisalRulesAction", "考核评分规则(&R)…", "open_rules", "appraisal.rules"),
    ("commendationAction", "登记表扬信/锦旗(&C)…", "open_commendation", "commendation.record"),
    ("appraisalAwardsAction", "评优(&W)…", "open_awards", "appraisal.view"),
)
_TIPS = {
    "appraisalMonthAction": "每月量化考核：得分、等次和每一分的依据；草稿实时计算，月份结束后由中心业务科发布",
    "appraisalRulesAction": "各项加减分分值、基础分和封顶分、等次分数线、优秀比例等（改动生成新版本）",
    "commendationAction": "登记办事群众送来的表扬信、锦旗，计入当月考核加分",
    "appraisalAwardsAction": "季度红旗窗口（办件、纪律、服务、投诉、出勤五项指标）和年度先进个人、先进窗口",
}


class AppraisalMenu(QObject):
    """Owns the menu's actions and one window of each kind."""

    open_case = Signal(str)  # case id, from a fact of the month window
    changed = Signal()  # something of the appraisal was written here (rules, commendation, an item ...)

    def __init__(self, services: Services, runner: TaskRunner, staff: StaffInfo, parent: QWidget) -> None:
        super().__init__(parent)
        self.services, self.runner, self.staff, self.parent_widget = services, runner, staff, parent
        self.actor = Actor(staff.id, staff.name)
        self.menu = QMenu(self.tr("考核(&A)"), parent)
        self.menu.setObjectName("appraisalMenu")
        self.menu.setToolTipsVisible(True)
        self.actions: dict[str, QAction] = {}
        for name, caption, slot, _perm in _ENTRIES:
            action = self.menu.addAction(self.tr(caption))
            action.setObjectName(name)
            action.setToolTip(self.tr(_TIPS[name]))
            action.triggered.connect(getattr(self, slot))
            parent.addAction(action)
            self.actions[name] = action
        self.windows: dict[str, QWidget] = {}
        self._check_permissions()

    # -- permissions -----------------------------------------------------------------------------------
    def _check_permissions(self) -> None:
        guarded = {name: perm for name, _c, _s, perm in _ENTRIES if perm}
        for name in guarded:
            self.actions[name].setEnabled(False)
        actor, permissions = self.actor, self.services.permissions
        wanted = sorted(set(guarded.values()))
        self.runner.run(lambda: permissions.refusals(actor, wanted),
                        lambda refusals: self._on_permissions(guarded, refusals),
                        lambda exc: log.error("appraisal permissions not read: %s", exc), owner=self.menu)

    def _on_permissions(self, guarded: dict[str, str], refusals: dict[str, str | None]) -> None:
        for name, perm in guarded.items():
            reason = refusals.get(perm)
            action = self.actions[name]
            action.setEnabled(reason is None)
            action.setToolTip(reason or self.tr(_TIPS[name]))

    def refresh_windows(self) -> None:
        """After a sync (a published month, items decided on another PC): the open month afresh."""
        window = self.windows.get("month")
        if window is not None:
            window.refresh()  # type: ignore[attr-defined]

    # -- the entries -----------------------------------------------------------------------------------
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

    def _on_written(self) -> None:
        self.refresh_windows()
        self.changed.emit()

    def open_month(self) -> QWidget:
        from ui.appraisal.month_window import AppraisalMonthWindow

        def make() -> QWidget:
            window = AppraisalMonthWindow(self.services, self.runner, self.staff, self.parent_widget)
            window.open_case.connect(self.open_case)
            window.changed.connect(self.changed)
            return window

        return self._single("month", make)

    def open_rules(self) -> QWidget:
        from ui.appraisal.rules_dialog import RulesDialog

        def make() -> QWidget:
            dialog = RulesDialog(self.services, self.runner, self.staff, self.parent_widget)
            dialog.saved.connect(lambda _v: self._on_written())
            return dialog

        return self._single("rules", make)

    def open_commendation(self) -> QWidget:
        from ui.appraisal.commendation_dialog import CommendationDialog

        def make() -> QWidget:
            dialog = CommendationDialog(self.services, self.runner, self.staff, self.parent_widget)
            dialog.saved.connect(lambda _v: self._on_written())
            return dialog

        return self._single("commendation", make)

    def open_awards(self) -> QWidget:
        from ui.appraisal.awards_window import AwardsWindow

        return self._single("awards", lambda: AwardsWindow(self.services, self.runner, self.staff, self.parent_widget))
