"""family portal: consents, invitations, observations; family safety alerts

Revision ID: 0007_family
Revises: 0004_outbox_notifications
Create Date: 2026-12-03 12:23:08.827833

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0007_family"
down_revision = "0006_reviews"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "family_consents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("recipient_name", sa.String(length=120), nullable=False),
        sa.Column("relationship", sa.String(length=20), nullable=False),
        sa.Column("recipient_email", sa.String(length=254), nullable=False),
        sa.Column("purpose", sa.String(length=300), nullable=False),
        sa.Column("scope_observations", sa.Boolean(), nullable=False),
        sa.Column("scope_attendance_summary", sa.Boolean(), nullable=False),
        sa.Column("granted_on", sa.Date(), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=False),
        sa.Column("signature_on_file", sa.Boolean(), nullable=False),
        sa.Column("signed_on", sa.Date(), nullable=True),
        sa.Column("recorded_by_id", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("family_user_id", sa.Integer(), nullable=True),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.Column("revoked_by_id", sa.Integer(), nullable=True),
        sa.Column("revoke_reason", sa.String(length=300), nullable=True),
        sa.CheckConstraint(
            "(revoked_at IS NULL AND revoked_by_id IS NULL AND revoke_reason IS NULL) OR (revoked_at IS NOT NULL AND revoked_by_id IS NOT NULL AND revoke_reason <> '')",
            name=op.f("ck_family_consents_revocation"),
        ),
        sa.CheckConstraint("expires_on > granted_on", name=op.f("ck_family_consents_expires_after_granted")),
        sa.CheckConstraint(
            "signature_on_file OR signed_on IS NULL",
            name=op.f("ck_family_consents_signed_on_needs_signature"),
        ),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name=op.f("fk_family_consents_client_id_clients")
        ),
        sa.ForeignKeyConstraint(
            ["family_user_id"], ["users.id"], name=op.f("fk_family_consents_family_user_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["users.id"], name=op.f("fk_family_consents_recorded_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["revoked_by_id"], ["users.id"], name=op.f("fk_family_consents_revoked_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_family_consents")),
    )
    with op.batch_alter_table("family_consents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_family_consents_client_id"), ["client_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_family_consents_family_user_id"), ["family_user_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_family_consents_recipient_email"), ["recipient_email"], unique=False
        )

    op.create_table(
        "family_invitations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("consent_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("accepted_at", sa.DateTime(), nullable=True),
        sa.Column("accepted_by_id", sa.Integer(), nullable=True),
        sa.Column("withdrawn_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["accepted_by_id"], ["users.id"], name=op.f("fk_family_invitations_accepted_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["consent_id"],
            ["family_consents.id"],
            name=op.f("fk_family_invitations_consent_id_family_consents"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_family_invitations_created_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_family_invitations")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_family_invitations_token_hash")),
    )
    with op.batch_alter_table("family_invitations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_family_invitations_consent_id"), ["consent_id"], unique=False)

    op.create_table(
        "family_observations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("consent_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("week_start", sa.Date(), nullable=False),
        sa.Column("observed_on", sa.Date(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(), nullable=False),
        sa.Column("mood", sa.SmallInteger(), nullable=False),
        sa.Column("communication", sa.SmallInteger(), nullable=False),
        sa.Column("conflict", sa.SmallInteger(), nullable=False),
        sa.Column("sleep", sa.SmallInteger(), nullable=False),
        sa.Column("participation", sa.SmallInteger(), nullable=False),
        sa.Column("concern_safety", sa.Boolean(), nullable=False),
        sa.Column("concern_substance_use", sa.Boolean(), nullable=False),
        sa.Column("concern_missed_medication", sa.Boolean(), nullable=False),
        sa.Column("concern_withdrawal", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("submission_key", sa.String(length=64), nullable=False),
        sa.Column("corrects_id", sa.Integer(), nullable=True),
        sa.Column("superseded_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "communication BETWEEN 1 AND 5", name=op.f("ck_family_observations_communication_range")
        ),
        sa.CheckConstraint("conflict BETWEEN 1 AND 5", name=op.f("ck_family_observations_conflict_range")),
        sa.CheckConstraint("mood BETWEEN 1 AND 5", name=op.f("ck_family_observations_mood_range")),
        sa.CheckConstraint(
            "participation BETWEEN 1 AND 5", name=op.f("ck_family_observations_participation_range")
        ),
        sa.CheckConstraint("sleep BETWEEN 1 AND 5", name=op.f("ck_family_observations_sleep_range")),
        sa.CheckConstraint(
            "superseded_by_id IS NULL OR superseded_by_id <> id",
            name=op.f("ck_family_observations_not_self_superseded"),
        ),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_family_observations_author_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name=op.f("fk_family_observations_client_id_clients")
        ),
        sa.ForeignKeyConstraint(
            ["consent_id"],
            ["family_consents.id"],
            name=op.f("fk_family_observations_consent_id_family_consents"),
        ),
        sa.ForeignKeyConstraint(
            ["corrects_id"],
            ["family_observations.id"],
            name=op.f("fk_family_observations_corrects_id_family_observations"),
        ),
        sa.ForeignKeyConstraint(
            ["superseded_by_id"],
            ["family_observations.id"],
            name=op.f("fk_family_observations_superseded_by_id_family_observations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_family_observations")),
        sa.UniqueConstraint("submission_key", name=op.f("uq_family_observations_submission_key")),
    )
    with op.batch_alter_table("family_observations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_family_observations_author_id"), ["author_id"], unique=False)
        batch_op.create_index("ix_family_observations_client_day", ["client_id", "observed_on"], unique=False)
        batch_op.create_index(batch_op.f("ix_family_observations_consent_id"), ["consent_id"], unique=False)

    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("observation_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_alerts_observation_id"), ["observation_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_alerts_observation_id_family_observations"),
            "family_observations",
            ["observation_id"],
            ["id"],
        )
        # Widened in batch mode so SQLite (which cannot alter a CHECK) rebuilds the table.
        batch_op.drop_constraint(batch_op.f("ck_alerts_kind"), type_="check")
        batch_op.create_check_constraint(
            batch_op.f("ck_alerts_kind"), "kind IN ('suicide_risk', 'family_safety')"
        )


def downgrade():
    op.execute("DELETE FROM alerts WHERE kind = 'family_safety'")
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_alerts_kind"), type_="check")
        batch_op.create_check_constraint(batch_op.f("ck_alerts_kind"), "kind IN ('suicide_risk')")
        batch_op.drop_constraint(
            batch_op.f("fk_alerts_observation_id_family_observations"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_alerts_observation_id"))
        batch_op.drop_column("observation_id")

    with op.batch_alter_table("family_observations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_family_observations_consent_id"))
        batch_op.drop_index("ix_family_observations_client_day")
        batch_op.drop_index(batch_op.f("ix_family_observations_author_id"))

    op.drop_table("family_observations")
    with op.batch_alter_table("family_invitations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_family_invitations_consent_id"))

    op.drop_table("family_invitations")
    with op.batch_alter_table("family_consents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_family_consents_recipient_email"))
        batch_op.drop_index(batch_op.f("ix_family_consents_family_user_id"))
        batch_op.drop_index(batch_op.f("ix_family_consents_client_id"))

    op.drop_table("family_consents")
