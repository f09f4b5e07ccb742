"""Leave (请假、临时外出) and 补签: request, cancel, decide, and the lists 我的申请 / 待我审批.

Each write is one transaction with its audit event and outbox op (payloads: the common contract).
The tier a leave needs comes from its length (``leave_approval_action`` with the hall's limits); the
approver must hold it for the requester's window/department and may not be the requester. AB岗: see
app.attendance.policy (a leave leaving a window with neither A nor B needs a leader and a cover)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from app.attendance import common, policy
from app.attendance.common import Labels
from app.attendance.model import APPROVAL_LABELS, LeaveEstimate, LeaveItem, MakeupItem, RequestItem
from app.authz import holder_of, require
from app.context import Actor, AppContext
from app.errors import InvalidInput, NotFound, NotPermitted
from app.ids import uuid7
from app.permissions import leave_approval_action, refusal
from app.sync.protocol import LEAVE_CANCEL, LEAVE_DECIDE, LEAVE_REQUEST, MAKEUP_DECIDE, MAKEUP_REQUEST, Entity
from app.sync.rows import columns_row
from db.attendance_repository import AttendanceRepository
from db.models import LeaveRequest, PunchMakeup

LEADER_ACTION = "leave.approve_longer"


def conflict_of(s: Session, labels: Labels, leave: policy.Span) -> str:
    """The AB岗 message when ``leave`` leaves a window with neither post holder ('' otherwise)."""
    repo = AttendanceRepository(s)
    for window, partner in labels.posts_of(leave.staff_id):
        if not partner:
            continue
        others = [common.span(x) for x in repo.leaves_overlapping([partner], leave.starts_at, leave.ends_at,
                                                                   ("approved",))]
        message = policy.post_conflict(leave, others, common.window_label(window), labels.name(partner))
        if message:
            return message
    return ""


def request_leave(ctx: AppContext, actor: Actor, kind: str, starts_at: dt.datetime, ends_at: dt.datetime,
                  reason: str) -> LeaveItem:
    staff_id = common.staff_id_of(actor)
    p = common.params(ctx)
    now = ctx.clock.now()
    with ctx.action() as s:
        require(s, actor, "attendance.self")
        repo = AttendanceRepository(s)
        mine = [common.span(x) for x in repo.leaves_overlapping([staff_id], starts_at, ends_at)]
        text = policy.check_leave_request(p.leave_types, kind, starts_at, ends_at, reason, mine)
        hall = common.hall_id(s)
        days = policy.leave_days(common.schedule_in_force(s, hall), ctx.calendar(), kind, starts_at, ends_at)
        policy.check_leave_days(days)
        labels = Labels(s)
        row = LeaveRequest(
            id=uuid7(), hall_id=hall, staff_id=staff_id, kind=kind, starts_at=starts_at, ends_at=ends_at, days=days,
            reason=text, approval=leave_approval_action(days, p.chief_max, p.business_max), status="pending",
            cover_staff_id=None, decided_by=None, decided_at=None, decision_note="", requested_at=now, version=1,
        )
        # AB岗: a leave that would leave a window with neither post holder is not refused outright: it
        # goes to the hall's leadership, who may approve it naming a temporary cover (DOMAIN.md)
        if conflict_of(s, labels, common.span(row)):
            row.approval = LEADER_ACTION
        repo.add(row)
        item = common.leave_item(row, labels, now=now, viewer=staff_id)
        ctx.record(s, actor, op_kind=LEAVE_REQUEST, entity=Entity.LEAVE, entity_id=row.id,
                   summary=f"请{kind}{item.days_label}（{item.period_label}）：{text}"[:500], payload=columns_row(row))
        return item


def estimate(ctx: AppContext, kind: str, starts_at: dt.datetime, ends_at: dt.datetime) -> LeaveEstimate:
    """Days and tier of a leave as it would be asked for (nothing checked but the times, nothing written)."""
    p = common.params(ctx)
    with ctx.db.read() as s:
        schedule = common.schedule_in_force(s, common.hall_id(s))
    days = policy.leave_days(schedule, ctx.calendar(), kind, starts_at, ends_at)
    tier = leave_approval_action(days, p.chief_max, p.business_max)
    return LeaveEstimate(days, policy.days_label(kind, days), tier, APPROVAL_LABELS[tier])


def cancel_leave(ctx: AppContext, actor: Actor, leave_id: str) -> LeaveItem:
    staff_id = common.staff_id_of(actor)
    now = ctx.clock.now()
    with ctx.action() as s:
        require(s, actor, "attendance.self")
        row = AttendanceRepository(s).leave(leave_id)
        if row is None:
            raise NotFound("找不到该请假申请。")
        if row.staff_id != staff_id:
            raise NotPermitted("只有申请人本人可以撤销请假。", action="attendance.self")
        policy.check_cancel(row.status, row.starts_at, now)
        before = row.version
        row.status, row.decided_by, row.decided_at, row.version = "cancelled", staff_id, now, before + 1
        s.flush()
        labels = Labels(s)
        item = common.leave_item(row, labels, now=now, viewer=staff_id)
        ctx.record(s, actor, op_kind=LEAVE_CANCEL, entity=Entity.LEAVE, entity_id=row.id,
                   summary=f"撤销{row.kind}申请（{item.period_label}）",
                   payload={"id": row.id, "from_version": before, "cancelled_at": now.isoformat()})
        return item


def decide_leave(ctx: AppContext, actor: Actor, leave_id: str, approve: bool, note: str,
                 cover_staff_id: str | None = None) -> LeaveItem:
    now = ctx.clock.now()
    with ctx.action() as s:
        row = AttendanceRepository(s).leave(leave_id)
        if row is None:
            raise NotFound("找不到该请假申请。")
        labels = Labels(s)
        require(s, actor, row.approval, labels.subject(row.staff_id))
        policy.check_pending(row.status, "请假申请")
        text = policy.check_decision_note(approve, note)
        cover = _cover(s, actor, labels, row, cover_staff_id) if approve else None
        before = row.version
        row.status = "approved" if approve else "rejected"
        row.decided_by, row.decided_at, row.decision_note, row.version = actor.id, now, text, before + 1
        row.cover_staff_id = cover
        s.flush()
        item = common.leave_item(row, labels, now=now, viewer=actor.id)
        verdict = "批准" if approve else "不批准"
        ctx.record(s, actor, op_kind=LEAVE_DECIDE, entity=Entity.LEAVE, entity_id=row.id,
                   summary=(f"{verdict}{item.staff_name}的{row.kind}申请（{item.period_label}）"
                            + (f"，临时顶岗：{item.cover_name}" if cover else "")
                            + (f"：{text}" if text else ""))[:500],
                   payload={"id": row.id, "from_version": before, "status": row.status, "note": text,
                            "decided_at": now.isoformat(), "cover_staff_id": cover})
        return item


def _cover(s: Session, actor: Actor, labels: Labels, row: LeaveRequest, cover_staff_id: str | None) -> str | None:
    """The cover to store with an approval: required (and only a leader may) when A and B would both be away."""
    conflict = conflict_of(s, labels, common.span(row))
    if not conflict:
        return cover_staff_id if cover_staff_id and cover_staff_id in labels.staff else None
    if refusal(holder_of(s, actor), LEADER_ACTION, labels.subject(row.staff_id)) is not None:
        raise InvalidInput(conflict, field="cover_staff_id")
    person = labels.staff.get(cover_staff_id or "")
    if person is None or not person.active:
        raise InvalidInput(conflict.removesuffix("需由中心领导批准并指定临时顶岗人员。") + "请指定临时顶岗人员。",
                           field="cover_staff_id")
    if person.id == row.staff_id:
        raise InvalidInput("临时顶岗人员不能是请假人本人。", field="cover_staff_id")
    return person.id


# -- 补签 -----------------------------------------------------------------------------------------
def request_makeup(ctx: AppContext, actor: Actor, day: dt.date, slot: str, claimed_at: dt.datetime,
                   reason: str) -> MakeupItem:
    staff_id = common.staff_id_of(actor)
    now = ctx.clock.now()
    limit = common.params(ctx).makeup_days
    with ctx.action() as s:
        require(s, actor, "attendance.self")
        hall = common.hall_id(s)
        text = policy.check_makeup(common.schedule_in_force(s, hall), ctx.calendar(), day, slot, claimed_at, reason,
                                   now, limit)
        repo = AttendanceRepository(s)
        if repo.open_makeup(staff_id, day, slot) is not None:
            raise InvalidInput("这次打卡已提出过补签申请。", field="slot")
        row = PunchMakeup(id=uuid7(), hall_id=hall, staff_id=staff_id, day=day, slot=slot, claimed_at=claimed_at,
                          reason=text, status="pending", decided_by=None, decided_at=None, decision_note="",
                          requested_at=now, version=1)
        repo.add(row)
        item = common.makeup_item(row, Labels(s))
        ctx.record(s, actor, op_kind=MAKEUP_REQUEST, entity=Entity.MAKEUP, entity_id=row.id,
                   summary=f"补签申请：{day.month}月{day.day}日{item.slot_label} {claimed_at:%H:%M}：{text}"[:500],
                   payload=columns_row(row))
        return item


def decide_makeup(ctx: AppContext, actor: Actor, makeup_id: str, approve: bool, note: str) -> MakeupItem:
    now = ctx.clock.now()
    with ctx.action() as s:
        row = AttendanceRepository(s).makeup(makeup_id)
        if row is None:
            raise NotFound("找不到该补签申请。")
        labels = Labels(s)
        require(s, actor, "punch.makeup_approve", labels.subject(row.staff_id))
        policy.check_pending(row.status, "补签申请")
        text = policy.check_decision_note(approve, note)
        before = row.version
        row.status = "approved" if approve else "rejected"
        row.decided_by, row.decided_at, row.decision_note, row.version = actor.id, now, text, before + 1
        s.flush()
        item = common.makeup_item(row, labels)
        ctx.record(s, actor, op_kind=MAKEUP_DECIDE, entity=Entity.MAKEUP, entity_id=row.id,
                   summary=(f"{'批准' if approve else '不批准'}{item.staff_name}的补签"
                            f"（{row.day.month}月{row.day.day}日{item.slot_label}）"
                            + (f"：{text}" if text else ""))[:500],
                   payload={"id": row.id, "from_version": before, "status": row.status, "note": text,
                            "decided_at": now.isoformat()})
        return item


# -- lists ----------------------------------------------------------------------------------------
def my_requests(ctx: AppContext, actor: Actor, *, pending_only: bool = False) -> list[RequestItem]:
    staff_id = common.staff_id_of(actor)
    now = ctx.clock.now()
    with ctx.db.read() as s:
        repo, labels = AttendanceRepository(s), Labels(s)
        items = [common.leave_request_item(common.leave_item(x, labels, now=now, viewer=staff_id))
                 for x in repo.leaves_of(staff_id)]
        items += [common.makeup_request_item(common.makeup_item(x, labels)) for x in repo.makeups_of(staff_id)]
    if pending_only:
        items = [i for i in items if i.status == "pending"]
    return sorted(items, key=lambda i: (i.requested_at, i.id), reverse=True)


def pending_for(ctx: AppContext, actor: Actor) -> list[RequestItem]:
    now = ctx.clock.now()
    with ctx.db.read() as s:
        holder = holder_of(s, actor)
        repo, labels = AttendanceRepository(s), Labels(s)
        items = []
        for leave in repo.pending_leaves():
            if refusal(holder, leave.approval, labels.subject(leave.staff_id)) is None:
                conflict = conflict_of(s, labels, common.span(leave))
                items.append(common.leave_request_item(
                    common.leave_item(leave, labels, now=now, viewer=actor.id, conflict=conflict)))
        for makeup in repo.pending_makeups():
            if refusal(holder, "punch.makeup_approve", labels.subject(makeup.staff_id)) is None:
                items.append(common.makeup_request_item(common.makeup_item(makeup, labels)))
    return sorted(items, key=lambda i: (i.requested_at, i.id))
