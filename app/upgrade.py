"""Schema upgrades with a safety net: back up, migrate, verify that nothing was lost (row counts
of the work tables, the pending outbox and its sequence, integrity), and put the backup back if
anything fails."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, Engine, inspect, text

from app.backup import backup_folder, backup_now, check_integrity, restore
from app.errors import StorageError
from db.engine import create_sqlite_engine, current_revision, head_revision, migrate

# what a clerk typed, what waits to be synced, and how far sync got: none of it may disappear in
# an upgrade (a table the old schema does not have yet is simply not compared)
GUARDED_TABLES = (
    "cases", "case_material", "notice", "suspension", "enquiry", "audit_event", "outbox_op",
    "sync_cursor", "sync_state", "void_number",
)
KEEP_PRE_UPGRADE = 5


@dataclass(frozen=True)
class _Snapshot:
    counts: dict[str, int]
    pending: list[tuple[str, ...]]  # what the pending operations say, in client_seq order
    # outbox_op's AUTOINCREMENT high-water mark, 0 if the table lost AUTOINCREMENT: a migration
    # that rebuilt the table would lower it, and a client_seq the server has already seen could
    # then be handed out again
    last_client_seq: int


def _last_client_seq(conn: Connection) -> int:
    # sqlite_master, not the inspector: it leaves out sqlite_sequence and does not report AUTOINCREMENT
    ddl = conn.execute(text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'outbox_op'")).scalar()
    if ddl is None or "AUTOINCREMENT" not in str(ddl).upper():
        return 0
    seq = conn.execute(text("SELECT seq FROM sqlite_sequence WHERE name = 'outbox_op'")).scalar()
    return int(seq or 0)


def _snapshot(engine: Engine) -> _Snapshot:
    names = set(inspect(engine).get_table_names())
    with engine.connect() as conn:
        counts = {t: int(conn.execute(text(f'SELECT count(*) FROM "{t}"')).scalar_one())
                  for t in GUARDED_TABLES if t in names}
        pending = [tuple(str(v) for v in r) for r in conn.execute(text(
            "SELECT op_id, kind, entity_id, payload FROM outbox_op WHERE status = 'pending' ORDER BY client_seq"
        ))] if "outbox_op" in names else []
        return _Snapshot(counts, pending, _last_client_seq(conn))


def _verify(engine: Engine, db_path: Path, before: _Snapshot, key: bytes | None = None) -> None:
    after = _snapshot(engine)
    lost = {t: (n, after.counts.get(t, 0)) for t, n in before.counts.items() if after.counts.get(t, 0) < n}
    if lost:
        raise StorageError("升级后数据行数减少：" + "，".join(f"{t} {a}→{b}" for t, (a, b) in lost.items()))
    if after.pending != before.pending:
        raise StorageError("升级后待同步操作与升级前不一致")
    if after.last_client_seq < before.last_client_seq:
        raise StorageError(f"升级后待同步操作的序号被重置（{before.last_client_seq}→{after.last_client_seq}），"
                           "同步时序号可能重复")
    if not check_integrity(db_path, key).ok:
        raise StorageError("升级后数据文件校验未通过")


def upgrade_if_needed(db_path: Path, now: dt.datetime, key: bytes | None = None) -> Path | None:
    """Migrate an existing store to the newest schema; returns the pre-upgrade backup, or None
    when nothing was to do. On failure the backup is restored and StorageError explains it."""
    if not db_path.exists():
        return None
    engine = create_sqlite_engine(db_path, key)
    try:
        if current_revision(engine) == head_revision():
            return None
        before = _snapshot(engine)
        backup = backup_now(db_path, backup_folder(db_path) / "pre-upgrade", keep=KEEP_PRE_UPGRADE, now=now,
                            key=key)
        try:
            migrate(engine)
            _verify(engine, db_path, before, key)
        except Exception as exc:
            engine.dispose()
            restore(backup, db_path, now=now, key=key)
            reason = exc.message if isinstance(exc, StorageError) else str(exc)
            raise StorageError(
                f"数据结构升级失败（{reason}），已自动恢复为升级前的数据，未丢失任何内容。"
                f"请联系信息科；升级前备份：{backup}"
            ) from exc
        return backup
    finally:
        engine.dispose()
