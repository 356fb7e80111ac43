"""roles are held per program; break-glass access per program, with its grants

Every global role is carried over to each program its holder works in, so nobody gains or loses
anything in a program at upgrade; from then on a role reaches only its own program. (A role of
someone in no program reached nothing and is not carried.)

Revision ID: 0012_program_roles
Revises: 0008_mfa_pending_secret
Create Date: 2026-12-04 20:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012_program_roles'
down_revision = '0010_sessions_amendments'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('program_roles',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('program_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=32), nullable=False),
    sa.CheckConstraint("role IN ('clinician', 'case_manager', 'admin')", name=op.f('ck_program_roles_role')),
    sa.ForeignKeyConstraint(['program_id'], ['programs.id'], name=op.f('fk_program_roles_program_id_programs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_program_roles_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'program_id', 'role', name=op.f('pk_program_roles'))
    )
    with op.batch_alter_table('program_roles', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_program_roles_program_id'), ['program_id'], unique=False)
    op.execute(
        "INSERT INTO program_roles (user_id, program_id, role) "
        "SELECT staff_roles.user_id, program_staff.program_id, staff_roles.role "
        "FROM staff_roles JOIN program_staff ON program_staff.user_id = staff_roles.user_id "
        "WHERE staff_roles.role IN ('clinician', 'case_manager', 'admin')"
    )
    op.drop_table('staff_roles')

    with op.batch_alter_table('programs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('break_glass_enabled', sa.Boolean(), server_default=sa.false(), nullable=False))

    op.create_table('break_glass_grants',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('program_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('granted_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('expires_at > granted_at', name=op.f('ck_break_glass_grants_expires_after_granted')),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_break_glass_grants_client_id_clients'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['program_id'], ['programs.id'], name=op.f('fk_break_glass_grants_program_id_programs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_break_glass_grants_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_break_glass_grants'))
    )
    with op.batch_alter_table('break_glass_grants', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_break_glass_grants_program_id'), ['program_id'], unique=False)
        batch_op.create_index('ix_break_glass_grants_user_client', ['user_id', 'client_id'], unique=False)


def downgrade():
    with op.batch_alter_table('break_glass_grants', schema=None) as batch_op:
        batch_op.drop_index('ix_break_glass_grants_user_client')
        batch_op.drop_index(batch_op.f('ix_break_glass_grants_program_id'))
    op.drop_table('break_glass_grants')
    with op.batch_alter_table('programs', schema=None) as batch_op:
        batch_op.drop_column('break_glass_enabled')

    op.create_table('staff_roles',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_staff_roles_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'role', name=op.f('pk_staff_roles'))
    )
    # Going back to global roles widens them: whatever a user held in any program, they hold everywhere.
    op.execute(
        "INSERT INTO staff_roles (user_id, role) SELECT DISTINCT user_id, role FROM program_roles"
    )
    with op.batch_alter_table('program_roles', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_program_roles_program_id'))
    op.drop_table('program_roles')
