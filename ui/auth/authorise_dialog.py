"""授权: a 首席代表 or administrator walks over to a clerk's PC and types their own login and password
for ONE action, which is then recorded as theirs (naming the clerk signed in here).

Contract: opened with open(), never exec(). The password is checked by ``services.auth.authorise``
on the read pool (argon2 takes a moment by design). A wrong password or a person who may not
authorise the action is said inline, and what was typed stays. When it checks, ``authorised(actor)``
is emitted with the authoriser as the Actor to hand to the service call, and the dialog closes.
Cancel (Esc) emits nothing. Feature code uses :func:`authorise_then`.
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
from app.errors import AuthenticationFailed, DomainError
from app.services import Services
from ui.auth.gate import authorisers
from ui.errors import show_error
from ui.tasks import TaskRunner


class AuthoriseDialog(QDialog):
    authorised = Signal(object)  # Actor: the authoriser, for this one action

    def __init__(self, services: Services, runner: TaskRunner, staff: StaffInfo, action: str, *,
                 case_id: str | None = None, here: bool = False, subject: str = "",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services, self.runner, self.staff, self.action = services, runner, staff, action
        self.case_id, self.here = case_id, here
        self.actor: Actor | None = None
        self.setObjectName("authoriseDialog")
        self.setWindowTitle(self.tr("{who}授权").format(who=authorisers(action) or self.tr("主管")))
        self.setMinimumWidth(520)
        heading = QLabel(self.windowTitle())  # said inside too: a counter PC's title bar is easy to miss
        heading.setObjectName("authoriseHeading")
        heading.setStyleSheet("font-size: 17px; font-weight: bold; color: #0d47a1;")
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(self._intro(subject))
        layout.addLayout(self._form())
        self.message = QLabel()
        self.message.setObjectName("authoriseMessage")
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #b00020;")
        self.message.setMinimumHeight(self.message.fontMetrics().lineSpacing() * 2)  # no jump when it speaks
        layout.addWidget(self.message)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(self.tr("授权(&O)"))
        self.ok_button.setObjectName("authoriseOk")
        for button in self.buttons.buttons():  # Enter is handled by the fields, so it never submits twice
            button.setAutoDefault(False)
            button.setDefault(False)
        self.buttons.accepted.connect(self._on_submit)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.login.setFocus()

    def _intro(self, subject: str) -> QLabel:
        label = self.services.permissions.label(self.action)
        what = label + ("：" + subject if subject else "")
        text = self.tr("<b>{what}</b><br>须由{who}办理。请其本人在下面输入用户名和密码："
                       "本次操作记为其办理，并注明是在{clerk}的电脑上授权的。")
        intro = QLabel(text.format(what=_escaped(what), who=self.services.permissions.who_may(self.action),
                                   clerk=_escaped(self.staff.name)))
        intro.setObjectName("authoriseIntro")
        intro.setWordWrap(True)
        intro.setTextFormat(Qt.TextFormat.RichText)
        return intro

    def _form(self) -> QFormLayout:
        self.login = QLineEdit()
        self.login.setObjectName("authoriseLogin")
        self.login.setPlaceholderText(self.tr("授权人的用户名"))
        self.password = QLineEdit()
        self.password.setObjectName("authorisePassword")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.login.returnPressed.connect(self._on_login_return)
        self.password.returnPressed.connect(self._on_submit)
        form = QFormLayout()
        form.addRow(self.tr("授权人用户名(&U)"), self.login)
        form.addRow(self.tr("密码(&P)"), self.password)
        hint = QLabel(self.tr("回车 授权，Esc 取消"))
        hint.setStyleSheet("color: #666;")
        form.addRow("", hint)
        return form

    def _on_login_return(self) -> None:
        if self.password.text():
            self._on_submit()
        else:
            self.password.setFocus()

    def _say(self, text: str, color: str = "#b00020") -> None:
        self.message.setStyleSheet("color: " + color + ";")
        self.message.setText(text)

    def _on_submit(self) -> None:
        if not self.ok_button.isEnabled():
            return
        login, password = self.login.text().strip(), self.password.text()
        if not login or not password:
            self._say(self.tr("请输入授权人的用户名和密码。"))
            (self.password if login else self.login).setFocus()
            return
        self.ok_button.setEnabled(False)
        self._say(self.tr("正在核对…"), "#555")
        auth, at_desk_of, action, case_id, here = (self.services.auth, self.staff.id, self.action,
                                                   self.case_id, self.here)
        self.runner.run(lambda: auth.authorise(login, password, at_desk_of, action, case_id=case_id, here=here),
                        self._on_authorised, self._on_refused)

    def _on_authorised(self, actor: Actor) -> None:
        self.actor = actor
        self.authorised.emit(actor)
        self.accept()

    def _on_refused(self, exc: Exception) -> None:
        self.ok_button.setEnabled(True)
        if not isinstance(exc, DomainError):
            self._say(self.tr("核对未完成，请重试。"))
            show_error(self, exc)
            return
        self._say(exc.message)
        field = self.password if isinstance(exc, AuthenticationFailed) else self.login
        field.setFocus()
        field.selectAll()  # retyping replaces it; nothing is cleared


def _escaped(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def authorise_then(parent: QWidget, services: Services, runner: TaskRunner, staff: StaffInfo, action: str,
                   then: Callable[[Actor], None], *, case_id: str | None = None, here: bool = False,
                   subject: str = "") -> AuthoriseDialog:
    """Ask for 授权 of ``action`` and, once it checks, call ``then(authoriser)`` on the GUI thread; the
    caller passes that Actor to the one service call it makes. Cancel: ``then`` is never called."""
    dialog = AuthoriseDialog(services, runner, staff, action, case_id=case_id, here=here, subject=subject,
                             parent=parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.authorised.connect(then)
    dialog.open()
    return dialog
