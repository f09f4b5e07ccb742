"""Applicant details: a person (resident ID, GB 11643) or an organisation (credit code, GB 32100)."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QFormLayout, QGroupBox, QLabel, QLineEdit, QWidget

from app.dto import Applicant
from app.errors import InvalidInput
from app.validation import check_credit_code, check_resident_id


class ApplicantFormWidget(QGroupBox):
    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("申请人"), parent)
        self.kind = QComboBox()
        self.kind.setObjectName("applicantKind")
        self.kind.addItem(self.tr("个人（公民）"), "person")
        self.kind.addItem(self.tr("单位（法人和其他组织）"), "org")
        self.name = self._edit("applicantName", self.tr("姓名"))
        self.id_number = self._edit("applicantId", self.tr("18位居民身份证号码"))
        self.phone = self._edit("applicantPhone", self.tr("手机或座机"))
        self.legal_rep = self._edit("legalRepresentative", self.tr("法定代表人姓名"))
        self.agent_name = self._edit("agentName", self.tr("代理人（可不填）"))
        self.agent_id = self._edit("agentId", self.tr("代理人身份证号码"))
        self.id_hint = QLabel()
        self.id_hint.setObjectName("applicantIdHint")
        self.form = QFormLayout(self)
        self.form.addRow(self.tr("类型"), self.kind)
        self.name_label = QLabel(self.tr("姓名(&N)"))
        self.name_label.setBuddy(self.name)
        self.form.addRow(self.name_label, self.name)
        self.id_label = QLabel(self.tr("身份证号(&D)"))
        self.id_label.setBuddy(self.id_number)
        self.form.addRow(self.id_label, self.id_number)
        self.form.addRow("", self.id_hint)
        self.form.addRow(self.tr("联系电话"), self.phone)
        self.form.addRow(self.tr("法定代表人"), self.legal_rep)
        self.form.addRow(self.tr("代理人"), self.agent_name)
        self.form.addRow(self.tr("代理人证件"), self.agent_id)
        self.kind.currentIndexChanged.connect(self._on_kind_changed)
        self.id_number.editingFinished.connect(self._on_id_finished)
        self._on_kind_changed()

    def _edit(self, name: str, placeholder: str) -> QLineEdit:
        edit = QLineEdit()
        edit.setObjectName(name)
        edit.setPlaceholderText(placeholder)
        edit.textChanged.connect(self.changed)
        return edit

    @property
    def is_org(self) -> bool:
        return self.kind.currentData() == "org"

    def _on_kind_changed(self) -> None:
        org = self.is_org
        self.name_label.setText(self.tr("单位名称(&N)") if org else self.tr("姓名(&N)"))
        self.id_label.setText(self.tr("信用代码(&D)") if org else self.tr("身份证号(&D)"))
        self.id_number.setPlaceholderText(self.tr("18位统一社会信用代码") if org else self.tr("18位居民身份证号码"))
        self.form.setRowVisible(self.legal_rep, org)
        self.id_hint.clear()

    def _on_id_finished(self) -> None:
        """Checks the number as soon as the clerk leaves the field (pure, no database)."""
        text = self.id_number.text()
        if not text.strip():
            self.id_hint.clear()
            return
        try:
            normalised = check_credit_code(text) if self.is_org else check_resident_id(text)
        except InvalidInput as exc:
            self.id_hint.setStyleSheet("color: #b00020;")
            self.id_hint.setText(exc.message)
            return
        self.id_hint.setStyleSheet("color: #2e7d32;")
        self.id_hint.setText(self.tr("号码校验通过"))
        if normalised != text:
            self.id_number.setText(normalised)

    def applicant(self) -> Applicant:
        return Applicant(
            kind=str(self.kind.currentData()), name=self.name.text(), id_number=self.id_number.text(),
            phone=self.phone.text(), legal_representative=self.legal_rep.text() if self.is_org else "",
            agent_name=self.agent_name.text(), agent_id_number=self.agent_id.text(),
        )

    def set_applicant(self, a: Applicant) -> None:
        self.kind.setCurrentIndex(1 if a.kind == "org" else 0)
        self.name.setText(a.name)
        self.id_number.setText(a.id_number)
        self.phone.setText(a.phone)
        self.legal_rep.setText(a.legal_representative)
        self.agent_name.setText(a.agent_name)
        self.agent_id.setText(a.agent_id_number)

    def has_input(self) -> bool:
        return any(e.text().strip() for e in (self.name, self.id_number, self.phone))

    def clear(self) -> None:
        for e in (self.name, self.id_number, self.phone, self.legal_rep, self.agent_name, self.agent_id):
            e.clear()
        self.kind.setCurrentIndex(0)
        self.id_hint.clear()

    def focus_field(self, field: str | None) -> None:
        target = {
            "applicant_name": self.name, "legal_representative": self.legal_rep,
            "agent_name": self.agent_name, "phone": self.phone,
        }.get(field or "", self.id_number if field in ("id_number", "applicant_id") else None)
        if target is not None:
            target.setFocus()
            target.selectAll()
