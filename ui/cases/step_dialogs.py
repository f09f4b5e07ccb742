"""Small input dialogs for case steps.

Contract: opened with open() (never exec(), so nothing waits on them and tests can fill them);
OK emits ``submitted(values)`` and the dialog STAYS OPEN until the caller calls ``done_ok()``
after the step was saved. A refused step therefore keeps everything typed; the caller calls
``set_busy(False)`` and shows the error on top of it. Validation is the service's job.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)


class StepDialog(QDialog):
    submitted = Signal(dict)

    def __init__(self, title: str, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.setWindowTitle(title)
        self.setMinimumWidth(480)
        self.form = QFormLayout()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.setObjectName("stepButtons")
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setDefault(True)
        self.buttons.accepted.connect(self._on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)
        self.hint = QLabel(self.tr("Ctrl+回车 确定，Esc 取消"))
        self.hint.setStyleSheet("color: #666;")
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        bottom = QHBoxLayout()
        bottom.addWidget(self.hint)
        bottom.addStretch(1)
        bottom.addWidget(self.buttons)
        layout.addLayout(bottom)
        QShortcut(QKeySequence("Ctrl+Return"), self, self._on_buttons_accepted)
        QShortcut(QKeySequence("Ctrl+Enter"), self, self._on_buttons_accepted)

    def values(self) -> dict[str, object]:
        raise NotImplementedError

    def set_busy(self, busy: bool) -> None:
        """While the step is being saved, OK is disabled so it cannot be sent twice."""
        self.ok_button.setEnabled(not busy)

    def done_ok(self) -> None:
        self.accept()

    def _on_buttons_accepted(self) -> None:
        if self.ok_button.isEnabled():
            self.submitted.emit(self.values())


class ReasonDialog(StepDialog):
    """Suspend (暂停计时) or void (作废): a reason is required (checked by the service)."""

    def __init__(self, title: str, label: str, hint: str, name: str = "stepReasonDialog",
                 parent: QWidget | None = None, warning: str = "") -> None:
        super().__init__(title, name, parent)
        if warning:
            caution = QLabel(warning)
            caution.setObjectName("stepWarning")
            caution.setWordWrap(True)
            caution.setStyleSheet("color: #a00018; font-weight: bold;")
            self.form.addRow(caution)
        self.reason = QPlainTextEdit()
        self.reason.setObjectName("stepReason")
        self.reason.setPlaceholderText(hint)
        self.reason.setTabChangesFocus(True)
        self.reason.setMinimumHeight(90)
        self.reason.setMaximumHeight(140)
        label_widget = QLabel(label)
        label_widget.setBuddy(self.reason)
        self.form.addRow(label_widget, self.reason)
        self.reason.setFocus()

    def values(self) -> dict[str, object]:
        return {"reason": self.reason.toPlainText()}


class CompleteDialog(StepDialog):
    """办结: the decision (准予/不予许可) and the result handed over."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("办结"), "stepCompleteDialog", parent)
        self.approve = QRadioButton(self.tr("准予许可(&Y)"))
        self.approve.setObjectName("stepApproved")
        self.deny = QRadioButton(self.tr("不予许可(&N)"))
        self.deny.setObjectName("stepDenied")
        self.approve.setChecked(True)
        group = QButtonGroup(self)
        group.addButton(self.approve)
        group.addButton(self.deny)
        row = QWidget()
        h = QHBoxLayout(row)
        h.setContentsMargins(0, 0, 0, 0)
        h.addWidget(self.approve)
        h.addWidget(self.deny)
        h.addStretch(1)
        self.result = QPlainTextEdit()
        self.result.setObjectName("stepResult")
        self.result.setPlaceholderText(self.tr("办理结果，如：准予登记，核发营业执照（证号…）"))
        self.result.setTabChangesFocus(True)
        self.result.setMinimumHeight(90)
        self.result.setMaximumHeight(140)
        self.form.addRow(self.tr("决定"), row)
        result_label = QLabel(self.tr("办理结果(&R)"))
        result_label.setBuddy(self.result)
        self.form.addRow(result_label, self.result)
        self.result.setFocus()

    def values(self) -> dict[str, object]:
        return {"approved": self.approve.isChecked(), "result": self.result.toPlainText()}


class DeliverDialog(StepDialog):
    """出件: who collects the result, with the resident ID shown at the pickup window."""

    def __init__(self, default_name: str, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("出件签收"), "stepDeliverDialog", parent)
        self.name = QLineEdit(default_name)
        self.name.setObjectName("stepRecipient")
        self.id_number = QLineEdit()
        self.id_number.setObjectName("stepRecipientId")
        self.id_number.setPlaceholderText(self.tr("领取人居民身份证号码（18 位）"))
        self.id_number.setMaxLength(40)
        name_label = QLabel(self.tr("领取人(&L)"))
        name_label.setBuddy(self.name)
        id_label = QLabel(self.tr("身份证号(&I)"))
        id_label.setBuddy(self.id_number)
        self.form.addRow(name_label, self.name)
        self.form.addRow(id_label, self.id_number)
        self.form.addRow(QLabel(self.tr("请领取人在出件签收单上签字。")))
        (self.id_number if default_name else self.name).setFocus()

    def values(self) -> dict[str, object]:
        return {"recipient": self.name.text(), "recipient_id": self.id_number.text()}
