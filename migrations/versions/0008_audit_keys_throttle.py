"""audit checkpoints, no REPLACE/TRUNCATE around the trail, hashed sign-in identifiers, throttle counters, forced password change

Revision ID: 0008_audit_keys_throttle
Revises: 0004_outbox_notifications
Create Date: 2026-12-03 12:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008_audit_keys_throttle'
down_revision = '0007_family'
branch_labels = None
depends_on = None


# SQLite's INSERT OR REPLACE deletes the row it replaces without firing delete triggers, and
# PostgreSQL's TRUNCATE fires no row triggers: both are refused here, for the events and their
# checkpoints alike.
GUARDS = {
    "postgresql": [
        """CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
        FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()""",
        """CREATE TRIGGER audit_checkpoints_no_change BEFORE UPDATE OR DELETE ON audit_checkpoints
        FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()""",
        """CREATE TRIGGER audit_checkpoints_no_truncate BEFORE TRUNCATE ON audit_checkpoints
        FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()""",
    ],
    "sqlite": [
        """CREATE TRIGGER audit_events_no_replace BEFORE INSERT ON audit_events
        WHEN EXISTS (SELECT 1 FROM audit_events WHERE id = NEW.id OR hash = NEW.hash)
        BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END""",
        """CREATE TRIGGER audit_checkpoints_no_replace BEFORE INSERT ON audit_checkpoints
        WHEN EXISTS (SELECT 1 FROM audit_checkpoints WHERE id = NEW.id OR signature = NEW.signature)
        BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END""",
        """CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE ON audit_checkpoints
        BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END""",
        """CREATE TRIGGER audit_checkpoints_no_delete BEFORE DELETE ON audit_checkpoints
        BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END""",
    ],
}
DROP_GUARDS = {
    "postgresql": [
        "DROP TRIGGER IF EXISTS audit_events_no_truncate ON audit_events",
        "DROP TRIGGER IF EXISTS audit_checkpoints_no_change ON audit_checkpoints",
        "DROP TRIGGER IF EXISTS audit_checkpoints_no_truncate ON audit_checkpoints",
    ],
    "sqlite": [
        "DROP TRIGGER IF EXISTS audit_events_no_replace",
        "DROP TRIGGER IF EXISTS audit_checkpoints_no_replace",
        "DROP TRIGGER IF EXISTS audit_checkpoints_no_update",
        "DROP TRIGGER IF EXISTS audit_checkpoints_no_delete",
    ],
}


def upgrade():
    op.create_table('audit_checkpoints',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('event_hash', sa.String(length=64), nullable=False),
    sa.Column('prev_signature', sa.String(length=64), nullable=False),
    sa.Column('signature', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_checkpoints')),
    sa.UniqueConstraint('signature', name=op.f('uq_audit_checkpoints_signature'))
    )
    op.create_table('throttle_counters',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=80), nullable=False),
    sa.Column('window_start', sa.DateTime(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_throttle_counters')),
    sa.UniqueConstraint('key', 'window_start', name=op.f('uq_throttle_counters_key_window_start'))
    )
    with op.batch_alter_table('throttle_counters', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_throttle_counters_window_start'), ['window_start'], unique=False)

    # Old rows hold whatever was typed into the email field (sometimes a password): purge them.
    op.execute("DELETE FROM login_attempts")
    with op.batch_alter_table('login_attempts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_attempts_email'))
        batch_op.drop_column('email')
        batch_op.add_column(sa.Column('account_key', sa.String(length=64), nullable=False))
        batch_op.create_index(batch_op.f('ix_login_attempts_account_key'), ['account_key'], unique=False)

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('must_change_password', sa.Boolean(), server_default=sa.false(), nullable=False))

    for statement in GUARDS.get(op.get_bind().dialect.name, []):
        op.execute(statement)


def downgrade():
    for statement in DROP_GUARDS.get(op.get_bind().dialect.name, []):
        op.execute(statement)
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('must_change_password')
    op.execute("DELETE FROM login_attempts")
    with op.batch_alter_table('login_attempts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_attempts_account_key'))
        batch_op.drop_column('account_key')
        batch_op.add_column(sa.Column('email', sa.String(length=254), nullable=False))
        batch_op.create_index(batch_op.f('ix_login_attempts_email'), ['email'], unique=False)

    with op.batch_alter_table('throttle_counters', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_throttle_counters_window_start'))
    op.drop_table('throttle_counters')
    op.drop_table('audit_checkpoints')
