"""wearables: daily wearable data per client and its CSV imports

Revision ID: 0014_wearables
Revises: 0013_client_checkins
Create Date: 2026-12-07 15:26:42.881910

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014_wearables'
down_revision = '0013_client_checkins'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('wearable_imports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('link_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('filename', sa.String(length=120), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('encoding', sa.String(length=16), nullable=False),
    sa.Column('row_count', sa.Integer(), nullable=False),
    sa.Column('raw_text', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('imported_at', sa.DateTime(), nullable=True),
    sa.Column('added', sa.Integer(), nullable=False),
    sa.Column('replaced', sa.Integer(), nullable=False),
    sa.Column('kept', sa.Integer(), nullable=False),
    sa.Column('rejected', sa.Integer(), nullable=False),
    sa.Column('first_day', sa.Date(), nullable=True),
    sa.Column('last_day', sa.Date(), nullable=True),
    sa.CheckConstraint("source IN ('apple_health', 'fitbit', 'garmin', 'other')", name=op.f('ck_wearable_imports_source')),
    sa.CheckConstraint("status = 'staged' OR raw_text IS NULL", name=op.f('ck_wearable_imports_text_only_while_staged')),
    sa.CheckConstraint("status IN ('staged', 'imported', 'discarded', 'expired')", name=op.f('ck_wearable_imports_status')),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_wearable_imports_client_id_clients')),
    sa.ForeignKeyConstraint(['link_id'], ['client_links.id'], name=op.f('fk_wearable_imports_link_id_client_links')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_wearable_imports'))
    )
    with op.batch_alter_table('wearable_imports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_wearable_imports_client_id'), ['client_id'], unique=False)

    op.create_table('wearable_days',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('import_id', sa.Integer(), nullable=True),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('sleep_hours', sa.Numeric(precision=4, scale=2, asdecimal=False), nullable=True),
    sa.Column('resting_hr', sa.Numeric(precision=4, scale=1, asdecimal=False), nullable=True),
    sa.Column('hrv_ms', sa.Numeric(precision=4, scale=1, asdecimal=False), nullable=True),
    sa.Column('steps', sa.Integer(), nullable=True),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('imported_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("source IN ('apple_health', 'fitbit', 'garmin', 'other')", name=op.f('ck_wearable_days_source')),
    sa.CheckConstraint('hrv_ms IS NULL OR hrv_ms BETWEEN 1 AND 300', name=op.f('ck_wearable_days_hrv_ms_range')),
    sa.CheckConstraint('resting_hr IS NULL OR resting_hr BETWEEN 25 AND 220', name=op.f('ck_wearable_days_resting_hr_range')),
    sa.CheckConstraint('sleep_hours IS NULL OR sleep_hours BETWEEN 0 AND 24', name=op.f('ck_wearable_days_sleep_hours_range')),
    sa.CheckConstraint('steps IS NULL OR steps BETWEEN 0 AND 100000', name=op.f('ck_wearable_days_steps_range')),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_wearable_days_client_id_clients')),
    sa.ForeignKeyConstraint(['import_id'], ['wearable_imports.id'], name=op.f('fk_wearable_days_import_id_wearable_imports')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_wearable_days')),
    sa.UniqueConstraint('client_id', 'day', name=op.f('uq_wearable_days_client_id_day'))
    )
    with op.batch_alter_table('wearable_days', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_wearable_days_import_id'), ['import_id'], unique=False)



def downgrade():
    with op.batch_alter_table('wearable_days', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_wearable_days_import_id'))

    op.drop_table('wearable_days')
    with op.batch_alter_table('wearable_imports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_wearable_imports_client_id'))

    op.drop_table('wearable_imports')
