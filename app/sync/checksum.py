"""The per-scope checksum (docs/sync-protocol.md, "Checksum").

A row's hash is the first 8 bytes (big-endian) of SHA-256 over ``entity \\n id \\n canonical JSON``;
a scope's checksum is the sum of its current rows' hashes modulo 2^64, written as 16 lowercase hex
digits. The sum does not depend on order and is kept up to date in O(1) per changed row: subtract
the old hash, add the new one.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from typing import Any

MOD = 1 << 64
EMPTY = "0" * 16


def canonical_json(row: Mapping[str, Any]) -> str:
    """Keys sorted, no spaces, non-ASCII kept as is (UTF-8)."""
    return json.dumps(row, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def row_hash(entity: str, entity_id: str, row: Mapping[str, Any]) -> int:
    text = f"{entity}\n{entity_id}\n{canonical_json(row)}"
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "big")


def to_hex(value: int) -> str:
    return f"{value % MOD:016x}"


def from_hex(text: str) -> int:
    return int(text, 16) if text else 0


def replace(checksum: str, old_hash: str | None, new_hash: str) -> str:
    """The checksum after one row changed from ``old_hash`` (None: the row is new) to ``new_hash``."""
    value = from_hex(checksum) - from_hex(old_hash or "") + from_hex(new_hash)
    return to_hex(value)


def scope_checksum(rows: Iterable[tuple[str, str, Mapping[str, Any]]]) -> str:
    """Recompute a scope's checksum from its current ``(entity, id, row)`` triples."""
    return to_hex(sum(row_hash(e, i, r) for e, i, r in rows))
