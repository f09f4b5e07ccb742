"""Case operations (``case.*``) on the server: commands checked against the current state.

An op carries ``from`` (the status the counter saw), ``to`` and the full case snapshot after the
action (app.cases.base). It is applied only when the step ``from -> to`` is legal
(app.cases.rules.next_status), ``from`` and the version match the server's case (a creation: no
such case yet), the decision rules of app.cases.rules hold on the snapshot, and the case and its
notices keep their numbers unique. Runs inside the push driver's savepoint; refusals raise
OpRefused with the authoritative row.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from app.cases import rules
from app.cases.rules import Action, CaseStatus, MaterialCheck
from app.cases.views import case_snapshot
from app.errors import DomainError, IllegalTransition
from app.sync.checksum import canonical_json
from app.sync.protocol import CASE_ACTIONS, Code, Entity, OpStatus
from app.sync.rows import column_values, entity_row
from db.models import Case, CaseMaterial, Matter, Staff, Window
from server.attendance_fields import to_local
from server.notice_ops import check_notices, write_notices
from server.oputil import Echo, OpContext, OpRefused, conflict, parse_day, rejected, related
from server.permits import covered_windows, made_at
from server.suspensions import check_suspension, write_suspension

ROW_NAMESPACE = uuid.UUID("6f1d2c44-5a0e-4c7b-9d51-0c7e3f8a2b10")  # ids the server derives for rows


def case_echo(ctx: OpContext, case: Case | None, snapshot: dict[str, Any] | None = None) -> Echo:
    """The server's case with all its notices and suspensions, as sent back in an answer (the
    counter takes the whole record over, or keeps it aside while its own work holds it back).
    ``snapshot``: the case's snapshot when the caller has just made it."""
    if case is None:
        return Echo(Entity.CASE, None)
    notices, stops, voids = ctx.rows.notices_of(case.id), ctx.rows.suspensions_of(case.id), ctx.rows.voids_of(case.id)
    return Echo(Entity.CASE, snapshot or case_snapshot(case),
                related(Entity.NOTICE, [(n.id, entity_row(Entity.NOTICE, n)) for n in notices])
                + related(Entity.SUSPENSION, [(x.id, entity_row(Entity.SUSPENSION, x)) for x in stops])
                + related(Entity.VOID_NUMBER, [(v.id, entity_row(Entity.VOID_NUMBER, v)) for v in voids]))


def _action(kind: str, payload: dict[str, Any]) -> Action | None:
    """The action the op performs; None for a plain intake (case.open without decision)."""
    action = CASE_ACTIONS[kind]
    if action is not None:
        return action
    decision = payload.get("decision")
    if decision is None and kind == "case.open":
        return None
    try:
        return Action(str(decision))
    except ValueError as exc:
        raise rejected(Code.INVALID_PAYLOAD, f"未知的受理决定“{decision}”。") from exc


def _check_step(kind: str, start: str | None, to: str, action: Action | None) -> None:
    """``start -> to`` must be what ``action`` does by the shared rules; else rejected."""
    if kind == "case.open":
        if start is not None:
            raise rejected(Code.INVALID_PAYLOAD, "收件操作的原状态应为空。")
        start = CaseStatus.RECEIVED.value
        if action is None:
            if to != start:
                raise rejected(Code.ILLEGAL_TRANSITION, "收件后的状态应为“已收件待决定”。")
            return
        rules.check_decision_open(action)
    assert action is not None
    try:
        target = rules.next_status(str(start), action)
    except (IllegalTransition, ValueError) as exc:
        message = exc.message if isinstance(exc, DomainError) else f"未知的办件状态“{start}”。"
        raise rejected(Code.ILLEGAL_TRANSITION, message) from exc
    if target.value != to:
        raise rejected(Code.ILLEGAL_TRANSITION, f"该操作应使办件进入“{rules.STATUS_LABELS[target]}”状态。")


def _snapshot(ctx: OpContext) -> dict[str, Any]:
    snap = ctx.op.payload.get("case")
    if not isinstance(snap, dict) or snap.get("id") != ctx.op.entity_id:
        raise rejected(Code.INVALID_PAYLOAD, "操作中缺少办件数据或办件编号不一致。")
    if snap.get("status") != ctx.op.payload.get("to"):
        raise rejected(Code.INVALID_PAYLOAD, "操作的目标状态与办件数据不一致。")
    if snap.get("hall_id") != ctx.hall.id or not str(snap.get("number", "")).startswith(f"{ctx.hall.code}-"):
        raise rejected(Code.WRONG_HALL, "该办件不属于本机所在大厅。")
    return snap


def _same(current: Case, snap: dict[str, Any]) -> bool:
    return canonical_json(case_snapshot(current)) == canonical_json(snap)


def _check_state(ctx: OpContext, current: Case | None, snap: dict[str, Any]) -> None:
    """Creation: no such case yet. Otherwise ``from`` and version must match the server's case."""
    if current is not None and _same(current, snap):
        raise OpRefused(OpStatus.DUPLICATE, Code.SAME_CONTENT, "服务器上已是该状态。", case_echo(ctx, current))
    if ctx.op.kind == "case.open":
        if current is not None:
            raise conflict(Code.ALREADY_EXISTS, "服务器上已有同一编号的办件，内容不同。", case_echo(ctx, current))
        return
    if current is None:
        raise conflict(Code.CASE_UNKNOWN, "服务器上没有该办件（收件操作可能未被接受）。", case_echo(ctx, None))
    if ctx.op.kind == "case.deem_accepted" and current.status != CaseStatus.RECEIVED.value:
        raise OpRefused(OpStatus.DUPLICATE, Code.SUPERSEDED, "该办件在中心已视为受理，或已在告知期限内作出决定。",
                        case_echo(ctx, current))
    if _decided_in_time_over_deeming(ctx, current, snap):
        return  # the decision the counter made within the limit prevails over the later 视为受理
    if current.status != ctx.op.payload.get("from") or current.version + 1 != snap.get("version"):
        label = rules.STATUS_LABELS.get(current.status, current.status)
        raise conflict(Code.STATE_MISMATCH, f"该办件已被其他窗口处理，服务器上当前状态为“{label}”。",
                       case_echo(ctx, current))


def _decided_in_time_over_deeming(ctx: OpContext, current: Case, snap: dict[str, Any]) -> bool:
    """A decision made on a received case within its notify limit (the op's time as corrected for
    the device's clock, in hall time), arriving after the case was deemed accepted (by the server or
    another counter) with nothing done to it since: the lawful decision stands (server.deeming)."""
    if ctx.op.kind != "case.decide" or ctx.op.payload.get("from") != CaseStatus.RECEIVED.value:
        return False
    if current.status != CaseStatus.ACCEPTED.value or not current.deemed_accepted:
        return False
    if current.version != snap.get("version") or current.suspended_days:
        return False
    return to_local(made_at(ctx)).date() <= current.notify_due


def _materials(snap: dict[str, Any]) -> list[MaterialCheck]:
    try:
        return [MaterialCheck(name=m["name"], is_main=bool(m["is_main"]), deferrable=bool(m["deferrable"]),
                              status=m["status"], originals=int(m["originals"]), copies=int(m["copies"]),
                              note=m.get("note", ""), material_id=m.get("material_id"))
                for m in snap.get("materials", [])]
    except (KeyError, TypeError, ValueError) as exc:
        raise rejected(Code.INVALID_PAYLOAD, "办件材料清单格式不正确。") from exc


def _check_rules(ctx: OpContext, action: Action | None, snap: dict[str, Any], matter: Matter) -> None:
    """The decision rules of app.cases.rules, run again on what the counter decided."""
    materials = _materials(snap)
    try:
        if action == Action.ACCEPT:
            rules.check_accept(materials)
        elif action == Action.ACCEPT_DEFERRED:
            due = parse_day(snap.get("due_date"))
            rules.check_accept_deferred(
                materials, matter_allows=matter.allows_deferral, commitment_signed=True,
                dishonest=ctx.rows.is_dishonest(str(snap.get("applicant_id_number", ""))),
                supply_deadline=parse_day(snap.get("deferred_due")), latest_deadline=due or dt.date.max,
            )
        elif action == Action.REQUEST_CORRECTION:
            _check_correction(ctx, materials)
            due, decided = parse_day(snap.get("correction_due")), parse_day(snap.get("decided_at"))
            if due is not None and decided is not None:  # ops queued before the deadline was kept have none
                rules.check_correction_due(due, decided)
        elif action == Action.REJECT:
            rules.check_reject(str(snap.get("reject_category", "")), str(snap.get("reject_reason", "")),
                               str(snap.get("reject_legal_basis", "")), str(snap.get("redirect_to", "")))
    except DomainError as exc:
        raise rejected(Code.RULE_VIOLATION, exc.message) from exc


def _check_correction(ctx: OpContext, materials: list[MaterialCheck]) -> None:
    earlier = ctx.rows.notices_of(ctx.op.entity_id, "correction")
    if not earlier:
        rules.check_correction(materials, previous_items=None, previously_received=None)
        return
    listed = {str(i["name"]) for n in earlier for i in n.payload.get("items", [])}
    received = {str(x) for x in earlier[-1].payload.get("received", [])}
    rules.check_correction(materials, previous_items=listed, previously_received=received)


def _check_references(ctx: OpContext, snap: dict[str, Any]) -> Matter:
    matter = ctx.s.get(Matter, snap.get("matter_id"))
    creator = ctx.s.get(Staff, snap.get("created_by"))
    window = ctx.s.get(Window, snap["window_id"]) if snap.get("window_id") else None
    if matter is None:
        raise rejected(Code.UNKNOWN_REFERENCE, "服务器的事项目录中没有该事项，请先同步事项目录。")
    if creator is None or creator.hall_id != ctx.hall.id:
        raise rejected(Code.UNKNOWN_REFERENCE, "办件的收件人不是本大厅人员。")
    if snap.get("window_id") and (window is None or window.hall_id != ctx.hall.id):
        raise rejected(Code.UNKNOWN_REFERENCE, "办件所属窗口不在本大厅。")
    _check_acting_for(ctx, snap, window, creator)
    other = ctx.rows.case_id_by_number(str(snap["number"]))
    if other is not None and other != snap["id"]:
        raise conflict(Code.NUMBER_TAKEN, f"办件编号 {snap['number']} 已被其他办件使用。", case_echo(ctx, None))
    return matter


def _check_acting_for(ctx: OpContext, snap: dict[str, Any], window: Window | None, creator: Staff) -> None:
    """``acting_for`` (AB岗): '' or, on case.open at a window its clerk covers then, the window's A."""
    acting = snap.get("acting_for", "")
    if acting == "":
        return
    if ctx.op.kind != "case.open":
        current = ctx.rows.case(str(snap.get("id")))
        if current is not None and current.acting_for == acting:
            return  # kept from the intake
    covered = covered_windows(ctx, creator.id, made_at(ctx)) if window is not None else frozenset()
    if not isinstance(acting, str) or window is None or window.id not in covered or acting != window.a_staff_id:
        raise rejected(Code.RULE_VIOLATION, "办件记录的顶岗对象不对：收件人当时并未顶替该窗口的A岗人员。")


def _write_case(ctx: OpContext, current: Case | None, snap: dict[str, Any]) -> Case:
    try:
        values = column_values(Case.__table__, snap)
    except ValueError as exc:
        raise rejected(Code.INVALID_PAYLOAD, "办件数据中的日期或时间格式不正确。") from exc
    case = current or Case(id=snap["id"])
    for key, value in values.items():
        if current is None or getattr(case, key) != value:  # an unchanged column is not set again
            setattr(case, key, value)
    if current is None:
        ctx.s.add(case)
    by_seq = {m.seq: m for m in case.materials}
    wanted = snap.get("materials", [])
    for m in wanted:
        row = by_seq.get(m["seq"])
        new = row is None
        if row is None:
            row = CaseMaterial(id=str(uuid.uuid5(ROW_NAMESPACE, f"{case.id}:{m['seq']}")), case_id=case.id)
            case.materials.append(row)
        for key, value in column_values(CaseMaterial.__table__, m).items():
            if key not in ("id", "case_id") and (new or getattr(row, key) != value):
                setattr(row, key, value)
    keep = {m["seq"] for m in wanted}
    case.materials[:] = [m for m in case.materials if m.seq in keep]
    ctx.rows.added_case(case)
    ctx.rows.flush()
    return case


def apply_case_op(ctx: OpContext) -> Echo:
    """Check and apply one case op; returns the echo of an applied op, raises OpRefused otherwise."""
    payload = ctx.op.payload
    snap = _snapshot(ctx)
    action = _action(ctx.op.kind, payload)
    _check_step(ctx.op.kind, payload.get("from"), str(payload.get("to")), action)
    current = ctx.rows.case(ctx.op.entity_id)
    _check_state(ctx, current, snap)
    matter = _check_references(ctx, snap)
    _check_rules(ctx, action, snap, matter)
    notices = check_notices(ctx, snap["id"], payload.get("notices", []), lambda: case_echo(ctx, current))
    check_suspension(ctx, snap["id"], action)  # every check before the first write: no savepoint needed
    case = _write_case(ctx, current, snap)
    written = case_snapshot(case)
    ctx.change(Entity.CASE, case.id, written)
    write_notices(ctx, notices)
    write_suspension(ctx, case, action)
    return case_echo(ctx, case, written)
