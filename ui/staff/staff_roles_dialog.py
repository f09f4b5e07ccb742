"""人员与角色: the hall's people and the roles they hold; an administrator or the hall's leadership
changes someone's roles with a reason (never their own).

The roster and who may change it are read on a worker when the dialog opens; a change is one write
on the task runner's write pool (``services.staff.set_roles``, audited). On a PC enrolled with the
central server the change takes effect once the server has applied it (the next pull brings the row
back), which the dialog says. A refusal or a missing reason is said inline and what was chosen stays.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.dto import StaffInfo
from app.errors import DomainError
from app.permissions import ROLE_LABELS
from app.services import Services
from ui.auth.gate import actor_of, grey, ungrey
from ui.errors import show_error
from ui.tasks import TaskRunner

ACTION = "staff.roles"
COLUMNS = ("用户名", "姓名", "窗口", "角色", "状态")


class StaffRolesDialog(QDialog):
    roles_changed = Signal(str)  # staff id

    def __init__(self, services: Services, runner: TaskRunner, staff: StaffInfo, parent: QWidget | None = None):
        super().__init__(parent)
        self.services, self.runner, self.staff = services, runner, staff
        self.roster: list = []
        self.refusal: str | None = self.tr("正在读取…")
        self.own_refusal: str | None = None
        self.setObjectName("staffRolesDialog")
        self.setWindowTitle(self.tr("人员与角色"))
        self.resize(980, 600)
        intro = QLabel(self.tr("角色决定每个人在本系统中能办理什么。一人可兼任几个角色；"
                               "修改须写明原因，记入审计，不能修改本人的角色。"))
        intro.setWordWrap(True)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("staffTable")
        self.table.setHorizontalHeaderLabels([self.tr(c) for c in COLUMNS])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        self.table.setTabKeyNavigation(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.currentCellChanged.connect(lambda row, *_: self._show(row))
        body = QHBoxLayout()
        body.addWidget(self.table, 3)
        body.addWidget(self._editor(), 2)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        buttons.button(QDialogButtonBox.StandardButton.Close).setAutoDefault(False)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(body, 1)
        layout.addWidget(buttons)
        self.table.setFocus()
        self.reload()

    def _editor(self) -> QGroupBox:
        box = QGroupBox(self.tr("修改角色"))
        self.who = QLabel(self.tr("请在左侧选择一个人。"))
        self.who.setObjectName("staffWho")
        self.who.setStyleSheet("font-weight: bold; color: #0d47a1;")
        self.checks: dict[str, QCheckBox] = {}
        grid = QGridLayout()
        for i, (code, label) in enumerate(ROLE_LABELS.items()):
            check = QCheckBox(label)
            check.setObjectName("role_" + code)
            self.checks[code] = check
            grid.addWidget(check, i // 2, i % 2)
        self.reason = QLineEdit()
        self.reason.setObjectName("staffRolesReason")
        self.reason.setPlaceholderText(self.tr("必填，如：任命为市场监管局首席代表"))
        self.reason.returnPressed.connect(self._on_save_clicked)
        self.save_button = QPushButton(self.tr("保存角色(&S)"))
        self.save_button.setObjectName("staffRolesSave")
        self.save_button.setAutoDefault(False)
        self.save_button.clicked.connect(self._on_save_clicked)
        self.message = QLabel()
        self.message.setObjectName("staffRolesMessage")
        self.message.setWordWrap(True)
        reason_label = QLabel(self.tr("变更原因(&Y)"))
        reason_label.setBuddy(self.reason)
        layout = QVBoxLayout(box)
        layout.addWidget(self.who)
        layout.addLayout(grid)
        layout.addSpacing(8)
        layout.addWidget(reason_label)
        layout.addWidget(self.reason)
        layout.addWidget(self.save_button, 0, Qt.AlignmentFlag.AlignRight)
        layout.addWidget(self.message)
        layout.addStretch(1)
        self._gate(None)
        return box

    def _editors(self) -> list[QWidget]:
        return [*self.checks.values(), self.reason, self.save_button]

    def reload(self) -> None:
        services, actor = self.services, actor_of(self.staff)

        def load() -> tuple[list, str | None, str | None]:
            return (services.staff.roster(), services.permissions.refusal(actor, ACTION),
                    services.permissions.refusal(actor, ACTION, requester_id=actor.id))

        self.runner.run(load, self._on_loaded, self._on_load_failed)

    def _on_load_failed(self, exc: Exception) -> None:
        self._say(exc.message if isinstance(exc, DomainError) else self.tr("读取人员名单失败。"), error=True)
        if not isinstance(exc, DomainError):
            show_error(self, exc)

    def _on_loaded(self, loaded: tuple[list, str | None, str | None]) -> None:
        chosen = self._current_id()
        self.roster, self.refusal, self.own_refusal = loaded
        self.table.setRowCount(len(self.roster))
        for row, p in enumerate(self.roster):
            state = self.tr("在岗") if p.active else self.tr("停用")
            cells = (p.login, p.name, p.window_label or "—", p.roles_label, state)
            for col, text in enumerate(cells):
                self.table.setItem(row, col, QTableWidgetItem(text))
        ids = [p.id for p in self.roster]
        row = ids.index(chosen) if chosen in ids else (0 if ids else -1)
        if row >= 0:
            self.table.selectRow(row)
        self._show(row)

    def _current_id(self) -> str | None:
        row = self.table.currentRow()
        return self.roster[row].id if 0 <= row < len(self.roster) else None

    def _show(self, row: int) -> None:
        person = self.roster[row] if 0 <= row < len(self.roster) else None
        self.who.setText(person.name + "（" + person.login + "）" if person else self.tr("请在左侧选择一个人。"))
        for code, check in self.checks.items():
            check.setChecked(bool(person and code in person.roles))
        self._gate(person)

    def _gate(self, person) -> None:
        """Who may change roles at all, and never one's own: greyed with the reason otherwise."""
        reason = self.refusal or (self.own_refusal if person is not None and person.id == self.staff.id else None)
        for w in self._editors():
            if reason:
                grey(w, reason)
            else:
                ungrey(w)
                w.setEnabled(person is not None)

    def _say(self, text: str, *, error: bool = False) -> None:
        self.message.setStyleSheet("color: #b00020;" if error else "color: #1b5e20; font-weight: bold;")
        self.message.setText(text)

    def _on_save_clicked(self) -> None:
        row = self.table.currentRow()
        if not 0 <= row < len(self.roster) or not self.save_button.isEnabled():
            return
        person, actor = self.roster[row], actor_of(self.staff)
        roles = [code for code, check in self.checks.items() if check.isChecked()]
        reason, staff_service = self.reason.text(), self.services.staff
        self.save_button.setEnabled(False)
        self.runner.run(lambda: staff_service.set_roles(actor, person.id, roles, reason),
                        lambda now: self._on_saved(person, now), self._on_save_failed, write=True)

    def _on_saved(self, person, now: bool) -> None:
        self.save_button.setEnabled(True)
        self.reason.clear()
        if now:
            self._say(self.tr("已保存：{name}的角色已修改。").format(name=person.name))
        else:
            self._say(self.tr("已提交中心，同步后生效：{name}的角色在中心服务器确认后修改。").format(name=person.name))
        self.roles_changed.emit(person.id)
        self.reload()

    def _on_save_failed(self, exc: Exception) -> None:
        self.save_button.setEnabled(True)
        if not isinstance(exc, DomainError):
            self._say(self.tr("保存未完成。"), error=True)
            show_error(self, exc)
            return
        self._say(exc.message, error=True)
        if exc.field == "reason":
            self.reason.setFocus()
