"""First run on a new data folder: which hall (the demo hall, or the files the hall's IT staff
provide), which window this PC serves, and optionally the central server's address.

Files are read and the store is written on the task runner (hashing the staff's initial
passwords takes seconds); the dialog stays responsive and keeps what was typed when a file is
refused. Cancelling writes nothing.
"""

from __future__ import annotations

import socket
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from app.errors import DomainError
from app.machine_settings import MachineSettings
from app.services import Services
from app.setup import HallFile, demo_files, load_hall_file
from ui.tasks import TaskRunner


class _Progress(QObject):
    """Rows of the hall taken over so far, from the worker thread to the dialog (queued signal)."""

    rows = Signal(int)


class SetupDialog(QDialog):
    def __init__(self, services: Services, runner: TaskRunner, *, demo: bool = False,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services, self.runner = services, runner
        self.hall: HallFile | None = None
        self._load_serial = 0
        self.setObjectName("setupDialog")
        self.setWindowTitle(self.tr("窗口工作台 — 首次设置"))
        self.setMinimumWidth(620)
        intro = QLabel(self.tr("这台电脑还没有设置。请选择本大厅的资料和本机的窗口，设置只需做一次。"))
        intro.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self._hall_box())
        layout.addWidget(self._machine_box())
        self.message = QLabel()
        self.message.setObjectName("setupMessage")
        self.message.setWordWrap(True)
        self.errors = QPlainTextEdit()
        self.errors.setObjectName("setupErrors")
        self.errors.setReadOnly(True)
        self.errors.setVisible(False)
        self.errors.setStyleSheet("color: #b00020;")
        layout.addWidget(self.message)
        layout.addWidget(self.errors)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.finish_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.finish_button.setText(self.tr("完成设置"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("退出"))
        self.buttons.accepted.connect(self._on_finish_clicked)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self._auto_finish = demo  # `--demo`: the demo hall on its first window, without questions
        self._on_source_changed()

    def _hall_box(self) -> QGroupBox:
        box = QGroupBox(self.tr("大厅资料"))
        self.demo_radio = QRadioButton(self.tr("演示大厅（试用、培训用，含演示人员和事项）(&D)"))
        self.demo_radio.setObjectName("demoHall")
        self.files_radio = QRadioButton(self.tr("本大厅的资料文件（由中心信息科提供）(&F)"))
        self.files_radio.setObjectName("hallFiles")
        self.server_radio = QRadioButton(self.tr("从中心服务器获取（需要中心管理员给出的注册码）(&N)"))
        self.server_radio.setObjectName("fromServer")
        group = QButtonGroup(self)
        for radio in (self.demo_radio, self.files_radio, self.server_radio):
            group.addButton(radio)
        self.demo_radio.setChecked(True)
        self.hall_edit, hall_row = self._file_row("hallFile", self.tr("大厅资料 (*.json)"))
        self.catalogue_edit, catalogue_row = self._file_row("catalogueFile", self.tr("事项目录 (*.xlsx *.json)"))
        self.hall_info = QLabel()
        self.hall_info.setObjectName("hallInfo")
        form = QFormLayout()
        form.addRow(self.tr("大厅资料文件(&H)"), hall_row)
        form.addRow(self.tr("事项目录文件(&C)"), catalogue_row)
        self.files_form = QWidget()
        self.files_form.setLayout(form)
        layout = QVBoxLayout(box)
        for w in (self.demo_radio, self.files_radio, self.files_form, self.server_radio, self.hall_info):
            layout.addWidget(w)
        self.demo_radio.toggled.connect(self._on_source_changed)
        self.server_radio.toggled.connect(self._on_source_changed)
        self.hall_edit.editingFinished.connect(self._on_source_changed)
        return box

    def _file_row(self, name: str, file_filter: str) -> tuple[QLineEdit, QWidget]:
        edit = QLineEdit()
        edit.setObjectName(name)
        browse = QPushButton(self.tr("浏览…"))
        browse.setAutoDefault(False)
        browse.clicked.connect(lambda: self._browse(edit, file_filter))
        row = QWidget()
        h = QHBoxLayout(row)
        h.setContentsMargins(0, 0, 0, 0)
        h.addWidget(edit, 1)
        h.addWidget(browse)
        return edit, row

    def _machine_box(self) -> QGroupBox:
        box = QGroupBox(self.tr("本机"))
        self.window_combo = QComboBox()
        self.window_combo.setObjectName("windowNumber")
        self.server_edit = QLineEdit()
        self.server_edit.setObjectName("serverUrl")
        self.server_edit.setPlaceholderText(self.tr("可不填：留空表示单机运行，以后可在“本机设置”中填写"))
        folder = QLabel(str(self.services.ctx.db.path.parent))
        folder.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.code_edit = QLineEdit()
        self.code_edit.setObjectName("enrolmentCode")
        self.code_edit.setPlaceholderText(self.tr("从中心服务器获取时填写，如 7K4Q-2M9P（注册码已指定大厅和窗口）"))
        form = QFormLayout(box)
        form.addRow(self.tr("本机窗口(&W)"), self.window_combo)
        form.addRow(self.tr("中心服务器地址(&S)"), self.server_edit)
        form.addRow(self.tr("注册码(&E)"), self.code_edit)
        form.addRow(self.tr("数据目录"), folder)
        return box

    def _browse(self, edit: QLineEdit, file_filter: str) -> None:
        path, _ = QFileDialog.getOpenFileName(self, self.tr("选择文件"), edit.text(), file_filter)
        if path:
            edit.setText(path)
            self._on_source_changed()

    # -- reading the hall file -----------------------------------------------------------------
    def _hall_path(self) -> Path | None:
        if self.server_radio.isChecked():
            return None
        if self.demo_radio.isChecked():
            return demo_files()[0]
        text = self.hall_edit.text().strip()
        return Path(text) if text else None

    def _on_source_changed(self) -> None:
        self.files_form.setEnabled(self.files_radio.isChecked())
        from_server = self.server_radio.isChecked()
        self.window_combo.setEnabled(not from_server)
        self.code_edit.setEnabled(from_server)
        self.hall, self._load_serial = None, self._load_serial + 1
        self.window_combo.clear()
        self.hall_info.setText(self.tr("大厅、窗口、人员和事项目录将从中心服务器取得。") if from_server else "")
        path = self._hall_path()
        if path is None:
            return
        serial = self._load_serial
        self.runner.run(lambda: load_hall_file(path), lambda h: self._on_hall_loaded(serial, h),
                        lambda exc: self._on_hall_failed(serial, exc), owner=self)

    def _on_hall_loaded(self, serial: int, hall: HallFile) -> None:
        if serial != self._load_serial:
            return  # a newer choice was made meanwhile
        self.hall = hall
        self._show_errors("")
        self.hall_info.setText(f"{hall.name}：{len(hall.windows)} 个窗口，{hall.staff_count} 名人员")
        for w in hall.windows:
            self.window_combo.addItem(w.label, w.number)
        if self._auto_finish:
            self._auto_finish = False
            self._on_finish_clicked()

    def _on_hall_failed(self, serial: int, exc: Exception) -> None:
        if serial == self._load_serial:
            self._show_errors(exc.message if isinstance(exc, DomainError) else str(exc))

    # -- finishing -----------------------------------------------------------------------------
    def _inputs(self) -> tuple[Path, Path, str, MachineSettings]:
        """What setup needs, checked here as far as possible; InvalidInput says what is missing."""
        machine = MachineSettings().with_value("server_url", self.server_edit.text())
        if self.demo_radio.isChecked():
            hall, catalogue = demo_files()
        else:
            hall, catalogue = Path(self.hall_edit.text().strip()), Path(self.catalogue_edit.text().strip())
            if not self.hall_edit.text().strip() or not self.catalogue_edit.text().strip():
                raise DomainError(self.tr("请选择大厅资料文件和事项目录文件。"))
        if self.hall is None or self.window_combo.currentIndex() < 0:
            raise DomainError(self.tr("大厅资料还未读入或有错误，请先处理上面的提示。"))
        return hall, catalogue, str(self.window_combo.currentData()), machine

    def _finish_from_server(self) -> None:
        machine = MachineSettings().with_value("server_url", self.server_edit.text())
        code = self.code_edit.text().strip()
        if not machine.server_url or not code:
            raise DomainError(self.tr("请填写中心服务器地址和注册码。"))
        self._show_errors("")
        self._set_busy(True)
        self.message.setText(self.tr("正在向中心服务器注册并取得大厅资料，请稍候…"))
        name = socket.gethostname()
        progress = _Progress(self)
        progress.rows.connect(self._on_rows)
        report = progress.rows.emit  # called on the worker thread; the slot runs on the GUI thread

        self.runner.run(lambda: self.services.set_up_from_server(machine.server_url, code, name, report),
                        self._on_set_up, self._on_setup_failed, write=True, owner=self)

    def _on_finish_clicked(self) -> None:
        if self.server_radio.isChecked():
            try:
                self._finish_from_server()
            except DomainError as exc:
                self._show_errors(exc.message)
            return
        try:
            hall, catalogue, window, machine = self._inputs()
        except DomainError as exc:
            self._show_errors(exc.message)
            return
        self._show_errors("")
        self._set_busy(True)
        self.message.setText(self.tr("正在建立本机数据（导入事项目录、人员和工作日历），请稍候…"))
        self.runner.run(lambda: self.services.set_up(hall, catalogue, window, machine),
                        self._on_set_up, self._on_setup_failed, write=True, owner=self)

    def _on_rows(self, rows: int) -> None:
        self.message.setText(self.tr("已注册，正在取得本大厅的资料和办件：已取得 ") + f"{rows:,}" + self.tr(" 条…"))

    def _on_set_up(self, _result: object) -> None:
        self.message.setText(self.tr("设置完成。"))
        self.accept()

    def _on_setup_failed(self, exc: Exception) -> None:
        self._set_busy(False)
        self.message.setText(self.tr("未能完成设置，本机未写入任何大厅资料。请按提示处理后再点“完成设置”。"))
        self._show_errors(exc.message if isinstance(exc, DomainError) else repr(exc))

    def _set_busy(self, busy: bool) -> None:
        for w in (self.finish_button, self.demo_radio, self.files_radio, self.server_radio, self.server_edit):
            w.setEnabled(not busy)
        self.files_form.setEnabled(not busy and self.files_radio.isChecked())
        self.window_combo.setEnabled(not busy and not self.server_radio.isChecked())
        self.code_edit.setEnabled(not busy and self.server_radio.isChecked())

    def _show_errors(self, text: str) -> None:
        self.errors.setPlainText(text)
        self.errors.setVisible(bool(text))

    def reject(self) -> None:
        if not self.finish_button.isEnabled() and self.runner.pending:
            return  # writing: let it finish rather than leave a half-set store behind
        super().reject()
