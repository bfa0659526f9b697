"""The district page as an Excel workbook: the schools, and the categories across the district."""
from __future__ import annotations

from flask_babel import gettext as _
from openpyxl import Workbook

from tagsvc.reports.workbooks import _header, _saved
from tagsvc.spreadsheets.cells import append_row, titled_sheet
from tagsvc.structure.display import ASSET_KIND_LABELS


def district_xlsx(overview) -> bytes:
    book = Workbook()
    sheet = titled_sheet(book, _("Schools"), first=True)
    kinds = list(ASSET_KIND_LABELS)
    per_kind = [(_(ASSET_KIND_LABELS[k]), label) for k in kinds for label in (_("Assets"), _("Book value (yuan)"))]
    _header(sheet, [_("School code"), _("School"), _("Assets"), _("Book value (yuan)"), *[f"{kind} · {label}" for kind, label in per_kind],
                    _("Open repairs"), _("Overdue loans"), _("Latest stocktake closed"), _("Match rate"),
                    _("Written off in %(year)d: assets", year=overview.year), _("Written off in %(year)d: book value (yuan)", year=overview.year),
                    _("Inspection rounds due (last 30 days)"), _("Done on time")])
    for row in overview.schools:
        total = row.total
        append_row(sheet, [row.school.code, row.school.name, total.count, float(total.value),
                           *[x for k in kinds for x in (row.by_kind[k].count, float(row.by_kind[k].value))],
                           row.open_repairs, row.overdue_loans, row.stocktake_closed_on.date() if row.stocktake_closed_on else "",
                           round(row.match_rate, 4) if row.match_rate is not None else "", row.written_off.count, float(row.written_off.value),
                           row.rounds_due, row.rounds_on_time])
    sheet.column_dimensions["B"].width = 24
    sheet = titled_sheet(book, _("Categories"))
    _header(sheet, [_("Category"), _("Assets"), _("Book value (yuan)")])
    for name, figures in overview.categories:
        append_row(sheet, [name, figures.count, float(figures.value)])
    append_row(sheet, [_("The whole district"), overview.total.count, float(overview.total.value)])
    sheet.column_dimensions["A"].width = 30
    return _saved(book)
