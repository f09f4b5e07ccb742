"""Serial numbers unique per hall, kind and year, even offline.

A device takes numbers from blocks it holds locally (ARCHITECTURE.md, "Numbers"). The block is
consumed inside the transaction that uses the number, so a rolled-back action gives its number
back and a committed one can never be handed out again. Until a server leases blocks, a
standalone device leases its own. Once enrolled (``Device.standalone`` false) it takes numbers
only from the blocks the server leased (app.sync.blocks tops them up while online), offline too;
when none is left, NumbersExhausted says which kind ran out.
"""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy.orm import Session

from app.catalogue import CASE_TYPE_LABELS
from app.documents.model import TITLES
from app.errors import NumbersExhausted
from app.ids import uuid7
from db.models import NumberBlock
from db.repositories import NumberRepository
from db.sync_repository import SyncRepository

STANDALONE_BLOCK = 999_999

CASE_TYPE_LETTERS = {"immediate": "J", "promised": "C", "joint": "L", "referred": "S"}
NOTICE_CODES = {
    "receipt": "SJ",  # 收件回执
    "acceptance": "SL",  # 受理通知书
    "rejection": "BY",  # 不予受理通知书
    "correction": "BZ",  # 补正材料通知书（一次性告知书）
    "deferred": "RQ",  # 容缺受理通知书
    "completion": "BJ",  # 办结（领取）通知书
    "pickup": "CJ",  # 出件签收单
}


_OPEN_BLOCKS = "counterdesk.open_blocks"  # Session.info key: {year: this device's blocks with numbers left}


def _open_block(session: Session, kind: str, year: int) -> NumberBlock | None:
    """The block ``kind`` takes its next number from: the first (lowest) one with numbers left. The
    year's blocks are read once per transaction (a decision takes two or three numbers): the
    session's own objects, so what an earlier number or ``skip_used`` moved is seen."""
    by_year: dict[int, list[NumberBlock]] = session.info.setdefault(_OPEN_BLOCKS, {})
    read_now = year not in by_year
    if read_now:
        by_year[year] = NumberRepository(session).open_blocks(year)
    block = _first_open(by_year[year], kind)
    if block is None and not read_now:  # none left among those read earlier: one added since?
        by_year[year] = NumberRepository(session).open_blocks(year)
        block = _first_open(by_year[year], kind)
    return block


def _first_open(blocks: list[NumberBlock], kind: str) -> NumberBlock | None:
    return next((b for b in blocks if b.kind == kind and b.next_value <= b.last), None)


def take_number(session: Session, kind: str, year: int, *, standalone: bool, now: dt.datetime) -> int:
    """Consume the next number of ``kind`` for ``year`` from a block this device holds."""
    repo = NumberRepository(session)
    block = _open_block(session, kind, year)
    if block is None:
        if not standalone:
            raise NumbersExhausted(
                f"本机的{kind_label(kind)}编号（{year}年度）已用完，本次未保存。请联网同步以领取新的编号段"
                "（无法联网时请联系信息科），之后再办理。"
            )
        block = NumberBlock(
            id=uuid7(), kind=kind, year=year, first=1, last=STANDALONE_BLOCK, next_value=1,
            source="local", leased_at=now,
        )
        repo.add(block)
        session.info[_OPEN_BLOCKS][year].append(block)
    value = block.next_value
    block.next_value = value + 1
    return value


_CASE_NUMBER = re.compile(r"-(\d{4})([A-Z])(\d{6})$")
_NOTICE_NUMBER = re.compile(r"-(\d{4})-([A-Z]{2})(\d{6})$")
_BLOCKS = "counterdesk.number_blocks"  # Session.info key: this device's blocks, loaded once per transaction


def parse_number(number: str) -> tuple[str, int, int] | None:
    """(kind, year, serial) of a case or notice number made by ``case_number``/``notice_number``."""
    if m := _CASE_NUMBER.search(number):
        kind = next((f"case-{t}" for t, letter in CASE_TYPE_LETTERS.items() if letter == m.group(2)), None)
    elif m := _NOTICE_NUMBER.search(number):
        kind = next((f"notice-{k}" for k, code in NOTICE_CODES.items() if code == m.group(2)), None)
    else:
        return None
    return (kind, int(m.group(1)), int(m.group(3))) if kind else None


def skip_used(session: Session, number: str) -> None:
    """A number seen in use elsewhere (a row pulled from the server) is never handed out here:
    a block of this device that has not reached it yet moves past it. This matters after the
    store was put back from an older backup, whose blocks had not yet given out what the server
    has since seen."""
    parts = parse_number(number)
    if parts is None:
        return
    kind, year, serial = parts
    if _BLOCKS not in session.info:
        session.info[_BLOCKS] = SyncRepository(session).blocks()
    for block in session.info[_BLOCKS]:
        reached = block.next_value > serial
        if (block.kind, block.year) == (kind, year) and block.first <= serial <= block.last and not reached:
            block.next_value = serial + 1


def kind_label(kind: str) -> str:
    """What a number kind is called at the counter: ``notice-receipt`` → 收件回执."""
    family, _, name = kind.partition("-")
    if family == "case":
        return f"办件（{CASE_TYPE_LABELS.get(name, name)}）"
    return TITLES.get(name, name)


def case_number(hall_code: str, case_type: str, year: int, seq: int) -> str:
    return f"{hall_code}-{year}{CASE_TYPE_LETTERS[case_type]}{seq:06d}"


def notice_number(hall_code: str, kind: str, year: int, seq: int) -> str:
    return f"{hall_code}-{year}-{NOTICE_CODES[kind]}{seq:06d}"
