"""Server meta: the epoch (a UUID renewed whenever the database is restored from a backup) and
the server clock. Runs inside the caller's transaction."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable

from sqlalchemy.orm import Session

from server.schema import ServerMeta

Clock = Callable[[], dt.datetime]  # aware UTC "now"


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def naive_utc(clock: Clock) -> dt.datetime:
    """Server timestamps are stored as naive UTC."""
    return clock().astimezone(dt.UTC).replace(tzinfo=None)


def iso_utc(value: dt.datetime) -> str:
    """A stored naive-UTC timestamp as RFC 3339 text with its offset."""
    return value.replace(tzinfo=dt.UTC).isoformat()


def get_meta(s: Session, key: str) -> str | None:
    row = s.get(ServerMeta, key)
    return row.value if row else None


def set_meta(s: Session, key: str, value: str) -> None:
    s.merge(ServerMeta(key=key, value=value))


def ensure_epoch(s: Session) -> str:
    epoch = get_meta(s, "epoch")
    if epoch is None:
        epoch = str(uuid.uuid4())
        set_meta(s, "epoch", epoch)
    return epoch


def renew_epoch(s: Session, reason: str, now: dt.datetime) -> str:
    """A new epoch: devices that see it re-push what they retain and pull every scope from 0."""
    epoch = str(uuid.uuid4())
    set_meta(s, "epoch", epoch)
    set_meta(s, "epoch_renewed_at", now.isoformat())
    set_meta(s, "epoch_reason", reason)
    return epoch


def current_epoch(s: Session) -> str:
    epoch = get_meta(s, "epoch")
    if epoch is None:
        raise RuntimeError("server database has no epoch: run `counter-desk-server migrate`")
    return epoch
