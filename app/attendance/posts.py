"""AB岗 posts (who holds each window today, who is away, the cover) and 空岗 events as this PC has
them (the server raises 空岗 from what it knows; they arrive by sync)."""

from __future__ import annotations

import datetime as dt

from app.attendance import common, cover, policy
from app.attendance.common import Labels
from app.attendance.model import CoverItem, EmptyPostItem, PostItem
from app.authz import holder_of
from app.context import Actor, AppContext
from app.permissions import Subject, refusal
from db.attendance_repository import AttendanceRepository
from db.models import LeaveRequest, Window


def posts(ctx: AppContext) -> list[PostItem]:
    now = ctx.clock.now()
    with ctx.db.read() as s:
        labels = Labels(s)
        start, end = common.day_bounds(now.date())
        ids = {i for w in labels.windows.values() for i in (w.a_staff_id, w.b_staff_id) if i}
        away: dict[str, list[LeaveRequest]] = {}
        for leave in AttendanceRepository(s).leaves_overlapping(ids, start, end, ("approved",)):
            away.setdefault(leave.staff_id, []).append(leave)
        return [_post(w, labels, away) for w in labels.windows.values()]


def _post(w: Window, labels: Labels, away: dict[str, list[LeaveRequest]]) -> PostItem:
    a_away, b_away = away.get(w.a_staff_id or "", []), away.get(w.b_staff_id or "", [])
    shown = tuple(f"{labels.name(x.staff_id)} {x.kind} {policy.period_label(x.starts_at, x.ends_at)}"
                  for x in (*a_away, *b_away))
    covers = [labels.name(x.cover_staff_id) for x in (*a_away, *b_away) if x.cover_staff_id]
    if a_away and b_away:
        state = "A、B岗均不在" + (f"，临时顶岗：{'、'.join(covers)}" if covers else "")
        cover_label = f"临时顶岗：{'、'.join(covers)}" if covers else ""
    elif a_away:
        state, cover_label = "A岗不在，B岗顶岗", f"{labels.name(w.b_staff_id)}顶岗" if w.b_staff_id else ""
    else:
        state, cover_label = ("B岗不在" if b_away else "在岗"), ""
    return PostItem(window_id=w.id, window_label=common.window_label(w), a_staff_id=w.a_staff_id,
                    a_name=labels.name(w.a_staff_id), b_staff_id=w.b_staff_id, b_name=labels.name(w.b_staff_id),
                    away=shown, cover_label=cover_label, state_label=state)


def covered_windows(ctx: AppContext, actor: Actor) -> list[CoverItem]:
    if actor.id is None:
        return []
    now = ctx.clock.now()
    with ctx.db.read() as s:
        labels = Labels(s)
        return [CoverItem(window_id=c.window.id, window_label=common.window_label(c.window),
                          a_staff_id=c.leave.staff_id, a_name=labels.name(c.leave.staff_id), leave_id=c.leave.id,
                          starts_at=c.leave.starts_at, ends_at=c.leave.ends_at,
                          period_label=policy.period_label(c.leave.starts_at, c.leave.ends_at),
                          kind=c.leave.kind)
                for c in cover.covers(s, actor.id, now)]


def empty_posts(ctx: AppContext, actor: Actor, since: dt.date | None = None) -> list[EmptyPostItem]:
    """The 空岗 events ``actor`` may see: attendance.view for the window's department (a chief: their
    department; business, leaders, supervisors: all), or their own window. Open ones first."""
    now = ctx.clock.now()
    first = dt.datetime.combine(since or now.date(), dt.time())
    with ctx.db.read() as s:
        holder = holder_of(s, actor)
        labels = Labels(s)
        out = []
        for row in AttendanceRepository(s).empty_posts(first):
            window = labels.windows.get(row.window_id)
            subject = Subject(window_id=row.window_id, department_id=window.department_id if window else None)
            if refusal(holder, "attendance.view", subject) is not None and row.window_id not in holder.window_ids:
                continue
            lasting = int((now - row.started_at).total_seconds() // 60)
            minutes = row.minutes if row.ended_at else max(row.minutes, lasting)
            number = f"{window.number}号窗口" if window else "窗口"
            basis = f"（中心判定：{row.basis}）" if row.basis else ""
            label = (f"空岗：{number} {row.started_at:%H:%M}起 已 {minutes} 分钟{basis}" if row.ended_at is None
                     else f"空岗：{number} {row.started_at:%H:%M}–{row.ended_at:%H:%M} 共 {minutes} 分钟{basis}")
            out.append(EmptyPostItem(row.id, row.window_id, labels.window(row.window_id), row.started_at, row.ended_at,
                                     minutes, row.basis, row.ended_at is None, label))
        return out
