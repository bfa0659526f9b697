"""the second wall reads the transaction's school once per statement, not once per row

The policies of 0022 and 0024 called current_setting() for every row they looked at: a school's search through its
10,000 assets spent 11 of its 18 ms there. As a scalar subquery the setting is an InitPlan, read once, and a plain
parameter to the planner.

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-06
"""
from alembic import op


revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None

SCHOOL_TABLES = [
    'api_token', 'asset', 'asset_hold', 'category', 'channel', 'channel_message', 'damage_liability', 'damage_report',
    'delivery', 'department', 'disposal', 'disposal_item', 'disposal_photo', 'document_counter', 'handout', 'handout_item',
    'import_column_memory', 'import_run', 'label_batch', 'ledger_event', 'location', 'notice', 'print_job',
    'printer_offset', 'report_addition', 'report_photo', 'stocktake', 'stocktake_device', 'stocktake_finding',
    'stocktake_item', 'stocktake_participant', 'stocktake_scan', 'tag', 'transfer', 'transfer_item', 'user_account',
]
BETWEEN_TABLES = ['school_transfer', 'school_transfer_item']


def _policies(this_school: str) -> dict[str, str]:
    own = f"{this_school} IS NULL OR school_id = {this_school}"
    between = f"{this_school} IS NULL OR from_school_id = {this_school} OR to_school_id = {this_school}"
    return {**{table: own for table in SCHOOL_TABLES}, **{table: between for table in BETWEEN_TABLES}}


def _set(this_school: str) -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return
    for table, policy in _policies(this_school).items():
        op.execute(f"ALTER POLICY school_wall ON {table} USING ({policy}) WITH CHECK ({policy})")


def upgrade() -> None:
    _set("(SELECT nullif(current_setting('tagsvc.school', true), '')::int)")


def downgrade() -> None:
    _set("nullif(current_setting('tagsvc.school', true), '')::int")
