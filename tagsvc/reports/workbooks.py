"""The reports as Excel workbooks, with the same rows as their pages."""
from __future__ import annotations

from io import BytesIO

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from tagsvc.assets.display import STATUS_LABELS
from tagsvc.i18n.markers import N_
from tagsvc.spreadsheets.cells import append_row, titled_sheet
from tagsvc.i18n.messages import join_names


def _header(sheet, values) -> None:
    append_row(sheet, values)
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)


def _saved(book: Workbook) -> bytes:
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def summary_xlsx(summary) -> bytes:
    book = Workbook()
    first = True
    for title, lines in ((_("By department"), summary.by_department), (_("By property kind"), summary.by_kind),
                         (_("By category"), summary.by_category), (_("By status"), summary.by_status), (_("By year of acquisition"), summary.by_year)):
        sheet = titled_sheet(book, title, first=first)
        first = False
        _header(sheet, ["", _("Assets"), _("Book value (yuan)")])
        for line in lines:
            append_row(sheet, [line.label, line.count, float(line.value)])
        append_row(sheet, [summary.total.label, summary.total.count, float(summary.total.value)])
        sheet.column_dimensions["A"].width = 36
    if summary.written_off:
        sheet = titled_sheet(book, _("Written off"))
        _header(sheet, ["", _("Assets"), _("Book value (yuan)")])
        append_row(sheet, [summary.written_off.label, summary.written_off.count, float(summary.written_off.value)])
    return _saved(book)


ASSET_COLUMNS = (("asset_number", N_("Asset number")), ("name", N_("Name")), ("model", N_("Model / specification")), ("quantity", N_("Quantity")),
                 ("price", N_("Book value (yuan)")), ("purchase_date", N_("Purchase date")), ("location", N_("Location")),
                 ("custodian_name", N_("Custodian")), ("status", N_("Status")))


def _asset_row(asset) -> list:
    return [asset.asset_number, asset.name, asset.model, asset.quantity, float(asset.price) if asset.price is not None else None,
            asset.purchase_date, asset.location.full_name if asset.location else "", asset.custodian_name, _(STATUS_LABELS[asset.status])]


def department_xlsx(table) -> bytes:
    book = Workbook()
    sheet = titled_sheet(book, table.department.name, first=True)
    append_row(sheet, [_("Assets of %(department)s", department=table.department.name)])
    append_row(sheet, [_("Keeper"), join_names(table.keepers) or "—"])
    _header(sheet, [_(label) for _key, label in ASSET_COLUMNS])
    for asset in table.assets:
        append_row(sheet, _asset_row(asset))
    append_row(sheet, [_("Total"), "", "", table.count, float(table.value)])
    return _saved(book)


def rooms_xlsx(place, rooms) -> bytes:
    book = Workbook()
    sheet = titled_sheet(book, _("Room lists"), first=True)
    append_row(sheet, [_("What should be in each room: %(place)s", place=place.full_name)])
    _header(sheet, [_("Room")] + [_(label) for key, label in ASSET_COLUMNS if key != "location"])
    for room in rooms:
        for asset in room.assets:
            row = _asset_row(asset)
            del row[6]
            append_row(sheet, [room.location.full_name] + row)
    return _saved(book)


def card_xlsx(card) -> bytes:
    """The asset card: its facts, then its history, a line each."""
    from tagsvc.ledger.display import ACTION_LABELS

    asset = card.asset
    book = Workbook()
    sheet = titled_sheet(book, asset.asset_number, first=True)
    facts = [(_("Asset number"), asset.asset_number), (_("Name"), asset.name),
             (_("Category"), asset.category.full_name if asset.category else ""), (_("Brand"), asset.brand), (_("Model / specification"), asset.model),
             (_("Serial number"), asset.serial_number), (_("Quantity"), asset.quantity),
             (_("Price"), float(asset.price) if asset.price is not None else None), (_("Purchase date"), asset.purchase_date),
             (_("Supplier"), asset.supplier), (_("Invoice number"), asset.invoice_number),
             (_("Department"), asset.department.name if asset.department else ""), (_("Location"), asset.location.full_name if asset.location else ""),
             (_("Custodian"), asset.custodian_name), (_("Status"), _(STATUS_LABELS[asset.status]))]
    for label, value in facts:
        append_row(sheet, [label, value])
    append_row(sheet, [])
    _header(sheet, [_("When"), _("What"), _("Who"), _("Note")])
    for event in card.events:
        append_row(sheet, [event.at.replace(tzinfo=None), _(ACTION_LABELS[event.action]), event.actor_name, event.note_words])
    sheet.column_dimensions["A"].width = 22
    sheet.column_dimensions["B"].width = 36
    return _saved(book)
