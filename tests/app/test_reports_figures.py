"""The reports' figures against the records they summarise: every 办件 total recounted from the ledger's
rows here (plain Python over the rows), the 评价 rows equal to app.ratings.figures' row by row, the 考勤
totals equal to the attendance month sheet's; the period boundaries, the previous period, the scope."""

from __future__ import annotations

import datetime as dt
import sqlite3
from contextlib import closing

import pytest

from app.errors import InvalidInput, NotPermitted
from app.reports.periods import custom, period_of, previous
from tests.app.attendance_kit import who, window_id
from tests.app.test_reports_data import MARCH, month, month_store  # noqa: F401 - the fixtures

D = dt.date


def _rows(services, sql: str, *args: object) -> list[tuple]:
    with closing(sqlite3.connect(services.ctx.db.path)) as con:
        return list(con.execute(sql, args).fetchall())


def _ledger(services, start: dt.date, end: dt.date, as_of: dt.date) -> dict[str, float]:
    """The 办件 figures of the days start..end recounted from the rows, the way docs/reports.md defines them."""
    calendar = services.ctx.calendar()
    cases = _rows(services, "SELECT status, case_type, received_on, accepted_on, deemed_accepted, deferred_due, "
                            "decided_at, completed_at, due_date, suspended_days FROM cases WHERE status != 'voided'")
    within = lambda day: day is not None and start.isoformat() <= day[:10] <= end.isoformat()  # noqa: E731
    out: dict[str, float] = dict.fromkeys(("received", "accepted", "deferred", "deemed", "rejected", "completed",
                                           "on_time", "late", "open_late", "immediate", "on_the_spot", "days"), 0)
    for status, kind, received, accepted, deemed, deferred, decided, completed, due, suspended in cases:
        out["received"] += within(received)
        if within(accepted):
            out["accepted"] += 1
            out["deferred"] += deferred is not None
            out["deemed"] += bool(deemed)
        out["rejected"] += status == "rejected" and within(decided)
        if within(completed):
            out["completed"] += 1
            out["on_time"] += completed[:10] <= due
            out["late"] += completed[:10] > due
            out["days"] += calendar.working_days_between(D.fromisoformat(accepted), D.fromisoformat(completed[:10])) \
                - suspended
        open_then = completed is None or completed[:10] > as_of.isoformat()
        out["open_late"] += bool(accepted and accepted <= as_of.isoformat() and due < as_of.isoformat() and open_then
                                 and status != "rejected")
        if kind == "immediate" and within(received) and accepted:
            out["immediate"] += 1
            out["on_the_spot"] += completed is not None and completed[:10] == received
    out["corrections"] = sum(1 for (issued,) in _rows(services, "SELECT n.issued_at FROM notice n JOIN cases c ON "
                                                                 "c.id = n.case_id WHERE n.kind = 'correction' AND "
                                                                 "n.void = 0 AND c.status != 'voided'")
                             if within(issued))
    return out


def _business(services):
    return who(services, "liuyang")


def test_every_case_figure_of_the_month_equals_the_ledger(month) -> None:  # noqa: F811
    services, _built = month
    report = services.reports.dashboard(_business(services), period_of("month", MARCH[0]))
    t = report.current.case_total
    expected = _ledger(services, *MARCH, MARCH[1])
    assert (t.received, t.accepted, t.deferred, t.deemed, t.rejected, t.corrections) == (
        expected["received"], expected["accepted"], expected["deferred"], expected["deemed"], expected["rejected"],
        expected["corrections"])
    assert (t.completed, t.on_time, t.overdue_completed, t.overdue_open) == (
        expected["completed"], expected["on_time"], expected["late"], expected["open_late"])
    assert (t.immediate, t.on_the_spot, t.handling_days) == (expected["immediate"], expected["on_the_spot"],
                                                            expected["days"])
    # and what the month was made of (tests/app/test_reports_data.py), so both counts cannot be wrong alike
    assert (t.received, t.accepted, t.deferred, t.deemed, t.rejected, t.corrections) == (13, 12, 1, 1, 1, 1)
    assert (t.completed, t.completed_with_due, t.on_time, t.overdue_completed, t.overdue_open) == (9, 9, 6, 3, 2)
    assert t.on_time_rate == pytest.approx(6 / 9) and t.overdue == 5
    assert (t.immediate, t.on_the_spot) == (3, 2) and t.on_the_spot_rate == pytest.approx(2 / 3)
    assert (t.handling_days, t.handling_cases) == (19, 9) and t.handling_days_average == pytest.approx(19 / 9)


def test_the_groups_add_up_to_the_total_whatever_the_grouping(month) -> None:  # noqa: F811
    services, _built = month
    totals = set()
    for by in ("window", "department", "matter"):
        report = services.reports.dashboard(_business(services), period_of("month", MARCH[0]), by=by)
        *groups, total = report.current.cases
        assert total.label == "合计" and total.key == ""
        for name in ("received", "accepted", "completed", "on_time", "overdue_open", "handling_days", "corrections"):
            assert sum(getattr(g, name) for g in groups) == getattr(total, name), (by, name)
        totals.add((total.received, total.completed, total.overdue))
    assert totals == {(13, 9, 5)}
    by_window = services.reports.dashboard(_business(services), period_of("month", MARCH[0]))
    rows = {r.label: r for r in by_window.current.cases}
    received = [rows[label].received for label in ("01 市场监管综合窗口", "02 食品药品许可窗口", "03 人力社保窗口",
                                                   "06 不动产登记窗口")]
    assert received == [7, 1, 3, 2]
    assert rows["06 不动产登记窗口"].overdue_open == 1 and rows["03 人力社保窗口"].rejected == 1


@pytest.mark.parametrize("by", ["window", "department", "matter"])
def test_the_rating_rows_are_app_ratings_figures(month, by) -> None:  # noqa: F811
    services, _built = month
    boss = _business(services)
    for start, end in (MARCH, (D(2026, 3, 2), D(2026, 3, 8)), (D(2026, 2, 1), D(2026, 4, 30))):
        report = services.reports.dashboard(boss, custom(start, end), by=by)
        assert list(report.current.ratings) == services.ratings.figures(boss, start, end, by)


def test_the_month_s_ratings_by_level_and_their_follow_ups(month) -> None:  # noqa: F811
    services, _built = month
    report = services.reports.dashboard(_business(services), period_of("month", MARCH[0]))
    r = report.current.rating_total
    assert (r.rated, r.good, r.medium, r.bad, r.upheld_appeals, r.good_rate) == (8, 6, 1, 1, 1, 0.75)
    assert (r.followups, r.rectified_on_time, r.rectified_on_time_rate, r.callbacks_due, r.callback_rate) == (
        2, 1, 1.0, 1, 0.0)
    levels = {x.label: x.count for x in report.current.levels}
    assert levels == {"非常满意": 3, "满意": 3, "基本满意": 1, "不满意": 0, "非常不满意": 1, "未评价": 0}
    assert sum(levels.values()) == r.rated + r.unrated


def test_attendance_totals_equal_the_month_sheet(month) -> None:  # noqa: F811
    services, _built = month
    boss = _business(services)
    report = services.reports.dashboard(boss, period_of("month", MARCH[0]), by="department")
    sheet = services.attendance.month_sheet(boss, 2026, 3).sheet
    a = report.current.attendance_total
    assert a is not None and report.current.attendance_source == "2026年3月：实时计算"
    people = sheet.people
    assert a.people == len(people) == 12
    assert a.halves_due == 2 * sum(p.workdays for p in people) == 2 * 12 * 22
    assert (a.late_count, a.late_minutes) == (sum(p.late_count for p in people), sum(p.late_minutes for p in people))
    assert (a.early_count, a.absent_halves, a.missing) == (sum(p.early_count for p in people),
                                                          sum(p.absent_halves for p in people),
                                                          sum(p.missing_count for p in people))
    assert a.leave_days == sum(d for p in people for k, d in p.leave_days.items() if k != "公假")
    # what was punched: 张敏 12 minutes late twice, 王芳 away all of 11 March and on 事假 on the 12th
    assert (a.late_count, a.late_minutes, a.absent_days, a.leave_days, a.early_count) == (2, 24, 1.0, 1.0, 0)
    assert a.attendance_rate == pytest.approx((528 - 2 - 2) / 528)
    empty = _rows(services, "SELECT count(*), sum(minutes) FROM empty_post WHERE started_at >= '2026-03-01' "
                            "AND started_at < '2026-04-01'")[0]
    assert (a.empty_posts, a.empty_post_minutes) == empty == (2, 65)
    rsj = next(x for x in report.current.attendance if x.label == "示范县人力资源和社会保障局")
    assert (rsj.people, rsj.absent_halves, rsj.leave_halves, rsj.empty_posts) == (1, 2, 2, 2)
    for name in ("halves_due", "late_minutes", "absent_halves", "empty_posts"):
        assert sum(getattr(x, name) for x in report.current.attendance[:-1]) == getattr(a, name)


def test_a_month_computed_now_is_computed_again_when_its_data_changes(month) -> None:  # noqa: F811
    services, _built = month
    boss, zhangmin = _business(services), who(services, "zhangmin")
    before = services.reports.dashboard(boss, period_of("month", MARCH[0])).current.attendance_total
    again = services.reports.dashboard(boss, period_of("month", MARCH[0])).current.attendance_total
    assert again == before and (before.late_count, before.leave_halves) == (2, 2)
    hall = _rows(services, "SELECT id FROM hall")[0][0]
    with closing(sqlite3.connect(services.ctx.db.path)) as con, con:  # 张敏's 2 March becomes an approved 事假
        con.execute("INSERT INTO leave_request (id, hall_id, staff_id, kind, starts_at, ends_at, days, reason, "
                    "approval, status, requested_at, version, decision_note) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    ("L-report-test", hall, zhangmin.id, "事假", "2026-03-02 00:00:00.000000",
                     "2026-03-03 00:00:00.000000", 1.0, "", "leave.approve_day", "approved",
                     "2026-03-01 09:00:00.000000", 1, ""))
    after = services.reports.dashboard(boss, period_of("month", MARCH[0])).current.attendance_total
    assert (after.late_count, after.late_minutes, after.leave_halves) == (1, 12, 4)


def test_a_published_month_is_taken_as_published(month) -> None:  # noqa: F811
    services, _built = month
    boss = _business(services)
    live = services.reports.dashboard(boss, period_of("month", MARCH[0])).current.attendance_total
    services.attendance.publish_month(boss, 2026, 3)
    report = services.reports.dashboard(boss, period_of("month", MARCH[0]))
    assert report.current.attendance_source == "2026年3月：已发布第1版"
    assert report.current.attendance_total == live
    week = services.reports.dashboard(boss, period_of("week", D(2026, 3, 9))).current.attendance_total
    assert week is not None and (week.halves_due, week.late_count, week.absent_halves) == (12 * 5 * 2, 1, 2)


def test_the_days_of_the_boundaries(month) -> None:  # noqa: F811
    services, _built = month
    boss = _business(services)

    def received(period) -> tuple[int, int]:
        total = services.reports.dashboard(boss, period).current.case_total
        return total.received, total.completed

    assert received(period_of("day", D(2026, 3, 31))) == (1, 1)  # 23:59 on the last day belongs to March
    assert received(period_of("day", D(2026, 4, 1))) == (1, 1)  # 00:00 on the first belongs to April
    assert received(period_of("day", D(2026, 2, 27))) == (1, 1)
    assert received(period_of("month", D(2026, 2, 1))) == (1, 1)
    assert received(period_of("month", D(2026, 4, 1))) == (1, 1)
    assert received(period_of("quarter", D(2026, 2, 1))) == (14, 10)
    assert received(custom(D(2026, 3, 2), D(2026, 3, 2))) == (4, 1)
    ratings = services.reports.dashboard(boss, period_of("day", D(2026, 3, 31))).current.rating_total
    assert ratings.rated == 1  # rated 23:59:40 on the 31st
    future = services.reports.dashboard(boss, period_of("month", D(2026, 5, 1))).current  # today is 1 April
    assert (future.case_total.received, future.case_total.overdue, future.attendance) == (0, 0, ())


def test_each_figure_beside_the_previous_period(month) -> None:  # noqa: F811
    services, _built = month
    report = services.reports.dashboard(_business(services), period_of("month", MARCH[0]))
    assert report.previous.period == previous(report.period) == period_of("month", D(2026, 2, 1))
    received = report.key("received")
    assert (received.value, received.previous, received.change, received.arrow, received.good) == (13, 1, 12, "▲",
                                                                                                 True)
    overdue = report.key("overdue")
    assert (overdue.value, overdue.previous, overdue.arrow, overdue.good) == (5, 0, "▲", False)  # more is worse
    rate = report.key("on_time_rate")
    assert rate.value == pytest.approx(6 / 9) and rate.previous == 1.0 and rate.arrow == "▼"
    assert report.previous.case_total.received == 1 and report.previous_case_row("").received == 1
    attendance = report.key("attendance_rate")
    assert attendance.previous is not None and attendance.previous == 1.0  # February: all present
    assert report.previous.attendance_source == "2026年2月：实时计算"
    assert [p.label for p in report.trend][-3:] == ["2026年1月", "2026年2月", "2026年3月"]
    assert [(p.received, p.completed) for p in report.trend][-2:] == [(1, 1), (13, 9)]
    assert report.trend[-1].good_rate == 0.75 and report.trend[-1].on_time_rate == pytest.approx(6 / 9)


def test_a_chief_sees_their_department_only_and_a_clerk_nothing(month) -> None:  # noqa: F811
    services, _built = month
    chief, clerk = who(services, "liqiang"), who(services, "zhangmin")
    access = services.reports.access(chief)
    assert access.may_view and access.departments[0][1] == "示范县市场监督管理局"
    report = services.reports.dashboard(chief, period_of("month", MARCH[0]))
    assert report.scope_label == "示范县市场监督管理局" and report.department_id == access.department_id
    assert [r.label for r in report.current.cases] == ["01 市场监管综合窗口", "02 食品药品许可窗口", "合计"]
    assert report.current.case_total.received == 8 and report.current.rating_total.rated == 6
    assert {r.key for r in report.current.ratings[:-1]} <= {window_id(services, "01"), window_id(services, "02")}
    assert [x.label for x in report.current.attendance] == ["01 市场监管综合窗口", "02 食品药品许可窗口", "合计"]
    assert report.current.attendance_total.people == 2
    assert report.trend[-1].received == 8
    other = next(d for d, _ in services.reports.access(_business(services)).departments if d != access.department_id)
    with pytest.raises(NotPermitted, match="本部门"):
        services.reports.dashboard(chief, period_of("month", MARCH[0]), department_id=other)
    refused = services.reports.access(clerk)
    assert not refused.may_view and "查看统计报表需由首席代表（本部门）" in (refused.refusal or "")
    with pytest.raises(NotPermitted, match="窗口人员"):
        services.reports.dashboard(clerk, period_of("month", MARCH[0]))


def test_the_whole_hall_may_be_narrowed_to_a_department(month) -> None:  # noqa: F811
    services, _built = month
    boss = _business(services)
    departments = dict((name, d) for d, name in services.reports.access(boss).departments)
    rsj = services.reports.dashboard(boss, period_of("month", MARCH[0]), department_id=departments[
        "示范县人力资源和社会保障局"])
    assert rsj.scope_label == "示范县人力资源和社会保障局" and rsj.current.case_total.received == 3
    with pytest.raises(Exception, match="找不到该部门"):
        services.reports.dashboard(boss, period_of("month", MARCH[0]), department_id="nope")
    with pytest.raises(InvalidInput, match="分组"):
        services.reports.dashboard(boss, period_of("month", MARCH[0]), by="staff")


def test_a_case_accepted_long_before_the_period_is_timed_in_working_days_all_the_same(month) -> None:  # noqa: F811
    services, _built = month
    from tests.app.kit import IntakeKit

    kit, clerk = IntakeKit(services), who(services, "zhangmin")
    services.ctx.clock.at = dt.datetime(2024, 12, 2, 9, 0)
    m = next(x for x in services.catalogue.matters() if x.code == "SCJ-008")  # promised 10 working days
    view = services.intake.open_case(clerk, kit.request(m.id), window_id=window_id(services, "01"))
    services.ctx.clock.at = dt.datetime(2026, 3, 20, 9, 0)
    services.lifecycle.complete(clerk, view.id, services.lifecycle.get(view.id).version, approved=True, result="准予")
    services.ctx.clock.at = dt.datetime(2026, 4, 1, 10, 0)
    t = services.reports.dashboard(_business(services), period_of("month", MARCH[0])).current.case_total
    days = services.ctx.calendar().working_days_between(D(2024, 12, 2), D(2026, 3, 20))
    assert days > 300 and (t.handling_days, t.handling_cases) == (19 + days, 10)
    assert (t.completed, t.overdue_completed) == (10, 4)
    feb = services.reports.dashboard(_business(services), period_of("month", D(2026, 2, 1))).current.case_total
    assert feb.overdue_open == 1  # open and long past due at the end of February
