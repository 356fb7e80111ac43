"""audit chain head in one round trip: a PostgreSQL function that takes the chain's lock, then reads its head

Every audited change took the chain's transaction lock and then read the head in a second statement (the
head must be read after the lock, in a snapshot taken once it is held). A VOLATILE PL/pgSQL function runs
each of its queries in a fresh snapshot under READ COMMITTED, so both happen in one statement with the same
guarantee. SQLite keeps its two statements (its write lock is taken by a write).

Revision ID: 0020_audit_chain_head
Revises: 0019_log_submission_keys
Create Date: 2026-12-07 23:20:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0020_audit_chain_head'
down_revision = '0019_log_submission_keys'
branch_labels = None
depends_on = None

CREATE = """
CREATE FUNCTION audit_chain_head(lock_key bigint) RETURNS varchar
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    head varchar;
BEGIN
    PERFORM pg_advisory_xact_lock(lock_key);
    -- A new statement, so a new snapshot: it sees a head committed while this transaction waited.
    -- EXECUTE plans the read on each call: a plan kept by the connection would be the one chosen when
    -- the trail was small (a fresh install: a scan of the whole table), and grow slower with the trail.
    EXECUTE 'SELECT hash FROM audit_events ORDER BY id DESC LIMIT 1' INTO head;
    RETURN head;
END
$$
"""


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(CREATE)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION audit_chain_head(bigint)")
