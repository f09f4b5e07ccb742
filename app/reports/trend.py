"""The monthly trend of the reports: cases received and completed, 按期办结率 and 好评率 of each of the
last 12 months (for the charts), in the viewer's scope. Counted per month only (no window breakdown):
a year of a large hall is read once per figure, never grouped by window."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from app.cases.rules import CaseStatus
from app.reports.grouping import Grouping
from app.reports.model import TrendPoint, rate
from app.reports.periods import month_label, trend_months
from app.reports.ratings import GOOD_LEVELS
from db.report_repository import ReportRepository, Within

COUNTED = tuple(s.value for s in CaseStatus if s != CaseStatus.VOIDED)


def _bounds(year: int, month: int) -> tuple[dt.datetime, dt.datetime]:
    return dt.datetime(year, month, 1), dt.datetime(year + month // 12, month % 12 + 1, 1)


def within(grouping: Grouping) -> Within | None:
    """The chief's department as the queries filter it (app.ratings.common.Labels.department_of's rule)."""
    department = grouping.department_id
    if department is None:
        return None
    labels = grouping.labels
    windows = tuple(w.id for w in labels.windows.values() if w.department_id == department)
    departmental = tuple(w.id for w in labels.windows.values() if w.department_id)
    matters = tuple(m for m, (_name, d) in labels.matters.items() if d == department)
    return Within(windows, departmental, matters)


def trend(s: Session, grouping: Grouping, end: dt.date, count: int = 12) -> tuple[TrendPoint, ...]:
    months = trend_months(end, count)
    bounds = [_bounds(y, m) for y, m in months]
    first, after = bounds[0][0], bounds[-1][1]
    scope = within(grouping)
    repo = ReportRepository(s)
    received = repo.received_months(bounds, scope, COUNTED)
    completed = repo.completed_months(first, after, scope)
    rated = repo.rating_months(first, after, GOOD_LEVELS, scope)
    upheld = repo.rating_months(first, after, GOOD_LEVELS, scope, upheld_only=True)  # out of the rate
    out = []
    for (y, m), n in zip(months, received, strict=True):
        key = f"{y:04d}-{m:02d}"
        done, with_due, on_time = completed.get(key, (0, 0, 0))
        given, good = rated.get(key, (0, 0))
        taken, taken_good = upheld.get(key, (0, 0))
        out.append(TrendPoint(year=y, month=m, label=month_label(y, m), received=n, completed=done,
                              on_time_rate=rate(on_time, with_due), good_rate=rate(good - taken_good, given - taken),
                              rated=given - taken))
    return tuple(out)
