"""What the peer-evaluation use cases return (plain frozen dataclasses; app.peer.service)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class RoundItem:
    id: str
    title: str
    period: str
    scope: str
    scope_label: str
    dimensions: list[tuple[str, str, float]]  # (code, label, weight)
    min_ballots: int
    status: str  # open / closed
    status_label: str
    opened_at: dt.datetime
    closed_at: dt.datetime | None
    voted: int  # turnout: people who have voted (as this PC knows)
    eligible: int  # people taking part
    i_voted: bool
    can_vote: bool
    can_close: bool
    version: int


@dataclass(frozen=True)
class Colleague:
    staff_id: str
    name: str
    window_label: str


@dataclass(frozen=True)
class BallotSheet:
    """Whom the actor rates (their group, never themselves). ``voted_at``: when they voted last
    (their earlier scores are not kept anywhere on this PC: changing a vote means scoring again)."""

    round: RoundItem
    colleagues: list[Colleague]
    voted_at: dt.datetime | None


@dataclass(frozen=True)
class VoteReceipt:
    round_id: str
    ratees: int
    changed: bool  # True: the actor had voted before and replaced their ballots


@dataclass(frozen=True)
class TurnoutGroup:
    label: str
    voted: int
    eligible: int


@dataclass(frozen=True)
class ResultItem:
    """A person's result: the ballots they received and, only with enough of them, the average per
    dimension (label -> average) and the weighted score; ``shown`` False: "票数不足，不显示"."""

    staff_id: str
    name: str
    window_label: str
    ballots: int
    averages: dict[str, float] | None
    score: float | None
    shown: bool
