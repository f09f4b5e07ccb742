"""The appraisal screens' tests on a real demo store with the real services: people by login, a March
with real facts behind zhangmin's score (a late punch, a case completed after its limit, a 差评, a 锦旗,
a 查岗 finding), the month window opened through the 考核 menu and waited for, and reading its tables."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

from PySide6.QtWidgets import QMainWindow, QTableWidget, QWidget
from shiboken6 import isValid

from app.context import Actor
from app.services import Services
from tests.app.attendance_kit import who, window_id
from tests.app.rating_kit import bad_rating, completed_case
from ui.appraisal.menu import AppraisalMenu
from ui.appraisal.month_window import AppraisalMonthWindow

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PASSWORD = "demo1234"


def login(services: Services, name: str):  # -> StaffInfo
    return services.auth.login(name, PASSWORD)


def set_clock(services: Services, when: dt.datetime) -> None:
    services.ctx.clock.at = when  # type: ignore[attr-defined]


def march_facts(services: Services) -> dict[str, str]:
    """zhangmin's 2 March: late at 08:40, a case completed a day after its limit, a 非常不满意, a 锦旗 and
    a 查岗 finding; it is 09:30 afterwards. Returns the ids of the case and the commendation."""
    set_clock(services, dt.datetime(2026, 3, 2, 8, 40))
    services.attendance.punch(who(services, "zhangmin"))
    set_clock(services, dt.datetime(2026, 3, 2, 9, 30))
    overdue = completed_case(services)
    with sqlite3.connect(services.ctx.db.path) as con:  # its limit was yesterday
        con.execute("UPDATE cases SET due_date = '2026-03-01' WHERE id = ?", (overdue,))
    bad_rating(services)
    banner = services.appraisal.record_commendation(
        who(services, "sunduc"), "banner", staff_id=who(services, "zhangmin").id, window_id=None,
        day=dt.date(2026, 3, 2), note="办事群众送锦旗“热情服务 高效便民”")
    services.attendance.record_inspection(who(services, "sunduc"), window_id(services, "01"), "玩手机",
                                          "工作时间玩手机", staff_id=who(services, "zhangmin").id)
    return {"case": overdue, "banner": banner}


def open_month(qtbot, services: Services, runner, staff, wait_idle, *, months_on: int = 0,
               ) -> tuple[AppraisalMenu, AppraisalMonthWindow]:
    """The 考核 menu of a bare main window, and its 月度考核 window (last month, ``months_on`` later)."""
    host = QMainWindow()
    qtbot.addWidget(host)
    menu = AppraisalMenu(services, runner, staff, host)
    wait_idle()
    window = menu.open_month()
    assert isinstance(window, AppraisalMonthWindow)
    wait_idle()
    if months_on:
        window.step(months_on)
        wait_idle()
    return menu, window


def cells(table: QTableWidget, row: int) -> list[str]:
    return [table.item(row, c).text() if table.item(row, c) else "" for c in range(table.columnCount())]


def column(table: QTableWidget, col: int) -> list[str]:
    return [cells(table, r)[col] for r in range(table.rowCount())]


def person_row(window: AppraisalMonthWindow, name: str) -> list[str]:
    table = window.people.table
    for r in range(table.rowCount()):
        if cells(table, r)[1].startswith(name):
            return cells(table, r)
    raise AssertionError(f"{name} not in the people table: {column(table, 1)}")


def select_person(window: AppraisalMonthWindow, services: Services, name_login: str) -> None:
    assert window.people.select_key(who(services, name_login).id)


def facts_of(window: AppraisalMonthWindow) -> list[list[str]]:
    table = window.people.facts
    return [cells(table, r) for r in range(table.rowCount())]


def actor(services: Services, name: str) -> Actor:
    return who(services, name)


def closed(widget: QWidget) -> bool:
    """Closed (a dialog deleted on close counts)."""
    return not isValid(widget) or not widget.isVisible()
