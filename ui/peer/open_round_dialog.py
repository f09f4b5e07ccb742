"""开启新一轮互评 (business section): the title, the period (a month or a quarter), the scope (each person
rates the colleagues of the whole hall, of their department or of their zone), the dimensions with their
weights (the hall's defaults filled in; each is scored 1–5) and the ballots a person needs before their
result is shown (never fewer than 3). The service checks everything again; a refusal is said inline in
red with its field focused, and nothing typed is lost. The round is written on the write pool."""

from __future__ import annotations

import contextlib

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
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

from app.context import Actor
from app.dto import StaffInfo
from app.errors import DomainError, InvalidInput
from app.services import Services
from ui.errors import show_error
from ui.tasks import TaskRunner

RED = "#b00020"
SCOPES = (("department", "各部门（派驻单位）分别互评"), ("zone", "各区域分别互评"), ("hall", "全中心一起互评"))
MONTHLY, QUARTERLY = "month", "quarter"
MIN_BALLOTS_FLOOR = 3  # the service refuses fewer: averages of one or two ballots would name the rater
MAX_DIMENSIONS = 8


class OpenRoundDialog(QDialog):
    round_opened = Signal(object)  # RoundItem

    def __init__(self, services: Services, runner: TaskRunner, staff: StaffInfo,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services, self.runner, self.staff = services, runner, staff
        self.actor = Actor(staff.id, staff.name)
        self.item = None  # the RoundItem once opened
        self._title_edited = False
        self.setObjectName("openPeerRoundDialog")
        self.setWindowTitle(self.tr("开启新一轮互评"))
        self.setMinimumWidth(560)
        layout = QVBoxLayout(self)
        form = QFormLayout()
        form.addRow(self.tr("期间(&P)"), self._period_row())
        self.title_edit = QLineEdit()
        self.title_edit.setObjectName("peerRoundTitle")
        self.title_edit.setMaxLength(100)
        self.title_edit.textEdited.connect(self._on_title_edited)
        form.addRow(self.tr("名称(&T)"), self.title_edit)
        self.scope = QComboBox()
        self.scope.setObjectName("peerRoundScope")
        for code, label in SCOPES:
            self.scope.addItem(self.tr(label), code)
        form.addRow(self.tr("范围(&S)"), self.scope)
        self.min_ballots = QSpinBox()
        self.min_ballots.setObjectName("peerRoundMinBallots")
        self.min_ballots.setRange(MIN_BALLOTS_FLOOR, 99)
        self.min_ballots.setValue(5)
        self.min_ballots.setSuffix(self.tr(" 张"))
        self.min_ballots.setToolTip(self.tr("某人所得票数少于此数时，不显示其结果（不少于 3 张）"))
        form.addRow(self.tr("最少票数(&M)"), self.min_ballots)
        layout.addLayout(form)
        layout.addWidget(QLabel(self.tr("评议维度与权重（每项 1–5 分；双击或按 F2 修改）")))
        layout.addWidget(self._dimensions_box())
        self.error = QLabel()
        self.error.setObjectName("openPeerRoundError")
        self.error.setWordWrap(True)
        self.error.setStyleSheet(f"color: {RED};")
        layout.addWidget(self.error)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(self.tr("开启(&O)"))
        self.ok_button.setObjectName("openPeerRoundOk")
        self.ok_button.setEnabled(False)  # until the hall's defaults are in
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self._on_period_changed()
        self.runner.run(services.ctx.parameters, self._on_defaults, self._on_defaults_failed, owner=self)

    # -- layout ----------------------------------------------------------------------------------
    def _period_row(self) -> QWidget:
        today = self.services.ctx.clock.now().date()
        self.period_kind = QComboBox()
        self.period_kind.setObjectName("peerRoundPeriodKind")
        self.period_kind.addItem(self.tr("月度"), MONTHLY)
        self.period_kind.addItem(self.tr("季度"), QUARTERLY)
        self.year = QSpinBox()
        self.year.setObjectName("peerRoundYear")
        self.year.setRange(2000, 2100)
        self.year.setValue(today.year)
        self.year.setSuffix(self.tr(" 年"))
        self.part = QComboBox()
        self.part.setObjectName("peerRoundPeriodPart")
        self._today = QDate(today.year, today.month, today.day)
        self.period_kind.currentIndexChanged.connect(self._fill_parts)
        self.period_kind.currentIndexChanged.connect(self._on_period_changed)
        self.year.valueChanged.connect(self._on_period_changed)
        self.part.currentIndexChanged.connect(self._on_period_changed)
        self._fill_parts()
        row = QWidget()
        box = QHBoxLayout(row)
        box.setContentsMargins(0, 0, 0, 0)
        for widget in (self.period_kind, self.year, self.part):
            box.addWidget(widget)
        box.addStretch(1)
        return row

    def _fill_parts(self) -> None:
        quarterly = self.period_kind.currentData() == QUARTERLY
        self.part.blockSignals(True)
        self.part.clear()
        if quarterly:
            for q in range(1, 5):
                self.part.addItem(self.tr("第{q}季度").format(q=q), f"Q{q}")
            self.part.setCurrentIndex((self._today.month() - 1) // 3)
        else:
            for m in range(1, 13):
                self.part.addItem(self.tr("{m}月").format(m=m), f"{m:02d}")
            self.part.setCurrentIndex(self._today.month() - 1)
        self.part.blockSignals(False)

    def _dimensions_box(self) -> QWidget:
        box = QWidget()
        self.dimensions = QTableWidget(0, 2)
        self.dimensions.setObjectName("peerRoundDimensions")
        self.dimensions.setHorizontalHeaderLabels([self.tr("维度"), self.tr("权重")])
        self.dimensions.verticalHeader().setVisible(False)
        self.dimensions.setTabKeyNavigation(False)
        self.dimensions.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.dimensions.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.dimensions.setMaximumHeight(220)
        add = QPushButton(self.tr("添加维度(&A)"))
        add.setObjectName("addPeerDimension")
        add.clicked.connect(lambda: self.add_dimension("", 1.0, edit=True))
        remove = QPushButton(self.tr("删除维度(&D)"))
        remove.setObjectName("removePeerDimension")
        remove.clicked.connect(self.remove_dimension)
        side = QVBoxLayout()
        side.addWidget(add)
        side.addWidget(remove)
        side.addStretch(1)
        layout = QHBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.dimensions, 1)
        layout.addLayout(side)
        return box

    # -- defaults and the period -----------------------------------------------------------------
    def _on_defaults(self, parameters: dict[str, str]) -> None:
        labels = [p.strip() for p in parameters.get("peer.dimensions", "").split(",") if p.strip()]
        for label in labels[:MAX_DIMENSIONS]:
            self.add_dimension(label, 1.0)
        with contextlib.suppress(ValueError):  # a bad parameter: keep 5, the service checks anyway
            self.min_ballots.setValue(max(MIN_BALLOTS_FLOOR, int(parameters.get("peer.min_ballots", "5"))))
        self.ok_button.setEnabled(True)
        self.title_edit.setFocus()

    def _on_defaults_failed(self, exc: Exception) -> None:
        self.ok_button.setEnabled(True)  # the clerk can still type the dimensions in
        show_error(self, exc)

    def period(self) -> str:
        return f"{self.year.value()}-{self.part.currentData()}"

    def _on_period_changed(self) -> None:
        if self._title_edited:
            return
        quarterly = self.period_kind.currentData() == QUARTERLY
        part = self.part.currentText()
        title = f"{self.year.value()}年{part}互评" if quarterly or part else ""
        self.title_edit.setText(title)

    def _on_title_edited(self, text: str) -> None:
        self._title_edited = bool(text)

    # -- dimensions ------------------------------------------------------------------------------
    def add_dimension(self, label: str, weight: float, *, edit: bool = False) -> None:
        if self.dimensions.rowCount() >= MAX_DIMENSIONS:
            self.error.setText(self.tr("评议维度最多 8 项。"))
            return
        row = self.dimensions.rowCount()
        self.dimensions.insertRow(row)
        self.dimensions.setItem(row, 0, QTableWidgetItem(label))
        weight_cell = QTableWidgetItem(f"{weight:g}")
        weight_cell.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.dimensions.setItem(row, 1, weight_cell)
        if edit:
            self.dimensions.setCurrentCell(row, 0)
            self.dimensions.setFocus()
            self.dimensions.editItem(self.dimensions.item(row, 0))

    def remove_dimension(self) -> None:
        row = self.dimensions.currentRow()
        if 0 <= row < self.dimensions.rowCount():
            self.dimensions.removeRow(row)

    def dimension_values(self) -> list[tuple[str, float]]:
        """The table as (label, weight); a weight that is not a positive number is refused here."""
        values: list[tuple[str, float]] = []
        for row in range(self.dimensions.rowCount()):
            label_item, weight_item = self.dimensions.item(row, 0), self.dimensions.item(row, 1)
            label = label_item.text().strip() if label_item else ""
            text = weight_item.text().strip() if weight_item else ""
            if not label and not text:
                continue
            try:
                weight = float(text)
            except ValueError:
                weight = 0.0
            if not label or weight <= 0:
                self.dimensions.setCurrentCell(row, 0 if not label else 1)
                raise InvalidInput(self.tr("第 {n} 项维度须有名称和大于 0 的权重。").format(n=row + 1),
                                   field="dimensions")
            values.append((label, weight))
        if not values:
            raise InvalidInput(self.tr("请至少填写一项评议维度。"), field="dimensions")
        return values

    # -- submitting ------------------------------------------------------------------------------
    def submit(self) -> None:
        if not self.ok_button.isEnabled():
            return
        try:
            dimensions = self.dimension_values()
        except InvalidInput as exc:
            self._say(exc)
            return
        title, period, scope = self.title_edit.text().strip(), self.period(), self.scope.currentData()
        min_ballots = self.min_ballots.value()
        self.error.setText("")
        self.ok_button.setEnabled(False)
        peer, actor = self.services.peer, self.actor
        self.runner.run(lambda: peer.open_round(actor, title, period, scope, dimensions, min_ballots),
                        self._on_opened, self._on_failed, write=True, owner=self)

    def _on_opened(self, item) -> None:  # RoundItem
        self.item = item
        self.round_opened.emit(item)
        self.accept()

    def _on_failed(self, exc: Exception) -> None:
        self.ok_button.setEnabled(True)
        if not isinstance(exc, DomainError):
            show_error(self, exc)
            return
        self._say(exc)

    def _say(self, exc: DomainError) -> None:
        self.error.setText(exc.message)
        focus = {"title": self.title_edit, "period": self.part, "scope": self.scope,
                 "min_ballots": self.min_ballots}.get(exc.field or "", self.dimensions)
        focus.setFocus()
