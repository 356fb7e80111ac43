"""client-entered symptom and exposure logs, the program's show-scores setting, custom instruments' cadence, questionnaire reminders

Revision ID: 0016_client_logs_settings
Revises: 0015_secure_messages
Create Date: 2026-12-07 15:23:26.225625

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016_client_logs_settings'
down_revision = '0015_secure_messages'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('questionnaire_reminders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('instrument', sa.String(length=40), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('link_id', sa.Integer(), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_questionnaire_reminders_client_id_clients')),
    sa.ForeignKeyConstraint(['link_id'], ['client_links.id'], name=op.f('fk_questionnaire_reminders_link_id_client_links')),
    sa.ForeignKeyConstraint(['message_id'], ['outbox_messages.id'], name=op.f('fk_questionnaire_reminders_message_id_outbox_messages')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_questionnaire_reminders')),
    sa.UniqueConstraint('client_id', 'instrument', 'due_on', name=op.f('uq_questionnaire_reminders_client_id_instrument_due_on'))
    )
    with op.batch_alter_table('questionnaire_reminders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_questionnaire_reminders_client_id'), ['client_id'], unique=False)

    with op.batch_alter_table('custom_instruments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cadence_days', sa.SmallInteger(), nullable=True))
        batch_op.create_check_constraint(op.f('ck_custom_instruments_cadence_days'), 'cadence_days IS NULL OR cadence_days BETWEEN 1 AND 365')

    with op.batch_alter_table('exposure_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('client_link_id', sa.Integer(), nullable=True))
        batch_op.alter_column('recorded_by_id',
               existing_type=sa.INTEGER(),
               nullable=True)
        batch_op.create_foreign_key(batch_op.f('fk_exposure_events_client_link_id_client_links'), 'client_links', ['client_link_id'], ['id'])
        batch_op.create_check_constraint(op.f('ck_exposure_events_recorded_by_someone'), 'recorded_by_id IS NOT NULL OR client_link_id IS NOT NULL')

    with op.batch_alter_table('programs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('show_clients_scores', sa.Boolean(), server_default=sa.false(), nullable=False))

    with op.batch_alter_table('symptom_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('client_link_id', sa.Integer(), nullable=True))
        batch_op.alter_column('recorded_by_id',
               existing_type=sa.INTEGER(),
               nullable=True)
        batch_op.create_foreign_key(batch_op.f('fk_symptom_events_client_link_id_client_links'), 'client_links', ['client_link_id'], ['id'])
        batch_op.create_check_constraint(op.f('ck_symptom_events_recorded_by_someone'), 'recorded_by_id IS NOT NULL OR client_link_id IS NOT NULL')



def downgrade():
    with op.batch_alter_table('symptom_events', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_symptom_events_recorded_by_someone'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_symptom_events_client_link_id_client_links'), type_='foreignkey')
        batch_op.alter_column('recorded_by_id',
               existing_type=sa.INTEGER(),
               nullable=False)
        batch_op.drop_column('client_link_id')

    with op.batch_alter_table('programs', schema=None) as batch_op:
        batch_op.drop_column('show_clients_scores')

    with op.batch_alter_table('exposure_events', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_exposure_events_recorded_by_someone'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_exposure_events_client_link_id_client_links'), type_='foreignkey')
        batch_op.alter_column('recorded_by_id',
               existing_type=sa.INTEGER(),
               nullable=False)
        batch_op.drop_column('client_link_id')

    with op.batch_alter_table('custom_instruments', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_custom_instruments_cadence_days'), type_='check')
        batch_op.drop_column('cadence_days')

    with op.batch_alter_table('questionnaire_reminders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_questionnaire_reminders_client_id'))

    op.drop_table('questionnaire_reminders')
