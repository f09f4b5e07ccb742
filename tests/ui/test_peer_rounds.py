"""互评 rounds at the counter, through the real PeerService on the demo store: the business section opens a
quarterly round by keyboard in the dialog (the hall's dimensions filled in, a weight changed) and ends it;
a clerk sees the round and its turnout with 开启新一轮 and 结束本轮 greyed, saying who may; a bad weight
or an empty title is refused inline and nothing is written; the results show averages only where a
person has enough ballots ("票数不足，不显示" otherwise) and say that the centre computes them until the
rows arrive. PeerResult rows stand in for the server's computation: they are written here, by the test."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMainWindow, QPushButton

from app.context import Actor
from app.ids import uuid7
from app.peer.seal import new_keypair
from db.models import PeerResult
from db.repositories import ReferenceRepository
from tests.ui.keyboard import type_text
from ui.peer.menu import NO_OPEN_ROUND, PeerMenu
from ui.peer.open_round_dialog import OpenRoundDialog
from ui.peer.results_window import ResultsWindow
from ui.peer.rounds_window import RoundsWindow

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
DIMENSIONS = ["服务态度", "业务能力", "工作纪律", "团结协作"]


def give_ballot_key(services) -> None:
    """What the first sync brings: the server's public key for sealed ballots (hall parameter)."""
    public, _private = new_keypair()
    with services.ctx.db.write() as s:
        ReferenceRepository(s).set_parameter("peer.ballot_key", public)


def person(services, login: str):  # -> StaffInfo
    return services.auth.login(login, "demo1234")


def actor_of(info) -> Actor:
    return Actor(info.id, info.name)


def open_round(services, scope: str = "zone", min_ballots: int = 5, title: str = "2026年3月窗口互评"):
    business = actor_of(person(services, "liuyang"))
    return services.peer.open_round(business, title, "2026-03", scope, None, min_ballots)


def peer_menu(qtbot, services, runner, staff, wait_idle) -> PeerMenu:
    host = QMainWindow()
    qtbot.addWidget(host)
    menu = PeerMenu(services, runner, staff, host)
    wait_idle()
    return menu


def cells(table, row: int) -> list[str]:
    return [table.item(row, c).text() if table.item(row, c) else "" for c in range(table.columnCount())]


def outbox(db_path: Path) -> list[tuple[str, str | None, dict]]:
    with sqlite3.connect(db_path) as db:
        rows = db.execute("SELECT kind, actor_id, payload FROM outbox_op ORDER BY client_seq").fetchall()
    return [(kind, actor, json.loads(payload)) for kind, actor, payload in rows]


def _rounds_window(qtbot, menu: PeerMenu, wait_idle) -> RoundsWindow:
    window = menu.open_rounds()
    assert isinstance(window, RoundsWindow)
    wait_idle()
    return window


def _edit_cell(qtbot, table, row: int, col: int, text: str) -> None:
    table.setFocus()
    table.setCurrentCell(row, col)
    qtbot.keyClick(table, Qt.Key.Key_F2)
    editor = QApplication.focusWidget()
    assert editor is not table and editor is not None
    editor.selectAll()
    type_text(qtbot, text, editor)
    qtbot.keyClick(editor, Qt.Key.Key_Return)


def test_the_business_section_opens_a_quarterly_round_by_keyboard_and_ends_it(
        qtbot, services, runner, wait_idle, db_path) -> None:
    business = person(services, "liuyang")
    menu = peer_menu(qtbot, services, runner, business, wait_idle)
    window = _rounds_window(qtbot, menu, wait_idle)
    assert window.summary.text() == "尚无互评轮次"
    assert window.new_button.isEnabled()

    qtbot.mouseClick(window.new_button, Qt.MouseButton.LeftButton)
    dialog = window.findChild(OpenRoundDialog)
    wait_idle()
    table = dialog.dimensions
    assert [table.item(r, 0).text() for r in range(table.rowCount())] == DIMENSIONS  # the hall's defaults
    assert dialog.min_ballots.value() == 5 and dialog.title_edit.text() == "2026年3月互评"
    qtbot.keyClick(dialog.period_kind, Qt.Key.Key_Down)  # 月度 -> 季度: March is in the first quarter
    assert dialog.period() == "2026-Q1" and dialog.title_edit.text() == "2026年第1季度互评"
    dialog.scope.setCurrentIndex(dialog.scope.findData("zone"))
    _edit_cell(qtbot, table, 1, 1, "2")
    dialog.min_ballots.setFocus()
    dialog.min_ballots.selectAll()
    qtbot.keyClicks(dialog.min_ballots, "6")
    qtbot.keyClick(dialog.min_ballots, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.item is not None, timeout=20000)
    wait_idle()

    [held] = services.peer.rounds(actor_of(business))
    assert (held.period, held.scope, held.min_ballots, held.status) == ("2026-Q1", "zone", 6, "open")
    assert [(label, weight) for _c, label, weight in held.dimensions] == [
        ("服务态度", 1.0), ("业务能力", 2.0), ("工作纪律", 1.0), ("团结协作", 1.0)]
    row = cells(window.rounds_table, 0)
    assert row[0] == "2026年第1季度互评" and row[1] == "2026-Q1" and row[2] == "各区域" and row[5] == "进行中"
    assert "业务能力（2）" in row[3] and row[6] == f"0/{held.eligible}（0%）" and held.eligible >= 12
    qtbot.waitUntil(lambda: window.turnout_table.rowCount() == 3)
    assert [cells(window.turnout_table, r)[0] for r in range(3)] == ["A区", "B区", "C区"]
    assert cells(window.turnout_table, 0)[1:] == ["0", "4", "0%"]
    assert not window.vote_button.isEnabled()  # the business section works at no window: not in the round
    assert "不在本轮互评的范围内" in window.vote_button.toolTip()

    assert window.close_button.isEnabled()
    qtbot.mouseClick(window.close_button, Qt.MouseButton.LeftButton)
    wait_idle()
    qtbot.waitUntil(lambda: cells(window.rounds_table, 0)[5] == "已结束")
    assert not window.close_button.isEnabled() and window.close_button.toolTip() == "本轮已结束"
    assert "结果由中心计算，联网同步后显示" in window.note.text()
    assert window.results_button.isEnabled()
    kinds = [kind for kind, _a, _p in outbox(db_path)]
    assert kinds.count("peer.open") == 1 and kinds.count("peer.close") == 1


def test_a_clerk_sees_the_turnout_but_opening_and_ending_are_greyed_with_who_may(
        qtbot, services, runner, clerk, wait_idle) -> None:
    give_ballot_key(services)
    held = open_round(services)
    menu = peer_menu(qtbot, services, runner, clerk, wait_idle)
    assert menu.actions["peerVoteAction"].isEnabled()
    window = _rounds_window(qtbot, menu, wait_idle)
    assert not window.new_button.isEnabled()
    assert "中心业务科" in window.new_button.toolTip() and "需由" in window.new_button.toolTip()
    assert cells(window.rounds_table, 0)[0] == "2026年3月窗口互评"
    assert cells(window.rounds_table, 0)[7] == "未投票"
    assert not window.close_button.isEnabled() and "中心业务科" in window.close_button.toolTip()
    assert window.open_new_round() is None  # not even by calling the slot
    assert window.vote_button.isEnabled()
    assert "您已投票" not in window.note.text() and "不记录打分" in window.note.text()
    qtbot.waitUntil(lambda: window.turnout_table.rowCount() == 3)

    window.rounds_table.setFocus()
    qtbot.keyClick(window.rounds_table, Qt.Key.Key_Return)  # Enter on a round: its ballot sheet
    wait_idle()
    assert "ballot:" + held.id in menu.windows


def test_a_bad_weight_and_an_empty_title_are_refused_inline_and_nothing_is_written(
        qtbot, services, runner, wait_idle) -> None:
    business = person(services, "liuyang")
    dialog = OpenRoundDialog(services, runner, business)
    qtbot.addWidget(dialog)
    dialog.show()
    wait_idle()
    _edit_cell(qtbot, dialog.dimensions, 2, 1, "0")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    wait_idle()
    assert dialog.error.text() == "第 3 项维度须有名称和大于 0 的权重。"
    _edit_cell(qtbot, dialog.dimensions, 2, 1, "1.5")
    dialog.title_edit.selectAll()
    qtbot.keyClick(dialog.title_edit, Qt.Key.Key_Delete)
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    wait_idle()
    assert "请填写互评轮次的名称" in dialog.error.text() and dialog.isVisible()
    assert dialog.focusWidget() is dialog.title_edit
    assert services.peer.rounds(actor_of(business)) == []


def test_the_ballot_entry_says_so_when_no_round_is_open(qtbot, services, runner, clerk, wait_idle,
                                                        shown_errors) -> None:
    menu = peer_menu(qtbot, services, runner, clerk, wait_idle)
    menu.actions["peerVoteAction"].trigger()
    wait_idle()
    assert shown_errors == [NO_OPEN_ROUND]


# -- results -----------------------------------------------------------------------------------------
def _closed_round(services, scope: str = "hall", min_ballots: int = 5):
    held = open_round(services, scope, min_ballots)
    business = actor_of(person(services, "liuyang"))
    return services.peer.close_round(business, held.id, held.version)


def _server_results(services, round_id: str, ballots: dict[str, int], min_ballots: int) -> None:
    """What the server's close computes and the next pull brings (here written by the test)."""
    with services.ctx.db.write() as s:
        hall_id = ReferenceRepository(s).device().hall_id
        for n, (staff_id, count) in enumerate(sorted(ballots.items())):
            shown = count >= min_ballots
            averages = {"d1": round(4.9 - n * 0.07, 2), "d2": round(4.3 + (n % 3) * 0.2, 2),
                        "d3": round(4.8 - (n % 4) * 0.1, 2), "d4": round(4.5 + (n % 2) * 0.3, 2)} if shown else None
            score = round(sum(averages.values()) / 4, 2) if averages else None
            s.add(PeerResult(id=uuid7(), hall_id=hall_id, round_id=round_id, ratee_id=staff_id, ballots=count,
                             averages=averages, score=score, computed_at=dt.datetime(2026, 3, 31, 18, 0)))


def _staff_ids(services) -> dict[str, str]:
    logins = ["zhangmin", "liqiang", "wangfang", "zhaoli", "sunhao", "chenjing", "wangxin", "zhoutao", "wujun",
              "zhengxia", "hejia", "linfeng"]
    return {login: person(services, login).id for login in logins}


def _results_window(qtbot, services, runner, staff, round_id, wait_idle) -> ResultsWindow:
    menu = peer_menu(qtbot, services, runner, staff, wait_idle)
    window = menu.open_results_for(round_id)
    assert isinstance(window, ResultsWindow)
    wait_idle()
    return window


def test_results_show_averages_only_with_enough_ballots_and_wait_for_the_centre(
        qtbot, services, runner, wait_idle) -> None:
    closed = _closed_round(services)
    window = _results_window(qtbot, services, runner, person(services, "liuyang"), closed.id, wait_idle)
    assert window.table.rowCount() == 0
    assert window.summary.text() == "结果由中心计算，联网同步后显示。"

    ids = _staff_ids(services)
    ballots = {ids[login]: 11 for login in ids}
    ballots[ids["wangxin"]], ballots[ids["zhoutao"]], ballots[ids["hejia"]] = 4, 9, 10
    _server_results(services, closed.id, ballots, closed.min_ballots)
    qtbot.mouseClick(window.findChild(QPushButton, "refreshPeerResults"), Qt.MouseButton.LeftButton)  # after a sync
    wait_idle()
    table = window.table
    assert table.rowCount() == 12
    headers = [table.horizontalHeaderItem(c).text() for c in range(table.columnCount())]
    assert headers == ["姓名", "窗口", "票数", *DIMENSIONS, "综合得分"]
    rows = {cells(table, r)[0]: cells(table, r) for r in range(12)}
    assert rows["王𬌗"][2] == "4" and rows["王𬌗"][3] == "票数不足，不显示"
    assert table.columnSpan(list(rows).index("王𬌗"), 3) == len(DIMENSIONS) + 1
    assert all(text == "" for text in rows["王𬌗"][4:])  # nothing but the count
    zhang = rows["张敏"]
    assert zhang[1] == "01号窗口（市场监管综合窗口）" and zhang[2] == "11"
    assert all(len(v) == 4 and v[1] == "." for v in zhang[3:])  # 4.xx averages and the score
    assert "显示结果 11 人" in window.summary.text() and "其余 1 人票数不足" in window.summary.text()
    assert "票数少于 5 张的人不显示结果" in window.info.text()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    window.resize(1180, 560)
    assert window.grab().save(str(SCREENSHOTS / "peer_results.png"))


def test_a_clerk_sees_only_their_own_result_and_a_chief_their_department(
        qtbot, services, runner, clerk, wait_idle) -> None:
    closed = _closed_round(services, "department", 3)
    ids = _staff_ids(services)
    _server_results(services, closed.id, {ids["zhangmin"]: 1, ids["liqiang"]: 1, ids["wangfang"]: 1}, 3)
    mine = _results_window(qtbot, services, runner, clerk, closed.id, wait_idle)
    assert [cells(mine.table, r)[0] for r in range(mine.table.rowCount())] == ["张敏"]
    assert cells(mine.table, 0)[3] == "票数不足，不显示"  # 1 ballot of 3 needed: never an average
    chief = person(services, "liqiang")
    theirs = _results_window(qtbot, services, runner, chief, closed.id, wait_idle)
    assert sorted(cells(theirs.table, r)[0] for r in range(theirs.table.rowCount())) == ["张敏", "李强"]
