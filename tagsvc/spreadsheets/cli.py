"""The import and the export from the command line: large files and scripted onboarding."""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sqlalchemy import select

from tagsvc.accounts.models import Role, User
from tagsvc.errors import NotFoundError
from tagsvc.extensions import db
from tagsvc.spreadsheets.importing import Options, Plan, commit_import, plan_import
from tagsvc.spreadsheets.reading import read_sheet


def _office_account(username: str | None) -> User:
    query = select(User).where(User.role == Role.ADMIN, User.active.is_(True))
    user = db.session.scalar(query.where(User.username == username) if username else query.order_by(User.id))
    if user is None:
        raise NotFoundError(f"No active office account {username or ''}: create one with `tagsvc create-admin`.")
    return user


def describe(plan: Plan) -> list[str]:
    lines = [f"Rows read: {plan.rows:,} (header on row {plan.header_row + 1})",
             f"Would create: {plan.asset_count:,} assets from {len(plan.creates):,} rows",
             f"Would update: {len(plan.updates):,}", f"Would skip (already in the register): {len(plan.skipped):,}",
             f"Rows with problems: {len(plan.failed_rows):,}"]
    for kind in ("department", "location", "category"):
        if plan.new_names[kind]:
            lines.append(f"New {kind}s: " + ", ".join(sorted(plan.new_names[kind])))
    if plan.ignored_headers:
        lines.append("Columns not kept: " + ", ".join(plan.ignored_headers))
    lines += [f"  row {p.row}, {p.column or '—'}: {p.message}" for p in plan.problems]
    return lines


def run_import(path: Path, dry_run: bool, existing: str, valid_rows_only: bool, username: str | None, echo: Callable) -> int:
    """0: written (or a clean dry run); 1: nothing written because of problems."""
    actor = _office_account(username)
    plan = plan_import(read_sheet(path.read_bytes(), path.name), Options(existing=existing, valid_rows_only=valid_rows_only))
    for line in describe(plan):
        echo(line)
    if dry_run:
        return 1 if plan.problems and not valid_rows_only else 0
    if plan.problems and not valid_rows_only:
        echo("Nothing was imported: fix the rows above, or run again with --valid-rows-only.")
        return 1
    if not plan.creates and not plan.updates:
        echo("Nothing new to import: every row is in the register already (or has a problem).")
        return 0
    run = commit_import(actor, plan, path.name)
    echo(f"Import #{run.id}: created {run.created:,}, updated {run.updated:,}, skipped {run.skipped:,}, rows with problems {run.failed:,}.")
    return 0


def run_export(file: str) -> int:
    from tagsvc.assets.services import AssetQuery
    from tagsvc.spreadsheets.exporting import export_register

    with open(file, "wb") as out:
        return export_register(_office_account(None), AssetQuery(include_disposed=True), out)
