"""办件 figures of the reports: counted in SQL per (window, matter) bucket for several periods at once
(db.report_repository), grouped and scoped here. Definitions: docs/reports.md and app.reports.model.CaseRow.

The handling time is counted in working days of the hall's calendar: from acceptance (else receipt) to
completion, less the working days the clock stood still (暂停计时), never below 0."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Sequence

from sqlalchemy.orm import Session

from app.numbering import notice_number, station_mark
from app.reports.grouping import Grouping, Key, ordered, tally
from app.reports.model import TOTAL, CaseRow
from app.workcal import WorkingCalendar
from db.report_repository import ReportRepository, Span
from db.repositories import ReferenceRepository

LOOKBACK_DAYS = 400  # the calendar handed to SQL reaches this far before the first day; older starts are rare


def workday_index(calendar: WorkingCalendar, first: dt.date, last: dt.date) -> dict[dt.date, int]:
    """day -> working days in (first, day]: working_days_between(a, b) is index[b] - index[a]."""
    out, n, day = {}, 0, first
    while day <= last:
        if day > first and calendar.is_working_day(day):
            n += 1
        out[day] = n
        day += dt.timedelta(days=1)
    return out


def correction_ranges(hall_code: str, spans: Sequence[Span], stations: Iterable[str] = ()) -> list[tuple[str, str]]:
    """The numbers a 补正 notice of the spans' years can have (app.numbering.notice_number):
    "DEMO-2026-BZ000000" up to the next code, and the same marked with each of ``stations`` (what a
    standalone PC at that window issued: "DEMO-03-2026-BZ000000")."""
    out = []
    for year in range(min(s.start.year for s in spans), max(s.end.year for s in spans) + 1):
        for station in (None, *sorted(set(stations))):
            low = notice_number(hall_code, "correction", year, 0, station)[:-6]
            out.append((low, low + "\uffff"))
    return out


def _stations(s: Session) -> list[str]:
    """The station marks the hall's windows give a standalone PC's numbers."""
    ref = ReferenceRepository(s)
    device = ref.device()
    return [m for w in ref.windows(device.hall_id) if (m := station_mark(w.number))] if device else []


def case_buckets(s: Session, spans: Sequence[Span], calendar: WorkingCalendar, hall_code: str
                 ) -> list[tuple[Key, list[Counter[str]]]]:
    """(window, matter) -> the metrics of each span, 一次性告知 included."""
    repo = ReportRepository(s)
    first, last = min(x.start for x in spans), max(x.end for x in spans)
    start = first - dt.timedelta(days=LOOKBACK_DAYS)
    rows = repo.case_buckets(spans, workday_index(calendar, start, last))
    if any(c["unmatched"] for _key, _type, counts in rows for c in counts):
        # a case completed now that was accepted long ago: hand SQL the calendar from its acceptance on
        earliest = min((d for x in spans if (d := repo.earliest_start(x)) is not None), default=start)
        rows = repo.case_buckets(spans, workday_index(calendar, min(earliest, start), last))
    buckets: dict[Key, list[Counter[str]]] = {}
    for key, _case_type, counts in rows:
        held = buckets.setdefault(key, [Counter() for _ in spans])
        for i, c in enumerate(counts):
            held[i].update(c)
    corrections = repo.correction_buckets(spans, correction_ranges(hall_code, spans, _stations(s)) if hall_code else ())
    for key, per_span in corrections.items():
        held = buckets.setdefault(key, [Counter() for _ in spans])
        for i, n in enumerate(per_span):
            held[i]["corrections"] += n
    return list(buckets.items())


def case_row(key: str, label: str, c: Counter[str]) -> CaseRow:
    return CaseRow(
        key=key, label=label, received=c["received"], accepted=c["accepted"], deferred=c["deferred"],
        deemed=c["deemed"], rejected=c["rejected"], corrections=c["corrections"], completed=c["completed"],
        completed_with_due=c["completed_with_due"], on_time=c["on_time"], overdue_completed=c["overdue_completed"],
        overdue_open=c["overdue_open"], immediate=c["immediate"], on_the_spot=c["on_the_spot"],
        handling_days=c["handling_days"], handling_cases=c["handling_cases"],
    )


def case_rows(grouping: Grouping, buckets: Sequence[tuple[Key, list[Counter[str]]]], span: int
              ) -> tuple[CaseRow, ...]:
    """The rows of span ``span``: one per group, then the 合计."""
    groups, total = tally(grouping, ((key, counts[span]) for key, counts in buckets))
    return ordered(groups, total, TOTAL, case_row)
