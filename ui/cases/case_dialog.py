"""One case: its details, materials, notices and full timeline, and the next legal steps.

Loading and steps run on the task runner; a step is sent with the version the clerk saw, so a case
changed meanwhile is refused, not overwritten. A refused step keeps its input dialog open with what
was typed. The dialog may be deleted while a job is out: callbacks check that it is alive."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from app.cases.rules import MATERIAL_LABELS
from app.context import Actor
from app.documents.service import Printable
from app.dto import CaseView, PiiField, StaffInfo, TimelineEntry
from app.services import Services
from ui.auth.authorise_dialog import authorise_then
from ui.auth.gate import actor_of, refusals, set_enabled_unless_refused
from ui.cases.pii_field import PiiFieldWidget
from ui.cases.step_dialogs import CompleteDialog, DeliverDialog, ReasonDialog, StepDialog
from ui.cases.step_gate import CASE_ACTIONS, gate_step
from ui.errors import show_error
from ui.rating_screen.hook import invitations
from ui.tasks import TaskRunner

_BADGE = "font-weight: bold; padding: 4px 10px; border-radius: 4px; "
_BADGE_STYLE = {"yellow": _BADGE + "color: #7a5c00; background: #fff4c2;",
                "red": _BADGE + "color: #a00018; background: #ffd6d6;"}
_DECISIONS = {"accept", "accept_deferred", "request_correction", "reject"}
TIMELINE_TAB, MATERIALS_TAB, DOCUMENTS_TAB = range(3)
Step = Callable[[Actor, str, int], Any]
InfoRow = tuple[str, str | None] | tuple[str, str, PiiField]


def _table(headers: list[str], name: str) -> QTableWidget:
    t = QTableWidget(0, len(headers))
    t.setObjectName(name)
    t.setHorizontalHeaderLabels(headers)
    t.verticalHeader().setVisible(False)
    t.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
    t.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
    t.setTabKeyNavigation(False)
    t.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    t.horizontalHeader().setStretchLastSection(True)
    return t


def _label(name: str) -> QLabel:
    label = QLabel()
    label.setObjectName(name)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def _fill(table: QTableWidget, rows: list[tuple[str, ...]]) -> None:
    table.setRowCount(len(rows))
    for r, values in enumerate(rows):
        for c, value in enumerate(values):
            item = QTableWidgetItem(value)
            item.setToolTip(value)
            table.setItem(r, c, item)
    table.resizeRowsToContents()


class CaseDialog(QDialog):
    case_changed = Signal(str)
    decide_requested = Signal(str)

    def __init__(self, services: Services, runner: TaskRunner, staff: StaffInfo, case_id: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services, self.runner, self.staff, self.case_id = services, runner, staff, case_id
        self.view: CaseView | None = None
        self.step: StepDialog | None = None
        self.printables: list[Printable] = []
        self.action_buttons: list[QPushButton] = []
        self.refusals: dict[str, str | None] = {}  # action -> why not (greys its button)
        self.setObjectName("caseDialog")
        self.setWindowTitle(self.tr("办件详情"))
        self.setMinimumSize(900, 560)
        self.resize(1140, 680)
        self._build_widgets()
        self._build()
        self.reload()

    def _build_widgets(self) -> None:
        self.header, self.query_code, self.badge = _label("caseHeader"), _label("caseQueryCode"), _label("caseWarning")
        self.header.setText(self.tr("正在读取…"))
        self.header.setStyleSheet("font-size: 17px; font-weight: bold; color: #0d47a1;")
        self.info = QFormLayout()
        self.info.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        self.materials = _table([self.tr("材料"), self.tr("类别"), self.tr("审查结果"), self.tr("原件"),
                                 self.tr("复印件"), self.tr("说明")], "caseMaterials")
        self.notices = _table([self.tr("文书"), self.tr("文号"), self.tr("出具时间"), self.tr("已打印"),
                               self.tr("所列材料")], "caseNotices")
        self.notices.cellActivated.connect(lambda row, _col: self.preview(row))
        self.timeline = _table([self.tr("时间"), self.tr("经办人"), self.tr("环节")], "caseTimeline")
        self.remark = QPlainTextEdit()
        self.remark.setObjectName("caseRemark")
        self.remark.setReadOnly(True)
        self.remark_box = QGroupBox(self.tr("备注"))
        QVBoxLayout(self.remark_box).addWidget(self.remark)
        self.actions = QHBoxLayout()

    def _build(self) -> None:
        top = QHBoxLayout()
        top.setSpacing(16)
        for widget, stretch in ((self.header, 1), (self.query_code, 0), (self.badge, 0)):
            top.addWidget(widget, stretch)
        info_widget = QWidget()
        info_widget.setLayout(self.info)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(info_widget)
        scroll.viewport().setAutoFillBackground(False)
        info_box = QGroupBox(self.tr("基本信息"))
        QVBoxLayout(info_box).addWidget(scroll)
        left = QVBoxLayout()
        left.addWidget(info_box, 3)
        left.addWidget(self.remark_box, 2)
        tabs = self.tabs = QTabWidget()
        tabs.setObjectName("caseTabs")
        tabs.addTab(self.timeline, self.tr("办理过程(&T)"))
        tabs.addTab(self.materials, self.tr("材料(&M)"))
        tabs.addTab(self._documents_page(), self.tr("文书(&N)"))
        body = QHBoxLayout()
        body.addLayout(left, 2)
        body.addWidget(tabs, 3)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(body, 1)
        layout.addLayout(self.actions)

    def _documents_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addWidget(self.notices)
        row = QHBoxLayout()
        row.addWidget(QLabel(self.tr("选中文书后按回车或双击预览")))
        row.addStretch(1)
        preview = QPushButton(self.tr("预览 / 打印(&Y)"))
        preview.setObjectName("casePreview")
        preview.setAutoDefault(False)  # Enter on the table previews once (cellActivated), not twice
        preview.clicked.connect(lambda: self.preview(max(self.notices.currentRow(), 0)))
        row.addWidget(preview)
        void = QPushButton(self.tr("作废文书(&Z)…"))  # 作废号登记: who may is checked on click (授权 if not)
        void.setObjectName("caseVoidNotice")
        void.setToolTip(self.tr("作废选中的文书（打印错误、损坏、申请人离开），编号不再使用并记入作废号登记簿；"
                                "须由首席代表（本部门）或中心业务科办理，可在本机授权"))
        void.clicked.connect(lambda: self.void_notice(max(self.notices.currentRow(), 0)))
        row.addWidget(void)
        layout.addLayout(row)
        return page

    def reload(self) -> None:
        case_id, s, actor = self.case_id, self.services, actor_of(self.staff)
        self.runner.run(
            lambda: (s.intake.get(case_id), s.ledger.timeline(case_id), s.notices.printables(case_id),
                     refusals(s, actor, CASE_ACTIONS, case_id=case_id)),
            self._on_loaded, self._on_load_failed,
        )

    def _on_load_failed(self, exc: Exception) -> None:
        self.header.setText(self.tr("读取失败"))
        show_error(self, exc)

    def _on_loaded(self, loaded: tuple[CaseView, list[TimelineEntry], list[Printable], dict]) -> None:
        view, timeline, printables, self.refusals = loaded
        self.view, self.printables = view, printables
        self.header.setText(view.number + "　【" + view.status_label + "】")
        self.query_code.setText(self.tr("查询码 ") + view.query_code)
        self._show_badge(view.warning)
        self._fill_info(view)
        self._fill_tables(view, timeline, printables)
        self.remark.setPlainText(view.remark)
        self.remark_box.setVisible(bool(view.remark.strip()))
        self._build_actions(view)

    def _show_badge(self, warning: str) -> None:
        texts = {"yellow": self.tr("黄牌：即将到期"), "red": self.tr("红牌：已超期")}
        style = _BADGE_STYLE.get(warning)
        self.badge.setText(texts.get(warning, ""))
        self.badge.setVisible(style is not None)
        self.badge.setStyleSheet(style or "")

    def _fill_tables(self, v: CaseView, timeline: list[TimelineEntry], printables: list[Printable]) -> None:
        main, deferrable, other = self.tr("主审要件"), self.tr("可容缺"), self.tr("一般材料")
        _fill(self.materials, [
            (m.name, main if m.is_main else deferrable if m.deferrable else other,
             MATERIAL_LABELS.get(m.status, m.status), str(m.originals), str(m.copies), m.note)
            for m in v.materials
        ])
        items = {n.id: "、".join(n.items) for n in v.notices}
        voided = {n.id: n.void_note for n in v.notices if n.void}
        _fill(self.notices, [
            (p.title + (self.tr("【作废】") if p.notice_id in voided else ""), p.number,
             p.issued_at.strftime("%Y-%m-%d %H:%M"),
             self.tr("{n} 次").format(n=p.times_printed), voided.get(p.notice_id) or items.get(p.notice_id, ""))
            for p in printables
        ])
        _fill(self.timeline, [(e.at.strftime("%Y-%m-%d %H:%M"), e.actor_name, e.summary) for e in timeline])
        self.timeline.scrollToBottom()

    def _fill_info(self, v: CaseView) -> None:
        while self.info.rowCount():
            self.info.removeRow(0)
        for label, value, *pii in self._info_rows(v):
            if value is None:
                title = QLabel(label)
                title.setStyleSheet("font-weight: bold; color: #0d47a1; margin-top: 6px;")
                self.info.addRow(title)
                continue
            if pii:  # masked; the full number behind 显示, audited
                self.info.addRow(label, PiiFieldWidget(self.services, self.runner, self.staff, v.id, pii[0], value))
                continue
            text = _label("")
            text.setText(value)
            text.setWordWrap(True)
            self.info.addRow(label, text)

    def _info_rows(self, v: CaseView) -> list[InfoRow]:
        """(label, value) pairs; a value of None makes a section title; (label, masked, field) a
        masked number with its 显示 button."""
        return [(self.tr("事项"), v.matter_name), *self._applicant_rows(v), *self._date_rows(v),
                *self._outcome_rows(v)]

    def _applicant_rows(self, v: CaseView) -> list[InfoRow]:
        a = v.applicant  # ID numbers and phone come masked (app.pii)
        if a.kind == "org":
            rows: list[InfoRow] = [
                (self.tr("申请单位"), None), (self.tr("单位名称"), a.name),
                (self.tr("统一社会信用代码"), a.id_number, PiiField.APPLICANT_ID),
                (self.tr("法定代表人"), a.legal_representative),
            ]
        else:
            rows = [(self.tr("申请人"), None), (self.tr("姓名"), a.name),
                    (self.tr("证件号码"), a.id_number, PiiField.APPLICANT_ID)]
        rows.append((self.tr("联系电话"), a.phone, PiiField.APPLICANT_PHONE) if a.phone else (self.tr("联系电话"), "—"))
        if a.agent_name:
            rows.append((self.tr("代理人"), a.agent_name))
            if a.agent_id_number:
                rows.append((self.tr("代理人证件号码"), a.agent_id_number, PiiField.AGENT_ID))
        return rows

    def _date_rows(self, v: CaseView) -> list[tuple[str, str | None]]:
        def day(d: Any) -> str:
            return d.isoformat() if d else ""

        deemed = self.tr("逾期未告知，依法自收到材料之日起即为受理") if v.deemed_accepted else ""
        optional = ((self.tr("告知期限"), day(v.notify_due) if v.status == "received" else ""),
                    (self.tr("补正期限"), day(v.correction_due) if v.status == "correction" else ""),
                    (self.tr("受理日期"), day(v.accepted_on)), (self.tr("视为受理"), deemed),
                    (self.tr("承诺办结日期"), day(v.due_date)), (self.tr("容缺补交期限"), day(v.deferred_due)),
                    (self.tr("出件时间"), v.delivered_at.strftime("%Y-%m-%d %H:%M") if v.delivered_at else ""))
        return [(self.tr("时限"), None), (self.tr("收件时间"), v.received_at.strftime("%Y-%m-%d %H:%M")),
                *((label, value) for label, value in optional if value)]

    def _outcome_rows(self, v: CaseView) -> list[tuple[str, str | None]]:
        verdict = "" if v.approved is None else self.tr("准予许可") if v.approved else self.tr("不予许可")
        result = (verdict + "：" + v.result) if verdict and v.result else v.result
        pairs = ((self.tr("办理结果"), result), (self.tr("不予受理理由"), v.reject_reason),
                 (self.tr("作废原因"), v.void_reason), (self.tr("领取人"), v.recipient_name))
        shown: list[tuple[str, str | None]] = [(label, value) for label, value in pairs if value]
        return [(self.tr("结果"), None), *shown] if shown else []

    def _build_actions(self, v: CaseView) -> None:
        while self.actions.count():
            old = self.actions.takeAt(0).widget()
            if old is not None:  # detached now, so a step no longer offered cannot be found or clicked
                old.setParent(None)
                old.deleteLater()
        allowed = set(v.allowed_actions)
        deferred = any(m.status == "deferred" for m in v.materials)
        specs: list[tuple[str, str, bool, Callable[[], None]]] = [
            ("caseDecide", self.tr("受理决定(&D)"), bool(allowed & _DECISIONS), self._on_decide_clicked),
            ("caseSuspend", self.tr("暂停计时(&P)"), "suspend" in allowed, self._on_suspend_clicked),
            ("caseResume", self.tr("恢复计时(&R)"), "resume" in allowed,
             lambda: self._run_step(self.services.lifecycle.resume)),
            ("caseSupply", self.tr("补齐容缺材料(&S)"), "supply_deferred" in allowed and deferred,
             lambda: self._run_step(self.services.lifecycle.supply_deferred)),
            ("caseComplete", self.tr("办结(&E)"), "complete" in allowed, self._on_complete_clicked),
            ("caseDeliver", self.tr("出件(&O)"), "deliver" in allowed, self._on_deliver_clicked),
            ("caseVoid", self.tr("作废(&V)"), "void" in allowed, self._on_void_clicked),
        ]
        self.action_buttons = []
        for name, text, shown, slot in specs:
            if shown:
                button = QPushButton(text)
                button.setObjectName(name)
                button.setAutoDefault(False)
                button.clicked.connect(slot)
                self.actions.addWidget(button)
                self.action_buttons.append(button)
                if (ask := gate_step(button, self.refusals, self._on_void_authorise_clicked)) is not None:
                    self.actions.addWidget(ask)
                    self.action_buttons.append(ask)
        self.actions.addStretch(1)
        close = QPushButton(self.tr("关闭(&C)"))
        close.setObjectName("caseClose")
        close.setAutoDefault(False)
        close.clicked.connect(self.accept)
        self.actions.addWidget(close)

    def show_documents(self) -> None:
        self.tabs.setCurrentIndex(DOCUMENTS_TAB)

    def preview(self, row: int) -> None:
        if not 0 <= row < len(self.printables):
            return
        from ui.documents.preview_dialog import NoticePreviewDialog

        open_one = getattr(self, "preview_dialog", None)
        if open_one is not None and open_one.isVisible():  # one preview at a time: a second request shows it
            open_one.raise_()
            open_one.activateWindow()
            return
        dialog = NoticePreviewDialog(self.services, self.runner, self.staff, self.printables[row], self)
        dialog.printed.connect(lambda _doc: self.reload())
        self.preview_dialog = dialog
        dialog.open()

    def void_notice(self, row: int) -> None:
        """作废文书 (ui.voids): as the person signed in if they may, else through 授权."""
        if self.view is None or not 0 <= row < len(self.printables):
            return
        from ui.voids.void_notice_dialog import void_notice_then

        paper, case_id, actor = self.printables[row], self.view.id, actor_of(self.staff)
        permissions = self.services.permissions
        self.runner.run(
            lambda: permissions.refusal(actor, "notice.void", case_id=case_id),
            lambda may: void_notice_then(self, self.services, self.runner, self.staff, case_id=case_id,
                                         notice_id=paper.notice_id, title=paper.title, number=paper.number,
                                         then=self._on_notice_voided, may=may),
            owner=self)

    def _on_notice_voided(self, _result) -> None:
        self.case_changed.emit(self.case_id)
        self.reload()

    def _set_busy(self, busy: bool) -> None:
        for button in self.action_buttons:
            set_enabled_unless_refused(button, not busy)
        if self.step is not None and isValid(self.step):
            self.step.set_busy(busy)

    def _run_step(self, call: Step) -> None:
        """Send ``call(actor, case_id, version)`` to the write pool, snapshotting what it needs."""
        assert self.view is not None
        actor, case_id, version = actor_of(self.staff), self.view.id, self.view.version
        self._set_busy(True)
        self.runner.run(lambda: call(actor, case_id, version), self._on_step_done, self._on_step_failed, write=True)

    def _open_step(self, dialog: StepDialog, make_call: Callable[[dict[str, Any]], Step], confirm: str = "") -> None:
        """Open ``dialog``; its OK runs ``make_call(values)`` (after a Yes to ``confirm``, if given)."""
        self.step = dialog
        dialog.submitted.connect(lambda values: self._confirm(dialog, confirm, make_call(values)) if confirm
                                 else self._run_step(make_call(values)))
        dialog.finished.connect(lambda _r: self._on_step_finished(dialog))
        dialog.open()

    def _confirm(self, dialog: StepDialog, text: str, call: Step) -> None:
        """A second look before a step that cannot be undone; opened, never exec()'d."""
        box = QMessageBox(QMessageBox.Icon.Warning, dialog.windowTitle(), text,
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, dialog)
        box.setObjectName("stepConfirm")
        box.setDefaultButton(QMessageBox.StandardButton.No)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.finished.connect(lambda _r: box.clickedButton() is box.button(QMessageBox.StandardButton.Yes)
                             and self._run_step(call))
        box.open()

    def _on_step_finished(self, dialog: StepDialog) -> None:
        if self.step is dialog:
            self.step = None
        dialog.deleteLater()

    def _on_step_done(self, view: CaseView) -> None:
        if self.step is not None and isValid(self.step):
            self.step.done_ok()
        self.step = None
        self.case_changed.emit(self.case_id)
        trigger = {"completed": "complete", "delivered": "deliver"}.get(view.status)  # 办结 / 出件: 请您评价
        if trigger:
            invitations.invite(view.id, trigger, self.staff.id)
        self.reload()

    def _on_step_failed(self, exc: Exception) -> None:
        """Nothing typed is lost: the step dialog stays open with its text, the error on top.
        (A dialog closed meanwhile never hears of it: the task runner drops answers to deleted widgets.)"""
        self._set_busy(False)
        step = self.step if self.step is not None and isValid(self.step) and self.step.isVisible() else None
        show_error(step or self, exc)

    def _on_decide_clicked(self) -> None:
        self.decide_requested.emit(self.case_id)
        self.accept()

    def _on_suspend_clicked(self) -> None:
        dialog = ReasonDialog(self.tr("暂停计时"), self.tr("暂停原因(&Y)"),
                              self.tr("如：组织听证、检验检测、现场核查、专家评审（依法不计入办理时限）"),
                              "stepSuspendDialog", self)
        lc = self.services.lifecycle
        self._open_step(dialog, lambda v: lambda a, c, n: lc.suspend(a, c, n, str(v["reason"])))

    def _on_complete_clicked(self) -> None:
        lc = self.services.lifecycle
        self._open_step(CompleteDialog(self), lambda v: lambda a, c, n: lc.complete(
            a, c, n, approved=bool(v["approved"]), result=str(v["result"])))

    def _on_deliver_clicked(self) -> None:
        assert self.view is not None
        default = self.view.applicant.name if self.view.applicant.kind == "person" else ""
        lc = self.services.lifecycle
        self._open_step(DeliverDialog(default, self), lambda v: lambda a, c, n: lc.deliver(
            a, c, n, recipient=str(v["recipient"]), recipient_id=str(v["recipient_id"])))

    def _on_void_authorise_clicked(self) -> None:
        assert self.view is not None
        authorise_then(self, self.services, self.runner, self.staff, "case.void", self._void_as,
                       case_id=self.view.id, subject=self.view.number)

    def _on_void_clicked(self) -> None:
        self._void_as(None)

    def _void_as(self, authoriser: Actor | None) -> None:
        """作废, by the person signed in or by the one who just authorised it here (授权)."""
        assert self.view is not None
        by = self.tr("（{name}授权）").format(name=authoriser.name) if authoriser else ""
        dialog = ReasonDialog(self.tr("作废办件") + by, self.tr("作废原因(&Y)"),
                              self.tr("如：申请人撤回申请"), "stepVoidDialog", self,
                              warning=self.tr("作废后该办件不能再办理，也不能恢复。"))
        confirm = self.tr("作废后该办件不能再办理。确定作废办件 {number} 吗？").format(number=self.view.number)
        lc = self.services.lifecycle
        self._open_step(dialog, lambda v: lambda a, c, n: lc.void(authoriser or a, c, n, str(v["reason"])), confirm)
