"""The register (or any filtered part of it) as .xlsx, with the headers the import reads: exporting and importing the
file again changes nothing. Rows are read and written a thousand at a time (openpyxl's write-only mode, a temporary
file), so 100,000 assets never sit in memory at once. A cell a spreadsheet would run as a formula (starting with
= + - @) is written as text."""
from __future__ import annotations

import tempfile
from typing import IO

from flask_babel import get_locale, gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from sqlalchemy import select
from sqlalchemy.orm import aliased

from tagsvc.accounts.permissions import require_signed_in
from tagsvc.assets.display import STATUS_LABELS
from tagsvc.assets.models import Asset
from tagsvc.assets.services import AssetQuery, filtered_assets
from tagsvc.extensions import db
from tagsvc.spreadsheets.cells import write_only_cell
from tagsvc.spreadsheets.columns import BY_KEY, EXPORT_KEYS
from tagsvc.structure.models import Category, Department, Location



def export_headers() -> list[str]:
    chinese = str(get_locale() or "zh").startswith("zh")
    return [BY_KEY[key].zh if chinese else _(BY_KEY[key].en) for key in EXPORT_KEYS]


def export_register(actor, query: AssetQuery, out: IO[bytes]) -> int:
    """Write the assets the query finds (as the register's list would show them to this person) to `out` as .xlsx.
    Returns how many rows were written."""
    require_signed_in(actor)
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("Assets"))
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for text in export_headers():
        cell = WriteOnlyCell(sheet, value=text)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    statuses = {status: _(label) for status, label in STATUS_LABELS.items()}
    assets = filtered_assets(actor, query).subquery()
    row = aliased(Asset, assets)
    statement = (select(row.asset_number, row.name, Category.full_name, row.model, row.brand, row.quantity, row.price, row.purchase_date,
                        Department.name, Location.full_name, row.custodian_name, row.status, row.supplier, row.invoice_number,
                        row.serial_number, row.notes)
                 .outerjoin(Category, Category.id == row.category_id).outerjoin(Department, Department.id == row.department_id)
                 .outerjoin(Location, Location.id == row.location_id).order_by(row.asset_number))
    written = 0
    for values in db.session.execute(statement.execution_options(yield_per=1000)):
        (number, name, category, model, brand, quantity, price, bought, department, location, custodian, status, supplier, invoice,
         serial, notes) = values
        by_key = {"asset_number": number, "name": name, "category": category, "model": model, "brand": brand, "quantity": quantity,
                  "price": float(price) if price is not None else None, "purchase_date": bought, "department": department, "location": location,
                  "custodian": custodian, "status": statuses[status], "supplier": supplier, "invoice_number": invoice,
                  "serial_number": serial, "notes": notes}
        sheet.append([write_only_cell(sheet, by_key[key]) for key in EXPORT_KEYS])
        written += 1
    with tempfile.TemporaryFile() as scratch:  # openpyxl writes the sheet out as it goes
        book.save(scratch)
        scratch.seek(0)
        while chunk := scratch.read(1024 * 1024):
            out.write(chunk)
    return written


