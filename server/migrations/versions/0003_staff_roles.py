"""staff roles as data (staff.roles), and the history of role changes

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06 19:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table("staff", schema=None, recreate="never") as batch_op:
        batch_op.add_column(sa.Column("roles", sa.String(length=120), server_default="", nullable=False))
    op.execute("UPDATE staff SET roles = role WHERE roles = ''")
    op.create_table(
        "staff_role_change",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("staff_id", sa.String(length=36), nullable=False),
        sa.Column("roles_before", sa.String(length=120), nullable=False),
        sa.Column("roles_after", sa.String(length=120), nullable=False),
        sa.Column("effective_at", sa.DateTime(), nullable=False),
        sa.Column("changed_by", sa.String(length=36), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("op_id", sa.String(length=36), nullable=True),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"], name=op.f("fk_staff_role_change_staff_id_staff")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_role_change")),
    )
    with op.batch_alter_table("staff_role_change", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_staff_role_change_staff_id"), ["staff_id"], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("staff_role_change", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_staff_role_change_staff_id"))
    op.drop_table("staff_role_change")
    with op.batch_alter_table("staff", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("roles")
