"""提出加减分 (a chief for their department, a supervisor, the business section: 不规范收件 and 违规收费 at
the rules' points, 其他加减分 with its own points, each for the business section to approve) and
调整得分 (the business section's adjustment of the draft, in force at once, audited; never of one's own
score). Both about one person or one window of the month's draft, with a reason. The service checks
everything again; its refusal is said next to the field."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QComboBox, QDoubleSpinBox, QLineEdit, QWidget

from app.appraisal.rules import FACT_KINDS
from app.context import Actor
from ui.appraisal.common import AppraisalFormDialog, TargetChooser, month_text, points_text

PROPOSE, ADJUST = "propose", "adjust"
PROPOSED_KINDS = ("irregular_receipt", "unauthorised_fee", "manual")  # app.appraisal.facts.ITEM_KINDS
OWN_POINTS = "manual"  # the kind that carries its own points
MAX_POINTS = 20.0  # app.appraisal.service.MAX_ITEM_POINTS


class PointsDialog(AppraisalFormDialog):
    """``mode`` PROPOSE or ADJUST for ``year``/``month``; ``draft`` (MonthAppraisal) gives the people and
    windows to choose from; ``rules`` (the rules' content, may be None) the points of the fixed kinds."""

    def __init__(self, services, runner, staff, mode: str, year: int, month: int, draft: Any,
                 rules: dict[str, Any] | None = None, parent: QWidget | None = None) -> None:
        adjust = mode == ADJUST
        super().__init__(runner, "调整考核得分" if adjust else "提出考核加减分事项",
                         "appraisalAdjustDialog" if adjust else "appraisalItemDialog", parent,
                         ok_text="调整(&O)" if adjust else "提出(&O)")
        self.services, self.staff, self.mode = services, staff, mode
        self.actor = Actor(staff.id, staff.name)
        self.year, self.month = year, month
        self.rules = rules or {}
        if adjust:
            self.set_intro(self.tr("{m}考核：业务科调整即时计入草稿，留有记录（谁、何时、为何）。不能调整本人的得分。")
                           .format(m=month_text(year, month)))
        else:
            self.set_intro(self.tr("{m}考核：提出的事项经中心业务科批准后计入考核。").format(m=month_text(year, month)))
        self.target = TargetChooser("appraisalItemTarget")
        self.target.set_targets(draft.people if draft else (), draft.windows if draft else (), exclude=staff.id)
        self.add_row("对象(&T)", self.target, ("staff_id", "window_id"))
        self.kind = QComboBox()
        self.kind.setObjectName("appraisalItemKind")
        if not adjust:
            for kind in PROPOSED_KINDS:
                self.kind.addItem(self._kind_label(kind), kind)
            self.kind.currentIndexChanged.connect(self._on_kind_changed)
            self.add_row("类别(&K)", self.kind, ("kind",))
        self.points = QDoubleSpinBox()
        self.points.setObjectName("appraisalItemPoints")
        self.points.setRange(-MAX_POINTS, MAX_POINTS)
        self.points.setDecimals(1)
        self.points.setSingleStep(0.5)
        self.points.setSuffix(self.tr(" 分"))
        self.points.setToolTip(self.tr("正数加分，负数扣分；每项不超过 ±20 分"))
        self.add_row("分值(&P)", self.points, ("points",))
        self.reason = QLineEdit()
        self.reason.setObjectName("appraisalItemReason")
        self.reason.setMaxLength(500)
        self.reason.setPlaceholderText(self.tr("写明事由，将随考核结果留存"))
        self.add_row("事由(&R)", self.reason, ("reason", "month"))
        self._on_kind_changed()
        self.target.setFocus()

    def _kind_label(self, kind: str) -> str:
        label = FACT_KINDS.get(kind, kind)
        points = self.rules.get("points", {}).get(kind)
        if kind == OWN_POINTS:
            return self.tr("{label}（填写分值）").format(label=label)
        if points is None:
            return self.tr("{label}（按评分规则计分）").format(label=label)
        return self.tr("{label}（按评分规则 {p} 分）").format(label=label, p=points_text(float(points)))

    def _on_kind_changed(self) -> None:
        own = self.mode == ADJUST or self.kind.currentData() == OWN_POINTS
        if own == self.points.isEnabled() and self.points.specialValueText() == "":
            return
        self.points.setEnabled(own)
        # a fixed kind shows "按评分规则" (the spin box's text at its minimum) instead of a number
        self.points.setSpecialValueText("" if own else self.tr("按评分规则"))
        self.points.setValue(0.0 if own else self.points.minimum())

    def choose(self, staff_id: str | None = None, window_id: str | None = None) -> None:
        """Start with the person (or window) selected in the month window."""
        if staff_id:
            self.target.choose("staff", staff_id)
        elif window_id:
            self.target.choose("window", window_id)
        if self.target.currentData():
            self.points.setFocus() if self.points.isEnabled() else self.kind.setFocus()

    def call(self) -> Callable[[], Any]:
        staff_id, window_id = self.target.target()
        reason, points = self.reason.text(), round(self.points.value(), 2)
        ap, actor, year, month = self.services.appraisal, self.actor, self.year, self.month
        if self.mode == ADJUST:
            return lambda: ap.adjust(actor, year, month, staff_id=staff_id, window_id=window_id, points=points,
                                     reason=reason)
        kind = self.kind.currentData()
        value = points if kind == OWN_POINTS else None
        return lambda: ap.propose_item(actor, year, month, kind, staff_id=staff_id, window_id=window_id,
                                       reason=reason, points=value)
