"""assessments and alerts: immutable questionnaire responses, safety alerts

Revision ID: 0002_assessments_alerts
Revises: 0001_foundation
Create Date: 2026-11-23 04:48:24.098118

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0002_assessments_alerts'
down_revision = '0001_foundation'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('assessment_responses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('enrollment_id', sa.Integer(), nullable=True),
    sa.Column('instrument', sa.String(length=40), nullable=False),
    sa.Column('administered_on', sa.Date(), nullable=False),
    sa.Column('answers', sa.Text(), nullable=False),
    sa.Column('total', sa.SmallInteger(), nullable=False),
    sa.Column('severity', sa.String(length=32), nullable=True),
    sa.Column('flags', sa.String(length=200), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('entered_by_id', sa.Integer(), nullable=False),
    sa.Column('entered_at', sa.DateTime(), nullable=False),
    sa.Column('superseded_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("source IN ('self_report', 'clinician')", name=op.f('ck_assessment_responses_source')),
    sa.CheckConstraint('superseded_by_id IS NULL OR superseded_by_id <> id', name=op.f('ck_assessment_responses_not_self_superseded')),
    sa.CheckConstraint('total >= 0', name=op.f('ck_assessment_responses_total')),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_assessment_responses_client_id_clients')),
    sa.ForeignKeyConstraint(['enrollment_id'], ['enrollments.id'], name=op.f('fk_assessment_responses_enrollment_id_enrollments')),
    sa.ForeignKeyConstraint(['entered_by_id'], ['users.id'], name=op.f('fk_assessment_responses_entered_by_id_users')),
    sa.ForeignKeyConstraint(['superseded_by_id'], ['assessment_responses.id'], name=op.f('fk_assessment_responses_superseded_by_id_assessment_responses')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assessment_responses'))
    )
    with op.batch_alter_table('assessment_responses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assessment_responses_client_id'), ['client_id'], unique=False)
        batch_op.create_index('ix_assessment_responses_client_instrument', ['client_id', 'instrument', 'administered_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_assessment_responses_enrollment_id'), ['enrollment_id'], unique=False)

    op.create_table('alerts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('response_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('acknowledged_by_id', sa.Integer(), nullable=True),
    sa.Column('acknowledged_at', sa.DateTime(), nullable=True),
    sa.Column('acknowledgement_note', sa.String(length=500), nullable=True),
    sa.Column('escalated_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("(acknowledged_at IS NULL AND acknowledged_by_id IS NULL) OR (acknowledged_at IS NOT NULL AND acknowledged_by_id IS NOT NULL AND acknowledgement_note IS NOT NULL AND acknowledgement_note <> '')", name=op.f('ck_alerts_acknowledgement')),
    sa.CheckConstraint("kind IN ('suicide_risk')", name=op.f('ck_alerts_kind')),
    sa.ForeignKeyConstraint(['acknowledged_by_id'], ['users.id'], name=op.f('fk_alerts_acknowledged_by_id_users')),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_alerts_client_id_clients')),
    sa.ForeignKeyConstraint(['response_id'], ['assessment_responses.id'], name=op.f('fk_alerts_response_id_assessment_responses')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alerts'))
    )
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_alerts_client_id'), ['client_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_alerts_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_alerts_response_id'), ['response_id'], unique=False)



def downgrade():
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_alerts_response_id'))
        batch_op.drop_index(batch_op.f('ix_alerts_created_at'))
        batch_op.drop_index(batch_op.f('ix_alerts_client_id'))

    op.drop_table('alerts')
    with op.batch_alter_table('assessment_responses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assessment_responses_enrollment_id'))
        batch_op.drop_index('ix_assessment_responses_client_instrument')
        batch_op.drop_index(batch_op.f('ix_assessment_responses_client_id'))

    op.drop_table('assessment_responses')
