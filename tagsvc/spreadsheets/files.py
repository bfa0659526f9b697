"""The files the import hands back: the error file (the rows that failed, with why) and the template."""
from __future__ import annotations

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
from tagsvc.spreadsheets.cells import append_row, set_cell, titled_sheet
from tagsvc.spreadsheets.importing import Plan
from tagsvc.spreadsheets.reading import Sheet
from tagsvc.structure.models import Category, Department


def forget_upload(token: str) -> None:
    """An upload whose import has started (the run keeps its own copy of the rows)."""
    from tagsvc.storage import storage

    for name in (f"{token}.rows.json", f"{token}.json"):
        storage().delete("imports", name)


def write_error_file(sheet: Sheet, plan: Plan, out: IO[bytes]) -> int:
    """The header and every failed row as the file had them, with a last column of what is wrong. Returns the rows."""
    reasons: dict[int, list[str]] = {}
    for problem in plan.problems:
        reasons.setdefault(problem.row, []).append(f"{problem.column}: {problem.message}" if problem.column else problem.message)
    book = Workbook()
    out_sheet = titled_sheet(book, _("Rows to fix"), first=True)
    append_row(out_sheet, list(plan.headers) + [_("Problem")])
    for cell in out_sheet[1]:
        cell.font = Font(bold=True)
    for row_number in sorted(reasons):
        original = list(sheet.rows[row_number - 1])
        original += [""] * (len(plan.headers) - len(original))  # rows are kept up to their last filled cell: the problem column lines up
        append_row(out_sheet, original + [" ".join(reasons[row_number])])
    out_sheet.freeze_panes = "A2"
    book.save(out)
    return len(reasons)


def write_template(out: IO[bytes]) -> None:
    chinese = str(get_locale() or "zh").startswith("zh")
    book = Workbook()
    sheet = titled_sheet(book, _("Register"), first=True)
    append_row(sheet, [BY_KEY[key].zh if chinese else _(BY_KEY[key].en) for key in EXPORT_KEYS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    lists = titled_sheet(book, _("Lists"))
    columns = {
        "department": [d for d in db.session.scalars(select(Department.name).order_by(Department.name))],
        "status": [_(STATUS_LABELS[s]) for s in (AssetStatus.IN_USE, AssetStatus.IDLE, AssetStatus.UNDER_REPAIR, AssetStatus.DAMAGED,
                                                  AssetStatus.LOST, AssetStatus.DISPOSED)],
        "category": [c for c in db.session.scalars(select(Category.full_name).order_by(Category.full_name))],
    }
    for index, (key, values) in enumerate(columns.items(), start=1):
        letter = chr(64 + index)
        set_cell(lists, 1, index, BY_KEY[key].zh if chinese else _(BY_KEY[key].en))
        for row, value in enumerate(values, start=2):
            set_cell(lists, row, index, value)  # a department named "=HYPERLINK(…)" is text in the list too
        if values:
            target = chr(65 + EXPORT_KEYS.index(key))
            rule = DataValidation(type="list", formula1=f"'{lists.title}'!${letter}$2:${letter}${len(values) + 1}", allow_blank=True)
            rule.error = _("Choose from the list (the office adds new ones in tagsvc).")
            sheet.add_data_validation(rule)
            rule.add(f"{target}2:{target}5000")
    guide = titled_sheet(book, _("How to fill it in"))
    for line in (
        _("One row per asset (or per batch: a quantity above 1 makes that many assets, numbered -001, -002, …)."),
        _("The asset number is required and must be unique: a later import finds the asset by it."),
        _("Dates as 2024-09-01; prices in yuan, as numbers."),
        _("Departments, statuses and categories: choose from the lists. A name tagsvc does not know yet is created on import, "
          "after you confirm it in the dry run."),
        _("Places as a path: 教学楼/3F/301. Missing buildings and rooms are created."),
        _("Upload the file on the import page: nothing is written before you have seen the dry run."),
    ):
        append_row(guide, [line])
    guide.column_dimensions["A"].width = 120
    book.save(out)
