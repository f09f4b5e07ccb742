"""Schema upgrades with a safety net: back up, migrate, verify that nothing was lost (row counts
of the work tables, the pending outbox, integrity), and put the backup back if anything fails."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import Engine, inspect, text

from app.backup import backup_folder, backup_now, check_integrity, restore
from app.errors import StorageError
from db.engine import create_sqlite_engine, current_revision, head_revision, migrate

# what a clerk typed, and what waits to be synced: none of it may disappear in an upgrade
GUARDED_TABLES = ("cases", "case_material", "notice", "suspension", "enquiry", "audit_event", "outbox_op")
KEEP_PRE_UPGRADE = 5


def _snapshot(engine: Engine) -> tuple[dict[str, int], list[str]]:
    names = set(inspect(engine).get_table_names())
    with engine.connect() as conn:
        counts = {t: int(conn.execute(text(f'SELECT count(*) FROM "{t}"')).scalar_one())
                  for t in GUARDED_TABLES if t in names}
        pending = [str(r[0]) for r in conn.execute(
            text("SELECT op_id FROM outbox_op WHERE status = 'pending' ORDER BY client_seq"))] \
            if "outbox_op" in names else []
    return counts, pending


def _verify(engine: Engine, db_path: Path, before: tuple[dict[str, int], list[str]]) -> None:
    counts, pending = _snapshot(engine)
    lost = {t: (n, counts.get(t, 0)) for t, n in before[0].items() if counts.get(t, 0) < n}
    if lost:
        raise StorageError("升级后数据行数减少：" + "，".join(f"{t} {a}→{b}" for t, (a, b) in lost.items()))
    if pending != before[1]:
        raise StorageError("升级后待同步操作与升级前不一致")
    if not check_integrity(db_path).ok:
        raise StorageError("升级后数据文件校验未通过")


def upgrade_if_needed(db_path: Path, now: dt.datetime) -> Path | None:
    """Migrate an existing store to the newest schema; returns the pre-upgrade backup, or None
    when nothing was to do. On failure the backup is restored and StorageError explains it."""
    if not db_path.exists():
        return None
    engine = create_sqlite_engine(db_path)
    try:
        if current_revision(engine) == head_revision():
            return None
        before = _snapshot(engine)
        backup = backup_now(db_path, backup_folder(db_path) / "pre-upgrade", keep=KEEP_PRE_UPGRADE, now=now)
        try:
            migrate(engine)
            _verify(engine, db_path, before)
        except Exception as exc:
            engine.dispose()
            restore(backup, db_path, now=now)
            reason = exc.message if isinstance(exc, StorageError) else str(exc)
            raise StorageError(
                f"数据结构升级失败（{reason}），已自动恢复为升级前的数据，未丢失任何内容。"
                f"请联系信息科；升级前备份：{backup}"
            ) from exc
        return backup
    finally:
        engine.dispose()
