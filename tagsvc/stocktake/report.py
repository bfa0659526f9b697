"""The reconciliation report (盘点报告) as an Excel workbook: the totals, then one sheet per kind of difference."""
from __future__ import annotations

from io import BytesIO

from flask_babel import gettext as _

from tagsvc.stocktake.display import FINDING_KIND_LABELS, RESOLUTION_LABELS, movement_note
from tagsvc.structure.display import ASSET_KIND_LABELS

from tagsvc.spreadsheets.cells import append_row as _append, titled_sheet


def _place(location) -> str:
    return location.full_name if location is not None else "—"


def _resolution(thing) -> str:
    if thing.resolution is None:
        return ""
    return _(RESOLUTION_LABELS[thing.resolution]) + (f": {thing.resolution_note}" if thing.resolution_note else "")


def reconciliation_workbook(report):
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    stocktake = report.stocktake
    workbook = Workbook()
    summary = titled_sheet(workbook, _("Summary"), first=True)
    _append(summary, [_("Stocktake report"), stocktake.name])
    summary["A1"].font = Font(bold=True)
    _append(summary, [_("Scope"), stocktake.scope_words])
    _append(summary, [_("Opened"), f"{stocktake.opened_at:%Y-%m-%d}", stocktake.opened_by_name])
    _append(summary, [_("Closed"), f"{stocktake.closed_at:%Y-%m-%d}" if stocktake.closed_at else _("still open")])
    _append(summary, [_("Match rate"), round(report.match_rate, 4)])
    summary["B5"].number_format = "0.0%"
    _append(summary, [])
    headers = [_("Department"), _("Property kind"), _("Expected"), _("Expected value (yuan)"), _("Found"), _("Found value (yuan)"),
               _("Misplaced"), _("Missing"), _("Missing value (yuan)")]
    _append(summary, headers)
    for cell in summary[summary.max_row]:
        cell.font = Font(bold=True)
    for (department, kind), t in list(report.totals.items()) + [((_("Total"), None), report.total)]:
        _append(summary, [department, _(ASSET_KIND_LABELS[kind]) if kind else "", t.expected, t.expected_value, t.found, t.found_value,
                          t.misplaced, t.missing, t.missing_value])
    _append(summary, [])
    _append(summary, [_("Surplus (found, not on the list)"), len(report.surplus)])
    _append(summary, [_("Accounted for by a loan, handover or transfer"), len(report.accounted)])
    _append(summary, [_("Disposed of while open (off the list)"), len(report.left)])
    for column, width in enumerate((22, 18, 10, 18, 10, 18, 10, 10, 18), start=1):
        summary.column_dimensions[get_column_letter(column)].width = width

    item_headers = [_("Asset number"), _("Name"), _("Department"), _("Booked in"), _("Found in"), _("Found by"), _("Book value (yuan)"),
                    _("Decision")]
    for title, items in ((_("Misplaced"), report.misplaced), (_("Missing"), report.missing)):
        sheet = titled_sheet(workbook, title)
        _append(sheet, item_headers)
        for item in items:
            _append(sheet, [item.asset_number, item.name, item.expected_department.name if item.expected_department else "—",
                            _place(item.expected_location), _place(item.confirmed_location), item.confirmed_by_name, item.price,
                            _resolution(item)])
    sheet = titled_sheet(workbook, _("Moved while open"))
    _append(sheet, [_("Asset number"), _("Name"), _("Department"), _("What happened")])
    for item in report.accounted + report.left + report.followed:
        _append(sheet, [item.asset_number, item.name, item.expected_department.name if item.expected_department else "—", movement_note(item)])
    sheet = titled_sheet(workbook, _("Surplus"))
    _append(sheet, [_("What"), _("Kind"), _("Code"), _("Found in"), _("Found by"), _("Note"), _("Decision")])
    for finding in report.surplus:
        _append(sheet, [finding.name, _(FINDING_KIND_LABELS[finding.kind]), finding.code, _place(finding.location),
                        finding.recorded_by_name, finding.note, _resolution(finding)])
    sheet = titled_sheet(workbook, _("Condition changes"))
    _append(sheet, [_("Asset number"), _("Name"), _("Before"), _("Seen")])
    for item in report.condition_changes:
        _append(sheet, [item.asset_number, item.name, item.condition_before.value, item.condition_seen.value])
    for sheet in workbook.worksheets[1:]:
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for column in range(1, sheet.max_column + 1):
            sheet.column_dimensions[get_column_letter(column)].width = 20
        sheet.freeze_panes = "A2"
    return workbook


def reconciliation_xlsx(report) -> bytes:
    out = BytesIO()
    reconciliation_workbook(report).save(out)
    return out.getvalue()
