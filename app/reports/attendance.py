"""考勤 figures of the reports, from the monthly sheets the attendance rules make (app.attendance): nothing
is judged here, the day results of the sheets are only added up over the period's days.

A month the hall has published is taken as published (its latest version: the results announced); a
month not published is computed now from this PC's rows (app.attendance.months.hall_sheet); a month
without a single punch and not published has no attendance data (the hall did not keep it here yet) and
is left out rather than shown as everyone absent. 空岗 events come from the empty_post table."""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter, OrderedDict
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from app.attendance import common
from app.attendance.months import hall_sheet
from app.attendance.rules import DayResult, MonthSheet, sheet_from_json
from app.context import AppContext
from app.errors import InvalidInput
from app.reports.grouping import Group, Grouping, ordered
from app.reports.model import TOTAL, AttendanceRow
from app.reports.periods import month_end, month_label
from db.report_repository import ReportRepository, Span

ONE_DAY = dt.timedelta(days=1)


FIELDS = ("halves_due", "absent_halves", "leave_halves", "late_count", "late_minutes", "early_count",
          "early_minutes", "missing")
Tallies = tuple[int, int, int, int, int, int, int, int]  # FIELDS of one person's day


@dataclass(frozen=True)
class PersonDays:
    staff_id: str
    department_id: str | None
    days: tuple[tuple[dt.date, Tallies], ...]


@dataclass(frozen=True)
class MonthTally:
    """A month's sheet reduced to what the reports add up: per person and day, the counts of FIELDS."""

    year: int
    month: int
    label: str  # 已发布第2版 / 实时计算
    people: tuple[PersonDays, ...]


def _day_tallies(d: DayResult, as_of: dt.date) -> Tallies:
    """The counts app.attendance.rules.person_month adds up for a month, for one day: the day is due when
    it is a working day judged (up to as_of) while employed."""
    due = d.working and d.day <= as_of and d.morning.status != "not_employed"
    return (2 * due, d.absent_halves, (d.morning.status == "leave") + (d.afternoon.status == "leave"), d.late_count,
            d.late_minutes, d.early_count, d.early_minutes, len(d.missing_slots))


def month_tally(sheet: MonthSheet, label: str) -> MonthTally:
    people = tuple(PersonDays(pm.person.staff_id, pm.person.department_id,
                              tuple((d.day, _day_tallies(d, sheet.as_of)) for d in pm.days)) for pm in sheet.people)
    return MonthTally(sheet.year, sheet.month, label, people)


class MonthCache:
    """Months already reduced, kept for the next report: a published version for good (a correction is a
    new row), a live month while nothing it is computed from has changed (its key says what that is)."""

    def __init__(self, size: int = 48) -> None:
        self._items: OrderedDict[Hashable, MonthTally] = OrderedDict()
        self._lock = threading.Lock()  # reports of several windows may run on the read pool at once
        self._size = size

    def get(self, key: Hashable) -> MonthTally | None:
        with self._lock:
            item = self._items.get(key)
            if item is not None:
                self._items.move_to_end(key)
            return item

    def put(self, key: Hashable, item: MonthTally) -> None:
        with self._lock:
            self._items[key] = item
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)


def _published(repo: ReportRepository, hall: str, year: int, month: int, cache: MonthCache) -> MonthTally | None:
    ref = repo.published_version(hall, f"{year:04d}-{month:02d}")
    if ref is None:
        return None
    key = ("published", ref[0])
    held = cache.get(key)
    if held is not None:
        return held
    row = repo.published_month(ref[0])
    try:
        sheet = sheet_from_json(row.sheet) if row is not None else None
    except (InvalidInput, KeyError, TypeError, ValueError):
        sheet = None  # a version this PC cannot read: computed now instead
    if sheet is None:
        return None
    tally = month_tally(sheet, f"已发布第{ref[1]}版")
    cache.put(key, tally)
    return tally


def month_sources(ctx: AppContext, s: Session, months: Iterable[tuple[int, int]], cache: MonthCache
                  ) -> dict[tuple[int, int], MonthTally]:
    """Each month that has attendance data, as published or computed now."""
    repo = ReportRepository(s)
    hall = common.hall_id(s)
    today = ctx.today()
    makeup_days = common.params(ctx).makeup_days
    out = {}
    for year, month in sorted(set(months)):
        first = dt.datetime(year, month, 1)
        if first.date() > today:
            continue
        published = _published(repo, hall, year, month, cache)
        if published is not None:
            out[(year, month)] = published
            continue
        after = dt.datetime.combine(month_end(year, month) + ONE_DAY, dt.time())
        state = repo.attendance_state(hall, first, after)
        if state is None:
            continue  # not a punch that month: no attendance kept here yet
        key = ("live", year, month, today, makeup_days, ctx.calendar(), state)
        tally = cache.get(key)
        if tally is None:
            sheet = hall_sheet(s, hall, year, month, calendar=ctx.calendar(), as_of=today, makeup_days=makeup_days)
            tally = month_tally(sheet, "实时计算")
            cache.put(key, tally)
        out[(year, month)] = tally
    return out


def source_text(sources: dict[tuple[int, int], MonthTally], span: Span) -> str:
    """"2026年11月：已发布第1版；2026年12月：实时计算" for the months of ``span``."""
    parts = []
    for (year, month), source in sorted(sources.items()):
        if _in_span(year, month, span):
            parts.append(f"{month_label(year, month)}：{source.label}")
    return "；".join(parts) or "本期无考勤数据"


def _span_counts(days: Iterable[tuple[dt.date, Tallies]], span: Span) -> Counter[str]:
    sums = [0] * len(FIELDS)
    for day, tallies in days:
        if span.start <= day <= span.end:
            for i, n in enumerate(tallies):
                sums[i] += n
    return Counter(dict(zip(FIELDS, sums, strict=True)))


def _person_group(grouping: Grouping, staff_id: str, department_id: str | None) -> Group:
    if grouping.by == "window":
        person = grouping.labels.staff.get(staff_id)
        return grouping.window_group(person.window_id if person else None)
    return department_id or "", grouping.labels.department_name(department_id) or "（未分部门）"


def _in_span(year: int, month: int, span: Span) -> bool:
    return dt.date(year, month, 1) <= span.end and month_end(year, month) >= span.start


def _people(grouping: Grouping, sources: dict[tuple[int, int], MonthTally], span: Span
            ) -> tuple[dict[Group, Counter[str]], dict[Group, set[str]], Counter[str]]:
    groups: dict[Group, Counter[str]] = {}
    people: dict[Group, set[str]] = {}
    total: Counter[str] = Counter()
    for (year, month), source in sources.items():
        if not _in_span(year, month, span):
            continue
        for p in source.people:
            if grouping.department_id is not None and p.department_id != grouping.department_id:
                continue
            counts = _span_counts(p.days, span)
            if not any(counts.values()):
                continue
            group = _person_group(grouping, p.staff_id, p.department_id)
            groups.setdefault(group, Counter()).update(counts)
            people.setdefault(group, set()).add(p.staff_id)
            total.update(counts)
    return groups, people, total


def attendance_rows(grouping: Grouping, sources: dict[tuple[int, int], MonthTally], span: Span,
                    empty_posts: Sequence[tuple[str, dt.datetime, int]]) -> tuple[AttendanceRow, ...]:
    """Per window (attendance grouped by window) or department, then the 合计; () without data."""
    if not any(_in_span(year, month, span) for year, month in sources):
        return ()
    groups, people, total = _people(grouping, sources, span)
    for window_id, _started, minutes in empty_posts:
        window = grouping.labels.windows.get(window_id)
        if grouping.department_id is not None and (window is None or window.department_id != grouping.department_id):
            continue
        for target in (groups.setdefault(grouping.window_group(window_id), Counter()), total):
            target["empty_posts"] += 1
            target["empty_post_minutes"] += minutes
    for group, staff in people.items():
        groups[group]["people"] = len(staff)
    total["people"] = len(set().union(*people.values())) if people else 0
    return ordered(groups, total, TOTAL, _row)


def _row(key: str, label: str, c: Counter[str]) -> AttendanceRow:
    return AttendanceRow(
        key=key, label=label, people=c["people"], halves_due=c["halves_due"], absent_halves=c["absent_halves"],
        leave_halves=c["leave_halves"], late_count=c["late_count"], late_minutes=c["late_minutes"],
        early_count=c["early_count"], early_minutes=c["early_minutes"], missing=c["missing"],
        empty_posts=c["empty_posts"], empty_post_minutes=c["empty_post_minutes"],
    )
