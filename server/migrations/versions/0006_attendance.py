"""attendance (考勤), hall-wide: schedules, punches, imports, leave, 补签, 空岗, 查岗, monthly sheets,
AB岗 posts on the window, the post holder a substitute acted for on the case, and what the server
knows of who is signed in at each counter (post_presence)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 22:30:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0006'
down_revision: str | Sequence[str] | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('post_presence',
    sa.Column('device_id', sa.String(length=36), nullable=False),
    sa.Column('hall_id', sa.String(length=36), nullable=False),
    sa.Column('window_id', sa.String(length=36), nullable=True),
    sa.Column('staff_id', sa.String(length=36), nullable=True),
    sa.Column('seen_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('device_id', name=op.f('pk_post_presence'))
    )
    with op.batch_alter_table('post_presence', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_post_presence_hall_id'), ['hall_id'], unique=False)

    op.create_table('attendance_import',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('hall_id', sa.String(length=36), nullable=False),
    sa.Column('file_name', sa.String(length=260), nullable=False),
    sa.Column('file_sha256', sa.String(length=64), nullable=False),
    sa.Column('mapping', sa.JSON(), nullable=False),
    sa.Column('rows_total', sa.Integer(), nullable=False),
    sa.Column('rows_new', sa.Integer(), nullable=False),
    sa.Column('rows_duplicate', sa.Integer(), nullable=False),
    sa.Column('problems', sa.JSON(), nullable=False),
    sa.Column('imported_by', sa.String(length=36), nullable=False),
    sa.Column('imported_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['hall_id'], ['hall.id'], name=op.f('fk_attendance_import_hall_id_hall')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attendance_import'))
    )
    op.create_table('attendance_month',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('hall_id', sa.String(length=36), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('sheet', sa.JSON(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('published_by', sa.String(length=36), nullable=False),
    sa.Column('published_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['hall_id'], ['hall.id'], name=op.f('fk_attendance_month_hall_id_hall')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attendance_month')),
    sa.UniqueConstraint('hall_id', 'month', 'version', name=op.f('uq_attendance_month_hall_id'))
    )
    op.create_table('attendance_schedule',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('hall_id', sa.String(length=36), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('content', sa.JSON(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_by', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['hall_id'], ['hall.id'], name=op.f('fk_attendance_schedule_hall_id_hall')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attendance_schedule')),
    sa.UniqueConstraint('hall_id', 'version', name=op.f('uq_attendance_schedule_hall_id'))
    )
    op.create_table('empty_post',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('hall_id', sa.String(length=36), nullable=False),
    sa.Column('window_id', sa.String(length=36), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.Column('ended_at', sa.DateTime(), nullable=True),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.Column('raised_by', sa.String(length=16), nullable=False),
    sa.Column('basis', sa.Text(), nullable=False),
    sa.Column('raised_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['hall_id'], ['hall.id'], name=op.f('fk_empty_post_hall_id_hall')),
    sa.ForeignKeyConstraint(['window_id'], ['window.id'], name=op.f('fk_empty_post_window_id_window')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_empty_post'))
    )
    with op.batch_alter_table('empty_post', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_empty_post_started_at'), ['started_at'], unique=False)

    op.create_table('inspection',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('hall_id', sa.String(length=36), nullable=False),
    sa.Column('window_id', sa.String(length=36), nullable=False),
    sa.Column('staff_id', sa.String(length=36), nullable=True),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('finding', sa.String(length=32), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('photo_name', sa.String(length=200), nullable=False),
    sa.Column('photo_sha256', sa.String(length=64), nullable=False),
    sa.Column('photo_b64', sa.Text(), nullable=False),
    sa.Column('recorded_by', sa.String(length=36), nullable=False),
    sa.Column('response', sa.String(length=16), nullable=False),
    sa.Column('response_note', sa.Text(), nullable=False),
    sa.Column('responded_at', sa.DateTime(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['hall_id'], ['hall.id'], name=op.f('fk_inspection_hall_id_hall')),
    sa.ForeignKeyConstraint(['window_id'], ['window.id'], name=op.f('fk_inspection_window_id_window')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inspection'))
    )
    with op.batch_alter_table('inspection', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inspection_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_inspection_staff_id'), ['staff_id'], unique=False)

    op.create_table('leave_request',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('hall_id', sa.String(length=36), nullable=False),
    sa.Column('staff_id', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('starts_at', sa.DateTime(), nullable=False),
    sa.Column('ends_at', sa.DateTime(), nullable=False),
    sa.Column('days', sa.Float(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('approval', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('cover_staff_id', sa.String(length=36), nullable=True),
    sa.Column('decided_by', sa.String(length=36), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('decision_note', sa.Text(), nullable=False),
    sa.Column('requested_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['hall_id'], ['hall.id'], name=op.f('fk_leave_request_hall_id_hall')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_leave_request_staff_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_leave_request'))
    )
    with op.batch_alter_table('leave_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_leave_request_staff_id'), ['staff_id'], unique=False)

    op.create_table('punch',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('hall_id', sa.String(length=36), nullable=False),
    sa.Column('staff_id', sa.String(length=36), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('device_id', sa.String(length=80), nullable=False),
    sa.Column('clock_offset_seconds', sa.Float(), nullable=True),
    sa.Column('offline', sa.Boolean(), nullable=False),
    sa.Column('flag', sa.String(length=200), nullable=False),
    sa.Column('import_id', sa.String(length=36), nullable=True),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['hall_id'], ['hall.id'], name=op.f('fk_punch_hall_id_hall')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_punch_staff_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_punch')),
    sa.UniqueConstraint('staff_id', 'device_id', 'at', name=op.f('uq_punch_staff_id'))
    )
    with op.batch_alter_table('punch', schema=None) as batch_op:
        batch_op.create_index('ix_punch_at', ['at'], unique=False)

    op.create_table('punch_makeup',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('hall_id', sa.String(length=36), nullable=False),
    sa.Column('staff_id', sa.String(length=36), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('slot', sa.String(length=16), nullable=False),
    sa.Column('claimed_at', sa.DateTime(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('decided_by', sa.String(length=36), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('decision_note', sa.Text(), nullable=False),
    sa.Column('requested_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['hall_id'], ['hall.id'], name=op.f('fk_punch_makeup_hall_id_hall')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_punch_makeup_staff_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_punch_makeup'))
    )
    with op.batch_alter_table('punch_makeup', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_punch_makeup_staff_id'), ['staff_id'], unique=False)

    # plain ALTER TABLE ADD COLUMN: a batch rebuild of ``cases`` would break its full-text index
    op.add_column('cases', sa.Column('acting_for', sa.String(length=36), server_default='', nullable=False))

    op.add_column('window', sa.Column('a_staff_id', sa.String(length=36), nullable=True))
    op.add_column('window', sa.Column('b_staff_id', sa.String(length=36), nullable=True))
    op.add_column('staff', sa.Column('staff_no', sa.String(length=32), server_default='', nullable=False))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('punch_makeup', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_punch_makeup_staff_id'))

    op.drop_table('punch_makeup')
    with op.batch_alter_table('punch', schema=None) as batch_op:
        batch_op.drop_index('ix_punch_at')

    op.drop_table('punch')
    with op.batch_alter_table('leave_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_leave_request_staff_id'))

    op.drop_table('leave_request')
    with op.batch_alter_table('inspection', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inspection_staff_id'))
        batch_op.drop_index(batch_op.f('ix_inspection_at'))

    op.drop_table('inspection')
    with op.batch_alter_table('empty_post', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_empty_post_started_at'))

    op.drop_table('empty_post')
    op.drop_table('attendance_schedule')
    op.drop_table('attendance_month')
    op.drop_table('attendance_import')
    with op.batch_alter_table('post_presence', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_post_presence_hall_id'))

    op.drop_table('post_presence')
    # plain ALTER TABLE DROP COLUMN (SQLite 3.35+, PostgreSQL): rebuilding these tables would trip
    # the foreign keys that refer to them and the cases' full-text index
    op.drop_column('staff', 'staff_no')
    op.drop_column('window', 'b_staff_id')
    op.drop_column('window', 'a_staff_id')
    op.drop_column('cases', 'acting_for')
