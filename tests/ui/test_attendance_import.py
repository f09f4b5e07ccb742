"""导入考勤机记录: a CSV with garbage rows lists each problem, imports the good rows, and importing it
again adds nothing; the column mapping is remembered for the next file; a bad mapping is explained."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QPushButton, QTableWidget

from ui.attendance.import_dialog import MachineImportDialog

GOOD = ("1001,张敏,2026-02-27 08:26:00,1", "1003,王芳,2026-02-27 08:29:10,1")
GARBAGE = ("9999,无名氏,2026-02-27 08:30:00,1", "1001,张敏,昨天早上,1", "1003,张敏,2026-02-27 12:01:00,1")


def write_export(folder: Path, header: str = "工号,姓名,日期时间,设备") -> Path:
    path = folder / "考勤机导出.csv"
    path.write_text("\n".join((header, GOOD[0], GARBAGE[0], GARBAGE[1], "", GOOD[1], GARBAGE[2])) + "\n",
                    encoding="utf-8-sig")
    return path


def _dialog(qtbot, services, runner, login: str = "liuyang") -> MachineImportDialog:
    dialog = MachineImportDialog(services, runner, services.auth.login(login, "demo1234"))
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def _machine_punches(db_path: Path) -> int:
    with sqlite3.connect(db_path) as db:
        return db.execute("SELECT count(*) FROM punch WHERE source = 'machine'").fetchone()[0]


def test_garbage_rows_are_listed_good_rows_imported_and_a_reimport_adds_nothing(
        qtbot, services, runner, wait_idle, tmp_path, db_path) -> None:
    path = write_export(tmp_path)
    dialog = _dialog(qtbot, services, runner)
    dialog.load(path)
    wait_idle()
    counts = dialog.findChild(QLabel, "importCounts").text()
    assert "可导入 2 条" in counts and "有问题 3 行" in counts
    assert [c.currentText() for c in dialog.combos] == ["工号", "姓名", "日期时间", "设备"]
    preview = dialog.findChild(QTableWidget, "importPreview")
    assert preview.verticalHeaderItem(0).text() == "导入为" and preview.item(1, 1).text() == "张敏"
    problems = dialog.findChild(QTableWidget, "importProblems")
    rows = {problems.item(r, 0).text(): problems.item(r, 1).text() for r in range(problems.rowCount())}
    assert rows == {"3": "工号不存在", "4": "时间无法识别", "7": "工号与姓名不符"}
    assert "9999" in problems.item(0, 2).text()
    run = dialog.findChild(QPushButton, "importRun")
    qtbot.mouseClick(run, Qt.MouseButton.LeftButton)
    wait_idle()
    summary = dialog.findChild(QLabel, "importSummary")
    assert "2 条新记录，0 条已导入过" in summary.text() and "3 行有问题" in summary.text()
    assert _machine_punches(db_path) == 2
    dialog.load(path)
    wait_idle()
    assert "可导入 0 条" in dialog.findChild(QLabel, "importCounts").text()
    qtbot.mouseClick(run, Qt.MouseButton.LeftButton)
    wait_idle()
    assert "0 条新记录，2 条已导入过" in summary.text()
    assert _machine_punches(db_path) == 2


def test_the_mapping_is_remembered_and_a_bad_one_is_explained(
        qtbot, services, runner, wait_idle, tmp_path) -> None:
    first = _dialog(qtbot, services, runner)
    first.load(write_export(tmp_path))
    wait_idle()
    first.set_column(3, None)  # the terminal column is not imported
    wait_idle()
    qtbot.mouseClick(first.findChild(QPushButton, "importRun"), Qt.MouseButton.LeftButton)
    wait_idle()
    odd = tmp_path / "odd"
    odd.mkdir()
    second = _dialog(qtbot, services, runner)
    second.load(write_export(odd, header="A,B,C,D"))  # headers nobody could guess from
    wait_idle()
    assert [c.currentText() for c in second.combos] == ["工号", "姓名", "日期时间", "不导入"]
    assert "沿用上次" in second.findChild(QLabel, "importCounts").text()
    second.set_column(1, "staff_no")
    counts = second.findChild(QLabel, "importCounts")
    assert "“工号”选了两列" in counts.text()
    assert not second.findChild(QPushButton, "importRun").isEnabled()
    second.set_column(1, "name")
    second.set_column(2, None)
    wait_idle()
    assert "列设置有误" in counts.text()  # no time column now
    assert not second.findChild(QPushButton, "importRun").isEnabled()


def test_a_clerk_is_told_who_may_import(qtbot, services, runner, wait_idle, tmp_path, shown_errors) -> None:
    dialog = _dialog(qtbot, services, runner, "zhangmin")
    dialog.load(write_export(tmp_path))
    wait_idle()
    qtbot.mouseClick(dialog.findChild(QPushButton, "importRun"), Qt.MouseButton.LeftButton)
    wait_idle()
    assert shown_errors and "业务科" in shown_errors[-1]
