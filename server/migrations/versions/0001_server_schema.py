"""server schema: the domain tables it keeps and its own sync tables

The domain tables have the counter's columns; the server's own are devices, enrolment codes,
inbox, change log, scope counters and rows, number counters and leases, server meta (epoch).

Revision ID: 0001
Revises:
Create Date: 2026-12-03 07:50:01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('calendar_day',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('is_workday', sa.Boolean(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('source', sa.String(length=32), nullable=False),
    sa.PrimaryKeyConstraint('day', name=op.f('pk_calendar_day'))
    )
    op.create_table('change_log',
    sa.Column('scope', sa.String(length=80), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('entity', sa.String(length=32), nullable=False),
    sa.Column('entity_id', sa.String(length=64), nullable=False),
    sa.Column('op_id', sa.String(length=36), nullable=True),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('row', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('scope', 'seq', name=op.f('pk_change_log'))
    )
    op.create_table('department',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_department')),
    sa.UniqueConstraint('code', name=op.f('uq_department_code'))
    )
    op.create_table('dishonest_party',
    sa.Column('id_number', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.PrimaryKeyConstraint('id_number', name=op.f('pk_dishonest_party'))
    )
    op.create_table('hall',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('agency_name', sa.String(length=200), nullable=False),
    sa.Column('phone', sa.String(length=64), nullable=False),
    sa.Column('complaint_phone', sa.String(length=64), nullable=False),
    sa.Column('address', sa.String(length=300), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hall')),
    sa.UniqueConstraint('code', name=op.f('uq_hall_code'))
    )
    op.create_table('inbox_op',
    sa.Column('client_id', sa.String(length=36), nullable=False),
    sa.Column('client_seq', sa.BigInteger(), nullable=False),
    sa.Column('op_id', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.String(length=48), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('received_at', sa.DateTime(), nullable=False),
    sa.Column('answer', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('client_id', 'client_seq', name=op.f('pk_inbox_op'))
    )
    with op.batch_alter_table('inbox_op', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inbox_op_op_id'), ['op_id'], unique=False)

    op.create_table('scope_counter',
    sa.Column('scope', sa.String(length=80), nullable=False),
    sa.Column('last_seq', sa.BigInteger(), nullable=False),
    sa.Column('checksum', sa.String(length=16), nullable=False),
    sa.Column('row_count', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('scope', name=op.f('pk_scope_counter'))
    )
    op.create_table('scope_row',
    sa.Column('scope', sa.String(length=80), nullable=False),
    sa.Column('entity', sa.String(length=32), nullable=False),
    sa.Column('entity_id', sa.String(length=64), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('row_hash', sa.String(length=16), nullable=False),
    sa.PrimaryKeyConstraint('scope', 'entity', 'entity_id', name=op.f('pk_scope_row'))
    )
    with op.batch_alter_table('scope_row', schema=None) as batch_op:
        batch_op.create_index('ix_scope_row_scope_seq', ['scope', 'seq'], unique=True)

    op.create_table('server_meta',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_server_meta'))
    )
    op.create_table('hall_parameter',
    sa.Column('hall_id', sa.String(length=36), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('value', sa.String(length=500), nullable=False),
    sa.ForeignKeyConstraint(['hall_id'], ['hall.id'], name=op.f('fk_hall_parameter_hall_id_hall')),
    sa.PrimaryKeyConstraint('hall_id', 'key', name=op.f('pk_hall_parameter'))
    )
    op.create_table('matter',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('department_id', sa.String(length=36), nullable=False),
    sa.Column('case_type', sa.String(length=16), nullable=False),
    sa.Column('legal_basis', sa.Text(), nullable=False),
    sa.Column('conditions', sa.Text(), nullable=False),
    sa.Column('procedure', sa.Text(), nullable=False),
    sa.Column('statutory_days', sa.Integer(), nullable=False),
    sa.Column('promised_days', sa.Integer(), nullable=False),
    sa.Column('fee', sa.String(length=200), nullable=False),
    sa.Column('fee_basis', sa.Text(), nullable=False),
    sa.Column('consult_phone', sa.String(length=64), nullable=False),
    sa.Column('complaint_phone', sa.String(length=64), nullable=False),
    sa.Column('allows_deferral', sa.Boolean(), nullable=False),
    sa.Column('pinyin_initials', sa.String(length=200), nullable=False),
    sa.Column('pinyin_full', sa.String(length=1000), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], name=op.f('fk_matter_department_id_department')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_matter')),
    sa.UniqueConstraint('code', name=op.f('uq_matter_code'))
    )
    op.create_table('number_counter',
    sa.Column('hall_id', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('last_issued', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['hall_id'], ['hall.id'], name=op.f('fk_number_counter_hall_id_hall')),
    sa.PrimaryKeyConstraint('hall_id', 'kind', 'year', name=op.f('pk_number_counter'))
    )
    op.create_table('window',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('hall_id', sa.String(length=36), nullable=False),
    sa.Column('number', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('department_id', sa.String(length=36), nullable=True),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], name=op.f('fk_window_department_id_department')),
    sa.ForeignKeyConstraint(['hall_id'], ['hall.id'], name=op.f('fk_window_hall_id_hall')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_window')),
    sa.UniqueConstraint('hall_id', 'number', name=op.f('uq_window_hall_id'))
    )
    op.create_table('enrolment_code',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('hall_id', sa.String(length=36), nullable=False),
    sa.Column('window_id', sa.String(length=36), nullable=False),
    sa.Column('device_name', sa.String(length=100), nullable=False),
    sa.Column('created_by', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('used_at', sa.DateTime(), nullable=True),
    sa.Column('device_id', sa.String(length=36), nullable=True),
    sa.Column('request_id', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['hall_id'], ['hall.id'], name=op.f('fk_enrolment_code_hall_id_hall')),
    sa.ForeignKeyConstraint(['window_id'], ['window.id'], name=op.f('fk_enrolment_code_window_id_window')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_enrolment_code')),
    sa.UniqueConstraint('code_hash', name=op.f('uq_enrolment_code_code_hash'))
    )
    op.create_table('matter_material',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('matter_id', sa.String(length=36), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('originals', sa.Integer(), nullable=False),
    sa.Column('copies', sa.Integer(), nullable=False),
    sa.Column('is_main', sa.Boolean(), nullable=False),
    sa.Column('deferrable', sa.Boolean(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['matter_id'], ['matter.id'], name=op.f('fk_matter_material_matter_id_matter')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_matter_material'))
    )
    with op.batch_alter_table('matter_material', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_matter_material_matter_id'), ['matter_id'], unique=False)

    op.create_table('staff',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('hall_id', sa.String(length=36), nullable=False),
    sa.Column('login', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('password_hash', sa.String(length=200), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('window_id', sa.String(length=36), nullable=True),
    sa.Column('department_id', sa.String(length=36), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], name=op.f('fk_staff_department_id_department')),
    sa.ForeignKeyConstraint(['hall_id'], ['hall.id'], name=op.f('fk_staff_hall_id_hall')),
    sa.ForeignKeyConstraint(['window_id'], ['window.id'], name=op.f('fk_staff_window_id_window')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff')),
    sa.UniqueConstraint('login', name=op.f('uq_staff_login'))
    )
    op.create_table('sync_device',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('hall_id', sa.String(length=36), nullable=False),
    sa.Column('window_id', sa.String(length=36), nullable=True),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('secret_hash', sa.String(length=64), nullable=False),
    sa.Column('enrolled_at', sa.DateTime(), nullable=False),
    sa.Column('enrolled_by', sa.String(length=36), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(), nullable=True),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.Column('revoked_by', sa.String(length=36), nullable=True),
    sa.Column('revoke_reason', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['hall_id'], ['hall.id'], name=op.f('fk_sync_device_hall_id_hall')),
    sa.ForeignKeyConstraint(['window_id'], ['window.id'], name=op.f('fk_sync_device_window_id_window')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sync_device'))
    )
    with op.batch_alter_table('sync_device', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sync_device_hall_id'), ['hall_id'], unique=False)

    op.create_table('cases',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('number', sa.String(length=40), nullable=False),
    sa.Column('query_code', sa.String(length=16), nullable=False),
    sa.Column('hall_id', sa.String(length=36), nullable=False),
    sa.Column('window_id', sa.String(length=36), nullable=True),
    sa.Column('matter_id', sa.String(length=36), nullable=False),
    sa.Column('matter_name', sa.String(length=200), nullable=False),
    sa.Column('case_type', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=24), nullable=False),
    sa.Column('applicant_kind', sa.String(length=8), nullable=False),
    sa.Column('applicant_name', sa.String(length=200), nullable=False),
    sa.Column('applicant_id_number', sa.String(length=32), nullable=False),
    sa.Column('applicant_phone', sa.String(length=32), nullable=False),
    sa.Column('legal_representative', sa.String(length=100), nullable=False),
    sa.Column('agent_name', sa.String(length=100), nullable=False),
    sa.Column('agent_id_number', sa.String(length=32), nullable=False),
    sa.Column('remark', sa.Text(), nullable=False),
    sa.Column('received_at', sa.DateTime(), nullable=False),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('notify_due', sa.Date(), nullable=False),
    sa.Column('accepted_on', sa.Date(), nullable=True),
    sa.Column('due_date', sa.Date(), nullable=True),
    sa.Column('deferred_due', sa.Date(), nullable=True),
    sa.Column('suspended_days', sa.Integer(), nullable=False),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('completed_at', sa.DateTime(), nullable=True),
    sa.Column('approved', sa.Boolean(), nullable=True),
    sa.Column('result', sa.Text(), nullable=False),
    sa.Column('reject_category', sa.String(length=32), nullable=False),
    sa.Column('reject_reason', sa.Text(), nullable=False),
    sa.Column('reject_legal_basis', sa.Text(), nullable=False),
    sa.Column('redirect_to', sa.String(length=300), nullable=False),
    sa.Column('delivered_at', sa.DateTime(), nullable=True),
    sa.Column('recipient_name', sa.String(length=200), nullable=False),
    sa.Column('recipient_id_number', sa.String(length=32), nullable=False),
    sa.Column('void_reason', sa.Text(), nullable=False),
    sa.Column('deemed_accepted', sa.Boolean(), nullable=False),
    sa.Column('created_by', sa.String(length=36), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['staff.id'], name=op.f('fk_cases_created_by_staff')),
    sa.ForeignKeyConstraint(['hall_id'], ['hall.id'], name=op.f('fk_cases_hall_id_hall')),
    sa.ForeignKeyConstraint(['matter_id'], ['matter.id'], name=op.f('fk_cases_matter_id_matter')),
    sa.ForeignKeyConstraint(['window_id'], ['window.id'], name=op.f('fk_cases_window_id_window')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cases')),
    sa.UniqueConstraint('number', name=op.f('uq_cases_number')),
    sa.UniqueConstraint('query_code', name=op.f('uq_cases_query_code'))
    )
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.create_index('ix_case_applicant_id', ['applicant_id_number'], unique=False)
        batch_op.create_index('ix_case_applicant_name', ['applicant_name'], unique=False)
        batch_op.create_index('ix_case_matter_received', ['matter_id', 'received_at'], unique=False)
        batch_op.create_index('ix_case_received_at', ['received_at'], unique=False)
        batch_op.create_index('ix_case_status_due', ['status', 'due_date'], unique=False)
        batch_op.create_index('ix_case_status_received', ['status', 'received_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_cases_matter_id'), ['matter_id'], unique=False)

    op.create_table('enquiry',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('hall_id', sa.String(length=36), nullable=False),
    sa.Column('window_id', sa.String(length=36), nullable=True),
    sa.Column('staff_id', sa.String(length=36), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('visitor', sa.String(length=100), nullable=False),
    sa.Column('phone', sa.String(length=32), nullable=False),
    sa.Column('topic', sa.Text(), nullable=False),
    sa.Column('matter_id', sa.String(length=36), nullable=True),
    sa.Column('referred_window', sa.String(length=100), nullable=False),
    sa.Column('answer', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['hall_id'], ['hall.id'], name=op.f('fk_enquiry_hall_id_hall')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_enquiry_staff_id_staff')),
    sa.ForeignKeyConstraint(['window_id'], ['window.id'], name=op.f('fk_enquiry_window_id_window')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_enquiry'))
    )
    with op.batch_alter_table('enquiry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_enquiry_at'), ['at'], unique=False)

    op.create_table('number_lease',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('hall_id', sa.String(length=36), nullable=False),
    sa.Column('device_id', sa.String(length=36), nullable=False),
    sa.Column('request_id', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('first', sa.Integer(), nullable=False),
    sa.Column('last', sa.Integer(), nullable=False),
    sa.Column('leased_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['device_id'], ['sync_device.id'], name=op.f('fk_number_lease_device_id_sync_device')),
    sa.ForeignKeyConstraint(['hall_id'], ['hall.id'], name=op.f('fk_number_lease_hall_id_hall')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_number_lease'))
    )
    with op.batch_alter_table('number_lease', schema=None) as batch_op:
        batch_op.create_index('ix_number_lease_device_request', ['device_id', 'request_id'], unique=True)
        batch_op.create_index('ix_number_lease_hall_kind_year', ['hall_id', 'kind', 'year'], unique=False)

    op.create_table('case_material',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('case_id', sa.String(length=36), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('material_id', sa.String(length=36), nullable=True),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('is_main', sa.Boolean(), nullable=False),
    sa.Column('deferrable', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('originals', sa.Integer(), nullable=False),
    sa.Column('copies', sa.Integer(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_material_case_id_cases')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_material'))
    )
    with op.batch_alter_table('case_material', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_material_case_id'), ['case_id'], unique=False)

    op.create_table('notice',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('case_id', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('number', sa.String(length=40), nullable=False),
    sa.Column('issued_at', sa.DateTime(), nullable=False),
    sa.Column('issued_by', sa.String(length=36), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('void', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_notice_case_id_cases')),
    sa.ForeignKeyConstraint(['issued_by'], ['staff.id'], name=op.f('fk_notice_issued_by_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notice')),
    sa.UniqueConstraint('number', name=op.f('uq_notice_number'))
    )
    with op.batch_alter_table('notice', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notice_case_id'), ['case_id'], unique=False)

    op.create_table('suspension',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('case_id', sa.String(length=36), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('started_on', sa.Date(), nullable=False),
    sa.Column('ended_on', sa.Date(), nullable=True),
    sa.Column('working_days', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_suspension_case_id_cases')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_suspension'))
    )
    with op.batch_alter_table('suspension', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_suspension_case_id'), ['case_id'], unique=False)



def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('suspension', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_suspension_case_id'))

    op.drop_table('suspension')
    with op.batch_alter_table('notice', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notice_case_id'))

    op.drop_table('notice')
    with op.batch_alter_table('case_material', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_material_case_id'))

    op.drop_table('case_material')
    with op.batch_alter_table('number_lease', schema=None) as batch_op:
        batch_op.drop_index('ix_number_lease_hall_kind_year')
        batch_op.drop_index('ix_number_lease_device_request')

    op.drop_table('number_lease')
    with op.batch_alter_table('enquiry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_enquiry_at'))

    op.drop_table('enquiry')
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cases_matter_id'))
        batch_op.drop_index('ix_case_status_received')
        batch_op.drop_index('ix_case_status_due')
        batch_op.drop_index('ix_case_received_at')
        batch_op.drop_index('ix_case_matter_received')
        batch_op.drop_index('ix_case_applicant_name')
        batch_op.drop_index('ix_case_applicant_id')

    op.drop_table('cases')
    with op.batch_alter_table('sync_device', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sync_device_hall_id'))

    op.drop_table('sync_device')
    op.drop_table('staff')
    with op.batch_alter_table('matter_material', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_matter_material_matter_id'))

    op.drop_table('matter_material')
    op.drop_table('enrolment_code')
    op.drop_table('window')
    op.drop_table('number_counter')
    op.drop_table('matter')
    op.drop_table('hall_parameter')
    op.drop_table('server_meta')
    with op.batch_alter_table('scope_row', schema=None) as batch_op:
        batch_op.drop_index('ix_scope_row_scope_seq')

    op.drop_table('scope_row')
    op.drop_table('scope_counter')
    with op.batch_alter_table('inbox_op', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inbox_op_op_id'))

    op.drop_table('inbox_op')
    op.drop_table('hall')
    op.drop_table('dishonest_party')
    op.drop_table('department')
    op.drop_table('change_log')
    op.drop_table('calendar_day')
