"""参加互评 at the counter, through the real PeerService on the demo store: a clerk opens the ballot sheet
from the 互评 menu (their zone's colleagues, never themselves), scores it by typing digits, is stopped on
the cell still empty, is refused with a wrong password (nothing queued), then votes with their own
password: the sheet says 已投票，可在结束前修改 and is emptied, the queue holds the turnout op and one
sealed, actor-less op per colleague with no score or colleague readable, and the round's turnout counts
them. Voting again replaces the ballots; a PC without the server's key refuses to vote."""

from __future__ import annotations

import json

from PySide6.QtCore import Qt

from tests.ui.keyboard import type_text
from tests.ui.test_peer_rounds import (
    SCREENSHOTS,
    actor_of,
    cells,
    give_ballot_key,
    open_round,
    outbox,
    peer_menu,
)
from ui.peer.ballot_dialog import BallotDialog

ZONE_A_COLLEAGUES = ["李强", "王芳", "赵丽"]  # windows 02-04 with 张敏's 01 make A区


def _sheet(qtbot, menu, wait_idle) -> BallotDialog:
    menu.actions["peerVoteAction"].trigger()
    wait_idle()
    [key] = [k for k in menu.windows if k.startswith("ballot:")]
    dialog = menu.windows[key]
    assert isinstance(dialog, BallotDialog) and dialog.isVisible()
    qtbot.waitUntil(lambda: dialog.sheet is not None)
    return dialog


def _rows(dialog: BallotDialog) -> list[str]:
    t = dialog.table
    return [t.verticalHeaderItem(r).text() for r in range(t.rowCount())]


def _score_all(qtbot, dialog: BallotDialog, digits: str) -> None:
    dialog.table.setFocus()
    dialog.table.setCurrentCell(0, 0)
    qtbot.keyClicks(dialog.table, digits)


def _vote(qtbot, dialog: BallotDialog, password: str, wait_idle) -> None:
    dialog.password.setFocus()
    type_text(qtbot, password, dialog.password)
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    wait_idle()


def test_a_clerk_scores_the_sheet_by_keyboard_and_votes_with_their_password(
        qtbot, services, runner, clerk, wait_idle, db_path) -> None:
    give_ballot_key(services)
    held = open_round(services)
    menu = peer_menu(qtbot, services, runner, clerk, wait_idle)
    dialog = _sheet(qtbot, menu, wait_idle)
    assert dialog.heading.text() == "2026年3月窗口互评（2026-03，各区域）"
    assert [r.split("　")[0] for r in _rows(dialog)] == ZONE_A_COLLEAGUES  # never 张敏 herself
    assert _rows(dialog)[0] == "李强　02号窗口（食品药品许可窗口）"
    headers = [dialog.table.horizontalHeaderItem(c).text() for c in range(dialog.table.columnCount())]
    assert headers == ["服务态度", "业务能力", "工作纪律", "团结协作"]
    assert dialog.focusWidget() is dialog.table and not dialog.vote_button.isEnabled()

    _score_all(qtbot, dialog, "5454" "4345" "545")  # one cell left: the cursor went row by row
    assert [cells(dialog.table, r) for r in range(3)] == [["5", "4", "5", "4"], ["4", "3", "4", "5"],
                                                          ["5", "4", "5", ""]]
    assert dialog.progress.text() == "已打分 11/12 项，还差 1 项"
    qtbot.keyClick(dialog.table, Qt.Key.Key_Right)
    qtbot.keyClick(dialog.table, Qt.Key.Key_9)  # not a score: nothing happens
    _vote(qtbot, dialog, "demo1234", wait_idle)
    assert dialog.error.text() == "还有 1 项没有打分：每位同事的每一项都要打 1–5 分。"
    assert (dialog.table.currentRow(), dialog.table.currentColumn()) == (2, 3) and dialog.table.hasFocus()
    qtbot.keyClick(dialog.table, Qt.Key.Key_4)
    assert dialog.progress.text() == "已打分 12/12 项，已全部打完" and dialog.error.text() == ""
    assert dialog.vote_button.isEnabled()  # the password typed before stayed
    dialog.resize(900, 480)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    assert dialog.grab().save(str(SCREENSHOTS / "peer_ballot.png"))

    dialog.password.clear()
    _vote(qtbot, dialog, "wrong-password", wait_idle)
    assert "密码不正确" in dialog.error.text()
    assert dialog.password.text() == "" and dialog.focusWidget() is dialog.password
    assert cells(dialog.table, 1) == ["4", "3", "4", "5"]  # nothing typed is lost
    assert not [k for k, _a, _p in outbox(db_path) if k.startswith("peer.") and k != "peer.open"]

    with qtbot.waitSignal(dialog.voted, timeout=30000):
        _vote(qtbot, dialog, "demo1234", wait_idle)
    wait_idle()
    assert dialog.status.text() == "已投票，可在结束前修改。本次评价 3 人。"
    assert all(cells(dialog.table, r) == ["", "", "", ""] for r in range(3))  # nothing left on the screen
    assert dialog.password.text() == "" and dialog.error.text() == ""
    ops = [(k, a, p) for k, a, p in outbox(db_path) if k in ("peer.turnout", "peer.ballot")]
    assert [k for k, _a, _p in ops].count("peer.turnout") == 1
    ballots = [(a, p) for k, a, p in ops if k == "peer.ballot"]
    assert len(ballots) == 3 and all(a is None and set(p) == {"round_id", "sealed"} for a, p in ballots)
    colleague_ids = {c.staff_id for c in dialog.sheet.colleagues}
    for _a, payload in ballots:
        text = json.dumps(payload)
        assert not any(i in text for i in colleague_ids | {clerk.id}) and '"scores"' not in text

    [listed] = services.peer.rounds(actor_of(clerk))
    assert listed.i_voted and listed.voted == 1
    rounds = menu.open_rounds()
    wait_idle()
    assert cells(rounds.rounds_table, 0)[7] == "已投票" and cells(rounds.rounds_table, 0)[6].startswith("1/")
    assert "您已投票，可在结束前修改" in rounds.note.text()
    assert held.id == listed.id


def test_voting_again_before_the_close_replaces_the_ballots(qtbot, services, runner, clerk, wait_idle,
                                                           db_path) -> None:
    give_ballot_key(services)
    held = open_round(services)
    first = BallotDialog(services, runner, clerk, held.id)
    qtbot.addWidget(first)
    first.show()
    wait_idle()
    _score_all(qtbot, first, "3" * 12)
    _vote(qtbot, first, "demo1234", wait_idle)
    assert first.status.text().startswith("已投票，可在结束前修改")

    again = BallotDialog(services, runner, clerk, held.id)
    qtbot.addWidget(again)
    again.show()
    wait_idle()
    assert "投票，可在结束前修改" in again.status.text() and "替换上次的全部评分" in again.status.text()
    assert all(cells(again.table, r) == ["", "", "", ""] for r in range(3))  # the first scores are nowhere here
    _score_all(qtbot, again, "4" * 12)
    _vote(qtbot, again, "demo1234", wait_idle)
    assert again.status.text() == "已投票，可在结束前修改。本次评价 3 人（已替换上次的评分）。"
    kinds = [k for k, _a, _p in outbox(db_path)]
    assert kinds.count("peer.turnout") == 2 and kinds.count("peer.ballot") == 6


def test_a_pc_without_the_servers_key_refuses_to_vote(qtbot, services, runner, clerk, wait_idle, db_path) -> None:
    held = open_round(services)
    dialog = BallotDialog(services, runner, clerk, held.id)
    qtbot.addWidget(dialog)
    dialog.show()
    wait_idle()
    _score_all(qtbot, dialog, "5" * 12)
    _vote(qtbot, dialog, "demo1234", wait_idle)
    assert dialog.error.text() == "本机尚未取得互评加密公钥，请联网同步一次后再投票。"
    assert cells(dialog.table, 0) == ["5", "5", "5", "5"]
    assert not [k for k, _a, _p in outbox(db_path) if k in ("peer.turnout", "peer.ballot")]


def test_someone_outside_the_round_is_told_so_on_the_sheet(qtbot, services, runner, wait_idle) -> None:
    give_ballot_key(services)
    held = open_round(services)
    business = services.auth.login("liuyang", "demo1234")
    dialog = BallotDialog(services, runner, business, held.id)
    qtbot.addWidget(dialog)
    dialog.show()
    wait_idle()
    assert dialog.heading.text() == "评议表未能打开"
    assert "您不在本轮互评的范围内" in dialog.error.text() and not dialog.vote_button.isEnabled()
