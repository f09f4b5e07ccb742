"""The void-number register on the server (作废号登记): ``notice.void`` (a paper the server holds,
voided, usually with the paper issued again under a new number) and ``number.void`` (a number of
the device's leased blocks that no paper carries). A voided number is never issued again anywhere
in the hall (server.notice_ops refuses a later paper carrying it). Every field of the payload is
checked; refusals raise OpRefused with the authoritative rows. Runs inside the push driver's
savepoint.
Every check comes before the first write (server.chunk: no savepoint is needed)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from app.numbering import parse_station_number, station_mark
from app.sync.checksum import canonical_json
from app.sync.protocol import Code, Entity, OpStatus
from app.sync.rows import column_values, entity_row
from app.voids.model import CATEGORIES
from db.models import Staff, VoidNumber, Window
from server.case_ops import case_echo
from server.notice_ops import check_notices, write_notices
from server.oputil import Echo, OpContext, OpRefused, conflict, rejected
from server.schema import NumberLease

_STR = {"id", "hall_id", "number", "kind", "category", "reason", "voided_at", "voided_by", "replaced_by"}
_OPTIONAL = {"window_id", "case_id", "notice_id", "requested_by"}


def void_echo(ctx: OpContext, entity_id: str) -> Echo:
    row = ctx.rows.void(entity_id)
    return Echo(Entity.VOID_NUMBER, entity_row(Entity.VOID_NUMBER, row) if row else None)


def _row(ctx: OpContext, p: Any, base: Callable[[], Echo]) -> VoidNumber:
    """The register row of the payload, every field checked (nothing written)."""
    if not isinstance(p, dict) or any(not isinstance(p.get(k), str) for k in _STR) \
            or any(p.get(k) is not None and not isinstance(p.get(k), str) for k in _OPTIONAL) \
            or any(not isinstance(p.get(k), int) or isinstance(p.get(k), bool) for k in ("year", "serial")):
        raise rejected(Code.INVALID_PAYLOAD, "作废号登记的数据不完整。", base())
    parts = parse_station_number(p["number"], ctx.hall.code) or parse_station_number(p["number"])
    if parts is None or parts[1:] != (f"notice-{p['kind']}", p["year"], p["serial"]):
        raise rejected(Code.INVALID_PAYLOAD, f"作废的编号 {p['number']} 与其种类、年度、序号不符。", base())
    if p["hall_id"] != ctx.hall.id or not p["number"].startswith(f"{ctx.hall.code}-"):
        raise rejected(Code.WRONG_HALL, f"编号 {p['number']} 不属于本大厅。", base())
    if p["voided_by"] != ctx.op.actor_id:
        raise rejected(Code.NOT_AUTHORISED, "作废号登记的审批人与操作人不一致。", base())
    if p["category"] not in CATEGORIES or not p["reason"].strip():
        raise rejected(Code.INVALID_PAYLOAD, "作废号登记缺少作废原因。", base())
    requester = ctx.s.get(Staff, p["requested_by"]) if p.get("requested_by") else None
    if p.get("requested_by") and (requester is None or requester.hall_id != ctx.hall.id):
        raise rejected(Code.UNKNOWN_REFERENCE, "作废号登记的申请人不是本大厅人员。", base())
    window = ctx.s.get(Window, p["window_id"]) if p.get("window_id") else None
    if p.get("window_id") and (window is None or window.hall_id != ctx.hall.id):
        raise rejected(Code.UNKNOWN_REFERENCE, "作废号登记所属窗口不在本大厅。", base())
    try:
        return VoidNumber(**column_values(VoidNumber.__table__, p))
    except ValueError as exc:
        raise rejected(Code.INVALID_PAYLOAD, "作废时间格式不正确。", base()) from exc


def _check_new(ctx: OpContext, row: VoidNumber, echo: Callable[[], Echo]) -> None:
    """The register row is new: the same one again is a duplicate; another for the number a conflict."""
    held = ctx.rows.void(row.id)
    if held is not None:
        if canonical_json(entity_row(Entity.VOID_NUMBER, held)) == canonical_json(entity_row(Entity.VOID_NUMBER, row)):
            raise OpRefused(OpStatus.DUPLICATE, Code.SAME_CONTENT, "服务器上已有该作废号登记。", echo())
        raise conflict(Code.ALREADY_EXISTS, "服务器上的该作废号登记与本机记录不一致。", echo())
    other = ctx.rows.void_by_number(row.number)
    if other is not None:
        raise conflict(Code.NUMBER_VOIDED, f"编号 {row.number} 已于 {other.voided_at:%Y-%m-%d %H:%M} 登记作废。",
                       echo())


def _write(ctx: OpContext, row: VoidNumber) -> None:
    ctx.s.add(row)
    ctx.rows.added_void(row)
    ctx.rows.flush()
    ctx.change(Entity.VOID_NUMBER, row.id, entity_row(Entity.VOID_NUMBER, row))


def apply_notice_void(ctx: OpContext) -> Echo:
    """``notice.void``: entity = the case; payload ``notice`` (the paper, as voided),
    ``void_number`` (the register row) and ``notices`` (the paper issued again, possibly none)."""
    p = ctx.op.payload
    case = ctx.rows.case(ctx.op.entity_id)

    def base() -> Echo:  # built only when refusing
        return case_echo(ctx, case)

    paper = p.get("notice")
    if p.get("case_id") != ctx.op.entity_id or not isinstance(paper, dict) or not isinstance(paper.get("id"), str):
        raise rejected(Code.INVALID_PAYLOAD, "作废文书的操作数据不完整。", base())
    if case is None:
        raise conflict(Code.CASE_UNKNOWN, "服务器上没有该办件（收件操作可能未被接受）。", base())
    if case.hall_id != ctx.hall.id:
        raise rejected(Code.WRONG_HALL, "该办件不属于本机所在大厅。", base())
    row = _row(ctx, p.get("void_number"), base)
    held = ctx.rows.notice(paper["id"])
    if held is None or held.case_id != case.id:
        raise conflict(Code.CASE_UNKNOWN, "服务器上没有这份文书（出具它的操作未被中心服务器接收），不能作废。", base())
    if (row.notice_id, row.case_id, row.number, row.kind) != (held.id, case.id, held.number, held.kind):
        raise rejected(Code.INVALID_PAYLOAD, "作废号登记与所作废的文书不一致。", base())
    _check_new(ctx, row, base)
    if held.void:
        raise conflict(Code.NUMBER_VOIDED, f"文书 {held.number} 在服务器上已作废。", base())
    notices = check_notices(ctx, case.id, p.get("notices", []), base)
    if len(notices) > 1 or (row.replaced_by or None) != (notices[0].number if notices else None):
        raise rejected(Code.INVALID_PAYLOAD, "重新出具的文书与作废号登记不一致。", base())
    if notices and notices[0].kind != held.kind:
        raise rejected(Code.INVALID_PAYLOAD, "重新出具的文书种类与作废的文书不同。", base())
    held.void = True
    ctx.rows.flush()
    ctx.change(Entity.NOTICE, held.id, entity_row(Entity.NOTICE, held))
    _write(ctx, row)
    write_notices(ctx, notices)
    return case_echo(ctx, case)


def apply_number_void(ctx: OpContext) -> Echo:
    """``number.void``: entity = the register row; a number of this device's leased blocks that no
    paper carries (跳号)."""

    def echo() -> Echo:
        return void_echo(ctx, ctx.op.entity_id)

    row = _row(ctx, ctx.op.payload, echo)
    if row.id != ctx.op.entity_id or row.notice_id is not None or row.case_id is not None or row.replaced_by:
        raise rejected(Code.INVALID_PAYLOAD, "未出具文书的作废编号不应关联办件或文书。", echo())
    _check_new(ctx, row, echo)
    if ctx.rows.notice_by_number(row.number) is not None:
        raise conflict(Code.NUMBER_TAKEN, f"编号 {row.number} 已出具文书，不能按跳号作废；请在该办件中作废这份文书。",
                       echo())
    if not _own_number(ctx, row):
        raise rejected(Code.RULE_VIOLATION, f"编号 {row.number} 不在本机领取的编号段内，只能作废本机的编号。", echo())
    _write(ctx, row)
    return void_echo(ctx, row.id)


def _own_number(ctx: OpContext, row: VoidNumber) -> bool:
    """The number is the device's: in a block leased to it, or station-marked with its window
    number (issued while it worked standalone, from its own blocks)."""
    parts = parse_station_number(row.number, ctx.hall.code)
    station = parts[0] if parts else None
    if station is not None:
        window = ctx.s.get(Window, ctx.device.window_id) if ctx.device.window_id else None
        return window is not None and station_mark(window.number) == station
    lease = ctx.s.scalar(select(NumberLease.id).where(
        NumberLease.device_id == ctx.device.id, NumberLease.kind == f"notice-{row.kind}",
        NumberLease.year == row.year, NumberLease.first <= row.serial, NumberLease.last >= row.serial).limit(1))
    return lease is not None
