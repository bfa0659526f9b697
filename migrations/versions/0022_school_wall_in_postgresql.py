"""the second wall between schools, in PostgreSQL: row-level security keyed on the transaction's school, and a role
the application's queries run as that the policies hold for (a superuser or a table's owner would pass them)

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-06
"""
from alembic import op


revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None

SCHOOL_TABLES = [
    'api_token', 'asset', 'asset_hold', 'category', 'channel', 'channel_message', 'damage_liability', 'damage_report',
    'delivery', 'department', 'disposal', 'disposal_item', 'disposal_photo', 'document_counter', 'handout', 'handout_item',
    'import_column_memory', 'import_run', 'label_batch', 'ledger_event', 'location', 'notice', 'print_job',
    'printer_offset', 'report_addition', 'report_photo', 'stocktake', 'stocktake_device', 'stocktake_finding',
    'stocktake_item', 'stocktake_participant', 'stocktake_scan', 'tag', 'transfer', 'transfer_item', 'user_account',
]
APP_ROLE = 'tagsvc_app'
# The transaction's school, set by the application (tagsvc.schools.wall) with set_config('tagsvc.school', id, true).
# Empty (none chosen: a command, a worker before it has read its job, the education bureau) reads every school.
THIS_SCHOOL = "nullif(current_setting('tagsvc.school', true), '')::int"
POLICY = f"{THIS_SCHOOL} IS NULL OR school_id = {THIS_SCHOOL}"


def upgrade() -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return  # SQLite has no such policies: an installation for one school, the first wall alone
    op.execute(f"""
        DO $$ BEGIN
            IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN
                CREATE ROLE {APP_ROLE} NOLOGIN NOSUPERUSER NOBYPASSRLS;
            END IF;
        END $$""")
    op.execute(f"GRANT {APP_ROLE} TO CURRENT_USER")  # so that the app's connections may SET ROLE to it
    op.execute(f"GRANT USAGE ON SCHEMA public TO {APP_ROLE}")
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {APP_ROLE}")
    op.execute(f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {APP_ROLE}")
    # Tables and sequences later migrations make, made by the same user, are the app's to use as well.
    op.execute(f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {APP_ROLE}")
    op.execute(f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO {APP_ROLE}")
    for table in SCHOOL_TABLES:
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY school_wall ON {table} USING ({POLICY}) WITH CHECK ({POLICY})")


def downgrade() -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return
    for table in SCHOOL_TABLES:
        op.execute(f"DROP POLICY IF EXISTS school_wall ON {table}")
        op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
