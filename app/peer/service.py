"""The counter's peer-evaluation use cases (民主评议/互评), exposed as ``Services.peer``.

Offline-first like the rest: each write is one transaction holding its rows, its audit event and
its outbox ops. Ballots are the exception by design (docs/peer-evaluation.md): sealed to the
server's public key (hall parameter ``peer.ballot_key``), queued without actor or audit event, and
never stored readable on this PC. Results are computed by the server at the close and appear once
pulled ("结果由中心计算，联网同步后显示"). Every method runs on a worker thread (argon2 and sealing
in ``vote`` take a moment on purpose). Errors: InvalidInput(field=...), NotFound, NotPermitted,
StorageError.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from app.context import Actor, AppContext
from app.peer import rounds, voting
from app.peer.model import BallotSheet, ResultItem, RoundItem, TurnoutGroup, VoteReceipt


class PeerService:
    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx

    def rounds(self, actor: Actor) -> list[RoundItem]:
        """The hall's rounds, open ones first, with their turnout as this PC knows it."""
        return rounds.listed(self.ctx, actor)

    def open_round(self, actor: Actor, title: str, period: str, scope: str,
                   dimensions: Sequence[tuple[str, float]] | None = None,
                   min_ballots: int | None = None) -> RoundItem:
        """A new round (peer_evaluation.manage). ``dimensions``: (label, weight) pairs, default the
        hall parameter ``peer.dimensions`` with equal weights; ``min_ballots`` default
        ``peer.min_ballots``, never below 3."""
        return rounds.open_round(self.ctx, actor, title, period, scope, dimensions, min_ballots)

    def close_round(self, actor: Actor, round_id: str, from_version: int) -> RoundItem:
        """End the round (peer_evaluation.manage); the server computes the results when it applies it."""
        return rounds.close_round(self.ctx, actor, round_id, from_version)

    def sheet(self, actor: Actor, round_id: str) -> BallotSheet:
        """The colleagues of the actor's group (never the actor)."""
        return voting.sheet(self.ctx, actor, round_id)

    def vote(self, actor: Actor, round_id: str, password: str,
             scores: Mapping[str, Mapping[str, int]]) -> VoteReceipt:
        """``scores``: ratee staff id -> dimension code -> 1..5, for every colleague of the sheet."""
        return voting.vote(self.ctx, actor, round_id, password, scores)

    def turnout(self, actor: Actor, round_id: str) -> list[TurnoutGroup]:
        return rounds.turnout(self.ctx, actor, round_id)

    def results(self, actor: Actor, round_id: str) -> list[ResultItem]:
        """Business section and leadership: everyone; a chief: their department; anyone else: their own.
        Averages only where the person has at least the round's minimum of ballots."""
        return rounds.results(self.ctx, actor, round_id)
