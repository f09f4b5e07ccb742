"""One case: its details, materials, notices and full timeline, and the next legal steps."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.cases.rules import MATERIAL_LABELS
from app.context import Actor
from app.documents.service import Printable
from app.dto import CaseView, StaffInfo, TimelineEntry
from app.services import Services
from app.validation import mask_id_number
from ui.cases.step_dialogs import CompleteDialog, DeliverDialog, ReasonDialog, StepDialog
from ui.errors import show_error
from ui.tasks import TaskRunner

WARNING_BADGE = {"yellow": ("黄牌：即将到期", "#8a6d00", "#fff4c2"), "red": ("红牌：已超期", "#b00020", "#ffd6d6")}


def _table(headers: list[str], name: str) -> QTableWidget:
    t = QTableWidget(0, len(headers))
    t.setObjectName(name)
    t.setHorizontalHeaderLabels(headers)
    t.verticalHeader().setVisible(False)
    t.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
    t.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    t.horizontalHeader().setStretchLastSection(True)
    return t


def _fill(table: QTableWidget, rows: list[tuple[str, ...]]) -> None:
    table.setRowCount(len(rows))
    for r, values in enumerate(rows):
        for c, value in enumerate(values):
            table.setItem(r, c, QTableWidgetItem(value))


class CaseDialog(QDialog):
    case_changed = Signal(str)
    decide_requested = Signal(str)

    def __init__(self, services: Services, runner: TaskRunner, staff: StaffInfo, case_id: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services, self.runner, self.staff, self.case_id = services, runner, staff, case_id
        self.view: CaseView | None = None
        self.step: StepDialog | None = None
        self.setObjectName("caseDialog")
        self.setWindowTitle(self.tr("办件详情"))
        self.resize(1100, 640)
        self.header = QLabel(self.tr("正在读取…"))
        self.header.setObjectName("caseHeader")
        self.header.setStyleSheet("font-size: 16px; font-weight: bold;")
        self.badge = QLabel()
        self.badge.setObjectName("caseWarning")
        self.info = QFormLayout()
        self.materials = _table([self.tr("材料"), self.tr("类别"), self.tr("审查结果"), self.tr("原件"),
                                 self.tr("复印件"), self.tr("说明")], "caseMaterials")
        self.notices = _table(
            [self.tr("文书"), self.tr("文号"), self.tr("出具时间"), self.tr("已打印")], "caseNotices"
        )
        self.notices.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.notices.cellActivated.connect(lambda row, _col: self.preview(row))
        self.printables: list[Printable] = []
        self.timeline = _table([self.tr("时间"), self.tr("经办人"), self.tr("环节")], "caseTimeline")
        self.remark = QPlainTextEdit()
        self.remark.setObjectName("caseRemark")
        self.remark.setReadOnly(True)
        self.actions = QHBoxLayout()
        self._build()
        self.reload()

    def _build(self) -> None:
        top = QHBoxLayout()
        top.addWidget(self.header, 1)
        top.addWidget(self.badge)
        info_box = QGroupBox(self.tr("基本信息"))
        info_box.setLayout(self.info)
        tabs = self.tabs = QTabWidget()
        tabs.addTab(self.timeline, self.tr("办理过程(&T)"))
        tabs.addTab(self.materials, self.tr("材料(&M)"))
        docs = QWidget()
        docs_layout = QVBoxLayout(docs)
        docs_layout.addWidget(self.notices)
        preview = QPushButton(self.tr("预览 / 打印(&Y)"))
        preview.setObjectName("casePreview")
        preview.clicked.connect(lambda: self.preview(max(self.notices.currentRow(), 0)))
        docs_layout.addWidget(preview)
        tabs.addTab(docs, self.tr("文书(&N)"))
        tabs.addTab(self.remark, self.tr("备注"))
        body = QHBoxLayout()
        body.addWidget(info_box, 2)
        body.addWidget(tabs, 3)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(body, 1)
        layout.addLayout(self.actions)

    def reload(self) -> None:
        case_id = self.case_id
        self.runner.run(
            lambda: (self.services.intake.get(case_id), self.services.ledger.timeline(case_id),
                     self.services.notices.printables(case_id)),
            self._on_loaded,
        )

    def _on_loaded(self, loaded: tuple[CaseView, list[TimelineEntry], list[Printable]]) -> None:
        view, timeline, printables = loaded
        self.printables = printables
        self.view = view
        self.header.setText(f"{view.number}　{view.matter_name}　【{view.status_label}】")
        badge = WARNING_BADGE.get(view.warning)
        self.badge.setText(self.tr(badge[0]) if badge else "")
        self.badge.setStyleSheet(f"color: {badge[1]}; background: {badge[2]}; padding: 4px;" if badge else "")
        self._fill_info(view)
        _fill(self.materials, [
            (m.name, self.tr("主审要件") if m.is_main else self.tr("可容缺") if m.deferrable else self.tr("辅助"),
             MATERIAL_LABELS.get(m.status, m.status), str(m.originals), str(m.copies), m.note)
            for m in view.materials
        ])
        _fill(self.notices, [
            (p.title, p.number, p.issued_at.strftime("%Y-%m-%d %H:%M"), str(p.times_printed) + self.tr(" 次"))
            for p in printables
        ])
        _fill(self.timeline, [(e.at.strftime("%Y-%m-%d %H:%M:%S"), e.actor_name, e.summary) for e in timeline])
        self.remark.setPlainText(view.remark)
        self._build_actions(view)

    def _fill_info(self, v: CaseView) -> None:
        while self.info.rowCount():
            self.info.removeRow(0)
        for label, value in self._info_rows(v):
            text = QLabel(value)
            text.setWordWrap(True)
            text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.info.addRow(label, text)

    def _info_rows(self, v: CaseView) -> list[tuple[str, str]]:
        a = v.applicant
        rows = [
            (self.tr("查询码"), v.query_code),
            (self.tr("申请人"), a.name),
            (self.tr("证件号码"), mask_id_number(a.id_number)),
            (self.tr("联系电话"), a.phone),
        ]
        if a.kind == "org":
            rows.append((self.tr("法定代表人"), a.legal_representative))
        if a.agent_name:
            rows.append((self.tr("代理人"), a.agent_name))
        rows.append((self.tr("收件时间"), v.received_at.strftime("%Y-%m-%d %H:%M")))
        if v.status == "received":
            rows.append((self.tr("告知期限"), v.notify_due.isoformat()))
        if v.accepted_on:
            note = self.tr("（逾期未告知，视为受理）") if v.deemed_accepted else ""
            rows.append((self.tr("受理日期"), v.accepted_on.isoformat() + note))
        if v.due_date:
            rows.append((self.tr("承诺办结日期"), v.due_date.isoformat()))
        if v.deferred_due:
            rows.append((self.tr("容缺补交期限"), v.deferred_due.isoformat()))
        outcome = ((self.tr("办理结果"), v.result), (self.tr("不予受理理由"), v.reject_reason),
                   (self.tr("作废原因"), v.void_reason), (self.tr("领取人"), v.recipient_name))
        return rows + [(label, value) for label, value in outcome if value]

    def _build_actions(self, v: CaseView) -> None:
        while self.actions.count():
            item = self.actions.takeAt(0)
            if item.widget():
                item.widget().deleteLater()
        allowed = set(v.allowed_actions)
        specs: list[tuple[str, str, bool, Callable[[], None]]] = [
            ("caseDecide", self.tr("作出受理决定(&D)"), bool(allowed & {"accept", "request_correction"}),
             self._on_decide_clicked),
            ("caseSuspend", self.tr("暂停计时(&P)"), "suspend" in allowed, self._on_suspend_clicked),
            ("caseResume", self.tr("恢复计时(&R)"), "resume" in allowed, self._on_resume_clicked),
            ("caseSupply", self.tr("补齐容缺材料(&S)"),
             "supply_deferred" in allowed and any(m.status == "deferred" for m in v.materials),
             self._on_supply_clicked),
            ("caseComplete", self.tr("办结(&E)"), "complete" in allowed, self._on_complete_clicked),
            ("caseDeliver", self.tr("出件(&O)"), "deliver" in allowed, self._on_deliver_clicked),
            ("caseVoid", self.tr("作废(&V)"), "void" in allowed, self._on_void_clicked),
        ]
        for name, text, shown, slot in specs:
            if shown:
                button = QPushButton(text)
                button.setObjectName(name)
                button.clicked.connect(slot)
                self.actions.addWidget(button)
        self.actions.addStretch(1)
        close = QPushButton(self.tr("关闭"))
        close.clicked.connect(self.accept)
        self.actions.addWidget(close)

    # -- papers ---------------------------------------------------------------------------------
    def show_documents(self) -> None:
        self.tabs.setCurrentIndex(2)

    def preview(self, row: int) -> None:
        if not 0 <= row < len(self.printables):
            return
        from ui.documents.preview_dialog import NoticePreviewDialog

        dialog = NoticePreviewDialog(self.services, self.runner, self.staff, self.printables[row], self)
        dialog.printed.connect(lambda _doc: self.reload())
        self.preview_dialog = dialog
        dialog.open()

    # -- steps ------------------------------------------------------------------------------------
    def _run_step(self, call: Callable[[Actor, str, int], Any]) -> None:
        assert self.view is not None
        actor, case_id, version = Actor(self.staff.id, self.staff.name), self.view.id, self.view.version
        self.runner.run(lambda: call(actor, case_id, version), self._on_step_done, self._on_step_failed, write=True)

    def _open_step(
        self, dialog: StepDialog, call: Callable[[dict[str, Any]], Callable[[Actor, str, int], Any]]
    ) -> None:
        self.step = dialog
        dialog.submitted.connect(lambda values: self._run_step(call(values)))
        dialog.open()

    def _on_step_done(self, _view: CaseView) -> None:
        if self.step is not None:
            self.step.accept()
            self.step = None
        self.case_changed.emit(self.case_id)
        self.reload()

    def _on_step_failed(self, exc: Exception) -> None:
        show_error(self.step if self.step is not None and self.step.isVisible() else self, exc)

    def _on_decide_clicked(self) -> None:
        self.decide_requested.emit(self.case_id)
        self.accept()

    def _on_suspend_clicked(self) -> None:
        dialog = ReasonDialog(self.tr("暂停计时"), self.tr("原因"),
                              self.tr("如：组织听证、检验检测、现场核查、专家评审（不计入办理时限）"), self)
        lc = self.services.lifecycle
        self._open_step(dialog, lambda v: lambda a, c, n: lc.suspend(a, c, n, str(v["reason"])))

    def _on_resume_clicked(self) -> None:
        self.step = None
        self._run_step(self.services.lifecycle.resume)

    def _on_supply_clicked(self) -> None:
        self.step = None
        self._run_step(self.services.lifecycle.supply_deferred)

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

    def _on_void_clicked(self) -> None:
        answer = QMessageBox.question(self, self.tr("作废"), self.tr("作废后该办件不能再办理，确定要作废吗？"))
        if answer != QMessageBox.StandardButton.Yes:
            return
        lc = self.services.lifecycle
        self._open_step(ReasonDialog(self.tr("作废"), self.tr("作废原因"), self.tr("如：申请人撤回申请"), self),
                        lambda v: lambda a, c, n: lc.void(a, c, n, str(v["reason"])))
