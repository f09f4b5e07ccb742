"""作废文书: void one printed paper of a case with a reason, and (by default) issue it again under a
new number. Opened with open(), never exec(). The void runs on the write pool; a refusal is shown
and what was typed stays. ``notice_voided(VoidResult)`` is emitted when it is saved.

:func:`void_notice_then` is the feature code's entry: the person signed in voids it if they may
(首席代表 of the case's department, or the business section), else a chief authorises it here
(授权, ui.auth.authorise_dialog) and the void is recorded as theirs, naming the clerk.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from app.context import Actor
from app.dto import StaffInfo
from app.services import Services
from app.voids.model import CATEGORIES, VoidResult
from ui.auth.authorise_dialog import authorise_then
from ui.errors import show_error
from ui.tasks import TaskRunner

ACTION = "notice.void"


class VoidNoticeDialog(QDialog):
    notice_voided = Signal(object)  # VoidResult

    def __init__(self, services: Services, runner: TaskRunner, actor: Actor, notice_id: str, title: str,
                 number: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services, self.runner, self.actor, self.notice_id = services, runner, actor, notice_id
        self.setObjectName("voidNoticeDialog")
        by = self.tr("（{name}授权）").format(name=actor.name) if actor.at_desk_of else ""
        self.setWindowTitle(self.tr("作废文书") + by)
        self.setMinimumWidth(520)
        layout = QVBoxLayout(self)
        head = QLabel(self.tr("作废《{title}》{number}").format(title=title, number=number))
        head.setStyleSheet("font-size: 16px; font-weight: bold;")
        layout.addWidget(head)
        warn = QLabel(self.tr("作废后该编号永不再用，已存档的PDF保留并另存一份加盖“作废”标记的副本，"
                              "记入作废号登记簿。请收回已打印的纸质文书。"))
        warn.setWordWrap(True)
        warn.setStyleSheet("color: #b00020;")
        layout.addWidget(warn)
        form = QFormLayout()
        self.category = QComboBox()
        self.category.setObjectName("voidCategory")
        for code, label in CATEGORIES.items():
            if code != "skipped":
                self.category.addItem(label, code)
        self.reason = QPlainTextEdit()
        self.reason.setObjectName("voidReason")
        self.reason.setPlaceholderText(self.tr("如：打印时纸张错位；申请人离开未取"))
        self.reason.setFixedHeight(70)
        self.reissue = QCheckBox(self.tr("重新出具这份文书（取得新编号，随后打印）"))
        self.reissue.setObjectName("voidReissue")
        self.reissue.setChecked(True)
        form.addRow(self.tr("作废类别(&L)"), self.category)
        form.addRow(self.tr("作废原因(&Y)"), self.reason)
        form.addRow("", self.reissue)
        layout.addLayout(form)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(self.tr("作废(&V)"))
        self.ok_button.setObjectName("voidOk")
        self.buttons.accepted.connect(self._on_submit)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.reason.setFocus()

    def _on_submit(self) -> None:
        self.ok_button.setEnabled(False)
        voids, actor, notice_id = self.services.voids, self.actor, self.notice_id
        category, reason, reissue = self.category.currentData(), self.reason.toPlainText(), self.reissue.isChecked()
        self.runner.run(lambda: voids.void_notice(actor, notice_id, category, reason, reissue=reissue),
                        self._on_voided, self._on_failed, write=True)

    def _on_voided(self, result: VoidResult) -> None:
        self.notice_voided.emit(result)
        self.accept()

    def _on_failed(self, exc: Exception) -> None:
        self.ok_button.setEnabled(True)
        show_error(self, exc)


def void_notice_then(parent: QWidget, services: Services, runner: TaskRunner, staff: StaffInfo, *,
                     case_id: str, notice_id: str, title: str, number: str,
                     then: Callable[[VoidResult], None], may: str | None) -> None:
    """Open the void dialog as the person signed in when ``may`` is None (they hold notice.void on
    this case); otherwise ask for 授权 first and void as the authoriser."""

    def open_as(actor: Actor) -> None:
        dialog = VoidNoticeDialog(services, runner, actor, notice_id, title, number, parent)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.notice_voided.connect(then)
        dialog.open()

    if may is None:
        open_as(Actor(staff.id, staff.name))
    else:
        authorise_then(parent, services, runner, staff, ACTION, open_as, case_id=case_id, subject=number)
