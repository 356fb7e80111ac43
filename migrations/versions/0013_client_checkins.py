"""clients' own pages: personal links (hashed tokens, second factor), their sessions, daily check-ins, journal
entries, post-session feedback, homework;
self-reported questionnaires carry the link instead of a staff member; the program's coping skills

Revision ID: 0013_client_checkins
Revises: 0008_mfa_pending_secret
Create Date: 2026-12-04 20:07:53.692090

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013_client_checkins'
down_revision = '0012_program_roles'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('client_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('purpose', sa.String(length=300), nullable=False),
    sa.Column('consent_on', sa.Date(), nullable=False),
    sa.Column('channel', sa.String(length=8), nullable=False),
    sa.Column('second_factor', sa.String(length=8), nullable=False),
    sa.Column('pin_hash', sa.String(length=255), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('last_used_at', sa.DateTime(), nullable=True),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.Column('revoked_by_id', sa.Integer(), nullable=True),
    sa.Column('replaced_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("channel IN ('email', 'sms')", name=op.f('ck_client_links_channel')),
    sa.CheckConstraint("second_factor <> 'pin' OR pin_hash IS NOT NULL", name=op.f('ck_client_links_pin_needs_hash')),
    sa.CheckConstraint("second_factor IN ('none', 'pin', 'dob')", name=op.f('ck_client_links_second_factor')),
    sa.CheckConstraint('expires_at > created_at', name=op.f('ck_client_links_expires_after_created')),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_client_links_client_id_clients')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_client_links_created_by_id_users')),
    sa.ForeignKeyConstraint(['replaced_by_id'], ['client_links.id'], name=op.f('fk_client_links_replaced_by_id_client_links')),
    sa.ForeignKeyConstraint(['revoked_by_id'], ['users.id'], name=op.f('fk_client_links_revoked_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_client_links')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_client_links_token_hash'))
    )
    with op.batch_alter_table('client_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_client_links_client_id'), ['client_id'], unique=False)

    op.create_table('client_link_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('link_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(), nullable=False),
    sa.Column('ended_at', sa.DateTime(), nullable=True),
    sa.Column('end_reason', sa.String(length=32), nullable=True),
    sa.ForeignKeyConstraint(['link_id'], ['client_links.id'], name=op.f('fk_client_link_sessions_link_id_client_links')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_client_link_sessions')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_client_link_sessions_token_hash'))
    )
    with op.batch_alter_table('client_link_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_client_link_sessions_link_id'), ['link_id'], unique=False)

    op.create_table('daily_checkins',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('link_id', sa.Integer(), nullable=True),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('submitted_at', sa.DateTime(), nullable=False),
    sa.Column('mood', sa.SmallInteger(), nullable=False),
    sa.Column('anxiety', sa.SmallInteger(), nullable=False),
    sa.Column('cravings', sa.SmallInteger(), nullable=False),
    sa.Column('stress', sa.SmallInteger(), nullable=False),
    sa.Column('sleep_hours', sa.Numeric(precision=3, scale=1, asdecimal=False), nullable=True),
    sa.Column('exercise_minutes', sa.Integer(), nullable=True),
    sa.Column('social_contact', sa.Boolean(), nullable=False),
    sa.Column('social_with', sa.String(length=16), nullable=True),
    sa.Column('coping_skill', sa.String(length=80), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('submission_key', sa.String(length=64), nullable=False),
    sa.CheckConstraint("social_with IS NULL OR (social_contact AND social_with IN ('family', 'friends', 'peers', 'sponsor', 'work', 'other'))", name=op.f('ck_daily_checkins_social_with')),
    sa.CheckConstraint('anxiety BETWEEN 0 AND 10', name=op.f('ck_daily_checkins_anxiety_range')),
    sa.CheckConstraint('cravings BETWEEN 0 AND 10', name=op.f('ck_daily_checkins_cravings_range')),
    sa.CheckConstraint('exercise_minutes IS NULL OR exercise_minutes BETWEEN 0 AND 1440', name=op.f('ck_daily_checkins_exercise_range')),
    sa.CheckConstraint('mood BETWEEN 0 AND 10', name=op.f('ck_daily_checkins_mood_range')),
    sa.CheckConstraint('sleep_hours IS NULL OR sleep_hours BETWEEN 0 AND 24', name=op.f('ck_daily_checkins_sleep_range')),
    sa.CheckConstraint('stress BETWEEN 0 AND 10', name=op.f('ck_daily_checkins_stress_range')),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_daily_checkins_client_id_clients')),
    sa.ForeignKeyConstraint(['link_id'], ['client_links.id'], name=op.f('fk_daily_checkins_link_id_client_links')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_daily_checkins')),
    sa.UniqueConstraint('client_id', 'day', name=op.f('uq_daily_checkins_client_id_day')),
    sa.UniqueConstraint('submission_key', name=op.f('uq_daily_checkins_submission_key'))
    )
    op.create_table('journal_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('link_id', sa.Integer(), nullable=True),
    sa.Column('written_at', sa.DateTime(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('shared', sa.Boolean(), nullable=False),
    sa.Column('shared_changed_at', sa.DateTime(), nullable=True),
    sa.Column('submission_key', sa.String(length=64), nullable=False),
    sa.CheckConstraint("body <> ''", name=op.f('ck_journal_entries_body_not_empty')),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_journal_entries_client_id_clients')),
    sa.ForeignKeyConstraint(['link_id'], ['client_links.id'], name=op.f('fk_journal_entries_link_id_client_links')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_journal_entries')),
    sa.UniqueConstraint('submission_key', name=op.f('uq_journal_entries_submission_key'))
    )
    with op.batch_alter_table('journal_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_journal_entries_client_id'), ['client_id'], unique=False)

    op.create_table('session_feedback',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('link_id', sa.Integer(), nullable=True),
    sa.Column('submitted_at', sa.DateTime(), nullable=False),
    sa.Column('felt_heard', sa.SmallInteger(), nullable=False),
    sa.Column('useful', sa.SmallInteger(), nullable=False),
    sa.Column('plan_to_use', sa.SmallInteger(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.CheckConstraint('felt_heard BETWEEN 1 AND 5', name=op.f('ck_session_feedback_felt_heard_range')),
    sa.CheckConstraint('useful BETWEEN 1 AND 5', name=op.f('ck_session_feedback_useful_range')),
    sa.CheckConstraint('plan_to_use BETWEEN 1 AND 5', name=op.f('ck_session_feedback_plan_to_use_range')),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_session_feedback_client_id_clients')),
    sa.ForeignKeyConstraint(['session_id'], ['group_sessions.id'], name=op.f('fk_session_feedback_session_id_group_sessions')),
    sa.ForeignKeyConstraint(['link_id'], ['client_links.id'], name=op.f('fk_session_feedback_link_id_client_links')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_session_feedback')),
    sa.UniqueConstraint('client_id', 'session_id', name=op.f('uq_session_feedback_client_id_session_id'))
    )
    with op.batch_alter_table('session_feedback', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_session_feedback_client_id'), ['client_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_session_feedback_session_id'), ['session_id'], unique=False)

    op.create_table('homework_assignments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=120), nullable=False),
    sa.Column('instructions', sa.Text(), nullable=False),
    sa.Column('frequency', sa.String(length=8), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('assigned_on', sa.Date(), nullable=False),
    sa.Column('assigned_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("frequency IN ('once', 'daily', 'weekly')", name=op.f('ck_homework_assignments_frequency')),
    sa.CheckConstraint("frequency <> 'once' OR due_on IS NOT NULL", name=op.f('ck_homework_assignments_once_needs_due_date')),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_homework_assignments_client_id_clients')),
    sa.ForeignKeyConstraint(['assigned_by_id'], ['users.id'], name=op.f('fk_homework_assignments_assigned_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_homework_assignments'))
    )
    with op.batch_alter_table('homework_assignments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_homework_assignments_client_id'), ['client_id'], unique=False)

    op.create_table('homework_completions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('assignment_id', sa.Integer(), nullable=False),
    sa.Column('link_id', sa.Integer(), nullable=True),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('completed_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['assignment_id'], ['homework_assignments.id'], name=op.f('fk_homework_completions_assignment_id_homework_assignments')),
    sa.ForeignKeyConstraint(['link_id'], ['client_links.id'], name=op.f('fk_homework_completions_link_id_client_links')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_homework_completions')),
    sa.UniqueConstraint('assignment_id', 'day', name=op.f('uq_homework_completions_assignment_id_day'))
    )

    with op.batch_alter_table('assessment_responses', schema=None) as batch_op:
        batch_op.add_column(sa.Column('client_link_id', sa.Integer(), nullable=True))
        batch_op.alter_column('entered_by_id',
               existing_type=sa.INTEGER(),
               nullable=True)
        batch_op.create_foreign_key(batch_op.f('fk_assessment_responses_client_link_id_client_links'), 'client_links', ['client_link_id'], ['id'])
        batch_op.create_check_constraint(op.f('ck_assessment_responses_entered_by_someone'), 'entered_by_id IS NOT NULL OR client_link_id IS NOT NULL')

    with op.batch_alter_table('programs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('coping_skills', sa.Text(), nullable=True))



def downgrade():
    with op.batch_alter_table('programs', schema=None) as batch_op:
        batch_op.drop_column('coping_skills')

    with op.batch_alter_table('assessment_responses', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_assessment_responses_entered_by_someone'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_assessment_responses_client_link_id_client_links'), type_='foreignkey')
        batch_op.alter_column('entered_by_id',
               existing_type=sa.INTEGER(),
               nullable=False)
        batch_op.drop_column('client_link_id')

    with op.batch_alter_table('journal_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_journal_entries_client_id'))

    op.drop_table('homework_completions')
    with op.batch_alter_table('homework_assignments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_homework_assignments_client_id'))

    op.drop_table('homework_assignments')
    op.drop_table('journal_entries')
    with op.batch_alter_table('session_feedback', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_session_feedback_session_id'))
        batch_op.drop_index(batch_op.f('ix_session_feedback_client_id'))

    op.drop_table('session_feedback')
    op.drop_table('daily_checkins')
    with op.batch_alter_table('client_link_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_client_link_sessions_link_id'))

    op.drop_table('client_link_sessions')
    with op.batch_alter_table('client_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_client_links_client_id'))

    op.drop_table('client_links')
