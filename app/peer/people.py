"""Who takes part in a round and in which group, read once per call (app.peer.policy.group_of)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.errors import NotFound
from app.peer import policy
from app.peer.model import Colleague, RoundItem
from db.models import PeerRound, PeerTurnout, Staff
from db.peer_repository import PeerRepository
from db.repositories import ReferenceRepository


def hall_id(s: Session) -> str:
    device = ReferenceRepository(s).device()
    if device is None:
        raise NotFound("本机尚未完成大厅设置。")
    return device.hall_id


class HallPeople:
    """The hall's staff, windows and departments as this PC holds them."""

    def __init__(self, s: Session) -> None:
        repo = PeerRepository(s)
        self.hall_id = hall_id(s)
        self.staff: dict[str, Staff] = {p.id: p for p in repo.staff(self.hall_id)}
        self.windows = repo.windows(self.hall_id)
        self.departments = repo.department_names()

    def name(self, staff_id: str) -> str:
        person = self.staff.get(staff_id)
        return person.name if person else ""

    def window_label(self, staff_id: str) -> str:
        person = self.staff.get(staff_id)
        window = self.windows.get(person.window_id or "") if person else None
        return f"{window.number}号窗口（{window.name}）" if window else ""

    def department_of(self, staff_id: str) -> str | None:
        person = self.staff.get(staff_id)
        if person is None:
            return None
        window = self.windows.get(person.window_id or "")
        return (window.department_id if window else None) or person.department_id

    def group(self, scope: str, staff_id: str | None) -> str | None:
        person = self.staff.get(staff_id or "")
        if person is None:
            return None
        return policy.group_of(scope, self.hall_id, person, self.windows.get(person.window_id or ""))

    def members(self, scope: str) -> dict[str, str]:
        """Everyone taking part in a round of ``scope``: staff id -> group key."""
        out = {}
        for staff_id in self.staff:
            key = self.group(scope, staff_id)
            if key is not None:
                out[staff_id] = key
        return out

    def colleagues(self, scope: str, staff_id: str) -> list[Colleague]:
        """Whom ``staff_id`` rates: their group without themselves, by window then name."""
        mine = self.group(scope, staff_id)
        if mine is None:
            return []
        ids = [i for i, key in self.members(scope).items() if key == mine and i != staff_id]
        ids.sort(key=lambda i: (self.window_label(i), self.name(i)))
        return [Colleague(i, self.name(i), self.window_label(i)) for i in ids]


def round_item(row: PeerRound, people: HallPeople, turnouts: list[PeerTurnout], viewer: str | None, *,
               can_vote: bool, can_close: bool) -> RoundItem:
    members = people.members(row.scope)
    voted = sum(1 for t in turnouts if t.rater_id in members)
    return RoundItem(
        id=row.id, title=row.title, period=row.period, scope=row.scope,
        scope_label=policy.SCOPES.get(row.scope, row.scope),
        dimensions=[(str(d["code"]), str(d["label"]), float(d["weight"])) for d in row.dimensions],
        min_ballots=row.min_ballots, status=row.status, status_label=policy.STATUS_LABELS.get(row.status, row.status),
        opened_at=row.opened_at, closed_at=row.closed_at, voted=voted, eligible=len(members),
        i_voted=any(t.rater_id == viewer for t in turnouts), can_vote=can_vote, can_close=can_close,
        version=row.version,
    )
