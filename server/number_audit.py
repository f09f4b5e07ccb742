"""Are the numbers of the hall's leased blocks accounted for? (作废号登记, issue #10)

Every number of a block the server leased to a counter must end up issued (a case or a paper
holds it), voided (the void-number register), or unused at the end of the block (still held by
the counter, or returned unused: never handed out). A number below the highest one the block
accounted for that is neither issued nor voided is a **gap**: a paper that was handed out and
never reached the server, or a number skipped without being registered as void. Read-only.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.numbering import kind_label, parse_number
from db.models import Case, Hall, Notice, VoidNumber
from server.schema import NumberLease, SyncDevice


@dataclass(frozen=True)
class BlockAccount:
    """One leased block: how many of its numbers are issued, voided, unused, and its gaps."""

    kind: str
    year: int
    first: int
    last: int
    device_id: str
    device_name: str
    issued: int
    voided: int
    unused: int  # above the highest accounted number: still held by the counter, or returned unused
    gaps: tuple[int, ...]


def _used(s: Session, hall: Hall, year: int) -> tuple[dict[str, set[int]], dict[str, set[int]]]:
    """Per number kind: the serials issued (cases and papers) and the serials voided, in ``year``."""
    issued: dict[str, set[int]] = defaultdict(set)
    voided: dict[str, set[int]] = defaultdict(set)
    numbers = list(s.scalars(select(Case.number).where(Case.hall_id == hall.id)))
    numbers += s.scalars(select(Notice.number).join(Case, Case.id == Notice.case_id).where(Case.hall_id == hall.id))
    for number in numbers:
        parts = parse_number(number, hall.code)
        if parts is not None and parts[1] == year:
            issued[parts[0]].add(parts[2])
    for number, kind, serial in s.execute(select(VoidNumber.number, VoidNumber.kind, VoidNumber.serial)
                                          .where(VoidNumber.hall_id == hall.id, VoidNumber.year == year)):
        if parse_number(number, hall.code) is not None:  # a station-marked number is in no leased block
            voided[f"notice-{kind}"].add(serial)
    return issued, voided


def number_accounts(s: Session, hall: Hall, year: int, kind: str | None = None) -> list[BlockAccount]:
    """Every block leased in the hall for ``year`` (of ``kind``), in kind and number order."""
    issued, voided = _used(s, hall, year)
    q = select(NumberLease).where(NumberLease.hall_id == hall.id, NumberLease.year == year)
    if kind:
        q = q.where(NumberLease.kind == kind)
    names = dict(s.execute(select(SyncDevice.id, SyncDevice.name).where(SyncDevice.hall_id == hall.id)).tuples().all())
    out = []
    for lease in s.scalars(q.order_by(NumberLease.kind, NumberLease.first)):
        block = range(lease.first, lease.last + 1)
        mine_voided = {n for n in voided[lease.kind] if n in block}  # a voided paper counts as voided
        mine_issued = {n for n in issued[lease.kind] if n in block} - mine_voided
        accounted = mine_issued | mine_voided
        top = max(accounted, default=lease.first - 1)
        gaps = tuple(n for n in range(lease.first, top + 1) if n not in accounted)
        out.append(BlockAccount(lease.kind, year, lease.first, lease.last, lease.device_id,
                                names.get(lease.device_id, ""), len(mine_issued), len(mine_voided),
                                lease.last - top, gaps))
    return out


def gaps_report(accounts: list[BlockAccount]) -> list[str]:
    """The report as lines (Chinese, for the hall's inspections): one per block, gaps listed."""
    lines = []
    for a in accounts:
        head = (f"{kind_label(a.kind)} {a.year} 第 {a.first}-{a.last} 号（{a.device_name or a.device_id}）："
                f"已出具 {a.issued}，已作废 {a.voided}，未使用 {a.unused}")
        if a.gaps:
            shown = "、".join(str(n) for n in a.gaps[:50]) + ("……" if len(a.gaps) > 50 else "")
            head += f"；缺号 {len(a.gaps)} 个：{shown}"
        lines.append(head)
    total = sum(len(a.gaps) for a in accounts)
    lines.append(f"共 {len(accounts)} 个编号段，缺号 {total} 个。" if accounts else "该年度没有领取的编号段。")
    return lines
