"""互评结果: for a closed round, each person's number of ballots, the average per dimension and the
weighted score — only where the person has at least the round's minimum of ballots; below it the row
says 票数不足，不显示 and shows nothing else. Who sees whom is the service's rule (business section and
leadership all, a chief their department, everyone else themselves). The results are computed by the
server from the sealed ballots at the close and arrive with the next sync: until then the window says
so. Rounds and results are read on a worker."""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.context import Actor
from app.dto import StaffInfo
from app.services import Services
from ui.errors import show_error
from ui.peer.rounds_window import table
from ui.tasks import TaskRunner

log = logging.getLogger(__name__)

GREY, AMBER = "#555555", "#8a6d00"
NOT_SHOWN = "票数不足，不显示"
WAITING = "结果由中心计算，联网同步后显示"


def _cell(text: str, colour: str | None = None, centre: bool = True) -> QTableWidgetItem:
    cell = QTableWidgetItem(text)
    cell.setToolTip(text)
    if colour:
        cell.setForeground(QColor(colour))
    align = Qt.AlignmentFlag.AlignCenter if centre else Qt.AlignmentFlag.AlignRight
    cell.setTextAlignment(align | Qt.AlignmentFlag.AlignVCenter)
    return cell


class ResultsWindow(QWidget):
    def __init__(self, services: Services, runner: TaskRunner, staff: StaffInfo, round_id: str | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.services, self.runner, self.staff = services, runner, staff
        self.actor = Actor(staff.id, staff.name)
        self.rounds: list = []  # list[RoundItem]: the closed rounds, newest first
        self.results: list = []  # list[ResultItem] of the chosen round
        self._wanted = round_id
        self.setObjectName("peerResultsWindow")
        self.setWindowTitle(self.tr("互评结果 — ") + staff.hall_name)
        self.resize(980, 560)
        self.round_box = QComboBox()
        self.round_box.setObjectName("peerResultsRound")
        self.round_box.currentIndexChanged.connect(self._on_round_chosen)
        label = QLabel(self.tr("轮次(&L)"))
        label.setBuddy(self.round_box)
        refresh = QPushButton(self.tr("刷新(&R)"))
        refresh.setObjectName("refreshPeerResults")
        refresh.clicked.connect(self.refresh)
        top = QHBoxLayout()
        top.addWidget(label)
        top.addWidget(self.round_box, 1)
        top.addWidget(refresh)
        self.info = QLabel()
        self.info.setObjectName("peerResultsInfo")
        self.info.setWordWrap(True)
        self.table: QTableWidget = table("peerResultsTable", ("姓名", "窗口", "票数"), 0)
        self.summary = QLabel()
        self.summary.setObjectName("peerResultsSummary")
        self.summary.setWordWrap(True)
        self.summary.setStyleSheet(f"color: {GREY};")
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.info)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.summary)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self.close)
        self.round_box.setFocus()
        self.refresh()

    # -- loading ---------------------------------------------------------------------------------
    def refresh(self) -> None:
        current = self.chosen()
        if current is not None and self._wanted is None:
            self._wanted = current.id
        peer, actor = self.services.peer, self.actor
        self.runner.run(lambda: peer.rounds(actor), self._on_rounds, self._on_failed, owner=self)

    def choose_round(self, round_id: str) -> None:
        """Show ``round_id`` (now if listed, else once the rounds are read)."""
        for i, item in enumerate(self.rounds):
            if item.id == round_id:
                self.round_box.setCurrentIndex(i)
                return
        self._wanted = round_id

    def _on_failed(self, exc: Exception) -> None:
        show_error(self, exc)

    def _on_rounds(self, rounds: list) -> None:
        self.rounds = [r for r in rounds if r.status == "closed"]
        wanted, self._wanted = self._wanted, None
        self.round_box.blockSignals(True)
        self.round_box.clear()
        for item in self.rounds:
            self.round_box.addItem(f"{item.title}（{item.period}，{item.scope_label}）", item.id)
        index = next((i for i, r in enumerate(self.rounds) if r.id == wanted), 0)
        self.round_box.setCurrentIndex(index if self.rounds else -1)
        self.round_box.blockSignals(False)
        if not self.rounds:
            self._show([], None)
            self.info.setText(self.tr("还没有已结束的互评轮次。进行中的轮次结束后，") + self.tr(WAITING) + "。")
            return
        self._on_round_chosen()

    def chosen(self):  # -> RoundItem | None
        index = self.round_box.currentIndex()
        return self.rounds[index] if 0 <= index < len(self.rounds) else None

    def _on_round_chosen(self) -> None:
        item = self.chosen()
        if item is None:
            return
        peer, actor, round_id = self.services.peer, self.actor, item.id
        self.runner.run(lambda: (round_id, peer.results(actor, round_id)), self._on_results, self._on_failed,
                        owner=self)

    def _on_results(self, answer: tuple) -> None:
        round_id, results = answer
        item = self.chosen()
        if item is None or item.id != round_id:
            return  # another round was chosen meanwhile
        self._show(list(results), item)

    # -- showing ---------------------------------------------------------------------------------
    def _show(self, results: list, item) -> None:  # item: RoundItem | None
        self.results = results
        labels = [label for _code, label, _weight in item.dimensions] if item is not None else []
        headers = ["姓名", "窗口", "票数", *labels, "综合得分"]
        t = self.table
        t.clearSpans()
        t.setRowCount(0)
        t.setColumnCount(len(headers))
        t.setHorizontalHeaderLabels([self.tr(h) for h in headers])
        header = t.horizontalHeader()
        header.setMinimumSectionSize(64)
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        for c in range(3, len(headers)):  # the figures share what the names and windows leave
            header.setSectionResizeMode(c, QHeaderView.ResizeMode.Stretch)
        t.setRowCount(len(results))
        for r, result in enumerate(results):
            self._fill_row(r, result, labels)
        if item is None:
            return
        self.info.setText(self.tr("评议维度（权重）：") + "、".join(f"{lb}（{w:g}）" for _c, lb, w in item.dimensions)
                          + self.tr("；每项 1–5 分。票数少于 {n} 张的人不显示结果。").format(n=item.min_ballots))
        if not results:
            self.summary.setText(self.tr(WAITING) + self.tr("。"))
            self.summary.setStyleSheet(f"color: {AMBER}; font-weight: bold;")
            return
        shown = sum(1 for r in results if r.shown)
        self.summary.setText(self.tr("共 {n} 人，显示结果 {m} 人；其余 {k} 人票数不足。"
                                     "只显示平均分，不显示任何人的打分。")
                             .format(n=len(results), m=shown, k=len(results) - shown))
        self.summary.setStyleSheet(f"color: {GREY};")
        if results:
            t.selectRow(0)

    def _fill_row(self, r: int, result, labels: list[str]) -> None:  # result: ResultItem
        t = self.table
        name = QTableWidgetItem(result.name)
        name.setData(Qt.ItemDataRole.UserRole, result.staff_id)
        t.setItem(r, 0, name)
        t.setItem(r, 1, QTableWidgetItem(result.window_label))
        t.setItem(r, 2, _cell(str(result.ballots), centre=False))
        if not result.shown or result.averages is None:
            t.setItem(r, 3, _cell(self.tr(NOT_SHOWN), AMBER, centre=True))
            t.setSpan(r, 3, 1, len(labels) + 1)
            return
        for c, label in enumerate(labels):
            average = result.averages.get(label)
            t.setItem(r, 3 + c, _cell(f"{average:.2f}" if average is not None else "—"))
        score = f"{result.score:.2f}" if result.score is not None else "—"
        total = _cell(score)
        font = total.font()
        font.setBold(True)
        total.setFont(font)
        t.setItem(r, 3 + len(labels), total)
