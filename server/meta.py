"""Server meta: the epoch (a UUID renewed whenever the database is restored from a backup), its
lineage (which epoch it was restored from and how far each scope's changes of that one survived)
and the server clock. Runs inside the caller's transaction."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.schema import ScopeCounter, ServerMeta

Clock = Callable[[], dt.datetime]  # aware UTC "now"
LINEAGE = "lineage:"  # + epoch -> JSON {"since": the epoch restored, "marks": {scope: its last seq restored}}
MAX_LINEAGE = 100  # restores followed back; an older epoch gets no marks (its devices pull from 0)


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
    """A new epoch: devices that see it re-push what they retain and pull every scope again from
    the mark of their old epoch (``marks_since``). The database holds the restored state, so the
    epoch it holds and its scope counters are the lineage recorded: changes up to those seqs are
    the same in both epochs, those after them were lost (or never happened in the backup)."""
    before = get_meta(s, "epoch")
    epoch = str(uuid.uuid4())
    if before is not None:
        marks = {scope: int(seq) for scope, seq in s.execute(select(ScopeCounter.scope, ScopeCounter.last_seq))}
        set_meta(s, LINEAGE + epoch, json.dumps({"since": before, "marks": marks}, sort_keys=True))
    set_meta(s, "epoch", epoch)
    set_meta(s, "epoch_renewed_at", now.isoformat())
    set_meta(s, "epoch_reason", reason)
    return epoch


def current_epoch(s: Session) -> str:
    epoch = get_meta(s, "epoch")
    if epoch is None:
        raise RuntimeError("server database has no epoch: run `counter-desk-server migrate`")
    return epoch


def _link(s: Session, epoch: str) -> tuple[str, dict[str, int]] | None:
    """The epoch ``epoch`` was restored from and the marks of that one; None when not recorded."""
    raw = get_meta(s, LINEAGE + epoch)
    if raw is None:
        return None
    link = json.loads(raw)
    return str(link["since"]), {str(k): int(v) for k, v in link["marks"].items()}


def marks_since(s: Session, since: str) -> dict[str, int]:
    """Per scope, the seq up to which a cursor of epoch ``since`` is still valid now: the least
    mark along the restores from ``since`` to the current epoch (a scope missing on the way
    survived with nothing). The current epoch itself: every scope's last seq. An epoch not in the
    lineage (a typo, or an epoch of a history a later restore threw away): no marks."""
    epoch = current_epoch(s)
    if since == epoch:
        return {scope: int(seq) for scope, seq in s.execute(select(ScopeCounter.scope, ScopeCounter.last_seq))}
    marks: dict[str, int] | None = None
    for _ in range(MAX_LINEAGE):
        link = _link(s, epoch)
        if link is None:
            return {}
        epoch, step = link
        marks = step if marks is None else {k: min(v, step[k]) for k, v in marks.items() if k in step}
        if epoch == since:
            return marks
    return {}
