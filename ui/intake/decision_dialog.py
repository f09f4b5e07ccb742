"""The details a decision needs beyond the checklist: 容缺 deadline and commitment,
the one-time notice, or the reasons and legal basis of 不予受理.

Opened with open() (window-modal, not exec) so nothing blocks; emits ``decision_made``.
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from app.cases.rules import (
    MATERIAL_LABELS,
    REJECT_LABELS,
    Action,
    MaterialCheck,
    RejectCategory,
    correction_items,
)
from app.dto import DecisionInput

_BASIS = {
    RejectCategory.NOT_LICENSABLE: "《中华人民共和国行政许可法》第三十二条第一款第（一）项",
    RejectCategory.OUTSIDE_JURISDICTION: "《中华人民共和国行政许可法》第三十二条第一款第（二）项",
    RejectCategory.OTHER: "",
}
_TITLES = {
    Action.ACCEPT_DEFERRED: "容缺受理",
    Action.REQUEST_CORRECTION: "一次性告知补正",
    Action.REJECT: "不予受理",
}


class DecisionDialog(QDialog):
    decision_made = Signal(object)  # DecisionInput

    def __init__(
        self, action: Action, materials: list[MaterialCheck], *, today: dt.date,
        latest_deadline: dt.date | None, correction_due: dt.date | None = None, parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.action = action
        self.setObjectName("decisionDialog")
        self.setWindowTitle(self.tr(_TITLES[action]))
        self.setMinimumWidth(560)
        layout = QVBoxLayout(self)
        self.form = QFormLayout()
        layout.addLayout(self.form)
        if action == Action.ACCEPT_DEFERRED:
            self._build_deferred(materials, today, latest_deadline)
        elif action == Action.REQUEST_CORRECTION:
            self._build_correction(materials, today, correction_due)
        else:
            self._build_reject()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("确认并出具通知书"))
        self.buttons.accepted.connect(self._on_ok_clicked)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

    def _items_list(self, items: list[MaterialCheck]) -> QListWidget:
        lst = QListWidget()
        lst.setObjectName("decisionItems")
        for m in items:
            note = f"：{m.note}" if m.note else ""
            lst.addItem(f"{m.name}（{MATERIAL_LABELS[m.status]}）{note}")
        lst.setMaximumHeight(140)
        return lst

    def _build_deferred(self, materials: list[MaterialCheck], today: dt.date, latest: dt.date | None) -> None:
        deferred = [m for m in materials if m.status == "deferred"]
        self.form.addRow(self.tr("容缺材料"), self._items_list(deferred))
        self.deadline = QDateEdit(QDate(today.year, today.month, today.day))
        self.deadline.setObjectName("supplyDeadline")
        self.deadline.setCalendarPopup(True)
        self.deadline.setDisplayFormat("yyyy-MM-dd")
        if latest is not None:
            self.deadline.setDate(QDate(latest.year, latest.month, latest.day))
            hint = QLabel(self.tr("补交期限不得晚于承诺办结日期：") + latest.isoformat())
            self.form.addRow("", hint)
        self.form.addRow(self.tr("补交期限(&D)"), self.deadline)
        self.commitment = QCheckBox(self.tr("申请人已签署《容缺受理承诺书》"))
        self.commitment.setObjectName("commitmentSigned")
        self.form.addRow("", self.commitment)

    def _build_correction(self, materials: list[MaterialCheck], today: dt.date, due: dt.date | None) -> None:
        items = correction_items(materials)
        self.form.addRow(QLabel(self.tr("以下全部内容将在一份告知书中一次性告知申请人：")))
        self.form.addRow(self.tr("补正内容"), self._items_list(items))
        proposed = due or today + dt.timedelta(days=15)
        self.correction_due = QDateEdit(QDate(proposed.year, proposed.month, proposed.day))
        self.correction_due.setObjectName("correctionDue")
        self.correction_due.setCalendarPopup(True)
        self.correction_due.setDisplayFormat("yyyy-MM-dd")
        self.correction_due.setMinimumDate(QDate(today.year, today.month, today.day).addDays(1))
        self.correction_due.setToolTip(self.tr(
            "默认为大厅参数“补正期限”（工作日）之后的日期；通知书写明“请于…前补正”，台账按此日期黄牌/红牌提醒。"))
        self.form.addRow(self.tr("补正期限(&D)"), self.correction_due)
        self.note = QPlainTextEdit()
        self.note.setObjectName("correctionNote")
        self.note.setPlaceholderText(self.tr("补正要求、补交方式等（可不填）"))
        self.note.setMaximumHeight(90)
        self.form.addRow(self.tr("补充说明"), self.note)

    def _build_reject(self) -> None:
        self.category = QComboBox()
        self.category.setObjectName("rejectCategory")
        for cat in RejectCategory:
            self.category.addItem(REJECT_LABELS[cat], cat.value)
        self.reason = QPlainTextEdit()
        self.reason.setObjectName("rejectReason")
        self.reason.setMaximumHeight(90)
        self.basis = QLineEdit(_BASIS[RejectCategory.NOT_LICENSABLE])
        self.basis.setObjectName("rejectBasis")
        self.redirect = QLineEdit()
        self.redirect.setObjectName("rejectRedirect")
        self.redirect.setPlaceholderText(self.tr("不属于本机关职权的，告知向哪个机关申请"))
        self.form.addRow(self.tr("情形(&C)"), self.category)
        self.form.addRow(self.tr("理由(&R)"), self.reason)
        self.form.addRow(self.tr("法律依据(&B)"), self.basis)
        self.form.addRow(self.tr("告知申请机关"), self.redirect)
        self.form.addRow(QLabel(self.tr("通知书将告知申请人：可在60日内申请行政复议，或在6个月内提起行政诉讼。")))
        self.category.currentIndexChanged.connect(self._on_category_changed)

    def _on_category_changed(self) -> None:
        basis = _BASIS[RejectCategory(self.category.currentData())]
        if basis:
            self.basis.setText(basis)

    def decision(self) -> DecisionInput:
        if self.action == Action.ACCEPT_DEFERRED:
            d = self.deadline.date()
            return DecisionInput(
                action=self.action.value, supply_deadline=dt.date(d.year(), d.month(), d.day()),
                commitment_signed=self.commitment.isChecked(),
            )
        if self.action == Action.REQUEST_CORRECTION:
            d = self.correction_due.date()
            return DecisionInput(action=self.action.value, correction_note=self.note.toPlainText(),
                                 correction_due=dt.date(d.year(), d.month(), d.day()))
        return DecisionInput(
            action=self.action.value, reject_category=str(self.category.currentData()),
            reject_reason=self.reason.toPlainText(), reject_legal_basis=self.basis.text(),
            redirect_to=self.redirect.text(),
        )

    def _on_ok_clicked(self) -> None:
        # The dialog stays open until the save succeeds; the workspace closes it.
        self.decision_made.emit(self.decision())
