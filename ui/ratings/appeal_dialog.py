"""申诉: the rated staff member asks leadership to take a rating out of appraisal as malicious (恶意评价)
or mistaken (误评), with a reason. Once per rating; the service checks that it is the person's own
rating. The write runs on the write pool; a refusal is said inline and nothing typed is lost."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
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
from app.errors import DomainError
from app.ratings.policy import APPEAL_GROUNDS
from ui.errors import show_error
from ui.ratings.common import RED, at_text, level_text, reasons_text


class AppealDialog(QDialog):
    appealed = Signal(object)  # AppealItem

    def __init__(self, services, runner, staff, rating, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services, self.runner, self.staff, self.rating = services, runner, staff, rating
        self.actor = Actor(staff.id, staff.name)
        self.item = None  # the AppealItem once sent
        self.setObjectName("ratingAppealDialog")
        self.setWindowTitle(self.tr("对评价提出申诉"))
        self.setMinimumWidth(520)
        about = QLabel(self._about(rating))
        about.setObjectName("ratingAppealAbout")
        about.setWordWrap(True)
        self.ground = QComboBox()
        self.ground.setObjectName("ratingAppealGround")
        for code, label in APPEAL_GROUNDS.items():
            self.ground.addItem(label, code)
        self.reason = QPlainTextEdit()
        self.reason.setObjectName("ratingAppealReason")
        self.reason.setPlaceholderText(self.tr("请写明理由，如：办事人未到本窗口办理；评价时误触按钮"))
        self.reason.setTabChangesFocus(True)
        self.reason.setFixedHeight(90)
        self.error = QLabel()
        self.error.setObjectName("ratingAppealError")
        self.error.setWordWrap(True)
        self.error.setStyleSheet(f"color: {RED};")
        form = QFormLayout()
        form.addRow(self.tr("申诉类别(&G)"), self.ground)
        form.addRow(self.tr("申诉理由(&R)"), self.reason)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(self.tr("提交申诉(&S)"))
        self.ok_button.setObjectName("ratingAppealSubmit")
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        note = QLabel(self.tr("申诉由中心领导复核。申诉成立的评价不计入考核，但评价和复核结论都保留在记录中。"))
        note.setWordWrap(True)
        note.setStyleSheet("color: #555555;")
        layout = QVBoxLayout(self)
        layout.addWidget(about)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.ground.setFocus()

    def _about(self, rating) -> str:
        reasons = reasons_text(rating)
        lines = [
            self.tr("办件：") + f"{rating.case_number}　{rating.matter_name}",
            self.tr("评价：") + level_text(rating) + (f"（{reasons}）" if reasons else ""),
            self.tr("评价时间：") + at_text(rating.rated_at) + "　" + rating.channel_label,
        ]
        if rating.comment:
            lines.append(self.tr("评价意见：") + rating.comment)
        return "\n".join(lines)

    def submit(self) -> None:
        reason = self.reason.toPlainText().strip()
        if not reason:
            self.error.setText(self.tr("请填写申诉理由。"))
            self.reason.setFocus()
            return
        self.error.setText("")
        self.ok_button.setEnabled(False)
        ratings, actor, rating_id, ground = self.services.ratings, self.actor, self.rating.id, self.ground.currentData()
        self.runner.run(lambda: ratings.appeal(actor, rating_id, ground, reason), self._on_appealed,
                        self._on_failed, write=True, owner=self)

    def _on_appealed(self, item) -> None:
        self.item = item
        self.appealed.emit(item)
        self.accept()

    def _on_failed(self, exc: Exception) -> None:
        self.ok_button.setEnabled(True)
        if not isinstance(exc, DomainError):
            show_error(self, exc)
            return
        self.error.setText(exc.message)
        (self.ground if exc.field == "ground" else self.reason).setFocus()
