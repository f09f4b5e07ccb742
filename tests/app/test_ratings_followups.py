"""差评整改 on the counter: 核实 → 整改 → 回访 → 结案, each step with who, when and what, in order, on the
version shown, by whom the table allows; due dates yellow/red on the working calendar like cases; the
applicant's phone only for the supervisor."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest

from app.errors import InvalidInput, NotFound, NotPermitted
from tests.app.attendance_kit import journal_sizes, last_op, who
from tests.app.rating_kit import bad_rating, later, table


def _only(services, actor):
    [item] = services.ratings.followups(actor)
    return item


def test_the_loop_runs_to_the_end_with_who_when_and_what(services, clock) -> None:
    bad_rating(services)
    sup, chief = who(services, "sunduc"), who(services, "liqiang")
    item = _only(services, sup)
    assert (item.status, item.status_label, item.can_verify, item.can_rectify, item.version) == (
        "verify", "待核实", True, False, 1)
    assert [s.label for s in item.steps] == ["收到差评"] and item.steps[0].text == "原因：服务态度；意见：态度冷淡"
    assert (item.rating.staff_name, item.rating.window_label, item.rating.level_label) == (
        "张敏", "01 市场监管综合窗口", "非常不满意")

    clock.at = dt.datetime(2026, 3, 3, 10, 0)
    item = services.ratings.verify(sup, item.id, 1, "partly", "已联系办事人并听取张敏说明")
    op = last_op(services)
    assert (op["kind"], op["entity"], op["actor_id"]) == ("followup.verify", "rating_followup", sup.id)
    assert op["payload"] == {"id": item.id, "from_version": 1, "at": "2026-03-03T10:00:00", "finding": "partly",
                             "note": "已联系办事人并听取张敏说明"}
    assert (item.status, item.finding, item.version) == ("rectify", "partly", 2)
    assert item.can_rectify and not item.can_verify

    clock.at = dt.datetime(2026, 3, 5, 15, 0)  # Thursday: callback due 5 working days later, Thursday 12 March
    item = services.ratings.rectify(chief, item.id, 2, "窗口服务用语培训，张敏书面检查")
    assert last_op(services)["payload"] == {"id": item.id, "from_version": 2, "at": "2026-03-05T15:00:00",
                                            "measures": "窗口服务用语培训，张敏书面检查"}
    assert (item.status, item.callback_due, item.due, item.version) == ("callback", dt.date(2026, 3, 12),
                                                                       dt.date(2026, 3, 12), 3)
    item = services.ratings.followup(sup, item.id)
    assert item.can_callback and not item.can_close  # no callback result yet

    clock.at = dt.datetime(2026, 3, 6, 9, 0)
    item = services.ratings.callback(sup, item.id, 3, "unreachable", "电话无人接听")
    assert item.status == "callback" and item.callback_result == "unreachable" and item.can_close
    item = services.ratings.callback(sup, item.id, 4, "satisfied", "办事人表示满意")  # a second call reaches them
    assert last_op(services)["payload"]["result"] == "satisfied"
    item = services.ratings.close(sup, item.id, 5, "整改到位")
    assert last_op(services)["payload"] == {"id": item.id, "from_version": 5, "at": "2026-03-06T09:00:00",
                                            "note": "整改到位"}
    assert (item.status, item.status_label, item.due, item.due_state, item.version) == ("closed", "已结案", None, "",
                                                                                         6)
    assert not (item.can_verify or item.can_rectify or item.can_callback or item.can_close)
    assert [(s.label, s.who_name, s.text) for s in item.steps] == [
        ("收到差评", "办事群众", "原因：服务态度；意见：态度冷淡"),
        ("核实", "孙立", "部分属实：已联系办事人并听取张敏说明"),
        ("整改", "李强", "窗口服务用语培训，张敏书面检查"),
        ("回访", "孙立", "满意：办事人表示满意"),
        ("结案", "孙立", "整改到位"),
    ]
    assert [s.at for s in item.steps][-1] == dt.datetime(2026, 3, 6, 9, 0)
    kinds = [k for (k,) in table(services, "SELECT kind FROM outbox_op ORDER BY client_seq")]
    assert kinds[-6:] == ["rating.record", "followup.verify", "followup.rectify", "followup.callback",
                          "followup.callback", "followup.close"]


def test_steps_out_of_order_or_on_a_stale_version_are_refused(services) -> None:
    bad_rating(services)
    sup = who(services, "sunduc")
    item = _only(services, sup)
    sizes = journal_sizes(services)
    with pytest.raises(InvalidInput) as refused:
        services.ratings.rectify(sup, item.id, 1, "培训")
    assert refused.value.field == "status" and "该差评已进入下一环节" in refused.value.message
    with pytest.raises(InvalidInput):
        services.ratings.callback(sup, item.id, 1, "satisfied", "")
    with pytest.raises(InvalidInput):
        services.ratings.close(sup, item.id, 1)
    assert journal_sizes(services) == sizes
    services.ratings.verify(sup, item.id, 1, "substantiated", "")
    with pytest.raises(InvalidInput) as refused:
        services.ratings.verify(sup, item.id, 1, "substantiated", "")
    assert refused.value.field == "status"
    with pytest.raises(InvalidInput) as refused:
        services.ratings.rectify(sup, item.id, 1, "培训")  # the screen showed version 1, it is 2 now
    assert refused.value.field == "version"
    item = services.ratings.rectify(sup, item.id, 2, "培训")
    with pytest.raises(InvalidInput) as refused:
        services.ratings.close(sup, item.id, 3)
    assert "请先完成回访" in refused.value.message


def test_each_field_of_a_step_is_checked(services) -> None:
    bad_rating(services)
    sup = who(services, "sunduc")
    item = _only(services, sup)
    for call, field in ((lambda: services.ratings.verify(sup, item.id, 1, "maybe", ""), "finding"),
                        (lambda: services.ratings.verify(sup, item.id, 1, "partly", "长" * 1001), "note")):
        with pytest.raises(InvalidInput) as refused:
            call()
        assert refused.value.field == field
    services.ratings.verify(sup, item.id, 1, "unfounded", "经核实不属实")
    with pytest.raises(InvalidInput) as refused:
        services.ratings.rectify(sup, item.id, 2, "  ")
    assert refused.value.field == "measures"
    services.ratings.rectify(sup, item.id, 2, "无需整改，已向办事人解释")
    with pytest.raises(InvalidInput) as refused:
        services.ratings.callback(sup, item.id, 3, "happy", "")
    assert refused.value.field == "result"
    with pytest.raises(NotFound):
        services.ratings.verify(sup, "no-such", 1, "partly", "")


def test_only_whom_the_table_allows_takes_a_step(services) -> None:
    bad_rating(services)  # window 01, 市场监管
    sup, chief, other_chief, clerk = (who(services, login) for login in ("sunduc", "liqiang", "chenjing", "zhangmin"))
    item = _only(services, sup)
    sizes = journal_sizes(services)
    for actor in (clerk, chief, who(services, "chenzr"), who(services, "liuyang")):
        with pytest.raises(NotPermitted) as refused:
            services.ratings.verify(actor, item.id, 1, "partly", "")
        assert "督查/投诉监督" in refused.value.message
    assert journal_sizes(services) == sizes
    services.ratings.verify(sup, item.id, 1, "partly", "")
    for actor in (clerk, other_chief):  # a chief of another department may not rectify window 01's
        with pytest.raises(NotPermitted):
            services.ratings.rectify(actor, item.id, 2, "培训")
    assert services.ratings.rectify(chief, item.id, 2, "培训").status == "callback"
    with pytest.raises(NotPermitted):
        services.ratings.callback(chief, item.id, 3, "satisfied", "")
    chief_view = services.ratings.followup(chief, item.id)
    assert not (chief_view.can_callback or chief_view.can_close or chief_view.can_verify)


def test_who_sees_the_list_and_the_phone(services) -> None:
    bad_rating(services, "13812345678")
    sup, chief, other_chief = who(services, "sunduc"), who(services, "liqiang"), who(services, "chenjing")
    mine = _only(services, sup)
    assert mine.phone == "13812345678" and mine.rating.phone == "13812345678"
    seen = _only(services, chief)
    assert seen.phone == "138****5678" and seen.rating.phone == "138****5678"
    assert seen.can_rectify is False  # 待核实: not theirs yet
    assert _only(services, who(services, "chenzr")).phone == "138****5678"
    assert services.ratings.followups(other_chief) == []
    with pytest.raises(NotPermitted):
        services.ratings.followup(other_chief, mine.id)
    with pytest.raises(NotPermitted) as refused:
        services.ratings.followups(who(services, "zhangmin"))
    assert "首席代表" in refused.value.message


def test_a_rating_without_a_phone_may_be_closed_as_unreachable(services) -> None:
    bad_rating(services, phone="")
    sup = who(services, "sunduc")
    item = _only(services, sup)
    assert item.phone == ""
    services.ratings.verify(sup, item.id, 1, "substantiated", "")
    services.ratings.rectify(sup, item.id, 2, "批评教育")
    item = services.ratings.callback(sup, item.id, 3, "unreachable", "")
    assert item.steps[-1].text == "无法联系：未留电话" and last_op(services)["payload"]["note"] == "未留电话"
    assert services.ratings.close(sup, item.id, 4).status == "closed"


def _state_on(services, day: dt.date) -> tuple[str, dt.date | None]:
    services.ctx.clock.at = dt.datetime.combine(day, dt.time(9, 0))
    item = _only(services, who(services, "sunduc"))
    return item.due_state, item.due


def test_the_due_step_turns_yellow_then_red_on_the_working_calendar(services) -> None:
    """Due Monday 23 March (15 working days from 2 March); yellow with one working day left (the hall's
    yellow_days_before), so from Friday 20 March over the weekend; red from Tuesday 24 March."""
    bad_rating(services)
    assert _state_on(services, dt.date(2026, 3, 19)) == ("ok", dt.date(2026, 3, 23))
    assert _state_on(services, dt.date(2026, 3, 20))[0] == "yellow"
    assert _state_on(services, dt.date(2026, 3, 22))[0] == "yellow"
    assert _state_on(services, dt.date(2026, 3, 23))[0] == "yellow"
    assert _state_on(services, dt.date(2026, 3, 24))[0] == "red"
    # rectified late: the callback limit is counted from the day of the rectification and is what is due
    sup = who(services, "sunduc")
    item = _only(services, sup)
    services.ratings.verify(sup, item.id, 1, "substantiated", "")
    services.ratings.rectify(sup, item.id, 2, "培训")
    assert _state_on(services, dt.date(2026, 3, 24)) == ("ok", dt.date(2026, 3, 31))
    assert _state_on(services, dt.date(2026, 4, 1))[0] == "red"


def test_open_followups_first_the_most_urgent_first(services) -> None:
    sup = who(services, "sunduc")
    first = bad_rating(services)
    later(services, days=3)
    second = bad_rating(services, login="wangfang", window="03")
    later(services, days=1)
    with sqlite3.connect(services.ctx.db.path) as con:  # a shorter limit: the newest is the most urgent
        con.execute("INSERT OR REPLACE INTO parameter (key, value) VALUES ('rating.rectify_days', '3')")
    third = bad_rating(services)
    order = [f.rating.id for f in services.ratings.followups(sup)]
    assert order == [third.rating_id, first.rating_id, second.rating_id]
    item = next(f for f in services.ratings.followups(sup) if f.rating.id == first.rating_id)
    services.ratings.verify(sup, item.id, 1, "unfounded", "")
    services.ratings.rectify(sup, item.id, 2, "无需整改")
    item = services.ratings.callback(sup, item.id, 3, "satisfied", "")
    services.ratings.close(sup, item.id, 4)
    order = [f.rating.id for f in services.ratings.followups(sup)]
    assert order == [third.rating_id, second.rating_id, first.rating_id]
    assert [f.rating.id for f in services.ratings.followups(sup, "closed")] == [first.rating_id]
    assert len(services.ratings.followups(sup, "verify")) == 2
    with pytest.raises(InvalidInput):
        services.ratings.followups(sup, "lost")
