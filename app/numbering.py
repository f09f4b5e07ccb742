"""Serial numbers unique per hall, kind and year, even offline.

A device takes numbers from blocks it holds locally (ARCHITECTURE.md, "Numbers"). The block is
consumed inside the transaction that uses the number, so a rolled-back action gives its number
back and a committed one can never be handed out again. Until a server leases blocks, a
standalone device leases its own.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from app.errors import NumbersExhausted
from app.ids import uuid7
from db.models import NumberBlock
from db.repositories import NumberRepository

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


def take_number(session: Session, kind: str, year: int, *, standalone: bool, now: dt.datetime) -> int:
    """Consume the next number of ``kind`` for ``year`` from a block this device holds."""
    repo = NumberRepository(session)
    block = repo.open_block(kind, year)
    if block is None:
        if not standalone:
            raise NumbersExhausted("本机可用编号已用完，请联网同步以领取新的编号段。")
        block = NumberBlock(
            id=uuid7(), kind=kind, year=year, first=1, last=STANDALONE_BLOCK, next_value=1,
            source="local", leased_at=now,
        )
        repo.add(block)
    value = block.next_value
    block.next_value = value + 1
    return value


def case_number(hall_code: str, case_type: str, year: int, seq: int) -> str:
    return f"{hall_code}-{year}{CASE_TYPE_LETTERS[case_type]}{seq:06d}"


def notice_number(hall_code: str, kind: str, year: int, seq: int) -> str:
    return f"{hall_code}-{year}-{NOTICE_CODES[kind]}{seq:06d}"
