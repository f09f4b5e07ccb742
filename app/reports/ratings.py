"""评价 figures of the reports: app.ratings.figures' figure rows (好评率, 差评, 整改按期率, 回访率, upheld
appeals) and the ratings by level, counted in SQL so a year of a large hall takes a moment. The levels
are classified by app.ratings.policy, and a rating whose appeal was upheld counts only as upheld, as in
app.ratings.figures (tests/app/test_reports_figures.py holds the two equal, row by row)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence

from sqlalchemy.orm import Session

from app.ratings import policy
from app.ratings.model import FigureRow
from app.reports.grouping import Grouping, Key, ordered, tally
from app.reports.model import TOTAL, LevelCount, rate
from db.report_repository import ReportRepository, Span

GOOD_LEVELS = tuple(level for level in policy.LEVELS if policy.is_good(level))


def _classify(level: int | None, n: int) -> Counter[str]:
    c: Counter[str] = Counter()
    if level is None:
        c["unrated"] += n
        c["level_none"] += n
        return c
    c["rated"] += n
    c["good"] += n * policy.is_good(level)
    c["medium"] += n * (level == 3)
    c["bad"] += n * policy.is_bad(level)
    c[f"level_{level}"] += n
    return c


def rating_buckets(s: Session, spans: Sequence[Span], today: dt.date) -> list[tuple[Key, list[Counter[str]]]]:
    repo = ReportRepository(s)
    buckets: dict[Key, list[Counter[str]]] = {}

    def held(key: Key) -> list[Counter[str]]:
        return buckets.setdefault(key, [Counter() for _ in spans])

    for key, level, per_span in repo.rating_buckets(spans):
        for i, n in enumerate(per_span):
            held(key)[i].update(_classify(level, n))
    for key, level, per_span in repo.upheld_buckets(spans):
        for i, n in enumerate(per_span):
            held(key)[i].subtract(_classify(level, n))
            held(key)[i]["upheld"] += n
    for key, per_span_f in repo.followup_buckets(spans, today).items():
        for i, counts in enumerate(per_span_f):
            held(key)[i].update(counts)
    return list(buckets.items())


def figure_row(key: str, label: str, c: Counter[str]) -> FigureRow:
    return FigureRow(
        key=key, label=label, rated=c["rated"], unrated=c["unrated"], good=c["good"], medium=c["medium"],
        bad=c["bad"], good_rate=rate(c["good"], c["rated"]), followups=c["followups"],
        rectified_on_time=c["on_time"], rectified_on_time_rate=rate(c["on_time"], c["rectify_due"]),
        callbacks_due=c["callbacks_due"], callbacks_done=c["callbacks_done"],
        callback_rate=rate(c["callbacks_done"], c["callbacks_due"]), upheld_appeals=c["upheld"],
    )


def rating_rows(grouping: Grouping, buckets: Sequence[tuple[Key, list[Counter[str]]]], span: int
                ) -> tuple[tuple[FigureRow, ...], tuple[LevelCount, ...]]:
    """The figure rows of span ``span`` (groups, then the 合计) and the 合计's ratings by level."""
    groups, total = tally(grouping, ((key, counts[span]) for key, counts in buckets))
    levels = tuple(LevelCount(level, label, total[f"level_{level}"]) for level, label in policy.LEVELS.items())
    levels += (LevelCount(None, policy.UNRATED, total["level_none"]),)
    return ordered(groups, total, TOTAL, figure_row), levels
