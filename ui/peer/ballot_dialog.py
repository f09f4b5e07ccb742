"""参加互评: the ballot sheet of one round — the colleagues of the signed-in person's group (never
themselves) down, the round's dimensions across, each cell a score 1–5. Keyboard first: type 1–5 in a
cell and the cursor moves on to the next (row by row), arrows move, Delete clears, F2 or a double click
opens a 1–5 spin box; Tab leaves the sheet for the password. The person confirms with their own login
password: it derives their anonymous voter key (app.peer.keys), so only they can replace their ballots
until the round closes, and without it nothing links a ballot to them. The scores are sealed to the
server and never kept on this PC, so a second vote re-scores everyone (said on the sheet). Reads run on
a worker, the vote on the write pool; after it the sheet is emptied again (nobody passing by sees it)."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QSpinBox,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.context import Actor
from app.dto import StaffInfo
from app.errors import DomainError
from app.services import Services
from ui.errors import show_error
from ui.tasks import TaskRunner

RED, GREEN, GREY = "#b00020", "#1b7f3b", "#555555"
UNSCORED = QColor("#fff4d6")  # a cell still to score: easy to find on a long sheet
SCORES = "12345"
LEGEND = "5 优秀　4 良好　3 一般　2 较差　1 差"
VOTED_TEXT = "已投票，可在结束前修改"


class _ScoreDelegate(QStyledItemDelegate):
    """F2 / double click: a 1–5 spin box in the cell (for the mouse); typing a digit is quicker."""

    def createEditor(self, parent: QWidget, _option: QStyleOptionViewItem,
                     _index: QModelIndex | QPersistentModelIndex) -> QWidget:
        editor = QSpinBox(parent)
        editor.setRange(1, 5)
        editor.setAlignment(Qt.AlignmentFlag.AlignCenter)
        return editor

    def setEditorData(self, editor: QWidget, index: QModelIndex | QPersistentModelIndex) -> None:
        text = str(index.data() or "")
        editor.setValue(int(text) if text.isdigit() else 3)  # type: ignore[attr-defined]

    def setModelData(self, editor: QWidget, model, index: QModelIndex | QPersistentModelIndex) -> None:
        editor.interpretText()  # type: ignore[attr-defined]
        model.setData(index, str(editor.value()))  # type: ignore[attr-defined]


class ScoreTable(QTableWidget):
    """The sheet: a digit 1–5 scores the current cell and moves on; Delete/Backspace clears it."""

    scored = Signal()

    def __init__(self) -> None:
        super().__init__(0, 0)
        self.setObjectName("peerBallotTable")
        self.setTabKeyNavigation(False)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                             | QAbstractItemView.EditTrigger.EditKeyPressed)
        self.setItemDelegate(_ScoreDelegate(self))
        self.itemChanged.connect(self._on_item_changed)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        text = event.text()
        if self.state() != QAbstractItemView.State.EditingState and text and text in SCORES:
            self.score_current(int(text))
            return
        if event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            item = self.currentItem()
            if item is not None:
                item.setText("")
            return
        super().keyPressEvent(event)

    def score_current(self, value: int) -> None:
        """Score the current cell and go to the next: along the row, then the next colleague."""
        row, col = self.currentRow(), self.currentColumn()
        item = self.item(row, col)
        if item is None:
            return
        item.setText(str(value))
        if col + 1 < self.columnCount():
            self.setCurrentCell(row, col + 1)
        elif row + 1 < self.rowCount():
            self.setCurrentCell(row + 1, 0)

    def _on_item_changed(self, item: QTableWidgetItem) -> None:
        done = item.text() in tuple(SCORES)
        item.setBackground(QBrush() if done else QBrush(UNSCORED))
        self.scored.emit()


class BallotDialog(QDialog):
    voted = Signal(object)  # VoteReceipt

    def __init__(self, services: Services, runner: TaskRunner, staff: StaffInfo, round_id: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services, self.runner, self.staff, self.round_id = services, runner, staff, round_id
        self.actor = Actor(staff.id, staff.name)
        self.sheet = None  # BallotSheet once read
        self.receipt = None  # VoteReceipt once voted
        self._said_missing = False
        self.setObjectName("peerBallotDialog")
        self.setWindowTitle(self.tr("参加互评 — ") + staff.name)
        self.resize(860, 560)
        self._build()
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self.reject)
        self._load()

    # -- layout ----------------------------------------------------------------------------------
    def _build(self) -> None:
        self.heading = QLabel(self.tr("正在读取评议表…"))
        self.heading.setObjectName("peerBallotHeading")
        self.heading.setStyleSheet("font-size: 15pt; font-weight: bold;")
        self.help = QLabel(self.tr("在格中直接键入 1–5 打分，光标自动移到下一格；方向键移动，Delete 清除，"
                                   "F2 或双击可用微调框。") + "\n" + self.tr("评分标准：") + LEGEND)
        self.help.setWordWrap(True)
        self.status = QLabel()
        self.status.setObjectName("peerBallotStatus")
        self.status.setWordWrap(True)
        self.table = ScoreTable()
        self.table.scored.connect(self._update_state)
        self.progress = QLabel()
        self.progress.setObjectName("peerBallotProgress")
        self.password = QLineEdit()
        self.password.setObjectName("peerBallotPassword")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText(self.tr("输入本人登录密码确认（用于匿名加密，不保存）"))
        self.password.textChanged.connect(self._update_state)
        self.password.returnPressed.connect(self.submit)
        form = QFormLayout()
        label = QLabel(self.tr("登录密码(&P)"))
        label.setBuddy(self.password)
        form.addRow(label, self.password)
        self.anonymity = QLabel(self.tr("匿名评议：本机只记录您已参加，不保存您的评分；评分加密后交中心计算，"
                                        "结果只显示平均分，且票数不足的不显示。"))
        self.anonymity.setWordWrap(True)
        self.anonymity.setStyleSheet(f"color: {GREY};")
        self.error = QLabel()
        self.error.setObjectName("peerBallotError")
        self.error.setWordWrap(True)
        self.error.setStyleSheet(f"color: {RED};")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.vote_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.vote_button.setObjectName("peerBallotVote")
        self.vote_button.setText(self.tr("确认投票(&V)"))
        self.vote_button.setEnabled(False)
        self.close_button = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        for widget in (self.heading, self.help, self.status):
            layout.addWidget(widget)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.progress)
        layout.addLayout(form)
        for widget in (self.anonymity, self.error, self.buttons):
            layout.addWidget(widget)

    # -- loading ---------------------------------------------------------------------------------
    def _load(self) -> None:
        peer, actor, round_id = self.services.peer, self.actor, self.round_id
        self.runner.run(lambda: peer.sheet(actor, round_id), self._on_sheet, self._on_sheet_failed, owner=self)

    def _on_sheet_failed(self, exc: Exception) -> None:
        self.heading.setText(self.tr("评议表未能打开"))
        if not isinstance(exc, DomainError):
            show_error(self, exc)
            return
        self.error.setText(exc.message)

    def _on_sheet(self, sheet) -> None:  # BallotSheet
        self.sheet = sheet
        item = sheet.round
        self.heading.setText(f"{item.title}（{item.period}，{item.scope_label}）")
        self._show_voted(sheet.voted_at)
        t = self.table
        t.blockSignals(True)
        t.clear()
        t.setRowCount(len(sheet.colleagues))
        t.setColumnCount(len(item.dimensions))
        t.setHorizontalHeaderLabels([label for _code, label, _weight in item.dimensions])
        t.setVerticalHeaderLabels([self._who(c) for c in sheet.colleagues])
        t.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        for r in range(t.rowCount()):
            for c in range(t.columnCount()):
                cell = QTableWidgetItem("")
                cell.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                cell.setBackground(QBrush(UNSCORED))
                t.setItem(r, c, cell)
        t.blockSignals(False)
        if not sheet.colleagues:
            self.error.setText(self.tr("本轮范围内没有需要您评价的同事。"))
        if t.rowCount() and t.columnCount():
            t.setCurrentCell(0, 0)
        t.setFocus()
        self._update_state()

    @staticmethod
    def _who(colleague) -> str:  # Colleague
        return f"{colleague.name}　{colleague.window_label}" if colleague.window_label else colleague.name

    def _show_voted(self, voted_at) -> None:  # datetime | None
        if voted_at is None:
            self.status.setText(self.tr("请为每位同事的每一项打分（1–5 分），全部打完后输入密码确认。"))
            self.status.setStyleSheet("")
            return
        when = voted_at.strftime("%m-%d %H:%M")
        self.status.setText(self.tr("您已于 {when} 投票，可在结束前修改：重新为每位同事打分并确认后，"
                                    "替换上次的全部评分（本机不保存上次的评分）。").format(when=when))
        self.status.setStyleSheet(f"color: {GREEN};")

    # -- state -----------------------------------------------------------------------------------
    def scores(self) -> dict[str, dict[str, int]]:
        """What is on the sheet: colleague id -> dimension code -> score (only the cells scored)."""
        if self.sheet is None:
            return {}
        codes = [code for code, _label, _weight in self.sheet.round.dimensions]
        result: dict[str, dict[str, int]] = {}
        for r, colleague in enumerate(self.sheet.colleagues):
            row = {}
            for c, code in enumerate(codes):
                item = self.table.item(r, c)
                if item is not None and item.text() in tuple(SCORES):
                    row[code] = int(item.text())
            result[colleague.staff_id] = row
        return result

    def missing(self) -> int:
        if self.sheet is None:
            return 0
        total = len(self.sheet.colleagues) * len(self.sheet.round.dimensions)
        return total - sum(len(row) for row in self.scores().values())

    def _update_state(self) -> None:
        if self.sheet is None:
            self.vote_button.setEnabled(False)
            return
        total = len(self.sheet.colleagues) * len(self.sheet.round.dimensions)
        missing = self.missing()
        self.progress.setText(self.tr("已打分 {done}/{total} 项").format(done=total - missing, total=total)
                              + (self.tr("，还差 {n} 项").format(n=missing) if missing else self.tr("，已全部打完")))
        self.vote_button.setEnabled(total > 0 and missing == 0 and bool(self.password.text()))
        if not missing and self._said_missing:  # the gap it pointed at is filled: the red line goes
            self.error.setText("")
            self._said_missing = False

    def _first_missing(self) -> None:
        for r in range(self.table.rowCount()):
            for c in range(self.table.columnCount()):
                item = self.table.item(r, c)
                if item is not None and item.text() not in tuple(SCORES):
                    self.table.setCurrentCell(r, c)
                    self.table.setFocus()
                    return

    # -- voting ----------------------------------------------------------------------------------
    def submit(self) -> None:
        if self.sheet is None:
            return
        if self.missing():
            self.error.setText(self.tr("还有 {n} 项没有打分：每位同事的每一项都要打 1–5 分。")
                               .format(n=self.missing()))
            self._said_missing = True
            self._first_missing()
            return
        if not self.password.text():
            self.error.setText(self.tr("请输入本人登录密码确认投票。"))
            self.password.setFocus()
            return
        if not self.vote_button.isEnabled():
            return
        peer, actor, round_id = self.services.peer, self.actor, self.round_id
        password, scores = self.password.text(), self.scores()
        self.error.setText("")
        self.vote_button.setEnabled(False)
        self.runner.run(lambda: peer.vote(actor, round_id, password, scores), self._on_voted, self._on_failed,
                        write=True, owner=self)

    def _on_voted(self, receipt) -> None:  # VoteReceipt
        self.receipt = receipt
        self.password.clear()
        self._clear_scores()  # nothing of the ballot stays on the screen
        changed = self.tr("（已替换上次的评分）") if receipt.changed else ""
        self.status.setText(self.tr(VOTED_TEXT) + self.tr("。本次评价 {n} 人").format(n=receipt.ratees) + changed
                            + self.tr("。"))
        self.status.setStyleSheet(f"color: {GREEN}; font-weight: bold;")
        self.close_button.setText(self.tr("关闭(&C)"))
        self.close_button.setFocus()
        self.voted.emit(receipt)

    def _clear_scores(self) -> None:
        for r in range(self.table.rowCount()):
            for c in range(self.table.columnCount()):
                item = self.table.item(r, c)
                if item is not None:
                    item.setText("")
        self._update_state()

    def _on_failed(self, exc: Exception) -> None:
        self.password.clear()
        self._update_state()
        if not isinstance(exc, DomainError):
            show_error(self, exc)
            return
        self.error.setText(exc.message)
        if exc.field == "scores" and self.missing():
            self._first_missing()
        else:
            self.password.setFocus()
