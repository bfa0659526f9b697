"""The one writer of every workbook tagsvc hands out (exports, reports, error files, the template, the assessment, the
stocktake report): text stays text, and sheet titles are what a spreadsheet accepts. A name typed as
"=HYPERLINK(…)" never runs; an asset number like "ZC[2024]15" or a department "高一:3班" still names its sheet."""
from __future__ import annotations

import re

from openpyxl.cell import WriteOnlyCell

# What a spreadsheet runs as a formula when a cell starts with it.
FORMULA_STARTS = ("=", "+", "-", "@")
# Characters a sheet title may not hold (Excel's rule, which openpyxl enforces by raising), and its length.
_NOT_IN_TITLES = re.compile(r"[\\/?*\[\]:\x00-\x1f]")
MAX_TITLE = 31


def _as_text(cell) -> None:
    if isinstance(cell.value, str) and cell.value.startswith(FORMULA_STARTS):
        cell.data_type = "s"
        cell.quotePrefix = True


def append_row(sheet, values) -> None:
    """Append a row (openpyxl, normal mode) whose texts stay texts."""
    sheet.append(values)
    for cell in sheet[sheet.max_row]:
        _as_text(cell)


def set_cell(sheet, row: int, column: int, value):
    """One cell (normal mode), its text kept as text."""
    cell = sheet.cell(row=row, column=column, value=value)
    _as_text(cell)
    return cell


def write_only_cell(sheet, value):
    """A value for a write-only sheet's append: text as a cell that stays text."""
    if isinstance(value, str):
        cell = WriteOnlyCell(sheet, value=value)
        if value.startswith(FORMULA_STARTS):
            cell.data_type = "s"  # text, never a formula: an export must not run what someone typed into a field
        return cell
    return value


def sheet_title(text: str, book=None, fallback: str = "Sheet") -> str:
    """A title Excel takes: without \\ / ? * [ ] :, not starting or ending with an apostrophe, at most 31 characters,
    and (given the workbook) not one it has already."""
    title = _NOT_IN_TITLES.sub("_", text or "").strip("'").strip()[:MAX_TITLE] or fallback
    if book is not None:
        taken = {sheet.title for sheet in book.worksheets}
        base, n = title, 2
        while title in taken:
            suffix = f" ({n})"
            title, n = base[:MAX_TITLE - len(suffix)] + suffix, n + 1
    return title


def titled_sheet(book, text: str, first: bool = False):
    """The workbook's first sheet (renamed) or a new one, titled from this text."""
    if first:
        sheet = book.active
        sheet.title = sheet_title(text)
        return sheet
    return book.create_sheet(sheet_title(text, book))
