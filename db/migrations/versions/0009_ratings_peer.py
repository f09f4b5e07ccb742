"""ratings, 差评整改, appeals and peer evaluation; the 补正 deadline on the case; the window's zone

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 02:00:00

New tables ``rating``, ``rating_followup``, ``rating_appeal``, ``peer_round``, ``peer_turnout`` and
``peer_result`` (db.models; sealed ballots never reach a counter). ``cases.correction_due`` is the day
by which the applicant supplies what a 补正 notice lists; ``window.zone`` the hall zone of a window
(a peer-evaluation scope). Plain ADD COLUMN: rebuilding ``cases`` would break its FTS triggers.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0009'
down_revision: str | Sequence[str] | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('peer_result',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('hall_id', sa.String(length=36), nullable=False),
    sa.Column('round_id', sa.String(length=36), nullable=False),
    sa.Column('ratee_id', sa.String(length=36), nullable=False),
    sa.Column('ballots', sa.Integer(), nullable=False),
    sa.Column('averages', sa.JSON(), nullable=True),
    sa.Column('score', sa.Float(), nullable=True),
    sa.Column('computed_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['hall_id'], ['hall.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('round_id', 'ratee_id')
    )
    op.create_index(op.f('ix_peer_result_round_id'), 'peer_result', ['round_id'], unique=False)
    op.create_table('peer_round',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('hall_id', sa.String(length=36), nullable=False),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('dimensions', sa.JSON(), nullable=False),
    sa.Column('scope', sa.String(length=16), nullable=False),
    sa.Column('min_ballots', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('opened_by', sa.String(length=36), nullable=False),
    sa.Column('opened_at', sa.DateTime(), nullable=False),
    sa.Column('closed_by', sa.String(length=36), nullable=False),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['hall_id'], ['hall.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('peer_turnout',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('hall_id', sa.String(length=36), nullable=False),
    sa.Column('round_id', sa.String(length=36), nullable=False),
    sa.Column('rater_id', sa.String(length=36), nullable=False),
    sa.Column('group_key', sa.String(length=64), nullable=False),
    sa.Column('ratees', sa.Integer(), nullable=False),
    sa.Column('verifier', sa.String(length=64), nullable=False),
    sa.Column('voted_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['hall_id'], ['hall.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('round_id', 'rater_id')
    )
    op.create_index(op.f('ix_peer_turnout_round_id'), 'peer_turnout', ['round_id'], unique=False)
    op.create_table('rating',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('hall_id', sa.String(length=36), nullable=False),
    sa.Column('case_id', sa.String(length=36), nullable=False),
    sa.Column('window_id', sa.String(length=36), nullable=True),
    sa.Column('staff_id', sa.String(length=36), nullable=True),
    sa.Column('matter_id', sa.String(length=36), nullable=False),
    sa.Column('level', sa.Integer(), nullable=True),
    sa.Column('reasons', sa.JSON(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('callback_phone', sa.String(length=32), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('trigger', sa.String(length=16), nullable=False),
    sa.Column('device_id', sa.String(length=80), nullable=False),
    sa.Column('rated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['hall_id'], ['hall.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_rating_case_id'), 'rating', ['case_id'], unique=False)
    op.create_index(op.f('ix_rating_rated_at'), 'rating', ['rated_at'], unique=False)
    op.create_index(op.f('ix_rating_staff_id'), 'rating', ['staff_id'], unique=False)
    op.create_table('rating_appeal',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('hall_id', sa.String(length=36), nullable=False),
    sa.Column('rating_id', sa.String(length=36), nullable=False),
    sa.Column('staff_id', sa.String(length=36), nullable=False),
    sa.Column('ground', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('appealed_at', sa.DateTime(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('decided_by', sa.String(length=36), nullable=False),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('decision_note', sa.Text(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['hall_id'], ['hall.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('rating_id')
    )
    op.create_index(op.f('ix_rating_appeal_staff_id'), 'rating_appeal', ['staff_id'], unique=False)
    op.create_table('rating_followup',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('hall_id', sa.String(length=36), nullable=False),
    sa.Column('rating_id', sa.String(length=36), nullable=False),
    sa.Column('case_id', sa.String(length=36), nullable=False),
    sa.Column('window_id', sa.String(length=36), nullable=True),
    sa.Column('staff_id', sa.String(length=36), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('opened_at', sa.DateTime(), nullable=False),
    sa.Column('rectify_due', sa.Date(), nullable=False),
    sa.Column('verified_by', sa.String(length=36), nullable=False),
    sa.Column('verified_at', sa.DateTime(), nullable=True),
    sa.Column('verify_finding', sa.String(length=16), nullable=False),
    sa.Column('verify_note', sa.Text(), nullable=False),
    sa.Column('rectified_by', sa.String(length=36), nullable=False),
    sa.Column('rectified_at', sa.DateTime(), nullable=True),
    sa.Column('measures', sa.Text(), nullable=False),
    sa.Column('callback_due', sa.Date(), nullable=True),
    sa.Column('callback_by', sa.String(length=36), nullable=False),
    sa.Column('callback_at', sa.DateTime(), nullable=True),
    sa.Column('callback_result', sa.String(length=16), nullable=False),
    sa.Column('callback_note', sa.Text(), nullable=False),
    sa.Column('closed_by', sa.String(length=36), nullable=False),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.Column('close_note', sa.Text(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['hall_id'], ['hall.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('rating_id')
    )
    op.create_index(op.f('ix_rating_followup_status'), 'rating_followup', ['status'], unique=False)
    op.add_column('cases', sa.Column('correction_due', sa.Date(), nullable=True))
    op.add_column('window', sa.Column('zone', sa.String(length=32), server_default='', nullable=False))
    # ### end Alembic commands ###


def downgrade() -> None:
    op.drop_column('window', 'zone')
    op.drop_column('cases', 'correction_due')
    op.drop_index(op.f('ix_rating_followup_status'), table_name='rating_followup')
    op.drop_table('rating_followup')
    op.drop_index(op.f('ix_rating_appeal_staff_id'), table_name='rating_appeal')
    op.drop_table('rating_appeal')
    op.drop_index(op.f('ix_rating_staff_id'), table_name='rating')
    op.drop_index(op.f('ix_rating_rated_at'), table_name='rating')
    op.drop_index(op.f('ix_rating_case_id'), table_name='rating')
    op.drop_table('rating')
    op.drop_index(op.f('ix_peer_turnout_round_id'), table_name='peer_turnout')
    op.drop_table('peer_turnout')
    op.drop_table('peer_round')
    op.drop_index(op.f('ix_peer_result_round_id'), table_name='peer_result')
    op.drop_table('peer_result')
