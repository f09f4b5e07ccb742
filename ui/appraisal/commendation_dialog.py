"""登记表扬信/锦旗 (supervisors and the business section): a 表扬信 or a 锦旗 for a person or a window, the
day it was received (not after today) and a note; it counts as a bonus in that month's appraisal. The
people and windows to choose from are this month's draft, read on a worker."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QDate
from PySide6.QtWidgets import QComboBox, QDateEdit, QLineEdit, QWidget

from app.appraisal.model import COMMENDATION_LABELS
from app.context import Actor
from ui.appraisal.common import AppraisalFormDialog, TargetChooser


class CommendationDialog(AppraisalFormDialog):
    def __init__(self, services, runner, staff, parent: QWidget | None = None) -> None:
        super().__init__(runner, "登记表扬信、锦旗", "commendationDialog", parent, ok_text="登记(&O)")
        self.services, self.staff = services, staff
        self.actor = Actor(staff.id, staff.name)
        today = services.ctx.today()
        self.set_intro(self.tr("办事群众送来的表扬信、锦旗，登记后计入收到当月的考核加分。"))
        self.kind = QComboBox()
        self.kind.setObjectName("commendationKind")
        for code, label in COMMENDATION_LABELS.items():
            self.kind.addItem(self.tr(label), code)
        self.add_row("类别(&K)", self.kind, ("kind",))
        self.target = TargetChooser("commendationTarget")
        self.target.addItem(self.tr("正在读取人员和窗口…"), None)
        self.add_row("对象(&T)", self.target, ("staff_id", "window_id"))
        self.day = QDateEdit(QDate(today.year, today.month, today.day))
        self.day.setObjectName("commendationDay")
        self.day.setDisplayFormat("yyyy-MM-dd")
        self.day.setCalendarPopup(True)
        self.day.setMaximumDate(QDate(today.year, today.month, today.day))
        self.add_row("收到日期(&D)", self.day, ("day",))
        self.note = QLineEdit()
        self.note.setObjectName("commendationNote")
        self.note.setMaxLength(500)
        self.note.setPlaceholderText(self.tr("如：办事群众赠送锦旗“热情服务 高效便民”"))
        self.add_row("说明(&N)", self.note, ("note",))
        self.ok_button.setEnabled(False)  # until the people are in
        ap, actor = services.appraisal, self.actor
        self.runner.run(lambda: ap.month_view(actor, today.year, today.month), self._on_targets,
                        self._on_targets_failed, owner=self)
        self.kind.setFocus()

    def _on_targets(self, view: Any) -> None:  # AppraisalView
        self.target.set_targets(view.draft.people, view.draft.windows)
        self.ok_button.setEnabled(True)

    def _on_targets_failed(self, exc: Exception) -> None:
        self.target.clear()
        self.target.addItem(self.tr("（未能读取人员和窗口）"), None)
        self._on_failed(exc)  # said in the dialog; OK is back: the service will say what is missing

    def call(self) -> Callable[[], Any]:
        staff_id, window_id = self.target.target()
        kind, note = self.kind.currentData(), self.note.text()
        d = self.day.date()
        day = dt.date(d.year(), d.month(), d.day())
        ap, actor = self.services.appraisal, self.actor
        return lambda: ap.record_commendation(actor, kind, staff_id=staff_id, window_id=window_id, day=day,
                                              note=note)
