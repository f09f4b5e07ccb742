"""Client-generated identifiers (UUIDv7, RFC 9562) and applicant query codes."""

from __future__ import annotations

import os
import secrets
import threading
import time
import uuid

_lock = threading.Lock()
_last_ms = 0
_counter = 0

# Crockford-style alphabet without 0/O, 1/I/L so a code read out at the counter is not misheard.
_QUERY_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def uuid7() -> str:
    """A time-ordered UUIDv7 as text; monotonic within this process."""
    global _last_ms, _counter
    with _lock:
        ms = time.time_ns() // 1_000_000
        if ms <= _last_ms:
            _counter += 1
            if _counter > 0xFFF:
                _last_ms += 1
                _counter = 0
            ms = _last_ms
        else:
            _last_ms = ms
            _counter = int.from_bytes(os.urandom(2), "big") & 0x3FF
        rand_a = _counter
    rand_b = int.from_bytes(os.urandom(8), "big") & ((1 << 62) - 1)
    value = (ms & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76
    value |= rand_a << 64
    value |= 0b10 << 62
    value |= rand_b
    return str(uuid.UUID(int=value))


def query_code(length: int = 10) -> str:
    """A random code printed on the receipt so the applicant can follow the case."""
    return "".join(secrets.choice(_QUERY_ALPHABET) for _ in range(length))
