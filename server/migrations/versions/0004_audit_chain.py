"""the server's hash chain over the operations it accepts per hall

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06 19:30:00

A new table; operations applied before it existed are not chained (the chain starts with the
first op applied after the upgrade; their inbox rows keep the answers they were given).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "audit_chain_entry",
        sa.Column("hall_id", sa.String(length=36), nullable=False),
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("op_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=48), nullable=False),
        sa.Column("device_id", sa.String(length=36), nullable=False),
        sa.Column("actor_id", sa.String(length=36), nullable=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["hall_id"], ["hall.id"], name=op.f("fk_audit_chain_entry_hall_id_hall")),
        sa.PrimaryKeyConstraint("hall_id", "seq", name=op.f("pk_audit_chain_entry")),
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table("audit_chain_entry")
