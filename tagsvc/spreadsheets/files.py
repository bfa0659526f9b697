"""The files the import hands back: the error file (the rows that failed, with why) and the template."""
from __future__ import annotations

from pathlib import Path
from typing import IO

from flask_babel import get_locale, gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.datavalidation import DataValidation
from sqlalchemy import select

from tagsvc.assets.display import STATUS_LABELS
from tagsvc.assets.models import AssetStatus
from tagsvc.extensions import db
from tagsvc.spreadsheets.columns import BY_KEY, EXPORT_KEYS
from tagsvc.spreadsheets.cells import append_row
from tagsvc.spreadsheets.importing import Plan
from tagsvc.spreadsheets.reading import Sheet
from tagsvc.structure.models import Category, Department


def forget_upload(folder: Path, token: str) -> None:
    for path in (folder / token, folder / f"{token}.json"):
        path.unlink(missing_ok=True)


def write_error_file(sheet: Sheet, plan: Plan, out: IO[bytes]) -> int:
    """The header and every failed row as the file had them, with a last column of what is wrong. Returns the rows."""
    reasons: dict[int, list[str]] = {}
    for problem in plan.problems:
        reasons.setdefault(problem.row, []).append(f"{problem.column}: {problem.message}" if problem.column else problem.message)
    book = Workbook()
    out_sheet = book.active
    out_sheet.title = _("Rows to fix")
    append_row(out_sheet, list(plan.headers) + [_("Problem")])
    for cell in out_sheet[1]:
        cell.font = Font(bold=True)
    for row_number in sorted(reasons):
        original = sheet.rows[row_number - 1]
        append_row(out_sheet, list(original) + [" ".join(reasons[row_number])])
    out_sheet.freeze_panes = "A2"
    book.save(out)
    return len(reasons)


def write_template(out: IO[bytes]) -> None:
    chinese = str(get_locale() or "zh").startswith("zh")
    book = Workbook()
    sheet = book.active
    sheet.title = _("Register")
    sheet.append([BY_KEY[key].zh if chinese else _(BY_KEY[key].en) for key in EXPORT_KEYS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    lists = book.create_sheet(_("Lists"))
    columns = {
        "department": [d for d in db.session.scalars(select(Department.name).order_by(Department.name))],
        "status": [_(STATUS_LABELS[s]) for s in (AssetStatus.IN_USE, AssetStatus.IDLE, AssetStatus.UNDER_REPAIR, AssetStatus.DAMAGED,
                                                  AssetStatus.LOST, AssetStatus.DISPOSED)],
        "category": [c for c in db.session.scalars(select(Category.full_name).order_by(Category.full_name))],
    }
    for index, (key, values) in enumerate(columns.items(), start=1):
        letter = chr(64 + index)
        lists.cell(row=1, column=index, value=BY_KEY[key].zh if chinese else _(BY_KEY[key].en))
        for row, value in enumerate(values, start=2):
            lists.cell(row=row, column=index, value=value)
        if values:
            target = chr(65 + EXPORT_KEYS.index(key))
            rule = DataValidation(type="list", formula1=f"'{lists.title}'!${letter}$2:${letter}${len(values) + 1}", allow_blank=True)
            rule.error = _("Choose from the list (the office adds new ones in tagsvc).")
            sheet.add_data_validation(rule)
            rule.add(f"{target}2:{target}5000")
    guide = book.create_sheet(_("How to fill it in"))
    for line in (
        _("One row per asset (or per batch: a quantity above 1 makes that many assets, numbered -001, -002, …)."),
        _("The asset number is required and must be unique: a later import finds the asset by it."),
        _("Dates as 2024-09-01; prices in yuan, as numbers."),
        _("Departments, statuses and categories: choose from the lists. A name tagsvc does not know yet is created on import, "
          "after you confirm it in the dry run."),
        _("Places as a path: 教学楼/3F/301. Missing buildings and rooms are created."),
        _("Upload the file on the import page: nothing is written before you have seen the dry run."),
    ):
        guide.append([line])
    guide.column_dimensions["A"].width = 120
    book.save(out)
