"""weekly reviews, revisions, level-of-care decisions, review runs, program thresholds

Revision ID: 0006_reviews
Revises: 0004_outbox_notifications
Create Date: 2026-12-03 12:23:06.650025

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006_reviews'
down_revision = '0004_outbox_notifications'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('review_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('program_id', sa.Integer(), nullable=False),
    sa.Column('cohort_id', sa.Integer(), nullable=False),
    sa.Column('week_start', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('reviews', sa.Integer(), nullable=False),
    sa.Column('error', sa.String(length=300), nullable=True),
    sa.Column('queued_at', sa.DateTime(), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=True),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("status IN ('queued', 'running', 'done', 'failed')", name=op.f('ck_review_runs_status')),
    sa.ForeignKeyConstraint(['cohort_id'], ['cohorts.id'], name=op.f('fk_review_runs_cohort_id_cohorts')),
    sa.ForeignKeyConstraint(['program_id'], ['programs.id'], name=op.f('fk_review_runs_program_id_programs')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_runs')),
    sa.UniqueConstraint('cohort_id', 'week_start', name=op.f('uq_review_runs_cohort_id_week_start'))
    )
    with op.batch_alter_table('review_runs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_runs_program_id'), ['program_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_review_runs_week_start'), ['week_start'], unique=False)

    op.create_table('weekly_reviews',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enrollment_id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('cohort_id', sa.Integer(), nullable=False),
    sa.Column('program_id', sa.Integer(), nullable=False),
    sa.Column('week_start', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('latest_revision_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("status IN ('open', 'decided')", name=op.f('ck_weekly_reviews_status')),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_weekly_reviews_client_id_clients')),
    sa.ForeignKeyConstraint(['cohort_id'], ['cohorts.id'], name=op.f('fk_weekly_reviews_cohort_id_cohorts')),
    sa.ForeignKeyConstraint(['enrollment_id'], ['enrollments.id'], name=op.f('fk_weekly_reviews_enrollment_id_enrollments')),
    sa.ForeignKeyConstraint(['program_id'], ['programs.id'], name=op.f('fk_weekly_reviews_program_id_programs')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_weekly_reviews')),
    sa.UniqueConstraint('enrollment_id', 'week_start', name=op.f('uq_weekly_reviews_enrollment_id_week_start'))
    )
    with op.batch_alter_table('weekly_reviews', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_weekly_reviews_client_id'), ['client_id'], unique=False)
        batch_op.create_index('ix_weekly_reviews_cohort_week', ['cohort_id', 'week_start'], unique=False)
        batch_op.create_index(batch_op.f('ix_weekly_reviews_program_id'), ['program_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_weekly_reviews_week_start'), ['week_start'], unique=False)

    op.create_table('review_revisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('review_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('recommendation', sa.String(length=24), nullable=False),
    sa.Column('reasons', sa.Text(), nullable=False),
    sa.Column('metrics', sa.Text(), nullable=False),
    sa.Column('thresholds', sa.Text(), nullable=False),
    sa.Column('computed_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("recommendation IN ('urgent_review', 'disengagement_review', 'step_down_candidate', 'continue')", name=op.f('ck_review_revisions_recommendation')),
    sa.CheckConstraint('number >= 1', name=op.f('ck_review_revisions_number')),
    sa.ForeignKeyConstraint(['review_id'], ['weekly_reviews.id'], name=op.f('fk_review_revisions_review_id_weekly_reviews'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_revisions')),
    sa.UniqueConstraint('review_id', 'number', name=op.f('uq_review_revisions_review_id_number'))
    )
    with op.batch_alter_table('review_revisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_revisions_review_id'), ['review_id'], unique=False)
    # The review points at its newest revision and each revision at its review: this side comes second.
    with op.batch_alter_table('weekly_reviews', schema=None) as batch_op:
        batch_op.create_foreign_key(
            'fk_weekly_reviews_latest_revision', 'review_revisions', ['latest_revision_id'], ['id']
        )

    op.create_table('level_of_care_decisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('review_id', sa.Integer(), nullable=False),
    sa.Column('revision_id', sa.Integer(), nullable=False),
    sa.Column('enrollment_id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('decision', sa.String(length=16), nullable=False),
    sa.Column('destination', sa.String(length=32), nullable=True),
    sa.Column('destination_detail', sa.String(length=120), nullable=True),
    sa.Column('rationale', sa.Text(), nullable=False),
    sa.Column('effective_on', sa.Date(), nullable=False),
    sa.Column('recommendation', sa.String(length=24), nullable=False),
    sa.Column('overrides_recommendation', sa.Boolean(), nullable=False),
    sa.Column('override_reason', sa.Text(), nullable=True),
    sa.Column('amends_id', sa.Integer(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=False),
    sa.Column('decided_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("(decision = 'continue' AND destination IS NULL) OR (decision <> 'continue' AND destination IS NOT NULL)", name=op.f('ck_level_of_care_decisions_destination')),
    sa.CheckConstraint("decision IN ('continue', 'step_down', 'step_up', 'discharge')", name=op.f('ck_level_of_care_decisions_decision')),
    sa.CheckConstraint("overrides_recommendation = false OR (override_reason IS NOT NULL AND override_reason <> '')", name=op.f('ck_level_of_care_decisions_override_reason')),
    sa.CheckConstraint("rationale <> ''", name=op.f('ck_level_of_care_decisions_rationale')),
    sa.ForeignKeyConstraint(['amends_id'], ['level_of_care_decisions.id'], name=op.f('fk_level_of_care_decisions_amends_id_level_of_care_decisions')),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_level_of_care_decisions_client_id_clients')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_level_of_care_decisions_decided_by_id_users')),
    sa.ForeignKeyConstraint(['enrollment_id'], ['enrollments.id'], name=op.f('fk_level_of_care_decisions_enrollment_id_enrollments')),
    sa.ForeignKeyConstraint(['review_id'], ['weekly_reviews.id'], name=op.f('fk_level_of_care_decisions_review_id_weekly_reviews')),
    sa.ForeignKeyConstraint(['revision_id'], ['review_revisions.id'], name=op.f('fk_level_of_care_decisions_revision_id_review_revisions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_level_of_care_decisions')),
    sa.UniqueConstraint('amends_id', name=op.f('uq_level_of_care_decisions_amends_id'))
    )
    with op.batch_alter_table('level_of_care_decisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_level_of_care_decisions_client_id'), ['client_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_level_of_care_decisions_enrollment_id'), ['enrollment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_level_of_care_decisions_review_id'), ['review_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_level_of_care_decisions_revision_id'), ['revision_id'], unique=False)

    with op.batch_alter_table('programs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('review_thresholds', sa.Text(), nullable=True))



def downgrade():
    with op.batch_alter_table('programs', schema=None) as batch_op:
        batch_op.drop_column('review_thresholds')

    with op.batch_alter_table('level_of_care_decisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_level_of_care_decisions_revision_id'))
        batch_op.drop_index(batch_op.f('ix_level_of_care_decisions_review_id'))
        batch_op.drop_index(batch_op.f('ix_level_of_care_decisions_enrollment_id'))
        batch_op.drop_index(batch_op.f('ix_level_of_care_decisions_client_id'))

    op.drop_table('level_of_care_decisions')
    with op.batch_alter_table('weekly_reviews', schema=None) as batch_op:
        batch_op.drop_constraint('fk_weekly_reviews_latest_revision', type_='foreignkey')
    with op.batch_alter_table('review_revisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_review_revisions_review_id'))

    op.drop_table('review_revisions')
    with op.batch_alter_table('weekly_reviews', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_weekly_reviews_week_start'))
        batch_op.drop_index(batch_op.f('ix_weekly_reviews_program_id'))
        batch_op.drop_index('ix_weekly_reviews_cohort_week')
        batch_op.drop_index(batch_op.f('ix_weekly_reviews_client_id'))

    op.drop_table('weekly_reviews')
    with op.batch_alter_table('review_runs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_review_runs_week_start'))
        batch_op.drop_index(batch_op.f('ix_review_runs_program_id'))

    op.drop_table('review_runs')
