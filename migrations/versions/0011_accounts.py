"""password reset links, recovery codes, TOTP secrets encrypted at rest, session values server-side, weekly attendance summaries

Revision ID: 0011_accounts
Revises: 0008_mfa_pending_secret
Create Date: 2026-12-04 20:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011_accounts'
down_revision = '0008_mfa_pending_secret'
branch_labels = None
depends_on = None


def _recrypt(transform):
    """Rewrite every stored TOTP key through transform (encrypt on the way up, decrypt on the way down)."""
    connection = op.get_bind()
    users = sa.table('users', sa.column('id', sa.Integer), sa.column('totp_secret', sa.String),
                     sa.column('totp_pending_secret', sa.String))
    rows = connection.execute(sa.select(users.c.id, users.c.totp_secret, users.c.totp_pending_secret)).all()
    for user_id, secret, pending in rows:
        if secret is None and pending is None:
            continue
        connection.execute(users.update().where(users.c.id == user_id).values(
            totp_secret=transform(secret) if secret else None,
            totp_pending_secret=transform(pending) if pending else None,
        ))


def upgrade():
    op.create_table('password_reset_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('used_at', sa.DateTime(), nullable=True),
    sa.Column('withdrawn_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_password_reset_tokens_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_password_reset_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_password_reset_tokens_token_hash'))
    )
    with op.batch_alter_table('password_reset_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_password_reset_tokens_user_id'), ['user_id'], unique=False)

    op.create_table('recovery_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('used_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_recovery_codes_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recovery_codes')),
    sa.UniqueConstraint('code_hash', name=op.f('uq_recovery_codes_code_hash'))
    )
    with op.batch_alter_table('recovery_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recovery_codes_user_id'), ['user_id'], unique=False)

    op.create_table('family_attendance_summaries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('consent_id', sa.Integer(), nullable=False),
    sa.Column('week_start', sa.Date(), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['consent_id'], ['family_consents.id'], name=op.f('fk_family_attendance_summaries_consent_id_family_consents')),
    sa.ForeignKeyConstraint(['message_id'], ['outbox_messages.id'], name=op.f('fk_family_attendance_summaries_message_id_outbox_messages')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_family_attendance_summaries')),
    sa.UniqueConstraint('consent_id', 'week_start', name=op.f('uq_family_attendance_summaries_consent_id_week_start'))
    )
    with op.batch_alter_table('family_attendance_summaries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_family_attendance_summaries_consent_id'), ['consent_id'], unique=False)

    with op.batch_alter_table('user_sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('data', sa.Text(), nullable=True))
        batch_op.alter_column('user_id', existing_type=sa.Integer(), nullable=True)

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.alter_column('totp_secret', existing_type=sa.String(length=64), type_=sa.String(length=255))
        batch_op.alter_column('totp_pending_secret', existing_type=sa.String(length=64), type_=sa.String(length=255))

    from iop.keys import encrypt_secret  # the app's key (SECRET_KEY / IOP_AUDIT_KEY), never stored here

    _recrypt(encrypt_secret)


def downgrade():
    from iop.keys import decrypt_secret

    _recrypt(decrypt_secret)
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.alter_column('totp_pending_secret', existing_type=sa.String(length=255), type_=sa.String(length=64))
        batch_op.alter_column('totp_secret', existing_type=sa.String(length=255), type_=sa.String(length=64))

    # Sessions before sign-in have no user: they end with the downgrade.
    op.execute("DELETE FROM user_sessions WHERE user_id IS NULL")
    with op.batch_alter_table('user_sessions', schema=None) as batch_op:
        batch_op.alter_column('user_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('data')

    with op.batch_alter_table('family_attendance_summaries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_family_attendance_summaries_consent_id'))
    op.drop_table('family_attendance_summaries')
    with op.batch_alter_table('recovery_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recovery_codes_user_id'))
    op.drop_table('recovery_codes')
    with op.batch_alter_table('password_reset_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_password_reset_tokens_user_id'))
    op.drop_table('password_reset_tokens')
