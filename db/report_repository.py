"""Queries of the reports (统计报表): counts aggregated in SQL per (window, matter) bucket, never a Python
loop over the ledger. Several periods are counted in one pass over the table (column ``<name>_<i>`` for
period ``i``). Runs in the caller's session and transaction.

Dates are compared as SQLite stores them (ISO text): ``substr(at, 1, 10)`` is the day of a datetime.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    String,
    and_,
    case,
    column,
    exists,
    false,
    func,
    literal,
    literal_column,
    not_,
    or_,
    select,
    text,
    values,
)
from sqlalchemy.orm import Session

from db.models import (
    AttendanceMonth,
    AttendanceSchedule,
    Case,
    Department,
    EmptyPost,
    Hall,
    LeaveRequest,
    Notice,
    Punch,
    PunchMakeup,
    Rating,
    RatingAppeal,
    RatingFollowup,
    Staff,
    Suspension,
    Window,
)

ONE_DAY = dt.timedelta(days=1)
SORT_THREADS = 2
CASE_METRICS = ("received", "accepted", "deferred", "deemed", "rejected", "completed", "completed_with_due",
                "on_time", "overdue_completed", "overdue_open", "immediate", "on_the_spot", "handling_days",
                "handling_cases", "unmatched")
FOLLOWUP_METRICS = ("followups", "rectify_due", "on_time", "callbacks_due", "callbacks_done")
Key = tuple[str | None, str]  # (window id, matter id)


@dataclass(frozen=True)
class Span:
    """A period as the queries count it: the days ``start``..``end``; snapshots taken at ``as_of``."""

    start: dt.date
    end: dt.date
    as_of: dt.date

    @property
    def first(self) -> dt.datetime:
        return dt.datetime.combine(self.start, dt.time())

    @property
    def after(self) -> dt.datetime:
        return dt.datetime.combine(self.end + ONE_DAY, dt.time())

    @property
    def as_of_after(self) -> dt.datetime:
        return dt.datetime.combine(self.as_of + ONE_DAY, dt.time())


def _ones(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.sum(case((condition, 1), else_=0))


def _day(at: Any) -> ColumnElement[str]:
    return func.substr(at, 1, 10)


def _within(at: Any, span: Span) -> ColumnElement[bool]:
    return and_(at >= span.first, at < span.after)


def _span_of(at: Any, spans: Sequence[Span], *, day: bool = False) -> ColumnElement[Any]:
    """The index of the span ``at`` falls in, NULL outside every span (``day``: a date column)."""
    whens = [(and_(at >= x.start, at <= x.end) if day else _within(at, x), i) for i, x in enumerate(spans)]
    return case(*whens, else_=None)


def _add_row(counts: list[dict[str, int]], case_type: str, rs: Any, acs: Any, ds: Any, cs: Any,
             c: Mapping[str, int]) -> None:
    """One group of the pass over the cases into the figures of the spans its dates fall in."""
    if rs is not None:
        counts[rs]["received"] += c["n"]
        if case_type == "immediate":
            counts[rs]["immediate"] += c["accepted_any"]
            counts[rs]["on_the_spot"] += c["on_spot"]
    if acs is not None:
        for name in ("deferred", "deemed"):
            counts[acs][name] += c[name]
        counts[acs]["accepted"] += c["n"]
    if ds is not None:
        counts[ds]["rejected"] += c["n"]
    if cs is not None:
        target = counts[cs]
        target["completed"] += c["n"]
        target["completed_with_due"] += c["with_due"]
        target["on_time"] += c["on_time"]
        target["overdue_completed"] += c["late"]
        for name in ("handling_days", "handling_cases", "unmatched"):
            target[name] += c[name]


@dataclass(frozen=True)
class Within:
    """A department's part of the hall: its windows, and at a window of no department (综合窗口, or none)
    the cases of its matters; ``departmental`` are the windows that belong to some department."""

    windows: tuple[str, ...]
    departmental: tuple[str, ...]
    matters: tuple[str, ...]


def _inside(table: Any, within: Within) -> ColumnElement[bool]:
    other_window = or_(table.window_id.is_(None), table.window_id.not_in(within.departmental))
    return or_(table.window_id.in_(within.windows), and_(other_window, table.matter_id.in_(within.matters)))


LONG_RANGE = dt.timedelta(days=62)


def _off_index(at: Any) -> Any:
    """``+at``: SQLite's way of keeping a column off its index."""
    return literal_column(f"+{at.table.name}.{at.name}", type_=at.type)


def _time_of(at: Any, length: dt.timedelta) -> Any:
    """``at`` as the range test reads it: over months of rows off its index, so the table is read
    straight through instead of one lookup per row from the index (SQLite without statistics takes the
    index whatever the range). Joined from a small table (follow-ups, appeals) always off the index:
    the small table is read and each row finds its rating by id."""
    return at if length <= LONG_RANGE else _off_index(at)


class ReportRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    @contextmanager
    def _sorting(self) -> Iterator[None]:
        """Helper threads for the sort of a big GROUP BY (SQLite's ``PRAGMA threads``, about a third off a
        year of a large hall), on this connection for the query only."""
        if self.s.get_bind().dialect.name != "sqlite":
            yield
            return
        before = int(self.s.execute(text("PRAGMA threads")).scalar() or 0)
        self.s.execute(text(f"PRAGMA threads = {SORT_THREADS}"))
        try:
            yield
        finally:
            self.s.execute(text(f"PRAGMA threads = {before}"))

    # -- 办件 ----------------------------------------------------------------------------------------
    def case_buckets(self, spans: Sequence[Span], workdays: Mapping[dt.date, int]
                     ) -> list[tuple[Key, str, list[dict[str, int]]]]:
        """((window, matter), case type, [metric -> count per span]) of the cases (voided ones left out).
        ``spans`` must not overlap. ``workdays``: day -> working days since some day before every start
        (the calendar's running count), for the handling time; a completed case whose days are not in it
        counts in ``unmatched``.

        One pass over the cases some span counts, grouped by bucket and by the span each of its dates
        falls in (received, accepted, rejected, completed): each row is judged once, whatever the number
        of figures. Then the snapshot 超期未办结 at each span's end: the cases open now past their due date
        (through the (status, due date) index) and those completed only after that end."""
        merged: dict[tuple[Key, str], list[dict[str, int]]] = {}

        def held(key: Key, case_type: str) -> list[dict[str, int]]:
            return merged.setdefault((key, case_type), [dict.fromkeys(CASE_METRICS, 0) for _ in spans])

        q, names = self._pass(spans, workdays)
        with self._sorting():
            rows = self.s.execute(q).tuples().all()
        for row in rows:
            window_id, matter_id, case_type, rs, acs, ds, cs = row[:7]
            c = dict(zip(names, (int(v or 0) for v in row[7:]), strict=True))
            _add_row(held((window_id, matter_id), str(case_type)), str(case_type), rs, acs, ds, cs, c)
        as_of = max(x.as_of for x in spans)
        since = or_(*(and_(Case.completed_at >= x.as_of_after, Case.accepted_on <= x.as_of,
                           _off_index(Case.due_date) < x.as_of) for x in spans))  # not the (status, due) index
        for where in (and_(Case.status.in_(("accepted", "suspended")), Case.due_date < as_of),  # open now
                      since):  # completed only after a span's end
            later = [_ones(and_(or_(Case.completed_at.is_(None), Case.completed_at >= x.as_of_after),
                                self._overdue_at(x))) for x in spans]
            snapshot = (select(Case.window_id, Case.matter_id, Case.case_type, *later).where(where)
                        .group_by(Case.window_id, Case.matter_id, Case.case_type))
            for row in self.s.execute(snapshot).tuples():
                counts = held((row[0], row[1]), str(row[2]))
                for i in range(len(spans)):
                    counts[i]["overdue_open"] += int(row[3 + i] or 0)
        return [(key, case_type, counts) for (key, case_type), counts in merged.items()]

    @staticmethod
    def _pass(spans: Sequence[Span], workdays: Mapping[dt.date, int]) -> tuple[Any, list[str]]:
        """The one pass: the bucket, the span of each date, the sums (their names in order)."""
        first, after = min(x.first for x in spans), max(x.after for x in spans)
        wd = values(column("day", String), column("n", Integer), name="wd").data(
            [(day.isoformat(), n) for day, n in sorted(workdays.items())]).cte("wd")
        a, b = wd.alias("wd_a"), wd.alias("wd_b")
        received, accepted, completed = (_span_of(Case.received_at, spans), _span_of(Case.accepted_on, spans, day=True),
                                         _span_of(Case.completed_at, spans))
        rejected = case((Case.status == "rejected", _span_of(Case.decided_at, spans)), else_=None)
        day_done = _day(Case.completed_at)
        matched = and_(completed.is_not(None), a.c.n.is_not(None), b.c.n.is_not(None))
        sums = {
            "n": func.count(), "deferred": _ones(Case.deferred_due.is_not(None)),
            "deemed": _ones(Case.deemed_accepted.is_(True)), "accepted_any": _ones(Case.accepted_on.is_not(None)),
            "with_due": _ones(Case.due_date.is_not(None)), "on_time": _ones(day_done <= Case.due_date),
            "late": _ones(day_done > Case.due_date),
            "on_spot": _ones(and_(Case.accepted_on.is_not(None), day_done == Case.received_on)),
            "handling_days": func.sum(case((matched, func.max(b.c.n - a.c.n - Case.suspended_days, literal(0))),
                                           else_=0)),
            "handling_cases": _ones(matched),
            "unmatched": _ones(and_(completed.is_not(None), or_(a.c.n.is_(None), b.c.n.is_(None)))),
        }
        keys = (Case.window_id, Case.matter_id, Case.case_type, received, accepted, rejected, completed)
        q = (select(*keys, *(v.label(k) for k, v in sums.items())).select_from(Case)
             .outerjoin(a, a.c.day == func.coalesce(Case.accepted_on, Case.received_on))
             .outerjoin(b, b.c.day == day_done)
             .where(Case.status != "voided", or_(
                 and_(Case.received_at >= first, Case.received_at < after),
                 and_(Case.accepted_on >= min(x.start for x in spans), Case.accepted_on <= max(x.end for x in spans)),
                 and_(Case.status == "rejected", Case.decided_at >= first, Case.decided_at < after),
                 and_(Case.completed_at >= first, Case.completed_at < after)))
             .group_by(*keys))
        return q, list(sums)

    @staticmethod
    def _overdue_at(span: Span) -> ColumnElement[bool]:
        """Accepted, past its due date and not suspended at the span's end (the snapshot: 超期未办结); nothing
        for a span that has not begun."""
        if span.as_of < span.start:
            return false()
        suspended = exists().where(Suspension.case_id == Case.id, Suspension.started_on <= span.as_of,
                                   or_(Suspension.ended_on.is_(None), Suspension.ended_on > span.as_of))
        return and_(Case.accepted_on <= span.as_of, Case.due_date < span.as_of, not_(suspended))

    def earliest_start(self, span: Span) -> dt.date | None:
        """The earliest acceptance (else receipt) day of the cases completed in ``span``."""
        value = self.s.scalar(select(func.min(func.coalesce(Case.accepted_on, Case.received_on)))
                              .where(Case.status != "voided", _within(Case.completed_at, span)))
        return value if value is None or isinstance(value, dt.date) else dt.date.fromisoformat(str(value))

    def correction_buckets(self, spans: Sequence[Span], number_ranges: Sequence[tuple[str, str]] = ()
                           ) -> dict[Key, list[int]]:
        """(window, matter) -> 补正 notices (一次性告知) issued in each span, voided papers left out.
        ``number_ranges`` ([low, high) of the notice numbers those can have): lets the unique index on
        the number find them instead of reading every paper of the hall."""
        first, after = min(s.first for s in spans), max(s.after for s in spans)
        columns = [_ones(_within(Notice.issued_at, span)).label(f"n_{i}") for i, span in enumerate(spans)]
        q = (select(Case.window_id, Case.matter_id, *columns).select_from(Notice).join(Case, Case.id == Notice.case_id)
             .where(Notice.kind == "correction", Notice.void.is_(False), Notice.issued_at >= first,
                    Notice.issued_at < after, Case.status != "voided"))
        if number_ranges:
            q = q.where(or_(*(and_(Notice.number >= lo, Notice.number < hi) for lo, hi in number_ranges)))
        q = q.group_by(Case.window_id, Case.matter_id)
        return {(r[0], r[1]): [int(v or 0) for v in r[2:]] for r in self.s.execute(q).tuples()}

    # -- 评价 ----------------------------------------------------------------------------------------
    def rating_buckets(self, spans: Sequence[Span]) -> list[tuple[Key, int | None, list[int]]]:
        """((window, matter), level (None: 未评价), [ratings per span]) by the time rated."""
        first, after = min(s.first for s in spans), max(s.after for s in spans)
        columns = [_ones(_within(Rating.rated_at, span)).label(f"n_{i}") for i, span in enumerate(spans)]
        at = _time_of(Rating.rated_at, after - first)
        q = (select(Rating.window_id, Rating.matter_id, Rating.level, *columns)
             .where(at >= first, at < after)
             .group_by(Rating.window_id, Rating.matter_id, Rating.level))
        with self._sorting():
            rows = self.s.execute(q).tuples().all()
        return [((r[0], r[1]), r[2], [int(v or 0) for v in r[3:]]) for r in rows]

    def upheld_buckets(self, spans: Sequence[Span]) -> list[tuple[Key, int | None, list[int]]]:
        """Like rating_buckets, only the ratings whose appeal was upheld (申诉成立)."""
        first, after = min(s.first for s in spans), max(s.after for s in spans)
        columns = [_ones(_within(Rating.rated_at, span)).label(f"n_{i}") for i, span in enumerate(spans)]
        q = (select(Rating.window_id, Rating.matter_id, Rating.level, *columns).select_from(RatingAppeal)
             .join(Rating, Rating.id == RatingAppeal.rating_id)
             .where(RatingAppeal.status == "upheld", _off_index(Rating.rated_at) >= first,
                    _off_index(Rating.rated_at) < after)
             .group_by(Rating.window_id, Rating.matter_id, Rating.level))
        return [((r[0], r[1]), r[2], [int(v or 0) for v in r[3:]]) for r in self.s.execute(q).tuples()]

    def followup_buckets(self, spans: Sequence[Span], today: dt.date) -> dict[Key, list[dict[str, int]]]:
        """(window, matter) -> [差评整改 metric -> count per span] of the follow-ups of the ratings given in
        each span (app.ratings.figures counts them so: 整改按期率 over the follow-ups rectified or past
        their limit, 回访率 over the rectified ones of ratings that left a phone)."""
        first, after = min(s.first for s in spans), max(s.after for s in spans)
        rectified = RatingFollowup.rectified_at.is_not(None)
        callback_due = and_(Rating.callback_phone != "", rectified)
        tests: dict[str, ColumnElement[bool]] = {
            "followups": literal(True),
            "rectify_due": or_(rectified, RatingFollowup.rectify_due < today),
            "on_time": and_(rectified, _day(RatingFollowup.rectified_at) <= RatingFollowup.rectify_due),
            "callbacks_due": callback_due,
            "callbacks_done": and_(callback_due, RatingFollowup.callback_result != ""),
        }
        columns = [_ones(and_(_within(Rating.rated_at, span), test)).label(f"{name}_{i}")
                   for i, span in enumerate(spans) for name, test in tests.items()]
        q = (select(Rating.window_id, Rating.matter_id, *columns).select_from(RatingFollowup)
             .join(Rating, Rating.id == RatingFollowup.rating_id)
             .where(_off_index(Rating.rated_at) >= first, _off_index(Rating.rated_at) < after)
             .group_by(Rating.window_id, Rating.matter_id))
        out = {}
        for r in self.s.execute(q).tuples():
            out[(r[0], r[1])] = [{name: int(r[2 + i * len(tests) + j] or 0) for j, name in enumerate(tests)}
                                 for i in range(len(spans))]
        return out

    # -- the monthly trend ---------------------------------------------------------------------------
    def received_months(self, months: Sequence[tuple[dt.datetime, dt.datetime]], within: Within | None,
                        counted: Sequence[str]) -> list[int]:
        """The cases received in each [first, after) of ``months`` whose status is one of ``counted`` (every
        status but voided). The whole hall: counted on the (status, received) index, month by month."""
        if within is None:
            return [int(self.s.scalar(select(func.count()).select_from(Case).where(
                Case.status.in_(list(counted)), Case.received_at >= a, Case.received_at < b)) or 0) for a, b in months]
        month = func.substr(Case.received_at, 1, 7)
        q = (select(month, func.count()).where(Case.status.in_(list(counted)), Case.received_at >= months[0][0],
                                              Case.received_at < months[-1][1], _inside(Case, within))
             .group_by(month))
        found = {str(m): int(n) for m, n in self.s.execute(q).tuples()}
        return [found.get(a.strftime("%Y-%m"), 0) for a, _b in months]

    def completed_months(self, first: dt.datetime, after: dt.datetime, within: Within | None
                         ) -> dict[str, tuple[int, int, int]]:
        """month ("2026-12") -> (completed, completed with a due date, of which on time) in [first, after)."""
        month = func.substr(Case.completed_at, 1, 7)
        with_due = Case.due_date.is_not(None)
        on_time = and_(with_due, _day(Case.completed_at) <= Case.due_date)
        q = (select(month, func.count(), _ones(with_due), _ones(on_time))
             .where(Case.completed_at >= first, Case.completed_at < after, Case.status != "voided")
             .group_by(month))
        if within is not None:
            q = q.where(_inside(Case, within))
        with self._sorting():
            rows = self.s.execute(q).tuples().all()
        return {str(r[0]): (int(r[1]), int(r[2] or 0), int(r[3] or 0)) for r in rows}

    def rating_months(self, first: dt.datetime, after: dt.datetime, good_levels: Sequence[int], within: Within | None,
                      *, upheld_only: bool = False) -> dict[str, tuple[int, int]]:
        """month -> (rated, 好评) of the ratings with a level given in [first, after); ``upheld_only``: only
        those whose appeal was upheld (to take out: they no longer count)."""
        month = func.substr(Rating.rated_at, 1, 7)
        q = select(month, func.count(), _ones(Rating.level.in_(list(good_levels))))
        at: Any = Rating.rated_at
        if upheld_only:
            q = q.select_from(RatingAppeal).join(Rating, Rating.id == RatingAppeal.rating_id) \
                .where(RatingAppeal.status == "upheld")
            at = _off_index(Rating.rated_at)
        else:
            at = _time_of(Rating.rated_at, after - first)
        q = q.where(at >= first, at < after, Rating.level.is_not(None)).group_by(month)
        if within is not None:
            q = q.where(_inside(Rating, within))
        with self._sorting():
            rows = self.s.execute(q).tuples().all()
        return {str(r[0]): (int(r[1]), int(r[2] or 0)) for r in rows}

    # -- 考勤 ----------------------------------------------------------------------------------------
    def published_version(self, hall_id: str, month: str) -> tuple[str, int] | None:
        """(id, version) of the latest published version of ``month`` ("2026-12"), its sheet not read."""
        row = self.s.execute(select(AttendanceMonth.id, AttendanceMonth.version).where(
            AttendanceMonth.hall_id == hall_id, AttendanceMonth.month == month)
            .order_by(AttendanceMonth.version.desc()).limit(1)).tuples().first()
        return (row[0], int(row[1])) if row is not None else None

    def published_month(self, month_id: str) -> AttendanceMonth | None:
        return self.s.get(AttendanceMonth, month_id)

    def attendance_state(self, hall_id: str, first: dt.datetime, after: dt.datetime) -> tuple[Any, ...] | None:
        """What a month's sheet (app.attendance.months.hall_sheet) is computed from, summarised so that any
        change shows: the month's punches (append-only: their number and the newest row), leave and 补签
        (number, versions, newest row), the schedule version, the hall's people, windows, departments.
        None when the month has not a single punch."""
        punches: tuple[Any, ...] = tuple(self.s.execute(select(func.count(), func.max(literal_column("punch.rowid")))
                                                        .where(Punch.at >= first, Punch.at < after)).one())
        if not punches[0]:
            return None
        requests = [self.s.execute(select(func.count(), func.total(t.version),
                                          func.max(literal_column(f"{t.__tablename__}.rowid"))).select_from(t))
                    .tuples().one() for t in (LeaveRequest, PunchMakeup)]
        schedule = self.s.scalar(select(func.max(AttendanceSchedule.version))
                                 .where(AttendanceSchedule.hall_id == hall_id))
        people = self.s.execute(select(Staff.id, Staff.name, Staff.window_id, Staff.department_id, Staff.active)
                                .where(Staff.hall_id == hall_id).order_by(Staff.id)).tuples().all()
        windows = self.s.execute(select(Window.id, Window.number, Window.name, Window.department_id,
                                        Window.a_staff_id, Window.b_staff_id)
                                 .where(Window.hall_id == hall_id).order_by(Window.id)).tuples().all()
        departments = self.s.execute(select(Department.id, Department.name).order_by(Department.id)).tuples().all()
        hall = self.s.scalar(select(Hall.name).where(Hall.id == hall_id))
        return (tuple(punches), *(tuple(r) for r in requests), schedule, tuple(people), tuple(windows),
                tuple(departments), hall)

    def empty_posts(self, first: dt.datetime, after: dt.datetime) -> list[tuple[str, dt.datetime, int]]:
        """(window, started, minutes) of the 空岗 events that started in [first, after)."""
        q = (select(EmptyPost.window_id, EmptyPost.started_at, EmptyPost.minutes)
             .where(EmptyPost.started_at >= first, EmptyPost.started_at < after))
        return [(r[0], r[1], int(r[2] or 0)) for r in self.s.execute(q).tuples()]
