"""我的评价与申诉: the ratings the signed-in person received (each only once it is 30 minutes old, so
the applicant has left the window), the last 90 days, with 申诉 for a rating that may be appealed;
and the person's appeals with their outcome. Lists are read on a worker."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QTabWidget, QVBoxLayout, QWidget

from app.context import Actor
from ui.errors import show_error
from ui.ratings.appeal_dialog import AppealDialog
from ui.ratings.common import (
    APPEAL_COLOURS,
    RED,
    at_text,
    fill_table,
    level_text,
    make_table,
    reasons_text,
    selected_row,
)

RATING_HEADERS = ("评价时间", "办件编号", "事项", "评价", "原因", "评价意见", "渠道", "申诉")
APPEAL_HEADERS = ("申诉时间", "办件编号", "事项", "评价", "申诉类别", "申诉理由", "状态", "复核意见")
RATING_LEVEL, APPEAL_STATE = 3, 6


class MyRatingsWindow(QWidget):
    changed = Signal()  # an appeal was made

    def __init__(self, services, runner, staff, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.services, self.runner, self.staff = services, runner, staff
        self.actor = Actor(staff.id, staff.name)
        self.ratings: list = []  # RatingItem
        self.appeals: list = []  # AppealItem
        self.dialog: AppealDialog | None = None
        self.setObjectName("myRatingsWindow")
        self.setWindowTitle(self.tr("我的评价与申诉 — ") + staff.name)
        self.resize(1100, 520)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("myRatingsTabs")
        self.tabs.addTab(self._ratings_tab(), self.tr("我的评价(&V)"))
        self.tabs.addTab(self._appeals_tab(), self.tr("我的申诉(&A)"))
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self.close)
        QShortcut(QKeySequence(Qt.Key.Key_F5), self, self.refresh)
        self.refresh()

    def _ratings_tab(self) -> QWidget:
        tab = QWidget()
        self.table = make_table("myRatingsTable", RATING_HEADERS, 5)
        self.table.itemSelectionChanged.connect(self._on_selected)
        self.table.activated.connect(lambda _i: self.open_appeal())
        self.summary = QLabel()
        self.summary.setObjectName("myRatingsSummary")
        self.appeal_button = QPushButton(self.tr("申诉(&S)…"))
        self.appeal_button.setObjectName("appealRating")
        self.appeal_button.setEnabled(False)
        self.appeal_button.clicked.connect(self.open_appeal)
        refresh = QPushButton(self.tr("刷新(&R)"))
        refresh.clicked.connect(self.refresh)
        row = QHBoxLayout()
        row.addWidget(self.summary, 1)
        row.addWidget(refresh)
        row.addWidget(self.appeal_button)
        layout = QVBoxLayout(tab)
        layout.addWidget(self.table, 1)
        layout.addLayout(row)
        return tab

    def _appeals_tab(self) -> QWidget:
        tab = QWidget()
        self.appeal_table = make_table("myAppealsTable", APPEAL_HEADERS, 5)
        self.appeal_summary = QLabel()
        self.appeal_summary.setObjectName("myAppealsSummary")
        layout = QVBoxLayout(tab)
        layout.addWidget(self.appeal_table, 1)
        layout.addWidget(self.appeal_summary)
        return tab

    # -- loading -------------------------------------------------------------------------------------
    def refresh(self) -> None:
        ratings, actor = self.services.ratings, self.actor
        self.runner.run(lambda: ratings.my_ratings(actor), self._on_ratings, self._on_failed, owner=self)
        self.runner.run(lambda: ratings.appeals(actor, None), self._on_appeals, self._on_failed, owner=self)

    def _on_failed(self, exc: Exception) -> None:
        show_error(self, exc)

    def _on_ratings(self, items: list) -> None:
        self.ratings = list(items)
        rows = [[at_text(i.rated_at), i.case_number, i.matter_name, level_text(i), reasons_text(i), i.comment,
                 i.channel_label, i.appeal_status_label] for i in self.ratings]
        colours = {(r, RATING_LEVEL): RED for r, i in enumerate(self.ratings) if i.level in (1, 2) and i.counts}
        fill_table(self.table, rows, foregrounds=colours)
        self.summary.setText(self.tr("近90天共 {n} 条评价（办事人离开30分钟后显示）").format(n=len(self.ratings))
                             if self.ratings else self.tr("近90天暂无评价（每条评价在办事人离开30分钟后显示）"))
        self._on_selected()

    def _on_appeals(self, items: list) -> None:
        self.appeals = [a for a in items if a.staff_id == self.staff.id]  # a leader's list holds everyone's
        rows = [[at_text(a.appealed_at), a.rating.case_number, a.rating.matter_name, level_text(a.rating),
                 a.ground_label, a.reason, a.status_label, self._decision(a)] for a in self.appeals]
        colours = {(r, APPEAL_STATE): APPEAL_COLOURS.get(a.status, "#555555") for r, a in enumerate(self.appeals)}
        fill_table(self.appeal_table, rows, foregrounds=colours)
        self.appeal_summary.setText(self.tr("共 {n} 项申诉").format(n=len(self.appeals)) if self.appeals
                                    else self.tr("暂无申诉"))

    @staticmethod
    def _decision(appeal) -> str:
        if not appeal.decided_by_name:
            return ""
        note = f"：{appeal.decision_note}" if appeal.decision_note else ""
        return f"{appeal.decided_by_name}{note}"

    # -- appealing -----------------------------------------------------------------------------------
    def selected(self):  # -> RatingItem | None
        row = selected_row(self.table, len(self.ratings))
        return None if row is None else self.ratings[row]

    def _on_selected(self) -> None:
        item = self.selected()
        self.appeal_button.setEnabled(item is not None and item.can_appeal)
        self.appeal_button.setToolTip(self._appeal_tip(item))

    def _appeal_tip(self, item) -> str:
        if item is None or item.can_appeal:
            return self.tr("认为该评价属恶意评价或误评时，提出申诉")
        if item.appeal_status:
            return self.tr("该评价已提出申诉，每条评价只能申诉一次")
        if item.level is None:
            return self.tr("未评价的记录不能申诉")
        return self.tr("该评价不能申诉")

    def open_appeal(self) -> AppealDialog | None:
        item = self.selected()
        if item is None or not item.can_appeal:
            return None
        dialog = AppealDialog(self.services, self.runner, self.staff, item, self)
        dialog.appealed.connect(self._on_appealed)
        dialog.open()
        self.dialog = dialog
        return dialog

    def _on_appealed(self, _item) -> None:
        self.refresh()
        self.changed.emit()
