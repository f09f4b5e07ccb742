"""今日评价: how many ratings of each level this PC's window received on a day, with the good rate —
counts only. The clerk never sees which applicant gave which level here: a single rating becomes
visible in 我的评价与申诉 only once the applicant has long left the window."""

from __future__ import annotations

from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QDateEdit, QDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from app.context import Actor
from ui.errors import show_error
from ui.ratings.common import fill_table, make_table, rate_text

HEADERS = ("评价", "件数")


class DaySummaryDialog(QDialog):
    def __init__(self, services, runner, staff, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services, self.runner, self.staff = services, runner, staff
        self.actor = Actor(staff.id, staff.name)
        self.summary = None  # DaySummary
        self.setObjectName("ratingDaySummaryDialog")
        self.setWindowTitle(self.tr("今日评价"))
        self.setMinimumWidth(420)
        today = services.ctx.today()
        self.day = QDateEdit(QDate(today.year, today.month, today.day))
        self.day.setObjectName("ratingDay")
        self.day.setDisplayFormat("yyyy-MM-dd")
        self.day.setCalendarPopup(True)
        self.day.setMaximumDate(QDate(today.year, today.month, today.day))
        self.day.dateChanged.connect(lambda _d: self.refresh())
        day_label = QLabel(self.tr("日期(&D)"))
        day_label.setBuddy(self.day)
        self.title = QLabel()
        self.title.setObjectName("ratingDayTitle")
        self.title.setStyleSheet("font-size: 15px; font-weight: bold;")
        self.table = make_table("ratingDayTable", HEADERS, 0)
        self.table.setMinimumHeight(230)
        self.total = QLabel()
        self.total.setObjectName("ratingDayTotal")
        note = QLabel(self.tr("此处只显示件数。每条评价在办事人离开30分钟后，可在“我的评价与申诉”中查看。"))
        note.setWordWrap(True)
        note.setStyleSheet("color: #555555;")
        refresh = QPushButton(self.tr("刷新(&R)"))
        refresh.clicked.connect(self.refresh)
        close = QPushButton(self.tr("关闭"))
        close.clicked.connect(self.close)
        top = QHBoxLayout()
        top.addWidget(day_label)
        top.addWidget(self.day)
        top.addStretch(1)
        top.addWidget(refresh)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.title)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.total)
        layout.addWidget(note)
        bottom = QHBoxLayout()
        bottom.addStretch(1)
        bottom.addWidget(close)
        layout.addLayout(bottom)
        QShortcut(QKeySequence(Qt.Key.Key_F5), self, self.refresh)
        self.refresh()

    def refresh(self) -> None:
        date = self.day.date()
        day = date.toPython()
        ratings, actor = self.services.ratings, self.actor
        self.runner.run(lambda: ratings.day_summary(actor, day), self._on_loaded, self._on_failed, owner=self)

    def _on_loaded(self, summary) -> None:
        self.summary = summary
        self.title.setText(self.tr("{window}　{day}").format(window=summary.window_label or self.tr("本机"),
                                                             day=summary.day.isoformat()))
        fill_table(self.table, [[label, str(n)] for label, n in summary.counts.items()], right_from=1)
        self.total.setText(self.tr("已评价 {rated} 件，好评率 {rate}").format(rated=summary.rated,
                                                                        rate=rate_text(summary.good_rate)))

    def _on_failed(self, exc: Exception) -> None:
        self.total.setText(self.tr("未能读取评价。"))
        show_error(self, exc)
