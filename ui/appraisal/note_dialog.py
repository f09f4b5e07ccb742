"""The appraisal's one-line decisions, each a note and one service call: 批准 / 不批准 an item (a refusal
needs its reason), a 首席代表's 意见 (on the department, or on one of its people), the leadership's
批准提高优秀比例, and 发布 / 更正发布 (a correction needs its reason). The caller says what the note is
(its label and the service's field) and gives the call; the service's refusal is said next to the note
and what was typed stays."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtWidgets import QLineEdit, QPlainTextEdit, QWidget

from ui.appraisal.common import AppraisalFormDialog, TargetChooser


class NoteDialog(AppraisalFormDialog):
    """``call(note, staff_id)`` runs on the write pool. ``people`` (PersonScore) offers a chooser whose
    first entry is ``none_label`` (the note is then about no one person); ``multiline`` for long text."""

    def __init__(self, runner, title: str, name: str, intro: str, note_label: str, field: str,
                 call: Callable[[str, str | None], Any], parent: QWidget | None = None, *,
                 ok_text: str = "确定(&O)", placeholder: str = "", multiline: bool = False,
                 people: Sequence[Any] | None = None, none_label: str = "", extra_fields: Sequence[str] = ()) -> None:
        super().__init__(runner, title, name, parent, ok_text=ok_text)
        self._call = call
        self.set_intro(intro)
        self.target: TargetChooser | None = None
        if people is not None:
            self.target = TargetChooser(name + "Target")
            self.target.set_targets(people, none_label=none_label)
            self.add_row("对象(&T)", self.target, ("staff_id",))
        self.note: QLineEdit | QPlainTextEdit
        if multiline:
            self.note = QPlainTextEdit()
            self.note.setTabChangesFocus(True)
            self.note.setFixedHeight(90)
            self.note.setToolTip(self.tr("Ctrl+Enter 提交"))
        else:
            self.note = QLineEdit()
            self.note.setMaxLength(500)
        self.note.setObjectName(name + "Note")
        self.note.setPlaceholderText(placeholder)
        self.add_row(note_label, self.note, (field, *extra_fields))
        self.note.setFocus()

    def text(self) -> str:
        return self.note.toPlainText() if isinstance(self.note, QPlainTextEdit) else self.note.text()

    def set_text(self, text: str) -> None:
        if isinstance(self.note, QPlainTextEdit):
            self.note.setPlainText(text)
        else:
            self.note.setText(text)

    def call(self) -> Callable[[], Any]:
        text = self.text()
        staff_id = self.target.target()[0] if self.target is not None else None
        call = self._call
        return lambda: call(text, staff_id)
