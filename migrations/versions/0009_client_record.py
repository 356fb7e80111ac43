"""client record (preferred name, MRN, contacts, payer and authorization) and medication route / PRN

Revision ID: 0009_client_record
Revises: 0006_reviews
Create Date: 2026-12-03 12:22:26.312291

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0009_client_record"
down_revision = "0008_audit_keys_throttle"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("clients", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("preferred_name", sa.String(length=80), server_default="", nullable=False)
        )
        batch_op.add_column(sa.Column("mrn", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("phone", sa.String(length=40), server_default="", nullable=False))
        batch_op.add_column(sa.Column("email", sa.String(length=254), server_default="", nullable=False))
        batch_op.add_column(
            sa.Column("emergency_contact_name", sa.String(length=120), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column("emergency_contact_phone", sa.String(length=40), server_default="", nullable=False)
        )
        batch_op.add_column(sa.Column("payer", sa.String(length=120), server_default="", nullable=False))
        batch_op.add_column(
            sa.Column("authorization_number", sa.String(length=64), server_default="", nullable=False)
        )
        batch_op.add_column(sa.Column("authorization_start", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("authorization_end", sa.Date(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_clients_program_id_mrn"), ["program_id", "mrn"])
        batch_op.create_check_constraint(
            op.f("ck_clients_authorization_dates"),
            "authorization_end IS NULL OR authorization_start IS NULL OR authorization_end >= authorization_start",
        )

    with op.batch_alter_table("medications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("route", sa.String(length=16), server_default="oral", nullable=False))
        batch_op.add_column(sa.Column("as_needed", sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table("medications", schema=None) as batch_op:
        batch_op.drop_column("as_needed")
        batch_op.drop_column("route")

    with op.batch_alter_table("clients", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_clients_authorization_dates"), type_="check")
        batch_op.drop_constraint(batch_op.f("uq_clients_program_id_mrn"), type_="unique")
        batch_op.drop_column("authorization_end")
        batch_op.drop_column("authorization_start")
        batch_op.drop_column("authorization_number")
        batch_op.drop_column("payer")
        batch_op.drop_column("emergency_contact_phone")
        batch_op.drop_column("emergency_contact_name")
        batch_op.drop_column("email")
        batch_op.drop_column("phone")
        batch_op.drop_column("mrn")
        batch_op.drop_column("preferred_name")
