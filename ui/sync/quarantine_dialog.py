"""同步冲突: operations the central server did not take (a conflict with another counter's work, or
a rejection), each with the server's reason, the original data and the server's current row.

A 首席代表 or administrator settles each one after dealing with it at the counter (for example,
redoing the step on the current case) and records how; the operation itself is never deleted.
Others can look. Lists load and notes save on the task runner.
"""

from __future__ import annotations

import json

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.context import Actor
from app.dto import StaffInfo
from app.errors import DomainError, NotFound
from app.services import Services
from ui.auth.authorise_dialog import authorise_then
from ui.auth.gate import actor_of, authorisers, grey, ungrey
from ui.tasks import TaskRunner

ACTION = "quarantine.resolve"
OP_LABELS = {
    "case.open": "收件/受理", "case.decide": "受理决定", "case.suspend": "暂停计时", "case.resume": "恢复计时",
    "case.complete": "办结", "case.deliver": "出件", "case.void": "作废", "case.supply_deferred": "补齐容缺材料",
    "case.deem_accepted": "逾期视为受理", "enquiry.add": "首问登记",
}
RESULT_LABELS = {"conflict": "冲突", "rejected": "被拒绝"}
COLUMNS = ("时间", "操作", "办件/申请人", "结果", "服务器说明")


def subject(payload: dict) -> str:
    case = payload.get("case") or {}
    if case:
        return f"{case.get('number', '')} {case.get('applicant_name', '')}".strip()
    return str(payload.get("visitor") or payload.get("topic") or "")[:40]


def judged(services: Services, actor: Actor, items: list) -> dict[str, tuple[str | None, dict]]:
    """On a worker: op_id -> (why ``actor`` may not resolve it or None, where the op is: its case, or
    this PC's window for an enquiry or a case this store does not hold)."""
    out: dict[str, tuple[str | None, dict]] = {}
    for q in items:
        where: dict = {"case_id": q.entity_id} if q.kind.startswith("case.") else {"here": True}
        try:
            reason = services.permissions.refusal(actor, ACTION, **where)
        except NotFound:
            where = {"here": True}
            reason = services.permissions.refusal(actor, ACTION, **where)
        out[q.op_id] = (reason, where)
    return out


class QuarantineDialog(QDialog):
    resolved = Signal(str)  # op_id

    def __init__(self, services: Services, runner: TaskRunner, staff: StaffInfo, parent: QWidget | None = None):
        super().__init__(parent)
        self.services, self.runner, self.staff = services, runner, staff
        self.items: list = []
        self.judged: dict[str, tuple[str | None, dict]] = {}
        self.setObjectName("quarantineDialog")
        self.setWindowTitle(self.tr("同步冲突待处理"))
        self.resize(1000, 600)
        intro = QLabel(self.tr("以下操作中心服务器未接收。原始数据仍保存在本机，不会丢失。"
                               "请核对办件后在柜台重新办理，再由首席代表记录处理情况。"))
        intro.setWordWrap(True)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("quarantineTable")
        self.table.setHorizontalHeaderLabels([self.tr(c) for c in COLUMNS])
        self.table.horizontalHeader().setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.currentCellChanged.connect(lambda row, *_: self._show(row))
        self.details = QPlainTextEdit()
        self.details.setObjectName("quarantineDetails")
        self.details.setReadOnly(True)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(self.details)
        self.show_resolved = QCheckBox(self.tr("显示已处理的"))
        self.show_resolved.toggled.connect(self.reload)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.show_resolved)
        layout.addWidget(split, 1)
        layout.addLayout(self._resolve_row())
        self.message = QLabel()
        self.message.setObjectName("quarantineMessage")
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.reload()

    def _resolve_row(self) -> QHBoxLayout:
        self.note_edit = QLineEdit()
        self.note_edit.setObjectName("resolutionNote")
        self.note_edit.setPlaceholderText(self.tr("处理情况，如：已按服务器当前状态在柜台重新办理"))
        self.resolve_button = QPushButton(self.tr("记录为已处理(&R)"))
        self.resolve_button.setObjectName("resolveButton")
        self.resolve_button.clicked.connect(self._on_resolve_clicked)
        self.note_edit.returnPressed.connect(self._on_note_return)
        self.resolve_button.setEnabled(False)  # until the list and who may resolve it are known
        who = authorisers(ACTION)
        self.authorise_button = QPushButton(self.tr("{who}授权处理(&A)…").format(who=who))
        self.authorise_button.setObjectName("resolveAuthorise")
        self.authorise_button.setToolTip(self.tr("由{who}在本机输入其用户名和密码，本条处理记为其办理。").format(who=who))
        self.authorise_button.clicked.connect(self._on_authorise_clicked)
        self.authorise_button.setVisible(False)
        row = QHBoxLayout()
        row.addWidget(self.note_edit, 1)
        row.addWidget(self.resolve_button)
        row.addWidget(self.authorise_button)
        return row

    def reload(self) -> None:
        include, services, actor = self.show_resolved.isChecked(), self.services, actor_of(self.staff)

        def load() -> tuple[list, dict]:
            items = services.sync.quarantine(include_resolved=include)
            return items, judged(services, actor, [q for q in items if q.resolved_at is None])

        self.runner.run(load, self._on_loaded, self._on_failed, owner=self)

    def _on_loaded(self, loaded: tuple[list, dict]) -> None:
        items, self.judged = loaded
        self.items = items
        self.table.setRowCount(len(items))
        for row, q in enumerate(items):
            cells = (q.created_at.strftime("%m-%d %H:%M"), OP_LABELS.get(q.kind, q.kind), subject(q.payload),
                     ("已处理 " if q.resolved_at else "") + RESULT_LABELS.get(q.result, q.result), q.message)
            for col, text in enumerate(cells):
                self.table.setItem(row, col, QTableWidgetItem(text))
        if items:
            self.table.selectRow(0)
            self._show(0)
        else:
            self.details.setPlainText(self.tr("没有待处理的同步冲突。"))
            self._gate(-1)

    def _show(self, row: int) -> None:
        if not 0 <= row < len(self.items):
            return
        q = self.items[row]
        self._gate(row)
        lines = [f"操作：{OP_LABELS.get(q.kind, q.kind)}（{q.kind}，本机序号 {q.client_seq}）",
                 f"办理人：{q.actor_name}    时间：{q.created_at:%Y-%m-%d %H:%M:%S}",
                 f"服务器结果：{RESULT_LABELS.get(q.result, q.result)}（{q.code}）{q.message}"]
        if q.resolved_at:
            lines.append(f"已处理：{q.resolved_by} {q.resolved_at:%Y-%m-%d %H:%M}：{q.resolution_note}")
        lines += ["", "本机原始数据：", json.dumps(q.payload, ensure_ascii=False, indent=2)]
        if q.server_row is not None:
            lines += ["", "服务器当前数据：", json.dumps(q.server_row, ensure_ascii=False, indent=2)]
        self.details.setPlainText("\n".join(lines))

    def _gate(self, row: int) -> None:
        """Resolve for the person signed in, or greyed with who may and the 授权 button beside it."""
        q = self.items[row] if 0 <= row < len(self.items) else None
        reason = self.judged.get(q.op_id, (None, {}))[0] if q is not None and not q.resolved_at else None
        if reason:
            grey(self.resolve_button, reason, self.tr("可请{who}到本机点「{who}授权处理」。").format(
                who=authorisers(ACTION)))
        else:
            ungrey(self.resolve_button)
            self.resolve_button.setEnabled(q is not None and not q.resolved_at)
        self.authorise_button.setVisible(bool(reason))

    def _on_note_return(self) -> None:
        (self.resolve_button if self.resolve_button.isEnabled() else self.authorise_button).click()

    def _chosen(self) -> tuple[object, str] | None:
        """The selected open record and the note, or None after saying what is missing."""
        row = self.table.currentRow()
        if not 0 <= row < len(self.items) or self.items[row].resolved_at:
            self.message.setText(self.tr("请先选择一条未处理的记录。"))
            return None
        note = self.note_edit.text().strip()
        if not note:
            self.message.setText(self.tr("请写明处理情况。"))
            self.note_edit.setFocus()
            return None
        return self.items[row], note

    def _on_resolve_clicked(self) -> None:
        if (chosen := self._chosen()) is not None:
            self._resolve(actor_of(self.staff), *chosen)

    def _on_authorise_clicked(self) -> None:
        if (chosen := self._chosen()) is None:
            return
        q, note = chosen
        where = self.judged.get(q.op_id, (None, {"here": True}))[1]
        authorise_then(self, self.services, self.runner, self.staff, ACTION,
                       lambda actor: self._resolve(actor, q, note), subject=subject(q.payload) or q.kind, **where)

    def _resolve(self, actor: Actor, q, note: str) -> None:
        op_id = q.op_id
        self.resolve_button.setEnabled(False)
        self.authorise_button.setEnabled(False)
        self.runner.run(lambda: self.services.sync.resolve(actor, op_id, note),
                        lambda _r: self._on_resolved(op_id, actor), self._on_failed,
                        write=True, owner=self)

    def _on_resolved(self, op_id: str, actor: Actor) -> None:
        self.authorise_button.setEnabled(True)
        self.note_edit.clear()
        by = self.tr("（{name}授权）").format(name=actor.name) if actor.at_desk_of else ""
        self.message.setText(self.tr("已记录。") + by)
        self.resolved.emit(op_id)
        self.reload()

    def _on_failed(self, exc: Exception) -> None:
        self.authorise_button.setEnabled(True)
        self._gate(self.table.currentRow())
        self.message.setText(exc.message if isinstance(exc, DomainError) else repr(exc))
