"""查岗: a supervisor's spot check of a window (finding from the hall's list, note, optional photo)
and the checked staff member's answer (confirmed / disputed), both kept."""

from __future__ import annotations

import base64
import binascii
import hashlib
from pathlib import Path

from app.attendance import common, policy
from app.attendance.common import Labels
from app.attendance.model import RESPONSE_LABELS, InspectionItem
from app.authz import holder_of, require
from app.context import Actor, AppContext
from app.errors import InvalidInput, NotFound, NotPermitted
from app.ids import uuid7
from app.permissions import Subject, refusal
from app.sync.protocol import INSPECTION_RECORD, INSPECTION_RESPOND, Entity
from app.sync.rows import columns_row
from app.validation import check_text
from db.attendance_repository import AttendanceRepository
from db.models import Inspection


def _photo(photo: Path | None) -> tuple[str, str, str]:
    """(name, sha256, base64) of the photo file, checked: jpg/png, at most 1 MB."""
    if photo is None:
        return "", "", ""
    try:
        size = photo.stat().st_size
        policy.check_photo(photo.name, size)
        data = photo.read_bytes()
    except OSError as exc:
        raise InvalidInput(f"无法读取照片文件“{photo.name}”。", field="photo") from exc
    policy.check_photo(photo.name, len(data))
    return photo.name[-200:], hashlib.sha256(data).hexdigest(), base64.b64encode(data).decode("ascii")


def item(row: Inspection, labels: Labels, viewer: str | None) -> InspectionItem:
    try:
        photo = base64.b64decode(row.photo_b64, validate=True) if row.photo_b64 else None
    except (binascii.Error, ValueError):
        photo = None
    return InspectionItem(
        id=row.id, window_id=row.window_id, window_label=labels.window(row.window_id), staff_id=row.staff_id,
        staff_name=labels.name(row.staff_id), at=row.at, finding=row.finding, note=row.note,
        photo_name=row.photo_name, photo=photo, recorded_by=row.recorded_by,
        recorded_by_name=labels.name(row.recorded_by), response=row.response,
        response_label=RESPONSE_LABELS.get(row.response, row.response), response_note=row.response_note,
        responded_at=row.responded_at, version=row.version,
        can_respond=viewer is not None and viewer == row.staff_id and not row.response,
    )


def record(ctx: AppContext, actor: Actor, window_id: str, finding: str, note: str, photo: Path | None = None,
           staff_id: str | None = None) -> InspectionItem:
    findings = common.params(ctx).findings
    if finding not in findings:
        raise InvalidInput(f"请选择查岗结果（{'、'.join(findings)}）。", field="finding")
    text = check_text(note, field="note", label="查岗说明", max_len=1000)
    name, digest, data = _photo(photo)
    now = ctx.clock.now()
    with ctx.action() as s:
        require(s, actor, "inspection.record")
        labels = Labels(s)
        window = labels.windows.get(window_id)
        if window is None:
            raise NotFound("找不到该窗口。", field="window")
        who = staff_id or window.a_staff_id
        if staff_id is not None and staff_id not in labels.staff:
            raise InvalidInput("找不到所选人员。", field="staff")
        row = Inspection(id=uuid7(), hall_id=common.hall_id(s), window_id=window.id, staff_id=who, at=now,
                         finding=finding, note=text, photo_name=name, photo_sha256=digest, photo_b64=data,
                         recorded_by=actor.id or "", response="", response_note="", responded_at=None, version=1)
        AttendanceRepository(s).add(row)
        ctx.record(s, actor, op_kind=INSPECTION_RECORD, entity=Entity.INSPECTION, entity_id=row.id,
                   summary=(f"查岗：{common.window_label(window)} {labels.name(who)} {finding}"
                            + (f"：{text}" if text else ""))[:500], payload=columns_row(row))
        return item(row, labels, actor.id)


def respond(ctx: AppContext, actor: Actor, inspection_id: str, confirm: bool, note: str) -> InspectionItem:
    me = common.staff_id_of(actor)
    text = check_text(note, field="note", label="异议说明" if not confirm else "说明", required=not confirm,
                      max_len=1000)
    now = ctx.clock.now()
    with ctx.action() as s:
        require(s, actor, "attendance.self")
        row = AttendanceRepository(s).inspection(inspection_id)
        if row is None:
            raise NotFound("找不到该查岗记录。")
        policy.check_response(row.response, me, row.staff_id, text)
        before = row.version
        row.response = "confirmed" if confirm else "disputed"
        row.response_note, row.responded_at, row.version = text, now, before + 1
        s.flush()
        labels = Labels(s)
        ctx.record(s, actor, op_kind=INSPECTION_RESPOND, entity=Entity.INSPECTION, entity_id=row.id,
                   summary=(f"{'确认' if confirm else '对'}查岗结果（{row.at:%m-%d %H:%M} {row.finding}）"
                            + ("" if confirm else "提出异议") + (f"：{text}" if text else ""))[:500],
                   payload={"id": row.id, "from_version": before, "response": row.response, "note": text,
                            "responded_at": now.isoformat()})
        return item(row, labels, me)


def listed(ctx: AppContext, actor: Actor, *, mine: bool = True) -> list[InspectionItem]:
    with ctx.db.read() as s:
        labels = Labels(s)
        repo = AttendanceRepository(s)
        if mine:
            return [item(r, labels, actor.id) for r in repo.inspections(staff_id=common.staff_id_of(actor))]
        holder = holder_of(s, actor)
        if refusal(holder, "attendance.view", Subject()) is None:
            rows = repo.inspections()
        elif holder.department_id and refusal(holder, "attendance.view",
                                              Subject(department_id=holder.department_id)) is None:
            rows = repo.inspections(window_ids=[w.id for w in labels.windows.values()
                                                if w.department_id == holder.department_id])
        else:
            require(s, actor, "attendance.view")
            raise NotPermitted("无权查看他人的查岗记录。", action="attendance.view")  # pragma: no cover
        return [item(r, labels, actor.id) for r in rows]
