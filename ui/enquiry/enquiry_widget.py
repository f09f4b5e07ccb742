"""First-contact log (首问登记): under 首问负责制 whoever is asked first owns the enquiry, so the
clerk notes what was asked, what was answered and where the visitor was sent, in a few keystrokes."""

from __future__ import annotations

from itertools import pairwise

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.context import Actor
from app.dto import EnquiryInput, EnquiryView, StaffInfo
from app.errors import DomainError
from app.services import Services
from ui.errors import show_error
from ui.rating_screen.hook import invitations
from ui.tasks import TaskRunner

_CELL_CHARS = 80  # a table cell shows the start of a long text; the tooltip shows more
_TIP_CHARS = 600


def _short(text: str, limit: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[:limit] + "…"


class EnquiryWidget(QWidget):
    enquiry_saved = Signal(object)  # EnquiryView

    def __init__(self, services: Services, runner: TaskRunner, staff: StaffInfo, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services, self.runner, self.staff = services, runner, staff
        self._views: list[EnquiryView] = []
        self._saving = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 6)
        layout.addWidget(self._build_form())
        layout.addWidget(self._build_table(), 1)
        self._set_tab_order()
        shortcut = QShortcut(QKeySequence("Ctrl+Return"), self, activated=self.save)
        shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        enter = QShortcut(QKeySequence("Ctrl+Enter"), self, activated=self.save)
        enter.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self._load()

    # -- layout ----------------------------------------------------------------------------------
    def _make_fields(self) -> None:
        self.topic = QLineEdit()
        self.topic.setObjectName("enquiryTopic")
        self.topic.setPlaceholderText(self.tr("来访人问了什么（必填）"))
        self.answer = QPlainTextEdit()
        self.answer.setObjectName("enquiryAnswer")
        self.answer.setPlaceholderText(self.tr("答复了什么、告知了哪些材料或流程"))
        self.answer.setTabChangesFocus(True)
        self.answer.setFixedHeight(self.fontMetrics().lineSpacing() * 3 + 14)
        self.referred = QComboBox()
        self.referred.setObjectName("enquiryReferred")
        self.referred.setEditable(True)
        self.referred.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.referred.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.referred.setMinimumContentsLength(30)
        self.referred.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.referred.lineEdit().setPlaceholderText(self.tr("当场答复的可留空；可输入或选择部门"))
        self.visitor = QLineEdit()
        self.visitor.setObjectName("enquiryVisitor")
        self.visitor.setPlaceholderText(self.tr("可不填"))
        self.phone = QLineEdit()
        self.phone.setObjectName("enquiryPhone")
        self.phone.setPlaceholderText(self.tr("可不填；填写后便于回访"))
        self.save_button = QPushButton(self.tr("保存(&S)  Ctrl+Enter"))
        self.save_button.setObjectName("enquirySave")
        self.save_button.setDefault(False)
        self.save_button.setAutoDefault(False)
        self.save_button.clicked.connect(self.save)
        # Enter walks the form like Tab; in the last field it saves
        self.topic.returnPressed.connect(self.answer.setFocus)
        self.referred.lineEdit().returnPressed.connect(self.visitor.setFocus)
        self.visitor.returnPressed.connect(self.phone.setFocus)
        self.phone.returnPressed.connect(self.save)

    def _build_form(self) -> QGroupBox:
        box = QGroupBox(self.tr("首问登记（首问负责制：首先被询问的人负责答复或引导到承办窗口）"))
        self._make_fields()
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        form.addRow(self._label(self.tr("咨询内容(&T)"), self.topic), self.topic)
        form.addRow(self._label(self.tr("答复要点(&A)"), self.answer), self.answer)
        form.addRow(self._label(self.tr("转办窗口/部门(&R)"), self.referred), self.referred)
        person = QHBoxLayout()
        person.addWidget(self.visitor, 1)
        person.addWidget(self._label(self.tr("电话(&P)"), self.phone))
        person.addWidget(self.phone, 1)
        person.addSpacing(12)
        person.addWidget(self.save_button)
        form.addRow(self._label(self.tr("来访人(&V)"), self.visitor), person)
        self.status = QLabel()
        self.status.setObjectName("enquiryStatus")
        self.status.setStyleSheet("color: #1b5e20; font-weight: bold;")
        form.addRow("", self.status)
        box.setLayout(form)
        return box

    @staticmethod
    def _label(text: str, buddy: QWidget) -> QLabel:
        label = QLabel(text)
        label.setBuddy(buddy)
        return label

    def _build_table(self) -> QGroupBox:
        self.table_box = QGroupBox(self.tr("今日首问登记"))
        self.table = QTableWidget(0, 6)
        self.table.setObjectName("enquiryTable")
        self.table.setHorizontalHeaderLabels([
            self.tr("时间"), self.tr("咨询内容"), self.tr("答复要点"), self.tr("转办窗口/部门"),
            self.tr("来访人"), self.tr("登记人"),
        ])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setTabKeyNavigation(False)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        for column, width in ((0, 70), (3, 340), (4, 90), (5, 90)):
            self.table.setColumnWidth(column, width)
        layout = QVBoxLayout(self.table_box)
        layout.addWidget(self.table)
        return self.table_box

    def _set_tab_order(self) -> None:
        chain = [self.topic, self.answer, self.referred, self.visitor, self.phone, self.save_button]
        for first, second in pairwise(chain):
            QWidget.setTabOrder(first, second)

    # -- loading ---------------------------------------------------------------------------------
    def _load(self) -> None:
        services, hall_id = self.services, self.staff.hall_id
        self.runner.run(services.catalogue.departments, self._on_departments_loaded)
        self.runner.run(lambda: services.enquiries.today(hall_id), self._on_today_loaded)

    def _on_departments_loaded(self, names: list[str]) -> None:
        typed = self.referred.currentText()
        self.referred.clear()
        self.referred.addItem("")
        self.referred.addItems(names)
        self.referred.setEditText(typed)

    def _on_today_loaded(self, views: list[EnquiryView]) -> None:
        # keep what was saved here before the list arrived
        known = {v.id for v in views}
        local = [v for v in self._views if v.id not in known]
        self._views = sorted(local + list(views), key=lambda v: v.at, reverse=True)
        self._fill_table()

    def _fill_table(self) -> None:
        self.table.setRowCount(0)
        for view in reversed(self._views):
            self._insert_row(view)
        self._update_title()

    def _insert_row(self, view: EnquiryView) -> None:
        """Newest on top."""
        self.table.insertRow(0)
        values = (view.at.strftime("%H:%M"), view.topic, view.answer, view.referred_window, view.visitor,
                  view.staff_name)
        for column, value in enumerate(values):
            item = QTableWidgetItem(_short(value, _CELL_CHARS))
            item.setData(Qt.ItemDataRole.UserRole, view.id)
            if column in (1, 2, 3):
                item.setToolTip(_short(value, _TIP_CHARS))
            self.table.setItem(0, column, item)

    def _update_title(self) -> None:
        self.table_box.setTitle(self.tr("今日首问登记（{n} 条）").format(n=len(self._views)))

    # -- saving ------------------------------------------------------------------------------------
    def focus_topic(self) -> None:
        self.topic.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.topic.selectAll()

    def save(self) -> None:
        if self._saving:
            return
        data = EnquiryInput(
            topic=self.topic.text(), answer=self.answer.toPlainText(),
            referred_window=self.referred.currentText(), visitor=self.visitor.text(),
            phone=self.phone.text(),
        )
        actor = Actor(self.staff.id, self.staff.name)
        hall_id, window_id, service = self.staff.hall_id, self.staff.window_id, self.services.enquiries
        self._set_saving(True)
        self.runner.run(lambda: service.record(actor, hall_id, window_id, data),
                        self._on_saved, self._on_save_failed, write=True)

    def _set_saving(self, saving: bool) -> None:
        self._saving = saving
        self.save_button.setEnabled(not saving)

    def _on_saved(self, view: EnquiryView) -> None:
        self._set_saving(False)
        self._views.insert(0, view)
        self._insert_row(view)
        self._update_title()
        self.clear_form()
        self.status.setText(self.tr("已登记：") + _short(view.topic, 40) + "（" + view.at.strftime("%H:%M") + "）")
        self.focus_topic()
        self.enquiry_saved.emit(view)
        invitations.invite(view.id, "enquiry", self.staff.id)  # asked only where the hall chose it

    def _on_save_failed(self, exc: Exception) -> None:
        """Nothing typed is lost: the form stays as it was, the faulty field gets the focus."""
        self._set_saving(False)
        self.status.clear()
        show_error(self, exc)
        if isinstance(exc, DomainError):
            self._focus_field(exc.field)

    def _focus_field(self, field: str | None) -> None:
        target = {
            "topic": self.topic, "answer": self.answer, "referred_window": self.referred,
            "visitor": self.visitor, "phone": self.phone,
        }.get(field or "")
        if target is not None:
            target.setFocus(Qt.FocusReason.OtherFocusReason)

    def clear_form(self) -> None:
        self.topic.clear()
        self.answer.clear()
        self.referred.setEditText("")
        self.visitor.clear()
        self.phone.clear()

    def has_unsaved_input(self) -> bool:
        return any(text.strip() for text in (
            self.topic.text(), self.answer.toPlainText(), self.referred.currentText(), self.visitor.text(),
            self.phone.text(),
        ))
