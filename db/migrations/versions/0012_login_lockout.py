"""brakes on guessing at the counter: wrong passwords per login, kept across restarts (app/lockout.py)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 11:15:00

Counter only: the server's brakes are server/throttle.py, and this table is not synced.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0012'
down_revision: str | Sequence[str] | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('login_lockout',
    sa.Column('login', sa.String(length=64), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('first_failure_at', sa.DateTime(), nullable=True),
    sa.Column('locked_at', sa.DateTime(), nullable=True),
    sa.Column('locked_until', sa.DateTime(), nullable=True),
    sa.Column('lockouts', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('login')
    )


def downgrade() -> None:
    op.drop_table('login_lockout')
