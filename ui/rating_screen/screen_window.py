"""The rating screen (评价器) itself: a frameless full-screen window on the applicant's monitor.

Four pages in big type: idle (the hall's name and a welcome, or 请您对本次服务进行评价 when a rating
is due), asking (matter, window, staff name and 工号, five big buttons), reasons for a 差评
(checkboxes of the national list, an optional comment and a callback phone typed on a big keypad)
and thank-you. The window only shows things and says what the applicant touched (signals); it
writes nothing: RatingScreenController decides and records.

Nothing on it is reachable from a keyboard: the buttons take no focus and have no shortcuts, keys
pressed on the window are swallowed, and it is shown without taking the focus from the clerk's
window. Only the comment field takes typing, for halls that give the applicant a keyboard.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent, QScreen
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.ratings.policy import LEVELS, REASONS, is_bad
from ui.rating_screen.keypad import PhoneKeypad

if TYPE_CHECKING:
    from app.ratings.booth import RatingPrompt

IDLE_PAGE, ASKING_PAGE, REASONS_PAGE, THANKS_PAGE = range(4)
WELCOME = "欢迎您！"
ASK = "请您对本次服务进行评价"
LEVEL_COLOURS = {5: "#1b7f3b", 4: "#43a047", 3: "#f9a825", 2: "#ef6c00", 1: "#c62828"}


def _label(text: str, name: str, role: str = "") -> QLabel:
    label = QLabel(text)
    label.setObjectName(name)
    label.setWordWrap(True)
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    if role:
        label.setProperty("role", role)
    return label


def _button(text: str, name: str, role: str) -> QPushButton:
    button = QPushButton(text)
    button.setObjectName(name)
    button.setProperty("role", role)
    button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # see module docstring: no keyboard path to a choice
    button.setAutoDefault(False)
    return button


def style_sheet(unit: int) -> str:
    """The window's look for a base type size of ``unit`` pixels (a twenty-sixth of the screen's height)."""
    levels = "\n".join(f"QPushButton#ratingLevel{n} {{ background: {c}; }}" for n, c in LEVEL_COLOURS.items())
    return f"""
        QWidget#ratingScreen {{ background: #f3f7fb; }}
        QLabel {{ color: #10243e; font-size: {unit}px; }}
        QLabel[role="hall"] {{ font-size: {unit * 6 // 5}px; color: #37474f; }}
        QLabel[role="title"] {{ font-size: {unit * 2}px; font-weight: bold; color: #0d47a1; }}
        QLabel[role="big"] {{ font-size: {unit * 5 // 2}px; font-weight: bold; color: #0d47a1; }}
        QLabel[role="info"] {{ font-size: {unit * 6 // 5}px; }}
        QLabel[role="note"] {{ font-size: {unit * 3 // 4}px; color: #546e7a; }}
        QLabel[role="problem"] {{ font-size: {unit}px; color: #b00020; font-weight: bold; }}
        QPushButton {{ font-size: {unit}px; border-radius: {unit // 3}px; }}
        QPushButton[role="level"] {{ font-size: {unit * 6 // 5}px; font-weight: bold; color: white;
            min-height: {unit * 4}px; border: none; }}
        QPushButton[role="level"]:pressed {{ border: {max(3, unit // 6)}px solid #0d47a1; }}
        QPushButton#ratingLevel3 {{ color: #10243e; }}
        {levels}
        QPushButton[role="action"] {{ background: #1565c0; color: white; min-height: {unit * 2}px;
            padding: 0 {unit}px; border: none; }}
        QPushButton[role="action"]:disabled {{ background: #90a4ae; }}
        QPushButton[role="plain"] {{ background: white; color: #1565c0; min-height: {unit * 2}px;
            padding: 0 {unit}px; border: 2px solid #1565c0; }}
        QPushButton[role="key"] {{ font-size: {unit * 6 // 5}px; background: white; color: #10243e;
            min-height: {unit * 2}px; min-width: {unit * 3}px; border: 2px solid #90a4ae; }}
        QPushButton[role="key"]:pressed {{ background: #e3f2fd; }}
        QCheckBox {{ font-size: {unit * 6 // 5}px; spacing: {unit // 2}px; color: #10243e; }}
        QCheckBox::indicator {{ width: {unit}px; height: {unit}px; }}
        QLineEdit {{ font-size: {unit}px; min-height: {unit * 8 // 5}px; padding: 0 {unit // 3}px;
            border: 2px solid #90a4ae; border-radius: {unit // 4}px; background: white; }}
    """


class RatingScreen(QWidget):
    """The applicant's window. Signals carry what was touched; the controller does the rest."""

    level_chosen = Signal(int)
    reasons_submitted = Signal(int, list, str, str)  # level (a 差评), reason codes, comment, phone
    touched = Signal()  # any touch: the applicant is still there (the time-out starts again)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window | Qt.WindowType.FramelessWindowHint)
        self.setObjectName("ratingScreen")
        self.setWindowTitle("服务评价")
        self.setAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating)  # the clerk keeps the keyboard
        self.setAttribute(Qt.WidgetAttribute.WA_QuitOnClose, False)  # never what keeps the app running
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
        self.level = 0
        self.stack = QStackedWidget()
        for page in (self._idle_page(), self._asking_page(), self._reasons_page(), self._thanks_page()):
            self.stack.addWidget(page)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.stack)
        self.set_scale(600)

    # -- pages -----------------------------------------------------------------------------------
    def _idle_page(self) -> QWidget:
        page = QWidget()
        self.idle_hall = _label("", "ratingIdleHall", "big")
        self.idle_text = _label(WELCOME, "ratingIdleText", "title")
        note = _label("政务服务“好差评”　一次一评", "ratingIdleNote", "note")
        layout = QVBoxLayout(page)
        layout.addStretch(2)
        for widget in (self.idle_hall, self.idle_text):
            layout.addWidget(widget)
            layout.addSpacing(24)
        layout.addStretch(3)
        layout.addWidget(note)
        return page

    def _asking_page(self) -> QWidget:
        page = QWidget()
        self.asking_hall = _label("", "ratingAskingHall", "hall")
        title = _label(ASK, "ratingAskingTitle", "title")
        self.matter = _label("", "ratingMatter", "info")
        self.window_label = _label("", "ratingWindow", "info")
        self.staff = _label("", "ratingStaff", "info")
        buttons = QHBoxLayout()
        buttons.setSpacing(16)
        self.level_buttons: dict[int, QPushButton] = {}
        for level, text in LEVELS.items():  # 非常满意 … 非常不满意, left to right, as on every 评价器
            button = _button(text, f"ratingLevel{level}", "level")
            button.clicked.connect(lambda _checked=False, n=level: self._on_level_clicked(n))
            buttons.addWidget(button, 1)
            self.level_buttons[level] = button
        self.asking_countdown = _label("", "ratingCountdown", "note")
        layout = QVBoxLayout(page)
        layout.setContentsMargins(40, 24, 40, 24)
        layout.addWidget(self.asking_hall)
        layout.addStretch(1)
        layout.addWidget(title)
        layout.addSpacing(16)
        for widget in (self.matter, self.window_label, self.staff):
            layout.addWidget(widget)
        layout.addStretch(1)
        layout.addLayout(buttons)
        layout.addStretch(1)
        layout.addWidget(_label("您的评价将如实记录，用于改进政务服务。", "ratingAskingNote", "note"))
        layout.addWidget(self.asking_countdown)
        return page

    def _reasons_page(self) -> QWidget:
        page = QWidget()
        title = _label("请选择不满意的原因（可多选）", "ratingReasonsTitle", "title")
        checks = QHBoxLayout()
        self.reason_boxes: dict[str, QCheckBox] = {}
        for code, text in REASONS.items():
            box = QCheckBox(text)
            box.setObjectName("ratingReason_" + code)
            box.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            box.toggled.connect(lambda _on: self._on_touched())
            checks.addStretch(1)
            checks.addWidget(box)
            self.reason_boxes[code] = box
        checks.addStretch(1)
        self.comment = QLineEdit()
        self.comment.setObjectName("ratingComment")
        self.comment.setMaxLength(500)
        self.comment.setPlaceholderText("意见建议（可不填）")
        self.comment.textEdited.connect(lambda _t: self._on_touched())
        self.phone = QLineEdit()
        self.phone.setObjectName("ratingPhone")
        self.phone.setReadOnly(True)  # typed on the keypad beside it
        self.phone.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.phone.setPlaceholderText("回访电话（可不填）")
        keypad = PhoneKeypad(self.phone)
        keypad.touched.connect(self._on_touched)
        self.problem = _label("", "ratingProblem", "problem")
        self.reasons_countdown = _label("", "ratingReasonsCountdown", "note")
        layout = QVBoxLayout(page)
        layout.setContentsMargins(40, 24, 40, 24)
        layout.addWidget(title)
        layout.addSpacing(12)
        layout.addLayout(checks)
        layout.addSpacing(24)
        layout.addLayout(self._reasons_body(keypad), 1)
        layout.addWidget(self.problem)
        layout.addLayout(self._reasons_buttons())
        layout.addWidget(self.reasons_countdown)
        return page

    def _reasons_body(self, keypad: PhoneKeypad) -> QHBoxLayout:
        fields = QVBoxLayout()
        for text, name, field in (("意见建议（可不填）", "ratingCommentLabel", self.comment),
                                  ("回访电话（可不填，仅供中心督查回访您时使用）", "ratingPhoneLabel", self.phone)):
            label = _label(text, name)
            label.setAlignment(Qt.AlignmentFlag.AlignLeft)
            fields.addWidget(label)
            fields.addWidget(field)
            fields.addSpacing(16)
        fields.addStretch(1)
        pad = QVBoxLayout()
        pad.addWidget(keypad)
        pad.addStretch(1)
        body = QHBoxLayout()
        body.setSpacing(32)
        body.addLayout(fields, 3)
        body.addLayout(pad, 2)
        return body

    def _reasons_buttons(self) -> QHBoxLayout:
        self.back_button = _button("返回重选", "ratingBack", "plain")
        self.back_button.clicked.connect(self._on_back_clicked)
        self.submit_button = _button("提交评价", "ratingSubmit", "action")
        self.submit_button.clicked.connect(self._on_submit_clicked)
        row = QHBoxLayout()
        row.addWidget(self.back_button)
        row.addStretch(1)
        row.addWidget(self.submit_button)
        return row

    def _thanks_page(self) -> QWidget:
        page = QWidget()
        self.thanks = _label("感谢您的评价！", "ratingThanks", "big")
        self.thanks_note = _label("", "ratingThanksNote", "info")
        layout = QVBoxLayout(page)
        layout.setContentsMargins(60, 24, 60, 24)
        layout.addStretch(2)
        layout.addWidget(self.thanks)
        layout.addSpacing(24)
        layout.addWidget(self.thanks_note)
        layout.addStretch(3)
        return page

    # -- what the controller shows ---------------------------------------------------------------
    def place_on(self, screen: QScreen) -> None:
        """Full screen on ``screen`` (the applicant's), type sized to it."""
        self.setScreen(screen)
        self.setGeometry(screen.geometry())
        self.set_scale(screen.geometry().height())
        self.showFullScreen()

    def set_scale(self, height: int) -> None:
        self.setStyleSheet(style_sheet(max(16, height // 26)))

    def page(self) -> int:
        return self.stack.currentIndex()

    def show_idle(self, hall_name: str, due: bool = False) -> None:
        self.idle_hall.setText(hall_name)
        self.idle_text.setText(ASK if due else WELCOME)
        self.stack.setCurrentIndex(IDLE_PAGE)

    def show_asking(self, prompt: RatingPrompt) -> None:
        self.level = 0
        self.asking_hall.setText(prompt.hall_name)
        self.matter.setText("办理事项：" + prompt.matter_name)
        self.window_label.setText("办理窗口：" + (prompt.window_label or "—"))
        number = f"（工号 {prompt.staff_no}）" if prompt.staff_no else ""
        self.staff.setText("工作人员：" + (prompt.staff_name or "—") + number)
        for box in self.reason_boxes.values():
            box.setChecked(False)
        self.comment.clear()
        self.phone.clear()
        self.problem.clear()
        self.set_busy(False)
        self.stack.setCurrentIndex(ASKING_PAGE)

    def show_problem(self, message: str) -> None:
        """A refusal of what was entered (InvalidInput): said on the reasons page, input kept."""
        self.set_busy(False)
        self.problem.setText(message)
        if self.stack.currentIndex() != REASONS_PAGE:
            self.stack.setCurrentIndex(REASONS_PAGE if is_bad(self.level) else ASKING_PAGE)

    def show_thanks(self, note: str) -> None:
        self.thanks_note.setText(note)
        self.stack.setCurrentIndex(THANKS_PAGE)

    def set_busy(self, busy: bool) -> None:
        """While the rating is being saved nothing more can be touched (one rating, once)."""
        for button in (*self.level_buttons.values(), self.submit_button, self.back_button):
            button.setEnabled(not busy)

    def set_countdown(self, seconds: int) -> None:
        text = f"{seconds} 秒内未评价将自动返回" if seconds > 0 else ""
        self.asking_countdown.setText(text)
        self.reasons_countdown.setText(text)

    # -- what the applicant touched --------------------------------------------------------------
    def _on_level_clicked(self, level: int) -> None:
        self.level = level
        self.touched.emit()
        if is_bad(level):  # a 差评 asks why before anything is recorded
            self.problem.clear()
            self.stack.setCurrentIndex(REASONS_PAGE)
            return
        self.level_chosen.emit(level)

    def _on_submit_clicked(self) -> None:
        reasons = [code for code, box in self.reason_boxes.items() if box.isChecked()]
        if not reasons:
            self.problem.setText("请至少选择一项不满意的原因。")
            self.touched.emit()
            return
        self.reasons_submitted.emit(self.level, reasons, self.comment.text(), self.phone.text())

    def _on_back_clicked(self) -> None:
        self.touched.emit()
        self.stack.setCurrentIndex(ASKING_PAGE)

    def _on_touched(self) -> None:
        self.touched.emit()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Swallowed: no key chooses, submits or closes anything here (see module docstring)."""
        event.accept()
