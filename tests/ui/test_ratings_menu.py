"""The 评价 menu: a clerk has 今日评价 and 我的评价与申诉, the rest greyed with who may; the supervisor
sees how many 差评 are open; no entry records or changes a rating; 今日评价 gives counts only."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QMainWindow, QTableWidget

from tests.ui.ratings_kit import login, rate, unrated
from ui.ratings.day_summary_dialog import DaySummaryDialog
from ui.ratings.menu import RatingsMenu

CAPTIONS = ["今日评价(&T)…", "我的评价与申诉(&M)…", "差评整改(&Z)…", "申诉复核(&S)…", "评价统计(&F)…"]


def _menu(qtbot, services, runner, staff, wait_idle) -> tuple[QMainWindow, RatingsMenu]:
    window = QMainWindow()
    qtbot.addWidget(window)
    menu = RatingsMenu(services, runner, staff, window)
    window.menuBar().addMenu(menu.menu)
    wait_idle()
    wait_idle()  # the count is asked once the permissions are in
    return window, menu


def _action(menu: RatingsMenu, name: str):
    return menu.actions[name]


def test_a_clerk_has_the_own_entries_and_the_rest_greyed_with_who_may(qtbot, services, runner, clerk,
                                                                      wait_idle) -> None:
    _window, menu = _menu(qtbot, services, runner, clerk, wait_idle)
    assert menu.menu.title() == "评价(&E)"
    assert [a.text() for a in menu.menu.actions() if not a.isSeparator()] == CAPTIONS
    assert _action(menu, "ratingTodayAction").isEnabled() and _action(menu, "myRatingsAction").isEnabled()
    for name in ("ratingFollowupsAction", "ratingFiguresAction"):
        action = _action(menu, name)
        assert not action.isEnabled()
        assert "督查" in action.toolTip() and "首席代表" in action.toolTip()
    appeals = _action(menu, "ratingAppealsAction")
    assert not appeals.isEnabled() and "中心领导" in appeals.toolTip()


def test_the_supervisor_sees_how_many_bad_ratings_are_open(qtbot, services, runner, clerk, wait_idle) -> None:
    rate(services, clerk, 1, ("attitude",))
    rate(services, clerk, 2, ("other",), "系统故障等了很久")
    rate(services, clerk, 4)
    supervisor = login(services, "sunduc")
    _window, menu = _menu(qtbot, services, runner, supervisor, wait_idle)
    action = _action(menu, "ratingFollowupsAction")
    assert action.isEnabled() and action.text() == "差评整改(&Z)（2）…"
    assert _action(menu, "ratingFiguresAction").isEnabled()
    assert not _action(menu, "ratingAppealsAction").isEnabled()
    window = menu.open_followups()
    wait_idle()
    assert window.isVisible() and window.table.rowCount() == 2
    assert menu.open_followups() is window  # one window of each kind


def test_a_chief_at_the_departments_pc_may_look(qtbot, services, runner, wait_idle) -> None:
    _window, menu = _menu(qtbot, services, runner, login(services, "liqiang"), wait_idle)
    assert _action(menu, "ratingFollowupsAction").isEnabled()
    assert _action(menu, "ratingFiguresAction").isEnabled()


def test_the_days_summary_shows_counts_only(qtbot, services, runner, clerk, wait_idle) -> None:
    bad = rate(services, clerk, 1, ("attitude",), "态度不好")
    rate(services, clerk, 5)
    rate(services, clerk, 4)
    unrated(services, clerk)
    _window, menu = _menu(qtbot, services, runner, clerk, wait_idle)
    dialog = menu.open_today()
    wait_idle()
    assert isinstance(dialog, DaySummaryDialog) and dialog.isVisible()
    table = dialog.table
    counts = {table.item(r, 0).text(): table.item(r, 1).text() for r in range(table.rowCount())}
    assert counts == {"非常满意": "1", "满意": "1", "基本满意": "0", "不满意": "0", "非常不满意": "1", "未评价": "1"}
    assert dialog.total.text() == "已评价 3 件，好评率 66.7%"
    assert dialog.title.text().startswith("01 ")
    shown = [label.text() for label in dialog.findChildren(QLabel)]
    shown += [t.item(r, c).text() for t in dialog.findChildren(QTableWidget)
              for r in range(t.rowCount()) for c in range(t.columnCount())]
    assert not any("DEMO-" in text or "态度不好" in text for text in shown), shown
    assert bad.bad
