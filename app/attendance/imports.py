"""Importing an attendance machine's export (考勤机记录): preview, then one audited op that adds the
punches not held yet (same staff + device + time is the same punch), so re-running a file adds
nothing. Rows not taken are kept with their reasons in the import row."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from sqlalchemy.orm import Session

from app.attendance import common, policy
from app.attendance import machine_import as mi
from app.attendance.model import ImportPreview, ImportProblem, ImportResult
from app.authz import require
from app.context import Actor, AppContext
from app.errors import InvalidInput
from app.ids import uuid7
from app.sync.protocol import ATTENDANCE_IMPORT, Entity
from app.sync.rows import columns_row
from db.attendance_repository import AttendanceRepository
from db.models import AttendanceImport, Punch

PREVIEW_ROWS = 20
SOURCE = "machine"


def device_of(terminal: str) -> str:
    return f"machine:{terminal}"[:80]


def _staff_keys(s: Session) -> list[mi.StaffKey]:
    return [mi.StaffKey(p.id, p.staff_no, p.login, p.name) for p in AttendanceRepository(s).staff()]


def remembered_mapping(ctx: AppContext) -> dict[str, int] | None:
    with ctx.db.read() as s:
        row = AttendanceRepository(s).latest_import(common.hall_id(s))
    if row is None or not isinstance(row.mapping, dict):
        return None
    return {str(k): int(v) for k, v in row.mapping.items() if isinstance(v, int)}


def _problems(parsed: mi.ParsedImport) -> tuple[ImportProblem, ...]:
    return tuple(ImportProblem(p.row, p.reason, p.text) for p in parsed.problems)


def _split(s: Session, punches: Sequence[mi.MachinePunch]) -> tuple[list[mi.MachinePunch], int]:
    """The punches not held yet, and how many are held already."""
    if not punches:
        return [], 0
    held = AttendanceRepository(s).punch_keys({device_of(p.terminal) for p in punches},
                                              min(p.at for p in punches), max(p.at for p in punches))
    new = [p for p in punches if (p.staff_id, device_of(p.terminal), p.at) not in held]
    return new, len(punches) - len(new)


def _parse(ctx: AppContext, s: Session, table: mi.RawTable, mapping: dict[str, int]) -> mi.ParsedImport:
    return mi.parse_rows(table, mapping, _staff_keys(s), latest=ctx.clock.now() + dt.timedelta(minutes=10))


def preview(ctx: AppContext, path: Path, mapping: dict[str, int] | None = None) -> ImportPreview:
    table = mi.read_table(path)
    source = "given"
    if mapping is None:
        mapping, source = remembered_mapping(ctx), "remembered"
        try:
            if mapping is None:
                raise InvalidInput("", field="mapping")
            mi.check_mapping(mapping, table.headers)
        except InvalidInput:
            mapping, source = mi.guess_mapping(table.headers), "guessed"
    total = sum(1 for r in table.rows if any(c.strip() for c in r))
    shown = ImportPreview(file_name=path.name, headers=table.headers, mapping=dict(mapping), mapping_source=source,
                          rows=table.rows[:PREVIEW_ROWS], total_rows=total, new_count=0, duplicate_count=0,
                          problems=())
    try:
        mi.check_mapping(mapping, table.headers)
    except InvalidInput as exc:
        return replace(shown, mapping_error=exc.message)
    with ctx.db.read() as s:
        parsed = _parse(ctx, s, table, mapping)
        new, held = _split(s, parsed.punches)
    return replace(shown, new_count=len(new), duplicate_count=held + parsed.merged_in_file, problems=_problems(parsed))


def import_file(ctx: AppContext, actor: Actor, path: Path, mapping: dict[str, int]) -> ImportResult:
    table = mi.read_table(path)
    mi.check_mapping(mapping, table.headers)
    digest = mi.file_sha256(path)
    now = ctx.clock.now()
    with ctx.action() as s:
        require(s, actor, "attendance.import")
        hall = common.hall_id(s)
        parsed = _parse(ctx, s, table, mapping)
        new, held = _split(s, parsed.punches)
        row = AttendanceImport(
            id=uuid7(), hall_id=hall, file_name=path.name[:260], file_sha256=digest, mapping=dict(mapping),
            rows_total=parsed.total_rows, rows_new=len(new), rows_duplicate=held + parsed.merged_in_file,
            problems=[{"row": p.row, "reason": p.reason, "text": p.text} for p in parsed.problems],
            imported_by=actor.id or "", imported_at=now)
        repo = AttendanceRepository(s)
        repo.add(row)
        punches = [Punch(id=policy.machine_punch_id(p.staff_id, device_of(p.terminal), p.at), hall_id=hall,
                         staff_id=p.staff_id, at=p.at, source=SOURCE,
                         device_id=device_of(p.terminal), clock_offset_seconds=None, offline=False, flag="",
                         import_id=row.id, recorded_at=now) for p in new]
        s.add_all(punches)
        s.flush()
        message = f"导入 {len(new)} 条新记录，{row.rows_duplicate} 条已导入过，{len(parsed.problems)} 行有问题"
        ctx.record(s, actor, op_kind=ATTENDANCE_IMPORT, entity=Entity.ATTENDANCE_IMPORT, entity_id=row.id,
                   summary=f"导入考勤机记录《{path.name}》：{message}"[:500],
                   payload={"import": columns_row(row), "punches": [columns_row(p) for p in punches]})
        return ImportResult(row.id, row.file_name, row.rows_total, row.rows_new, row.rows_duplicate,
                            _problems(parsed), message)
