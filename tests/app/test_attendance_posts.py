"""AB岗 cover (the permission table's window scope and Case.acting_for), posts, 空岗 and 查岗."""

from __future__ import annotations

import base64
import datetime as dt
import sqlite3

import pytest

from app.errors import InvalidInput, NotFound, NotPermitted
from tests.app.attendance_kit import journal_sizes, last_op, who, window_id

D = dt.datetime


def _away(services, login: str, start: dt.datetime, end: dt.datetime, cover: str | None = None):
    leave = services.attendance.request_leave(who(services, login), "事假", start, end, "家中有事")
    approver = "chenzr" if cover else "liuyang"
    return services.attendance.decide_leave(who(services, approver), leave.id, True, "",
                                            who(services, cover).id if cover else None)


def test_b_covers_the_window_while_a_is_away_and_intake_records_acting_for(services, clock, kit) -> None:
    """wangfang is A of window 03, zhaoli its B. This PC is window 01."""
    _away(services, "wangfang", D(2026, 3, 2, 8, 30), D(2026, 3, 2, 17, 30))
    zhaoli, w03 = who(services, "zhaoli"), window_id(services, "03")
    [cover] = services.attendance.covered_windows(zhaoli)
    assert (cover.window_id, cover.a_name, cover.window_label) == (w03, "王芳", "03号窗口（人力社保窗口）")
    assert services.attendance.covered_windows(who(services, "zhangmin")) == []
    matter = kit.matter(case_type="promised")
    case = services.intake.open_case(zhaoli, kit.request(matter.id), window_id=w03)
    assert _acting_for(services, case.id) == who(services, "wangfang").id
    # her own window: no acting_for; and once A is back, the window is no longer hers to take in for
    own = services.intake.open_case(zhaoli, kit.request(matter.id), window_id=window_id(services, "04"))
    assert _acting_for(services, own.id) == ""
    clock.at = D(2026, 3, 2, 17, 31)
    assert services.attendance.covered_windows(zhaoli) == []
    with pytest.raises(NotPermitted):
        services.intake.open_case(zhaoli, kit.request(matter.id), window_id=w03)


def _acting_for(services, case_id: str) -> str:
    with sqlite3.connect(services.ctx.db.path) as con:
        return str(con.execute("SELECT acting_for FROM cases WHERE id = ?", (case_id,)).fetchone()[0])


def test_without_cover_a_clerk_may_not_take_in_for_another_window(services, kit) -> None:
    with pytest.raises(NotPermitted):
        services.intake.open_case(who(services, "zhaoli"), kit.request(kit.matter(case_type="promised").id),
                                  window_id=window_id(services, "03"))


def test_a_named_cover_takes_the_window_and_posts_show_who_is_away(services) -> None:
    """Both A and B of window 01 away: the leader approves zhangmin's leave with wangxin as cover."""
    _away(services, "liqiang", D(2026, 3, 2, 8, 30), D(2026, 3, 2, 17, 30))  # liqiang: B of 01
    with sqlite3.connect(services.ctx.db.path) as con:  # zhangmin's request came in from another counter
        hall, me = con.execute("SELECT hall_id, id FROM staff WHERE login = 'zhangmin'").fetchone()
        con.execute("INSERT INTO leave_request (id, hall_id, staff_id, kind, starts_at, ends_at, days, reason, "
                    "approval, status, decision_note, requested_at, version) VALUES ('l-zm', ?, ?, '病假', "
                    "'2026-03-02 08:30:00.000000', '2026-03-02 17:30:00.000000', 1, '发烧', 'leave.approve_day', "
                    "'pending', '', '2026-03-02 08:00:00.000000', 1)", (hall, me))
    services.attendance.decide_leave(who(services, "chenzr"), "l-zm", True, "", who(services, "wangxin").id)
    # the cover named takes both windows zhangmin and liqiang hold (01: A zhangmin, 02: A liqiang)
    covers = services.attendance.covered_windows(who(services, "wangxin"))
    assert [(c.window_label[:2], c.a_name) for c in covers] == [("01", "张敏"), ("02", "李强")]
    assert services.attendance.covered_windows(who(services, "zhangmin")) == []  # away herself
    posts = {p.window_label[:2]: p for p in services.attendance.posts()}
    assert posts["01"].state_label == "A、B岗均不在，临时顶岗：王𬌗" and posts["01"].cover_label == "临时顶岗：王𬌗"
    assert posts["02"].state_label.startswith("A、B岗均不在") and any("李强 事假" in a for a in posts["02"].away)
    assert posts["03"].state_label == "在岗" and posts["03"].away == ()


def test_posts_while_only_a_is_away(services) -> None:
    _away(services, "wangfang", D(2026, 3, 2, 8, 30), D(2026, 3, 3, 17, 30))
    post = next(p for p in services.attendance.posts() if p.window_label.startswith("03"))
    assert (post.a_name, post.b_name, post.state_label, post.cover_label) == ("王芳", "赵丽", "A岗不在，B岗顶岗",
                                                                              "赵丽顶岗")


def _empty_post(services, window: str, started: dt.datetime, ended: dt.datetime | None, minutes: int) -> None:
    with sqlite3.connect(services.ctx.db.path) as con:
        hall = con.execute("SELECT hall_id FROM window WHERE id = ?", (window,)).fetchone()[0]
        con.execute("INSERT INTO empty_post (id, hall_id, window_id, started_at, ended_at, minutes, raised_by, basis, "
                    "raised_at) VALUES (?, ?, ?, ?, ?, ?, 'server', '该窗口计算机未与中心联系', ?)",
                    (f"e-{window}-{started:%H%M}", hall, window, f"{started:%Y-%m-%d %H:%M:%S}.000000",
                     f"{ended:%Y-%m-%d %H:%M:%S}.000000" if ended else None, minutes,
                     f"{started:%Y-%m-%d %H:%M:%S}.000000"))


def test_empty_posts_are_seen_by_who_may(services, clock) -> None:
    w01, w03 = window_id(services, "01"), window_id(services, "03")
    _empty_post(services, w03, D(2026, 3, 2, 9, 2), None, 10)
    _empty_post(services, w01, D(2026, 3, 2, 8, 40), D(2026, 3, 2, 8, 55), 15)
    items = services.attendance.empty_posts(who(services, "liuyang"))
    assert [i.window_id for i in items] == [w03, w01]  # open first
    assert items[0].label == "空岗：03号窗口 09:02起 已 28 分钟（中心判定：该窗口计算机未与中心联系）"
    assert items[0].is_open and not items[1].is_open and items[1].minutes == 15
    assert [i.window_id for i in services.attendance.empty_posts(who(services, "liqiang"))] == [w01]  # SCJ chief
    # a clerk: her own window and the window of the PC she is signed in at (this PC is window 01)
    assert [i.window_id for i in services.attendance.empty_posts(who(services, "wangfang"))] == [w03, w01]
    assert [i.window_id for i in services.attendance.empty_posts(who(services, "zhaoli"))] == [w01]
    assert [i.window_id for i in services.attendance.empty_posts(who(services, "chenjing"))] == [w01]
    clock.at = D(2026, 3, 3, 9, 0)
    assert [i.window_id for i in services.attendance.empty_posts(who(services, "liuyang"))] == [w03]  # still open


# -- 查岗 -----------------------------------------------------------------------------------------
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5E"
                       "rkJggg==")


def test_inspection_is_recorded_and_answered_once_by_the_staff_member(services, tmp_path) -> None:
    photo = tmp_path / "查岗.png"
    photo.write_bytes(PNG)
    before = journal_sizes(services)
    item = services.attendance.record_inspection(who(services, "sunduc"), window_id(services, "03"), "玩手机",
                                                 "10:05 在窗口玩手机", photo)
    assert (item.staff_name, item.finding, item.response_label, item.photo) == ("王芳", "玩手机", "待确认", PNG)
    assert journal_sizes(services) == (before[0] + 1, before[1] + 1)
    op = last_op(services)
    assert op["kind"] == "inspection.record" and op["payload"]["response"] == "" and op["payload"]["version"] == 1
    assert base64.b64decode(op["payload"]["photo_b64"]) == PNG
    wangfang = who(services, "wangfang")
    [mine] = services.attendance.inspections(wangfang)
    assert mine.can_respond
    with pytest.raises(InvalidInput, match="被查岗的本人"):
        services.attendance.respond_inspection(who(services, "zhaoli"), item.id, True, "")
    with pytest.raises(InvalidInput) as refused:
        services.attendance.respond_inspection(wangfang, item.id, False, "")
    assert refused.value.field == "note"
    answered = services.attendance.respond_inspection(wangfang, item.id, False, "当时在查询政策文件")
    assert (answered.response_label, answered.version, answered.can_respond) == ("有异议", 2, False)
    assert last_op(services)["payload"] == {"id": item.id, "from_version": 1, "response": "disputed",
                                            "note": "当时在查询政策文件", "responded_at": "2026-03-02T09:30:00"}
    with pytest.raises(InvalidInput, match="不能再次"):
        services.attendance.respond_inspection(wangfang, item.id, True, "")
    assert [i.id for i in services.attendance.inspections(who(services, "liuyang"), mine=False)] == [item.id]
    assert services.attendance.inspections(who(services, "liqiang"), mine=False) == []  # not his department
    with pytest.raises(NotPermitted):
        services.attendance.inspections(who(services, "zhangmin"), mine=False)


def test_inspection_refusals(services, tmp_path) -> None:
    sup, w01 = who(services, "sunduc"), window_id(services, "01")
    with pytest.raises(NotPermitted, match="登记查岗结果"):
        services.attendance.record_inspection(who(services, "liqiang"), w01, "在岗", "")
    with pytest.raises(InvalidInput) as refused:
        services.attendance.record_inspection(sup, w01, "睡觉", "")
    assert refused.value.field == "finding"
    big = tmp_path / "big.jpg"
    big.write_bytes(b"\xff\xd8" + b"0" * (1024 * 1024))
    with pytest.raises(InvalidInput, match="最大 1 MB"):
        services.attendance.record_inspection(sup, w01, "在岗", "", big)
    gif = tmp_path / "x.gif"
    gif.write_bytes(b"GIF89a")
    with pytest.raises(InvalidInput, match="JPG 或 PNG"):
        services.attendance.record_inspection(sup, w01, "在岗", "", gif)
    with pytest.raises(NotFound):
        services.attendance.record_inspection(sup, "no-such-window", "在岗", "")
    item = services.attendance.record_inspection(sup, w01, "在岗", "", staff_id=who(services, "liqiang").id)
    assert item.staff_name == "李强"


def test_findings_and_leave_types_come_from_the_hall_parameters(services) -> None:
    assert services.attendance.findings()[:2] == ["在岗", "离岗"]
    assert services.attendance.leave_types() == ["公假", "事假", "病假", "临时外出", "休假"]
    services.settings.set_parameter(who(services, "liuyang"), "leave.types", "事假，病假, 婚假")
    assert services.attendance.leave_types() == ["事假", "病假", "婚假"]
    eleven = "在岗,离岗超过十五分钟以上的"
    with pytest.raises(InvalidInput, match="最多 10 个字"):
        services.settings.set_parameter(who(services, "liuyang"), "inspection.findings", eleven)
    with pytest.raises(InvalidInput, match="不能为空"):
        services.settings.set_parameter(who(services, "liuyang"), "leave.types", "事假,,病假")
    with pytest.raises(InvalidInput, match="之间的整数"):
        services.settings.set_parameter(who(services, "liuyang"), "makeup.limit_days", "0")
    with pytest.raises(InvalidInput, match="不能小于首席代表"):
        services.settings.set_parameter(who(services, "liuyang"), "leave.business_max_days", "0")


def test_choices_for_the_screens(services) -> None:
    windows = dict(services.attendance.windows())
    assert windows[window_id(services, "01")] == "01号窗口（市场监管综合窗口）"
    staff = dict(services.attendance.staff_choices())
    assert staff[who(services, "zhangmin").id] == "张敏（01号窗口）"
    assert staff[who(services, "liuyang").id] == "刘洋（中心）"
