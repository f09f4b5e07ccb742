"""audit trail as a hash chain: audit_event.seq / prev_hash / hash, existing events chained once

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06 19:30:00

The columns are added in place (ALTER TABLE ... ADD COLUMN, as in 0002/0003; seq gets a unique
index, since SQLite cannot add a UNIQUE column). The events already in the file are chained in
the order they were written, (at, id) - ids are UUIDv7 - with the hash of app/audit_chain.py
(copied here as it is at this revision: a migration must keep doing what it did when the code
moves on; tests/app/test_audit_chain.py checks that the two agree).

audit_event refuses UPDATE (trigger audit_event_no_update, 0001): the trigger is dropped for the
chaining and created again from its own stored text, so the schema is byte for byte as before.
The downgrade drops the columns and the index in place.
"""
import datetime as dt
import hashlib
import json
from typing import Any, Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0005'
down_revision: Union[str, Sequence[str], None] = '0004'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

GENESIS = "0" * 64
COLUMNS = ("id", "at", "actor_id", "actor_name", "device_id", "action", "entity", "entity_id", "case_id",
           "summary", "detail")


def _hash(row: Any, seq: int, prev_hash: str) -> str:
    content = dict(zip(COLUMNS, row))
    content["at"] = dt.datetime.fromisoformat(content["at"]).isoformat()
    content["detail"] = json.loads(content["detail"]) if content["detail"] else {}
    content["detail"] = content["detail"] or {}
    content.update(seq=seq, prev_hash=prev_hash)
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _chain_existing(conn: sa.Connection) -> None:
    trigger = conn.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'audit_event_no_update'").scalar()
    if trigger is not None:
        conn.exec_driver_sql("DROP TRIGGER audit_event_no_update")
    rows = conn.exec_driver_sql(f"SELECT {', '.join(COLUMNS)} FROM audit_event ORDER BY at, id").fetchall()
    prev, updates = GENESIS, []
    for seq, row in enumerate(rows, start=1):
        digest = _hash(row, seq, prev)
        updates.append((seq, prev, digest, row[0]))
        prev = digest
    if updates:
        conn.exec_driver_sql("UPDATE audit_event SET seq = ?, prev_hash = ?, hash = ? WHERE id = ?", updates)
    if trigger is not None:
        conn.exec_driver_sql(trigger)


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('audit_event', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('seq', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('prev_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('hash', sa.String(length=64), nullable=True))
    _chain_existing(op.get_bind())
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_event_seq'), ['seq'], unique=True)


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_event_seq'))
    with op.batch_alter_table('audit_event', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('hash')
        batch_op.drop_column('prev_hash')
        batch_op.drop_column('seq')
