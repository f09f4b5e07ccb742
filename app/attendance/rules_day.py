"""One person's attendance on one day (see :mod:`app.attendance.rules` for the rules). Pure Python."""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise
from typing import NamedTuple

from app.attendance.rules_facts import LeaveFact, MakeupFact, Person, PunchFact
from app.attendance.schedule import Schedule, Slot, expected_slots

STATUS_LABELS = {
    "normal": "正常",
    "late": "迟到",
    "early": "早退",
    "missing": "缺卡",
    "absent": "旷工",
    "leave": "请假",
    "out": "外出",
    "official": "公假",
    "rest": "休息",
    "not_employed": "未在岗",
    "pending": "",  # not judged yet (a day or slot still ahead)
}
OFFICIAL_KIND = "公假"
OUT_KIND = "临时外出"
START_SLOTS = frozenset({"start", "noon_in"})  # the earliest punch counts; late after start + grace
LEAVE_STATUSES = frozenset({"leave", "out", "official"})


@dataclass(frozen=True)
class HalfDay:
    status: str
    minutes: int = 0  # minutes late (status late) or early (status early)
    kind: str = ""  # the leave type (leave / out / official)
    early_minutes: int = 0  # status late and also left early in the same half (4 punches, morning)

    @property
    def label(self) -> str:
        if self.status == "late":
            text = f"迟到{self.minutes}分钟"
            return text + (f"，早退{self.early_minutes}分钟" if self.early_minutes else "")
        if self.status == "early":
            return f"早退{self.minutes}分钟"
        if self.status == "leave":
            return f"请假（{self.kind}）" if self.kind else "请假"
        return STATUS_LABELS.get(self.status, self.status)


@dataclass(frozen=True)
class DayResult:
    staff_id: str
    day: dt.date
    working: bool
    morning: HalfDay
    afternoon: HalfDay
    late_minutes: int
    early_minutes: int
    missing_slots: tuple[str, ...]  # 缺卡 still open to 补签 (once closed they count as 旷工 instead)
    absent_halves: int
    review: bool  # a flagged punch (offline / clock off) was used: shown as 待核
    sources: tuple[str, ...]  # ids of the punches, leave and 补签 the result rests on (traceability)
    late_count: int = 0
    early_count: int = 0
    out_minutes: int = 0  # 临时外出 within hall hours

    @property
    def label(self) -> str:
        morning, afternoon = self.morning.label, self.afternoon.label
        text = morning if morning == afternoon else f"上午{morning or '待定'}；下午{afternoon or '待定'}"
        return text + ("（待核）" if self.review else "")


class _Mark(NamedTuple):
    """A punch or 补签 usable for a slot, its time as the minute of the day (seconds dropped)."""

    minute: int
    id: str
    flagged: bool
    slot: str | None  # a 补签 names its slot; a punch goes to the nearest slot


class _SlotOutcome(NamedTuple):
    slot: Slot
    state: str  # ok | late | early | missing | absent | pending
    minutes: int = 0
    mark: _Mark | None = None


def _minute(time: dt.time) -> int:
    return time.hour * 60 + time.minute


@dataclass(frozen=True)
class _Plan:
    """A day's slots and hours, the same for everyone (computed once per schedule and day)."""

    slots: tuple[Slot, ...]
    minutes: dict[str, int]  # slot name -> minute of the day
    names: tuple[str, ...]  # the slot names in order
    midpoints: tuple[float, ...]  # between consecutive slots: a punch up to one goes to the earlier slot
    halves: tuple[tuple[Slot, ...], tuple[Slot, ...]]
    hours: tuple[tuple[dt.datetime, dt.datetime], tuple[dt.datetime, dt.datetime]]


@lru_cache(maxsize=1024)
def _plan(schedule: Schedule, day: dt.date) -> _Plan:
    slots = expected_slots(schedule, day)
    split = 2 if len(slots) == 4 else 1
    timetable = schedule.timetable_for(day)
    by_name = {slot.name: slot.at for slot in slots}
    afternoon_start = by_name.get("noon_in", timetable.afternoon[0])
    study = schedule.study
    if study is not None and study.weekday == day.weekday() and study.start < afternoon_start:
        afternoon_start = study.start  # also on 2-punch days, which have no 午间上班 slot
    combine = dt.datetime.combine
    return _Plan(
        slots=slots,
        minutes={slot.name: _minute(slot.at) for slot in slots},
        names=tuple(slot.name for slot in slots),
        midpoints=tuple((_minute(a.at) + _minute(b.at)) / 2 for a, b in pairwise(slots)),
        halves=(slots[:split], slots[split:]),
        hours=(
            (combine(day, timetable.morning[0]), combine(day, timetable.morning[1])),
            (combine(day, afternoon_start), combine(day, timetable.afternoon[1])),
        ),
    )


def _nearest(plan: _Plan, minute: int) -> str:
    """The slot nearest to ``minute`` (a tie goes to the earlier slot)."""
    return plan.names[bisect_left(plan.midpoints, minute)]


def _marks(day: dt.date, punches: Sequence[PunchFact], makeups: Sequence[MakeupFact]) -> list[_Mark]:
    marks = [_Mark(p.at.hour * 60 + p.at.minute, p.id, p.flagged, None) for p in punches if p.at.date() == day]
    midnight = dt.datetime.combine(day, dt.time())
    marks += [
        _Mark(int((_naive(m.claimed_at) - midnight).total_seconds() // 60), m.id, False, m.slot)
        for m in makeups
        if m.day == day
    ]
    return marks


def _naive(value: dt.datetime) -> dt.datetime:
    return value.replace(tzinfo=None) if value.tzinfo is not None else value


def _chosen(plan: _Plan, marks: Sequence[_Mark]) -> dict[str, _Mark]:
    """The mark each slot rests on: the earliest for a start slot, the latest for an end slot."""
    chosen: dict[str, _Mark] = {}
    for mark in marks:
        if mark.slot is not None and mark.slot not in plan.minutes:
            continue  # a 补签 for a slot not due that day (noon slots on a 2-punch day)
        name = mark.slot if mark.slot is not None else _nearest(plan, mark.minute)
        held = chosen.get(name)
        if held is None or (mark.minute < held.minute if name in START_SLOTS else mark.minute > held.minute):
            chosen[name] = mark
    return chosen


class _Judge:
    """What a day is judged against."""

    __slots__ = ("as_of", "day", "last_mark", "makeup_open", "now", "schedule")

    def __init__(
        self,
        schedule: Schedule,
        day: dt.date,
        as_of: dt.date,
        now: dt.datetime | None,
        makeup_open: bool,
        last_mark: int | None,  # minute of the day of the latest punch or 补签
    ) -> None:
        self.schedule, self.day, self.as_of, self.now = schedule, day, as_of, now
        self.makeup_open, self.last_mark = makeup_open, last_mark

    def still_ahead(self, due: int) -> bool:
        """A slot of today not yet missed: no later punch, and not yet past ``now`` (when known)."""
        if self.day > self.as_of:
            return True
        if self.day < self.as_of:
            return False
        if self.last_mark is not None and self.last_mark > due:
            return False
        if self.now is None:
            return True
        now = _naive(self.now)
        return now.date() < self.day or (now.date() == self.day and now.hour * 60 + now.minute <= due)

    def outcome(self, slot: Slot, due: int, mark: _Mark | None) -> _SlotOutcome:
        if mark is None:
            if self.still_ahead(due):
                return _SlotOutcome(slot, "pending")
            return _SlotOutcome(slot, "missing" if self.makeup_open else "absent")
        if slot.name in START_SLOTS:
            late = mark.minute - due
            if late > self.schedule.grace_minutes:
                return _SlotOutcome(slot, "late", late, mark)
        elif mark.minute < due:
            return _SlotOutcome(slot, "early", due - mark.minute, mark)
        return _SlotOutcome(slot, "ok", 0, mark)

    def half(self, outcomes: Sequence[_SlotOutcome]) -> HalfDay:
        states = {o.state for o in outcomes}
        if states == _ALL_OK:
            return _NORMAL
        late = sum(o.minutes for o in outcomes if o.state == "late")
        early = sum(o.minutes for o in outcomes if o.state == "early")
        if (
            "absent" in states
            or late >= self.schedule.absent_late_minutes
            or early >= self.schedule.early_absent_minutes
        ):
            return HalfDay("absent")
        if "missing" in states:
            return HalfDay("missing")
        if late:
            return HalfDay("late", late, early_minutes=early)
        if early:
            return HalfDay("early", early)
        return _PENDING if "pending" in states else _NORMAL


_NORMAL = HalfDay("normal")
_PENDING = HalfDay("pending")
_ALL_OK = {"ok"}


def leave_status(kind: str) -> str:
    """公假 -> official, 临时外出 -> out, any other kind -> leave."""
    return "official" if kind == OFFICIAL_KIND else "out" if kind == OUT_KIND else "leave"


def _half_leave(hours: tuple[dt.datetime, dt.datetime], leaves: Sequence[LeaveFact]) -> tuple[LeaveFact | None, int]:
    """The leave overlapping the half's hours the most, with the minutes of overlap (0: none)."""
    start, end = hours
    best: LeaveFact | None = None
    best_minutes = 0
    for leave in leaves:
        overlap = min(end, _naive(leave.ends_at)) - max(start, _naive(leave.starts_at))
        minutes = int(overlap.total_seconds() // 60)
        if overlap > dt.timedelta(0) and (best is None or minutes > best_minutes):
            best, best_minutes = leave, max(minutes, 0)
    return best, best_minutes


def _first_staff(punches: Sequence[PunchFact], leaves: Sequence[LeaveFact], makeups: Sequence[MakeupFact]) -> str:
    for facts in (punches, leaves, makeups):
        if facts:
            return str(facts[0].staff_id)
    return ""


def _flat(staff_id: str, day: dt.date, working: bool, status: str) -> DayResult:
    half = HalfDay(status)
    return DayResult(staff_id, day, working, half, half, 0, 0, (), 0, False, ())


class _Tally:
    """The counts of a day, gathered half by half."""

    def __init__(self) -> None:
        self.late_minutes = self.early_minutes = self.late_count = self.early_count = self.out_minutes = 0
        self.review = False
        self.missing: list[str] = []
        self.sources: list[str] = []
        self.halves: list[HalfDay] = []

    def source(self, fact_id: str) -> None:
        if fact_id and fact_id not in self.sources:
            self.sources.append(fact_id)

    def leave(self, leave: LeaveFact, minutes: int) -> None:
        status = leave_status(leave.kind)
        self.halves.append(HalfDay(status, kind=leave.kind))
        self.source(leave.id)
        if status == "out":
            self.out_minutes += minutes

    def add(self, half: HalfDay, outcomes: Sequence[_SlotOutcome]) -> None:
        self.halves.append(half)
        for o in outcomes:
            if o.mark is not None:
                self.source(o.mark.id)
                self.review = self.review or o.mark.flagged
            if half.status == "absent":
                continue
            if o.state == "late":
                self.late_count, self.late_minutes = self.late_count + 1, self.late_minutes + o.minutes
            elif o.state == "early":
                self.early_count, self.early_minutes = self.early_count + 1, self.early_minutes + o.minutes
            elif o.state == "missing":
                self.missing.append(o.slot.name)

    def result(self, staff_id: str, day: dt.date) -> DayResult:
        morning, afternoon = self.halves
        return DayResult(
            staff_id=staff_id,
            day=day,
            working=True,
            morning=morning,
            afternoon=afternoon,
            late_minutes=self.late_minutes,
            early_minutes=self.early_minutes,
            missing_slots=tuple(self.missing),
            absent_halves=(morning.status == "absent") + (afternoon.status == "absent"),
            review=self.review,
            sources=tuple(self.sources),
            late_count=self.late_count,
            early_count=self.early_count,
            out_minutes=self.out_minutes,
        )


def day_result(
    schedule: Schedule,
    day: dt.date,
    *,
    working: bool,
    punches: Sequence[PunchFact],
    leaves: Sequence[LeaveFact],
    makeups: Sequence[MakeupFact],
    as_of: dt.date,
    makeup_open_until: dt.date | None,
    person: Person | None = None,
    now: dt.datetime | None = None,
) -> DayResult:
    """One person's day. Facts of other days are ignored (punches by the calendar day of their time,
    补签 by their day); the caller passes one person's facts. ``makeup_open_until`` None: 补签 closed.
    ``now`` (optional) tells which of today's slots are past even without a later punch."""
    staff_id = person.staff_id if person is not None else _first_staff(punches, leaves, makeups)
    if person is not None and not person.employed_on(day):
        return _flat(staff_id, day, working, "not_employed")
    if not working:
        return _flat(staff_id, day, working, "rest")
    plan = _plan(schedule, day)
    marks = _marks(day, punches, makeups)
    chosen = _chosen(plan, marks)
    judge = _Judge(
        schedule,
        day,
        as_of,
        now,
        makeup_open=makeup_open_until is not None and as_of <= makeup_open_until,
        last_mark=max((m.minute for m in marks), default=None),
    )
    tally = _Tally()
    for hours, group in zip(plan.hours, plan.halves, strict=True):
        leave, minutes = _half_leave(hours, leaves) if leaves else (None, 0)
        if leave is not None:
            tally.leave(leave, minutes)
        elif day > as_of:
            tally.add(_PENDING, ())
        else:
            outcomes = [judge.outcome(slot, plan.minutes[slot.name], chosen.get(slot.name)) for slot in group]
            tally.add(judge.half(outcomes), outcomes)
    return tally.result(staff_id, day)
