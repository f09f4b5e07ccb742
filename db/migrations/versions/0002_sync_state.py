"""sync state: the server's answer on each outbox operation, pull cursors, sync client state

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03 08:00:00

outbox_op only gains nullable columns, added in place (ALTER TABLE ... ADD COLUMN): batch mode
must not recreate that table, because a copy would start a new AUTOINCREMENT high-water mark in
sqlite_sequence, and a client_seq the server has seen could then be handed out again. The
downgrade drops the columns in place for the same reason (ALTER TABLE ... DROP COLUMN, SQLite
3.35 or newer).
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0002'
down_revision: Union[str, Sequence[str], None] = '0001'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

OUTBOX_REPLY_COLUMNS = ('result', 'server_reply', 'acked_at', 'acked_epoch')


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('outbox_op', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('result', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('server_reply', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('acked_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('acked_epoch', sa.String(length=36), nullable=True))

    op.create_table('sync_cursor',
    sa.Column('scope', sa.String(length=64), nullable=False),
    sa.Column('cursor', sa.Integer(), server_default='0', nullable=False),
    sa.Column('checksum', sa.String(length=64), server_default='', nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('scope')
    )
    op.create_table('sync_state',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table('sync_state')
    op.drop_table('sync_cursor')
    with op.batch_alter_table('outbox_op', schema=None, recreate='never') as batch_op:
        for column in reversed(OUTBOX_REPLY_COLUMNS):
            batch_op.drop_column(column)
