"""a note typed before a status is kept (status and minutes may be empty); amendments keep their reason

Revision ID: 0010_sessions_amendments
Revises: 0011_accounts
Create Date: 2026-12-04 20:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010_sessions_amendments'
down_revision = '0011_accounts'
branch_labels = None
depends_on = None

STATUSES = "'present', 'late', 'left_early', 'absent_excused', 'absent_unexcused', 'technical_problem'"


def upgrade():
    with op.batch_alter_table('attendance', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_attendance_status'), type_='check')
        batch_op.alter_column('status', existing_type=sa.String(length=24), nullable=True)
        batch_op.alter_column('minutes_attended', existing_type=sa.Integer(), nullable=True)
        batch_op.create_check_constraint(op.f('ck_attendance_status'), f"status IS NULL OR status IN ({STATUSES})")
        batch_op.create_check_constraint(
            op.f('ck_attendance_unrecorded'), 'status IS NOT NULL OR (minutes_attended IS NULL AND participation IS NULL)'
        )
    with op.batch_alter_table('amendments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reason', sa.String(length=500), server_default='', nullable=False))


def downgrade():
    with op.batch_alter_table('amendments', schema=None) as batch_op:
        batch_op.drop_column('reason')
    # Rows holding only a note cannot exist in the older schema.
    op.execute('DELETE FROM attendance WHERE status IS NULL')
    with op.batch_alter_table('attendance', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_attendance_unrecorded'), type_='check')
        batch_op.drop_constraint(op.f('ck_attendance_status'), type_='check')
        batch_op.alter_column('minutes_attended', existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column('status', existing_type=sa.String(length=24), nullable=False)
        batch_op.create_check_constraint(op.f('ck_attendance_status'), f"status IN ({STATUSES})")
