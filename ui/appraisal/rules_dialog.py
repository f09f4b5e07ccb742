"""考核评分规则 (the business section): the points of each fact (扣分 per time or case, 加分 per letter
or banner), base and cap, the grade thresholds, the quotas, the 首席代表's share, 互评, and the quarterly
and yearly awards — the rules in force read on a worker, saved with a note as a new version that
applies to every month computed after it. The service checks the whole of it; a refusal is said next to
the field it names. Items this dialog does not show (红旗窗口 indicator weights) are kept as they are."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.appraisal.rules import BONUSES, DEFAULT_POINTS, FACT_KINDS, default_rules, rules_content
from app.context import Actor
from ui.appraisal.common import GREY, AppraisalFormDialog

NUMBER, COUNT, PERCENT, FLAG = "number", "count", "percent", "flag"
# (group, [(key, label, kind, low, high, suffix)]); the ranges are those app.appraisal.rules.parse_rules takes
GROUPS: tuple[tuple[str, tuple[tuple[str, str, str, float, float, str], ...]], ...] = (
    ("基础分与等次", (
        ("base", "基础分(&B)", NUMBER, 1, 1000, " 分"), ("cap", "封顶分(&U)", NUMBER, 1, 1000, " 分"),
        ("floor", "最低分(&L)", NUMBER, -1000, 1000, " 分"),
        ("excellent", "优秀分数线(&E)", NUMBER, 0, 1000, " 分"),
        ("competent", "称职分数线(&C)", NUMBER, 0, 1000, " 分"),
        ("basic", "基本称职分数线(&J)", NUMBER, 0, 1000, " 分"), ("top_n", "或排名前(&T)", COUNT, 0, 1000, " 名"),
    )),
    ("首席代表与互评", (
        ("chief_share", "首席代表分担(&H)", PERCENT, 0, 100, " %"),
        ("peer_center", "互评基准分(&Z)", NUMBER, 1, 5, " 分"), ("peer_weight", "互评权重(&W)", NUMBER, 0, 20, " 倍"),
    )),
    ("名额与评优", (
        ("staff_excellent_quota", "优秀比例(&Q)", PERCENT, 1, 100, " %"),
        ("staff_excellent_quota_raised", "批准后优秀比例(&A)", PERCENT, 1, 100, " %"),
        ("window_excellent_quota", "优秀窗口比例(&I)", PERCENT, 1, 100, " %"),
        ("ineligible_late_early", "迟到早退达(&K)", COUNT, 1, 1000, " 次取消评优"),
        ("absent_removes_eligibility", "旷工取消评优(&X)", FLAG, 0, 1, ""),
        ("standouts", "优质服务标兵(&S)", COUNT, 0, 100, " 名"),
    )),
    ("季度、年度评比", (
        ("red_flags", "红旗窗口(&F)", COUNT, 0, 100, " 个"),
        ("yearly_window_quota", "先进窗口比例(&G)", PERCENT, 1, 100, " %"),
        ("yearly_staff_quota", "先进个人比例(&R)", PERCENT, 1, 100, " %"),
    )),
)
POINTS_HEADERS = ("事项", "类别", "分值")


class RulesDialog(AppraisalFormDialog):
    def __init__(self, services, runner, staff, parent: QWidget | None = None) -> None:
        super().__init__(runner, "考核评分规则", "appraisalRulesDialog", parent, ok_text="保存为新版本(&O)")
        self.services, self.staff = services, staff
        self.actor = Actor(staff.id, staff.name)
        self.content: dict[str, Any] = {}
        self.version: int | None = None
        self.inputs: dict[str, QWidget] = {}
        self.set_intro(self.tr("正在读取现行评分规则…"))
        columns = QHBoxLayout()
        columns.addWidget(self._points_box(), 3)
        for pair in (GROUPS[:2], GROUPS[2:]):
            column = QVBoxLayout()
            for title, specs in pair:
                column.addWidget(self._group(title, specs))
            column.addStretch(1)
            columns.addLayout(column, 2)
        self.layout_.insertLayout(1, columns)
        self.note = QLineEdit()
        self.note.setObjectName("appraisalRulesNote")
        self.note.setMaxLength(500)
        self.note.setPlaceholderText(self.tr("如：迟到扣分由 1 分改为 0.5 分，自下月起执行"))
        self.add_row("变更说明(&N)", self.note, ("note", "content"))
        self.defaults_button = QPushButton(self.tr("恢复默认值(&D)"))
        self.defaults_button.setObjectName("appraisalRulesDefaults")
        self.defaults_button.setToolTip(self.tr("填入 DOMAIN 默认的评分规则（保存后才生效）"))
        self.defaults_button.clicked.connect(lambda: self.fill(rules_content(default_rules())))
        self.buttons.addButton(self.defaults_button, QDialogButtonBox.ButtonRole.ResetRole)
        self.setMinimumWidth(1100)
        self.ok_button.setEnabled(False)
        self.runner.run(services.appraisal.rules, self._on_rules, self._on_rules_failed, owner=self)

    # -- layout --------------------------------------------------------------------------------------
    def _points_box(self) -> QGroupBox:
        box = QGroupBox(self.tr("各项加减分（每次、每件或每项）"))
        layout = QVBoxLayout(box)
        self.points = QTableWidget(len(DEFAULT_POINTS), len(POINTS_HEADERS))
        self.points.setObjectName("appraisalRulesPoints")
        self.points.setHorizontalHeaderLabels([self.tr(h) for h in POINTS_HEADERS])
        self.points.verticalHeader().setVisible(False)
        self.points.setTabKeyNavigation(False)
        self.points.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.points.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for row, kind in enumerate(DEFAULT_POINTS):
            label = QTableWidgetItem(FACT_KINDS[kind])
            label.setFlags(label.flags() & ~Qt.ItemFlag.ItemIsEditable)
            label.setData(Qt.ItemDataRole.UserRole, kind)
            sign = QTableWidgetItem(self.tr("加分") if kind in BONUSES else self.tr("扣分"))
            sign.setFlags(sign.flags() & ~Qt.ItemFlag.ItemIsEditable)
            value = QTableWidgetItem()
            value.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            for c, item in enumerate((label, sign, value)):
                self.points.setItem(row, c, item)
        self.points.setCurrentCell(0, 2)
        self.points.resizeRowsToContents()
        rows = sum(self.points.rowHeight(r) for r in range(self.points.rowCount()))
        self.points.setMinimumHeight(rows + self.points.horizontalHeader().sizeHint().height() + 4)  # no scrolling
        layout.addWidget(self.points, 1)
        note = QLabel(self.tr("双击或按 F2 修改分值；扣分填负数。互评按（综合分 − 基准分）× 权重计分；"
                              "其他加减分、业务科调整按填写的分值。"))
        note.setWordWrap(True)
        note.setStyleSheet(f"color: {GREY};")
        layout.addWidget(note)
        self.add_error_below(layout, self.points, ("points",))
        return box

    def _group(self, title: str, specs: tuple[tuple[str, str, str, float, float, str], ...]) -> QGroupBox:
        box = QGroupBox(self.tr(title))
        form = QFormLayout(box)
        for key, label, kind, low, high, suffix in specs:
            widget = self._input(key, kind, low, high, suffix)
            self.inputs[key] = widget
            self.add_row(label, widget, (key,), form)
        return box

    def _input(self, key: str, kind: str, low: float, high: float, suffix: str) -> QWidget:
        widget: QWidget
        if kind == FLAG:
            widget = QCheckBox(self.tr("当月有旷工的不得评优"))
        elif kind == COUNT:
            widget = QSpinBox()
            widget.setRange(int(low), int(high))
            widget.setSuffix(self.tr(suffix))
        else:
            widget = QDoubleSpinBox()
            widget.setRange(low, high)
            widget.setDecimals(2 if key.startswith("peer_") else 1)
            widget.setSuffix(self.tr(suffix))
        widget.setObjectName("appraisalRules_" + key)
        return widget

    # -- the rules in and out ---------------------------------------------------------------------------
    def _on_rules(self, result: tuple[dict[str, Any], int]) -> None:
        content, self.version = result
        self.fill(content)
        self.set_intro(self.tr("现行评分规则：第{v}版。保存后生成第{n}版，自保存时起计算的各月考核（含未发布的草稿）按新版本计分；"
                               "已发布的月份不受影响。").format(v=self.version, n=self.version + 1)
                       if self.version else
                       self.tr("现行评分规则：默认规则（尚未修改过）。保存后生成第1版，自保存时起计算的各月考核按新版本计分；"
                               "已发布的月份不受影响。"))
        self.ok_button.setEnabled(True)
        self.points.setFocus()

    def _on_rules_failed(self, exc: Exception) -> None:
        self.set_intro(self.tr("未能读取现行评分规则。"))
        self._on_failed(exc)
        self.ok_button.setEnabled(False)  # saving over rules never read would lose them

    def fill(self, content: dict[str, Any]) -> None:
        self.content = dict(content)
        points = content.get("points", {})
        for row in range(self.points.rowCount()):
            kind = self.points.item(row, 0).data(Qt.ItemDataRole.UserRole)
            self.points.item(row, 2).setData(Qt.ItemDataRole.EditRole, float(points.get(kind, DEFAULT_POINTS[kind])))
        for key, widget in self.inputs.items():
            value = content.get(key)
            if value is None:
                continue
            if isinstance(widget, QCheckBox):
                widget.setChecked(bool(value))
            elif isinstance(widget, QSpinBox):
                widget.setValue(int(value))
            elif key in _PERCENT_KEYS:
                widget.setValue(float(value) * 100)
            else:
                widget.setValue(float(value))

    def values(self) -> dict[str, Any]:
        """The rules as the dialog shows them (what it does not show kept as read)."""
        out = dict(self.content)
        points = {}
        for row in range(self.points.rowCount()):
            kind = self.points.item(row, 0).data(Qt.ItemDataRole.UserRole)
            value = self.points.item(row, 2).data(Qt.ItemDataRole.EditRole)
            try:
                points[kind] = float(value)
            except (TypeError, ValueError):
                points[kind] = value  # the service names the item
        out["points"] = points
        for key, widget in self.inputs.items():
            if isinstance(widget, QCheckBox):
                out[key] = widget.isChecked()
            elif isinstance(widget, QSpinBox):
                out[key] = widget.value()
            elif key in _PERCENT_KEYS:
                out[key] = round(widget.value() / 100, 4)
            else:
                out[key] = round(widget.value(), 2)
        return out

    def call(self) -> Callable[[], Any]:
        content, note = self.values(), self.note.text()
        ap, actor = self.services.appraisal, self.actor
        return lambda: ap.set_rules(actor, content, note)


_PERCENT_KEYS = frozenset(key for _t, specs in GROUPS for key, _l, kind, *_r in specs if kind == PERCENT)
