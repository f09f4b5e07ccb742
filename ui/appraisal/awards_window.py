"""评优: the quarter's 红旗窗口 on the five indicators (办件, 纪律, 服务, 投诉, 出勤, from this PC's data of the
quarter) and the year's 先进个人 / 先进窗口 from the published months (which months are not published yet
is said). Computed on a worker, never on the GUI thread."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.context import Actor
from ui.errors import show_error
from ui.ratings.common import fill_table, make_table

QUARTER_HEADERS = ("名次", "窗口", "部门", "办件", "纪律", "服务", "投诉", "出勤", "综合", "红旗窗口", "说明")
YEAR_PEOPLE = ("名次", "姓名", "部门", "窗口", "月均得分", "考核月数", "先进个人", "说明")
YEAR_WINDOWS = ("名次", "窗口", "部门", "月均得分", "考核月数", "先进窗口", "说明")
INDICATORS = ("cases", "discipline", "service", "complaints", "attendance")


class AwardsWindow(QWidget):
    def __init__(self, services: Any, runner: Any, staff: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("appraisalAwardsWindow")
        self.setWindowTitle(self.tr("评优：红旗窗口与年度先进"))
        self.services, self.runner = services, runner
        self.actor = Actor(staff.id, staff.name)
        self.quarter_result: Any = None
        self.year_result: Any = None
        today = services.ctx.today()
        self.year = QSpinBox()
        self.year.setObjectName("awardsYear")
        self.year.setRange(2000, 2100)
        self.year.setValue(today.year)
        self.quarter = QComboBox()
        self.quarter.setObjectName("awardsQuarter")
        for q in range(1, 5):
            self.quarter.addItem(self.tr("第{q}季度").format(q=q), q)
        self.quarter.setCurrentIndex((today.month - 1) // 3)
        self.refresh_button = QPushButton(self.tr("计算(&S)"))
        self.refresh_button.setDefault(True)
        self.refresh_button.clicked.connect(self.refresh)
        year_label, quarter_label = QLabel(self.tr("年度(&Y)")), QLabel(self.tr("季度(&Q)"))
        year_label.setBuddy(self.year)
        quarter_label.setBuddy(self.quarter)
        top = QHBoxLayout()
        for w in (year_label, self.year, quarter_label, self.quarter, self.refresh_button):
            top.addWidget(w)
        top.addStretch(1)
        self.quarter_table = make_table("redFlagTable", QUARTER_HEADERS, stretch=10)
        self.people_table = make_table("advancedPeopleTable", YEAR_PEOPLE, stretch=7)
        self.windows_table = make_table("advancedWindowsTable", YEAR_WINDOWS, stretch=6)
        self.year_note = QLabel()
        self.year_note.setWordWrap(True)
        year_page = QWidget()
        box = QVBoxLayout(year_page)
        box.addWidget(self.year_note)
        box.addWidget(QLabel(self.tr("先进个人")))
        box.addWidget(self.people_table, 2)
        box.addWidget(QLabel(self.tr("先进窗口")))
        box.addWidget(self.windows_table, 1)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.quarter_table, self.tr("季度红旗窗口(&F)"))
        self.tabs.addTab(year_page, self.tr("年度先进(&N)"))
        self.state = QLabel()
        self.state.setObjectName("awardsState")
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.state)
        self.resize(1100, 640)
        self.refresh()

    def refresh(self) -> None:
        ap, actor, year, quarter = self.services.appraisal, self.actor, self.year.value(), self.quarter.currentData()
        self.refresh_button.setEnabled(False)
        self.state.setText(self.tr("正在计算…"))

        def read() -> tuple[Any, Any]:
            return ap.quarter(actor, year, quarter), ap.year(actor, year)

        self.runner.run(read, self._on_loaded, self._on_failed, owner=self)

    def _on_loaded(self, result: tuple[Any, Any]) -> None:
        self.quarter_result, (self.year_result, missing) = result[0], result[1]
        q = self.quarter_result
        fill_table(self.quarter_table, [
            [str(w.rank), w.window.label, w.window.department_name,
             *(f"{w.indicators[k]:.1f}" for k in INDICATORS), f"{w.total:.1f}", "★ 红旗窗口" if w.red_flag else "",
             w.reason] for w in q.windows], right_from=3)
        y = self.year_result
        fill_table(self.people_table, [
            [str(p.rank), p.person.name, p.person.department_name, p.person.window_label, f"{p.mean:.1f}",
             str(p.months), "★ 先进个人" if p.advanced else "", p.reason] for p in y.people], right_from=4)
        fill_table(self.windows_table, [
            [str(w.rank), w.window.label, w.window.department_name, f"{w.mean:.1f}", str(w.months),
             "★ 先进窗口" if w.advanced else "", w.reason] for w in y.windows], right_from=3)
        months = "、".join(f"{m}月" for m in missing)
        self.year_note.setText(self.tr("{y}年度按已发布的月度考核评定。").format(y=y.year) + (
            self.tr("尚未发布：{m}。").format(m=months) if missing else ""))
        self.state.setText(self.tr("{y}年第{q}季度：按本机现有数据计算（计算于 {t:%Y-%m-%d %H:%M}）。").format(
            y=q.year, q=q.quarter, t=self.services.ctx.clock.now()))
        self.refresh_button.setEnabled(True)

    def _on_failed(self, exc: Exception) -> None:
        self.refresh_button.setEnabled(True)
        self.state.setText(self.tr("未能计算。"))
        show_error(self, exc)
