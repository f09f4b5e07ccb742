"""互评 on the counter (no Qt): rounds, the sealed vote, what is (and is not) stored, results."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import uuid

import pytest

from app.auth import hash_password
from app.errors import InvalidInput, NotPermitted
from app.peer import keys, policy, seal
from app.services import Services
from app.sync.protocol import PEER_BALLOT, PEER_CLOSE, PEER_OPEN, PEER_TURNOUT
from db.models import PeerResult, Staff
from db.repositories import ReferenceRepository
from tests.app.attendance_kit import count, who

PASSWORD = "demo1234"
A_ZONE = ("zhangmin", "liqiang", "wangfang", "zhaoli")  # window staff of zone A区


@pytest.fixture
def box(services: Services) -> str:
    """The server's key pair, its public key pulled into this store as the hall parameter."""
    public, private = seal.new_keypair()
    with services.ctx.db.write() as s:
        ReferenceRepository(s).set_parameter("peer.ballot_key", public)
    return private


def _round(services: Services, scope: str = "zone", **kw):
    return services.peer.open_round(who(services, "liuyang"), "2026年3月窗口互评", "2026-03", scope, **kw)


def _scores(services: Services, login: str, round_id: str, base: int = 3) -> dict[str, dict[str, int]]:
    sheet = services.peer.sheet(who(services, login), round_id)
    codes = [d[0] for d in sheet.round.dimensions]
    return {c.staff_id: {code: (base + i + j) % 5 + 1 for j, code in enumerate(codes)}
            for i, c in enumerate(sheet.colleagues)}


def _rows(services: Services, sql: str, *args) -> list[tuple]:
    with sqlite3.connect(services.ctx.db.path) as con:
        return con.execute(sql, args).fetchall()


def _store_text(services: Services) -> str:
    with sqlite3.connect(services.ctx.db.path) as con:
        return "\n".join(con.iterdump())


# -- the pure parts -----------------------------------------------------------------------------------

def test_voter_keys_come_from_the_password_round_and_rater_only() -> None:
    v = keys.voter_key(PASSWORD, "r1", "a")
    assert v == keys.voter_key(PASSWORD, "r1", "a") and len(v) == 32
    assert v != keys.voter_key("other-pass", "r1", "a")
    assert v != keys.voter_key(PASSWORD, "r2", "a") and v != keys.voter_key(PASSWORD, "r1", "b")
    k = keys.ballot_key(v, "r1", "x")
    assert policy.HEX64.fullmatch(k) and k != keys.ballot_key(v, "r1", "y")
    assert policy.HEX64.fullmatch(keys.verifier(v)) and keys.verifier(v) != k
    assert keys.MEMORY_COST_KIB >= 19 * 1024 and keys.TIME_COST >= 2  # production cost, also in tests


def test_a_sealed_box_opens_only_with_its_private_key_and_unaltered() -> None:
    public, private = seal.new_keypair()
    token = seal.seal(public, b'{"secret": 1}')
    assert seal.open_sealed(private, token) == b'{"secret": 1}'
    assert seal.seal(public, b'{"secret": 1}') != token  # a fresh key per box: equal ballots look unalike
    assert b"secret" not in token.encode()
    _, other = seal.new_keypair()
    flipped = token[:-3] + ("A" if token[-3] != "A" else "B") + token[-2:]
    for bad_key, bad_token in ((other, token), (private, flipped), (private, "not a token!"), (private, ""),
                               ("junk", token)):
        with pytest.raises(ValueError):
            seal.open_sealed(bad_key, bad_token)
    with pytest.raises(ValueError):
        seal.seal("not-a-key", b"x")


def test_results_need_the_minimum_of_ballots_and_the_minimum_is_never_below_three() -> None:
    dims = policy.make_dimensions([("服务态度", 2), ("业务能力", 1)])
    assert [d["code"] for d in dims] == ["d1", "d2"]
    four = [{"d1": 5, "d2": 2}, {"d1": 4, "d2": 2}, {"d1": 3, "d2": 2}, {"d1": 4, "d2": 2}]
    assert policy.tally(four, dims, 5) == (4, None, None)
    assert policy.tally(four, dims, 4) == (4, {"d1": 4.0, "d2": 2.0}, round((4.0 * 2 + 2.0) / 3, 2))
    assert policy.tally(four[:2], dims, 1) == (2, None, None)  # a round's own minimum cannot go below 3
    for n in (0, 2, True, "5"):
        with pytest.raises(InvalidInput):
            policy.check_min_ballots(n)
    for period in ("2026-3", "2026-13", "2026-Q5", "26-01"):
        with pytest.raises(InvalidInput):
            policy.check_period(period)
    assert policy.check_period("2026-q2") == "2026-Q2"
    with pytest.raises(InvalidInput):
        policy.make_dimensions([("服务态度", 0)])
    with pytest.raises(InvalidInput):
        policy.make_dimensions([(f"维度{i}", 1) for i in range(9)])
    with pytest.raises(InvalidInput):
        policy.check_scores({"d1": 6, "d2": 1}, ["d1", "d2"])


# -- rounds -------------------------------------------------------------------------------------------

def test_the_business_section_opens_a_round_with_the_hall_defaults(services: Services) -> None:
    item = _round(services)
    assert [d[1] for d in item.dimensions] == ["服务态度", "业务能力", "工作纪律", "团结协作"]
    assert item.min_ballots == 5 and item.status_label == "进行中" and item.scope_label == "各区域"
    assert item.eligible == 12 and item.voted == 0  # the window staff; the centre's own staff do not take part
    op = _rows(services, "SELECT kind, actor_id, payload FROM outbox_op ORDER BY client_seq DESC LIMIT 1")[0]
    assert op[0] == PEER_OPEN and op[1] == who(services, "liuyang").id and json.loads(op[2])["id"] == item.id
    with pytest.raises(NotPermitted):
        services.peer.open_round(who(services, "zhangmin"), "互评", "2026-03", "hall")
    with pytest.raises(InvalidInput) as low:
        _round(services, min_ballots=2)
    assert low.value.field == "min_ballots"


def test_the_sheet_lists_the_colleagues_of_the_group_never_oneself(services: Services) -> None:
    r = _round(services)
    sheet = services.peer.sheet(who(services, "zhangmin"), r.id)
    assert sorted(c.name for c in sheet.colleagues) == ["李强", "王芳", "赵丽"] and sheet.voted_at is None
    assert sheet.colleagues[0].window_label.startswith("02号窗口")
    with pytest.raises(InvalidInput):
        services.peer.sheet(who(services, "liuyang"), r.id)  # no window: not in a group


# -- voting -------------------------------------------------------------------------------------------

def test_without_the_servers_public_key_nobody_can_vote(services: Services) -> None:
    r = _round(services)
    assert not r.can_vote
    with pytest.raises(InvalidInput) as no_key:
        services.peer.vote(who(services, "zhangmin"), r.id, PASSWORD, _scores(services, "zhangmin", r.id))
    assert no_key.value.message == "本机尚未取得互评加密公钥，请联网同步一次后再投票。"
    assert count(services, "outbox_op", "kind LIKE 'peer.%' AND kind != ?", PEER_OPEN) == 0


def test_a_vote_is_a_turnout_op_and_sealed_ballots_without_actor_or_audit(services: Services, box: str) -> None:
    r = _round(services)
    me = who(services, "zhangmin")
    scores = _scores(services, "zhangmin", r.id)
    events, ops = count(services, "audit_event"), count(services, "outbox_op")
    receipt = services.peer.vote(me, r.id, PASSWORD, scores)
    assert (receipt.ratees, receipt.changed) == (3, False)
    assert count(services, "audit_event") == events + 1  # the turnout only
    assert count(services, "outbox_op") == ops + 4
    turnout = _rows(services, "SELECT actor_id, payload, entity_id FROM outbox_op WHERE kind = ?", PEER_TURNOUT)
    assert len(turnout) == 1 and turnout[0][0] == me.id
    row = json.loads(turnout[0][1])
    assert row["rater_id"] == me.id and row["ratees"] == 3 and row["id"] == policy.turnout_id(r.id, me.id)
    summary = _rows(services, "SELECT summary, actor_id FROM audit_event ORDER BY seq DESC LIMIT 1")[0]
    assert summary == ("参加互评：2026年3月窗口互评（评价 3 人）", me.id)
    ballots = _rows(services, "SELECT actor_id, entity_id, op_id, payload FROM outbox_op WHERE kind = ?", PEER_BALLOT)
    assert len(ballots) == 3 and {b[0] for b in ballots} == {None}
    assert {uuid.UUID(b[1]).version for b in ballots} == {4} and {uuid.UUID(b[2]).version for b in ballots} == {4}
    voter = keys.voter_key(PASSWORD, r.id, me.id)
    opened = {}
    for b in ballots:
        payload = json.loads(b[3])
        assert set(payload) == {"round_id", "sealed"} and payload["round_id"] == r.id
        ratee, key, got = policy.parse_ballot(seal.open_sealed(box, payload["sealed"]))
        assert key == keys.ballot_key(voter, r.id, ratee) and ratee not in payload["sealed"]
        opened[ratee] = got
    assert opened == scores
    dump = _store_text(services)
    assert not any(keys.ballot_key(voter, r.id, ratee) in dump for ratee in scores)  # no key kept here
    assert '"ballot_key"' not in dump and '"scores"' not in dump
    assert services.peer.rounds(me)[0].i_voted and services.peer.sheet(me, r.id).voted_at is not None


def test_voting_again_replaces_with_the_same_password_only(services: Services, box: str) -> None:
    r = _round(services)
    me = who(services, "wangfang")
    services.peer.vote(me, r.id, PASSWORD, _scores(services, "wangfang", r.id))
    again = services.peer.vote(me, r.id, PASSWORD, _scores(services, "wangfang", r.id, base=1))
    assert again.changed
    assert _rows(services, "SELECT version FROM peer_turnout WHERE rater_id = ?", me.id) == [(2,)]
    with services.ctx.db.write() as s:  # the password changed since the first vote
        staff = s.get(Staff, me.id)
        assert staff is not None
        staff.password_hash = hash_password("new-pass-99")
    before = count(services, "outbox_op")
    with pytest.raises(InvalidInput) as other:
        services.peer.vote(me, r.id, "new-pass-99", _scores(services, "wangfang", r.id))
    assert "与第一次投票时的密码不一致" in other.value.message and other.value.field == "password"
    assert count(services, "outbox_op") == before


def test_a_vote_needs_the_right_password_and_every_colleague_scored(services: Services, box: str) -> None:
    r = _round(services)
    me = who(services, "zhangmin")
    scores = _scores(services, "zhangmin", r.id)
    with pytest.raises(InvalidInput) as wrong:
        services.peer.vote(me, r.id, "wrong-password", scores)
    assert wrong.value.field == "password"
    missing = dict(list(scores.items())[:2])
    with pytest.raises(InvalidInput):
        services.peer.vote(me, r.id, PASSWORD, missing)
    with pytest.raises(InvalidInput):
        services.peer.vote(me, r.id, PASSWORD, {**scores, me.id: next(iter(scores.values()))})  # oneself
    bad = {k: {**v, "d1": 0} for k, v in scores.items()}
    with pytest.raises(InvalidInput):
        services.peer.vote(me, r.id, PASSWORD, bad)
    assert count(services, "peer_turnout") == 0 and count(services, "outbox_op", "kind = ?", PEER_BALLOT) == 0


def test_turnout_counts_groups_and_says_nothing_else(services: Services, box: str) -> None:
    r = _round(services)
    for login in ("zhangmin", "liqiang"):
        services.peer.vote(who(services, login), r.id, PASSWORD, _scores(services, login, r.id))
    groups = {g.label: (g.voted, g.eligible) for g in services.peer.turnout(who(services, "sunhao"), r.id)}
    assert groups == {"A区": (2, 4), "B区": (0, 4), "C区": (0, 4)}
    assert services.peer.rounds(who(services, "liuyang"))[0].voted == 2


# -- closing and results --------------------------------------------------------------------------------

def _pulled_results(services: Services, round_id: str, counts: dict[str, int]) -> None:
    """What the counter holds once it pulled the server's results (the server computes them)."""
    with services.ctx.db.write() as s:
        for login, n in counts.items():
            ratee = who(services, login).id
            averages = {"d1": 4.5, "d2": 4.0, "d3": 3.5, "d4": 5.0} if n >= 5 else None
            s.add(PeerResult(id=str(uuid.uuid4()), hall_id=ReferenceRepository(s).device().hall_id,
                             round_id=round_id, ratee_id=ratee, ballots=n, averages=averages,
                             score=4.25 if averages else None, computed_at=dt.datetime(2026, 3, 31, 18)))


def test_closing_writes_the_op_and_results_show_only_with_enough_ballots(services: Services) -> None:
    r = _round(services, scope="hall")
    business = who(services, "liuyang")
    with pytest.raises(NotPermitted):
        services.peer.close_round(who(services, "zhangmin"), r.id, r.version)
    with pytest.raises(InvalidInput):
        services.peer.close_round(business, r.id, r.version + 1)
    closed = services.peer.close_round(business, r.id, r.version)
    assert (closed.status, closed.version, closed.can_close, closed.can_vote) == ("closed", 2, False, False)
    op = _rows(services, "SELECT kind, payload FROM outbox_op ORDER BY client_seq DESC LIMIT 1")[0]
    assert op[0] == PEER_CLOSE and json.loads(op[1])["from_version"] == 1
    assert services.peer.results(business, r.id) == []  # computed by the server, shown once pulled
    _pulled_results(services, r.id, {"zhangmin": 6, "liqiang": 4, "wangfang": 5})
    results = {i.name: i for i in services.peer.results(business, r.id)}
    assert results["张敏"].shown and results["张敏"].averages == {"服务态度": 4.5, "业务能力": 4.0, "工作纪律": 3.5,
                                                                   "团结协作": 5.0}
    assert not results["李强"].shown and results["李强"].averages is None and results["李强"].score is None
    assert results["李强"].ballots == 4
    mine = services.peer.results(who(services, "liqiang"), r.id)  # a chief: their department (SCJ)
    assert sorted(i.name for i in mine) == ["张敏", "李强"]
    assert [i.name for i in services.peer.results(who(services, "wangfang"), r.id)] == ["王芳"]
    with pytest.raises(InvalidInput):
        services.peer.vote(who(services, "zhangmin"), r.id, PASSWORD, {})
