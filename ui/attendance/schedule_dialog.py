"""作息时间和考勤规则 (business section): the seasonal timetables (name, from–to month-day, morning and
afternoon hours), punches per day, grace, the late / early thresholds that count as 旷工 and the weekly
study session. What parse_schedule refuses is shown inline before anything is sent; saving writes a new
version (set_schedule) on the write pool. Shows the version in force."""

from __future__ import annotations

from PySide6.QtCore import QTime, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from app.attendance.schedule import WEEKDAY_NAMES, parse_schedule, schedule_content
from app.context import Actor
from app.errors import InvalidInput
from ui.errors import show_error

TIMETABLE_HEADERS = ("名称", "起始(月-日)", "截止(月-日)", "上午上班", "午间下班", "下午上班", "下班")


class ScheduleDialog(QDialog):
    schedule_saved = Signal(int)  # the new version

    def __init__(self, services, runner, staff, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services, self.runner, self.staff = services, runner, staff
        self.actor = Actor(staff.id, staff.name)
        self.version = 0
        self.setObjectName("scheduleDialog")
        self.setWindowTitle(self.tr("作息时间和考勤规则"))
        self.resize(820, 560)
        layout = QVBoxLayout(self)
        self.in_force = QLabel(self.tr("正在读取…"))
        self.in_force.setObjectName("scheduleInForce")
        layout.addWidget(self.in_force)
        layout.addWidget(QLabel(self.tr("各季作息（日期须覆盖全年、互不重叠；时间按“时:分”填写）")))
        self.table = QTableWidget(0, len(TIMETABLE_HEADERS))
        self.table.setObjectName("scheduleTimetables")
        self.table.setHorizontalHeaderLabels([self.tr(h) for h in TIMETABLE_HEADERS])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        layout.addWidget(self.table, 1)
        layout.addLayout(self._table_buttons())
        layout.addLayout(self._rules_form())
        self.error = QLabel()
        self.error.setObjectName("scheduleError")
        self.error.setStyleSheet("color: #b71c1c;")
        self.error.setWordWrap(True)
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.save_button = buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setText(self.tr("保存为新版本(&S)"))
        self.save_button.setObjectName("scheduleSave")
        self.save_button.setEnabled(False)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        attendance, permissions, actor = services.attendance, services.permissions, self.actor
        self.runner.run(lambda: (attendance.schedule(), permissions.refusal(actor, "schedule.change")),
                        self._on_loaded, self._on_failed)

    def _table_buttons(self) -> QHBoxLayout:
        add = QPushButton(self.tr("增加一季(&A)"))
        add.setObjectName("scheduleAdd")
        add.clicked.connect(lambda: self._add_row(["", "", "", "08:30", "12:00", "14:00", "17:30"]))
        remove = QPushButton(self.tr("删除所选(&R)"))
        remove.clicked.connect(lambda: self.table.removeRow(self.table.currentRow()))
        row = QHBoxLayout()
        row.addWidget(add)
        row.addWidget(remove)
        row.addStretch(1)
        return row

    def _rules_form(self) -> QFormLayout:
        self.punches = QComboBox()
        self.punches.setObjectName("schedulePunches")
        self.punches.addItem(self.tr("4 次（上班、午间下班、午间上班、下班）"), 4)
        self.punches.addItem(self.tr("2 次（上班、下班）"), 2)
        self.grace, self.absent_late, self.early_absent = QSpinBox(), QSpinBox(), QSpinBox()
        for spin, name in ((self.grace, "scheduleGrace"), (self.absent_late, "scheduleAbsentLate"),
                           (self.early_absent, "scheduleEarlyAbsent")):
            spin.setObjectName(name)
            spin.setRange(0, 999)  # parse_schedule says what is allowed, inline
            spin.setSuffix(self.tr(" 分钟"))
        self.study = QCheckBox(self.tr("每周集中学习"))
        self.study.setObjectName("scheduleStudy")
        self.study_day = QComboBox()
        self.study_day.setObjectName("scheduleStudyDay")
        for i, name in enumerate(WEEKDAY_NAMES):
            self.study_day.addItem(name, i)
        self.study_start, self.study_end = QTimeEdit(), QTimeEdit()
        for edit in (self.study_start, self.study_end):
            edit.setDisplayFormat("HH:mm")
        study_row = QHBoxLayout()
        for widget in (self.study, self.study_day, self.study_start, QLabel("–"), self.study_end):
            study_row.addWidget(widget)
        study_row.addStretch(1)
        self.note = QLineEdit()
        self.note.setObjectName("scheduleNote")
        self.note.setPlaceholderText(self.tr("如：5月1日起执行夏季作息"))
        form = QFormLayout()
        form.addRow(self.tr("每天打卡"), self.punches)
        form.addRow(self.tr("迟到宽限"), self.grace)
        form.addRow(self.tr("迟到达到即按半天旷工"), self.absent_late)
        form.addRow(self.tr("早退达到即按半天旷工"), self.early_absent)
        form.addRow(self.tr("学习时间"), study_row)
        form.addRow(self.tr("修改说明"), self.note)
        return form

    def _add_row(self, cells: list[str]) -> None:
        row = self.table.rowCount()
        self.table.insertRow(row)
        for column, text in enumerate(cells):
            self.table.setItem(row, column, QTableWidgetItem(text))

    def _on_loaded(self, loaded) -> None:
        schedule, refusal = loaded
        self.version = schedule.version
        if schedule.version:
            self.in_force.setText(self.tr("现行：第 {v} 版").format(v=schedule.version))
        else:
            self.in_force.setText(self.tr("现行：默认作息（尚未设置）"))
        self.show_schedule(schedule)
        self.save_button.setEnabled(refusal is None)
        self.save_button.setToolTip(refusal or "")
        if refusal:
            self.error.setText(refusal)

    def show_schedule(self, schedule) -> None:
        content = schedule_content(schedule)
        self.table.setRowCount(0)
        for t in content["timetables"]:
            self._add_row([t["name"], t["start_md"], t["end_md"], *t["morning"], *t["afternoon"]])
        self.table.resizeColumnsToContents()
        self.punches.setCurrentIndex(self.punches.findData(content["punches_per_day"]))
        self.grace.setValue(content["grace_minutes"])
        self.absent_late.setValue(content["absent_late_minutes"])
        self.early_absent.setValue(content["early_absent_minutes"])
        study = content["study"]
        self.study.setChecked(study is not None)
        if study is not None:
            self.study_day.setCurrentIndex(study["weekday"])
            self.study_start.setTime(QTime.fromString(study["start"], "HH:mm"))
            self.study_end.setTime(QTime.fromString(study["end"], "HH:mm"))

    def _cell(self, row: int, column: int) -> str:
        item = self.table.item(row, column)
        return item.text().strip() if item is not None else ""

    def content(self) -> dict:
        """The schedule as typed, in parse_schedule's layout."""
        timetables = [{"name": self._cell(r, 0), "start_md": self._cell(r, 1), "end_md": self._cell(r, 2),
                       "morning": [self._cell(r, 3), self._cell(r, 4)],
                       "afternoon": [self._cell(r, 5), self._cell(r, 6)]} for r in range(self.table.rowCount())]
        study = None
        if self.study.isChecked():
            study = {"weekday": self.study_day.currentData(), "start": self.study_start.time().toString("HH:mm"),
                     "end": self.study_end.time().toString("HH:mm")}
        return {"timetables": timetables, "punches_per_day": self.punches.currentData(),
                "grace_minutes": self.grace.value(), "absent_late_minutes": self.absent_late.value(),
                "early_absent_minutes": self.early_absent.value(), "study": study}

    def save(self) -> None:
        content = self.content()
        try:
            parse_schedule(content)  # pure and quick: the message shows before anything is written
        except InvalidInput as exc:
            self.error.setText(exc.message)
            return
        self.error.clear()
        attendance, actor, note = self.services.attendance, self.actor, self.note.text().strip()
        self.save_button.setEnabled(False)
        self.runner.run(lambda: attendance.set_schedule(actor, content, note), self._on_saved, self._on_failed,
                        write=True)

    def _on_saved(self, version: int) -> None:
        self.version = version
        self.in_force.setText(self.tr("已保存：第 {v} 版，现行（{name}设置）").format(v=version, name=self.staff.name))
        self.save_button.setEnabled(True)
        self.schedule_saved.emit(version)

    def _on_failed(self, exc: Exception) -> None:
        self.save_button.setEnabled(True)
        if isinstance(exc, InvalidInput):
            self.error.setText(exc.message)
            return
        show_error(self, exc)
