"""staff roles as data: every role a person holds (staff.roles), filled from the single role

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06 19:30:00

A person can hold several roles (窗口人员 and 首席代表, ...). Existing rows get the role they had.
staff is reference data pulled from the server; the column is added in place.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0004'
down_revision: Union[str, Sequence[str], None] = '0003'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('staff', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('roles', sa.String(length=120), server_default='', nullable=False))
    op.execute("UPDATE staff SET roles = role WHERE roles = ''")


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('staff', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('roles')
