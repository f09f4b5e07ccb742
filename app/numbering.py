"""Serial numbers unique per hall, kind and year, even offline.

A device takes numbers from blocks it holds locally (ARCHITECTURE.md, "Numbers"). The block is
consumed inside the transaction that uses the number, so a rolled-back action gives its number
back and a committed one can never be handed out again. Until a server leases blocks, a
standalone device leases its own. Once enrolled (``Device.standalone`` false) it takes numbers
only from the blocks the server leased (app.sync.blocks tops them up while online), offline too;
when none is left, NumbersExhausted says which kind ran out.

Numbers a standalone device issues carry its window number as a station mark
(``DEMO-03-2026J000001``, ``DEMO-03-2026-SJ000001``): two standalone PCs of one hall never issue the
same number, and none collides with the unmarked numbers the server leases later. Its own blocks
(``source="station:03"``) are per station, kind and year; blocks of ``source="local"`` are what a
standalone device issued unmarked before station marks existed (kept, never renumbered).
"""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy.orm import Session

from app.catalogue import CASE_TYPE_LABELS
from app.documents.model import TITLES
from app.errors import NumbersExhausted
from app.ids import uuid7
from db.models import Device, NumberBlock, Window
from db.repositories import NumberRepository, ReferenceRepository
from db.sync_repository import SyncRepository

STANDALONE_BLOCK = 999_999
STATION_SOURCE = "station:"  # NumberBlock.source of a standalone device's own blocks: "station:03"
STATION = re.compile(r"[0-9A-Za-z]{1,8}")  # a window number that can be a station mark

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


def station_mark(window_number: str) -> str:
    """The mark a window number gives the numbers a standalone PC at it issues: as typed, in
    capitals (numbers are looked up and typed in capitals: the ledger search, 跳号作废). Setup
    refuses a window number that is not 1-8 letters or digits; one an older store already has
    ("3号") keeps its letters and digits, and one with none gives no mark (the old unmarked form)."""
    return "".join(c for c in window_number.strip().upper() if c.isascii() and c.isalnum())[:8]


_STATION = "counterdesk.station"  # Session.info key: this device's station mark, read once per transaction


def device_station(session: Session, device: Device) -> str | None:
    """The station mark of this device's numbers: its window number while standalone, else None
    (an enrolled device issues the unmarked numbers of the blocks the server leased)."""
    if not device.standalone:
        return None
    if _STATION not in session.info:
        window = session.get(Window, device.window_id) if device.window_id else None
        session.info[_STATION] = (station_mark(window.number) if window is not None else "") or None
    station: str | None = session.info[_STATION]
    return station


def _open_block(session: Session, kind: str, year: int, source: str | None) -> NumberBlock | None:
    """The block ``kind`` takes its next number from: the first (lowest) one with numbers left, of
    ``source`` (a station's own blocks) or, for None, of the others. The year's blocks are read once
    per transaction (a decision takes two or three numbers): the session's own objects, so what an
    earlier number or ``skip_used`` moved is seen."""
    by_year: dict[int, list[NumberBlock]] = session.info.setdefault(_OPEN_BLOCKS, {})
    read_now = year not in by_year
    if read_now:
        by_year[year] = NumberRepository(session).open_blocks(year)
    block = _first_open(by_year[year], kind, source)
    if block is None and not read_now:  # none left among those read earlier: one added since?
        by_year[year] = NumberRepository(session).open_blocks(year)
        block = _first_open(by_year[year], kind, source)
    return block


def _first_open(blocks: list[NumberBlock], kind: str, source: str | None) -> NumberBlock | None:
    def mine(b: NumberBlock) -> bool:
        return b.source == source if source else not b.source.startswith(STATION_SOURCE)

    return next((b for b in blocks if b.kind == kind and b.next_value <= b.last and mine(b)), None)


def take_number(session: Session, kind: str, year: int, *, standalone: bool, now: dt.datetime,
                station: str | None = None) -> int:
    """Consume the next number of ``kind`` for ``year`` from a block this device holds. ``station``
    (standalone only, see ``device_station``): the number is station-marked and comes from that
    station's own block, started here at 1 when there is none."""
    repo = NumberRepository(session)
    source = f"{STATION_SOURCE}{station}" if standalone and station else None
    block = _open_block(session, kind, year, source)
    if block is None:
        if not standalone:
            raise NumbersExhausted(
                f"本机的{kind_label(kind)}编号（{year}年度）已用完，本次未保存。请联网同步以领取新的编号段"
                "（无法联网时请联系信息科），之后再办理。"
            )
        block = NumberBlock(
            id=uuid7(), kind=kind, year=year, first=1, last=STANDALONE_BLOCK, next_value=1,
            source=source or "local", leased_at=now,
        )
        repo.add(block)
        session.info[_OPEN_BLOCKS][year].append(block)
    value = block.next_value
    block.next_value = value + 1
    return value


# after the hall code: an optional station mark, the year, then the case letter or "-" and the notice code
_TAIL = r"(?:([0-9A-Z]{1,8})-)?(\d{4})(?:([A-Z])|-([A-Z]{2}))(\d{6})"
_AFTER_CODE = re.compile(_TAIL)
_ANY_CODE = re.compile(r"-" + _TAIL + r"$")
_BLOCKS = "counterdesk.number_blocks"  # Session.info key: this device's blocks, loaded once per transaction
_HALL_CODE = "counterdesk.hall_code"  # Session.info key: this store's hall code, read once per transaction


def parse_station_number(number: str, hall_code: str | None = None) -> tuple[str | None, str, int, int] | None:
    """(station, kind, year, serial) of a number made by ``case_number``/``notice_number``; station
    None for an unmarked one (server-leased, or issued standalone before station marks). Give
    ``hall_code`` when known: a hall code with a hyphen ("SH-PD") reads as a station mark without it."""
    if hall_code is not None:
        m = _AFTER_CODE.fullmatch(number[len(hall_code) + 1:]) if number.startswith(f"{hall_code}-") else None
    else:
        m = _ANY_CODE.search(number)
        m = m if m and m.start() > 0 else None
    if m is None:
        return None
    station, year, letter, code, serial = m.groups()
    if letter:
        kind = next((f"case-{t}" for t, x in CASE_TYPE_LETTERS.items() if x == letter), None)
    else:
        kind = next((f"notice-{k}" for k, x in NOTICE_CODES.items() if x == code), None)
    return (station, kind, int(year), int(serial)) if kind else None


def parse_number(number: str, hall_code: str | None = None) -> tuple[str, int, int] | None:
    """(kind, year, serial) of an unmarked number, the hall's leased namespace; None for a
    station-marked one: its serial counts in that standalone station's own blocks, never in the
    hall's counters or the server's blocks."""
    parts = parse_station_number(number, hall_code)
    if parts is None or parts[0] is not None:
        return None
    return parts[1], parts[2], parts[3]


def _store_hall_code(session: Session) -> str | None:
    """None while the store has no hall yet (an initial pull): numbers are then read without it."""
    if _HALL_CODE not in session.info:
        ref = ReferenceRepository(session)
        device = ref.device()
        hall = ref.hall(device.hall_id) if device else None
        if hall is None:
            return None
        session.info[_HALL_CODE] = hall.code
    code: str = session.info[_HALL_CODE]
    return code


def skip_used(session: Session, number: str) -> None:
    """A number seen in use elsewhere (a row pulled from the server) is never handed out here:
    a block of this device that has not reached it yet moves past it. This matters after the
    store was put back from an older backup, whose blocks had not yet given out what the server
    has since seen. A station-marked number is left alone: no block the server leases holds it."""
    parts = parse_number(number, _store_hall_code(session))
    if parts is None:
        return
    kind, year, serial = parts
    if _BLOCKS not in session.info:
        session.info[_BLOCKS] = SyncRepository(session).blocks()
    for block in session.info[_BLOCKS]:
        if block.source.startswith(STATION_SOURCE):
            continue
        reached = block.next_value > serial
        if (block.kind, block.year) == (kind, year) and block.first <= serial <= block.last and not reached:
            block.next_value = serial + 1


def kind_label(kind: str) -> str:
    """What a number kind is called at the counter: ``notice-receipt`` → 收件回执."""
    family, _, name = kind.partition("-")
    if family == "case":
        return f"办件（{CASE_TYPE_LABELS.get(name, name)}）"
    return TITLES.get(name, name)


def _prefix(hall_code: str, station: str | None) -> str:
    return f"{hall_code}-{station}-" if station else f"{hall_code}-"


def case_number(hall_code: str, case_type: str, year: int, seq: int, station: str | None = None) -> str:
    """``DEMO-2026J000001``; with a station mark (a standalone PC's) ``DEMO-03-2026J000001``."""
    return f"{_prefix(hall_code, station)}{year}{CASE_TYPE_LETTERS[case_type]}{seq:06d}"


def notice_number(hall_code: str, kind: str, year: int, seq: int, station: str | None = None) -> str:
    """``DEMO-2026-SJ000001``; with a station mark ``DEMO-03-2026-SJ000001``."""
    return f"{_prefix(hall_code, station)}{year}-{NOTICE_CODES[kind]}{seq:06d}"
