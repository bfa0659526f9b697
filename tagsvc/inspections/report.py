"""An inspection plan's record for a month as an Excel workbook: one row a checked line, as the screen shows it."""
from __future__ import annotations

from io import BytesIO

from flask_babel import gettext as _
from flask_babel import to_user_timezone

from tagsvc.spreadsheets.cells import append_row, titled_sheet


def record_xlsx(record, report_status_words) -> bytes:
    """`report_status_words(report)`: what became of a failure's damage report, in the reader's language."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = titled_sheet(book, f"{record.month:%Y-%m}", first=True)
    append_row(sheet, [_("Inspection record"), record.plan.name, f"{record.month:%Y-%m}"])
    sheet["A1"].font = Font(bold=True)
    append_row(sheet, [])
    headers = [_("Period"), _("Item or room"), _("Number or place"), _("Checklist line"), _("Result"), _("Note"), _("Checked by"),
               _("Checked at"), _("Damage report"), _("What became of it")]
    append_row(sheet, headers)
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    reports = {result.id: report for result, report in record.failures}
    for recorded in record.rounds:
        period = f"{recorded.period[0]:%Y-%m-%d}" + ("" if recorded.period[0] == recorded.period[1] else f" – {recorded.period[1]:%Y-%m-%d}")
        if not recorded.checked:
            append_row(sheet, [period, _("Not walked"), "", "", "", "", "", "", "", ""])
            continue
        for target, results in recorded.rows:
            for result in results.values():
                report = reports.get(result.id)
                append_row(sheet, [period, target.name, target.number, result.line_text, _("Pass") if result.passed else _("Fail"), result.note,
                                   result.recorded_by_name, f"{to_user_timezone(result.checked_at):%Y-%m-%d %H:%M}",
                                   f"#{report.id}" if report else "", report_status_words(report) if report else ""])
    for column, width in enumerate((24, 20, 24, 28, 8, 28, 14, 18, 12, 18), start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width
    out = BytesIO()
    book.save(out)
    return out.getvalue()
