"""What the appraisal screens share: how points, scores and rates read on screen, the names of the
records a fact comes from, the person/window chooser, and the base of the small forms (a write on
the write pool; a refusal said in red next to the field it is about, the field focused, nothing typed
lost). Nothing here touches storage."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QBoxLayout,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from app.errors import DomainError
from ui.errors import show_error

RED, GREEN, AMBER, GREY = "#b00020", "#1b7f3b", "#8a6d00", "#555555"
# the record a fact names (Fact.source_entity), as staff call it
SOURCE_LABELS = {
    "attendance_day": "考勤月报的当天记录", "case": "办件", "rating": "办事人评价", "empty_post": "空岗记录",
    "inspection": "查岗记录", "commendation": "表扬信/锦旗登记", "peer_result": "互评结果",
    "appraisal_item": "考核加减分事项",
}
GRADE_COLOURS = {"excellent": GREEN, "basic": AMBER, "unfit": RED}
STATUS_COLOURS = {"proposed": AMBER, "approved": GREEN, "refused": GREY}
NO_TARGET = "（请选择）"


def points_text(value: float) -> str:
    """+2 / -2.5 / 0: a fact's or a sum's points, signed."""
    value = round(value, 2)
    return "0" if abs(value) < 1e-9 else f"{value:+g}"


def score_text(value: float) -> str:
    return f"{value:.1f}"


def rate_text(rate: float) -> str:
    """0.2 -> 20%."""
    return f"{round(rate * 100, 1):g}%"


def month_text(year: int, month: int) -> str:
    return f"{year}年{month}月"


class TargetChooser(QComboBox):
    """A person (name, 工号, window) or a window of the month's draft (item data "staff:<id>" or
    "window:<id>"); the first entry chooses nobody
    (the service then says to choose), or stands for "nobody in particular" when ``none_label`` is given."""

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.setMinimumContentsLength(24)
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)

    def set_targets(self, people: Iterable[Any], windows: Iterable[Any] = (), *, exclude: str | None = None,
                    none_label: str = NO_TARGET) -> None:
        """``people``: PersonScore, ``windows``: WindowScore (from a MonthAppraisal)."""
        self.clear()
        self.addItem(self.tr(none_label), None)
        for p in people:
            if p.person.staff_id == exclude:
                continue  # never about oneself
            person = p.person
            self.addItem(f"{person.name}（{person.staff_no}，{person.window_label or person.department_name}）",
                         f"staff:{person.staff_id}")
        for w in windows:
            self.addItem(self.tr("窗口：") + w.window.label, f"window:{w.window.window_id}")

    def choose(self, kind: str, target_id: str | None) -> bool:
        index = self.findData(f"{kind}:{target_id}")
        if index >= 0:
            self.setCurrentIndex(index)
        return index >= 0

    def target(self) -> tuple[str | None, str | None]:
        """(staff_id, window_id) of the choice; (None, None) when none."""
        data = self.currentData()
        if not data:
            return None, None
        kind, target_id = str(data).split(":", 1)
        return (target_id, None) if kind == "staff" else (None, target_id)


class AppraisalFormDialog(QDialog):
    """A small form whose OK runs one service call on the write pool. Subclasses add their rows with
    :meth:`add_row` naming the service's fields each row answers for, and implement :meth:`call`
    (read the widgets on the GUI thread, return the function to run). ``saved`` carries its result."""

    saved = Signal(object)

    def __init__(self, runner, title: str, name: str, parent: QWidget | None = None, *,
                 ok_text: str = "确定(&O)") -> None:
        super().__init__(parent)
        self.runner = runner
        self.result_value: Any = None
        self.setObjectName(name)
        self.setWindowTitle(self.tr(title))
        self.setMinimumWidth(520)
        self.layout_ = QVBoxLayout(self)
        self.intro = QLabel()
        self.intro.setObjectName(name + "Intro")
        self.intro.setWordWrap(True)
        self.intro.setVisible(False)
        self.layout_.addWidget(self.intro)
        self.form = QFormLayout()
        self.layout_.addLayout(self.form)
        self.error = _error_label(name + "Error")  # what belongs to no one field (not permitted ...)
        self.layout_.addWidget(self.error)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(self.tr(ok_text))
        self.ok_button.setObjectName(name + "Ok")
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        self.layout_.addWidget(self.buttons)
        self.field_widgets: dict[str, QWidget] = {}
        self.field_errors: dict[str, QLabel] = {}
        self._error_forms: dict[QLabel, QFormLayout | None] = {}

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Ctrl+Enter submits from anywhere (a multi-line note keeps Enter for new lines)."""
        ctrl = event.modifiers() & Qt.KeyboardModifier.ControlModifier
        if ctrl and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.submit()
            return
        super().keyPressEvent(event)

    def set_intro(self, text: str) -> None:
        self.intro.setText(text)
        self.intro.setVisible(bool(text))

    def add_row(self, label: str, widget: QWidget, fields: Sequence[str] = (),
                form: QFormLayout | None = None) -> None:
        """A labelled row of ``form`` (default: the dialog's; ``label`` with its mnemonic, buddy ``widget``)
        and, below it, the red line for a refusal of any of ``fields``."""
        form = form if form is not None else self.form
        caption = QLabel(self.tr(label))
        caption.setBuddy(widget)
        form.addRow(caption, widget)
        if fields:
            error = _error_label(f"{self.objectName()}Error_{fields[0]}")
            form.addRow("", error)
            form.setRowVisible(error, False)
            self._register(error, widget, fields, form)

    def add_error_below(self, layout: QBoxLayout, widget: QWidget, fields: Sequence[str]) -> None:
        """The red line for ``fields`` at the end of ``layout`` (for a table rather than a form row)."""
        error = _error_label(f"{self.objectName()}Error_{fields[0]}")
        layout.addWidget(error)
        self._register(error, widget, fields, None)

    def _register(self, error: QLabel, widget: QWidget, fields: Sequence[str], form: QFormLayout | None) -> None:
        self._error_forms[error] = form
        for field in fields:
            self.field_widgets[field] = widget
            self.field_errors[field] = error

    def _set_error(self, label: QLabel, text: str) -> None:
        label.setText(text)
        form = self._error_forms.get(label)
        if form is not None:
            form.setRowVisible(label, bool(text))
        else:
            label.setVisible(bool(text))

    # -- submitting -------------------------------------------------------------------------------
    def call(self) -> Callable[[], Any] | None:
        """The service call to run, with the values read now; None to send nothing."""
        raise NotImplementedError

    def submit(self) -> None:
        if not self.ok_button.isEnabled():
            return
        self.clear_errors()
        fn = self.call()
        if fn is None:
            return
        self.ok_button.setEnabled(False)
        self.runner.run(fn, self._on_saved, self._on_failed, write=True, owner=self)

    def _on_saved(self, value: Any) -> None:
        self.result_value = value
        self.saved.emit(value)
        self.accept()

    def _on_failed(self, exc: Exception) -> None:
        self.ok_button.setEnabled(True)
        if not isinstance(exc, DomainError):
            show_error(self, exc)
            return
        self.show_refusal(exc)

    def show_refusal(self, exc: DomainError) -> None:
        """The message next to its field (focused), or under the form when it is about none."""
        field = getattr(exc, "field", None) or ""
        label = self.field_errors.get(field)
        if label is None:
            self.error.setText(exc.message)
            self.error.setVisible(True)
            return
        self._set_error(label, exc.message)
        self.field_widgets[field].setFocus()

    def clear_errors(self) -> None:
        self.error.setText("")
        self.error.setVisible(False)
        for label in self._error_forms:
            self._set_error(label, "")

    def shown_errors(self) -> list[str]:
        """Every refusal on screen (for tests and the log)."""
        labels = [self.error, *self._error_forms]
        return [label.text() for label in labels if label.text()]


def _error_label(name: str) -> QLabel:
    label = QLabel()
    label.setObjectName(name)
    label.setWordWrap(True)
    label.setStyleSheet(f"color: {RED};")
    label.setVisible(False)
    return label
