"""One 差评's closed loop: the rating (matter, window, person, level, reasons, comment, the callback
phone — in full only for the supervisor who calls back), the steps so far with who, when and what, and
the form of the next step: 核实 (finding and note), 整改 (measures), 回访 (result and note) then 结案.
The next step's buttons are greyed for those who may not take it, the tooltip saying who may. Each step
goes through the write pool with the version it was shown at; a refusal is said inline."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.context import Actor
from app.errors import DomainError, NotFound
from app.ratings.policy import CALLBACK_RESULTS, FINDINGS
from app.sync.protocol import FOLLOWUP_CALLBACK, FOLLOWUP_CLOSE, FOLLOWUP_RECTIFY, FOLLOWUP_VERIFY, OP_PERMISSIONS
from ui.errors import show_error
from ui.ratings.common import RED, at_text, due_text, fill_table, level_text, make_table, reasons_text

STEP_HEADERS = ("环节", "经办人", "时间", "情况")
NO_PHONE = "未留电话"
_HINTS = {
    FOLLOWUP_VERIFY: "记录核实结论：是否属实",
    FOLLOWUP_RECTIFY: "登记整改措施",
    FOLLOWUP_CALLBACK: "登记回访办事人的结果",
    FOLLOWUP_CLOSE: "回访之后结案",
}


def _text_box(name: str, placeholder: str, height: int = 60) -> QPlainTextEdit:
    box = QPlainTextEdit()
    box.setObjectName(name)
    box.setPlaceholderText(placeholder)
    box.setTabChangesFocus(True)  # Tab moves on to the button, as a clerk expects
    box.setFixedHeight(height)
    return box


def _combo(name: str, choices: dict[str, str]) -> QComboBox:
    combo = QComboBox()
    combo.setObjectName(name)
    for code, label in choices.items():
        combo.addItem(label, code)
    return combo


class FollowupDialog(QDialog):
    changed = Signal(object)  # FollowupItem after a step

    def __init__(self, services, runner, staff, followup_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services, self.runner, self.staff = services, runner, staff
        self.actor = Actor(staff.id, staff.name)
        self.followup_id = followup_id
        self.item = None  # FollowupItem
        self.refusals: dict[str, str | None] | None = None
        self.setObjectName("ratingFollowupDialog")
        self.setWindowTitle(self.tr("差评整改"))
        self.setMinimumWidth(760)
        self.about = QLabel()
        self.about.setObjectName("followupAbout")
        self.about.setWordWrap(True)
        self.about.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.state = QLabel()
        self.state.setObjectName("followupState")
        self.state.setStyleSheet("font-weight: bold;")
        self.steps = make_table("followupSteps", STEP_HEADERS, 3)
        self.steps.setMinimumHeight(150)
        self.error = QLabel()
        self.error.setObjectName("followupError")
        self.error.setWordWrap(True)
        self.error.setStyleSheet(f"color: {RED};")
        close = QPushButton(self.tr("关闭"))
        close.setAutoDefault(False)
        close.clicked.connect(self.close)
        bottom = QHBoxLayout()
        bottom.addWidget(self.error, 1)
        bottom.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.about)
        layout.addWidget(self.state)
        layout.addWidget(self.steps, 1)
        for box in (self._verify_box(), self._rectify_box(), self._callback_box(), self._close_box()):
            layout.addWidget(box)
        layout.addLayout(bottom)
        self.buttons = {FOLLOWUP_VERIFY: self.verify_button, FOLLOWUP_RECTIFY: self.rectify_button,
                        FOLLOWUP_CALLBACK: self.callback_button, FOLLOWUP_CLOSE: self.close_button}
        for button in self.buttons.values():
            button.setEnabled(False)
            button.setAutoDefault(False)
        self.refresh()

    # -- layout --------------------------------------------------------------------------------------
    def _verify_box(self) -> QGroupBox:
        self.verify_box = QGroupBox(self.tr("核实"))
        self.finding = _combo("followupFinding", FINDINGS)
        self.verify_note = _text_box("followupVerifyNote", self.tr("联系办事人、听取工作人员陈述的情况"))
        self.verify_button = QPushButton(self.tr("登记核实结果(&V)"))
        self.verify_button.setObjectName("followupVerify")
        self.verify_button.clicked.connect(self.verify)
        form = QFormLayout(self.verify_box)
        form.addRow(self.tr("核实结论(&J)"), self.finding)
        form.addRow(self.tr("核实情况(&N)"), self.verify_note)
        form.addRow("", self.verify_button)
        return self.verify_box

    def _rectify_box(self) -> QGroupBox:
        self.rectify_box = QGroupBox(self.tr("整改"))
        self.measures = _text_box("followupMeasures", self.tr("如：对当事人批评教育，组织窗口人员学习服务规范"), 80)
        self.rectify_button = QPushButton(self.tr("登记整改措施(&G)"))
        self.rectify_button.setObjectName("followupRectify")
        self.rectify_button.clicked.connect(self.rectify)
        form = QFormLayout(self.rectify_box)
        form.addRow(self.tr("整改措施(&M)"), self.measures)
        form.addRow("", self.rectify_button)
        return self.rectify_box

    def _callback_box(self) -> QGroupBox:
        self.callback_box = QGroupBox(self.tr("回访"))
        self.result = _combo("followupCallbackResult", CALLBACK_RESULTS)
        self.callback_note = _text_box("followupCallbackNote", self.tr("回访时间、办事人的意见"))
        self.callback_button = QPushButton(self.tr("登记回访结果(&H)"))
        self.callback_button.setObjectName("followupCallback")
        self.callback_button.clicked.connect(self.callback)
        form = QFormLayout(self.callback_box)
        form.addRow(self.tr("回访结果(&B)"), self.result)
        form.addRow(self.tr("回访情况(&N)"), self.callback_note)
        form.addRow("", self.callback_button)
        return self.callback_box

    def _close_box(self) -> QGroupBox:
        self.close_box = QGroupBox(self.tr("结案"))
        self.close_note = QLineEdit()
        self.close_note.setObjectName("followupCloseNote")
        self.close_note.setPlaceholderText(self.tr("结案说明（可不填）"))
        self.close_button = QPushButton(self.tr("结案(&C)"))
        self.close_button.setObjectName("followupClose")
        self.close_button.clicked.connect(self.close_followup)
        self.close_note.returnPressed.connect(self.close_followup)
        row = QHBoxLayout(self.close_box)
        row.addWidget(self.close_note, 1)
        row.addWidget(self.close_button)
        return self.close_box

    # -- loading -------------------------------------------------------------------------------------
    def refresh(self) -> None:
        ratings, actor, followup_id = self.services.ratings, self.actor, self.followup_id
        self.runner.run(lambda: ratings.followup(actor, followup_id), self._on_loaded, self._on_load_failed,
                        owner=self)

    def _on_load_failed(self, exc: Exception) -> None:
        self.state.setText(self.tr("未能读取该差评。"))
        show_error(self, exc)

    def _on_loaded(self, item) -> None:
        self.item = item
        self.setWindowTitle(self.tr("差评整改 — ") + item.rating.case_number)
        self.about.setText(self._about(item))
        self.state.setText(self._state(item))
        self.state.setStyleSheet("font-weight: bold;" + (f" color: {RED};" if item.due_state == "red" else ""))
        fill_table(self.steps, [[s.label, s.who_name, at_text(s.at), s.text] for s in item.steps])
        self._show_step(item)
        if self.refusals is None:
            self._ask_permissions(item)
        else:
            self._set_buttons()

    def _about(self, item) -> str:
        r = item.rating
        reasons = reasons_text(r)
        lines = [
            self.tr("办件：") + f"{r.case_number}　{r.matter_name}",
            self.tr("窗口：") + f"{r.window_label}　" + self.tr("被评价人：") + r.staff_name,
            self.tr("评价：") + level_text(r) + (f"（{reasons}）" if reasons else "") + "　" + r.channel_label
            + "　" + at_text(r.rated_at),
            self.tr("评价意见：") + (r.comment or self.tr("（无）")),
            self.tr("回访电话：") + (item.phone or self.tr(NO_PHONE)),
        ]
        return "\n".join(lines)

    def _state(self, item) -> str:
        parts = [self.tr("状态：") + item.status_label]
        if item.due is not None:
            parts.append(self.tr("当前环节期限：") + due_text(item.due, item.due_state))
        parts.append(self.tr("整改期限：") + at_text(item.rectify_due))
        if item.callback_due is not None:
            parts.append(self.tr("回访期限：") + at_text(item.callback_due))
        return "　".join(parts)

    def _show_step(self, item) -> None:
        """Only the next step's form is on screen; a closed follow-up shows none."""
        self.verify_box.setVisible(item.status == "verify")
        self.rectify_box.setVisible(item.status == "rectify")
        self.callback_box.setVisible(item.status == "callback")
        self.close_box.setVisible(item.status == "callback")
        if item.status == "callback" and not item.phone and not self.callback_note.toPlainText().strip():
            self.result.setCurrentIndex(self.result.findData("unreachable"))
            self.callback_note.setPlainText(self.tr(NO_PHONE))

    def _ask_permissions(self, item) -> None:
        permissions, actor, case_id = self.services.permissions, self.actor, item.rating.case_id
        actions = sorted({OP_PERMISSIONS[kind] for kind in self.buttons})

        def job() -> dict[str, str | None]:
            try:
                return permissions.refusals(actor, actions, case_id=case_id)
            except NotFound:  # a rating of an enquiry: no case to place it, say who may in general
                return {a: permissions.label(a) + "需由" + permissions.who_may(a) + "办理。" for a in actions}

        self.runner.run(job, self._on_permissions, lambda _exc: self._on_permissions({}), owner=self)

    def _on_permissions(self, refusals: dict[str, str | None]) -> None:
        self.refusals = refusals
        self._set_buttons()

    def _set_buttons(self) -> None:
        item = self.item
        allowed = {FOLLOWUP_VERIFY: item.can_verify, FOLLOWUP_RECTIFY: item.can_rectify,
                   FOLLOWUP_CALLBACK: item.can_callback, FOLLOWUP_CLOSE: item.can_close}
        for kind, button in self.buttons.items():
            button.setEnabled(allowed[kind])
            button.setToolTip(self.tr(_HINTS[kind]) if allowed[kind] else self._why_not(kind))

    def _why_not(self, kind: str) -> str:
        refusal = (self.refusals or {}).get(OP_PERMISSIONS[kind])
        if refusal:
            return refusal
        if kind == FOLLOWUP_CLOSE and self.item.status == "callback" and not self.item.callback_result:
            return self.tr("请先登记回访结果，再结案。")
        return self.tr("该差评当前不在这一环节。")

    # -- the steps -----------------------------------------------------------------------------------
    def verify(self) -> None:
        finding, note = self.finding.currentData(), self.verify_note.toPlainText().strip()
        self._step(FOLLOWUP_VERIFY, lambda r, a, i, v: r.verify(a, i, v, finding, note))

    def rectify(self) -> None:
        measures = self.measures.toPlainText().strip()
        self._step(FOLLOWUP_RECTIFY, lambda r, a, i, v: r.rectify(a, i, v, measures))

    def callback(self) -> None:
        result, note = self.result.currentData(), self.callback_note.toPlainText().strip()
        self._step(FOLLOWUP_CALLBACK, lambda r, a, i, v: r.callback(a, i, v, result, note))

    def close_followup(self) -> None:
        note = self.close_note.text().strip()
        self._step(FOLLOWUP_CLOSE, lambda r, a, i, v: r.close(a, i, v, note))

    def _step(self, kind: str, call) -> None:
        if self.item is None or not self.buttons[kind].isEnabled():
            return
        self.error.setText("")
        for button in self.buttons.values():
            button.setEnabled(False)
        ratings, actor, followup_id, version = self.services.ratings, self.actor, self.item.id, self.item.version
        self.runner.run(lambda: call(ratings, actor, followup_id, version), self._on_stepped,
                        lambda exc: self._on_step_failed(kind, exc), write=True, owner=self)

    def _on_stepped(self, item) -> None:
        for box in (self.verify_note, self.measures, self.callback_note):
            box.clear()
        self.close_note.clear()
        self._on_loaded(item)
        self.changed.emit(item)

    def _on_step_failed(self, kind: str, exc: Exception) -> None:
        self._set_buttons()
        if not isinstance(exc, DomainError):
            show_error(self, exc)
            return
        self.error.setText(exc.message)
        self.refresh()  # another PC may have moved it on: show where it stands, keep what was typed
        fields = {"finding": self.finding, "measures": self.measures, "result": self.result,
                  "note": {FOLLOWUP_VERIFY: self.verify_note, FOLLOWUP_CALLBACK: self.callback_note,
                           FOLLOWUP_CLOSE: self.close_note}.get(kind)}
        target = fields.get(exc.field or "")
        if target is not None:
            target.setFocus()
