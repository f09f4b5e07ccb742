"""查岗: ``InspectionDialog`` for a supervisor to record a spot check of a window (the staff member
defaults to the window's A post; finding from the hall's list; note; optional photo ≤ 1 MB, shown as a
thumbnail), and ``InspectionsWindow`` where the staff member sees the checks about them and confirms or
disputes each one (a dispute needs a note). Reads and writes run on the task runner."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.context import Actor
from ui.errors import show_error

MAX_PHOTO_BYTES = 1024 * 1024  # the service refuses more too: the photo travels in the op
THUMB = 160
LIST_HEADERS = ("时间", "窗口", "查岗结果", "说明", "照片", "查岗人", "我的答复")


def _thumbnail(data_or_path, height: int = THUMB) -> QPixmap:
    pixmap = QPixmap()
    if isinstance(data_or_path, bytes | bytearray):
        pixmap.loadFromData(bytes(data_or_path))
    else:
        pixmap.load(str(data_or_path))
    if pixmap.isNull():
        return pixmap
    return pixmap.scaled(THUMB, height, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation)


class InspectionDialog(QDialog):
    inspection_recorded = Signal(object)  # InspectionItem

    def __init__(self, services, runner, staff, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services, self.runner, self.staff = services, runner, staff
        self.actor = Actor(staff.id, staff.name)
        self.a_posts: dict[str, str | None] = {}  # window id -> its A's staff id
        self.photo: Path | None = None
        self.setObjectName("inspectionDialog")
        self.setWindowTitle(self.tr("查岗登记"))
        self.setMinimumWidth(560)
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.window_box, self.staff_box, self.finding = QComboBox(), QComboBox(), QComboBox()
        self.window_box.setObjectName("inspectionWindow")
        self.staff_box.setObjectName("inspectionStaff")
        self.finding.setObjectName("inspectionFinding")
        self.window_box.currentIndexChanged.connect(self._on_window_changed)
        self.note = QPlainTextEdit()
        self.note.setObjectName("inspectionNote")
        self.note.setPlaceholderText(self.tr("如：10:05 窗口无人，桌上放“暂停服务”牌"))
        self.note.setFixedHeight(70)
        now = services.ctx.clock.now()
        self.when = QLabel(now.strftime("%Y-%m-%d %H:%M"))
        self.when.setObjectName("inspectionTime")
        form.addRow(self.tr("查岗时间"), self.when)
        form.addRow(self.tr("窗口(&W)"), self.window_box)
        form.addRow(self.tr("被查人员(&S)"), self.staff_box)
        form.addRow(self.tr("查岗结果(&R)"), self.finding)
        form.addRow(self.tr("说明(&N)"), self.note)
        form.addRow(self.tr("照片"), self._photo_row())
        layout.addLayout(form)
        self.message = QLabel()
        self.message.setObjectName("inspectionMessage")
        self.message.setStyleSheet("color: #b71c1c;")
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(self.tr("登记(&O)"))
        self.ok_button.setObjectName("inspectionOk")
        self.ok_button.setEnabled(False)
        buttons.accepted.connect(self._on_submit)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        attendance = services.attendance
        self.runner.run(lambda: (attendance.windows(), attendance.staff_choices(), attendance.findings(),
                                 attendance.posts()), self._on_choices, self._on_failed)

    def _photo_row(self) -> QWidget:
        box = QWidget()
        row = QHBoxLayout(box)
        row.setContentsMargins(0, 0, 0, 0)
        self.thumb = QLabel(self.tr("（无）"))
        self.thumb.setObjectName("inspectionThumb")
        self.thumb.setFixedSize(THUMB, THUMB * 3 // 4)
        self.thumb.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.thumb.setStyleSheet("border: 1px solid #bbb;")
        choose = QPushButton(self.tr("选择照片(&P)…"))
        choose.setObjectName("inspectionPhoto")
        choose.clicked.connect(self._on_photo_clicked)
        clear = QPushButton(self.tr("不附照片"))
        clear.clicked.connect(lambda: self.set_photo(None))
        row.addWidget(self.thumb)
        row.addWidget(choose)
        row.addWidget(clear)
        row.addStretch(1)
        return box

    def _on_choices(self, choices) -> None:
        windows, staff, findings, posts = choices
        self.a_posts = {p.window_id: p.a_staff_id for p in posts}
        self.staff_box.clear()
        self.staff_box.addItem(self.tr("（不指定）"), None)
        for staff_id, label in staff:
            self.staff_box.addItem(label, staff_id)
        self.finding.clear()
        self.finding.addItems(findings)
        self.window_box.clear()
        for window_id, label in windows:
            self.window_box.addItem(label, window_id)
        self.ok_button.setEnabled(bool(windows))

    def _on_window_changed(self, _index: int) -> None:
        a_staff = self.a_posts.get(self.window_box.currentData())
        found = self.staff_box.findData(a_staff)
        self.staff_box.setCurrentIndex(max(found, 0))

    def _on_photo_clicked(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, self.tr("选择照片"), str(Path.home()),
                                              self.tr("照片 (*.jpg *.jpeg *.png)"))
        if name:
            self.set_photo(Path(name))

    def set_photo(self, path: Path | None) -> bool:
        """Attach ``path`` (None: none); a file over 1 MB or not an image is refused with a message."""
        self.message.clear()
        if path is None:
            self.photo = None
            self.thumb.setPixmap(QPixmap())
            self.thumb.setText(self.tr("（无）"))
            return True
        size = path.stat().st_size
        if size > MAX_PHOTO_BYTES:
            self.message.setText(self.tr("照片 {name} 有 {mb:.1f} MB，超过 1 MB，请压缩或另选一张。").format(
                name=path.name, mb=size / MAX_PHOTO_BYTES))
            return False
        pixmap = _thumbnail(path, THUMB * 3 // 4)
        if pixmap.isNull():
            self.message.setText(self.tr("无法识别该照片，请选择 JPG 或 PNG 图片。"))
            return False
        self.photo = path
        self.thumb.setPixmap(pixmap)
        return True

    def _on_submit(self) -> None:
        attendance, actor, photo = self.services.attendance, self.actor, self.photo
        window_id, staff_id = self.window_box.currentData(), self.staff_box.currentData()
        finding, note = self.finding.currentText(), self.note.toPlainText().strip()
        self.ok_button.setEnabled(False)
        self.runner.run(lambda: attendance.record_inspection(actor, window_id, finding, note, photo, staff_id),
                        self._on_recorded, self._on_failed, write=True)

    def _on_recorded(self, item) -> None:
        self.inspection_recorded.emit(item)
        self.accept()

    def _on_failed(self, exc: Exception) -> None:
        self.ok_button.setEnabled(self.window_box.count() > 0)
        show_error(self, exc)


class InspectionsWindow(QWidget):
    """我的查岗记录: the checks about the person signed in; 确认 / 有异议 (a dispute needs a note)."""

    def __init__(self, services, runner, staff, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.services, self.runner, self.staff = services, runner, staff
        self.actor = Actor(staff.id, staff.name)
        self.items: list = []
        self.setObjectName("inspectionsWindow")
        self.setWindowTitle(self.tr("我的查岗记录"))
        self.resize(980, 560)
        layout = QVBoxLayout(self)
        self.table = QTableWidget(0, len(LIST_HEADERS))
        self.table.setObjectName("inspectionsTable")
        self.table.setHorizontalHeaderLabels([self.tr(h) for h in LIST_HEADERS])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.currentCellChanged.connect(lambda *_a: self._on_selected())
        layout.addWidget(self.table, 1)
        detail = QHBoxLayout()
        self.photo = QLabel()
        self.photo.setObjectName("inspectionsPhoto")
        self.photo.setFixedSize(THUMB, THUMB)
        self.photo.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.response_note = QPlainTextEdit()
        self.response_note.setObjectName("inspectionsNote")
        self.response_note.setPlaceholderText(self.tr("说明（有异议时必填）"))
        self.response_note.setFixedHeight(THUMB)
        detail.addWidget(self.photo)
        detail.addWidget(self.response_note, 1)
        layout.addLayout(detail)
        self.message = QLabel()
        self.message.setObjectName("inspectionsMessage")
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        layout.addLayout(self._buttons())
        self.refresh()

    def _buttons(self) -> QHBoxLayout:
        self.confirm_button = QPushButton(self.tr("确认(&C)"))
        self.confirm_button.setObjectName("inspectionsConfirm")
        self.confirm_button.clicked.connect(lambda: self.respond(True))
        self.dispute_button = QPushButton(self.tr("有异议(&D)"))
        self.dispute_button.setObjectName("inspectionsDispute")
        self.dispute_button.clicked.connect(lambda: self.respond(False))
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.confirm_button)
        row.addWidget(self.dispute_button)
        self._enable(None)
        return row

    def refresh(self) -> None:
        attendance, actor = self.services.attendance, self.actor
        self.runner.run(lambda: attendance.inspections(actor, mine=True), self._on_loaded, self._on_failed)

    def _on_loaded(self, items) -> None:
        self.items = list(items)
        self.table.setRowCount(len(self.items))
        for i, item in enumerate(self.items):
            answer = item.response_label + (f"：{item.response_note}" if item.response_note else "")
            cells = (item.at.strftime("%Y-%m-%d %H:%M"), item.window_label, item.finding, item.note,
                     self.tr("有") if item.photo else self.tr("无"), item.recorded_by_name, answer)
            for j, text in enumerate(cells):
                self.table.setItem(i, j, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()
        self.message.setText(self.tr("共 {n} 条查岗记录，{open} 条待确认。").format(
            n=len(self.items), open=sum(1 for i in self.items if i.can_respond)))
        if self.items:
            self.table.setCurrentCell(0, 0)
        self._on_selected()

    def current(self):
        row = self.table.currentRow()
        return self.items[row] if 0 <= row < len(self.items) else None

    def _enable(self, item) -> None:
        may = item is not None and item.can_respond
        self.confirm_button.setEnabled(may)
        self.dispute_button.setEnabled(may)

    def _on_selected(self) -> None:
        item = self.current()
        self._enable(item)
        pixmap = _thumbnail(item.photo) if item is not None and item.photo else QPixmap()
        self.photo.setPixmap(pixmap)
        self.photo.setText("" if not pixmap.isNull() else self.tr("（无照片）"))

    def respond(self, confirm: bool) -> None:
        item = self.current()
        if item is None:
            return
        note = self.response_note.toPlainText().strip()
        if not confirm and not note:
            self.message.setText(self.tr("有异议时请在说明中写明理由。"))
            self.response_note.setFocus()
            return
        attendance, actor = self.services.attendance, self.actor
        self._enable(None)
        self.runner.run(lambda: attendance.respond_inspection(actor, item.id, confirm, note),
                        self._on_responded, self._on_failed, write=True)

    def _on_responded(self, item) -> None:
        self.response_note.clear()
        self.refresh()
        self.message.setText(self.tr("已答复：{label}").format(label=item.response_label))

    def _on_failed(self, exc: Exception) -> None:
        self._enable(self.current())
        show_error(self, exc)
