"""the second wall as a CASE the planner estimates right; a school's newest ledger lines by an index

The policies read "no school chosen, or this school": PostgreSQL takes such an OR for a filter that keeps 1.6 % of a
school's rows in a district of 100 schools (0.5 % for the unknown IS NULL, 1 % for one school of a hundred), on top
of the application's own school filter. With a school's 10,000 assets expected as 162 the planner sorted whole
tables where it should have read ten rows from an index: the office's start page took 45 ms in the district against
28 ms for one school. A CASE on the chosen school keeps the same rows and is taken to keep half of them.

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-06
"""
from alembic import op


revision = '0032'
down_revision = '0031'
branch_labels = None
depends_on = None

THIS_SCHOOL = "(SELECT nullif(current_setting('tagsvc.school', true), '')::int)"
BETWEEN_TABLES = ['school_transfer', 'school_transfer_item']


def _walled_tables() -> list[str]:
    """Every table with the wall, as migrations 0022, 0024 and 0029 made it (one school's, or between two)."""
    rows = op.get_bind().exec_driver_sql("SELECT tablename FROM pg_policies WHERE policyname = 'school_wall' ORDER BY tablename")
    return [row[0] for row in rows]


def _set(own: str, between: str) -> None:
    for table in _walled_tables():
        policy = between if table in BETWEEN_TABLES else own
        op.execute(f"ALTER POLICY school_wall ON {table} USING ({policy}) WITH CHECK ({policy})")


def upgrade() -> None:
    op.create_index('ix_ledger_event_school_at', 'ledger_event', ['school_id', 'at', 'id'])
    if op.get_bind().dialect.name != 'postgresql':
        return
    _set(f"CASE WHEN {THIS_SCHOOL} IS NULL THEN true ELSE school_id = {THIS_SCHOOL} END",
         f"CASE WHEN {THIS_SCHOOL} IS NULL THEN true ELSE from_school_id = {THIS_SCHOOL} OR to_school_id = {THIS_SCHOOL} END")


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        _set(f"{THIS_SCHOOL} IS NULL OR school_id = {THIS_SCHOOL}",
             f"{THIS_SCHOOL} IS NULL OR from_school_id = {THIS_SCHOOL} OR to_school_id = {THIS_SCHOOL}")
    op.drop_index('ix_ledger_event_school_at', table_name='ledger_event')
