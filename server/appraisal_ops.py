"""The appraisal ops on the server (量化考核): appraisal.rules_set, commendation.record,
appraisal.item_propose / item_decide / adjust, appraisal.comment, appraisal.quota_raise and
appraisal.publish. Every field is checked (server.attendance_fields.build_row: types, ranges, lengths,
characters), then every rule again against the server's own rows; refusals raise OpRefused with the
authoritative row. appraisal.publish keeps the month the server computes from its rows with the
counter's own functions (app.appraisal.facts.hall_month, app.appraisal.score.appraise_month).
Runs inside the push driver's savepoint.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from sqlalchemy import func, select

from app.appraisal import facts as mf
from app.appraisal.codec import appraisal_json
from app.appraisal.rules import parse_rules, rules_content
from app.appraisal.score import appraise_month
from app.errors import DomainError
from app.permissions import Subject
from app.sync.protocol import (
    APPRAISAL_ADJUST,
    APPRAISAL_COMMENT,
    APPRAISAL_ITEM_DECIDE,
    APPRAISAL_ITEM_PROPOSE,
    APPRAISAL_KINDS,
    APPRAISAL_PUBLISH,
    APPRAISAL_QUOTA_RAISE,
    APPRAISAL_RULES_SET,
    COMMENDATION_RECORD,
    Code,
    Entity,
    OpStatus,
)
from app.sync.rows import entity_row
from db.models import (
    AppraisalComment,
    AppraisalItem,
    AppraisalMonth,
    AppraisalQuota,
    AppraisalRules,
    Base,
    Commendation,
    Staff,
    Window,
)
from server.attendance_fields import (
    EchoOf,
    bad,
    build_row,
    command,
    hall_staff,
    hall_window,
    number_parameter,
    to_local,
)
from server.attendance_ops import MONTH, check_new, check_owner
from server.attendance_ops import write as attendance_write
from server.attendance_sheet import hall_calendar
from server.oputil import Echo, OpContext, OpRefused, conflict, rejected
from server.validation import clean_text

MODELS: dict[str, type[Base]] = {
    APPRAISAL_RULES_SET: AppraisalRules, COMMENDATION_RECORD: Commendation, APPRAISAL_ITEM_PROPOSE: AppraisalItem,
    APPRAISAL_ITEM_DECIDE: AppraisalItem, APPRAISAL_ADJUST: AppraisalItem, APPRAISAL_COMMENT: AppraisalComment,
    APPRAISAL_QUOTA_RAISE: AppraisalQuota, APPRAISAL_PUBLISH: AppraisalMonth,
}
ENTITIES: dict[type[Base], str] = {
    AppraisalRules: Entity.APPRAISAL_RULES, Commendation: Entity.COMMENDATION, AppraisalItem: Entity.APPRAISAL_ITEM,
    AppraisalComment: Entity.APPRAISAL_COMMENT, AppraisalQuota: Entity.APPRAISAL_QUOTA,
    AppraisalMonth: Entity.APPRAISAL_MONTH,
}
MAX_ITEM_POINTS = 20.0


def appraisal_echo(ctx: OpContext) -> Echo:
    model = MODELS[ctx.op.kind]
    entity = ENTITIES[model]
    row = ctx.s.get(model, ctx.op.entity_id)
    return Echo(entity, entity_row(entity, row) if row is not None else None)


def write(ctx: OpContext, row: Base) -> None:
    attendance_write(ctx, row, ENTITIES)


def _echo(ctx: OpContext) -> EchoOf:
    return lambda: appraisal_echo(ctx)


def _month(value: str, what: str, echo: EchoOf) -> tuple[int, int]:
    match = MONTH.match(value)
    if match is None:
        raise bad(what, "month", "应为“年-月”", echo)
    return int(match.group(1)), int(match.group(2))


def _actor_is(ctx: OpContext, who: str, what: str, echo: EchoOf) -> None:
    if who != ctx.op.actor_id:
        raise rejected(Code.NOT_AUTHORISED, f"{what}的登记人与操作人不一致。", echo())


def _target(ctx: OpContext, row: Any, what: str, echo: EchoOf) -> None:
    """Exactly one of staff_id / window_id, of this hall."""
    if (row.staff_id is None) == (row.window_id is None):
        raise bad(what, "staff_id", "与“window_id”应有且只有一项", echo)
    if row.staff_id is not None:
        hall_staff(ctx.s, ctx.hall.id, row.staff_id, what, "staff_id", echo)
    else:
        hall_window(ctx.s, ctx.hall.id, row.window_id, what, echo)


def _new(ctx: OpContext, model: type[Base], what: str, text_max: dict[str, int] | None = None) -> Any:
    echo = _echo(ctx)
    row: Any = build_row(model, ctx.op.payload, what, echo, text_max or {})
    check_owner(ctx, row, what, echo)
    check_new(ctx, ctx.s.get(model, row.id), row, echo)
    return row


# -- rules --------------------------------------------------------------------------------------------

def apply_rules(ctx: OpContext) -> Echo:
    """``appraisal.rules_set``: a new version (the held highest + 1), checked by parse_rules."""
    echo = _echo(ctx)
    row: AppraisalRules = _new(ctx, AppraisalRules, "考核评分规则", {"note": 500})
    _actor_is(ctx, row.created_by, "考核评分规则", echo)
    if not isinstance(row.content, dict):
        raise bad("考核评分规则", "content", "格式不正确", echo)
    try:
        parsed = parse_rules(row.content)
    except DomainError as exc:
        raise rejected(Code.RULE_VIOLATION, exc.message, echo()) from exc
    except (TypeError, ValueError, KeyError, AttributeError) as exc:
        raise rejected(Code.INVALID_PAYLOAD, "考核评分规则的内容格式不正确。", echo()) from exc
    latest = ctx.s.scalar(select(func.max(AppraisalRules.version)).where(AppraisalRules.hall_id == ctx.hall.id)) or 0
    if row.version != latest + 1:
        raise conflict(Code.STATE_MISMATCH, f"考核评分规则已在中心改为第 {latest} 版，请同步后重新设置。", echo())
    row.content = rules_content(parsed)
    write(ctx, row)
    return echo()


# -- 表扬信、锦旗 -----------------------------------------------------------------------------------------

def apply_commendation(ctx: OpContext) -> Echo:
    echo = _echo(ctx)
    row: Commendation = _new(ctx, Commendation, "表扬登记", {"note": 500})
    _actor_is(ctx, row.recorded_by, "表扬登记", echo)
    if row.kind not in ("praise_letter", "banner"):
        raise bad("表扬登记", "kind", "应为表扬信或锦旗", echo)
    _target(ctx, row, "表扬登记", echo)
    if row.day > to_local(ctx.now).date() + dt.timedelta(days=1):
        raise bad("表扬登记", "day", "晚于今天", echo)
    write(ctx, row)
    return echo()


# -- point items ---------------------------------------------------------------------------------------

def _points_ok(row: AppraisalItem, echo: EchoOf) -> None:
    if row.kind in ("manual", mf.ADJUSTMENT):
        if not math.isfinite(row.points) or row.points == 0 or abs(row.points) > MAX_ITEM_POINTS:
            raise bad("考核加减分", "points", f"应在 -{MAX_ITEM_POINTS:g} 到 {MAX_ITEM_POINTS:g} 之间且不为 0", echo)
    elif row.points != 0:
        raise bad("考核加减分", "points", "按规则计分的事项不应另填分值", echo)


def _item(ctx: OpContext, kinds: tuple[str, ...], status: str) -> Echo:
    echo = _echo(ctx)
    row: AppraisalItem = _new(ctx, AppraisalItem, "考核加减分", {"reason": 500, "decision_note": 500})
    _actor_is(ctx, row.entered_by, "考核加减分", echo)
    _month(row.month, "考核加减分", echo)
    if row.kind not in kinds:
        raise bad("考核加减分", "kind", "不是这一操作可登记的类别", echo)
    if not row.reason.strip():
        raise bad("考核加减分", "reason", "不能为空", echo)
    _target(ctx, row, "考核加减分", echo)
    _points_ok(row, echo)
    if row.status != status or row.version != 1:
        raise rejected(Code.INVALID_PAYLOAD, "新登记的考核加减分事项状态不正确。", echo())
    if status == "proposed" and (row.decided_by or row.decided_at is not None or row.decision_note):
        raise rejected(Code.INVALID_PAYLOAD, "新提出的事项不应已有审批结果。", echo())
    if status == "approved":  # an adjustment: in force at once, by the one who enters it, never about themselves
        if row.decided_by != row.entered_by or row.decided_at is None:
            raise rejected(Code.INVALID_PAYLOAD, "业务科调整应由登记人当时确认。", echo())
        if row.staff_id == ctx.op.actor_id:
            raise rejected(Code.NOT_PERMITTED, "不能调整本人的考核得分。", echo())
    write(ctx, row)
    return echo()


def apply_propose(ctx: OpContext) -> Echo:
    return _item(ctx, mf.ITEM_KINDS, "proposed")


def apply_adjust(ctx: OpContext) -> Echo:
    return _item(ctx, (mf.ADJUSTMENT,), "approved")


def apply_decide(ctx: OpContext) -> Echo:
    """``appraisal.item_decide``: approved or refused once, by someone else than the proposer and the
    person it is about."""
    echo = _echo(ctx)
    p = command(ctx.op.payload, "考核事项审批", echo, {"id": "id", "from_version": "version", "status": "status",
                                                    "note": "text", "decided_at": "when"})
    if p["id"] != ctx.op.entity_id or p["status"] not in ("approved", "refused"):
        raise rejected(Code.INVALID_PAYLOAD, "考核事项审批的对象或结果不正确。", echo())
    if p["status"] == "refused" and not p["note"].strip():
        raise bad("考核事项审批", "note", "不批准时须写明理由", echo)
    held = ctx.s.get(AppraisalItem, p["id"])
    if held is None or held.hall_id != ctx.hall.id:
        raise conflict(Code.CASE_UNKNOWN, "服务器上没有这条考核加减分事项。", echo())
    if ctx.op.actor_id in (held.entered_by, held.staff_id):
        raise rejected(Code.NOT_PERMITTED, "不能审批本人提出的或与本人得分有关的事项。", echo())
    if held.status == p["status"] and held.version == p["from_version"] + 1 and held.decided_by == ctx.op.actor_id \
            and held.decision_note == p["note"]:
        raise OpRefused(OpStatus.DUPLICATE, Code.SAME_CONTENT, "服务器上已是该审批结果。", echo())
    if held.status != "proposed" or held.version != p["from_version"]:
        raise conflict(Code.STATE_MISMATCH, "这条事项已在中心审批过。", echo())
    held.status, held.decision_note, held.decided_at = p["status"], p["note"], p["decided_at"]
    held.decided_by = ctx.op.actor_id or ""
    held.version += 1
    ctx.s.flush()
    ctx.change(Entity.APPRAISAL_ITEM, held.id, entity_row(Entity.APPRAISAL_ITEM, held))
    return echo()


# -- comments and quota --------------------------------------------------------------------------------

def apply_comment(ctx: OpContext) -> Echo:
    echo = _echo(ctx)
    row: AppraisalComment = _new(ctx, AppraisalComment, "考核意见", {"text": 1000})
    _actor_is(ctx, row.written_by, "考核意见", echo)
    _month(row.month, "考核意见", echo)
    if not row.text.strip():
        raise bad("考核意见", "text", "不能为空", echo)
    actor = ctx.s.get(Staff, ctx.op.actor_id) if ctx.op.actor_id else None
    if actor is None or row.department_id != actor.department_id:
        raise rejected(Code.NOT_PERMITTED, "只能对本部门的考核提出意见。", echo())
    if row.staff_id is not None:
        person = hall_staff(ctx.s, ctx.hall.id, row.staff_id, "考核意见", "staff_id", echo)
        if person.department_id != row.department_id:
            raise rejected(Code.NOT_PERMITTED, "只能对本部门人员的考核提出意见。", echo())
    write(ctx, row)
    return echo()


def apply_quota(ctx: OpContext) -> Echo:
    echo = _echo(ctx)
    row: AppraisalQuota = _new(ctx, AppraisalQuota, "提高优秀比例", {"note": 500})
    if row.approved_by != ctx.op.actor_id:
        raise rejected(Code.NOT_AUTHORISED, "批准人与操作人不一致。", echo())
    _month(row.month, "提高优秀比例", echo)
    held = ctx.s.scalars(select(AppraisalQuota).where(AppraisalQuota.hall_id == ctx.hall.id,
                                                      AppraisalQuota.month == row.month).limit(1)).first()
    if held is not None:
        raise OpRefused(OpStatus.DUPLICATE, Code.SAME_CONTENT, "该月的优秀比例已在中心批准提高。",
                        Echo(Entity.APPRAISAL_QUOTA, entity_row(Entity.APPRAISAL_QUOTA, held)))
    write(ctx, row)
    return echo()


# -- publishing -------------------------------------------------------------------------------------------

def server_month(ctx: OpContext, year: int, month: int) -> tuple[dict[str, Any], int]:
    """The month computed from the server's rows, exactly as a counter computes it from the same rows."""
    inputs = mf.hall_month(ctx.s, ctx.hall.id, year, month, calendar=hall_calendar(ctx.s),
                          as_of=to_local(ctx.now).date(),
                          makeup_days=int(number_parameter(ctx.s, ctx.hall.id, "makeup.limit_days")))
    result = appraise_month(inputs.rules, year, month, inputs.people, inputs.windows, inputs.facts,
                            rules_version=inputs.rules_version, quota_raised=inputs.quota_raised)
    return appraisal_json(result), inputs.rules_version


def apply_publish(ctx: OpContext) -> Echo:
    echo = _echo(ctx)
    row = build_row(AppraisalMonth, ctx.op.payload, "考核结果", echo, {"reason": 500})
    check_owner(ctx, row, "考核结果", echo)
    year, month = _month(row.month, "考核结果", echo)
    if row.published_by != ctx.op.actor_id:
        raise rejected(Code.NOT_AUTHORISED, "考核结果的发布人与操作人不一致。", echo())
    held = ctx.s.get(AppraisalMonth, row.id)
    if held is not None:
        if (held.month, held.version, held.reason, held.published_by) == (row.month, row.version, row.reason,
                                                                          row.published_by):
            raise OpRefused(OpStatus.DUPLICATE, Code.SAME_CONTENT, "服务器上已有这一版考核结果。", echo())
        raise conflict(Code.ALREADY_EXISTS, "服务器上的这一版考核结果与本机记录不一致。", echo())
    if to_local(ctx.now).date() <= mf.month_bounds(year, month)[1]:
        raise rejected(Code.RULE_VIOLATION, f"{year}年{month}月尚未结束，不能发布考核结果。", echo())
    latest = ctx.s.scalar(select(func.max(AppraisalMonth.version)).where(
        AppraisalMonth.hall_id == ctx.hall.id, AppraisalMonth.month == row.month)) or 0
    if row.version != latest + 1:
        raise conflict(Code.STATE_MISMATCH, f"{row.month} 的考核结果在中心已发布到第 {latest} 版，请同步后再发布。",
                       echo())
    if row.version > 1 and not row.reason.strip():
        raise bad("考核结果", "reason", "更正已发布的结果须写明原因", echo)
    if not isinstance(row.result, dict):
        raise bad("考核结果", "result", "格式不正确", echo)
    row.result, row.rules_version = server_month(ctx, year, month)
    write(ctx, row)
    return echo()


APPRAISAL_HANDLERS = {
    APPRAISAL_RULES_SET: apply_rules, COMMENDATION_RECORD: apply_commendation, APPRAISAL_ITEM_PROPOSE: apply_propose,
    APPRAISAL_ITEM_DECIDE: apply_decide, APPRAISAL_ADJUST: apply_adjust, APPRAISAL_COMMENT: apply_comment,
    APPRAISAL_QUOTA_RAISE: apply_quota, APPRAISAL_PUBLISH: apply_publish,
}
assert set(APPRAISAL_HANDLERS) == APPRAISAL_KINDS


def _plain_id(value: object) -> str | None:
    """An id fit to look up (the handler rejects anything else with its field named)."""
    if isinstance(value, str) and len(value) <= 36 and clean_text(value, multiline=False):
        return value
    return None


def appraisal_subject(ctx: OpContext, staff: Staff) -> Subject | None:
    """The permission table's subject of an appraisal op: the item's person or window (an adjustment
    names its person as the one who may not adjust it), the proposer of an item being decided, the
    commenting chief's department. None for other kinds."""
    kind, p = ctx.op.kind, ctx.op.payload if isinstance(ctx.op.payload, dict) else {}
    if kind not in APPRAISAL_KINDS:
        return None
    if kind == APPRAISAL_COMMENT:
        return Subject(department_id=staff.department_id)
    if kind == APPRAISAL_ITEM_DECIDE:
        held = ctx.s.get(AppraisalItem, ctx.op.entity_id)
        return Subject(requester_id=held.entered_by) if held is not None else Subject()
    if kind in (APPRAISAL_ITEM_PROPOSE, APPRAISAL_ADJUST, COMMENDATION_RECORD):
        staff_id, window_id = _plain_id(p.get("staff_id")), _plain_id(p.get("window_id"))
        target = ctx.s.get(Staff, staff_id) if staff_id else None
        wid = target.window_id if target is not None else window_id
        window = ctx.s.get(Window, wid) if wid else None
        if target is None and window is None:  # names nobody known: the role alone (the handler refuses it)
            return Subject(window_id=staff.window_id, department_id=staff.department_id)
        department = target.department_id if target is not None and target.department_id else (
            window.department_id if window is not None else None)
        requester = target.id if target is not None and kind == APPRAISAL_ADJUST else None
        return Subject(window_id=window.id if window else None, department_id=department, requester_id=requester)
    return Subject()
