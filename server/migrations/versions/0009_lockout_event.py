"""brakes on guessing: the lockouts, for the administrator

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 11:10:00

``lockout_event``: one row per lockout of an account, an address or enrolment (server.throttle).
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0009'
down_revision: str | Sequence[str] | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('lockout_event',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('route', sa.String(length=16), nullable=False),
    sa.Column('scope', sa.String(length=16), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('hall_id', sa.String(length=36), nullable=True),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('locked_until', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lockout_event'))
    )
    op.create_index(op.f('ix_lockout_event_at'), 'lockout_event', ['at'], unique=False)
    op.create_index(op.f('ix_lockout_event_hall_id'), 'lockout_event', ['hall_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_lockout_event_hall_id'), table_name='lockout_event')
    op.drop_index(op.f('ix_lockout_event_at'), table_name='lockout_event')
    op.drop_table('lockout_event')
