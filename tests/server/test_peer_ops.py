"""互评 on the server: the ballot box's key published to the halls, peer.open / turnout / ballot /
close checked field by field, sealed ballots kept without any link to their rater (SQLite and
PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from sqlalchemy import func, select

from app.peer import keys, policy, seal
from app.sync.protocol import PEER_BALLOT, PEER_CLOSE, PEER_OPEN, PEER_TURNOUT, hall_ref_scope
from db.models import PeerResult, PeerRound, PeerTurnout
from server.audit_chain import op_digest
from server.meta import naive_utc
from server.oputil import IncomingOp
from server.peer_ops import ensure_ballot_key
from server.schema import AuditChainEntry, BallotBoxKey, ChangeLog, InboxOp, PeerBallot
from tests.server.attendance_kit import NOW_LOCAL, Hall, new_id, op
from tests.server.kit import ServerKit

PASSWORD = "demo1234"
DIMS = policy.make_dimensions([("服务态度", 1), ("业务能力", 1), ("工作纪律", 1), ("团结协作", 1)])
ZONE_A = ("zhangmin", "liqiang", "wangfang", "zhaoli")


class Box:
    """The demo hall on the server with its ballot box, and crafted peer ops."""

    def __init__(self, server: ServerKit) -> None:
        self.server = server
        self.public = ensure_ballot_key(server.db, naive_utc(server.clock))
        self.hall = Hall(server, server.enrol("01"))
        self.staff = self.hall.staff

    def open(self, scope: str = "zone", by: str = "liuyang", **over: Any) -> dict[str, Any]:
        row = {"id": new_id(), "hall_id": self.server.hall_id, "title": "2026年3月窗口互评", "period": "2026-03",
               "dimensions": DIMS, "scope": scope, "min_ballots": 3, "status": "open",
               "opened_by": self.staff[by], "opened_at": NOW_LOCAL, "closed_by": "", "closed_at": None,
               "version": 1, **over}
        return op(PEER_OPEN, row["id"], self.staff[by], row)

    def turnout(self, round_id: str, who: str, password: str = PASSWORD, group: str = "zone:A区", ratees: int = 3,
                voted_at: str = NOW_LOCAL, **over: Any) -> dict[str, Any]:
        rater = self.staff[who]
        row = {"id": policy.turnout_id(round_id, rater), "hall_id": self.server.hall_id, "round_id": round_id,
               "rater_id": rater, "group_key": group, "ratees": ratees,
               "verifier": keys.verifier(keys.voter_key(password, round_id, rater)), "voted_at": voted_at,
               "version": 1, **over}
        return op(PEER_TURNOUT, row["id"], rater, row)

    def ballot(self, round_id: str, who: str, ratee: str, scores: dict[str, int] | None = None,
               password: str = PASSWORD, actor_id: str | None = None) -> dict[str, Any]:
        key = keys.ballot_key(keys.voter_key(password, round_id, self.staff[who]), round_id, self.staff[ratee])
        plain = policy.ballot_plaintext(self.staff[ratee], key, scores or {"d1": 4, "d2": 5, "d3": 3, "d4": 4})
        return op(PEER_BALLOT, new_id(), actor_id, {"round_id": round_id, "sealed": seal.seal(self.public, plain)})

    def vote(self, round_id: str, who: str, ratees: tuple[str, ...] = ZONE_A, **kw: Any) -> list[dict[str, Any]]:
        others = [r for r in ratees if r != who]
        return self.hall.push(self.turnout(round_id, who, ratees=len(others)),
                              *(self.ballot(round_id, who, r, **kw) for r in others))

    def opened(self, scope: str = "zone", **over: Any) -> str:
        o = self.open(scope, **over)
        assert self.hall.one(o)["status"] == "applied"
        return str(o["entity_id"])

    def ballots(self, round_id: str) -> list[PeerBallot]:
        with self.server.db.snapshot() as s:
            return list(s.scalars(select(PeerBallot).where(PeerBallot.round_id == round_id)))


@pytest.fixture
def box(server: ServerKit) -> Box:
    return Box(server)


def _refused(result: dict[str, Any], status: str, code: str, text: str = "") -> None:
    assert (result["status"], result["code"]) == (status, code), result
    assert text in (result["message"] or "")


def test_the_key_pair_is_made_once_and_its_public_key_published_to_the_hall(box: Box) -> None:
    server = box.server
    again = ensure_ballot_key(server.db, naive_utc(server.clock))
    assert again == box.public
    with server.db.snapshot() as s:
        assert s.scalar(select(func.count()).select_from(BallotBoxKey)) == 1
        changes = s.scalar(select(func.count()).select_from(ChangeLog).where(ChangeLog.entity_id == "peer.ballot_key"))
    assert changes == 1  # the second run added nothing
    rows, _ = server.pull_all(box.hall.device, hall_ref_scope(server.hall_id, "parameters"))
    assert rows[("parameter", "peer.ballot_key")] == {"key": "peer.ballot_key", "value": box.public}


def test_a_round_is_opened_by_the_business_section_with_checked_fields(box: Box) -> None:
    o = box.open()
    first = box.hall.one(o)
    assert first["status"] == "applied" and first["row"]["dimensions"] == DIMS
    again = dict(o, op_id=new_id(), client_seq=o["client_seq"] + 100_000)
    _refused(box.hall.one(again), "duplicate", "same_content")
    for over in ({"min_ballots": 2}, {"period": "2026-13"}, {"scope": "window"}, {"title": " "},
                 {"dimensions": [{"code": "d1", "label": "态度", "weight": 0}]},
                 {"dimensions": [{"code": f"d{i}", "label": f"维度{i}", "weight": 1} for i in range(1, 10)]},
                 {"status": "closed"}, {"version": 2}):
        _refused(box.hall.one(box.open(**over)), "rejected", "invalid_payload")
    _refused(box.hall.one(box.open(by="zhangmin")), "rejected", "not_permitted")
    mismatch = box.open()
    mismatch["payload"]["opened_by"] = box.staff["chenzr"]
    _refused(box.hall.one(mismatch), "rejected", "not_authorised")


def test_turnout_is_the_raters_own_and_a_second_vote_needs_the_same_password(box: Box) -> None:
    rid = box.opened()
    first = box.hall.one(box.turnout(rid, "zhangmin"))
    assert first["status"] == "applied" and first["row"]["version"] == 1
    other = box.turnout(rid, "wangfang")
    other["actor_id"] = box.staff["zhangmin"]
    _refused(box.hall.one(other), "rejected", "not_permitted", "本人")
    _refused(box.hall.one(box.turnout(rid, "liqiang", group="zone:B区")), "rejected", "invalid_payload")
    _refused(box.hall.one(box.turnout(rid, "liqiang", ratees=4)), "rejected", "invalid_payload")
    _refused(box.hall.one(box.turnout(rid, "liuyang", group="hall")), "rejected", "not_permitted", "范围")
    _refused(box.hall.one(box.turnout(rid, "zhangmin", id=new_id())), "rejected", "invalid_payload")
    later = "2026-03-02T10:00:00"
    _refused(box.hall.one(box.turnout(rid, "zhangmin", password="changed-1", voted_at=later)), "rejected",
             "rule_violation", "与第一次投票时的密码不一致")
    assert box.hall.one(box.turnout(rid, "zhangmin", voted_at=later))["row"]["version"] == 2
    _refused(box.hall.one(box.turnout(rid, "zhangmin")), "duplicate", "same_content")  # older than the held one
    _refused(box.hall.one(box.turnout(new_id(), "zhangmin")), "rejected", "unknown_reference")


def test_a_sealed_ballot_is_opened_checked_and_kept_without_its_rater(box: Box) -> None:
    rid = box.opened()
    answers = box.vote(rid, "zhangmin", scores={"d1": 2, "d2": 3, "d3": 4, "d4": 5})
    assert [a["status"] for a in answers] == ["applied"] * 4
    for a in answers[1:]:
        assert a["row"] is None and a["entity"] is None and a["related"] == []
    held = box.ballots(rid)
    assert len(held) == 3 and {b.scores["d1"] for b in held} == {2}
    assert PeerBallot.__table__.columns.keys() == ["round_id", "ratee_id", "ballot_key", "scores"]
    with box.server.db.snapshot() as s:
        ballot_ops = [a["op_id"] for a in answers[1:]]
        assert s.scalar(select(func.count()).select_from(ChangeLog).where(ChangeLog.op_id.in_(ballot_ops))) == 0
        chain = list(s.scalars(select(AuditChainEntry).where(AuditChainEntry.op_id.in_(ballot_ops))))
        assert len(chain) == 3 and {e.actor_id for e in chain} == {None}
        inbox = list(s.scalars(select(InboxOp).where(InboxOp.op_id.in_(ballot_ops))))
    text = json.dumps([i.answer for i in inbox], ensure_ascii=False)
    assert not any(b.ballot_key in text or b.ratee_id in text for b in held)
    # the digest does not cover the sealed token (nothing derived from it is kept)
    sent = next(o for o in [box.ballot(rid, "zhangmin", "liqiang")])
    a = IncomingOp(sent["op_id"], sent["client_seq"], PEER_BALLOT, sent["entity_id"], None, sent["payload"])
    b = IncomingOp(sent["op_id"], sent["client_seq"], PEER_BALLOT, sent["entity_id"], None, {"x": 1})
    assert op_digest(a, {}) == op_digest(b, {})


def test_the_same_voter_replaces_their_ballot_and_nobody_can_stuff_the_box(box: Box) -> None:
    rid = box.opened()
    box.vote(rid, "zhangmin")
    assert box.hall.one(box.ballot(rid, "zhangmin", "liqiang", {"d1": 1, "d2": 1, "d3": 1, "d4": 1}))["status"] \
        == "applied"
    liqiang = [b for b in box.ballots(rid) if b.ratee_id == box.staff["liqiang"]]
    assert len(liqiang) == 1 and liqiang[0].scores == {"d1": 1, "d2": 1, "d3": 1, "d4": 1}
    # one voter so far: a second new ballot for 李强 (another password, no turnout) is refused
    stuffed = box.hall.one(box.ballot(rid, "zhangmin", "liqiang", password="another-1"))
    _refused(stuffed, "rejected", "rule_violation", "已达本组投票人数")
    assert "李强" not in stuffed["message"] and stuffed["row"] is None
    box.vote(rid, "wangfang")
    assert len([b for b in box.ballots(rid) if b.ratee_id == box.staff["liqiang"]]) == 2


def test_bad_ballots_are_refused_without_naming_anyone_or_any_score(box: Box) -> None:
    rid = box.opened()
    box.hall.push(box.turnout(rid, "zhangmin"))
    with_actor = box.ballot(rid, "zhangmin", "liqiang", actor_id=box.staff["zhangmin"])
    _refused(box.hall.one(with_actor), "rejected", "invalid_payload", "不应记录工作人员")
    tampered = box.ballot(rid, "zhangmin", "liqiang")
    tampered["payload"]["sealed"] = tampered["payload"]["sealed"][:-4] + "AAAA"
    other_key, _ = seal.new_keypair()
    foreign = box.ballot(rid, "zhangmin", "liqiang")
    foreign["payload"]["sealed"] = seal.seal(other_key, b"{}")
    plain = box.ballot(rid, "zhangmin", "liqiang")
    plain["payload"] = {"round_id": rid, "sealed": "eyJyYXRlZV9pZCI6IC4uLn0"}
    for o in (tampered, foreign, plain):
        _refused(box.hall.one(o), "rejected", "invalid_payload", "无法解密")
    for payload in ({}, {"round_id": [rid], "sealed": "x"}, {"round_id": rid}, {"round_id": rid, "sealed": 5},
                    {"round_id": rid, "sealed": "x", "ratee_id": "y"}):
        _refused(box.hall.one(op(PEER_BALLOT, new_id(), None, payload)), "rejected", "invalid_payload")
    _refused(box.hall.one(box.ballot(new_id(), "zhangmin", "liqiang")), "rejected", "unknown_reference")
    for scores in ({"d1": 6, "d2": 1, "d3": 1, "d4": 1}, {"d1": 1, "d2": 1, "d3": 1}, {"x": 1, "d2": 1, "d3": 1,
                                                                                       "d4": 1}):
        refused = box.hall.one(box.ballot(rid, "zhangmin", "liqiang", scores))
        _refused(refused, "rejected", "invalid_payload", "评分")
        assert "6" not in refused["message"]
    _refused(box.hall.one(box.ballot(rid, "zhangmin", "liuyang")), "rejected", "rule_violation", "范围")
    assert box.ballots(rid) == []


def test_closing_computes_results_with_the_minimum_and_empties_the_box(box: Box) -> None:
    rid = box.opened()
    for who in ("zhangmin", "liqiang", "wangfang"):
        box.vote(rid, who, scores={"d1": 5, "d2": 4, "d3": 3, "d4": 2})
    close = op(PEER_CLOSE, rid, box.staff["liuyang"], {"id": rid, "from_version": 1, "at": "2026-03-31T17:00:00"})
    answer = box.hall.one(close)
    assert answer["status"] == "applied" and answer["row"]["status"] == "closed" and answer["row"]["version"] == 2
    with box.server.db.snapshot() as s:
        results = {r.ratee_id: r for r in s.scalars(select(PeerResult).where(PeerResult.round_id == rid))}
        assert s.get(PeerRound, rid).closed_by == box.staff["liuyang"]
    zhaoli, zhangmin = results[box.staff["zhaoli"]], results[box.staff["zhangmin"]]
    assert (zhaoli.ballots, zhaoli.averages, zhaoli.score) == (3, {"d1": 5.0, "d2": 4.0, "d3": 3.0, "d4": 2.0}, 3.5)
    assert (zhangmin.ballots, zhangmin.averages, zhangmin.score) == (2, None, None)  # fewer than 3: the count only
    assert len(results) == 12 and box.ballots(rid) == []  # everyone of the round's scope (three zones)
    rows, _ = box.server.pull_all(box.hall.device, box.server.scope)
    assert sum(1 for (entity, _) in rows if entity == "peer_result") == 12
    _refused(box.hall.one(dict(close, op_id=new_id(), client_seq=close["client_seq"] + 100_000)), "duplicate",
             "same_content")
    _refused(box.hall.one(box.ballot(rid, "zhaoli", "zhangmin")), "rejected", "rule_violation", "本轮互评已结束")
    _refused(box.hall.one(box.turnout(rid, "zhaoli")), "rejected", "rule_violation", "本轮互评已结束")
    reopened = op(PEER_CLOSE, rid, box.staff["liuyang"], {"id": rid, "from_version": 1, "at": "2026-04-01T09:00:00"})
    _refused(box.hall.one(reopened), "conflict", "state_mismatch")


def test_hostile_peer_payloads_never_break_the_server(box: Box) -> None:
    rid = box.opened()
    weird: list[Any] = [{}, {"id": rid}, {"id": 5, "from_version": "1", "at": []},
                        {"round_id": "\ud800", "sealed": "\ud800"}, {"round_id": rid, "sealed": "A" * 9000}]
    ops = [op(kind, rid if kind == PEER_CLOSE else new_id(), None if kind == PEER_BALLOT else box.staff["liuyang"],
              payload) for kind in (PEER_OPEN, PEER_CLOSE, PEER_TURNOUT, PEER_BALLOT) for payload in weird]
    for result in box.hall.push(*ops):
        assert result["status"] in ("rejected", "conflict"), result
    with box.server.db.snapshot() as s:
        assert s.scalar(select(func.count()).select_from(PeerTurnout)) == 0
    assert dt.datetime.fromisoformat(NOW_LOCAL)
