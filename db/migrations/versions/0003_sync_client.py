"""sync client: quarantine resolution on outbox operations, checked checksum per pull cursor,
server versions of rows held back locally (sync_shadow)

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03 09:00:00

As in 0002, outbox_op and sync_cursor only gain columns, added in place (ALTER TABLE ... ADD
COLUMN; batch mode with recreate='never'): recreating outbox_op would start a new AUTOINCREMENT
high-water mark and a client_seq the server has seen could be handed out again. The NOT NULL
columns carry a server default so existing rows get ''. The downgrade drops them in place.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0003'
down_revision: Union[str, Sequence[str], None] = '0002'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

RESOLUTION_COLUMNS = ('resolved_at', 'resolved_by', 'resolution_note')


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('outbox_op', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('resolved_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('resolved_by', sa.String(length=64), server_default='', nullable=False))
        batch_op.add_column(sa.Column('resolution_note', sa.Text(), server_default='', nullable=False))
    with op.batch_alter_table('sync_cursor', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('verified', sa.String(length=64), server_default='', nullable=False))

    op.create_table('sync_shadow',
    sa.Column('entity', sa.String(length=32), nullable=False),
    sa.Column('entity_id', sa.String(length=64), nullable=False),
    sa.Column('owner_id', sa.String(length=36), nullable=False),
    sa.Column('scope', sa.String(length=80), nullable=False),
    sa.Column('row', sa.JSON(), nullable=True),
    sa.PrimaryKeyConstraint('entity', 'entity_id')
    )
    with op.batch_alter_table('sync_shadow', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sync_shadow_owner_id'), ['owner_id'], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('sync_shadow', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sync_shadow_owner_id'))
    op.drop_table('sync_shadow')
    with op.batch_alter_table('sync_cursor', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('verified')
    with op.batch_alter_table('outbox_op', schema=None, recreate='never') as batch_op:
        for column in reversed(RESOLUTION_COLUMNS):
            batch_op.drop_column(column)
