"""Notices (papers) arriving with case ops, and enquiries (``enquiry.add``): append-only records.

A record the server already holds with the same content is a duplicate (success); the same id
with other content is a conflict; a notice number held by another notice is a conflict (numbers
are unique per hall and year, never silently overwritten). Runs inside the push driver's
savepoint; refusals raise OpRefused.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from app.sync.checksum import canonical_json
from app.sync.protocol import Code, Entity, OpStatus
from app.sync.rows import column_values, entity_row
from db.models import Enquiry, Notice, Staff, Window
from server.oputil import Echo, OpContext, OpRefused, conflict, rejected, related

NOTICE_KEYS = ("id", "case_id", "kind", "number", "issued_at", "issued_by", "payload")
# what a 首席代表 can do about a paper whose number the server refused
REISSUE = ("请首席代表核对已交给申请人的文书，收回后在办件中点“作废文书”登记作废（作废号登记）并重新出具，"
           "新文书将取得新的编号；再在“未同步的操作”中处理本条。")


def _notice_echo(base: Echo, notice: Notice) -> Echo:
    clash = related(Entity.NOTICE, [(notice.id, entity_row(Entity.NOTICE, notice))])
    return Echo(base.entity, base.row, base.related + clash)


def _check_one(ctx: OpContext, case_id: str, n: Any, base: Callable[[], Echo]) -> Notice | None:
    """The new Notice to insert, or None when the server already holds exactly this one."""
    if not isinstance(n, dict) or any(k not in n for k in NOTICE_KEYS) or n["case_id"] != case_id:
        raise rejected(Code.INVALID_PAYLOAD, "操作所附文书数据不完整。", base())
    if not str(n["number"]).startswith(f"{ctx.hall.code}-"):
        raise rejected(Code.WRONG_HALL, f"文书编号 {n['number']} 不属于本大厅。", base())
    issuer = ctx.s.get(Staff, n["issued_by"])
    if issuer is None or issuer.hall_id != ctx.hall.id:
        raise rejected(Code.UNKNOWN_REFERENCE, "文书的出具人不是本大厅人员。", base())
    row = {**n, "void": bool(n.get("void", False))}
    held = ctx.rows.notice(str(n["id"]))
    if held is not None:
        if canonical_json(entity_row(Entity.NOTICE, held)) == canonical_json(row):
            return None
        message = f"服务器上的文书 {held.number} 与本机记录不一致。"
        raise conflict(Code.ALREADY_EXISTS, message, _notice_echo(base(), held))
    voided = ctx.rows.void_by_number(str(n["number"]))
    if voided is not None:
        raise conflict(Code.NUMBER_VOIDED, f"文书编号 {n['number']} 已于 {voided.voided_at:%Y-%m-%d} 登记作废，"
                       f"作废的编号不能再次使用，本机这份文书未被中心服务器接收。{REISSUE}", base())
    other = ctx.rows.notice_by_number(str(n["number"]))
    if other is not None:
        raise conflict(Code.NUMBER_TAKEN, f"文书编号 {n['number']} 已被其他文书使用，本机这份文书未被中心服务器接收。"
                       + REISSUE, _notice_echo(base(), other))
    try:
        return Notice(**column_values(Notice.__table__, row))
    except ValueError as exc:
        raise rejected(Code.INVALID_PAYLOAD, "文书的出具时间格式不正确。", base()) from exc


def check_notices(ctx: OpContext, case_id: str, notices: Any, base: Callable[[], Echo]) -> list[Notice]:
    """The notices of an op that are new to the server, after every check (nothing written yet).
    ``base`` makes the echo of a refusal (only called when there is one: it costs two queries)."""
    if not isinstance(notices, list):
        raise rejected(Code.INVALID_PAYLOAD, "操作所附文书应为列表。", base())
    numbers = [n.get("number") for n in notices if isinstance(n, dict)]
    if len(set(numbers)) != len(numbers):
        raise rejected(Code.INVALID_PAYLOAD, "同一操作中的文书编号重复。", base())
    out = [_check_one(ctx, case_id, n, base) for n in notices]
    return [n for n in out if n is not None]


def write_notices(ctx: OpContext, notices: list[Notice]) -> None:
    for notice in notices:
        ctx.s.add(notice)
    ctx.rows.added_notices(notices)
    ctx.rows.flush()
    for notice in notices:
        ctx.change(Entity.NOTICE, notice.id, entity_row(Entity.NOTICE, notice))


def _enquiry_checks(ctx: OpContext, p: dict[str, Any]) -> None:
    if p.get("id") != ctx.op.entity_id:
        raise rejected(Code.INVALID_PAYLOAD, "首问登记的编号不一致。")
    if p.get("hall_id") != ctx.hall.id:
        raise rejected(Code.WRONG_HALL, "该首问登记不属于本机所在大厅。")
    if p.get("staff_id") != ctx.op.actor_id:
        raise rejected(Code.NOT_AUTHORISED, "首问登记的登记人与操作人不一致。")
    window = ctx.s.get(Window, p["window_id"]) if p.get("window_id") else None
    if p.get("window_id") and (window is None or window.hall_id != ctx.hall.id):
        raise rejected(Code.UNKNOWN_REFERENCE, "首问登记所属窗口不在本大厅。")


def apply_enquiry(ctx: OpContext) -> Echo:
    """``enquiry.add``: the payload is the enquiry row."""
    p = ctx.op.payload
    _enquiry_checks(ctx, p)
    held = ctx.rows.enquiry(ctx.op.entity_id)
    if held is not None:
        echo = Echo(Entity.ENQUIRY, entity_row(Entity.ENQUIRY, held))
        if canonical_json(echo.row or {}) == canonical_json(p):
            raise OpRefused(OpStatus.DUPLICATE, Code.SAME_CONTENT, "服务器上已有该首问登记。", echo)
        raise conflict(Code.ALREADY_EXISTS, "服务器上的该首问登记与本机记录不一致。", echo)
    try:
        row = Enquiry(**column_values(Enquiry.__table__, p))
    except ValueError as exc:
        raise rejected(Code.INVALID_PAYLOAD, "首问登记的时间格式不正确。") from exc
    ctx.s.add(row)
    ctx.rows.added_enquiry(row)
    ctx.rows.flush()
    out = entity_row(Entity.ENQUIRY, row)
    ctx.change(Entity.ENQUIRY, row.id, out)
    return Echo(Entity.ENQUIRY, out)
