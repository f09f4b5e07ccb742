"""Voting (参加互评): the ballot sheet and the vote itself. The anonymity design is in
docs/peer-evaluation.md: the turnout row and its op say who voted; each ballot is sealed to the
server's public key and queued as its own op with no actor and no audit event; nothing of the scores
or the ballot keys is kept on this PC."""

from __future__ import annotations

import datetime as dt
import random
import uuid
from collections.abc import Mapping

from app.auth import AuthService
from app.authz import require
from app.context import Actor, AppContext
from app.errors import InvalidInput, NotPermitted
from app.peer import keys, policy, seal
from app.peer.model import BallotSheet, Colleague, VoteReceipt
from app.peer.people import HallPeople
from app.peer.rounds import BALLOT_KEY_PARAMETER, has_ballot_key, held_round, item
from app.sync.protocol import PEER_BALLOT, PEER_TURNOUT, Entity
from app.sync.rows import columns_row
from db.models import OutboxOp, PeerTurnout
from db.peer_repository import PeerRepository
from db.repositories import JournalRepository

NO_KEY = "本机尚未取得互评加密公钥，请联网同步一次后再投票。"
OTHER_PASSWORD = "与第一次投票时的密码不一致：修改投票须使用第一次投票时的登录密码。"
_shuffle = random.SystemRandom().shuffle


def _me(actor: Actor) -> str:
    if actor.id is None:
        raise NotPermitted("互评只能由本人登录后参加。")
    return actor.id


def sheet(ctx: AppContext, actor: Actor, round_id: str) -> BallotSheet:
    me = _me(actor)
    key_known = has_ballot_key(ctx)
    with ctx.db.read() as s:
        require(s, actor, "peer_evaluation.vote")
        row = held_round(s, round_id)
        people = HallPeople(s)
        colleagues = people.colleagues(row.scope, me)
        if not colleagues:
            raise InvalidInput("您不在本轮互评的范围内（参加互评的是本组的窗口工作人员），或本组没有其他同事。",
                               field="round")
        mine = PeerRepository(s).turnout(row.id, me)
        return BallotSheet(item(s, ctx, row, people, actor, key_known), colleagues, mine.voted_at if mine else None)


def _checked(colleagues: list[Colleague], codes: list[str],
             scores: Mapping[str, Mapping[str, int]]) -> dict[str, dict[str, int]]:
    wanted = {c.staff_id for c in colleagues}
    if set(scores) != wanted:
        raise InvalidInput("请为本组每一位同事打分（不能给自己打分）。", field="scores")
    return {ratee: policy.check_scores(dict(scores[ratee]), codes) for ratee in sorted(wanted)}


def _sealed(public_key: str, voter: bytes, round_id: str, ballots: dict[str, dict[str, int]]) -> list[str]:
    """One sealed token per ratee, in random order (the queue says nothing of whom each is for)."""
    tokens = []
    for ratee, scores in ballots.items():
        plain = policy.ballot_plaintext(ratee, keys.ballot_key(voter, round_id, ratee), scores)
        try:
            tokens.append(seal.seal(public_key, plain))
        except ValueError as exc:
            raise InvalidInput("本机保存的互评加密公钥无效，请联网同步一次后再投票。", field="ballot_key") from exc
    _shuffle(tokens)
    return tokens


def _turnout(round_id: str, hall_id: str, me: str, group: str, ratees: int, check: str,
             now: dt.datetime, held: PeerTurnout | None) -> PeerTurnout:
    if held is None:
        row = PeerTurnout(id=policy.turnout_id(round_id, me), hall_id=hall_id, round_id=round_id, rater_id=me,
                          group_key=group, ratees=ratees, verifier=check, voted_at=now, version=1)
        return row
    if held.verifier != check:
        raise InvalidInput(OTHER_PASSWORD, field="password")
    held.group_key, held.ratees, held.voted_at, held.version = group, ratees, now, held.version + 1
    return held


def vote(ctx: AppContext, actor: Actor, round_id: str, password: str,
         scores: Mapping[str, Mapping[str, int]]) -> VoteReceipt:
    """Record the actor's vote: every colleague of their group, every dimension 1–5, confirmed with
    their login password. Voting again before the close replaces the ballots (same password)."""
    me = _me(actor)
    public_key = ctx.parameters().get(BALLOT_KEY_PARAMETER, "").strip()
    if not public_key:
        raise InvalidInput(NO_KEY, field="ballot_key")
    before = sheet(ctx, actor, round_id)
    if before.round.status != "open":
        raise InvalidInput("本轮互评已结束。", field="round")
    ballots = _checked(before.colleagues, [d[0] for d in before.round.dimensions], scores)
    if not password or not AuthService(ctx).verify(me, password):
        raise InvalidInput("密码不正确，请输入您的登录密码以确认投票。", field="password")
    voter = keys.voter_key(password, round_id, me)  # argon2: on the worker thread, outside the write
    tokens = _sealed(public_key, voter, round_id, ballots)
    now = ctx.clock.now()
    with ctx.action() as s:
        require(s, actor, "peer_evaluation.vote")
        row = held_round(s, round_id)
        people = HallPeople(s)
        group = people.group(row.scope, me)
        if row.status != "open":
            raise InvalidInput("本轮互评已结束。", field="round")
        if group is None or {c.staff_id for c in people.colleagues(row.scope, me)} != set(ballots):
            raise InvalidInput("本组人员已有变化，请重新打开评议表后再投票。", field="scores")
        repo = PeerRepository(s)
        held = repo.turnout(row.id, me)
        turnout = _turnout(row.id, people.hall_id, me, group, len(ballots), keys.verifier(voter), now, held)
        if held is None:
            repo.add(turnout)
        s.flush()
        ctx.record(s, actor, op_kind=PEER_TURNOUT, entity=Entity.PEER_TURNOUT, entity_id=turnout.id,
                   summary=f"参加互评：{row.title}（评价 {len(ballots)} 人）"[:500], payload=columns_row(turnout))
        journal = JournalRepository(s)
        for token in tokens:  # no audit event, no actor: the op says nothing of who sealed it
            journal.append_op(OutboxOp(op_id=str(uuid.uuid4()), kind=PEER_BALLOT, entity_id=str(uuid.uuid4()),
                                       payload={"round_id": row.id, "sealed": token}, created_at=now,
                                       actor_id=None, status="pending"))
    return VoteReceipt(round_id, len(ballots), held is not None)
