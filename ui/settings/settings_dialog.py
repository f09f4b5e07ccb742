"""本机设置: this PC's server address (https://, with the hall's CA file if it has its own; http://
only to this PC itself, app.server_address), notice printer, idle lock, backup count and the applicant's
rating screen (评价器), in one place, with where the data and backups are and a backup on demand.

Changing them and enrolling the PC is for the hall's administrator (the permission table's
``machine.settings`` and ``device.enrol``, asked once on a worker when the dialog opens); others can
look, greyed fields saying who may, and an administrator walking over can authorise the change here
(授权). Printers are listed and backups made on the task runner (a slow print server or disk never
freezes the screen). Saved values are audited and take effect at once (``settings_saved``).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtPrintSupport import QPrinterInfo
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.backup import backup_folder, list_backups
from app.context import Actor
from app.dto import StaffInfo
from app.errors import DomainError
from app.machine_settings import MachineSettings, check_server_url
from app.server_address import check_ca_file
from app.services import Services
from app.setup import device_name
from ui.auth.authorise_dialog import authorise_then
from ui.auth.gate import actor_of, authorisers, grey, refusals, ungrey
from ui.errors import show_error
from ui.rating_screen.screens import rating_screen_combo
from ui.tasks import TaskRunner

ACTIONS = ("machine.settings", "device.enrol")


def printer_names() -> tuple[list[str], str]:
    """The printers this PC knows and the system default (may take a while with a print server)."""
    return list(QPrinterInfo.availablePrinterNames()), QPrinterInfo.defaultPrinterName()


class MachineSettingsDialog(QDialog):
    settings_saved = Signal(object)  # MachineSettings

    def __init__(self, services: Services, runner: TaskRunner, staff: StaffInfo,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services, self.runner, self.staff = services, runner, staff
        self.current = services.machine_settings()
        self.refusals: dict[str, str | None] = {}  # filled by a worker when the dialog opens
        self.authoriser: Actor | None = None  # an administrator who authorised one change here (授权)
        self.setObjectName("machineSettingsDialog")
        self.setWindowTitle(self.tr("本机设置"))
        self.setMinimumWidth(700)  # the enrolment state fits on one line
        layout = QVBoxLayout(self)
        self.notice = QLabel()
        self.notice.setObjectName("settingsNotice")
        self.notice.setWordWrap(True)
        self.notice.setStyleSheet("color: #8a6d00;")
        layout.addWidget(self.notice)
        layout.addWidget(self._settings_box())
        layout.addWidget(self._storage_box())
        self.message = QLabel()
        self.message.setObjectName("settingsMessage")
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #b00020;")
        layout.addWidget(self.message)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        who = authorisers("machine.settings")
        self.authorise_button = QPushButton(self.tr("{who}授权修改(&A)…").format(who=who))
        self.authorise_button.setObjectName("settingsAuthorise")
        self.authorise_button.setAutoDefault(False)
        self.authorise_button.setToolTip(self.tr("由{who}在本机输入其用户名和密码，本次修改记为其办理。").format(who=who))
        self.authorise_button.clicked.connect(self._on_authorise_clicked)
        self.buttons.addButton(self.authorise_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.accepted.connect(self._on_save_clicked)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self._show_notices()
        self._load()

    def _settings_box(self) -> QGroupBox:
        hall = self.services.ctx.parameters()
        box = QGroupBox(self.tr("本机"))
        self.server_edit = QLineEdit(self.current.server_url)
        self.server_edit.setObjectName("serverUrl")
        self.server_edit.setPlaceholderText(self.tr("如 https://zwfw.example.gov.cn，留空表示单机运行"))
        self.server_edit.editingFinished.connect(self._on_server_edited)
        self.printer_combo = QComboBox()
        self.printer_combo.setObjectName("printer")
        self.printer_combo.addItem(self.tr("系统默认打印机"), "")
        lock_default = self.tr("大厅默认（") + hall["idle_lock_minutes"] + self.tr("分钟）")
        self.lock_spin = self._spin("idleLock", 120, self.current.idle_lock_minutes, lock_default, self.tr(" 分钟"))
        keep_default = self.tr("大厅默认（") + hall["backup_keep"] + self.tr("份）")
        self.keep_spin = self._spin("backupKeep", 365, self.current.backup_keep, keep_default, self.tr(" 份"))
        form = QFormLayout(box)
        form.addRow(self.tr("中心服务器地址(&S)"), self.server_edit)
        form.addRow(self.tr("CA 证书文件(&T)"), self._ca_row())
        form.addRow(self.tr("注册本机(&E)"), self._enrol_row())
        form.addRow(self.tr("通知书打印机(&P)"), self.printer_combo)
        form.addRow(self.tr("无操作自动锁屏(&L)"), self.lock_spin)
        form.addRow(self.tr("自动备份保留(&K)"), self.keep_spin)
        self.rating_screen_combo = rating_screen_combo(self.current.rating_screen)
        form.addRow(self.tr("评价器显示屏(&J)"), self.rating_screen_combo)
        return box

    def _ca_row(self) -> QWidget:
        self.ca_edit = QLineEdit(self.current.server_ca_file)
        self.ca_edit.setObjectName("serverCaFile")
        self.ca_edit.setPlaceholderText(self.tr("留空表示使用系统自带的根证书"))
        self.ca_edit.setToolTip(self.tr("大厅自建证书时，选择信息科给出的 CA 证书文件（PEM 格式）；"
                                        "设置后只信任该证书签发的服务器证书。"))
        self.ca_browse = QPushButton(self.tr("浏览…"))
        self.ca_browse.setObjectName("serverCaBrowse")
        self.ca_browse.setAutoDefault(False)
        self.ca_browse.clicked.connect(self._on_ca_browse_clicked)
        row = QWidget()
        line = QHBoxLayout(row)
        line.setContentsMargins(0, 0, 0, 0)
        line.addWidget(self.ca_edit, 1)
        line.addWidget(self.ca_browse)
        return row

    def _on_ca_browse_clicked(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, self.tr("选择大厅的 CA 证书文件"), self.ca_edit.text(),
                                              self.tr("证书 (*.pem *.crt *.cer);;所有文件 (*)"))
        if path:
            self.ca_edit.setText(path)

    def _on_server_edited(self) -> None:
        """Say at once what is wrong with the address (e.g. http:// to another machine)."""
        try:
            check_server_url(self.server_edit.text())
        except DomainError as exc:
            self._say(exc.message)
        else:
            self.message.setText("")

    def _say(self, text: str) -> None:
        """A message below the form; the dialog grows to fit it (a long one would squeeze the rows)."""
        self.message.setText(text)
        self.resize(self.width(), max(self.height(), self.sizeHint().height()))

    def _enrol_row(self) -> QWidget:
        self.code_edit = QLineEdit()
        self.code_edit.setObjectName("enrolmentCode")
        self.code_edit.setPlaceholderText(self.tr("中心管理员给出的一次性注册码，如 7K4Q-2M9P"))
        self.enrol_button = QPushButton(self.tr("注册"))
        self.enrol_button.setObjectName("enrolButton")
        self.enrol_button.setAutoDefault(False)
        self.enrol_button.clicked.connect(self._on_enrol_clicked)
        self.enrol_state = QLabel(self.tr("正在查看…"))
        self.enrol_state.setObjectName("enrolState")
        self.enrol_state.setWordWrap(True)
        self.enrol_state.setMinimumHeight(self.enrol_state.fontMetrics().lineSpacing() * 2)  # wraps: keep room
        row = QWidget()
        grid = QVBoxLayout(row)
        grid.setContentsMargins(0, 0, 0, 0)
        line = QHBoxLayout()
        line.addWidget(self.code_edit, 1)
        line.addWidget(self.enrol_button)
        grid.addLayout(line)
        grid.addWidget(self.enrol_state)
        return row

    def _on_sync_status(self, status) -> None:
        if status.enrolled:
            self.enrol_state.setText(self.tr("本机已注册到 ") + status.server_url + self.tr("，可同步。"))
        elif status.server_url:
            self.enrol_state.setText(self.tr("本机尚未注册：请向中心管理员索取注册码。"))
        else:
            self.enrol_state.setText(self.tr("单机运行：填写中心服务器地址并注册后，本机办件会同步到中心。"))

    def _on_enrol_clicked(self) -> None:
        try:
            settings = self.chosen()
        except DomainError as exc:
            self._say(exc.message)
            return
        code = self.code_edit.text().strip()
        if not settings.server_url or not code:
            self.message.setText(self.tr("请填写中心服务器地址和注册码。"))
            return
        self.enrol_button.setEnabled(False)
        self.enrol_state.setText(self.tr("正在向中心服务器注册…"))
        actor, name = self._actor(), device_name(self.services.ctx)

        def enrol():
            self.services.save_machine_settings(actor, settings)
            return self.services.sync.enrol(actor, settings.server_url, code, name)

        self.runner.run(enrol, lambda r: self._on_enrolled(settings, r),
                        self._on_enrol_failed, write=True, owner=self)

    def _on_enrolled(self, settings: MachineSettings, result) -> None:
        self.authoriser = None  # 授权 is for one change: this one is made
        self._apply_permissions()
        self.code_edit.clear()
        self.message.setText("")
        self.enrol_state.setText(self.tr("已注册：") + f"{result.hall_name} {result.window_label}" +
                                 self.tr("。本机办件将自动同步。"))
        self.settings_saved.emit(settings)

    def _on_enrol_failed(self, exc: Exception) -> None:
        self.enrol_button.setEnabled(True)
        self.enrol_state.setText(self.tr("注册未成功。"))
        self.message.setText(exc.message if isinstance(exc, DomainError) else repr(exc))

    def _spin(self, name: str, maximum: int, value: int | None, default_text: str, suffix: str) -> QSpinBox:
        spin = QSpinBox()
        spin.setObjectName(name)
        spin.setRange(0, maximum)
        spin.setSpecialValueText(default_text)  # shown at 0: no value of this PC's own
        spin.setSuffix(suffix)
        spin.setValue(value or 0)
        return spin

    def _storage_box(self) -> QGroupBox:
        box = QGroupBox(self.tr("数据与备份"))
        db_path = self.services.ctx.db.path
        folder = QLabel(str(db_path.parent))
        self.backups_label = QLabel(self.tr("正在查看…"))
        self.backups_label.setObjectName("backupsInfo")
        for label in (folder, self.backups_label):
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            label.setWordWrap(True)
        self.backup_button = QPushButton(self.tr("立即备份(&B)"))
        self.backup_button.setObjectName("backupNow")
        self.backup_button.setAutoDefault(False)
        self.backup_button.clicked.connect(self._on_backup_clicked)
        form = QFormLayout(box)
        form.addRow(self.tr("数据目录"), folder)
        form.addRow(self.tr("备份"), self.backups_label)
        form.addRow("", self.backup_button)
        return box

    def _show_notices(self) -> None:
        self._apply_permissions()  # all greyed until the worker says who may (_on_permissions)

    @property
    def can_edit(self) -> bool:
        return self.authoriser is not None or self.refusals.get("machine.settings") is None

    def _actor(self) -> Actor:
        return self.authoriser or actor_of(self.staff)

    def _apply_permissions(self) -> None:
        """Grey what the person signed in may not change, saying who may; an authoriser may."""
        checking = self.tr("正在核对权限…")
        reasons = {a: None if self.authoriser else self.refusals.get(a, checking) for a in ACTIONS}
        fields = {"machine.settings": (self.server_edit, self.ca_edit, self.ca_browse, self.printer_combo,
                                       self.lock_spin, self.keep_spin, self.rating_screen_combo, self.save_button),
                  "device.enrol": (self.code_edit, self.enrol_button)}
        for action, widgets in fields.items():
            for w in widgets:
                if reason := reasons[action]:
                    grey(w, reason)
                else:
                    ungrey(w)
        notes = list(self.services.machine.problems)
        if self.authoriser is not None:
            notes.append(self.tr("{name}已授权：本次保存或注册记为{name}办理。").format(name=self.authoriser.name))
        elif (reason := reasons["machine.settings"]) and self.refusals:
            notes.append(reason + self.tr("您可以查看。"))
        elif reason:  # a line now, so the dialog is laid out with it and does not squeeze when it is said
            notes.append(reason)
        self.notice.setText("\n".join(notes))
        self.notice.setVisible(bool(notes))
        self.authorise_button.setVisible(bool(self.refusals) and any(reasons.values()))

    def _on_permissions_failed(self, exc: Exception) -> None:
        self.message.setText(self.tr("未能核对您的权限，设置暂不能修改：") +
                             (exc.message if isinstance(exc, DomainError) else repr(exc)))

    def _on_permissions(self, found: dict[str, str | None]) -> None:
        self.refusals = found
        self._apply_permissions()

    def _on_authorise_clicked(self) -> None:
        authorise_then(self, self.services, self.runner, self.staff, "machine.settings", self._on_authorised,
                       subject=self.tr("本机"))

    def _on_authorised(self, actor: Actor) -> None:
        self.authoriser = actor
        self._apply_permissions()
        self.server_edit.setFocus()

    def _load(self) -> None:
        services, actor = self.services, actor_of(self.staff)
        self.runner.run(lambda: refusals(services, actor, ACTIONS), self._on_permissions,
                        self._on_permissions_failed, owner=self)
        self.runner.run(printer_names, self._on_printers_listed, lambda _e: None, owner=self)
        self.runner.run(self.services.sync.status, self._on_sync_status, lambda _e: None, owner=self)
        self._load_backups_only()

    def _on_printers_listed(self, result: tuple[list[str], str]) -> None:
        names, default = result
        if default:
            self.printer_combo.setItemText(0, self.tr("系统默认打印机（当前：") + default + self.tr("）"))
        for name in names:
            self.printer_combo.addItem(name, name)
        chosen = self.current.printer
        if chosen and self.printer_combo.findData(chosen) < 0:
            self.printer_combo.addItem(chosen + self.tr("（本机找不到此打印机）"), chosen)
        self.printer_combo.setCurrentIndex(max(0, self.printer_combo.findData(chosen)))

    def _on_backups_listed(self, backups: list) -> None:
        folder = backup_folder(self.services.ctx.db.path)
        if not backups:
            self.backups_label.setText(self.tr("还没有备份（每天第一次登录后自动备份）。备份目录：") + str(folder))
            return
        self.backups_label.setText(
            self.tr("共 ") + str(len(backups)) + self.tr(" 份，最近：") + backups[0].name
            + self.tr("。备份目录：") + str(folder))

    def _on_backup_clicked(self) -> None:
        self.backup_button.setEnabled(False)
        self.backups_label.setText(self.tr("正在备份…"))
        self.runner.run(self.services.backup_now, self._on_backed_up, self._on_backup_failed, owner=self)

    def _on_backed_up(self, _path: object) -> None:
        self.backup_button.setEnabled(True)
        self._load_backups_only()

    def _load_backups_only(self) -> None:
        self.runner.run(lambda: list_backups(backup_folder(self.services.ctx.db.path)),
                        self._on_backups_listed, lambda _e: None, owner=self)

    def _on_backup_failed(self, exc: Exception) -> None:
        self.backup_button.setEnabled(True)
        self.backups_label.setText(self.tr("备份未完成。"))
        show_error(self, exc)

    def chosen(self) -> MachineSettings:
        """What the form says; InvalidInput for a bad server address or CA file."""
        return MachineSettings(
            server_url=check_server_url(self.server_edit.text()),
            server_ca_file=check_ca_file(self.ca_edit.text()),
            printer=str(self.printer_combo.currentData() or ""),
            idle_lock_minutes=self.lock_spin.value() or None,
            backup_keep=self.keep_spin.value() or None,
            rating_screen=str(self.rating_screen_combo.currentData() or ""),
        )

    def _on_save_clicked(self) -> None:
        try:
            settings = self.chosen()
        except DomainError as exc:
            self._say(exc.message)
            (self.ca_edit if exc.field == "server_ca_file" else self.server_edit).setFocus()
            return
        self.save_button.setEnabled(False)
        actor = self._actor()
        self.runner.run(lambda: self.services.save_machine_settings(actor, settings),
                        lambda _r: self._on_saved(settings),
                        self._on_save_failed, write=True, owner=self)

    def _on_saved(self, settings: MachineSettings) -> None:
        self.settings_saved.emit(settings)
        self.accept()

    def _on_save_failed(self, exc: Exception) -> None:
        self.save_button.setEnabled(True)
        self.message.setText(exc.message if isinstance(exc, DomainError) else self.tr("保存失败。"))
        if not isinstance(exc, DomainError):
            show_error(self, exc)
