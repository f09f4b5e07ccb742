"""The intake workspace (收件受理): find the matter, take the applicant and the materials,
decide as Art. 32 says. Also continues a case received earlier (decide within 5 days)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.cases.rules import Action, MaterialCheck, MaterialStatus
from app.context import Actor
from app.dto import CaseView, DecisionInput, IntakeRequest, MatterDetail, MatterSummary, StaffInfo
from app.errors import DomainError
from app.pinyin import matches
from app.services import Services
from ui.auth.gate import actor_of, grey, set_enabled_unless_refused
from ui.errors import show_error
from ui.intake.applicant_form import ApplicantFormWidget
from ui.intake.decision_dialog import DecisionDialog
from ui.intake.material_table import MaterialChecklistWidget
from ui.rating_screen.hook import invitations
from ui.tasks import TaskRunner

_RESULT_TEXT = {
    "received": "已收件，待作出受理决定（{notify}前）",
    "accepted": "已受理，承诺办结日期 {due}",
    "correction": "已出具一次性告知书",
    "rejected": "已作出不予受理决定",
}


class IntakeWidget(QWidget):
    case_saved = Signal(str)

    def __init__(self, services: Services, runner: TaskRunner, staff: StaffInfo, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services, self.runner, self.staff = services, runner, staff
        self._matters: list[MatterSummary] = []
        self._detail: MatterDetail | None = None
        self._continuing: CaseView | None = None
        self._dialog: DecisionDialog | None = None
        self._saving = False
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self._build_matter_panel())
        splitter.addWidget(self._build_case_panel())
        splitter.setSizes([420, 940])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(splitter)
        QShortcut(QKeySequence("Ctrl+Return"), self, activated=lambda: self._on_decision_clicked(Action.ACCEPT))
        self.runner.run(self._load_reference, self._on_reference_loaded)
        self._check_permission()

    def _check_permission(self) -> None:
        """Someone with no window of their own (业务科, 领导, 管理员) receives at this PC's window, if at
        all: the decisions are greyed saying who may. At one's own window the table grants intake to
        clerks and chiefs alike, and the service checks every save anyway."""
        if self.staff.window_id:
            return
        actor, permissions = actor_of(self.staff), self.services.permissions
        self.runner.run(lambda: permissions.refusal(actor, "case.intake", here=True), self._on_permission)

    def _on_permission(self, reason: str | None) -> None:
        for button in self.decision_buttons.values():
            if reason:
                grey(button, reason)

    # -- layout ----------------------------------------------------------------------------------
    def _build_matter_panel(self) -> QWidget:
        box = QGroupBox(self.tr("事项（名称、编码或拼音首字母，如 yyzz）"))
        self.search = QLineEdit()
        self.search.setObjectName("matterSearch")
        self.search.setPlaceholderText(self.tr("查找事项…"))
        self.department = QComboBox()
        self.department.setObjectName("matterDepartment")
        self.department.addItem(self.tr("全部部门"), "")
        self.matter_list = QListWidget()
        self.matter_list.setObjectName("matterList")
        self.matter_list.setWordWrap(True)
        self.guide = QLabel(self.tr("请选择事项"))
        self.guide.setObjectName("matterGuide")
        self.guide.setWordWrap(True)
        self.guide.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.guide.setAlignment(Qt.AlignmentFlag.AlignTop)
        layout = QVBoxLayout(box)
        layout.addWidget(self.search)
        layout.addWidget(self.department)
        layout.addWidget(self.matter_list, 3)
        layout.addWidget(self.guide, 2)
        self.search.textChanged.connect(self._on_search_changed)
        self.search.returnPressed.connect(self._on_search_return)
        self.department.currentIndexChanged.connect(self._on_search_changed)
        self.matter_list.itemActivated.connect(self._on_matter_activated)
        self.matter_list.itemClicked.connect(self._on_matter_activated)
        return box

    def _build_case_panel(self) -> QWidget:
        panel = QWidget()
        self.mode = QLabel(self.tr("新收件"))
        self.mode.setObjectName("intakeMode")
        self.mode.setStyleSheet("font-weight: bold; font-size: 15px;")
        self.applicant = ApplicantFormWidget()
        materials = QGroupBox(self.tr("材料审查（选中行后按 1 已收 · 2 缺少 · 3 容缺后补 · 4 需补正）"))
        self.materials = MaterialChecklistWidget()
        all_ok = QPushButton(self.tr("全部已收(&Q)"))
        all_ok.setObjectName("allReceived")
        all_ok.clicked.connect(lambda: self.materials.set_all(MaterialStatus.RECEIVED.value))
        mlayout = QVBoxLayout(materials)
        mlayout.addWidget(self.materials)
        mlayout.addWidget(all_ok, alignment=Qt.AlignmentFlag.AlignLeft)
        self.remark = QPlainTextEdit()
        self.remark.setObjectName("remark")
        self.remark.setPlaceholderText(self.tr("备注（可不填）"))
        self.remark.setMaximumHeight(48)
        self.result = QLabel()
        self.result.setObjectName("intakeResult")
        self.print_button = QPushButton(self.tr("打印本件文书(&P)"))
        self.print_button.setObjectName("printPapers")
        self.print_button.setVisible(False)
        self.print_button.clicked.connect(self._on_print_clicked)
        self._last_case_id = ""
        self.result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(panel)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.mode)
        layout.addWidget(self.applicant)
        layout.addWidget(materials, 1)
        layout.addWidget(self.remark)
        layout.addLayout(self._build_buttons())
        result_row = QHBoxLayout()
        result_row.addWidget(self.result, 1)
        result_row.addWidget(self.print_button)
        layout.addLayout(result_row)
        return panel

    def _build_buttons(self) -> QHBoxLayout:
        row = QHBoxLayout()
        specs = [
            ("receiveOnly", self.tr("仅收件(&S)"), None),
            ("decideAccept", self.tr("受理(&A) Ctrl+Enter"), Action.ACCEPT),
            ("decideDeferred", self.tr("容缺受理(&R)"), Action.ACCEPT_DEFERRED),
            ("decideCorrection", self.tr("一次性告知补正(&G)"), Action.REQUEST_CORRECTION),
            ("decideReject", self.tr("不予受理(&J)"), Action.REJECT),
        ]
        self.decision_buttons: dict[str, QPushButton] = {}
        for name, text, action in specs:
            button = QPushButton(text)
            button.setObjectName(name)
            button.clicked.connect(lambda _=False, a=action: self._on_decision_clicked(a))
            row.addWidget(button)
            self.decision_buttons[name] = button
        clear = QPushButton(self.tr("清空(&C)"))
        clear.setObjectName("clearIntake")
        clear.clicked.connect(self.start_new)
        row.addStretch(1)
        row.addWidget(clear)
        return row

    # -- reference data ----------------------------------------------------------------------
    def _load_reference(self) -> list[MatterSummary]:
        self.services.ctx.calendar()  # warm the cache here, off the GUI thread
        return self.services.catalogue.matters()

    def _on_reference_loaded(self, matters: list[MatterSummary]) -> None:
        self._matters = matters
        for name in sorted({m.department_name for m in matters}):
            self.department.addItem(name, name)
        self._on_search_changed()

    def _on_search_changed(self) -> None:
        q = self.search.text().strip().lower()
        dept = self.department.currentData()
        self.matter_list.clear()
        for m in self._matters:
            if dept and m.department_name != dept:
                continue
            if q and q not in m.code.lower() and not matches(q, m.name, m.pinyin_initials, m.pinyin_full):
                continue
            days = self.tr("当场办结") if m.case_type == "immediate" else f"{m.promised_days}" + self.tr("个工作日")
            item = QListWidgetItem(f"{m.name}\n    {m.department_name} · {m.case_type_label} · {days}")
            item.setData(Qt.ItemDataRole.UserRole, m.id)
            self.matter_list.addItem(item)
        if self.matter_list.count():
            self.matter_list.setCurrentRow(0)

    def _on_search_return(self) -> None:
        item = self.matter_list.currentItem()
        if item is not None:
            self._on_matter_activated(item)

    def _on_matter_activated(self, item: QListWidgetItem) -> None:
        if self._continuing is not None:
            return
        matter_id = str(item.data(Qt.ItemDataRole.UserRole))
        self.runner.run(lambda: self.services.catalogue.detail(matter_id), self._on_detail_loaded)

    def _on_detail_loaded(self, detail: MatterDetail) -> None:
        self._detail = detail
        s = detail.summary
        self.guide.setText(
            f"<b>{s.name}</b>（{s.code}）<br>{s.department_name} · {s.case_type_label}<br>"
            + self.tr("法定时限：") + f"{s.statutory_days}" + self.tr("个工作日；承诺时限：")
            + f"{s.promised_days}" + self.tr("个工作日") + "<br>"
            + self.tr("收费：") + detail.fee + "<br>" + self.tr("设定依据：") + detail.legal_basis + "<br>"
            + self.tr("咨询电话：") + detail.consult_phone + "　" + self.tr("投诉电话：") + detail.complaint_phone
            + ("<br>" + self.tr("本事项可容缺受理") if s.allows_deferral else "")
        )
        self.materials.load(detail.materials)
        set_enabled_unless_refused(self.decision_buttons["decideDeferred"], s.allows_deferral)
        self.applicant.name.setFocus()

    # -- deciding -----------------------------------------------------------------------------
    def _on_decision_clicked(self, action: Action | None) -> None:
        if self._saving:
            return
        if self._detail is None and self._continuing is None:
            show_error(self, DomainError(self.tr("请先选择事项。")))
            self.search.setFocus()
            return
        if self._continuing is not None and action is None:
            show_error(self, DomainError(self.tr("该件已收件，请作出受理决定。")))
            return
        if action in (Action.ACCEPT_DEFERRED, Action.REQUEST_CORRECTION, Action.REJECT):
            self._open_decision_dialog(action)
            return
        decision = DecisionInput(action=action.value) if action is not None else None
        self._save(decision)

    def _open_decision_dialog(self, action: Action) -> None:
        today = self.services.ctx.today()
        promised = self._promised_days()
        latest = self.services.ctx.calendar().add_working_days(today, promised)
        dialog = DecisionDialog(action, self.materials.checks(), today=today, latest_deadline=latest,
                                correction_due=self.services.intake.correction_default(today), parent=self)
        dialog.decision_made.connect(self._save)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finished.connect(lambda _r: setattr(self, "_dialog", None))
        self._dialog = dialog
        dialog.open()

    @property
    def decision_dialog(self) -> DecisionDialog | None:
        """The decision dialog now open, if any."""
        return self._dialog

    def _promised_days(self) -> int:
        if self._detail is not None:
            return self._detail.summary.promised_days
        matter_id = self._continuing.matter_id if self._continuing else ""
        return next((m.promised_days for m in self._matters if m.id == matter_id), 0)

    def _save(self, decision: DecisionInput | None) -> None:
        actor = Actor(self.staff.id, self.staff.name)
        materials = tuple(self.materials.checks())
        if self._continuing is not None:
            case = self._continuing
            assert decision is not None
            job = lambda: self.services.intake.decide(actor, case.id, case.version, decision, materials)  # noqa: E731
        else:
            assert self._detail is not None
            request = IntakeRequest(
                matter_id=self._detail.summary.id, applicant=self.applicant.applicant(),
                materials=materials, remark=self.remark.toPlainText(), decision=decision,
            )
            window_id = self.staff.window_id
            job = lambda: self.services.intake.open_case(actor, request, window_id=window_id)  # noqa: E731
        self._set_saving(True)
        self.runner.run(job, self._on_saved, self._on_save_failed, write=True)

    def _set_saving(self, saving: bool) -> None:
        self._saving = saving
        for button in self.decision_buttons.values():
            set_enabled_unless_refused(button, not saving)
        if not saving and self._detail is not None:
            set_enabled_unless_refused(self.decision_buttons["decideDeferred"], self._detail.summary.allows_deferral)

    def _on_saved(self, view: CaseView) -> None:
        self._set_saving(False)
        if self._dialog is not None:
            self._dialog.accept()
        template = _RESULT_TEXT.get(view.status, "{status}")
        text = template.format(notify=view.notify_due.isoformat(), status=view.status_label,
                               due=view.due_date.isoformat() if view.due_date else "")
        self.start_new()
        self.result.setStyleSheet("color: #1b5e20; font-weight: bold;")
        self.result.setText(self.tr("办件编号 ") + view.number + "　" + self.tr("查询码 ") + view.query_code
                            + "　" + text)
        self._last_case_id = view.id
        self.print_button.setVisible(True)
        self.print_button.setFocus()
        self.case_saved.emit(view.id)
        if view.status != "received":  # decided at the window: the hall may ask for a rating now
            invitations.invite(view.id, "receipt", self.staff.id)

    def _on_print_clicked(self) -> None:
        """The receipt and the decision notice are handed over at once: open the case's papers."""
        from ui.cases.case_dialog import CaseDialog

        dialog = CaseDialog(self.services, self.runner, self.staff, self._last_case_id, self)
        dialog.show_documents()
        self.case_dialog = dialog
        dialog.open()

    def _on_save_failed(self, exc: Exception) -> None:
        """Nothing typed is lost: the form and the open dialog stay as they are."""
        self._set_saving(False)
        parent = self._dialog if self._dialog is not None else self
        show_error(parent, exc)
        if isinstance(exc, DomainError) and self._dialog is None:
            self.applicant.focus_field(exc.field)

    # -- continuing a received case ------------------------------------------------------------
    def open_for_decision(self, case_id: str) -> None:
        """Load a case that was received (or returned with corrections) to decide on it."""
        self.runner.run(lambda: self.services.intake.get(case_id), self._on_case_loaded)

    def _on_case_loaded(self, view: CaseView) -> None:
        self.start_new()
        self._continuing = view
        self.mode.setText(
            self.tr("继续受理：") + view.number + "　" + view.matter_name + "（" + view.status_label + "）"
        )
        self.applicant.set_applicant(view.applicant)
        self.applicant.setEnabled(False)
        self.materials.load([
            MaterialCheck(name=m.name, is_main=m.is_main, deferrable=m.deferrable, status=m.status,
                          originals=m.originals, copies=m.copies, note=m.note)
            for m in view.materials
        ])
        self.remark.setPlainText(view.remark)
        self.remark.setReadOnly(True)
        self.decision_buttons["receiveOnly"].setEnabled(False)
        allows = next((m.allows_deferral for m in self._matters if m.id == view.matter_id), False)
        set_enabled_unless_refused(self.decision_buttons["decideDeferred"], allows)
        self.materials.setFocus()

    # -- state ------------------------------------------------------------------------------------
    def start_new(self) -> None:
        self._continuing = None
        self._detail = None
        self.mode.setText(self.tr("新收件"))
        self.applicant.clear()
        self.applicant.setEnabled(True)
        self.materials.load([])
        self.remark.clear()
        self.remark.setReadOnly(False)
        self.result.clear()
        self.print_button.setVisible(False)
        self.guide.setText(self.tr("请选择事项"))
        for button in self.decision_buttons.values():
            set_enabled_unless_refused(button, True)
        self.search.clear()
        self.search.setFocus()

    def has_unsaved_input(self) -> bool:
        return self._continuing is None and (self.applicant.has_input() or bool(self.remark.toPlainText().strip()))
