"""ratings, 差评整改, appeals, peer evaluation with sealed ballots; the 补正 deadline; the window's zone

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 02:00:00

The counter's new tables (db.models: rating, rating_followup, rating_appeal, peer_round,
peer_turnout, peer_result) and the server's own: ``ballot_box_key`` (the key pair ballots are sealed
to), ``peer_ballot`` (opened ballots: no rater, device, op or time, no rowid) and
``mobile_rating_attempt`` (the phone page's rate limit). ``cases.correction_due`` and ``window.zone``.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0007'
down_revision: str | Sequence[str] | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('ballot_box_key',
    sa.Column('id', sa.String(length=16), nullable=False),
    sa.Column('public_key', sa.String(length=64), nullable=False),
    sa.Column('private_key', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ballot_box_key'))
    )
    op.create_table('mobile_rating_attempt',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('client_hash', sa.String(length=64), nullable=False),
    sa.Column('query_code', sa.String(length=16), nullable=False),
    sa.Column('ok', sa.Boolean(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mobile_rating_attempt'))
    )
    op.create_index(op.f('ix_mobile_rating_attempt_at'), 'mobile_rating_attempt', ['at'], unique=False)
    op.create_index(op.f('ix_mobile_rating_attempt_client_hash'), 'mobile_rating_attempt', ['client_hash'],
                    unique=False)
    op.create_index(op.f('ix_mobile_rating_attempt_query_code'), 'mobile_rating_attempt', ['query_code'], unique=False)
    op.create_table('peer_ballot',
    sa.Column('round_id', sa.String(length=36), nullable=False),
    sa.Column('ratee_id', sa.String(length=36), nullable=False),
    sa.Column('ballot_key', sa.String(length=64), nullable=False),
    sa.Column('scores', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('round_id', 'ratee_id', 'ballot_key', name=op.f('pk_peer_ballot')),
    sqlite_with_rowid=False
    )
    op.create_table('peer_result',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('hall_id', sa.String(length=36), nullable=False),
    sa.Column('round_id', sa.String(length=36), nullable=False),
    sa.Column('ratee_id', sa.String(length=36), nullable=False),
    sa.Column('ballots', sa.Integer(), nullable=False),
    sa.Column('averages', sa.JSON(), nullable=True),
    sa.Column('score', sa.Float(), nullable=True),
    sa.Column('computed_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['hall_id'], ['hall.id'], name=op.f('fk_peer_result_hall_id_hall')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_peer_result')),
    sa.UniqueConstraint('round_id', 'ratee_id', name=op.f('uq_peer_result_round_id'))
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
    sa.ForeignKeyConstraint(['hall_id'], ['hall.id'], name=op.f('fk_peer_round_hall_id_hall')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_peer_round'))
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
    sa.ForeignKeyConstraint(['hall_id'], ['hall.id'], name=op.f('fk_peer_turnout_hall_id_hall')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_peer_turnout')),
    sa.UniqueConstraint('round_id', 'rater_id', name=op.f('uq_peer_turnout_round_id'))
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
    sa.ForeignKeyConstraint(['hall_id'], ['hall.id'], name=op.f('fk_rating_hall_id_hall')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rating'))
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
    sa.ForeignKeyConstraint(['hall_id'], ['hall.id'], name=op.f('fk_rating_appeal_hall_id_hall')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rating_appeal')),
    sa.UniqueConstraint('rating_id', name=op.f('uq_rating_appeal_rating_id'))
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
    sa.ForeignKeyConstraint(['hall_id'], ['hall.id'], name=op.f('fk_rating_followup_hall_id_hall')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rating_followup')),
    sa.UniqueConstraint('rating_id', name=op.f('uq_rating_followup_rating_id'))
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
    op.drop_table('peer_ballot')
    op.drop_index(op.f('ix_mobile_rating_attempt_query_code'), table_name='mobile_rating_attempt')
    op.drop_index(op.f('ix_mobile_rating_attempt_client_hash'), table_name='mobile_rating_attempt')
    op.drop_index(op.f('ix_mobile_rating_attempt_at'), table_name='mobile_rating_attempt')
    op.drop_table('mobile_rating_attempt')
    op.drop_table('ballot_box_key')
    # ### end Alembic commands ###
