"""The rated person's own ratings (only once the applicant has left) and 申诉复核: own ratings only, once,
decided by leadership but never on their own appeal; an upheld rating stays on record, out of the count."""

from __future__ import annotations

import pytest

from app.errors import InvalidInput, NotFound, NotPermitted
from app.ratings import policy
from app.ratings.booth import RatingBooth
from tests.app.attendance_kit import journal_sizes, last_op, who
from tests.app.rating_kit import completed_case, later, rate


def test_my_ratings_show_only_once_half_an_hour_old(services) -> None:
    clerk = who(services, "zhangmin")
    receipt = rate(services, completed_case(services), 2, ["efficiency"], "排队太久", "13812345678")
    assert services.ratings.my_ratings(clerk) == []
    later(services, minutes=29, seconds=59)
    assert services.ratings.my_ratings(clerk) == []
    later(services, seconds=1)
    [mine] = services.ratings.my_ratings(clerk)
    assert (mine.id, mine.level, mine.level_label, mine.reasons, mine.comment) == (
        receipt.rating_id, 2, "不满意", ["办事效率"], "排队太久")
    assert (mine.phone, mine.channel_label, mine.can_appeal, mine.counts, mine.appeal_status) == (
        "138****5678", "评价器", True, True, "")
    assert mine.case_number.startswith("DEMO-") and mine.window_label == "01 市场监管综合窗口"
    assert services.ratings.my_ratings(who(services, "wangfang")) == []
    later(services, days=91)
    assert services.ratings.my_ratings(clerk) == []
    assert len(services.ratings.my_ratings(clerk, days=120)) == 1


def test_an_appeal_is_the_rated_persons_once_per_rating(services) -> None:
    clerk = who(services, "zhangmin")
    receipt = rate(services, completed_case(services), 1, ["attitude"])
    with pytest.raises(NotFound):  # not visible to them yet: as if it were not there
        services.ratings.appeal(clerk, receipt.rating_id, "malicious", "办事人因材料不全迁怒窗口")
    later(services, minutes=31)
    sizes = journal_sizes(services)
    for actor, ground, reason, error in ((who(services, "wangfang"), "malicious", "理由", NotPermitted),
                                         (who(services, "liqiang"), "malicious", "理由", NotPermitted),
                                         (clerk, "angry", "理由", InvalidInput),
                                         (clerk, "mistaken", " ", InvalidInput)):
        with pytest.raises(error):
            services.ratings.appeal(actor, receipt.rating_id, ground, reason)
    assert journal_sizes(services) == sizes
    item = services.ratings.appeal(clerk, receipt.rating_id, "malicious", "办事人因材料不全迁怒窗口")
    assert (item.status, item.status_label, item.ground_label, item.staff_name, item.version) == (
        "pending", "待复核", "恶意评价", "张敏", 1)
    assert item.rating.appeal_status == "pending" and not item.rating.can_appeal and not item.can_decide
    op = last_op(services)
    assert (op["kind"], op["entity"], op["entity_id"], op["actor_id"]) == ("rating.appeal", "rating_appeal", item.id,
                                                                           clerk.id)
    assert op["payload"]["rating_id"] == receipt.rating_id and op["payload"]["status"] == "pending"
    assert not [w for w in policy.LEVELS.values() if w in op["summary"]]
    with pytest.raises(InvalidInput) as refused:
        services.ratings.appeal(clerk, receipt.rating_id, "mistaken", "再申诉")
    assert "只能申诉一次" in refused.value.message
    with pytest.raises(NotFound):
        services.ratings.appeal(clerk, "no-such-rating", "mistaken", "理由")


def test_an_unrated_row_is_not_appealed(services) -> None:
    case_id = completed_case(services)
    booth = RatingBooth(services.ctx)
    prompt = booth.prompt(case_id, "complete")
    assert prompt is not None
    booth.record_unrated(prompt)
    later(services, hours=1)
    [mine] = services.ratings.my_ratings(who(services, "zhangmin"))
    assert mine.level is None and mine.level_label == "未评价" and not mine.can_appeal
    with pytest.raises(InvalidInput):
        services.ratings.appeal(who(services, "zhangmin"), mine.id, "mistaken", "理由")


def _appealed(services, login: str = "zhangmin"):
    receipt = rate(services, completed_case(services), 1, ["attitude"])
    later(services, hours=1)
    return services.ratings.appeal(who(services, login), receipt.rating_id, "mistaken", "办事人误点")


def test_leadership_sees_every_appeal_others_their_own(services) -> None:
    mine = _appealed(services)
    leader = who(services, "chenzr")
    assert [a.id for a in services.ratings.appeals(who(services, "zhangmin"))] == [mine.id]
    assert services.ratings.appeals(who(services, "wangfang")) == []
    [seen] = services.ratings.appeals(leader)
    assert seen.can_decide and seen.rating.level_label == "非常不满意"
    assert services.ratings.appeals(leader, "upheld") == []
    assert len(services.ratings.appeals(leader, None)) == 1


def test_an_upheld_appeal_keeps_the_rating_out_of_the_count(services) -> None:
    mine = _appealed(services)
    leader, clerk = who(services, "chenzr"), who(services, "zhangmin")
    sizes = journal_sizes(services)
    for actor in (clerk, who(services, "liuyang"), who(services, "sunduc")):
        with pytest.raises(NotPermitted) as refused:
            services.ratings.decide_appeal(actor, mine.id, 1, True, "核实为误评")
        assert "中心领导" in refused.value.message
    with pytest.raises(InvalidInput):
        services.ratings.decide_appeal(leader, mine.id, 1, True, "")
    assert journal_sizes(services) == sizes
    decided = services.ratings.decide_appeal(leader, mine.id, 1, True, "经调取录像核实为误评")
    assert (decided.status, decided.status_label, decided.decided_by_name, decided.version) == (
        "upheld", "申诉成立", "陈卫东", 2)
    assert decided.rating.counts is False and decided.rating.appeal_status_label == "申诉成立"
    op = last_op(services)
    assert (op["kind"], op["entity_id"]) == ("rating.appeal_decide", mine.id)
    assert op["payload"] == {"id": mine.id, "from_version": 1, "upheld": True, "note": "经调取录像核实为误评",
                             "at": services.ctx.clock.now().isoformat()}
    [rating] = services.ratings.my_ratings(clerk)
    assert rating.level == 1 and rating.counts is False  # still on record
    with pytest.raises(InvalidInput) as refused:
        services.ratings.decide_appeal(leader, mine.id, 2, False, "改判")
    assert refused.value.field == "status"
    assert services.ratings.appeals(clerk, None)[0].decision_note == "经调取录像核实为误评"


def test_a_dismissed_appeal_counts_and_a_stale_version_is_refused(services) -> None:
    mine = _appealed(services)
    leader = who(services, "chenzr")
    with pytest.raises(InvalidInput) as refused:
        services.ratings.decide_appeal(leader, mine.id, 7, False, "理由不成立")
    assert refused.value.field == "version"
    decided = services.ratings.decide_appeal(leader, mine.id, 1, False, "理由不成立")
    assert decided.status == "dismissed" and decided.rating.counts is True
    with pytest.raises(NotFound):
        services.ratings.decide_appeal(leader, "no-such", 1, False, "理由")


def test_a_leader_may_not_decide_their_own_appeal(services) -> None:
    leader = who(services, "chenzr")
    case_id = completed_case(services)
    booth = RatingBooth(services.ctx)
    prompt = booth.prompt(case_id, "complete", leader.id)  # the leader handed the licence over in person
    assert prompt is not None
    receipt = booth.record(prompt, 2, ["norms"])
    later(services, hours=1)
    item = services.ratings.appeal(leader, receipt.rating_id, "malicious", "理由")
    assert not item.can_decide
    with pytest.raises(NotPermitted) as refused:
        services.ratings.decide_appeal(leader, item.id, 1, True, "本人裁定")
    assert "不能由本人审批" in refused.value.message
