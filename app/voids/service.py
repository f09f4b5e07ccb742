"""Voiding a spoiled paper or a skipped number (作废号登记), and reading the register.

``void_notice``: a printed paper that was spoiled (misprint, torn, the applicant left) is voided with
a reason by a 首席代表 of the case's department or the business section — usually authorised at the
issuer's PC (授权: the actor is the chief, ``at_desk_of`` the clerk). Its number is never used again;
the notice row stays, marked void, with its archived PDFs; a copy stamped 作废 is added to the
archive; by default the paper is issued again at once under a new number, ready to print. One
transaction: the notice, the register row, the new paper, the audit event and the outbox op
``notice.void`` (its entity is the case, whose record the paper is part of).

``void_number``: a number of this PC's blocks that no paper carries (skipped) is voided the same way
(op ``number.void``) and is passed over when numbers are handed out.

Every method runs on a worker thread. Errors: NotPermitted (saying who may), InvalidInput,
NotFound; rendering the stamped copy happens after the commit, so a disk error there loses
nothing (the result then has no ``stamped_pdf``).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

from sqlalchemy.orm import Session

from app.authz import case_subject, require, window_subject
from app.cases.base import issue_notice, notice_snapshot
from app.context import Actor, AppContext
from app.documents.model import TITLES
from app.errors import InvalidInput, NotFound
from app.ids import uuid7
from app.numbering import NOTICE_CODES, STATION_SOURCE, device_station, parse_station_number
from app.sync.protocol import NOTICE_VOID, NUMBER_VOID
from app.sync.rows import columns_row
from app.validation import check_text
from app.voids.model import CATEGORIES, Register, RegisterQuery, VoidEntry, VoidResult
from db.models import Notice, NumberBlock, VoidNumber
from db.repositories import CaseRepository, ReferenceRepository
from db.sync_repository import SyncRepository
from db.void_repository import VoidRepository

log = logging.getLogger(__name__)


class VoidService:
    def __init__(self, ctx: AppContext, archive: Path | None = None) -> None:
        self.ctx = ctx
        self.archive = archive or ctx.db.path.parent / "pdf"

    # -- voiding ---------------------------------------------------------------------------
    def void_notice(self, actor: Actor, notice_id: str, category: str, reason: str, *,
                    reissue: bool = True) -> VoidResult:
        """Void a printed paper; with ``reissue`` the same paper is issued again under a new number."""
        category, reason = _checked(category, reason)
        with self.ctx.action() as s:
            notice = s.get(Notice, notice_id)
            case = CaseRepository(s).get(notice.case_id) if notice else None
            if notice is None or case is None:
                raise NotFound("找不到该文书。")
            require(s, actor, "notice.void", case_subject(s, case))
            if notice.void:
                raise InvalidInput(f"文书 {notice.number} 已作废，不能再次作废。", field="notice")
            hall = ReferenceRepository(s).hall(case.hall_id)
            parts = parse_station_number(notice.number, hall.code if hall else None)
            assert parts is not None
            now = self.ctx.clock.now()
            notice.void = True
            row = VoidNumber(
                id=uuid7(), hall_id=case.hall_id, number=notice.number, kind=notice.kind, year=parts[2],
                serial=parts[3], window_id=case.window_id, case_id=case.id, notice_id=notice.id,
                category=category, reason=reason, voided_at=now, voided_by=actor.id or "",
                requested_by=actor.at_desk_of, replaced_by="",
            )
            issued = []
            if reissue:
                again = issue_notice(s, now, case, notice.kind, actor.at_desk_of or actor.id or "",
                                     {**notice.payload, "replaces": notice.number})
                row.replaced_by = again.number
                issued.append(again)
            VoidRepository(s).add(row)
            title = TITLES[notice.kind]
            summary = f"作废《{title}》{notice.number}（{CATEGORIES[category]}）：{reason}" + (
                f"；重新出具 {row.replaced_by}" if reissue else "")
            self.ctx.record(s, actor, op_kind=NOTICE_VOID, entity="case", entity_id=case.id, summary=summary,
                            case_id=case.id, payload={
                                "case_id": case.id, "notice": notice_snapshot(notice),
                                "void_number": columns_row(row), "notices": [notice_snapshot(n) for n in issued],
                            })
            entry = self._entries(s, [row])[0]
            replacement = (issued[0].id, issued[0].number) if issued else (None, None)
        return VoidResult(entry, replacement[0], replacement[1], self._stamp(notice_id, entry))

    def void_number(self, actor: Actor, number: str, category: str, reason: str) -> VoidEntry:
        """Void a number of this PC's blocks that no paper carries (跳号)."""
        category, reason = _checked(category, reason)
        number = number.strip().upper()
        with self.ctx.action() as s:
            ref = ReferenceRepository(s)
            device = ref.device()
            hall = ref.hall(device.hall_id) if device else None
            assert device is not None and hall is not None
            parts = parse_station_number(number, hall.code) or parse_station_number(number)
            if parts is None or not parts[1].startswith("notice-"):
                raise InvalidInput(f"“{number}”不是文书编号（例如 DEMO-2026-SL000123）。", field="number")
            kind = parts[1].removeprefix("notice-")
            require(s, actor, "notice.void", window_subject(s, device.window_id))
            self._check_free(s, hall.code, number, parts, device_station(s, device))
            row = VoidNumber(
                id=uuid7(), hall_id=hall.id, number=number, kind=kind, year=parts[2], serial=parts[3],
                window_id=device.window_id, case_id=None, notice_id=None, category=category, reason=reason,
                voided_at=self.ctx.clock.now(), voided_by=actor.id or "", requested_by=actor.at_desk_of,
                replaced_by="",
            )
            VoidRepository(s).add(row)
            self.ctx.record(s, actor, op_kind=NUMBER_VOID, entity="void_number", entity_id=row.id,
                            summary=f"作废未出具文书的编号 {number}（{CATEGORIES[category]}）：{reason}",
                            payload=columns_row(row))
            return self._entries(s, [row])[0]

    @staticmethod
    def _check_free(s: Session, hall_code: str, number: str, parts: tuple[str | None, str, int, int],
                    station: str | None) -> None:
        if not number.startswith(f"{hall_code}-"):
            raise InvalidInput(f"编号 {number} 不属于本大厅（本大厅编号以 {hall_code}- 开头）。", field="number")
        repo = VoidRepository(s)
        if repo.is_voided(number):
            raise InvalidInput(f"编号 {number} 已登记作废。", field="number")
        if CaseRepository(s).notice_by_number(number) is not None:
            raise InvalidInput(f"编号 {number} 已出具文书，请在办件中作废该文书。", field="number")
        marked, kind, year, serial = parts
        if marked is not None and station is None:
            raise InvalidInput(f"编号 {number} 是单机使用时的编号；本机已联网，不会再出具这类编号，无需作废。",
                               field="number")
        if marked is not None and marked != station:
            raise InvalidInput(f"编号 {number} 是其他窗口单机使用时的编号，只能作废本机的编号。", field="number")
        if not any(_holds(b, kind, year, serial, marked) for b in SyncRepository(s).blocks()):
            raise InvalidInput(f"编号 {number} 不在本机领取的编号段内，只能作废本机的编号。", field="number")

    def _stamp(self, notice_id: str, entry: VoidEntry) -> Path | None:
        """The archive copy of the voided paper stamped 作废 (the PDFs printed before stay as they are)."""
        from app.documents.archive import write_archived
        from app.documents.pdf import render_pdf
        from app.documents.service import NoticeService

        try:
            data = NoticeService(self.ctx, self.archive).notice_data(notice_id, entry.kind, reprint=False)
            mark = (f"已作废（{entry.category_label}）：{entry.voided_at:%Y-%m-%d %H:%M} {entry.voided_by}审批"
                    + (f"，重新出具 {entry.replaced_by}" if entry.replaced_by else "") + f"\n作废原因：{entry.reason}")
            data = replace(data, void_mark=mark)
            path = self.archive / str(entry.year) / f"{entry.number}-{entry.kind}-作废.pdf"
            return write_archived(path, render_pdf(data), self.ctx.db.key)
        except Exception:  # the void is committed; a missing stamped copy can be made again later
            log.exception("stamped copy of voided %s not written", entry.number)
            return None

    # -- the register ------------------------------------------------------------------------
    def register(self, actor: Actor, query: RegisterQuery) -> Register:
        """The register for ``query``; only for those who may see it (void_register.view) for the
        window asked for, or for this PC's window when all windows are asked for."""
        if query.date_to < query.date_from:
            raise InvalidInput("结束日期早于开始日期。", field="date_to")
        start = dt.datetime.combine(query.date_from, dt.time())
        end = dt.datetime.combine(query.date_to + dt.timedelta(days=1), dt.time())
        with self.ctx.db.read() as s:
            ref = ReferenceRepository(s)
            device = ref.device()
            hall = ref.hall(device.hall_id) if device else None
            assert device is not None and hall is not None
            require(s, actor, "void_register.view", window_subject(s, query.window_id or device.window_id))
            rows = VoidRepository(s).register(hall.id, start, end, query.kind, query.window_id)
            window = ref.window(query.window_id) if query.window_id else None
            return Register(
                hall_name=hall.name, query=query,
                period_label=f"{_cn(query.date_from)}至{_cn(query.date_to)}",
                kind_label=TITLES.get(query.kind, query.kind) if query.kind else "全部文书",
                window_label=f"{window.number}号窗口（{window.name}）" if window else "全部窗口",
                entries=tuple(self._entries(s, rows)), made_at=self.ctx.clock.now(),
            )

    def windows(self) -> list[tuple[str, str]]:
        """(window id, label) of the hall's windows, for the register's filter."""
        with self.ctx.db.read() as s:
            ref = ReferenceRepository(s)
            device = ref.device()
            if device is None:
                return []
            return [(w.id, f"{w.number}号窗口（{w.name}）") for w in sorted(ref.windows(device.hall_id),
                                                                        key=lambda w: w.number)]

    @staticmethod
    def kinds() -> list[tuple[str, str]]:
        return [(k, TITLES[k]) for k in NOTICE_CODES]

    def write_pdf(self, register: Register, path: Path) -> Path:
        from app.documents.service import write_atomically
        from app.voids.report import register_pdf

        write_atomically(path, register_pdf(register))
        return path

    def write_excel(self, register: Register, path: Path) -> Path:
        from app.documents.service import write_atomically
        from app.voids.report import register_xlsx

        write_atomically(path, register_xlsx(register))
        return path

    @staticmethod
    def _entries(s: Session, rows: Iterable[VoidNumber]) -> list[VoidEntry]:
        items = list(rows)
        repo = VoidRepository(s)
        names = repo.names({r.voided_by for r in items} | {r.requested_by for r in items if r.requested_by})
        windows = repo.windows({r.window_id for r in items if r.window_id})
        cases = repo.case_numbers({r.case_id for r in items if r.case_id})
        out = []
        for r in items:
            w = windows.get(r.window_id or "")
            out.append(VoidEntry(
                id=r.id, number=r.number, kind=r.kind, kind_label=TITLES.get(r.kind, r.kind), year=r.year,
                serial=r.serial, window_label=f"{w.number}号窗口（{w.name}）" if w else "",
                case_number=cases.get(r.case_id or "", ""), with_paper=r.notice_id is not None,
                category=r.category, category_label=CATEGORIES.get(r.category, r.category), reason=r.reason,
                voided_at=r.voided_at, voided_by=names.get(r.voided_by, r.voided_by),
                requested_by=names.get(r.requested_by or "", ""), replaced_by=r.replaced_by,
            ))
        return out


def _checked(category: str, reason: str) -> tuple[str, str]:
    if category not in CATEGORIES:
        raise InvalidInput("请选择作废原因类别。", field="category")
    return category, check_text(reason, field="reason", label="作废原因", required=True, max_len=500)


def _cn(d: dt.date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def _holds(block: NumberBlock, kind: str, year: int, serial: int, station: str | None) -> bool:
    """``block`` gave out (or holds) ``serial``: a station's own block for a station-marked number,
    any other block of this PC for an unmarked one."""
    own = block.source == f"{STATION_SOURCE}{station}" if station else not block.source.startswith(STATION_SOURCE)
    return own and (block.kind, block.year) == (kind, year) and block.first <= serial <= block.last
