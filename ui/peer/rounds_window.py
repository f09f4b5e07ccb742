"""互评轮次: every round of the hall with its period, scope, dimensions, state and turnout (已投/应投), and
for the selected round the turnout per group (department, zone or the whole hall). Turnout is public;
what anyone voted is never on this counter. The business section opens a round here (开启新一轮, the
dialog of ui.peer.open_round_dialog) and ends one (结束本轮: the server then computes the results).
Everyone may go from a round to its ballot sheet or its results. Reads run on a worker, writes on the
write pool; the buttons a person may not use are greyed with a tooltip saying who may."""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
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
from ui.tasks import TaskRunner

log = logging.getLogger(__name__)

GREEN, GREY, AMBER = "#1b7f3b", "#555555", "#8a6d00"
ROUND_HEADERS = ("轮次", "期间", "范围", "评议维度（权重）", "最少票数", "状态", "参评（已投/应投）", "本人")
TURNOUT_HEADERS = ("组别", "已投", "应投", "参评率")
MANAGE = "peer_evaluation.manage"
RESULTS_LATER = "结果由中心计算，联网同步后显示"


def table(name: str, headers: tuple[str, ...], stretch: int) -> QTableWidget:
    """A read-only, row-selecting table that Tab leaves (arrows move inside)."""
    widget = QTableWidget(0, len(headers))
    widget.setObjectName(name)
    widget.setHorizontalHeaderLabels(list(headers))
    widget.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    widget.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    widget.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    widget.setTabKeyNavigation(False)
    widget.verticalHeader().setVisible(False)
    widget.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    widget.horizontalHeader().setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    return widget


def percent(voted: int, eligible: int) -> str:
    return f"{voted * 100 / eligible:.0f}%" if eligible else "—"


def dimensions_label(item) -> str:  # RoundItem
    return "、".join(f"{label}（{weight:g}）" for _code, label, weight in item.dimensions)


def _cell(text: str, colour: str | None = None, align_right: bool = False) -> QTableWidgetItem:
    cell = QTableWidgetItem(text)
    cell.setToolTip(text)
    if colour:
        cell.setForeground(QColor(colour))
    if align_right:
        cell.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return cell


class RoundsWindow(QWidget):
    ballot_requested = Signal(str)  # round id
    results_requested = Signal(str)  # round id
    changed = Signal()  # a round was opened or closed here

    def __init__(self, services: Services, runner: TaskRunner, staff: StaffInfo,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.services, self.runner, self.staff = services, runner, staff
        self.actor = Actor(staff.id, staff.name)
        self.rounds: list = []  # list[RoundItem], newest first as the service gives them
        self.manage_refusal: str | None = "正在核对权限…"
        self._keep: str | None = None  # the round to select again after a reload
        self.setObjectName("peerRoundsWindow")
        self.setWindowTitle(self.tr("互评轮次 — ") + staff.hall_name)
        self.resize(1100, 560)
        self._build()
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self.close)
        self._check_permission()
        self.refresh()

    # -- layout ----------------------------------------------------------------------------------
    def _build(self) -> None:
        self.rounds_table = table("peerRoundsTable", ROUND_HEADERS, 3)
        self.rounds_table.itemSelectionChanged.connect(self._on_selected)
        self.rounds_table.activated.connect(lambda _index: self.vote_selected())
        self.summary = QLabel()
        self.summary.setObjectName("peerRoundsSummary")
        self.turnout_title = QLabel(self.tr("各组参评情况"))
        self.turnout_table = table("peerTurnoutTable", TURNOUT_HEADERS, 0)
        self.turnout_table.setMaximumHeight(200)
        self.note = QLabel()
        self.note.setObjectName("peerRoundNote")
        self.note.setWordWrap(True)
        self.note.setStyleSheet(f"color: {GREY};")
        self.new_button = self._button("newPeerRound", "开启新一轮(&N)…", self.open_new_round)
        self.close_button = self._button("closePeerRound", "结束本轮(&E)", self.close_selected)
        self.vote_button = self._button("votePeerRound", "参加互评(&V)…", self.vote_selected)
        self.results_button = self._button("peerRoundResults", "查看结果(&S)…", self.results_selected)
        refresh = self._button("refreshPeerRounds", "刷新(&R)", self.refresh)
        refresh.setEnabled(True)
        self.new_button.setToolTip(self.manage_refusal or "")
        buttons = QHBoxLayout()
        buttons.addWidget(self.summary, 1)
        for button in (refresh, self.results_button, self.vote_button, self.close_button, self.new_button):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.rounds_table, 1)
        layout.addWidget(self.turnout_title)
        layout.addWidget(self.turnout_table)
        layout.addWidget(self.note)
        layout.addLayout(buttons)
        self.rounds_table.setFocus()

    def _button(self, name: str, caption: str, slot) -> QPushButton:
        button = QPushButton(self.tr(caption))
        button.setObjectName(name)
        button.setEnabled(False)
        button.clicked.connect(slot)
        return button

    # -- loading ---------------------------------------------------------------------------------
    def _check_permission(self) -> None:
        actor, permissions = self.actor, self.services.permissions
        self.runner.run(lambda: permissions.refusal(actor, MANAGE), self._on_permission,
                        lambda exc: log.error("peer permission not read: %s", exc), owner=self)

    def _on_permission(self, reason: str | None) -> None:
        self.manage_refusal = reason
        self.new_button.setEnabled(reason is None)
        self.new_button.setToolTip(reason or self.tr("开启一轮互评：期间、范围、评议维度和权重、最少票数"))
        self._on_selected()

    def refresh(self) -> None:
        peer, actor = self.services.peer, self.actor
        current = self.selected()
        if current is not None:
            self._keep = current.id
        self.runner.run(lambda: peer.rounds(actor), self._on_rounds, self._on_failed, owner=self)

    def _on_failed(self, exc: Exception) -> None:
        show_error(self, exc)

    def _on_rounds(self, rounds: list) -> None:
        self.rounds = list(rounds)
        t = self.rounds_table
        t.setRowCount(0)
        t.setRowCount(len(self.rounds))
        for r, item in enumerate(self.rounds):
            mine = self.tr("已投票") if item.i_voted else (self.tr("未投票") if item.can_vote else "—")
            cells = [
                _cell(item.title), _cell(item.period), _cell(item.scope_label), _cell(dimensions_label(item)),
                _cell(str(item.min_ballots), align_right=True),
                _cell(item.status_label, GREEN if item.status == "open" else GREY),
                _cell(f"{item.voted}/{item.eligible}（{percent(item.voted, item.eligible)}）", align_right=True),
                _cell(mine, GREEN if item.i_voted else AMBER),
            ]
            for c, cell in enumerate(cells):
                cell.setData(Qt.ItemDataRole.UserRole, item.id)
                t.setItem(r, c, cell)
        open_count = sum(1 for r in self.rounds if r.status == "open")
        self.summary.setText(self.tr("共 {n} 轮，进行中 {m} 轮").format(n=len(self.rounds), m=open_count)
                             if self.rounds else self.tr("尚无互评轮次"))
        keep = self._keep
        self._keep = None
        rows = [r for r, item in enumerate(self.rounds) if item.id == keep]
        if self.rounds:
            t.selectRow(rows[0] if rows else 0)
        self._on_selected()

    def _load_turnout(self, round_id: str) -> None:
        peer, actor = self.services.peer, self.actor
        self.runner.run(lambda: (round_id, peer.turnout(actor, round_id)), self._on_turnout,
                        lambda exc: log.warning("turnout not read: %s", exc), owner=self)

    def _on_turnout(self, answer: tuple) -> None:
        round_id, groups = answer
        current = self.selected()
        if current is None or current.id != round_id:
            return  # another round was chosen meanwhile
        t = self.turnout_table
        t.setRowCount(0)
        t.setRowCount(len(groups))
        for r, group in enumerate(groups):
            cells = [_cell(group.label), _cell(str(group.voted), align_right=True),
                     _cell(str(group.eligible), align_right=True),
                     _cell(percent(group.voted, group.eligible), align_right=True)]
            for c, cell in enumerate(cells):
                t.setItem(r, c, cell)

    # -- selection -------------------------------------------------------------------------------
    def selected(self):  # -> RoundItem | None
        row = self.rounds_table.currentRow()
        if not self.rounds_table.selectedItems() or not 0 <= row < len(self.rounds):
            return None
        return self.rounds[row]

    def select_round(self, round_id: str) -> None:
        for r, item in enumerate(self.rounds):
            if item.id == round_id:
                self.rounds_table.selectRow(r)

    def _on_selected(self) -> None:
        item = self.selected()
        self.turnout_table.setRowCount(0)
        self.vote_button.setEnabled(item is not None and item.can_vote)
        self.results_button.setEnabled(item is not None and item.status == "closed")
        self.close_button.setEnabled(item is not None and item.can_close)
        self.close_button.setToolTip(self._close_tip(item))
        self.vote_button.setToolTip(self._vote_tip(item))
        self.note.setText(self._note(item))
        if item is not None:
            self.turnout_title.setText(self.tr("“{t}”各组参评情况").format(t=item.title))
            self._load_turnout(item.id)

    def _close_tip(self, item) -> str:
        if item is not None and item.status != "open":
            return self.tr("本轮已结束")
        if self.manage_refusal:
            return self.manage_refusal
        return self.tr("结束本轮：不再接受投票，由中心计算结果")

    def _vote_tip(self, item) -> str:
        if item is None:
            return ""
        if item.status != "open":
            return self.tr("本轮已结束，不能再投票")
        if not item.can_vote:
            return self.tr("您不在本轮互评的范围内")
        return self.tr("对本组同事逐项打分；已投票的，结束前可修改")

    def _note(self, item) -> str:
        if item is None:
            return ""
        if item.status == "open":
            voted = self.tr("您已投票，可在结束前修改。") if item.i_voted else ""
            return voted + self.tr("投票匿名：本机只记录谁已投票，不记录打分；评分加密后只有中心能计算。")
        closed = item.closed_at.strftime("%Y-%m-%d %H:%M") if item.closed_at else ""
        return self.tr("本轮已于 {when} 结束。").format(when=closed) + self.tr("结果由中心计算，联网同步后显示。")

    # -- acting ----------------------------------------------------------------------------------
    def vote_selected(self) -> None:
        item = self.selected()
        if item is not None and item.can_vote:
            self.ballot_requested.emit(item.id)
        elif item is not None and item.status == "closed":
            self.results_requested.emit(item.id)

    def results_selected(self) -> None:
        item = self.selected()
        if item is not None:
            self.results_requested.emit(item.id)

    def open_new_round(self):  # -> OpenRoundDialog | None
        if self.manage_refusal is not None:
            return None
        from ui.peer.open_round_dialog import OpenRoundDialog

        dialog = OpenRoundDialog(self.services, self.runner, self.staff, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.round_opened.connect(self._on_opened)
        dialog.open()
        return dialog

    def _on_opened(self, item) -> None:  # RoundItem
        self._keep = item.id
        self.refresh()
        self.changed.emit()

    def close_selected(self) -> None:
        item = self.selected()
        if item is None or not item.can_close or not self.close_button.isEnabled():
            return
        answer = QMessageBox.question(
            self, self.tr("结束本轮互评"),
            self.tr("结束“{t}”？已投 {v}/{e} 人。结束后不能再投票或修改，结果由中心计算，联网同步后显示。")
            .format(t=item.title, v=item.voted, e=item.eligible))
        if answer != QMessageBox.StandardButton.Yes:
            return
        self.close_button.setEnabled(False)
        peer, actor, round_id, version = self.services.peer, self.actor, item.id, item.version
        self.runner.run(lambda: peer.close_round(actor, round_id, version), self._on_closed,
                        self._on_close_failed, write=True, owner=self)

    def _on_closed(self, item) -> None:  # RoundItem
        self._keep = item.id
        self.refresh()
        self.changed.emit()

    def _on_close_failed(self, exc: Exception) -> None:
        self._on_selected()
        show_error(self, exc)
