"""The month's appraisal on the counter (no Qt), over a real store of the demo hall: the facts come
from the real records (a late punch, an overdue case, a 差评 and its appeal, a 锦旗, a 查岗 finding, an
approved item, an adjustment), each naming its source; the chief carries half of the department's
deductions; who sees what; who may do what (never one's own score, never approving one's own
proposal); publishing after the month with a correction as a new version; every write one outbox op."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest

from app.appraisal.score import MonthAppraisal, PersonScore
from app.errors import InvalidInput, NotPermitted
from app.services import Services
from app.sync.protocol import APPRAISAL_KINDS
from tests.app.attendance_kit import last_op, who, window_id
from tests.app.rating_kit import bad_rating, completed_case, later


def _person(m: MonthAppraisal, services: Services, login: str) -> PersonScore:
    sid = who(services, login).id
    return next(p for p in m.people if p.person.staff_id == sid)


def _draft(services: Services, login: str = "liuyang") -> MonthAppraisal:
    return services.appraisal.month_view(who(services, login), 2026, 3).draft


@pytest.fixture
def march(services: Services) -> Services:
    """zhangmin punched 10 minutes late on 2 March; it is now 09:30 that day."""
    clock = services.ctx.clock
    clock.at = dt.datetime(2026, 3, 2, 8, 40)  # type: ignore[attr-defined]
    services.attendance.punch(who(services, "zhangmin"))
    clock.at = dt.datetime(2026, 3, 2, 9, 30)  # type: ignore[attr-defined]
    return services


def test_each_fact_comes_from_its_record_and_the_score_adds_them_up(march: Services) -> None:
    services = march
    before = _person(_draft(services), services, "zhangmin")
    assert [f.fact.kind for f in before.facts] == ["late"] and before.score == pytest.approx(99.0)
    assert before.facts[0].fact.source_entity == "attendance_day"
    overdue = completed_case(services)
    with sqlite3.connect(services.ctx.db.path) as con:  # its limit was yesterday: completed a day late
        con.execute("UPDATE cases SET due_date = '2026-03-01' WHERE id = ?", (overdue,))
    receipt = bad_rating(services)
    services.appraisal.record_commendation(who(services, "sunduc"), "banner", staff_id=who(services, "zhangmin").id,
                                           window_id=None, day=dt.date(2026, 3, 2), note="办事群众送锦旗")
    services.attendance.record_inspection(who(services, "sunduc"), window_id(services, "01"), "玩手机",
                                          "工作时间玩手机", staff_id=who(services, "zhangmin").id)
    after = _person(_draft(services), services, "zhangmin")
    by_kind = {f.fact.kind: f for f in after.facts}
    assert set(by_kind) == {"late", "overdue_case", "bad_rating", "banner", "inspection"}
    assert by_kind["overdue_case"].fact.source_id == overdue and by_kind["overdue_case"].points == -5
    assert by_kind["bad_rating"].fact.source_entity == "rating" and by_kind["bad_rating"].points == -2
    assert by_kind["banner"].points == 2 and by_kind["inspection"].points == -1
    assert after.score == pytest.approx(100 - 1 - 5 - 2 + 2 - 1)
    assert after.score == pytest.approx(100 + sum(f.points for f in after.facts))
    # the chief of the department carries half of it, each item leading back to its source
    chief = _person(_draft(services), services, "liqiang")
    carried = {f.fact.source_id: f.points for f in chief.facts if f.via}
    assert carried[overdue] == pytest.approx(-2.5)
    assert all(p <= 0 for p in carried.values())  # deductions only, never the 锦旗
    # an upheld appeal takes the 差评 out of appraisal (it stays on the record)
    later(services, minutes=31)  # the person rated sees it once the applicant has left
    appeal = services.ratings.appeal(who(services, "zhangmin"), receipt.rating_id, "malicious", "办事人情绪激动")
    services.ratings.decide_appeal(who(services, "chenzr"), appeal.id, appeal.version, True, "经复核属恶意评价")
    final = _person(_draft(services), services, "zhangmin")
    assert "bad_rating" not in {f.fact.kind for f in final.facts}
    assert final.score == pytest.approx(after.score + 2)


def test_each_viewer_sees_only_what_they_may(march: Services) -> None:
    services = march
    clerk = services.appraisal.month_view(who(services, "zhangmin"), 2026, 3)
    assert clerk.own_only and [p.person.name for p in clerk.draft.people] == [who(services, "zhangmin").name]
    assert clerk.draft.windows == ()
    chief = services.appraisal.month_view(who(services, "liqiang"), 2026, 3)
    depts = {p.person.department_id for p in chief.draft.people}
    assert len(depts) == 1 and len(chief.draft.people) >= 2 and not chief.own_only
    hall = services.appraisal.month_view(who(services, "liuyang"), 2026, 3)
    assert len(hall.draft.people) > len(chief.draft.people) and hall.scope_label == "全大厅"
    assert hall.may["appraisal.publish"] is None and clerk.may["appraisal.publish"] is not None


def test_adjustments_and_items_follow_the_permission_table(march: Services) -> None:
    services, ap = march, march.appraisal
    me, business, supervisor = who(services, "zhangmin"), who(services, "liuyang"), who(services, "sunduc")
    ap.adjust(business, 2026, 3, staff_id=me.id, window_id=None, points=2.0, reason="协助窗口办理大量业务")
    assert last_op(services)["kind"] == "appraisal.adjust"
    assert _person(_draft(services), services, "zhangmin").score == pytest.approx(101.0)
    with pytest.raises(NotPermitted):
        ap.adjust(me, 2026, 3, staff_id=me.id, window_id=None, points=5.0, reason="给自己加分")
    with pytest.raises(NotPermitted):  # the business section never adjusts its own score
        ap.adjust(business, 2026, 3, staff_id=business.id, window_id=None, points=1.0, reason="自己")
    with pytest.raises(InvalidInput) as bad:
        ap.adjust(business, 2026, 3, staff_id=me.id, window_id=None, points=50.0, reason="太多")
    assert bad.value.field == "points"
    with pytest.raises(InvalidInput):
        ap.adjust(business, 2026, 3, staff_id=me.id, window_id=None, points=1.0, reason=" ")
    item = ap.propose_item(supervisor, 2026, 3, "unauthorised_fee", staff_id=me.id, window_id=None,
                           reason="超标准收取工本费")
    assert "unauthorised_fee" not in {f.fact.kind for f in _person(_draft(services), services, "zhangmin").facts}
    with pytest.raises(NotPermitted):
        ap.decide_item(supervisor, item, True)
    with pytest.raises(InvalidInput):
        ap.decide_item(business, item, False)  # a refusal needs its reason
    ap.decide_item(business, item, True, "属实")
    score = _person(_draft(services), services, "zhangmin")
    assert score.score == pytest.approx(96.0) and "unauthorised_fee" in {f.fact.kind for f in score.facts}
    with pytest.raises(InvalidInput):
        ap.decide_item(business, item, True)  # decided already
    own = ap.propose_item(business, 2026, 3, "manual", staff_id=me.id, window_id=None, reason="加班", points=1.0)
    with pytest.raises(NotPermitted):
        ap.decide_item(business, own, True)  # never one's own proposal
    with pytest.raises(NotPermitted):
        ap.comment(me, 2026, 3, "我有意见")
    ap.comment(who(services, "liqiang"), 2026, 3, "本月窗口办件量大", staff_id=me.id)
    view = ap.month_view(who(services, "liuyang"), 2026, 3)
    assert [c.text for c in view.comments] == ["本月窗口办件量大"]
    assert {i.status for i in view.items} == {"approved", "proposed"}


def test_publishing_after_the_month_a_correction_is_a_new_version(march: Services) -> None:
    services, ap = march, march.appraisal
    business = who(services, "liuyang")
    with pytest.raises(InvalidInput):
        ap.publish(business, 2026, 3)
    with pytest.raises(NotPermitted):
        ap.publish(who(services, "zhangmin"), 2026, 2)
    with pytest.raises(NotPermitted):
        ap.raise_quota(business, 2026, 2, "提高")
    ap.raise_quota(who(services, "chenzr"), 2026, 2, "二月工作突出")
    assert ap.publish(business, 2026, 2) == 1
    with pytest.raises(InvalidInput) as no_reason:
        ap.publish(business, 2026, 2)
    assert no_reason.value.field == "reason"
    assert ap.publish(business, 2026, 2, "更正二月加减分") == 2
    view = ap.month_view(business, 2026, 2)
    assert [v.version for v in view.versions] == [2, 1] and view.quota_raised
    assert view.versions[0].result is not None and view.versions[0].result.quota_raised
    assert "更正" in view.versions[0].label


def test_every_write_is_one_outbox_op_of_a_known_kind(march: Services) -> None:
    services, ap = march, march.appraisal
    me, business = who(services, "zhangmin"), who(services, "liuyang")
    rules, version = ap.rules()
    assert version == 0 and rules["base"] == 100
    assert ap.set_rules(business, {**rules, "cap": 108}, "封顶改为108分") == 1
    with pytest.raises(InvalidInput):
        ap.set_rules(business, {**rules, "cap": 90}, "")
    with pytest.raises(NotPermitted):
        ap.set_rules(me, rules, "")
    assert ap.rules()[1] == 1
    ap.adjust(business, 2026, 3, staff_id=me.id, window_id=None, points=20.0, reason="表现突出")
    assert _person(_draft(services), services, "zhangmin").score == pytest.approx(108.0)  # the new cap
    with sqlite3.connect(services.ctx.db.path) as con:
        kinds = [k for (k,) in con.execute("SELECT kind FROM outbox_op WHERE kind LIKE 'appraisal.%'")]
    assert kinds == ["appraisal.rules_set", "appraisal.adjust"] and set(kinds) <= APPRAISAL_KINDS


def test_the_reports_carry_the_last_published_month_or_say_it_is_a_draft(march: Services) -> None:
    services, business = march, who(march, "liuyang")
    reports = services.reports
    feb = reports.period("month", dt.date(2026, 2, 1))
    draft = reports.dashboard(business, feb).appraisal
    assert draft is not None and "草稿" in draft.title and sum(n for _, n in draft.grades) == len(draft.ranking) > 0
    services.appraisal.publish(business, 2026, 2)
    part = reports.dashboard(business, reports.period("year", dt.date(2026, 1, 1))).appraisal
    assert part is not None and part.title == "2026年2月考核结果（第1版）"
    published = services.appraisal.month_view(business, 2026, 2).versions[0].result
    assert published is not None
    assert [(r.rank, r.score) for r in part.ranking] == [(p.rank, p.score) for p in published.people]
    assert reports.dashboard(business, reports.period("month", dt.date(2026, 3, 1))).appraisal is None  # not over
    chief = reports.dashboard(who(services, "liqiang"), feb).appraisal
    assert chief is not None and len({r.department for r in chief.ranking}) == 1


def test_a_chief_may_comment_and_propose_on_their_department(march: Services) -> None:
    view = march.appraisal.month_view(who(march, "liqiang"), 2026, 3)
    assert view.may["appraisal.comment"] is None and view.may["appraisal.item_propose"] is None
    assert view.may["appraisal.adjust"] is not None and view.may["appraisal.publish"] is not None
    clerk = march.appraisal.month_view(who(march, "zhangmin"), 2026, 3)
    assert clerk.may["appraisal.comment"] is not None and clerk.may["appraisal.item_propose"] is not None


def test_days_before_the_halls_first_punch_are_not_judged(services: Services) -> None:
    """A hall that starts keeping attendance here mid-month is not marked 旷工 for the days before."""
    business = who(services, "liuyang")
    before = services.appraisal.month_view(business, 2026, 2).draft
    assert not any(f.fact.kind in ("absent_half", "missing") for p in before.people for f in p.facts)
    clock = services.ctx.clock
    clock.at = dt.datetime(2026, 2, 24, 8, 29)  # type: ignore[attr-defined]
    services.attendance.punch(who(services, "zhangmin"))
    clock.at = dt.datetime(2026, 3, 2, 9, 30)  # type: ignore[attr-defined]
    after = services.appraisal.month_view(business, 2026, 2).draft
    days = {f.fact.day for p in after.people for f in p.facts if f.fact.kind == "absent_half"}
    assert days and min(days) == dt.date(2026, 2, 24)  # from that day on, everyone's days are judged


def test_the_quarters_red_flag_windows_come_from_its_cases_ratings_and_attendance(march: Services) -> None:
    services = march
    overdue = completed_case(services)  # window 01: one completion, a day late
    with sqlite3.connect(services.ctx.db.path) as con:
        con.execute("UPDATE cases SET due_date = '2026-03-01' WHERE id = ?", (overdue,))
    on_time = completed_case(services, "wangfang", "03")  # window 03: one completion, in time
    from tests.app.rating_kit import rate

    rate(services, on_time, 5)
    bad_rating(services)  # window 01: a 差评 (its case completed in time)
    result = services.appraisal.quarter(who(services, "liuyang"), 2026, 1)
    by_window = {w.window.label[:2]: w for w in result.windows}
    first, third = by_window["01"], by_window["03"]
    assert first.indicators["cases"] == pytest.approx(50.0) and third.indicators["cases"] == pytest.approx(100.0)
    assert first.indicators["complaints"] == pytest.approx(90.0) and third.indicators["service"] == 100.0
    assert first.indicators["discipline"] < 100.0  # zhangmin's late punch
    assert [w.rank for w in result.windows] == list(range(1, len(result.windows) + 1))
    assert sum(w.red_flag for w in result.windows) == 1 and not first.red_flag
    with pytest.raises(NotPermitted):
        services.appraisal.quarter(who(services, "zhangmin"), 2026, 1)
    with pytest.raises(InvalidInput):
        services.appraisal.quarter(who(services, "liuyang"), 2026, 5)


def test_the_years_awards_come_from_the_published_months(march: Services) -> None:
    services, business = march, who(march, "liuyang")
    empty, missing = services.appraisal.year(business, 2026)
    assert empty.people == () and missing == tuple(range(1, 13))
    services.appraisal.publish(business, 2026, 2)
    result, missing = services.appraisal.year(business, 2026)
    assert 2 not in missing and len(missing) == 11
    assert {p.months for p in result.people} == {1} and not any(p.advanced for p in result.people)  # < 6 months
