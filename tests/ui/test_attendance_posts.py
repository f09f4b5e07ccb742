"""Posts at the counter: the 空岗 alarm (shown to who may see it, hidden when the event ends, its list
of today's events) and 查岗 (a supervisor records a check with a photo; the staff member disputes it)."""

from __future__ import annotations

import datetime as dt
import sqlite3
import uuid

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QLabel, QPushButton, QTableWidget
from sqlalchemy import select

from app.context import Actor
from db.models import EmptyPost, Window
from ui.attendance.empty_post_alarm import EmptyPostAlarm, EmptyPostListDialog
from ui.attendance.inspection_dialog import InspectionDialog, InspectionsWindow


def raise_empty_post(services, number: str, started_at: dt.datetime, ended_at: dt.datetime | None = None) -> str:
    """A 空岗 event as the server raises it and the pull writes it into the store."""
    with services.ctx.db.write() as s:
        window = s.scalars(select(Window).where(Window.number == number)).one()
        row = EmptyPost(id=str(uuid.uuid4()), hall_id=window.hall_id, window_id=window.id, started_at=started_at,
                        ended_at=ended_at, minutes=0, raised_by="server", basis="该窗口计算机未与中心联系",
                        raised_at=started_at + dt.timedelta(minutes=10))
        s.add(row)
        return row.id


def end_empty_post(services, event_id: str, ended_at: dt.datetime) -> None:
    with services.ctx.db.write() as s:
        row = s.get(EmptyPost, event_id)
        row.ended_at, row.minutes = ended_at, int((ended_at - row.started_at).total_seconds() // 60)


def _alarm(qtbot, services, runner, wait_idle, login: str) -> EmptyPostAlarm:
    alarm = EmptyPostAlarm(services, runner, services.auth.login(login, "demo1234"))
    qtbot.addWidget(alarm)
    alarm.show()
    wait_idle()
    return alarm


def test_the_alarm_shows_an_open_empty_post_and_hides_when_it_ends(qtbot, services, runner, wait_idle, clock) -> None:
    started = clock.at - dt.timedelta(minutes=14)  # 09:16, "now" is 09:30
    earlier = raise_empty_post(services, "04", clock.at.replace(hour=8, minute=40), clock.at.replace(hour=8, minute=55))
    event = raise_empty_post(services, "03", started)
    alarm = _alarm(qtbot, services, runner, wait_idle, "liuyang")
    text = alarm.findChild(QLabel, "emptyPostAlarmText").text()
    assert alarm.isVisible() and "空岗" in text and "03号窗口" in text and "09:16" in text
    assert "04号窗口" not in text  # ended before now: only in the list
    dialog = alarm.show_list()
    table = dialog.findChild(QTableWidget, "emptyPostTable")
    states = {table.item(r, 0).text()[:5]: table.item(r, 4).text() for r in range(table.rowCount())}
    assert states == {"03号窗口": "空岗中", "04号窗口": "已恢复"}
    dialog.close()
    end_empty_post(services, event, clock.at)
    alarm.refresh()
    wait_idle()
    assert not alarm.isVisible()
    assert earlier and len(alarm.events) == 2


def test_the_chief_sees_her_departments_windows_and_a_clerk_of_another_none(
        qtbot, services, runner, wait_idle, clock) -> None:
    raise_empty_post(services, "03", clock.at - dt.timedelta(minutes=20))
    raise_empty_post(services, "06", clock.at - dt.timedelta(minutes=12))
    chief = _alarm(qtbot, services, runner, wait_idle, "chenjing")  # 首席代表 of 自然资源 (window 06)
    text = chief.findChild(QLabel, "emptyPostAlarmText").text()
    assert chief.isVisible() and "06号窗口" in text and "03号窗口" not in text
    alarm = _alarm(qtbot, services, runner, wait_idle, "zhangmin")
    assert not alarm.isVisible() and alarm.open_events() == []
    assert isinstance(alarm.show_list(), EmptyPostListDialog)


def _png(path, size: int) -> None:
    image = QImage(size, size, QImage.Format.Format_RGB32)
    image.fill(QColor("#4a90d9"))
    image.save(str(path), "PNG")


def test_a_supervisor_records_a_check_and_the_staff_member_disputes_it(
        qtbot, services, runner, wait_idle, tmp_path, db_path) -> None:
    dialog = InspectionDialog(services, runner, services.auth.login("sunduc", "demo1234"))
    qtbot.addWidget(dialog)
    dialog.show()
    wait_idle()
    assert "09:30" in dialog.findChild(QLabel, "inspectionTime").text()
    dialog.window_box.setCurrentIndex(dialog.window_box.findText("03号窗口", Qt.MatchFlag.MatchStartsWith))
    assert dialog.staff_box.currentText().startswith("王芳")  # the window's A
    big = tmp_path / "big.png"
    big.write_bytes(b"\x89PNG" + b"0" * (1024 * 1024 + 10))
    assert not dialog.set_photo(big)
    assert "超过 1 MB" in dialog.findChild(QLabel, "inspectionMessage").text()
    small = tmp_path / "photo.png"
    _png(small, 64)
    assert dialog.set_photo(small) and not dialog.findChild(QLabel, "inspectionThumb").pixmap().isNull()
    dialog.finding.setCurrentIndex(dialog.finding.findText("离岗"))
    dialog.note.setPlainText("10:05 窗口无人")
    with qtbot.waitSignal(dialog.inspection_recorded, timeout=10000):
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    wait_idle()
    mine = InspectionsWindow(services, runner, services.auth.login("wangfang", "demo1234"))
    qtbot.addWidget(mine)
    mine.show()
    wait_idle()
    table = mine.findChild(QTableWidget, "inspectionsTable")
    assert table.rowCount() == 1 and table.item(0, 2).text() == "离岗" and table.item(0, 4).text() == "有"
    assert table.item(0, 6).text() == "待确认" and not mine.photo.pixmap().isNull()
    dispute = mine.findChild(QPushButton, "inspectionsDispute")
    qtbot.mouseClick(dispute, Qt.MouseButton.LeftButton)
    assert "理由" in mine.findChild(QLabel, "inspectionsMessage").text()
    mine.response_note.setPlainText("当时在后台取材料，已放暂停服务牌")
    qtbot.mouseClick(dispute, Qt.MouseButton.LeftButton)
    wait_idle()
    assert table.item(0, 6).text().startswith("有异议") and not dispute.isEnabled()
    with sqlite3.connect(db_path) as db:
        assert db.execute("SELECT response, version FROM inspection").fetchone() == ("disputed", 2)


def test_someone_else_sees_no_check_about_them(qtbot, services, runner, wait_idle, clerk) -> None:
    services.attendance.record_inspection(_actor(services, "sunduc"), _window(services, "03"), "在岗", "")
    window = InspectionsWindow(services, runner, clerk)
    qtbot.addWidget(window)
    window.show()
    wait_idle()
    assert window.findChild(QTableWidget, "inspectionsTable").rowCount() == 0
    assert not window.findChild(QPushButton, "inspectionsConfirm").isEnabled()


def _actor(services, login: str) -> Actor:
    info = services.auth.login(login, "demo1234")
    return Actor(info.id, info.name)


def _window(services, number: str) -> str:
    return next(w for w, label in services.attendance.windows() if label.startswith(f"{number}号"))
