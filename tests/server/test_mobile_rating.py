"""扫码评价 (server.mobile_rating) through the real server app on SQLite and PostgreSQL: cases
taken in and completed at a real counter and pushed; the phone verifies with the last four of the
phone or ID number, rates once, and every refusal and limit answers with a polite page."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from reportlab.pdfbase.ttfonts import TTFontFile
from sqlalchemy import func, select

from app.dto import CaseView
from app.ratings import policy
from db.models import Rating, RatingFollowup
from server.mobile_rating import ALREADY, PER_ADDRESS, WRONG_PER_CODE
from server.schema import ChangeLog, HallParameter, MobileRatingAttempt
from tests.app.kit import VALID_ID
from tests.server.kit import ServerKit, actor, install_blocks, intake, login, outbox
from tests.server.rating_kit import RatingHall

PHONE_LAST4 = "8000"  # the intake kit's applicant phone 13800138000
ID_LAST4 = VALID_ID[-4:]  # 002X
WRONG = "验证未通过"


class PhoneHall:
    """A counter of window 01 enrolled with the server; its cases reach the server by push."""

    def __init__(self, server: ServerKit, counters: Any) -> None:
        self.server = server
        self.counter = counters.new("a")
        self.device = server.enrol()
        install_blocks(self.counter, server, self.device)
        self.pushed = 0
        self.ratings = RatingHall(server, self.device)

    def case(self, *, complete: bool = True, deliver: bool = False, by: str = "zhangmin") -> CaseView:
        view = intake(self.counter)
        if complete:
            login(self.counter, by)
            view = self.counter.lifecycle.complete(actor(self.counter, by), view.id, view.version, approved=True,
                                                   result="准予登记")
        if deliver:
            view = self.counter.lifecycle.deliver(actor(self.counter, by), view.id, view.version, recipient="李明",
                                                  recipient_id=VALID_ID)
        self.push()
        return view

    def push(self) -> None:
        ops = outbox(self.counter, after=self.pushed)
        results = self.server.push(self.device, ops)["results"]
        assert {r["status"] for r in results} == {"applied"}, results
        self.pushed = max(o["client_seq"] for o in ops)

    # -- the phone -------------------------------------------------------------------------------
    def verify(self, code: str, digits: str = PHONE_LAST4) -> Any:
        return self.server.client.post(f"/r/{code}", data={"digits": digits})

    def token(self, code: str, digits: str = PHONE_LAST4) -> str:
        r = self.verify(code, digits)
        assert r.status_code == 200, r.text
        match = re.search(r'name="token" value="([^"]+)"', r.text)
        assert match
        return match.group(1)

    def rate(self, code: str, token: str | None = None, level: str = "5", **fields: Any) -> Any:
        data = {"token": self.token(code) if token is None else token, "level": level, **fields}
        return self.server.client.post(f"/r/{code}/rate", data=data, follow_redirects=False)

    def held(self, case_id: str) -> Rating | None:
        with self.server.db.snapshot() as s:
            row = s.get(Rating, policy.rating_id(case_id, True))
            if row is not None:
                s.expunge(row)
            return row


@pytest.fixture
def hall(server: ServerKit, counters: Any) -> PhoneHall:
    return PhoneHall(server, counters)


def _no_personal_data(page: str, view: CaseView) -> None:
    for secret in ("李明", VALID_ID, "13800138000", view.number, view.query_code.lower()):
        assert secret not in page


def test_rate_once_by_phone_and_the_counters_pull_it(hall: PhoneHall) -> None:
    view = hall.case(by="liqiang")  # the chief of window 02 completed it: the person rated
    first = hall.server.client.get(f"/r/{view.query_code}")
    assert first.status_code == 200 and "后四位" in first.text
    assert view.matter_name not in first.text  # nothing of the case before the check
    form = hall.verify(view.query_code)
    assert form.status_code == 200
    assert view.matter_name in form.text and "2026年3月2日" in form.text
    assert all(label in form.text for label in policy.LEVELS.values())
    _no_personal_data(form.text, view)
    token = re.search(r'name="token" value="([^"]+)"', form.text)
    assert token
    done = hall.rate(view.query_code, token.group(1), "4", comment="办理很快")
    assert done.status_code == 303 and done.headers["location"] == f"/r/{view.query_code}/thanks"
    thanks = hall.server.client.get(done.headers["location"])
    assert thanks.status_code == 200 and "感谢您的评价" in thanks.text
    row = hall.held(view.id)
    assert row is not None
    assert (row.level, row.channel, row.device_id, row.trigger, row.comment) == (4, "mobile", "mobile", "complete",
                                                                                  "办理很快")
    assert row.staff_id == hall.ratings.staff["liqiang"] and row.window_id == hall.ratings.windows["01"]
    assert row.rated_at == dt.datetime(2026, 3, 2, 9, 30)  # the hall's time, as counters keep it
    rows, _ = hall.server.pull_all(hall.device, hall.server.scope)
    assert rows[("rating", row.id)]["level"] == 4
    # once only: the same form again, and a new verification, are refused politely
    again = hall.rate(view.query_code, token.group(1), "1", reasons="attitude")
    assert again.status_code == 409 and ALREADY in again.text
    second = hall.verify(view.query_code, ID_LAST4)
    assert second.status_code == 409 and ALREADY in second.text
    assert hall.held(view.id).level == 4  # type: ignore[union-attr]


def test_a_bad_rating_needs_a_reason_and_opens_the_follow_up(hall: PhoneHall) -> None:
    view = hall.case(deliver=True)
    token = hall.token(view.query_code, ID_LAST4)
    refused = hall.rate(view.query_code, token, "1", comment="等了很久")
    assert refused.status_code == 400 and "请至少选择一项不满意的原因" in refused.text
    assert "等了很久" in refused.text  # what was typed is kept
    assert hall.held(view.id) is None
    done = hall.rate(view.query_code, token, "1", reasons=["attitude", "efficiency"], phone="138-1234-5678")
    assert done.status_code == 303
    row = hall.held(view.id)
    assert row is not None and row.reasons == ["attitude", "efficiency"] and row.callback_phone == "13812345678"
    assert row.trigger == "deliver"
    with hall.server.db.snapshot() as s:
        followup = s.get(RatingFollowup, policy.followup_id(row.id))
        assert followup is not None and followup.status == "verify"
        logged = s.scalars(select(ChangeLog.entity).where(ChangeLog.entity_id.in_([row.id, followup.id]))).all()
    assert sorted(logged) == ["rating", "rating_followup"]


@pytest.mark.parametrize(("field", "value", "message"), [
    ("level", "9", "请选择评价等级"), ("level", "", "请选择评价等级"), ("phone", "12ab", "回访电话"),
    ("comment", "长" * 501, "评价意见"), ("reasons", "bribes", "未知的评价原因"),
])
def test_a_wrong_field_brings_the_form_back_with_the_message(hall: PhoneHall, field: str, value: str,
                                                             message: str) -> None:
    view = hall.case()
    r = hall.rate(view.query_code, **{field: value})
    assert r.status_code == 400 and message in r.text and 'name="token"' in r.text
    assert hall.held(view.id) is None


def test_wrong_verification_is_refused_and_says_nothing_of_the_case(hall: PhoneHall) -> None:
    view = hall.case()
    for digits in ("1234", "", "80000", "abcd"):
        r = hall.verify(view.query_code, digits)
        assert r.status_code == 403 and WRONG in r.text and view.matter_name not in r.text
    unknown = hall.verify("ZZZZZZZZZZ")
    assert unknown.status_code == 403 and WRONG in unknown.text  # the same answer: codes cannot be probed
    assert hall.server.client.get("/r/<script>").status_code == 404
    assert hall.server.client.post("/r/a%27b", data={"digits": PHONE_LAST4}).status_code == 404
    assert hall.verify(view.query_code.lower()).status_code == 200  # the code is not case sensitive


def test_the_rate_post_needs_a_fresh_token_of_this_case(hall: PhoneHall) -> None:
    view, other = hall.case(), hall.case()
    for forged in ("", "123.abc", "9999999999." + "0" * 64, "x" * 500):
        r = hall.rate(view.query_code, forged)
        assert r.status_code == 403 and "重新验证" in r.text
    assert hall.rate(view.query_code, hall.token(other.query_code)).status_code == 403  # another case's
    old = hall.token(view.query_code)
    hall.server.clock.advance(minutes=31)
    assert hall.rate(view.query_code, old).status_code == 403
    assert hall.held(view.id) is None
    assert hall.rate(view.query_code).status_code == 303  # verified again: fine


def test_wrong_answers_per_code_are_limited_for_an_hour(hall: PhoneHall) -> None:
    view, other = hall.case(), hall.case()
    for _ in range(WRONG_PER_CODE):
        assert hall.verify(view.query_code, "0000").status_code == 403
    limited = hall.verify(view.query_code)  # even the right answer now
    assert limited.status_code == 429 and "尝试次数过多" in limited.text
    assert hall.verify(other.query_code).status_code == 200  # another code from the same phone is fine
    hall.server.clock.advance(minutes=61)
    assert hall.verify(view.query_code).status_code == 200


def test_answers_per_address_are_limited(hall: PhoneHall) -> None:
    view = hall.case()
    for i in range(PER_ADDRESS):
        assert hall.verify(f"ABCDEFGH{i:02d}").status_code == 403  # a different (unknown) code each time
    assert hall.verify(view.query_code).status_code == 429
    with hall.server.db.snapshot() as s:
        hashes = set(s.scalars(select(MobileRatingAttempt.client_hash)))
        assert s.scalar(select(func.count()).select_from(MobileRatingAttempt)) == PER_ADDRESS
    assert len(hashes) == 1 and "testclient" not in next(iter(hashes))  # only a keyed hash of the address


def test_a_case_rated_at_the_counter_is_refused_by_phone(hall: PhoneHall) -> None:
    view = hall.case()
    token = hall.token(view.query_code)
    answer = hall.ratings.one(hall.ratings.rating(view.id, 5, matter_id=view.matter_id))
    assert answer["status"] == "applied", answer.get("message")
    assert hall.verify(view.query_code).status_code == 409
    r = hall.rate(view.query_code, token)
    assert r.status_code == 409 and ALREADY in r.text
    assert hall.held(view.id).channel == "counter"  # type: ignore[union-attr]


def test_after_an_unrated_screen_the_phone_may_still_rate_the_person_it_named(hall: PhoneHall) -> None:
    view = hall.case()
    answer = hall.ratings.one(hall.ratings.rating(view.id, None, who="wangfang", window="03",
                                                      matter_id=view.matter_id))
    assert answer["status"] == "applied", answer.get("message")
    assert hall.rate(view.query_code, level="3").status_code == 303
    row = hall.held(view.id)
    assert row is not None and row.staff_id == hall.ratings.staff["wangfang"]
    assert row.window_id == hall.ratings.windows["03"]


def test_a_case_not_yet_completed_waits_unless_the_hall_rates_receipts(hall: PhoneHall) -> None:
    view = hall.case(complete=False)
    r = hall.verify(view.query_code)
    assert r.status_code == 409 and "尚未办结" in r.text
    with hall.server.db.write() as s:
        s.merge(HallParameter(hall_id=hall.server.hall_id, key="rating.after_receipt", value="1"))
    assert hall.rate(view.query_code).status_code == 303
    row = hall.held(view.id)
    assert row is not None and row.trigger == "receipt" and row.staff_id == hall.ratings.staff["zhangmin"]


def test_an_oversized_or_odd_body_never_fails_the_server(hall: PhoneHall) -> None:
    view = hall.case()
    client = hall.server.client
    assert client.post(f"/r/{view.query_code}", content=b"digits=" + b"8" * 40000).status_code == 403
    assert client.post(f"/r/{view.query_code}", content=b"\xff\xfe%%%&&==").status_code == 403
    token = hall.token(view.query_code)
    odd = client.post(f"/r/{view.query_code}/rate", content=f"token={token}&level=5&level=1&x=%00".encode(),
                      headers={"Content-Type": "application/x-www-form-urlencoded"}, follow_redirects=False)
    assert odd.status_code == 303 and hall.held(view.id).level == 5  # type: ignore[union-attr]


def test_pages_forbid_scripts_and_caching_and_the_font_serves_the_page_characters(hall: PhoneHall) -> None:
    page = hall.server.client.get("/r/ABCDEFGHJK")
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert page.headers["cache-control"] == "no-store" and "<script" not in page.text
    font_url = re.search(r'url\("([^"]+)"\)', page.text)
    assert font_url
    font = hall.server.client.get(font_url.group(1))
    assert font.status_code == 200 and font.headers["content-type"] == "font/ttf"
    face = TTFontFile(__import__("io").BytesIO(font.content), validate=0)
    assert {ord(c) for c in "扫码评价后四位"} <= set(face.charToGlyph)
    assert all(face.charToGlyph[ord(c)] > 0 for c in "扫码评价后四位")
