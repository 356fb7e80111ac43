"""secure messages between a client and the care team (never edited or deleted); the thread's handled state
and when the client was last mailed, so a run of replies sends one mail

Revision ID: 0015_secure_messages
Revises: 0014_wearables
Create Date: 2026-12-07 15:24:21.193738

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015_secure_messages'
down_revision = '0014_wearables'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('message_threads',
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('handled_at', sa.DateTime(), nullable=True),
    sa.Column('handled_by_id', sa.Integer(), nullable=True),
    sa.Column('client_mailed_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_message_threads_client_id_clients')),
    sa.ForeignKeyConstraint(['handled_by_id'], ['users.id'], name=op.f('fk_message_threads_handled_by_id_users')),
    sa.PrimaryKeyConstraint('client_id', name=op.f('pk_message_threads'))
    )
    op.create_table('secure_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('author_kind', sa.String(length=8), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('link_id', sa.Integer(), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=False),
    sa.Column('read_at', sa.DateTime(), nullable=True),
    sa.Column('read_by_id', sa.Integer(), nullable=True),
    sa.Column('submission_key', sa.String(length=64), nullable=False),
    sa.CheckConstraint("(author_kind = 'staff' AND author_id IS NOT NULL) OR (author_kind = 'client' AND author_id IS NULL)", name=op.f('ck_secure_messages_author_matches_kind')),
    sa.CheckConstraint("author_kind IN ('client', 'staff')", name=op.f('ck_secure_messages_author_kind')),
    sa.CheckConstraint("body <> ''", name=op.f('ck_secure_messages_body_not_empty')),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_secure_messages_author_id_users')),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_secure_messages_client_id_clients')),
    sa.ForeignKeyConstraint(['link_id'], ['client_links.id'], name=op.f('fk_secure_messages_link_id_client_links')),
    sa.ForeignKeyConstraint(['read_by_id'], ['users.id'], name=op.f('fk_secure_messages_read_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_secure_messages')),
    sa.UniqueConstraint('submission_key', name=op.f('uq_secure_messages_submission_key'))
    )
    with op.batch_alter_table('secure_messages', schema=None) as batch_op:
        batch_op.create_index('ix_secure_messages_client_sent', ['client_id', 'sent_at'], unique=False)



def downgrade():
    with op.batch_alter_table('secure_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_secure_messages_client_sent')

    op.drop_table('secure_messages')
    op.drop_table('message_threads')
