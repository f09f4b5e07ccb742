"""the monthly appraisal: the counter's new tables

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 06:20:00

The counter's new tables (db.models: appraisal_rules, commendation, appraisal_item,
appraisal_comment, appraisal_quota, appraisal_month), and an index on ``cases.due_date``.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0008'
down_revision: str | Sequence[str] | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("appraisal_comment", "appraisal_item", "appraisal_month", "appraisal_quota", "appraisal_rules",
          "commendation")


def upgrade() -> None:
    # the month's overdue cases (app.appraisal.facts) are found by their limit
    op.create_index(op.f('ix_cases_due_date'), 'cases', ['due_date'], unique=False)
    op.create_table('appraisal_comment',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('hall_id', sa.String(length=36), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('department_id', sa.String(length=36), nullable=True),
    sa.Column('staff_id', sa.String(length=36), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('written_by', sa.String(length=36), nullable=False),
    sa.Column('written_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['hall_id'], ['hall.id'], name=op.f('fk_appraisal_comment_hall_id_hall')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appraisal_comment'))
    )
    op.create_index(op.f('ix_appraisal_comment_month'), 'appraisal_comment', ['month'], unique=False)
    op.create_table('appraisal_item',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('hall_id', sa.String(length=36), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('staff_id', sa.String(length=36), nullable=True),
    sa.Column('window_id', sa.String(length=36), nullable=True),
    sa.Column('points', sa.Float(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('entered_by', sa.String(length=36), nullable=False),
    sa.Column('entered_at', sa.DateTime(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('decided_by', sa.String(length=36), nullable=False),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('decision_note', sa.Text(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['hall_id'], ['hall.id'], name=op.f('fk_appraisal_item_hall_id_hall')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appraisal_item'))
    )
    op.create_index(op.f('ix_appraisal_item_month'), 'appraisal_item', ['month'], unique=False)
    op.create_table('appraisal_month',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('hall_id', sa.String(length=36), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('rules_version', sa.Integer(), nullable=False),
    sa.Column('result', sa.JSON(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('published_by', sa.String(length=36), nullable=False),
    sa.Column('published_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['hall_id'], ['hall.id'], name=op.f('fk_appraisal_month_hall_id_hall')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appraisal_month')),
    sa.UniqueConstraint('hall_id', 'month', 'version', name=op.f('uq_appraisal_month_hall_id'))
    )
    op.create_table('appraisal_quota',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('hall_id', sa.String(length=36), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('approved_by', sa.String(length=36), nullable=False),
    sa.Column('approved_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['hall_id'], ['hall.id'], name=op.f('fk_appraisal_quota_hall_id_hall')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appraisal_quota')),
    sa.UniqueConstraint('hall_id', 'month', name=op.f('uq_appraisal_quota_hall_id'))
    )
    op.create_table('appraisal_rules',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('hall_id', sa.String(length=36), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('content', sa.JSON(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_by', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['hall_id'], ['hall.id'], name=op.f('fk_appraisal_rules_hall_id_hall')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appraisal_rules')),
    sa.UniqueConstraint('hall_id', 'version', name=op.f('uq_appraisal_rules_hall_id'))
    )
    op.create_table('commendation',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('hall_id', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('staff_id', sa.String(length=36), nullable=True),
    sa.Column('window_id', sa.String(length=36), nullable=True),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('recorded_by', sa.String(length=36), nullable=False),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['hall_id'], ['hall.id'], name=op.f('fk_commendation_hall_id_hall')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_commendation'))
    )
    op.create_index(op.f('ix_commendation_day'), 'commendation', ['day'], unique=False)
    op.create_index(op.f('ix_commendation_staff_id'), 'commendation', ['staff_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_cases_due_date'), table_name='cases')
    for name in TABLES:
        op.drop_table(name)
