"""scale indexes: the review queue finds a program's week by (program_id, week_start)

At 2,000 clients the queue's list, count and week menu scanned the program's reviews of every week
(ix_weekly_reviews_program_id, then a filter that removed 4,182 rows of 4,582; the week menu walked
ix_weekly_reviews_week_start removing 18,398): EXPLAIN ANALYZE 8.1 ms for the list, 1.7 ms for the count;
the count's scan 1.0 ms -> 0.2 ms on the new index. It replaces ix_weekly_reviews_program_id.

Revision ID: 0018_scale_indexes
Revises: 0016_client_logs_settings
Create Date: 2026-12-07 15:50:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0018_scale_indexes'
down_revision = '0016_client_logs_settings'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_weekly_reviews_program_week', 'weekly_reviews', ['program_id', 'week_start'], unique=False)
    # Its first column serves every program_id lookup the old index did; two would only cost writes
    # (and the planner kept choosing the narrower one and filtering).
    op.drop_index('ix_weekly_reviews_program_id', table_name='weekly_reviews')


def downgrade():
    op.create_index('ix_weekly_reviews_program_id', 'weekly_reviews', ['program_id'], unique=False)
    op.drop_index('ix_weekly_reviews_program_week', table_name='weekly_reviews')
