"""Queries of the rating tables (好差评, 差评整改, 申诉). Runs in the caller's session and transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import AuditEvent, Case, Department, Enquiry, Matter, Rating, RatingAppeal, RatingFollowup, Staff, Window


class RatingRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    def add(self, row: object) -> None:
        self.s.add(row)
        self.s.flush()

    # -- the hall's people and places -----------------------------------------------------------
    def staff(self) -> dict[str, Staff]:
        return {p.id: p for p in self.s.scalars(select(Staff))}

    def windows(self) -> dict[str, Window]:
        return {w.id: w for w in self.s.scalars(select(Window).order_by(Window.number))}

    def departments(self) -> dict[str, Department]:
        return {d.id: d for d in self.s.scalars(select(Department))}

    # -- what is rated ---------------------------------------------------------------------------
    def case(self, case_id: str) -> Case | None:
        return self.s.get(Case, case_id)

    def enquiry(self, enquiry_id: str) -> Enquiry | None:
        return self.s.get(Enquiry, enquiry_id)

    def case_numbers(self, case_ids: Iterable[str]) -> dict[str, str]:
        ids = list(set(case_ids))
        if not ids:
            return {}
        return dict(self.s.execute(select(Case.id, Case.number).where(Case.id.in_(ids))).tuples().all())

    def matters(self, matter_ids: Iterable[str]) -> dict[str, tuple[str, str]]:
        """matter id -> (name, department id) of the matters asked for (inactive ones too)."""
        ids = list(set(matter_ids))
        if not ids:
            return {}
        q = select(Matter.id, Matter.name, Matter.department_id).where(Matter.id.in_(ids))
        return {i: (name, department) for i, name, department in self.s.execute(q).tuples()}

    def last_actor(self, case_id: str, actions: Sequence[str]) -> str | None:
        """The staff member of the case's newest audit event among ``actions`` (who did that step here)."""
        q = (select(AuditEvent.actor_id).where(AuditEvent.case_id == case_id, AuditEvent.action.in_(list(actions)),
                                              AuditEvent.actor_id.is_not(None))
             .order_by(AuditEvent.at.desc(), AuditEvent.seq.desc()).limit(1))
        return self.s.scalar(q)

    # -- ratings ---------------------------------------------------------------------------------
    def rating(self, rating_id: str) -> Rating | None:
        return self.s.get(Rating, rating_id)

    def of_case(self, case_id: str) -> Sequence[Rating]:
        """Every rating row of a case (at most one rated, at most one 未评价)."""
        return self.s.scalars(select(Rating).where(Rating.case_id == case_id)).all()

    def ratings(self, start: dt.datetime, end: dt.datetime, *, staff_id: str | None = None,
                window_id: str | None = None, bad_only: bool = False) -> Sequence[Rating]:
        """Ratings with ``start <= rated_at < end``, newest first."""
        q = select(Rating).where(Rating.rated_at >= start, Rating.rated_at < end)
        if staff_id is not None:
            q = q.where(Rating.staff_id == staff_id)
        if window_id is not None:
            q = q.where(Rating.window_id == window_id)
        if bad_only:
            q = q.where(Rating.level.in_((1, 2)))
        return self.s.scalars(q.order_by(Rating.rated_at.desc(), Rating.id)).all()

    def ratings_by_id(self, rating_ids: Iterable[str]) -> dict[str, Rating]:
        ids = list(set(rating_ids))
        if not ids:
            return {}
        return {r.id: r for r in self.s.scalars(select(Rating).where(Rating.id.in_(ids)))}

    # -- follow-ups ------------------------------------------------------------------------------
    def followup(self, followup_id: str) -> RatingFollowup | None:
        return self.s.get(RatingFollowup, followup_id)

    def followups(self, status: str | None = None) -> Sequence[RatingFollowup]:
        q = select(RatingFollowup)
        if status is not None:
            q = q.where(RatingFollowup.status == status)
        return self.s.scalars(q.order_by(RatingFollowup.opened_at, RatingFollowup.id)).all()

    def followups_of(self, rating_ids: Iterable[str]) -> dict[str, RatingFollowup]:
        ids = list(set(rating_ids))
        if not ids:
            return {}
        q = select(RatingFollowup).where(RatingFollowup.rating_id.in_(ids))
        return {f.rating_id: f for f in self.s.scalars(q)}

    # -- appeals ---------------------------------------------------------------------------------
    def appeal(self, appeal_id: str) -> RatingAppeal | None:
        return self.s.get(RatingAppeal, appeal_id)

    def appeals(self, *, status: str | None = None, staff_id: str | None = None) -> Sequence[RatingAppeal]:
        q = select(RatingAppeal)
        if status is not None:
            q = q.where(RatingAppeal.status == status)
        if staff_id is not None:
            q = q.where(RatingAppeal.staff_id == staff_id)
        return self.s.scalars(q.order_by(RatingAppeal.appealed_at.desc(), RatingAppeal.id)).all()

    def appeals_of(self, rating_ids: Iterable[str]) -> dict[str, RatingAppeal]:
        ids = list(set(rating_ids))
        if not ids:
            return {}
        q = select(RatingAppeal).where(RatingAppeal.rating_id.in_(ids))
        return {a.rating_id: a for a in self.s.scalars(q)}
