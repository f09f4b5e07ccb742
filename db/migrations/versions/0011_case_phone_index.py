"""an index on cases.applicant_phone: the ledger finds a case by the applicant's full phone (its lists
show the phone masked, docs/ledger.md)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-14 09:00:00

Counter only (db.models.COUNTER_ONLY_INDEXES): the server copies the ``cases`` table and never searches
by phone, so the index is not declared on the model.
"""
from collections.abc import Sequence

from alembic import op

revision: str = '0011'
down_revision: str | Sequence[str] | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index('ix_case_applicant_phone', 'cases', ['applicant_phone'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_case_applicant_phone', table_name='cases')
