"""void-number register (作废号登记): one row per voided paper number

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 19:30:00

A new table only: the notice row keeps its shape (its ``void`` flag is set), so rows already
synced and their checksums stay as they are.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0006'
down_revision: Union[str, Sequence[str], None] = '0005'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "void_number",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("hall_id", sa.String(length=36), nullable=False),
        sa.Column("number", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("serial", sa.Integer(), nullable=False),
        sa.Column("window_id", sa.String(length=36), nullable=True),
        sa.Column("case_id", sa.String(length=36), nullable=True),
        sa.Column("notice_id", sa.String(length=36), nullable=True),
        sa.Column("category", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("voided_at", sa.DateTime(), nullable=False),
        sa.Column("voided_by", sa.String(length=36), nullable=False),
        sa.Column("requested_by", sa.String(length=36), nullable=True),
        sa.Column("replaced_by", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(["hall_id"], ["hall.id"]),
        sa.ForeignKeyConstraint(["voided_by"], ["staff.id"]),
        sa.ForeignKeyConstraint(["window_id"], ["window.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("number"),
    )
    with op.batch_alter_table("void_number", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_void_number_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_void_number_voided_at"), ["voided_at"], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("void_number", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_void_number_voided_at"))
        batch_op.drop_index(batch_op.f("ix_void_number_case_id"))
    op.drop_table("void_number")
