"""月度考核: a month's quantitative appraisal as the signed-in person may see it (the hall, a 首席代表's
department, or only oneself) — the draft computed now from this PC's data, or a published version.
People and windows in rank order with grade and reason; the selected one's facts below, each leading to
its record (a case opens in the case window: ``open_case``). The month's point items with their
approval, 表扬信/锦旗, the chiefs' comments; 调整得分, 批准提高优秀比例 and 发布 / 更正发布. Every button
the person may not use is greyed with the reason. Reads and writes run on the task runner."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.context import Actor
from ui.appraisal import month_tables as tables
from ui.appraisal.common import GREY, month_text
from ui.appraisal.fact_dialog import FactDialog
from ui.appraisal.month_actions import MonthActions
from ui.errors import show_error
from ui.ratings.common import fill_table, make_table, selected_row

LIVE = -1  # the view box's entry for the draft
# department-scoped actions: the view's ``may`` asks hall-wide, so a 首席代表 is also asked about this PC's window
HERE_ACTIONS = ("appraisal.comment", "appraisal.item_propose")


def last_month(today: dt.date) -> tuple[int, int]:
    first = today.replace(day=1) - dt.timedelta(days=1)
    return first.year, first.month


class AppraisalMonthWindow(QWidget):
    open_case = Signal(str)  # case id: the lead's case dialog shows it
    changed = Signal()  # something of the month was written here

    def __init__(self, services, runner, staff, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.services, self.runner, self.staff = services, runner, staff
        self.actor = Actor(staff.id, staff.name)
        self.view: Any = None  # AppraisalView
        self.exported: Path | None = None  # the last file written by 导出Excel
        self.rules: dict[str, Any] | None = None
        self.here: dict[str, str | None] = {}
        self._loading = 0
        self._pending = False  # a read is under way: the buttons wait for it
        self._want_version: int | None = None  # after publishing: show the new version
        self.setObjectName("appraisalMonthWindow")
        self.setWindowTitle(self.tr("月度考核"))
        self.resize(1360, 760)
        layout = QVBoxLayout(self)
        layout.addLayout(self._filters())
        self.title = QLabel()
        self.title.setObjectName("appraisalTitle")
        self.title.setStyleSheet("font-size: 16px; font-weight: bold;")
        self.header = QLabel()
        self.header.setObjectName("appraisalHeader")
        self.header.setWordWrap(True)
        self.tie_break = QLabel()
        self.tie_break.setObjectName("appraisalTieBreak")
        self.tie_break.setWordWrap(True)
        self.tie_break.setStyleSheet(f"color: {GREY};")
        for label in (self.title, self.header, self.tie_break):
            layout.addWidget(label)
        layout.addWidget(self._tabs(), 1)
        self.actions_ = MonthActions(self)
        layout.addLayout(self._bottom())
        QShortcut(QKeySequence(Qt.Modifier.CTRL | Qt.Key.Key_PageUp), self, activated=lambda: self.step(-1))
        QShortcut(QKeySequence(Qt.Modifier.CTRL | Qt.Key.Key_PageDown), self, activated=lambda: self.step(1))
        QShortcut(QKeySequence(Qt.Key.Key_F5), self, activated=self.refresh)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, activated=self.close)
        self.refresh()
        self.people.table.setFocus()

    # -- layout -----------------------------------------------------------------------------------------
    def _filters(self) -> QHBoxLayout:
        year, month = last_month(self.services.ctx.today())
        self.month = QDateEdit(QDate(year, month, 1))
        self.month.setObjectName("appraisalMonth")
        self.month.setDisplayFormat("yyyy年MM月")
        self.month.setToolTip(self.tr("Ctrl+PgUp 上个月，Ctrl+PgDn 下个月"))
        self.month.dateChanged.connect(lambda _d: self.refresh())
        self.version_box = QComboBox()
        self.version_box.setObjectName("appraisalVersion")
        self.version_box.setMinimumContentsLength(36)
        self.version_box.addItem(self.tr("草稿（实时计算）"), LIVE)
        self.version_box.activated.connect(lambda _i: self._show())
        self.refresh_button = QPushButton(self.tr("刷新(&R)"))
        self.refresh_button.setObjectName("appraisalRefresh")
        self.refresh_button.setToolTip(self.tr("按本机现有数据重新计算（F5）"))
        self.refresh_button.clicked.connect(self.refresh)
        row = QHBoxLayout()
        for text, widget in (("月份(&M)", self.month), ("显示(&V)", self.version_box)):
            label = QLabel(self.tr(text))
            label.setBuddy(widget)
            row.addWidget(label)
            row.addWidget(widget)
        row.addStretch(1)
        row.addWidget(self.refresh_button)
        return row

    def _tabs(self) -> QTabWidget:
        self.people = tables.ScoresPage("appraisalPeople", tables.PEOPLE_HEADERS, 9,
                                        key=lambda p: p.person.staff_id, whose=lambda p: p.person.name,
                                        capped=tables.PEOPLE_CAPPED)
        self.windows = tables.ScoresPage("appraisalWindows", tables.WINDOW_HEADERS, 6,
                                         key=lambda w: w.window.window_id, whose=lambda w: w.window.label,
                                         capped=tables.WINDOW_CAPPED)
        for page in (self.people, self.windows):
            page.fact_activated.connect(self._on_fact_activated)
        self.items_table = make_table("appraisalItems", tables.ITEM_HEADERS, 4)
        self.items_table.itemSelectionChanged.connect(self._update_buttons)
        self.commendations_table = make_table("appraisalCommendations", tables.COMMENDATION_HEADERS, 3)
        self.comments_table = make_table("appraisalComments", tables.COMMENT_HEADERS, 3)
        self.propose_button = self._button("提出加减分(&P)…", "appraisalPropose")
        self.approve_button = self._button("批准(&A)…", "appraisalApprove")
        self.refuse_button = self._button("不批准(&N)…", "appraisalRefuse")
        self.comment_button = self._button("提出意见(&Y)…", "appraisalComment")
        self.tabs = QTabWidget()
        self.tabs.setObjectName("appraisalTabs")
        self.tabs.addTab(self.people, self.tr("人员(&S)"))
        self.tabs.addTab(self.windows, self.tr("窗口(&W)"))
        self.tabs.addTab(self._page(self.items_table, self.propose_button, self.approve_button, self.refuse_button),
                         self.tr("加减分事项(&I)"))
        self.tabs.addTab(self._page(self.commendations_table), self.tr("表扬信/锦旗(&B)"))
        self.tabs.addTab(self._page(self.comments_table, self.comment_button), self.tr("意见(&O)"))
        self.tabs.currentChanged.connect(lambda _i: self._update_buttons())
        return self.tabs

    def _page(self, table: QWidget, *buttons: QPushButton) -> QWidget:
        page = QWidget()
        box = QVBoxLayout(page)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(table, 1)
        if buttons:
            row = QHBoxLayout()
            row.addStretch(1)
            for button in buttons:
                row.addWidget(button)
            box.addLayout(row)
        return page

    def _button(self, text: str, name: str) -> QPushButton:
        button = QPushButton(self.tr(text))
        button.setObjectName(name)
        button.setEnabled(False)
        return button

    def _bottom(self) -> QHBoxLayout:
        self.state = QLabel()
        self.state.setObjectName("appraisalState")
        self.state.setWordWrap(True)
        self.adjust_button = self._button("调整得分(&J)…", "appraisalAdjust")
        self.quota_button = self._button("批准提高优秀比例(&Q)…", "appraisalQuota")
        self.publish_button = self._button("发布(&F)…", "appraisalPublish")
        self.export_button = self._button("导出Excel(&E)…", "appraisalExport")
        self.export_button.setToolTip(self.tr("把所显示的考核（人员、窗口和每一分的依据）导出为 Excel"))
        self.export_button.clicked.connect(self._on_export_clicked)
        close = QPushButton(self.tr("关闭"))
        close.setObjectName("appraisalClose")
        close.clicked.connect(self.close)
        a = self.actions_
        for button, slot in ((self.propose_button, a.propose), (self.approve_button, lambda: a.decide(True)),
                             (self.refuse_button, lambda: a.decide(False)), (self.comment_button, a.comment),
                             (self.adjust_button, a.adjust), (self.quota_button, a.raise_quota),
                             (self.publish_button, a.publish)):
            button.clicked.connect(slot)
        row = QHBoxLayout()
        row.addWidget(self.state, 1)
        for button in (self.export_button, self.adjust_button, self.quota_button, self.publish_button, close):
            row.addWidget(button)
        return row

    # -- reading ------------------------------------------------------------------------------------------
    def period(self) -> tuple[int, int]:
        date = self.month.date()
        return date.year(), date.month()

    def step(self, months: int) -> None:
        self.month.setDate(self.month.date().addMonths(months))

    def refresh(self) -> None:
        ap, permissions, actor, (year, month) = self.services.appraisal, self.services.permissions, self.actor, \
            self.period()
        self._loading += 1
        seq = self._loading
        self._pending = True
        self.state.setText(self.tr("正在计算{m}的考核…").format(m=month_text(year, month)))
        self._update_buttons()

        def read() -> tuple[Any, dict[str, Any], dict[str, str | None]]:
            return (ap.month_view(actor, year, month), ap.rules()[0],
                    permissions.refusals(actor, HERE_ACTIONS, here=True))

        self.runner.run(read, lambda result: self._on_loaded(seq, result), lambda exc: self._on_failed(seq, exc),
                        owner=self)

    def _on_loaded(self, seq: int, result: tuple[Any, dict[str, Any], dict[str, str | None]]) -> None:
        if seq != self._loading:
            return  # another month was asked for meanwhile
        self._pending = False
        view, self.rules, self.here = result
        same_month = self.view is not None and (self.view.year, self.view.month) == (view.year, view.month)
        shown = self.shown_version() if same_month else None
        self.view = view
        wanted = self._want_version if self._want_version is not None else shown
        self._want_version = None
        self.version_box.clear()
        self.version_box.addItem(self.tr("草稿（实时计算）"), LIVE)
        for i, version in enumerate(view.versions):
            self.version_box.addItem(version.label, i)
            if version.version == wanted:
                self.version_box.setCurrentIndex(i + 1)
        own = view.own_only
        self.tabs.setTabVisible(1, not own)
        self.tabs.setTabVisible(4, not own)
        self._show()

    def _on_failed(self, seq: int, exc: Exception) -> None:
        if seq != self._loading:
            return
        self._pending = False
        self.view = None
        self.state.setText(self.tr("未能读取本月考核。"))
        self._update_buttons()
        show_error(self, exc)

    def shown_version(self) -> int | None:
        """The published version on screen; None for the draft."""
        choice = self.version_box.currentData()
        if self.view is None or choice is None or choice == LIVE:
            return None
        return self.view.versions[choice].version

    def shown(self) -> Any:
        """The MonthAppraisal on screen: the draft, or the published version chosen (None if unreadable)."""
        choice = self.version_box.currentData()
        if self.view is None:
            return None
        if choice is None or choice == LIVE:
            return self.view.draft
        return self.view.versions[choice].result

    # -- showing ------------------------------------------------------------------------------------------
    def _show(self) -> None:
        view, m = self.view, self.shown()
        if view is None:
            return
        self.title.setText(view.title)
        self.header.setText(tables.header_text(view, m) if m is not None else view.scope_label)
        self.tie_break.setText(self.tr("排名：") + m.tie_break if m is not None else "")
        self.state.setText(self._state_text())
        self._fill_scores(m)
        fill_table(self.items_table, [tables.item_cells(i) for i in view.items],
                   foregrounds=tables.status_colours(view.items))
        fill_table(self.commendations_table, [tables.commendation_cells(c) for c in view.commendations])
        fill_table(self.comments_table, [tables.comment_cells(c) for c in view.comments])
        self._update_buttons()

    def _state_text(self) -> str:
        view, choice = self.view, self.version_box.currentData()
        if choice is None or choice == LIVE:
            text = self.tr("当前显示：草稿，按本机现有数据实时计算（计算于 {at}）").format(
                at=view.made_at.strftime("%Y-%m-%d %H:%M"))
            if view.latest is not None:
                text += self.tr("；已发布第{v}版，草稿与发布版可能不同").format(v=view.latest.version)
            elif not view.month_over:
                text += self.tr("；本月尚未结束")
            return text + self.tr("。")
        version = view.versions[choice]
        text = self.tr("当前显示：已发布的{label}。发布的结果是正式记录，不再改变；如需修改，只能更正发布为新版本。") \
            .format(label=version.label)
        if version.result is None:
            text += self.tr("（本机未能读取该版内容，请同步后再看）")
        return text

    def _fill_scores(self, m: Any) -> None:
        people = list(m.people) if m is not None else []
        standouts = set(m.standouts) if m is not None else set()
        self.people.set_rows(people, [tables.person_cells(p, p.person.staff_id in standouts) for p in people],
                             grade_column=tables.PEOPLE_GRADE_COLUMN, grades=[p.grade for p in people],
                             bold=[p.person.staff_id in standouts for p in people], summary_of=tables.person_summary)
        names = {p.person.staff_id: p.person.name for p in people}
        windows = list(m.windows) if m is not None else []
        self.windows.set_rows(windows, [tables.window_cells(w) for w in windows],
                              grade_column=tables.WINDOW_GRADE_COLUMN,
                              grades=["excellent" if w.excellent else "" for w in windows],
                              bold=[w.excellent for w in windows],
                              summary_of=lambda w: tables.window_summary(w, names))

    # -- permissions --------------------------------------------------------------------------------------
    def refusal(self, action: str) -> str | None:
        """Why the signed-in person may not take ``action`` this month; None when they may."""
        if self.view is None or self._pending:
            return self.tr("正在读取…")
        reason = self.view.may.get(action, self.tr("正在读取…"))
        if reason is not None and action in self.here and self.here[action] is None:
            return None  # a 首席代表: allowed in their department (the service checks each person)
        return reason

    def selected_item(self) -> Any:
        if self.view is None:
            return None
        row = selected_row(self.items_table, len(self.view.items))
        return None if row is None else self.view.items[row]

    def _update_buttons(self) -> None:
        for button, (reason, hint) in self.actions_.button_states().items():
            button.setEnabled(reason is None)
            button.setToolTip(reason or hint)
        versions = self.view.versions if self.view is not None else ()
        self.export_button.setEnabled(self.view is not None and not self._pending and self.shown() is not None)
        self.publish_button.setText(self.tr("更正发布(&F)…") if versions else self.tr("发布(&F)…"))

    # -- export -------------------------------------------------------------------------------------------
    def _on_export_clicked(self) -> None:
        if self.view is None or self.shown() is None:
            return
        edition = self.shown_version()
        name = f"量化考核-{self.view.year}年{self.view.month}月-{f'第{edition}版' if edition else '草稿'}.xlsx"
        path, _ = QFileDialog.getSaveFileName(self, self.tr("导出考核结果"), str(Path.home() / name),
                                              self.tr("Excel 工作簿 (*.xlsx)"))
        if path:
            self.export_to(Path(path))

    def export_to(self, path: Path) -> None:
        """Write the month shown (draft or a published version) as .xlsx, on a worker."""
        from app.appraisal.export import month_xlsx

        view, m = self.view, self.shown()
        if view is None or m is None:
            return
        subtitle = f"{view.scope_label}　{self._state_text()}"

        def write() -> Path:
            path.write_bytes(month_xlsx(view.title, subtitle, m))
            return path

        self.state.setText(self.tr("正在导出…"))
        self.runner.run(write, self._on_exported, lambda exc: show_error(self, exc), owner=self)

    def _on_exported(self, path: Path) -> None:
        self.exported = path
        self.state.setText(self.tr("已导出：{path}").format(path=str(path)))

    # -- facts --------------------------------------------------------------------------------------------
    def _on_fact_activated(self, scored: Any, whose: str) -> None:
        if scored.fact.source_entity == "case":
            self.open_case.emit(scored.fact.source_id)
            return
        dialog = FactDialog(scored, whose, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    def after_write(self, version: int | None = None) -> None:
        """A dialog saved: compute again (showing ``version`` when one was published) and tell the menu."""
        self._want_version = version
        if version is None:
            self.version_box.setCurrentIndex(0)  # the change is in the draft
        self.refresh()
        self.changed.emit()
