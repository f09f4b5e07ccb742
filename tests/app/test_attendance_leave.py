"""Leave and 补签: request, decide, cancel, with every refusal, the tiers and AB岗; 待我审批 per role."""

from __future__ import annotations

import datetime as dt
import re
import sqlite3

import pytest

from app.errors import InvalidInput, NotPermitted
from tests.app.attendance_kit import journal_sizes, last_op, who

D = dt.datetime
# the clock is Monday 2026-03-02 09:30; March 4th is a Wednesday


def _day(services, login="zhangmin", day=4, kind="事假"):
    return services.attendance.request_leave(who(services, login), kind, D(2026, 3, day, 8, 30),
                                             D(2026, 3, day, 17, 30), "家中有事")


def test_request_leave_writes_the_row_its_audit_event_and_op(services) -> None:
    me = who(services, "zhangmin")
    before = journal_sizes(services)
    item = services.attendance.request_leave(me, "病假", D(2026, 3, 4, 8, 30), D(2026, 3, 4, 12, 0), "发烧就诊")
    assert (item.days, item.days_label, item.approval, item.approval_label) == (
        0.5, "0.5天", "leave.approve_day", "首席代表审批")
    assert (item.status, item.status_label, item.can_cancel, item.staff_name) == ("pending", "待审批", True, "张敏")
    assert item.window_label == "01号窗口（市场监管综合窗口）"
    assert journal_sizes(services) == (before[0] + 1, before[1] + 1)
    op = last_op(services)
    assert (op["kind"], op["entity"], op["entity_id"]) == ("leave.request", "leave_request", item.id)
    p = op["payload"]
    assert (p["status"], p["version"], p["approval"], p["days"], p["kind"]) == (
        "pending", 1, "leave.approve_day", 0.5, "病假")
    assert p["starts_at"] == "2026-03-04T08:30:00" and p["staff_id"] == me.id


@pytest.mark.parametrize(("start", "end", "kind", "days", "tier"), [
    (D(2026, 3, 4, 14, 0), D(2026, 3, 4, 17, 30), "事假", 0.5, "leave.approve_day"),
    (D(2026, 3, 4, 8, 30), D(2026, 3, 5, 12, 0), "事假", 1.5, "leave.approve_two_days"),
    (D(2026, 3, 6, 8, 30), D(2026, 3, 9, 17, 30), "休假", 2.0, "leave.approve_two_days"),  # Fri + Mon
    (D(2026, 3, 4, 8, 30), D(2026, 3, 6, 17, 30), "事假", 3.0, "leave.approve_longer"),
    (D(2026, 3, 4, 9, 0), D(2026, 3, 4, 11, 0), "临时外出", 0.25, "leave.approve_day"),
], ids=["afternoon", "day-and-a-half", "over-a-weekend", "three-days", "two-hours-out"])
def test_days_are_counted_in_half_working_days_and_set_the_tier(services, start, end, kind, days, tier) -> None:
    estimate = services.attendance.leave_estimate(kind, start, end)
    item = services.attendance.request_leave(who(services, "zhangmin"), kind, start, end, "事由")
    assert (item.days, item.approval) == (days, tier) == (estimate.days, estimate.approval)
    assert (estimate.days_label, estimate.approval_label) == (item.days_label, item.approval_label)


@pytest.mark.parametrize(("kind", "start", "end", "reason", "field"), [
    ("年假", D(2026, 3, 4, 8, 30), D(2026, 3, 4, 17, 30), "x", "kind"),
    ("事假", D(2026, 3, 4, 17, 30), D(2026, 3, 4, 8, 30), "x", "ends_at"),
    ("事假", D(2026, 3, 4, 8, 30), D(2026, 3, 4, 17, 30), "  ", "reason"),
    ("事假", D(2026, 3, 7, 8, 30), D(2026, 3, 8, 17, 30), "x", "starts_at"),  # a weekend: nothing to take off
    ("临时外出", D(2026, 3, 4, 9, 0), D(2026, 3, 5, 9, 0), "x", "ends_at"),
], ids=["unknown-kind", "ends-before-start", "no-reason", "no-working-time", "out-over-two-days"])
def test_malformed_requests_are_refused_naming_the_field(services, kind, start, end, reason, field) -> None:
    before = journal_sizes(services)
    with pytest.raises(InvalidInput) as refused:
        services.attendance.request_leave(who(services, "zhangmin"), kind, start, end, reason)
    assert refused.value.field == field
    assert journal_sizes(services) == before


def test_an_overlapping_request_of_the_same_person_is_refused(services) -> None:
    _day(services)
    with pytest.raises(InvalidInput, match="时间重叠") as refused:
        services.attendance.request_leave(who(services, "zhangmin"), "病假", D(2026, 3, 4, 14, 0),
                                          D(2026, 3, 5, 17, 30), "x")
    assert refused.value.field == "starts_at"
    _day(services, day=5)  # the next day is free


def test_the_chief_approves_a_day_and_the_requester_sees_it(services) -> None:
    item = _day(services)
    chief = who(services, "liqiang")
    assert [r.id for r in services.attendance.pending_for(chief)] == [item.id]
    decided = services.attendance.decide_leave(chief, item.id, True, "同意")
    assert (decided.status_label, decided.decided_by_name, decided.version) == ("已批准", "李强", 2)
    op = last_op(services)
    assert op["kind"] == "leave.decide" and op["actor_id"] == chief.id
    payload = op["payload"]
    assert payload == {"id": item.id, "from_version": 1, "status": "approved", "note": "同意",
                       "decided_at": "2026-03-02T09:30:00", "cover_staff_id": None}
    [mine] = services.attendance.my_requests(who(services, "zhangmin"))
    assert (mine.status_label, mine.title, mine.can_cancel) == ("已批准", "请假（事假）", True)
    assert services.attendance.pending_for(chief) == []
    with pytest.raises(InvalidInput, match="已批准"):
        services.attendance.decide_leave(chief, item.id, False, "不行")


def test_refusing_needs_a_note(services) -> None:
    item = _day(services)
    chief = who(services, "liqiang")
    with pytest.raises(InvalidInput) as refused:
        services.attendance.decide_leave(chief, item.id, False, "")
    assert refused.value.field == "note"
    assert services.attendance.decide_leave(chief, item.id, False, "当天窗口人手不足").status_label == "未批准"
    assert last_op(services)["payload"]["status"] == "rejected"


def test_wrong_tier_wrong_department_and_own_request_are_refused(services) -> None:
    two = services.attendance.request_leave(who(services, "zhangmin"), "事假", D(2026, 3, 4, 8, 30),
                                            D(2026, 3, 5, 17, 30), "x")
    before = journal_sizes(services)
    with pytest.raises(NotPermitted, match="两天以内"):
        services.attendance.decide_leave(who(services, "liqiang"), two.id, True, "")  # a chief: one day at most
    with pytest.raises(NotPermitted, match="本部门"):
        services.attendance.decide_leave(who(services, "chenjing"), _day(services, "wangfang").id, True, "")
    own = _day(services, "liqiang", day=9)
    with pytest.raises(NotPermitted, match="不能由本人审批"):
        services.attendance.decide_leave(who(services, "liqiang"), own.id, True, "")
    with pytest.raises(NotPermitted):
        services.attendance.decide_leave(who(services, "wangfang"), own.id, True, "")  # a clerk
    assert journal_sizes(services)[1] == before[1] + 2  # only the two requests
    assert services.attendance.decide_leave(who(services, "liuyang"), two.id, True, "").status == "approved"


def test_pending_for_each_role(services) -> None:
    day_scj = _day(services, "zhangmin")  # 1 day, SCJ
    day_rsj = _day(services, "wangfang", day=5)  # 1 day, RSJ
    two = services.attendance.request_leave(who(services, "chenjing"), "事假", D(2026, 3, 9, 8, 30),
                                            D(2026, 3, 10, 17, 30), "x")
    longer = services.attendance.request_leave(who(services, "liuyang"), "休假", D(2026, 3, 16, 8, 30),
                                               D(2026, 3, 20, 17, 30), "x")
    makeup = services.attendance.request_makeup(who(services, "zhangmin"), dt.date(2026, 3, 2), "start",
                                                D(2026, 3, 2, 8, 29), "指纹未识别")

    def ids(login: str) -> set[str]:
        return {r.id for r in services.attendance.pending_for(who(services, login))}
    assert ids("liqiang") == {day_scj.id, makeup.id}  # chief of SCJ
    assert ids("chenjing") == set()  # chief of ZRJ: her own two-day leave is not for her
    assert ids("liuyang") == {day_scj.id, day_rsj.id, two.id, makeup.id}  # business: not own, not > 2 days
    assert ids("chenzr") == {day_scj.id, day_rsj.id, two.id, longer.id}  # leadership: every leave, no 补签
    assert ids("zhangmin") == set() and ids("sunduc") == set()
    [shown] = [r for r in services.attendance.pending_for(who(services, "liqiang")) if r.kind == "makeup"]
    assert (shown.title, shown.approval_label, shown.staff_name) == ("补签（上班）", "需首席代表审批", "张敏")


def test_cancel_only_by_the_requester_and_before_it_starts(services, clock) -> None:
    item = _day(services)
    with pytest.raises(NotPermitted, match="申请人本人"):
        services.attendance.cancel_leave(who(services, "liqiang"), item.id)
    services.attendance.decide_leave(who(services, "liqiang"), item.id, True, "")
    cancelled = services.attendance.cancel_leave(who(services, "zhangmin"), item.id)
    assert (cancelled.status_label, cancelled.version, cancelled.can_cancel) == ("已撤销", 3, False)
    op = last_op(services)
    assert op["kind"] == "leave.cancel" and op["payload"] == {
        "id": item.id, "from_version": 2, "cancelled_at": "2026-03-02T09:30:00"}
    with pytest.raises(InvalidInput, match="已撤销"):
        services.attendance.cancel_leave(who(services, "zhangmin"), item.id)
    started = _day(services, day=5)
    clock.at = D(2026, 3, 5, 9, 0)
    with pytest.raises(InvalidInput, match="已开始"):
        services.attendance.cancel_leave(who(services, "zhangmin"), started.id)
    assert not services.attendance.my_requests(who(services, "zhangmin"))[0].can_cancel


def test_a_and_b_may_not_be_away_at_once_unless_leadership_names_a_cover(services) -> None:
    """Window 01: A zhangmin, B liqiang. liqiang is also A of window 02 whose B is zhangmin. A leave that
    would leave a window with neither goes to the leadership, who approve it only naming a cover."""
    first = _day(services, "zhangmin")
    services.attendance.request_leave(who(services, "liqiang"), "病假", D(2026, 3, 4, 14, 0),  # zhangmin's is
                                      D(2026, 3, 4, 17, 30), "x")  # only asked for: nobody is away yet
    services.attendance.decide_leave(who(services, "liuyang"), first.id, True, "")
    clash = services.attendance.request_leave(who(services, "liqiang"), "病假", D(2026, 3, 4, 8, 30),
                                              D(2026, 3, 4, 12, 0), "x")
    assert clash.status == "pending" and last_op(services)["payload"]["approval"] == "leave.approve_longer"
    [seen] = [r for r in services.attendance.pending_for(who(services, "chenzr")) if r.id == clash.id]
    assert re.search(r"01号窗口.*A岗、B岗不能同时不在：张敏已请事假", seen.post_conflict)
    assert clash.id not in {r.id for r in services.attendance.pending_for(who(services, "liuyang"))}
    with pytest.raises(NotPermitted, match="中心领导"):  # half a day, but only the leadership may now
        services.attendance.decide_leave(who(services, "liuyang"), clash.id, True, "")
    with pytest.raises(InvalidInput, match="请指定临时顶岗人员"):
        services.attendance.decide_leave(who(services, "chenzr"), clash.id, True, "")
    done = services.attendance.decide_leave(who(services, "chenzr"), clash.id, True, "王芳顶岗",
                                            who(services, "wangfang").id)
    assert (done.status, done.cover_name) == ("approved", "王芳")
    _day(services, "liqiang", day=5)  # another day needs no more than the usual tier


def _clashing_pair(services):
    """Two overlapping leaves of A and B as they arrive from two counters that were offline: zhangmin's
    asked for here, liqiang's approved elsewhere (written as the pull would)."""
    mine = _day(services, "zhangmin")
    other = who(services, "liqiang")
    with sqlite3.connect(services.ctx.db.path) as con:
        hall = con.execute("SELECT hall_id FROM staff WHERE id = ?", (other.id,)).fetchone()[0]
        con.execute("INSERT INTO leave_request (id, hall_id, staff_id, kind, starts_at, ends_at, days, reason, "
                    "approval, status, decision_note, requested_at, version) VALUES ('l-other', ?, ?, '病假', "
                    "'2026-03-04 08:30:00.000000', '2026-03-04 17:30:00.000000', 1, '发烧', 'leave.approve_day', "
                    "'approved', '', '2026-03-02 09:00:00.000000', 2)", (hall, other.id))
    return mine


def test_approving_a_clash_needs_a_leader_with_a_named_cover(services) -> None:
    mine = _clashing_pair(services)
    [seen] = [r for r in services.attendance.pending_for(who(services, "chenzr")) if r.id == mine.id]
    assert "A岗、B岗不能同时不在" in seen.post_conflict and "李强已请病假" in seen.post_conflict
    assert "已批准" in seen.post_conflict
    with pytest.raises(InvalidInput, match="A岗、B岗不能同时不在") as refused:
        services.attendance.decide_leave(who(services, "liuyang"), mine.id, True, "")  # business: not a leader
    assert refused.value.field == "cover_staff_id"
    with pytest.raises(InvalidInput, match="请指定临时顶岗人员"):
        services.attendance.decide_leave(who(services, "chenzr"), mine.id, True, "")
    cover = who(services, "zhaoli")
    decided = services.attendance.decide_leave(who(services, "chenzr"), mine.id, True, "安排赵丽顶岗", cover.id)
    assert (decided.status, decided.cover_staff_id, decided.cover_name) == ("approved", cover.id, "赵丽")
    assert last_op(services)["payload"]["cover_staff_id"] == cover.id


def test_refusing_a_clash_needs_no_leader(services) -> None:
    mine = _clashing_pair(services)
    decided = services.attendance.decide_leave(who(services, "liqiang"), mine.id, False, "同日李强请假")
    assert decided.status == "rejected"


# -- 补签 -----------------------------------------------------------------------------------------
def test_makeup_request_and_decision(services) -> None:
    me = who(services, "zhangmin")
    item = services.attendance.request_makeup(me, dt.date(2026, 3, 2), "start", D(2026, 3, 2, 8, 28), "指纹未识别")
    assert (item.slot_label, item.status_label, item.version) == ("上班", "待审批", 1)
    op = last_op(services)
    assert op["kind"] == "makeup.request" and op["entity"] == "punch_makeup"
    assert (op["payload"]["slot"], op["payload"]["status"], op["payload"]["day"]) == ("start", "pending", "2026-03-02")
    with pytest.raises(InvalidInput, match="已提出过"):
        services.attendance.request_makeup(me, dt.date(2026, 3, 2), "start", D(2026, 3, 2, 8, 29), "再次")
    with pytest.raises(NotPermitted, match="不能由本人审批"):
        services.attendance.decide_makeup(who(services, "zhangmin"), item.id, True, "")
    with pytest.raises(NotPermitted, match="本部门"):
        services.attendance.decide_makeup(who(services, "chenjing"), item.id, True, "")
    decided = services.attendance.decide_makeup(who(services, "liqiang"), item.id, True, "属实")
    assert (decided.status_label, decided.decided_by_name, decided.version) == ("已批准", "李强", 2)
    assert last_op(services)["payload"] == {"id": item.id, "from_version": 1, "status": "approved", "note": "属实",
                                            "decided_at": "2026-03-02T09:30:00"}
    assert services.attendance.today(me).slots[0].state_label == "已补签"


@pytest.mark.parametrize(("day", "slot", "claimed", "field"), [
    (dt.date(2026, 3, 3), "start", D(2026, 3, 3, 8, 30), "day"),  # tomorrow
    (dt.date(2026, 2, 22), "start", D(2026, 2, 22, 8, 30), "day"),  # Sunday in the Spring Festival holiday
    (dt.date(2026, 2, 24), "start", D(2026, 2, 24, 8, 30), "day"),  # Tuesday: 4 working days ago, limit 3
    (dt.date(2026, 3, 2), "lunch", D(2026, 3, 2, 8, 30), "slot"),
    (dt.date(2026, 3, 2), "start", D(2026, 3, 1, 8, 30), "claimed_at"),
    (dt.date(2026, 3, 2), "noon_out", D(2026, 3, 2, 12, 0), "claimed_at"),  # after now
], ids=["future-day", "day-off", "too-late", "unknown-slot", "claimed-another-day", "claimed-in-the-future"])
def test_makeup_limits(services, day, slot, claimed, field) -> None:
    before = journal_sizes(services)
    with pytest.raises(InvalidInput) as refused:
        services.attendance.request_makeup(who(services, "zhangmin"), day, slot, claimed, "忘记打卡")
    assert refused.value.field == field
    assert journal_sizes(services) == before


def test_makeup_within_the_limit_of_working_days(services) -> None:
    # Thursday 26 Feb: Fri 27, Sat 28 (调休, a working day) and Mon 2 Mar are the 3 working days after it
    item = services.attendance.request_makeup(who(services, "zhangmin"), dt.date(2026, 2, 26), "end",
                                              D(2026, 2, 26, 17, 35), "停电未打卡")
    assert item.status == "pending"
