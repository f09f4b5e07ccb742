"""The attendance ops on the server (punch.add, attendance.import, schedule.set, inspection.record /
respond, attendance.publish; leave and 补签 are in server.leave_ops). Every field is checked
(server.attendance_fields), then every rule again against the server's own rows; refusals raise
OpRefused with the authoritative row. Applied rows are written to the hall scope's change log.
Runs inside the push driver's savepoint.

Punches are append-only: the same punch again (same id, or same staff + device + time under
another id) is a duplicate, answered with the row the server holds. The server sets the punch's
flag from what it knows too (the clock skew the device reported, an op created long before it
arrived though the device said it was online) and keeps the stricter of the two flags.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import re
from collections.abc import Mapping
from typing import Any

from sqlalchemy import func, select

from app.attendance.schedule import parse_schedule
from app.errors import DomainError
from app.sync.checksum import canonical_json
from app.sync.protocol import (
    ATTENDANCE_IMPORT,
    ATTENDANCE_PUBLISH,
    INSPECTION_RECORD,
    INSPECTION_RESPOND,
    PUNCH_ADD,
    SCHEDULE_SET,
    Code,
    Entity,
    OpStatus,
)
from app.sync.rows import columns_row, entity_row
from db.models import AttendanceImport, AttendanceMonth, AttendanceSchedule, Base, Inspection, Punch, Staff
from server.attendance_fields import (
    UUID_TEXT,
    EchoOf,
    bad,
    build_row,
    command,
    hall_staff,
    hall_window,
    list_parameter,
    number_parameter,
    to_local,
    to_utc,
)
from server.oputil import Echo, OpContext, OpRefused, conflict, rejected
from server.schema import SyncDevice

MAX_IMPORT_PUNCHES = 20_000
PHOTO_MAX_BYTES = 1024 * 1024
LATE_ARRIVAL = dt.timedelta(minutes=15)  # an "online" punch arriving later than this is flagged
MODELS: dict[str, type[Base]] = {
    PUNCH_ADD: Punch, ATTENDANCE_IMPORT: AttendanceImport, SCHEDULE_SET: AttendanceSchedule,
    INSPECTION_RECORD: Inspection, INSPECTION_RESPOND: Inspection, ATTENDANCE_PUBLISH: AttendanceMonth,
}
ENTITIES = {Punch: Entity.PUNCH, AttendanceImport: Entity.ATTENDANCE_IMPORT, AttendanceSchedule: Entity.SCHEDULE,
            Inspection: Entity.INSPECTION, AttendanceMonth: Entity.ATTENDANCE_MONTH}
MONTH = re.compile(r"^(20\d\d)-(0[1-9]|1[0-2])$")


def row_echo(ctx: OpContext, model: type[Base], row_id: str) -> Echo:
    entity = ENTITIES[model]
    row = ctx.s.get(model, row_id)
    return Echo(entity, entity_row(entity, row) if row is not None else None)


def attendance_echo(ctx: OpContext) -> Echo:
    """The held row of an attendance op's entity (server.push.current_echo)."""
    return row_echo(ctx, MODELS[ctx.op.kind], ctx.op.entity_id)


def same_row(a: Base, b: Base, ignore: tuple[str, ...] = ()) -> bool:
    ra, rb = columns_row(a), columns_row(b)
    for key in ignore:
        ra.pop(key, None)
        rb.pop(key, None)
    return canonical_json(ra) == canonical_json(rb)


def check_new(ctx: OpContext, held: Base | None, row: Base, echo: EchoOf, ignore: tuple[str, ...] = ()) -> None:
    """A creation: the same row again is a duplicate, another row under its id a conflict."""
    if held is None:
        return
    if same_row(held, row, ignore):
        raise OpRefused(OpStatus.DUPLICATE, Code.SAME_CONTENT, "服务器上已有这条记录。", echo())
    raise conflict(Code.ALREADY_EXISTS, "服务器上的这条记录与本机记录不一致。", echo())


def check_owner(ctx: OpContext, row: Any, what: str, echo: EchoOf) -> None:
    """The row's id is the op's entity and its hall is the device's."""
    if row.id != ctx.op.entity_id:
        raise bad(what, "id", "与操作对象不一致", echo)
    if row.hall_id != ctx.hall.id:
        raise rejected(Code.WRONG_HALL, f"该{what}不属于本大厅。", echo())


def write(ctx: OpContext, row: Base, entities: Mapping[type[Base], str] = ENTITIES) -> None:
    """Add ``row`` and write it to the hall scope's change log under its entity (``entities``: model ->
    entity, the attendance tables unless told)."""
    ctx.s.add(row)
    ctx.s.flush()
    entity = entities[type(row)]
    ctx.change(entity, str(row.id), entity_row(entity, row))  # type: ignore[attr-defined]


# -- punches ------------------------------------------------------------------------------------

def _server_flag(ctx: OpContext, row: Punch) -> str:
    """Why the server doubts the punch from what it knows ('' when it does not)."""
    tolerance = number_parameter(ctx.s, ctx.hall.id, "punch.clock_tolerance_minutes")
    skew = ctx.op.clock_skew_seconds
    if skew is not None and not abs(skew) < 86400 * 365:  # also NaN / infinite
        return "中心核对：本机时钟与中心严重不符"
    if skew is not None and abs(skew) > tolerance * 60:
        return f"中心核对：本机时钟与中心相差约 {round(abs(skew) / 60)} 分钟"
    if not row.offline and row.at is not None:
        arrived = to_utc(row.at) + dt.timedelta(seconds=skew or 0)
        late = ctx.now - arrived
        if late > LATE_ARRIVAL:
            return f"中心核对：标为在线的打卡 {int(late.total_seconds() // 60)} 分钟后才送达中心"
        if late < -dt.timedelta(minutes=tolerance):
            return "中心核对：打卡时间晚于中心收到的时间"
    return ""


def stricter_flag(counter: str, server: str) -> str:
    if not server or server in counter:
        return counter
    return (f"{counter}；{server}" if counter else server)[:200]


def _punch_row(ctx: OpContext, payload: Any, what: str, echo: EchoOf) -> Punch:
    row = build_row(Punch, payload, what, echo)
    if row.hall_id != ctx.hall.id:
        raise rejected(Code.WRONG_HALL, f"该{what}不属于本大厅。", echo())
    if row.clock_offset_seconds is not None and abs(row.clock_offset_seconds) > 10 * 365 * 86400:
        raise bad(what, "clock_offset_seconds", "超出范围", echo)
    return row


def _held_punch(ctx: OpContext, row: Punch) -> Punch | None:
    return ctx.s.scalar(select(Punch).where(Punch.staff_id == row.staff_id, Punch.device_id == row.device_id,
                                            Punch.at == row.at).limit(1))


def _own_device(ctx: OpContext, device_id: str) -> bool:
    """A counter punch names the pushing PC: its id on the server, or the PC's own install id (which
    the server does not know: a UUID then, naming no other enrolled PC)."""
    if device_id == ctx.device.id:
        return True
    if UUID_TEXT.fullmatch(device_id) is None:  # install ids are UUIDs, as are the server's
        return False
    return ctx.s.get(SyncDevice, device_id) is None


def apply_punch(ctx: OpContext) -> Echo:
    """``punch.add``: one punch of the actor at the pushing counter."""
    def echo() -> Echo:
        return row_echo(ctx, Punch, ctx.op.entity_id)

    row = _punch_row(ctx, ctx.op.payload, "打卡记录", echo)
    check_owner(ctx, row, "打卡记录", echo)
    if row.staff_id != ctx.op.actor_id:
        raise rejected(Code.NOT_PERMITTED, "只能本人打卡。", echo())
    if row.source != "counter" or not _own_device(ctx, row.device_id) or row.import_id is not None:
        raise rejected(Code.INVALID_PAYLOAD, "窗口打卡记录的来源或设备与提交它的计算机不符。", echo())
    check_new(ctx, ctx.s.get(Punch, row.id), row, echo, ignore=("flag",))
    same = _held_punch(ctx, row)
    if same is not None:
        raise OpRefused(OpStatus.DUPLICATE, Code.SAME_CONTENT, "服务器上已有同一时间的这次打卡。",
                        row_echo(ctx, Punch, same.id))
    row.flag = stricter_flag(row.flag, _server_flag(ctx, row))
    write(ctx, row)
    return echo()


def _import_punches(ctx: OpContext, payload: Any, import_id: str, echo: EchoOf) -> list[Punch]:
    if not isinstance(payload, list) or len(payload) > MAX_IMPORT_PUNCHES:
        raise rejected(Code.INVALID_PAYLOAD, f"考勤机导入的打卡记录应为列表（最多 {MAX_IMPORT_PUNCHES} 条）。", echo())
    staff_ids = set(ctx.s.scalars(select(Staff.id).where(Staff.hall_id == ctx.hall.id)))
    rows: list[Punch] = []
    for i, item in enumerate(payload, 1):
        row = _punch_row(ctx, item, f"第 {i} 条考勤机记录", echo)
        if row.source != "machine" or not row.device_id.startswith("machine:") or row.import_id != import_id:
            raise rejected(Code.INVALID_PAYLOAD, f"第 {i} 条考勤机记录的来源、设备或导入批次不正确。", echo())
        if row.staff_id not in staff_ids:
            raise rejected(Code.UNKNOWN_REFERENCE, f"第 {i} 条考勤机记录的人员不是本大厅人员。", echo())
        rows.append(row)
    return rows


def _import_row(ctx: OpContext, payload: Any, echo: EchoOf) -> AttendanceImport:
    row = build_row(AttendanceImport, payload, "考勤机导入", echo)
    check_owner(ctx, row, "考勤机导入", echo)
    if row.imported_by != ctx.op.actor_id:
        raise rejected(Code.NOT_AUTHORISED, "导入人与操作人不一致。", echo())
    for key in ("rows_total", "rows_new", "rows_duplicate"):
        if getattr(row, key) < 0:
            raise bad("考勤机导入", key, "不能为负数", echo)
    if re.fullmatch(r"[0-9a-f]{64}", row.file_sha256) is None:
        raise bad("考勤机导入", "file_sha256", "不是有效的文件摘要", echo)
    if not isinstance(row.mapping, dict) or not isinstance(row.problems, list):
        raise rejected(Code.INVALID_PAYLOAD, "考勤机导入的列对应关系或问题清单格式不正确。", echo())
    return row


def apply_import(ctx: OpContext) -> Echo:
    """``attendance.import``: the import row and its new punches; punches already held merge."""
    def echo() -> Echo:
        return row_echo(ctx, AttendanceImport, ctx.op.entity_id)

    p = ctx.op.payload
    if not isinstance(p, dict):
        raise rejected(Code.INVALID_PAYLOAD, "考勤机导入的数据格式不正确。", echo())
    row = _import_row(ctx, p.get("import"), echo)
    punches = _import_punches(ctx, p.get("punches"), row.id, echo)
    if row.rows_new != len(punches) or row.rows_total < row.rows_new + row.rows_duplicate:
        raise rejected(Code.INVALID_PAYLOAD, "考勤机导入的行数与所附打卡记录不符。", echo())
    check_new(ctx, ctx.s.get(AttendanceImport, row.id), row, echo)
    write(ctx, row)
    seen: set[tuple[str, str, dt.datetime]] = set()
    for punch in punches:
        natural = (punch.staff_id, punch.device_id, punch.at)
        if natural in seen or ctx.s.get(Punch, punch.id) is not None or _held_punch(ctx, punch) is not None:
            continue  # held already: merged
        seen.add(natural)
        write(ctx, punch)
    return echo()


# -- schedule -------------------------------------------------------------------------------------

def _parse_schedule(content: dict[str, Any], echo: EchoOf) -> None:
    """The schedule rules of app.attendance.schedule.parse_schedule."""
    try:
        parse_schedule(content)
    except DomainError as exc:
        raise rejected(Code.RULE_VIOLATION, exc.message, echo()) from exc
    except (TypeError, ValueError, KeyError, AttributeError) as exc:
        raise rejected(Code.INVALID_PAYLOAD, "作息时间的内容格式不正确。", echo()) from exc


def latest_schedule(ctx: OpContext) -> AttendanceSchedule | None:
    return ctx.s.scalars(select(AttendanceSchedule).where(AttendanceSchedule.hall_id == ctx.hall.id)
                         .order_by(AttendanceSchedule.version.desc()).limit(1)).first()


def apply_schedule(ctx: OpContext) -> Echo:
    """``schedule.set``: a new version of the hall's schedule (version = the held highest + 1)."""
    def echo() -> Echo:
        return row_echo(ctx, AttendanceSchedule, ctx.op.entity_id)

    row = build_row(AttendanceSchedule, ctx.op.payload, "作息时间", echo)
    check_owner(ctx, row, "作息时间", echo)
    if row.created_by != ctx.op.actor_id:
        raise rejected(Code.NOT_AUTHORISED, "作息时间的设置人与操作人不一致。", echo())
    if not isinstance(row.content, dict):
        raise bad("作息时间", "content", "格式不正确", echo)
    check_new(ctx, ctx.s.get(AttendanceSchedule, row.id), row, echo)
    current = latest_schedule(ctx)
    expected = (current.version if current else 0) + 1
    if row.version != expected:
        held = row_echo(ctx, AttendanceSchedule, current.id) if current else Echo(Entity.SCHEDULE, None)
        raise conflict(Code.STATE_MISMATCH, f"作息时间已在中心改为第 {expected - 1} 版，请同步后重新设置。", held)
    _parse_schedule(row.content, echo)
    write(ctx, row)
    return echo()


# -- 查岗 --------------------------------------------------------------------------------------------

def _check_photo(row: Inspection, echo: EchoOf) -> None:
    if not row.photo_b64:
        if row.photo_sha256 or row.photo_name:
            raise bad("查岗记录", "photo_b64", "缺失", echo)
        return
    try:
        data = base64.b64decode(row.photo_b64, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise bad("查岗记录", "photo_b64", "不是有效的图片数据", echo) from exc
    if len(data) > PHOTO_MAX_BYTES:
        raise bad("查岗记录", "photo_b64", "超过 1 MB", echo)
    if hashlib.sha256(data).hexdigest() != row.photo_sha256:
        raise bad("查岗记录", "photo_sha256", "与图片不符", echo)


def apply_inspection(ctx: OpContext) -> Echo:
    """``inspection.record``: a supervisor's spot check of a window."""
    def echo() -> Echo:
        return row_echo(ctx, Inspection, ctx.op.entity_id)

    row = build_row(Inspection, ctx.op.payload, "查岗记录", echo, {"photo_b64": 1_400_000})
    check_owner(ctx, row, "查岗记录", echo)
    if row.recorded_by != ctx.op.actor_id:
        raise rejected(Code.NOT_AUTHORISED, "查岗记录的登记人与操作人不一致。", echo())
    hall_window(ctx.s, ctx.hall.id, row.window_id, "查岗记录", echo)
    if row.staff_id is not None:
        hall_staff(ctx.s, ctx.hall.id, row.staff_id, "查岗记录", "staff_id", echo)
    if row.finding not in list_parameter(ctx.s, ctx.hall.id, "inspection.findings"):
        raise bad("查岗记录", "finding", "不是本大厅规定的查岗结果", echo)
    if row.response or row.response_note or row.responded_at is not None or row.version != 1:
        raise rejected(Code.INVALID_PAYLOAD, "新登记的查岗记录不应已有确认结果。", echo())
    _check_photo(row, echo)
    check_new(ctx, ctx.s.get(Inspection, row.id), row, echo)
    write(ctx, row)
    return echo()


def apply_inspection_response(ctx: OpContext) -> Echo:
    """``inspection.respond``: the staff member confirms or disputes, once."""
    def echo() -> Echo:
        return row_echo(ctx, Inspection, ctx.op.entity_id)

    p = command(ctx.op.payload, "查岗确认", echo, {"id": "id", "from_version": "version", "response": "status",
                                                   "note": "text", "responded_at": "when"})
    if p["id"] != ctx.op.entity_id or p["response"] not in ("confirmed", "disputed"):
        raise rejected(Code.INVALID_PAYLOAD, "查岗确认的对象或结果不正确。", echo())
    held = ctx.s.get(Inspection, p["id"])
    if held is None or held.hall_id != ctx.hall.id:
        raise conflict(Code.CASE_UNKNOWN, "服务器上没有这条查岗记录。", echo())
    if held.staff_id != ctx.op.actor_id:
        raise rejected(Code.NOT_PERMITTED, "只有被查岗的本人可以确认查岗结果。", echo())
    if held.response == p["response"] and held.version == p["from_version"] + 1 \
            and held.response_note == p["note"] and held.responded_at == p["responded_at"]:
        raise OpRefused(OpStatus.DUPLICATE, Code.SAME_CONTENT, "服务器上已是该确认结果。", echo())
    if held.response or held.version != p["from_version"]:
        raise conflict(Code.STATE_MISMATCH, "这条查岗记录已确认过，或已在中心被改过。", echo())
    held.response, held.response_note, held.responded_at = p["response"], p["note"], p["responded_at"]
    held.version += 1
    ctx.s.flush()
    ctx.change(Entity.INSPECTION, held.id, entity_row(Entity.INSPECTION, held))
    return echo()


# -- monthly sheet ----------------------------------------------------------------------------------

def _server_sheet(ctx: OpContext, year: int, month: int, echo: EchoOf) -> dict[str, Any]:
    """The month's sheet computed from the server's rows (server.attendance_sheet)."""
    from server.attendance_sheet import hall_month_sheet

    return hall_month_sheet(ctx.s, ctx.hall.id, year, month, to_local(ctx.now).date())


def apply_publish(ctx: OpContext) -> Echo:
    """``attendance.publish``: the month closed and published (a later version corrects it); the
    server keeps the sheet it computes from its own rows and echoes it."""
    def echo() -> Echo:
        return row_echo(ctx, AttendanceMonth, ctx.op.entity_id)

    row = build_row(AttendanceMonth, ctx.op.payload, "考勤月报", echo)
    check_owner(ctx, row, "考勤月报", echo)
    match = MONTH.match(row.month)
    if match is None:
        raise bad("考勤月报", "month", "应为“年-月”", echo)
    if row.published_by != ctx.op.actor_id:
        raise rejected(Code.NOT_AUTHORISED, "月报的发布人与操作人不一致。", echo())
    held = ctx.s.get(AttendanceMonth, row.id)
    if held is not None:
        same = held.month == row.month and held.version == row.version and held.reason == row.reason
        if same and held.published_by == row.published_by:
            raise OpRefused(OpStatus.DUPLICATE, Code.SAME_CONTENT, "服务器上已有这一版月报。", echo())
        raise conflict(Code.ALREADY_EXISTS, "服务器上的这一版月报与本机记录不一致。", echo())
    latest = ctx.s.scalar(select(func.max(AttendanceMonth.version)).where(
        AttendanceMonth.hall_id == ctx.hall.id, AttendanceMonth.month == row.month)) or 0
    if row.version != latest + 1:
        raise conflict(Code.STATE_MISMATCH, f"{row.month} 的月报在中心已发布到第 {latest} 版，请同步后再发布。", echo())
    if row.version > 1 and not row.reason.strip():
        raise bad("考勤月报", "reason", "更正已发布的月报须写明原因", echo)
    if not isinstance(row.sheet, dict):
        raise bad("考勤月报", "sheet", "格式不正确", echo)
    row.sheet = _server_sheet(ctx, int(match.group(1)), int(match.group(2)), echo)
    write(ctx, row)
    return echo()
