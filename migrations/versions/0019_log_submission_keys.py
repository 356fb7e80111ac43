"""log submission keys: the client's exposure and panic log forms store one entry however often posted

Revision ID: 0019_log_submission_keys
Revises: 0018_scale_indexes
Create Date: 2026-12-07 23:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0019_log_submission_keys'
down_revision = '0018_scale_indexes'
branch_labels = None
depends_on = None


def upgrade():
    for table in ('exposure_events', 'symptom_events'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('submission_key', sa.String(length=64), nullable=True))
            batch_op.create_unique_constraint(batch_op.f(f'uq_{table}_submission_key'), ['submission_key'])


def downgrade():
    for table in ('symptom_events', 'exposure_events'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f(f'uq_{table}_submission_key'), type_='unique')
            batch_op.drop_column('submission_key')
