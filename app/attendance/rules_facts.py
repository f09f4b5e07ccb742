"""The facts the attendance rules judge (see :mod:`app.attendance.rules`): plain frozen dataclasses the
services build from their rows. Pure Python."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class PunchFact:
    staff_id: str
    at: dt.datetime
    id: str = ""
    flagged: bool = False  # offline / clock off: the result is shown as 待核


@dataclass(frozen=True)
class LeaveFact:
    """Approved leave only; kind from the hall's list: 公假 -> "official", 临时外出 -> "out", others "leave"."""

    staff_id: str
    kind: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    id: str = ""


@dataclass(frozen=True)
class MakeupFact:
    """Approved 补签 only: counts as a punch at ``claimed_at`` for that slot."""

    staff_id: str
    day: dt.date
    slot: str
    claimed_at: dt.datetime
    id: str = ""


@dataclass(frozen=True)
class Person:
    staff_id: str
    name: str
    department_id: str | None
    department_name: str
    window_label: str
    joined: dt.date | None = None
    left: dt.date | None = None  # last day employed

    def employed_on(self, day: dt.date) -> bool:
        return (self.joined is None or day >= self.joined) and (self.left is None or day <= self.left)
