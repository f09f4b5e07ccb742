"""登记跳号: void a number of this PC's blocks that no paper carries (a number skipped), with a
reason. Opened with open(), never exec(); the void runs on the write pool; a refusal is shown and
what was typed stays. ``number_voided(VoidEntry)`` is emitted when it is saved.

:func:`skip_number_then`: as the person signed in if they may (notice.void at this PC's window),
else a 首席代表 authorises it here (授权) and it is recorded as theirs.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from app.context import Actor
from app.dto import StaffInfo
from app.services import Services
from app.voids.model import VoidEntry
from ui.auth.authorise_dialog import authorise_then
from ui.errors import show_error
from ui.tasks import TaskRunner


class SkipNumberDialog(QDialog):
    number_voided = Signal(object)  # VoidEntry

    def __init__(self, services: Services, runner: TaskRunner, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services, self.runner, self.actor = services, runner, actor
        self.setObjectName("skipNumberDialog")
        by = self.tr("（{name}授权）").format(name=actor.name) if actor.at_desk_of else ""
        self.setWindowTitle(self.tr("登记跳号") + by)
        self.setMinimumWidth(480)
        layout = QVBoxLayout(self)
        note = QLabel(self.tr("本机编号段中未出具文书的编号（跳号）登记作废后永不再用，并记入作废号登记簿。"))
        note.setWordWrap(True)
        layout.addWidget(note)
        form = QFormLayout()
        self.number = QLineEdit()
        self.number.setObjectName("skipNumber")
        self.number.setPlaceholderText(self.tr("如 DEMO-2026-SL000123"))
        self.reason = QLineEdit()
        self.reason.setObjectName("skipReason")
        self.reason.setPlaceholderText(self.tr("如：打印程序中断，该号未出具文书"))
        form.addRow(self.tr("文书编号(&N)"), self.number)
        form.addRow(self.tr("作废原因(&Y)"), self.reason)
        layout.addLayout(form)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(self.tr("登记作废(&V)"))
        self.ok_button.setObjectName("skipOk")
        buttons.accepted.connect(self._on_submit)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def _on_submit(self) -> None:
        self.ok_button.setEnabled(False)
        voids, actor, number, reason = self.services.voids, self.actor, self.number.text(), self.reason.text()
        self.runner.run(lambda: voids.void_number(actor, number, "skipped", reason), self._on_voided,
                        self._on_failed, write=True)

    def _on_voided(self, entry: VoidEntry) -> None:
        self.number_voided.emit(entry)
        self.accept()

    def _on_failed(self, exc: Exception) -> None:
        self.ok_button.setEnabled(True)
        show_error(self, exc)


def skip_number_then(parent: QWidget, services: Services, runner: TaskRunner, staff: StaffInfo, *,
                     then: Callable[[VoidEntry], None], may: str | None) -> None:
    def open_as(actor: Actor) -> None:
        dialog = SkipNumberDialog(services, runner, actor, parent)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.number_voided.connect(then)
        dialog.open()

    if may is None:
        open_as(Actor(staff.id, staff.name))
    else:
        authorise_then(parent, services, runner, staff, "notice.void", open_as, here=True)
