"""Rounds of 互评: opened and closed by the business section (中心业务科), listed with their turnout,
and the results the server computed (pulled as PeerResult rows)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from sqlalchemy.orm import Session

from app.authz import holder_of, may, require
from app.context import Actor, AppContext
from app.errors import InvalidInput, NotFound, NotPermitted
from app.ids import uuid7
from app.peer import policy
from app.peer.model import ResultItem, RoundItem, TurnoutGroup
from app.peer.people import HallPeople, round_item
from app.permissions import Role
from app.sync.protocol import PEER_CLOSE, PEER_OPEN, Entity
from app.sync.rows import columns_row
from db.models import PeerRound
from db.peer_repository import PeerRepository

BALLOT_KEY_PARAMETER = "peer.ballot_key"  # the server's public key for sealed ballots (server.peer_ops)


def has_ballot_key(ctx: AppContext) -> bool:
    return bool(ctx.parameters().get(BALLOT_KEY_PARAMETER, "").strip())


def item(s: Session, ctx: AppContext, row: PeerRound, people: HallPeople, actor: Actor,
         key_known: bool) -> RoundItem:
    turnouts = list(PeerRepository(s).turnouts(row.id))
    is_open = row.status == "open"
    can_vote = (is_open and key_known and actor.id is not None and bool(people.colleagues(row.scope, actor.id))
                and may(s, actor, "peer_evaluation.vote") is None)
    can_close = is_open and may(s, actor, "peer_evaluation.manage") is None
    return round_item(row, people, turnouts, actor.id, can_vote=can_vote, can_close=can_close)


def listed(ctx: AppContext, actor: Actor) -> list[RoundItem]:
    key_known = has_ballot_key(ctx)
    with ctx.db.read() as s:
        people = HallPeople(s)
        return [item(s, ctx, r, people, actor, key_known) for r in PeerRepository(s).rounds(people.hall_id)]


def held_round(s: Session, round_id: str) -> PeerRound:
    row = PeerRepository(s).round(round_id)
    if row is None:
        raise NotFound("找不到该互评轮次，请刷新列表。")
    return row


def open_round(ctx: AppContext, actor: Actor, title: str, period: str, scope: str,
               dimensions: Sequence[tuple[str, float]] | None, min_ballots: int | None) -> RoundItem:
    params = ctx.parameters()
    name = policy.check_title(title)
    when = policy.check_period(period)
    policy.check_scope(scope)
    dims = policy.make_dimensions(dimensions if dimensions is not None
                                  else policy.default_dimensions(params["peer.dimensions"]))
    if min_ballots is None:
        min_ballots = max(int(params["peer.min_ballots"]), policy.MIN_BALLOTS_FLOOR)
    policy.check_min_ballots(min_ballots)
    now = ctx.clock.now()
    with ctx.action() as s:
        require(s, actor, "peer_evaluation.manage")
        people = HallPeople(s)
        row = PeerRound(id=uuid7(), hall_id=people.hall_id, title=name, period=when, dimensions=dims, scope=scope,
                        min_ballots=min_ballots, status="open", opened_by=actor.id or "", opened_at=now,
                        closed_by="", closed_at=None, version=1)
        PeerRepository(s).add(row)
        ctx.record(s, actor, op_kind=PEER_OPEN, entity=Entity.PEER_ROUND, entity_id=row.id,
                   summary=f"开启互评：{name}（{when}，{policy.SCOPES[scope]}，{len(dims)} 个维度）"[:500],
                   payload=columns_row(row))
        return item(s, ctx, row, people, actor, has_ballot_key(ctx))


def close_round(ctx: AppContext, actor: Actor, round_id: str, from_version: int) -> RoundItem:
    now = ctx.clock.now()
    with ctx.action() as s:
        require(s, actor, "peer_evaluation.manage")
        row = held_round(s, round_id)
        if row.status != "open":
            raise InvalidInput("本轮互评已结束。", field="status")
        if row.version != from_version:
            raise InvalidInput("该互评轮次已被修改，请刷新后再结束。", field="version")
        people = HallPeople(s)
        voted = len(PeerRepository(s).turnouts(row.id))
        row.status, row.closed_by, row.closed_at, row.version = "closed", actor.id or "", now, from_version + 1
        s.flush()
        ctx.record(s, actor, op_kind=PEER_CLOSE, entity=Entity.PEER_ROUND, entity_id=row.id,
                   summary=f"结束互评：{row.title}（已投票 {voted} 人；结果由中心计算）"[:500],
                   payload={"id": row.id, "from_version": from_version, "at": now.isoformat()})
        return item(s, ctx, row, people, actor, has_ballot_key(ctx))


def turnout(ctx: AppContext, actor: Actor, round_id: str) -> list[TurnoutGroup]:
    """Per group: who may vote and how many have (never who voted what)."""
    with ctx.db.read() as s:
        require(s, actor, "peer_evaluation.vote")
        row = held_round(s, round_id)
        people = HallPeople(s)
        members = people.members(row.scope)
        eligible = Counter(members.values())
        voted = Counter(members[t.rater_id] for t in PeerRepository(s).turnouts(row.id) if t.rater_id in members)
        groups = [TurnoutGroup(policy.group_label(k, people.departments), voted[k], n) for k, n in eligible.items()]
        return sorted(groups, key=lambda g: g.label)


def _visible(s: Session, actor: Actor, people: HallPeople, ratee_id: str) -> bool:
    """Business section and leadership see everyone's result; a chief their department's; anyone
    else their own."""
    holder = holder_of(s, actor)
    if {Role.BUSINESS, Role.LEADER} & holder.roles:
        return True
    if Role.CHIEF in holder.roles and holder.department_id is not None \
            and people.department_of(ratee_id) == holder.department_id:
        return True
    return ratee_id == actor.id


def results(ctx: AppContext, actor: Actor, round_id: str) -> list[ResultItem]:
    """The results of a closed round as the server computed them (empty until pulled)."""
    if actor.id is None:
        raise NotPermitted("请登录后查看互评结果。")
    with ctx.db.read() as s:
        row = held_round(s, round_id)
        people = HallPeople(s)
        labels = {str(d["code"]): str(d["label"]) for d in row.dimensions}
        out = []
        for r in PeerRepository(s).results(row.id):
            if not _visible(s, actor, people, r.ratee_id):
                continue
            shown = r.averages is not None and r.ballots >= max(row.min_ballots, policy.MIN_BALLOTS_FLOOR)
            averages = {labels.get(k, k): float(v) for k, v in (r.averages or {}).items()} if shown else None
            out.append(ResultItem(r.ratee_id, people.name(r.ratee_id), people.window_label(r.ratee_id), r.ballots,
                                  averages, r.score if shown else None, shown))
        return sorted(out, key=lambda i: (i.window_label, i.name))
