"""The sync routes: push, pull, number blocks, staff login. Every one needs the device credential.

Each handler runs in a FastAPI worker thread and opens its own transactions (push: one per chunk,
shared with the hall's other small pushes waiting then, server.combine; pull: one snapshot per
page). Refusals are ApiError (docs/sync-protocol.md lists them). Push, pull and lease are observed
for the metrics (server.metrics): in flight, time and answers per hall.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from app.authz import staff_roles
from app.permissions import format_roles
from app.sync.protocol import scope_allowed, scope_well_formed
from server import devices, numbers, throttle
from server.api import Device, State, check_protocol
from server.changes import pull_page
from server.errors import ApiError
from server.limits import limits
from server.meta import current_epoch, marks_since
from server.oputil import IncomingOp
from server.throttle import STAFF
from server.wire import INT64_MAX, LeaseIn, PushIn, ReportIn, StaffLoginIn

router = APIRouter(prefix="/v1", dependencies=[Depends(check_protocol)])


@router.post("/push")
def push(body: PushIn, device: Device, state: State) -> dict[str, Any]:
    """Apply the batch in client_seq order; one answer per op, in that order."""
    ops = [IncomingOp(op_id=o.op_id, client_seq=o.client_seq, kind=o.kind, entity_id=o.entity_id,
                      actor_id=o.actor_id, payload=o.payload, created_at=o.created_at,
                      clock_skew_seconds=o.clock_skew_seconds) for o in body.ops]
    if len(ops) > state.settings.max_batch:
        raise ApiError(413, "batch_too_large", f"一次最多提交 {state.settings.max_batch} 个操作，请分批提交。",
                       limits=limits(state.settings.max_body_bytes, state.settings.max_batch))
    with state.metrics.pushing(device.hall_id):  # the hall's queue depth: waiting for or holding its lock
        pushed = state.combiner.push(device, ops)  # with the hall's other small pushes waiting now
    state.metrics.pushed(device.hall_id, pushed.results)
    return {**state.stamp(pushed.epoch), "client_id": device.id, "client_seq_high": pushed.client_seq_high,
            "results": pushed.results}


@router.get("/pull")
def pull(
    device: Device, state: State, scope: Annotated[str, Query(min_length=1, max_length=120)],
    cursor: Annotated[int, Query(ge=0, le=INT64_MAX)] = 0,
    limit: Annotated[int | None, Query(ge=1, le=INT64_MAX)] = None,
    epoch: Annotated[str | None, Query(max_length=64)] = None,
) -> dict[str, Any]:
    """One page of the scope's rows changed after ``cursor`` (see Page in server.changes)."""
    if not scope_well_formed(scope):
        raise ApiError(400, "scope_invalid", "同步范围的格式不正确。")
    if not scope_allowed(scope, device.hall_id):
        raise ApiError(403, "scope_forbidden", "本机无权读取该范围的数据。")
    stamp = state.stamp()
    if epoch is not None and epoch != stamp["epoch"]:
        raise ApiError(409, "epoch_changed", "服务器已从备份恢复，请重新提交已确认的操作并从头同步。",
                       epoch=stamp["epoch"])
    size = min(limit or state.settings.page_size, state.settings.max_page_size)
    with state.db.snapshot() as s:
        page = pull_page(s, scope, cursor, size)
    state.metrics.pull_pages.labels(device.hall_id).inc()
    state.metrics.pull_rows.labels(device.hall_id).inc(len(page.changes))
    if cursor > page.last_seq:
        raise ApiError(409, "cursor_ahead", "本机同步位置超出服务器记录，请从头同步该范围。",
                       last_seq=page.last_seq, epoch=stamp["epoch"])
    return {**stamp, "scope": scope, "cursor": cursor, "next_cursor": page.next_cursor,
            "has_more": page.has_more, "last_seq": page.last_seq, "checksum": page.checksum,
            "row_count": page.row_count, "changes": page.changes}


@router.get("/epoch")
def epoch_marks(device: Device, state: State,
                since: Annotated[str, Query(min_length=1, max_length=64)]) -> dict[str, Any]:
    """How far the device's cursors of epoch ``since`` are still valid: per scope of the device,
    the seq up to which the changes of ``since`` survived the restores since (server.meta); an
    epoch this database does not descend from has no marks (pull from 0)."""
    with state.db.snapshot() as s:  # the epoch and its marks of one snapshot
        epoch = current_epoch(s)
        marks = marks_since(s, since)
    own = {scope: seq for scope, seq in marks.items() if scope_allowed(scope, device.hall_id)}
    return {**state.stamp(), "epoch": epoch, "since": since, "marks": own}


@router.post("/numbers/lease")
def lease(body: LeaseIn, device: Device, state: State) -> dict[str, Any]:
    size = body.size or state.settings.block_size
    if size > state.settings.max_block_size:
        raise ApiError(422, "block_too_large", f"每次最多申领 {state.settings.max_block_size} 个编号。")
    with state.db.write() as s:
        block = numbers.lease_block(s, device, request_id=body.request_id, kind=body.kind, year=body.year,
                                    size=size, now=state.now())
        out = numbers.lease_json(block)
    state.metrics.leases.labels(device.hall_id, block.kind).inc()
    return {**state.stamp(), **out}


@router.post("/numbers/report")
def report(body: ReportIn, device: Device, state: State) -> dict[str, Any]:
    """Numbers the device already used (standalone, or blocks held across a server restore)."""
    used = [numbers.UsedNumbers(u.kind, u.year, u.highest) for u in body.used]
    with state.db.write() as s:
        numbers.report_used(s, device.hall_id, used)
    return {**state.stamp(), "reported": len(used)}


@router.post("/staff/login")
def staff_login(body: StaffLoginIn, device: Device, state: State, request: Request) -> dict[str, Any]:
    """Check a clerk's password against the server (the counter also checks offline). Wrong
    passwords are braked per login and per address (server.throttle): 429 while locked."""
    keys = throttle.login_keys(state.throttle, request, body.login)
    throttle.too_many(state, keys)
    try:
        with state.db.snapshot() as s:
            staff = devices.authenticate_staff(s, body.login, body.password)
            if staff.hall_id != device.hall_id:
                raise ApiError(401, "staff_auth_failed", "用户名或密码不正确。")
            out = {"staff_id": staff.id, "login": staff.login, "name": staff.name, "role": staff.role,
                   "roles": format_roles(staff_roles(staff)).split(),
                   "hall_id": staff.hall_id, "window_id": staff.window_id}
    except ApiError as exc:
        if exc.status == 401:
            throttle.record_failure(state, keys, STAFF, device.hall_id)
        raise
    state.throttle.succeeded(keys[0])
    return out
