"""Queries of the peer-evaluation tables (互评: rounds, turnout, results). There is no ballot table on
a counter: ballots leave the PC sealed to the server. Runs in the caller's session and transaction."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import Department, PeerResult, PeerRound, PeerTurnout, Staff, Window


class PeerRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    def add(self, row: object) -> None:
        self.s.add(row)
        self.s.flush()

    def rounds(self, hall_id: str) -> Sequence[PeerRound]:
        """Open rounds first, then the newest."""
        return self.s.scalars(select(PeerRound).where(PeerRound.hall_id == hall_id)
                              .order_by(PeerRound.status.desc(), PeerRound.opened_at.desc())).all()

    def round(self, round_id: str) -> PeerRound | None:
        return self.s.get(PeerRound, round_id)

    def turnouts(self, round_id: str) -> Sequence[PeerTurnout]:
        return self.s.scalars(select(PeerTurnout).where(PeerTurnout.round_id == round_id)).all()

    def turnout(self, round_id: str, rater_id: str) -> PeerTurnout | None:
        return self.s.scalars(select(PeerTurnout).where(PeerTurnout.round_id == round_id,
                                                        PeerTurnout.rater_id == rater_id)).first()

    def turnout_counts(self, round_ids: Sequence[str]) -> dict[str, int]:
        rows = self.s.execute(select(PeerTurnout.round_id, func.count()).where(PeerTurnout.round_id.in_(round_ids))
                              .group_by(PeerTurnout.round_id)).all()
        return {r: int(n) for r, n in rows}

    def results(self, round_id: str) -> Sequence[PeerResult]:
        return self.s.scalars(select(PeerResult).where(PeerResult.round_id == round_id)).all()

    def staff(self, hall_id: str) -> Sequence[Staff]:
        return self.s.scalars(select(Staff).where(Staff.hall_id == hall_id).order_by(Staff.login)).all()

    def windows(self, hall_id: str) -> dict[str, Window]:
        return {w.id: w for w in self.s.scalars(select(Window).where(Window.hall_id == hall_id))}

    def department_names(self) -> dict[str, str]:
        return {d.id: d.name for d in self.s.scalars(select(Department))}
