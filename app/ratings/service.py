"""The counter's rating use cases (好差评) for staff: the clerk's day summary (counts only) and their own
ratings once the applicant has left, the hall's ratings and figures for those who may see them, the
差评 closed loop (差评整改) and appeals (申诉复核).

Recording a rating is NOT here: only the rating screen's own code path (app.ratings.booth) records
one, so nothing the clerk's screens hold can set or change a rating. Each write is one transaction
(``ctx.action()``) holding the row, the audit event and the outbox op, after ``app.authz.require``;
the server checks every op again. Every method runs on a worker thread. Errors: InvalidInput(field=...),
NotFound, NotPermitted (saying who may), StorageError.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy.orm import Session

from app.authz import require, window_subject
from app.context import Actor, AppContext
from app.ratings import appeals, figures, followups, policy
from app.ratings.common import VIEW, Labels, Viewer, day_bounds, rate, rating_item, reviewer, viewer, window_label
from app.ratings.model import AppealItem, DaySummary, FigureRow, FollowupItem, RatingItem
from app.sync.protocol import FOLLOWUP_CALLBACK, FOLLOWUP_CLOSE, FOLLOWUP_RECTIFY, FOLLOWUP_VERIFY
from db.models import Rating
from db.rating_repository import RatingRepository
from db.repositories import ReferenceRepository


class RatingService:
    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx

    # -- what the clerk may see ------------------------------------------------------------------
    def case_state(self, case_id: str) -> str:
        """"已评价" / "未评价" (the screen timed out) / "待评价" — never the level."""
        with self.ctx.db.read() as s:
            rows = RatingRepository(s).of_case(case_id)
        if any(r.level is not None for r in rows):
            return "已评价"
        return "未评价" if rows else "待评价"

    def day_summary(self, actor: Actor, day: dt.date | None = None, window_id: str | None = None) -> DaySummary:
        """The counts of a window's ratings of a day (今日评价): this PC's window and today by default.
        Another window's needs rating.view on it. Counts only, never which case got what."""
        day = day or self.ctx.today()
        with self.ctx.db.read() as s:
            seen = viewer(s, actor)
            device = ReferenceRepository(s).device()
            window_id = window_id or (device.window_id if device else None)
            if window_id not in seen.holder.window_ids:
                require(s, actor, VIEW, window_subject(s, window_id))
            window = ReferenceRepository(s).window(window_id)
            rows = RatingRepository(s).ratings(*day_bounds(day, day), window_id=window_id) if window_id else []
        counts = {label: sum(r.level == level for r in rows) for level, label in policy.LEVELS.items()}
        counts[policy.UNRATED] = sum(r.level is None for r in rows)
        rated = len(rows) - counts[policy.UNRATED]
        good = sum(policy.is_good(r.level) for r in rows)
        return DaySummary(day=day, window_label=window_label(window), counts=counts, rated=rated,
                          good_rate=rate(good, rated))

    def my_ratings(self, actor: Actor, days: int = 90) -> list[RatingItem]:
        """``actor``'s own ratings of the last ``days`` days, newest first, each only once it is
        policy.RATING_VISIBLE_AFTER old (the applicant has left the window)."""
        now = self.ctx.clock.now()
        with self.ctx.db.read() as s:
            seen = viewer(s, actor)
            if not seen.staff_id:
                return []
            until = now - policy.RATING_VISIBLE_AFTER + dt.timedelta(microseconds=1)
            rows = RatingRepository(s).ratings(now - dt.timedelta(days=days), until, staff_id=seen.staff_id)
            return self._items(s, rows, seen)

    # -- the hall's ratings ------------------------------------------------------------------------
    def ratings(self, actor: Actor, start: dt.date, end: dt.date, *, window_id: str | None = None,
                bad_only: bool = False) -> list[RatingItem]:
        """Ratings of the days start..end (newest first) that ``actor`` may see (rating.view: the hall,
        or a chief's department)."""
        with self.ctx.db.read() as s:
            seen = reviewer(s, actor)
            rows = RatingRepository(s).ratings(*day_bounds(start, end), window_id=window_id, bad_only=bad_only)
            return self._items(s, rows, seen, check=True)

    @staticmethod
    def _items(s: Session, rows: Sequence[Rating], seen: Viewer, *, check: bool = False) -> list[RatingItem]:
        repo = RatingRepository(s)
        labels = Labels(s, {r.matter_id for r in rows})
        shown = [r for r in rows if not check or seen.may(VIEW, labels.subject(r))]
        found = repo.appeals_of(r.id for r in shown)
        numbers = repo.case_numbers(r.case_id for r in shown)
        return [rating_item(r, labels, seen, found.get(r.id), numbers.get(r.case_id, "")) for r in shown]

    # -- 差评整改 ------------------------------------------------------------------------------------
    def followups(self, actor: Actor, status: str | None = None) -> list[FollowupItem]:
        """The follow-ups ``actor`` may see (rating.view), open first, the most urgent first."""
        return followups.listed(self.ctx, actor, status)

    def followup(self, actor: Actor, followup_id: str) -> FollowupItem:
        return followups.one(self.ctx, actor, followup_id)

    def verify(self, actor: Actor, followup_id: str, from_version: int, finding: str, note: str) -> FollowupItem:
        """核实 (op followup.verify; the supervisor): the finding and what was heard; then 待整改."""
        return followups.step(self.ctx, actor, FOLLOWUP_VERIFY, followup_id, from_version,
                              followups.verify(finding, note))

    def rectify(self, actor: Actor, followup_id: str, from_version: int, measures: str) -> FollowupItem:
        """整改措施 (op followup.rectify; the chief of the department or the supervisor); the 回访 limit
        is set from today (rating.callback_days working days); then 待回访."""
        days = self.ctx.int_parameter("rating.callback_days")
        calendar = self.ctx.calendar()
        return followups.step(self.ctx, actor, FOLLOWUP_RECTIFY, followup_id, from_version,
                              followups.rectify(measures, lambda day: policy.callback_due(day, calendar, days)))

    def callback(self, actor: Actor, followup_id: str, from_version: int, result: str, note: str) -> FollowupItem:
        """回访 (op followup.callback; the supervisor): the result, again if need be (无法联系, then reached).
        A rating that left no phone may record 无法联系 with the note 未留电话."""
        return followups.step(self.ctx, actor, FOLLOWUP_CALLBACK, followup_id, from_version,
                              followups.callback(result, note))

    def close(self, actor: Actor, followup_id: str, from_version: int, note: str = "") -> FollowupItem:
        """结案 (op followup.close; the supervisor), only once a callback result is recorded."""
        return followups.step(self.ctx, actor, FOLLOWUP_CLOSE, followup_id, from_version, followups.close(note))

    # -- 申诉复核 ------------------------------------------------------------------------------------
    def appeal(self, actor: Actor, rating_id: str, ground: str, reason: str) -> AppealItem:
        """The rated person appeals one of their ratings (op rating.appeal), once per rating."""
        return appeals.appeal(self.ctx, actor, rating_id, ground, reason)

    def appeals(self, actor: Actor, status: str | None = "pending") -> list[AppealItem]:
        """Leadership sees every appeal, everyone else their own (status None: all)."""
        return appeals.listed(self.ctx, actor, status)

    def decide_appeal(self, actor: Actor, appeal_id: str, from_version: int, upheld: bool, note: str) -> AppealItem:
        """复核 (op rating.appeal_decide; leadership, not on their own appeal). Upheld: the rating stays
        on record but no longer counts."""
        return appeals.decide(self.ctx, actor, appeal_id, from_version, upheld, note)

    # -- 评价统计 ------------------------------------------------------------------------------------
    def figures(self, actor: Actor, start: dt.date, end: dt.date, by: str = "window") -> list[FigureRow]:
        """Per window | department | matter | staff, then 合计 (key ''); rating.view."""
        return figures.figures(self.ctx, actor, start, end, by)

    def export_figures(self, actor: Actor, start: dt.date, end: dt.date, by: str, path: Path) -> Path:
        """The figures as an Excel workbook (.xlsx) at ``path``, written atomically."""
        from app.documents.service import write_atomically

        rows = self.figures(actor, start, end, by)
        with self.ctx.db.read() as s:
            ref = ReferenceRepository(s)
            device = ref.device()
            hall = ref.hall(device.hall_id) if device else None
        write_atomically(path, figures.figures_xlsx(rows, start, end, by, hall.name if hall else ""))
        return path
