"""A 差评 travels as it does in a hall, against the real server process: given on the rating screen
(评价器) of the clerk's PC after 办结, it reaches the supervisor's PC as a follow-up to be verified,
the department's chief records the rectification at their own PC, the supervisor calls back and
closes it, and the clerk's PC sees it closed. A step left past its working-day limit turns red, and
the supervisor's phone view is the only one that shows the callback number."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from app.clock import FixedClock
from app.context import Actor
from app.dto import Applicant, IntakeRequest
from app.ratings.booth import RatingBooth
from app.services import Services
from tests.app.kit import VALID_ID, IntakeKit
from tests.server.test_live_server import running_server
from tests.sync.kit import login
from tests.sync.test_end_to_end import _from_server


def _who(services: Services, name: str) -> Actor:
    staff = login(services, name)
    return Actor(staff.id, staff.name)


def _completed_case(pc: Services, clerk: Actor) -> str:
    kit = IntakeKit(pc)
    matter = kit.matter(case_type="promised")
    request = IntakeRequest(matter_id=matter.id, applicant=Applicant("person", "李明", VALID_ID, "13800138000"),
                            materials=tuple(kit.materials(matter.id)), remark="",
                            decision=kit.request(matter.id).decision)
    view = pc.intake.open_case(clerk, request, window_id=login(pc, "zhangmin").window_id)
    view = pc.lifecycle.complete(clerk, view.id, view.version, approved=True, result="准予变更登记")
    return view.id


def _one(pc: Services, who: Actor):
    [item] = pc.ratings.followups(who)
    return item


@pytest.mark.slow
def test_a_bad_rating_goes_through_verify_rectify_callback_and_close_across_three_pcs(
        server_url: str, tmp_path: Path) -> None:
    with running_server("--db", server_url) as (base, _):
        clerk_pc = _from_server(tmp_path, "a", base, "01")
        chief_pc = _from_server(tmp_path, "b", base, "02")
        office_pc = _from_server(tmp_path, "c", base, "03")  # the supervisor signs in at a PC of the hall
        try:
            clerk = _who(clerk_pc, "zhangmin")
            chief, supervisor = _who(chief_pc, "liqiang"), _who(office_pc, "sunduc")
            case_id = _completed_case(clerk_pc, clerk)
            booth = RatingBooth(clerk_pc.ctx)  # what the rating screen does when the applicant chooses
            prompt = booth.prompt(case_id, "complete", clerk.id)
            assert prompt is not None and prompt.staff_name == "张敏"
            receipt = booth.record(prompt, 1, ["attitude"], "态度生硬", "13812345678")
            assert receipt.bad
            assert clerk_pc.ratings.case_state(case_id) == "已评价"
            report = clerk_pc.sync.sync_once()
            assert report.rejected == 0 and report.applied >= 3  # the intake, 办结 and the rating

            office_pc.sync.sync_once()
            item = _one(office_pc, supervisor)
            assert (item.status, item.rating.level, item.phone) == ("verify", 1, "13812345678")
            assert item.due_state in ("ok", "yellow") and item.can_verify
            office_pc.ratings.verify(supervisor, item.id, item.version, "substantiated", "已电话联系办事人，情况属实")
            assert office_pc.sync.sync_once().applied == 1

            chief_pc.sync.sync_once()
            item = _one(chief_pc, chief)
            assert item.status == "rectify" and item.can_rectify and not item.can_verify
            assert item.phone != "13812345678" and item.phone.endswith("5678")  # masked for the chief
            chief_pc.ratings.rectify(chief, item.id, item.version, "窗口人员服务规范再培训，当面致歉")
            assert chief_pc.sync.sync_once().applied == 1

            office_pc.sync.sync_once()
            item = _one(office_pc, supervisor)
            assert item.status == "callback" and item.callback_due is not None
            assert isinstance(office_pc.ctx.clock, FixedClock)
            office_pc.ctx.clock.at = dt.datetime.combine(item.callback_due + dt.timedelta(days=1), dt.time(9))
            late = _one(office_pc, supervisor)
            assert late.due_state == "red"  # the call back is overdue on the working-day calendar
            office_pc.ratings.callback(supervisor, late.id, late.version, "satisfied", "办事人对整改表示满意")
            item = _one(office_pc, supervisor)
            office_pc.ratings.close(supervisor, item.id, item.version, "整改到位")
            assert office_pc.sync.sync_once().applied == 2

            clerk_pc.sync.sync_once()
            with clerk_pc.ctx.db.read() as s:
                from db.models import RatingFollowup

                row = s.query(RatingFollowup).one()
                assert (row.status, row.verified_by, row.rectified_by, row.closed_by) == (
                    "closed", supervisor.id, chief.id, supervisor.id)
        finally:
            for pc in (clerk_pc, chief_pc, office_pc):
                pc.close()
