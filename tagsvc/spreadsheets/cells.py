"""Cells tagsvc writes into the workbooks it hands out (exports, reports, error files): text stays text."""
from __future__ import annotations

# What a spreadsheet runs as a formula when a cell starts with it: a name typed as "=HYPERLINK(…)" must not run.
FORMULA_STARTS = ("=", "+", "-", "@")


def append_row(sheet, values) -> None:
    """Append a row (openpyxl, normal mode) whose texts stay texts."""
    sheet.append(values)
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str) and cell.value.startswith(FORMULA_STARTS):
            cell.data_type = "s"
            cell.quotePrefix = True
