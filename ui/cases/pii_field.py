"""A masked number in a case's own view (证件号码, 联系电话) with its 显示 button.

显示 asks the ledger for the full number on the write pool, because each reveal is audited there
(``LedgerService.reveal``: who, which case, which field); 隐藏 masks it again without asking anything.
The button takes the keyboard focus like any other (Tab, or Alt+X; Space presses it)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from app.dto import PiiField, StaffInfo
from app.services import Services
from ui.auth.gate import actor_of
from ui.errors import show_error
from ui.tasks import TaskRunner


class PiiFieldWidget(QWidget):
    revealed = Signal(str)  # the field's value

    def __init__(self, services: Services, runner: TaskRunner, staff: StaffInfo, case_id: str, field: PiiField,
                 masked: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services, self.runner, self.staff, self.case_id, self.field = services, runner, staff, case_id, field
        self.masked = masked
        self.shown = False
        self.setObjectName("casePii_" + field.value)
        self.text = QLabel(masked)
        self.text.setObjectName("casePiiText_" + field.value)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.button = QPushButton(self.tr("显示(&X)"))
        self.button.setObjectName("caseReveal_" + field.value)
        self.button.setAutoDefault(False)
        self.button.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.button.setToolTip(self.tr("显示完整号码（将记入审计日志：谁、哪个办件、哪一项）"))
        self.button.setAccessibleName(self.tr("显示完整") + field.label)
        self.button.clicked.connect(self._on_button_clicked)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.text)
        layout.addWidget(self.button)
        layout.addStretch(1)

    def _on_button_clicked(self) -> None:
        if self.shown:
            self.shown = False
            self.text.setText(self.masked)
            self.button.setText(self.tr("显示(&X)"))
            return
        ledger, actor, case_id, field = self.services.ledger, actor_of(self.staff), self.case_id, self.field
        self.button.setEnabled(False)
        self.runner.run(lambda: ledger.reveal(actor, case_id, field), self._on_revealed, self._on_reveal_failed,
                        write=True, owner=self)

    def _on_revealed(self, value: str) -> None:
        self.shown = True
        self.text.setText(value)
        self.button.setText(self.tr("隐藏(&X)"))
        self.button.setEnabled(True)
        self.revealed.emit(value)

    def _on_reveal_failed(self, exc: Exception) -> None:
        self.button.setEnabled(True)
        show_error(self, exc)
