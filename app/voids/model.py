"""Plain data of the void-number register (作废号登记簿)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

# why a number was voided; the reason text says the rest
CATEGORIES: dict[str, str] = {
    "misprint": "打印错误",
    "torn": "纸张损坏",
    "left": "申请人离开未取",
    "skipped": "跳号（未出具文书）",
    "other": "其他",
}


@dataclass(frozen=True)
class VoidEntry:
    """One line of the register."""

    id: str
    number: str
    kind: str  # notice kind: receipt, acceptance, ...
    kind_label: str  # 受理通知书
    year: int
    serial: int
    window_label: str  # 03号窗口（市场监管）
    case_number: str  # '' for a number skipped without a paper
    with_paper: bool
    category: str
    category_label: str
    reason: str
    voided_at: dt.datetime
    voided_by: str  # name of who decided (首席代表 / 中心业务科)
    requested_by: str  # 经办人: the person signed in at the PC when it was authorised there, else ''
    replaced_by: str  # number of the paper issued again, else ''


@dataclass(frozen=True)
class RegisterQuery:
    """The register's filters: voided on or after ``date_from`` and on or before ``date_to``."""

    date_from: dt.date
    date_to: dt.date
    kind: str | None = None
    window_id: str | None = None


@dataclass(frozen=True)
class Register:
    """The register for a query, with what its printed title says."""

    hall_name: str
    query: RegisterQuery
    period_label: str  # 2026年12月1日至2026年12月31日
    kind_label: str  # 全部文书 / 受理通知书
    window_label: str  # 全部窗口 / 03号窗口（…）
    entries: tuple[VoidEntry, ...]
    made_at: dt.datetime


@dataclass(frozen=True)
class VoidResult:
    """What voiding a paper did: the register line, the paper issued again (its notice id and
    number, to print next), and the archive copy stamped 作废 (None if it could not be written)."""

    entry: VoidEntry
    replacement_id: str | None
    replacement_number: str | None
    stamped_pdf: Path | None
