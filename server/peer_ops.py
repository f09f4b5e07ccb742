"""The peer-evaluation ops on the server (peer.open / close / turnout / ballot) and the ballot box's
key pair (docs/peer-evaluation.md).

* The key pair (BallotBoxKey "current") is made once (``ensure_ballot_key``: at server start, or at
  the first peer.open) and its public key is published as each hall's parameter ``peer.ballot_key``
  through the hall's parameters scope, so counters pull it and seal every ballot to it.
* ``peer.ballot`` carries no actor (server.push refuses one) and one sealed token. The server opens
  it, checks it, and keeps only (round, ratee, ballot key, scores): no change log row, no echo, no
  rater, device, op or time. A refusal's message names neither the person rated nor a score (the
  answer is stored in the inbox beside the op's place in the device's queue). The ballots of the
  ratee are written again in key order on every ballot, so neither the row order nor PostgreSQL's
  transaction ids (xmin) tell which ballot came with which vote. At the close the results are
  computed and the ballots deleted.
* ``peer.turnout``: who voted (public), with the verifier of their password-derived key.
Runs inside the push driver's savepoint; refusals raise OpRefused.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app.errors import InvalidInput
from app.peer import policy, seal
from app.sync.protocol import PEER_BALLOT, PEER_CLOSE, PEER_OPEN, PEER_TURNOUT, Code, Entity, OpStatus, hall_ref_scope
from app.sync.rows import entity_row, parameter_row
from db.models import Base, Hall, PeerResult, PeerRound, PeerTurnout, Staff, Window
from server.attendance_fields import EchoOf, bad, build_row, command, to_local
from server.attendance_ops import check_new, check_owner, same_row
from server.changes import lock_scopes, record_change
from server.engine import ServerDatabase
from server.oputil import Echo, OpContext, OpRefused, conflict, rejected
from server.schema import BallotBoxKey, HallParameter, PeerBallot
from server.validation import clean_text

KEY_ID = "current"
BALLOT_KEY_PARAMETER = "peer.ballot_key"
CLOSED = "本轮互评已结束。"
ENTITIES: dict[type[Base], str] = {PeerRound: Entity.PEER_ROUND, PeerTurnout: Entity.PEER_TURNOUT,
                                   PeerResult: Entity.PEER_RESULT}


# -- the ballot box's key ---------------------------------------------------------------------------

def ballot_box_key(s: Session, now: dt.datetime) -> BallotBoxKey:
    """The current key pair, made when missing (race-free: two servers starting keep one)."""
    held = s.get(BallotBoxKey, KEY_ID)
    if held is not None:
        return held
    public, private = seal.new_keypair()
    dialect = sqlite if s.get_bind().dialect.name == "sqlite" else postgresql
    s.execute(dialect.insert(BallotBoxKey).values(id=KEY_ID, public_key=public, private_key=private, created_at=now)
              .on_conflict_do_nothing())
    row = s.get(BallotBoxKey, KEY_ID)
    assert row is not None
    return row


def publish_ballot_key(s: Session, hall_id: str, public_key: str, now: dt.datetime) -> None:
    """The hall's parameter ``peer.ballot_key`` (unchanged: nothing is added to the change log)."""
    param = s.get(HallParameter, (hall_id, BALLOT_KEY_PARAMETER))
    if param is None:
        s.add(HallParameter(hall_id=hall_id, key=BALLOT_KEY_PARAMETER, value=public_key))
    elif param.value != public_key:
        param.value = public_key
    s.flush()
    scope = hall_ref_scope(hall_id, "parameters")
    counter = lock_scopes(s, [scope])[scope]
    record_change(s, counter, Entity.PARAMETER, BALLOT_KEY_PARAMETER,
                  parameter_row(BALLOT_KEY_PARAMETER, public_key), op_id=None, at=now)


def ensure_ballot_key(db: ServerDatabase, now: dt.datetime) -> str:
    """Make the key pair if missing and publish its public key to every hall; returns the public key.
    Call at server start (and after seeding a hall); running it again changes nothing."""
    with db.write() as s:
        key = ballot_box_key(s, now)
        for hall_id in s.scalars(select(Hall.id).order_by(Hall.id)).all():
            publish_ballot_key(s, hall_id, key.public_key, now)
        return key.public_key


# -- shared ---------------------------------------------------------------------------------------

def _echo_of(ctx: OpContext, model: type[Base], row_id: str) -> Echo:
    entity = ENTITIES[model]
    row = ctx.s.get(model, row_id)
    return Echo(entity, entity_row(entity, row) if row is not None else None)


def peer_echo(ctx: OpContext) -> Echo:
    """The held row of the op's entity (server.push.current_echo); for a sealed ballot: nothing."""
    if ctx.op.kind in (PEER_OPEN, PEER_CLOSE):
        return _echo_of(ctx, PeerRound, ctx.op.entity_id)
    if ctx.op.kind == PEER_TURNOUT:
        return _echo_of(ctx, PeerTurnout, ctx.op.entity_id)
    return Echo()


def _write(ctx: OpContext, row: Base) -> None:
    ctx.s.add(row)
    ctx.s.flush()
    entity = ENTITIES[type(row)]
    ctx.change(entity, str(row.id), entity_row(entity, row))  # type: ignore[attr-defined]


def _members(ctx: OpContext, scope: str) -> dict[str, str]:
    """Everyone of the hall taking part in a round of ``scope``: staff id -> group key."""
    windows = {w.id: w for w in ctx.s.scalars(select(Window).where(Window.hall_id == ctx.hall.id))}
    out = {}
    for person in ctx.s.scalars(select(Staff).where(Staff.hall_id == ctx.hall.id)):
        key = policy.group_of(scope, ctx.hall.id, person, windows.get(person.window_id or ""))
        if key is not None:
            out[person.id] = key
    return out


def _round(ctx: OpContext, round_id: Any, echo: EchoOf) -> PeerRound:
    if not isinstance(round_id, str) or len(round_id) > 36 or not clean_text(round_id, multiline=False):
        raise rejected(Code.INVALID_PAYLOAD, "互评轮次的编号不正确。", echo())
    held = ctx.s.get(PeerRound, round_id)
    if held is None or held.hall_id != ctx.hall.id:
        raise rejected(Code.UNKNOWN_REFERENCE, "服务器上没有这一轮互评，请同步后再试。", echo())
    return held


def _checked(what: str, echo: EchoOf, check: Callable[[], Any]) -> Any:
    try:
        return check()
    except InvalidInput as exc:
        raise rejected(Code.INVALID_PAYLOAD, f"{what}：{exc.message}", echo()) from exc


# -- peer.open / peer.close ---------------------------------------------------------------------------

def apply_open(ctx: OpContext) -> Echo:
    """``peer.open``: a new round, every field checked (the business section's permission is
    checked by server.permits)."""
    def echo() -> Echo:
        return _echo_of(ctx, PeerRound, ctx.op.entity_id)

    what = "互评轮次"
    row = build_row(PeerRound, ctx.op.payload, what, echo)
    check_owner(ctx, row, what, echo)
    if row.opened_by != ctx.op.actor_id:
        raise rejected(Code.NOT_AUTHORISED, "互评轮次的开启人与操作人不一致。", echo())
    if _checked(what, echo, lambda: policy.check_title(row.title)) != row.title:
        raise bad(what, "title", "首尾不应有空格", echo)
    if _checked(what, echo, lambda: policy.check_period(row.period)) != row.period:
        raise bad(what, "period", "格式不正确", echo)
    _checked(what, echo, lambda: policy.check_scope(row.scope))
    _checked(what, echo, lambda: policy.check_min_ballots(row.min_ballots))
    row.dimensions = _checked(what, echo, lambda: policy.check_dimensions(row.dimensions))
    if row.status != "open" or row.closed_by or row.closed_at is not None or row.version != 1:
        raise rejected(Code.INVALID_PAYLOAD, "新开启的互评轮次不应已结束。", echo())
    check_new(ctx, ctx.s.get(PeerRound, row.id), row, echo)
    publish_ballot_key(ctx.s, ctx.hall.id, ballot_box_key(ctx.s, ctx.now).public_key, ctx.now)  # first need
    _write(ctx, row)
    return echo()


def _results(ctx: OpContext, held: PeerRound) -> None:
    """Each person's result from the ballots; then the ballots are gone."""
    members = _members(ctx, held.scope)
    where = PeerBallot.round_id == held.id
    received: dict[str, list[dict[str, int]]] = {}
    for ratee, scores in ctx.s.execute(select(PeerBallot.ratee_id, PeerBallot.scores).where(where)):
        received.setdefault(ratee, []).append(scores)
    computed = to_local(ctx.now).replace(microsecond=0)
    for ratee in sorted(members):
        count, averages, score = policy.tally(received.get(ratee, []), held.dimensions, held.min_ballots)
        _write(ctx, PeerResult(id=str(uuid.uuid4()), hall_id=ctx.hall.id, round_id=held.id, ratee_id=ratee,
                               ballots=count, averages=averages, score=score, computed_at=computed))
    ctx.s.execute(delete(PeerBallot).where(where).execution_options(synchronize_session=False))


def apply_close(ctx: OpContext) -> Echo:
    """``peer.close``: the round ends; the server computes every result from the sealed ballots."""
    def echo() -> Echo:
        return _echo_of(ctx, PeerRound, ctx.op.entity_id)

    p = command(ctx.op.payload, "结束互评", echo, {"id": "id", "from_version": "version", "at": "when"})
    if p["id"] != ctx.op.entity_id:
        raise bad("结束互评", "id", "与操作对象不一致", echo)
    held = ctx.s.get(PeerRound, p["id"])
    if held is None or held.hall_id != ctx.hall.id:
        raise conflict(Code.CASE_UNKNOWN, "服务器上没有这一轮互评。", echo())
    if held.status == "closed":
        if held.version == p["from_version"] + 1 and held.closed_by == ctx.op.actor_id \
                and held.closed_at == p["at"]:
            raise OpRefused(OpStatus.DUPLICATE, Code.SAME_CONTENT, "服务器上这一轮互评已结束。", echo())
        raise conflict(Code.STATE_MISMATCH, CLOSED, echo())
    if held.version != p["from_version"]:
        raise conflict(Code.STATE_MISMATCH, "这一轮互评已在中心被修改，请同步后再结束。", echo())
    _results(ctx, held)
    held.status, held.closed_by, held.closed_at = "closed", ctx.op.actor_id or "", p["at"]
    held.version += 1
    _write(ctx, held)
    return echo()


# -- peer.turnout ---------------------------------------------------------------------------------

def _turnout_row(ctx: OpContext, echo: EchoOf) -> PeerTurnout:
    what = "互评投票记录"
    row = build_row(PeerTurnout, ctx.op.payload, what, echo)
    check_owner(ctx, row, what, echo)
    if row.rater_id != ctx.op.actor_id:
        raise rejected(Code.NOT_PERMITTED, "只能由本人参加互评。", echo())
    if row.id != policy.turnout_id(row.round_id, row.rater_id):
        raise bad(what, "id", "不是这次投票的记录编号", echo)
    if policy.HEX64.fullmatch(row.verifier) is None:
        raise bad(what, "verifier", "格式不正确", echo)
    return row


def apply_turnout(ctx: OpContext) -> Echo:
    """``peer.turnout``: the rater has voted (or voted again: same password, later time)."""
    def echo() -> Echo:
        return _echo_of(ctx, PeerTurnout, ctx.op.entity_id)

    row = _turnout_row(ctx, echo)
    held = ctx.s.get(PeerTurnout, row.id)
    if held is not None and same_row(held, row):
        raise OpRefused(OpStatus.DUPLICATE, Code.SAME_CONTENT, "服务器上已有这次投票记录。", echo())
    if held is not None and held.verifier == row.verifier and row.voted_at <= held.voted_at:
        raise OpRefused(OpStatus.DUPLICATE, Code.SAME_CONTENT, "服务器上已有这次或更新的投票记录。", echo())
    the_round = _round(ctx, row.round_id, echo)
    if the_round.status != "open":
        raise rejected(Code.RULE_VIOLATION, CLOSED, echo())
    members = _members(ctx, the_round.scope)
    group = members.get(row.rater_id)
    if group is None:
        raise rejected(Code.NOT_PERMITTED, "投票人不在本轮互评的范围内。", echo())
    colleagues = sum(1 for key in members.values() if key == group) - 1
    if row.group_key != group or not 1 <= row.ratees <= colleagues:
        raise rejected(Code.INVALID_PAYLOAD, "投票人的分组或所评人数与中心不一致，请同步后重新投票。", echo())
    if held is None:
        row.version = 1
        _write(ctx, row)
        return echo()
    if held.verifier != row.verifier:
        raise rejected(Code.RULE_VIOLATION, "与第一次投票时的密码不一致，中心不接受修改后的投票。", echo())
    held.group_key, held.ratees, held.voted_at = row.group_key, row.ratees, row.voted_at
    held.version += 1
    _write(ctx, held)
    return echo()


# -- peer.ballot ----------------------------------------------------------------------------------

def _nothing() -> Echo:
    return Echo()


def _opened(ctx: OpContext) -> tuple[PeerRound, str, str, Any]:
    """(round, ratee, ballot key, scores) of the op's sealed ballot."""
    p = ctx.op.payload
    if not isinstance(p, dict) or set(p) != {"round_id", "sealed"} or not isinstance(p["sealed"], str):
        raise rejected(Code.INVALID_PAYLOAD, "互评选票的格式不正确。")
    the_round = _round(ctx, p["round_id"], _nothing)
    if the_round.status != "open":
        raise rejected(Code.RULE_VIOLATION, CLOSED)
    key = ctx.s.get(BallotBoxKey, KEY_ID)
    try:
        if key is None:
            raise ValueError("no key")
        ratee, ballot_key, scores = policy.parse_ballot(seal.open_sealed(key.private_key, p["sealed"]))
    except ValueError as exc:
        raise rejected(Code.INVALID_PAYLOAD, "互评选票无法解密或内容格式不正确（可能用了已作废的公钥），"
                                             "中心不接受。") from exc
    return the_round, ratee, ballot_key, scores


def apply_ballot(ctx: OpContext) -> Echo:
    """``peer.ballot``: one sealed ballot, opened and checked, replacing the same voter's earlier
    ballot for that ratee (same ballot key). A new key for a ratee is taken only while the ratee
    has fewer ballots than their group has voters other than them (no stuffing)."""
    the_round, ratee, ballot_key, scores = _opened(ctx)
    members = _members(ctx, the_round.scope)
    group = members.get(ratee)
    if group is None:
        raise rejected(Code.RULE_VIOLATION, "选票所评的人员不在本轮互评的范围内。")
    codes = [str(d["code"]) for d in the_round.dimensions]
    try:
        checked = policy.check_scores(scores, codes)
    except InvalidInput as exc:
        raise rejected(Code.INVALID_PAYLOAD, "选票的评分项或分值不符合本轮互评的要求。") from exc
    voters = ctx.s.scalars(select(PeerTurnout.rater_id).where(
        PeerTurnout.round_id == the_round.id, PeerTurnout.group_key == group)).all()
    bound = sum(1 for rater in voters if rater != ratee)
    _store(ctx, the_round.id, ratee, ballot_key, checked, bound)
    return Echo()


def _store(ctx: OpContext, round_id: str, ratee: str, ballot_key: str, scores: dict[str, int], bound: int) -> None:
    """Upsert the ballot, writing all of the ratee's ballots again in key order (see the module doc)."""
    where = (PeerBallot.round_id == round_id) & (PeerBallot.ratee_id == ratee)
    held = dict(ctx.s.execute(select(PeerBallot.ballot_key, PeerBallot.scores).where(where)).tuples().all())
    if ballot_key not in held and len(held) >= bound:
        raise rejected(Code.RULE_VIOLATION, "该同事收到的选票已达本组投票人数，中心不接受多出的选票。")
    held[ballot_key] = scores
    ctx.s.execute(delete(PeerBallot).where(where).execution_options(synchronize_session=False))
    ctx.s.execute(insert(PeerBallot), [{"round_id": round_id, "ratee_id": ratee, "ballot_key": k, "scores": held[k]}
                                       for k in sorted(held)])


PEER_HANDLERS: dict[str, Callable[[OpContext], Echo]] = {
    PEER_OPEN: apply_open, PEER_CLOSE: apply_close, PEER_TURNOUT: apply_turnout, PEER_BALLOT: apply_ballot,
}
