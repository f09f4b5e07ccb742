"""Punches at the counter (打卡): a punch now at this PC, the day's first-login punch, and today's
punches against the slots due. A punch is append-only: nothing here edits or deletes one.

Time integrity (app.attendance.policy): the punch keeps this PC's time (``at``), the last known
offset to the server's clock, whether the PC was offline, and a flag when it needs review."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from app.attendance import common, policy
from app.attendance.model import SLOT_STATE_LABELS, SOURCE_LABELS, PunchItem, PunchResult, SlotState, TodayPunches
from app.attendance.rules import DayResult, LeaveFact, MakeupFact, PunchFact, day_result
from app.attendance.schedule import Schedule, Slot, expected_slots
from app.authz import require
from app.context import Actor, AppContext
from app.ids import uuid7
from app.sync import state
from app.sync.protocol import PUNCH_ADD, Entity
from app.sync.rows import columns_row
from db.attendance_repository import AttendanceRepository
from db.models import Punch
from db.sync_repository import SyncRepository


def punch_item(row: Punch) -> PunchItem:
    return PunchItem(id=row.id, staff_id=row.staff_id, at=row.at, source=row.source,
                     source_label=SOURCE_LABELS.get(row.source, row.source), device_id=row.device_id,
                     offline=row.offline, flag=row.flag, clock_offset_seconds=row.clock_offset_seconds)


def punch(ctx: AppContext, actor: Actor, *, first_login: bool = False) -> PunchResult | None:
    """A punch now; with ``first_login`` only when the person has none today (else None)."""
    staff_id = common.staff_id_of(actor)
    now = ctx.clock.now()
    with ctx.action() as s:
        require(s, actor, "attendance.self")
        repo = AttendanceRepository(s)
        if first_login and repo.punches(*common.day_bounds(now.date()), [staff_id]):
            return None
        last_mine = repo.last_punch_of(staff_id)
        policy.check_punch_gap(now, last_mine.at if last_mine else None)
        row = _new_punch(s, ctx, staff_id, now)
        repo.add(row)
        shown = f"{now:%H:%M}" + (f"（{row.flag}）" if row.flag else "")
        ctx.record(s, actor, op_kind=PUNCH_ADD, entity=Entity.PUNCH, entity_id=row.id,
                   summary=("登录打卡 " if first_login else "打卡 ") + shown, payload=columns_row(row))
        return PunchResult(punch_item(row), f"已打卡 {shown}", bool(row.flag))


def _new_punch(s: Session, ctx: AppContext, staff_id: str, now: dt.datetime) -> Punch:
    kept = SyncRepository(s).state()
    enrolled = state.CREDENTIAL in kept
    success = kept.get(state.LAST_SUCCESS)
    offset = float(kept[state.SKEW]) if enrolled and kept.get(state.SKEW) else None
    offline = policy.is_offline(enrolled=enrolled, last_success=dt.datetime.fromisoformat(success) if success else None,
                                now=now)
    last_here = AttendanceRepository(s).last_punch_of_device(ctx.device_id)
    flag = policy.punch_flag(offline=offline, offset_seconds=offset,
                             tolerance_minutes=common.params(ctx).tolerance_minutes, at=now,
                             last_at=last_here.at if last_here else None)
    return Punch(id=uuid7(), hall_id=common.hall_id(s), staff_id=staff_id, at=now, source="counter",
                 device_id=ctx.device_id, clock_offset_seconds=offset, offline=offline, flag=flag, import_id=None,
                 recorded_at=now)


def today(ctx: AppContext, actor: Actor) -> TodayPunches:
    """``actor``'s day so far (own pending requests are added by the service)."""
    staff_id = common.staff_id_of(actor)
    now = ctx.clock.now()
    day = now.date()
    calendar = ctx.calendar()
    working = calendar.is_working_day(day)
    makeup_days = common.params(ctx).makeup_days
    with ctx.db.read() as s:
        schedule = common.schedule_in_force(s, common.hall_id(s))
        repo = AttendanceRepository(s)
        start, end = common.day_bounds(day)
        rows = list(repo.punches(start, end, [staff_id]))
        leaves = [LeaveFact(x.staff_id, x.kind, x.starts_at, x.ends_at, x.id)
                  for x in repo.leaves_overlapping([staff_id], start, end, ("approved",))]
        makeups = [MakeupFact(x.staff_id, x.day, x.slot, x.claimed_at, x.id)
                   for x in repo.makeups_between(day, day) if x.staff_id == staff_id]
    facts = [PunchFact(r.staff_id, r.at, r.id, bool(r.flag)) for r in rows]
    result = day_result(schedule, day, working=working, punches=facts, leaves=leaves, makeups=makeups, as_of=day,
                        makeup_open_until=calendar.add_working_days(day, makeup_days), now=now)
    slots = _slot_states(schedule, day, rows, makeups, leaves, now) if working else ()
    return TodayPunches(day=day, working=working, punches=tuple(punch_item(r) for r in rows), slots=slots,
                        flags=tuple(dict.fromkeys(r.flag for r in rows if r.flag)),
                        status_label=_status(result, working), open_requests=(), schedule_version=schedule.version)


def _status(result: DayResult, working: bool) -> str:
    return result.label if working else "休息"


def _slot_states(schedule: Schedule, day: dt.date, rows: list[Punch], makeups: list[MakeupFact],
                 leaves: list[LeaveFact], now: dt.datetime) -> tuple[SlotState, ...]:
    slots = expected_slots(schedule, day)
    taken: dict[str, list[Punch]] = {}
    for r in rows:
        taken.setdefault(_nearest(slots, day, r.at), []).append(r)
    out = []
    for slot in slots:
        due = dt.datetime.combine(day, slot.at)
        mine = taken.get(slot.name, [])
        if mine:
            chosen = mine[0] if slot.name in ("start", "noon_in") else mine[-1]
            out.append(SlotState(slot.name, slot.label, slot.at, "done", SLOT_STATE_LABELS["done"], chosen.at,
                                 chosen.flag))
        elif any(m.slot == slot.name for m in makeups):
            claimed = next(m.claimed_at for m in makeups if m.slot == slot.name)
            out.append(SlotState(slot.name, slot.label, slot.at, "done", "已补签", claimed))
        elif any(x.starts_at <= due <= x.ends_at for x in leaves):
            out.append(SlotState(slot.name, slot.label, slot.at, "leave", "请假"))
        elif due > now:
            out.append(SlotState(slot.name, slot.label, slot.at, "upcoming", SLOT_STATE_LABELS["upcoming"]))
        else:
            out.append(SlotState(slot.name, slot.label, slot.at, "missing", SLOT_STATE_LABELS["missing"]))
    return tuple(out)


def _nearest(slots: tuple[Slot, ...], day: dt.date, at: dt.datetime) -> str:
    return min(slots, key=lambda slot: abs(dt.datetime.combine(day, slot.at) - at)).name
