"""Small input dialogs for case steps. Opened with open(); they emit ``submitted`` and stay
open until the step is saved, so a refused step keeps what was typed."""

from __future__ import annotations

from PySide6.QtCore import Signal
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

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("stepDialog")
        self.setWindowTitle(title)
        self.setMinimumWidth(460)
        self.form = QFormLayout()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(lambda: self.submitted.emit(self.values()))
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(self.buttons)

    def values(self) -> dict[str, object]:
        raise NotImplementedError


class ReasonDialog(StepDialog):
    """Suspend (暂停计时) or void (作废): a reason is required."""

    def __init__(self, title: str, label: str, hint: str, parent: QWidget | None = None) -> None:
        super().__init__(title, parent)
        self.reason = QPlainTextEdit()
        self.reason.setObjectName("stepReason")
        self.reason.setPlaceholderText(hint)
        self.reason.setMaximumHeight(110)
        self.form.addRow(label, self.reason)

    def values(self) -> dict[str, object]:
        return {"reason": self.reason.toPlainText()}


class CompleteDialog(StepDialog):
    """办结: the decision (准予/不予许可) and the result handed over."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("办结"), parent)
        self.approve = QRadioButton(self.tr("准予许可"))
        self.approve.setObjectName("stepApproved")
        self.deny = QRadioButton(self.tr("不予许可"))
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
        self.result.setMaximumHeight(110)
        self.form.addRow(self.tr("决定"), row)
        self.form.addRow(self.tr("办理结果"), self.result)

    def values(self) -> dict[str, object]:
        return {"approved": self.approve.isChecked(), "result": self.result.toPlainText()}


class DeliverDialog(StepDialog):
    """出件: who collects the result, with the ID shown at the pickup window."""

    def __init__(self, default_name: str, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("出件签收"), parent)
        self.name = QLineEdit(default_name)
        self.name.setObjectName("stepRecipient")
        self.id_number = QLineEdit()
        self.id_number.setObjectName("stepRecipientId")
        self.id_number.setPlaceholderText(self.tr("领取人居民身份证号码"))
        self.form.addRow(self.tr("领取人"), self.name)
        self.form.addRow(self.tr("身份证号"), self.id_number)
        self.form.addRow(QLabel(self.tr("请领取人在出件签收单上签字。")))

    def values(self) -> dict[str, object]:
        return {"recipient": self.name.text(), "recipient_id": self.id_number.text()}
