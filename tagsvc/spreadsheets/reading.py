"""Reading the file a school brings: .xlsx, the older .xls finance systems export, .ods, or CSV (UTF-8 or GBK).

Every kind of bad file gets a message a person can act on, before anything is parsed at length: not a spreadsheet,
too large, password-protected or damaged, a zip bomb posing as .xlsx, more rows than a register has, formulas whose
values were never computed (a file made by a program, never saved by Excel or WPS).
"""
from __future__ import annotations

import csv
import json
import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import python_calamine
from flask import current_app
from flask_babel import gettext as _

from tagsvc.errors import ValidationError

MAX_ROWS = 100_000  # a large district's register; more is not a register
MAX_COLUMNS = 200
MAX_UNPACKED_BYTES = 200 * 1024 * 1024  # what an .xlsx may hold once unzipped (a real 100,000-row one: about 60 MB)
MAX_RATIO = 200  # unzipped / zipped: real sheets stay well under 30; a bomb goes into the thousands
ZIP, OLE = b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_FORMULA_CELL = re.compile(rb'<c r="([A-Z]+[0-9]+)"[^>]*>(.*?)</c>', re.S)
_VALUE = re.compile(rb"<v>[^<]+</v>")  # a kept value (a program writes <v /> or nothing)


@dataclass
class Sheet:
    name: str
    rows: list[list]  # cell values: str, float, int, bool, date, datetime; "" for an empty cell
    merged: list[tuple[tuple[int, int], tuple[int, int]]] = field(default_factory=list)  # ((row, col), (row, col)), from 0


def read_sheet(data: bytes, filename: str) -> Sheet:
    """The first sheet of the file (the one with data, if the first is empty)."""
    limit_mb = current_app.config.get("IMPORT_MAX_MB", 20)
    if not data:
        raise ValidationError(_("The file is empty."))
    if len(data) > limit_mb * 1024 * 1024:
        raise ValidationError(_("The file is larger than %(mb)d MB. Split the register into several files.", mb=limit_mb))
    name = (filename or "").lower()
    if data.startswith(ZIP):
        _refuse_zip_bomb(data)
        sheet = _read_workbook(data)
        if name.endswith(".xlsx") or name.endswith(".xlsm"):
            _refuse_uncomputed_formulas(data)
        return sheet
    if data.startswith(OLE):
        if name.endswith(".xlsx"):  # an .xlsx locked with a password is stored as an encrypted OLE container
            raise ValidationError(_("This file is protected with a password. Open it, remove the password (File › Info), save, and upload it again."))
        return _read_workbook(data)
    return _read_csv(data)


def _refuse_zip_bomb(data: bytes) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        raise ValidationError(_("The file is damaged: it cannot be opened as a spreadsheet.")) from None
    if unpacked > MAX_UNPACKED_BYTES or unpacked > MAX_RATIO * len(data) + 10 * 1024 * 1024:
        raise ValidationError(_("This file unpacks to far more than a spreadsheet holds: it is not read."))


def _read_workbook(data: bytes) -> Sheet:
    try:
        workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheets = [workbook.get_sheet_by_index(i) for i in range(len(workbook.sheet_names))]
    except python_calamine.PasswordError:
        raise ValidationError(_("This file is protected with a password. Open it, remove the password (File › Info), save, and upload it again.")) from None
    except Exception:  # calamine raises several kinds (Zip, Xml, Calamine and plain ones) for files it cannot read
        raise ValidationError(_("This file is not a spreadsheet tagsvc can read (or it is damaged). Save it as .xlsx, .xls or CSV and try again.")) from None
    if not sheets:
        raise ValidationError(_("The workbook has no sheet."))
    sheet = next((s for s in sheets if s.height > 1), sheets[0])
    if sheet.height > MAX_ROWS + 50:
        raise ValidationError(_("The sheet “%(name)s” has %(rows)s rows; tagsvc reads at most %(most)s at once. Split it into several files.",
                                name=sheet.name, rows=f"{sheet.height:,}", most=f"{MAX_ROWS:,}"))
    if sheet.width > MAX_COLUMNS:
        raise ValidationError(_("The sheet “%(name)s” has %(n)d columns; a register has far fewer. Is this the right file?", name=sheet.name, n=sheet.width))
    try:
        rows = _real_content(sheet.iter_rows())
    except Exception:
        raise ValidationError(_("This file is not a spreadsheet tagsvc can read (or it is damaged). Save it as .xlsx, .xls or CSV and try again.")) from None
    return Sheet(sheet.name, rows, list(sheet.merged_cell_ranges or []))


def _real_content(rows) -> list[list]:
    """The rows as far as they hold something: a sheet whose one stray cell sits at GR100000 declares 20 million
    cells, and keeping them all cost a gigabyte. Each row is cut after its last filled cell as it is read, and the
    empty rows at the end are dropped, so memory follows what the file really holds."""
    kept: list[list] = []
    last_filled = 0
    for row in rows:
        end = len(row)
        while end and row[end - 1] == "":
            end -= 1
        kept.append(list(row[:end]) if end else [])
        if end:
            last_filled = len(kept)
    del kept[last_filled:]
    return kept


# A read sheet kept beside its upload for the review's visits (read once, not on every page): JSON, with dates tagged.
def sheet_to_json(sheet: Sheet) -> str:
    def cell(value):
        if isinstance(value, datetime):
            return {"datetime": value.isoformat()}
        if isinstance(value, date):
            return {"date": value.isoformat()}
        if isinstance(value, time):
            return {"time": value.isoformat()}
        if isinstance(value, timedelta):
            return {"seconds": value.total_seconds()}
        return value
    return json.dumps({"name": sheet.name, "rows": [[cell(v) for v in row] for row in sheet.rows], "merged": sheet.merged}, ensure_ascii=False)


def sheet_from_json(text: str) -> Sheet:
    def cell(value):
        if isinstance(value, dict):
            if "datetime" in value:
                return datetime.fromisoformat(value["datetime"])
            if "date" in value:
                return date.fromisoformat(value["date"])
            if "time" in value:
                return time.fromisoformat(value["time"])
            return timedelta(seconds=value["seconds"])
        return value
    data = json.loads(text)
    return Sheet(data["name"], [[cell(v) for v in row] for row in data["rows"]],
                 [(tuple(start), tuple(end)) for start, end in data["merged"]])


def _refuse_uncomputed_formulas(data: bytes) -> None:
    """Formulas whose values a spreadsheet program never computed (the file was made by a program): their cells read
    as empty, which would silently lose data. Excel or WPS computes and keeps them when the file is saved."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for entry in archive.namelist():
            if not (entry.startswith("xl/worksheets/") and entry.endswith(".xml")):
                continue
            found = [ref.decode() for ref, inner in _FORMULA_CELL.findall(archive.read(entry)) if b"<f" in inner and not _VALUE.search(inner)]
            if found:
                raise ValidationError(_("Cells such as %(cells)s hold formulas whose values were never computed. Open the file in Excel or WPS, "
                                        "save it, and upload it again (or paste the cells as values).", cells=", ".join(found[:5])))


def _read_csv(data: bytes) -> Sheet:
    if b"\x00" in data[:4096]:
        raise ValidationError(_("This file is not a spreadsheet tagsvc can read (or it is damaged). Save it as .xlsx, .xls or CSV and try again."))
    for encoding in ("utf-8-sig", "gb18030"):  # Excel on a Chinese Windows saves CSV as GBK (gb18030 covers it)
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # gb18030 decodes nearly any bytes; this stays for completeness
        raise ValidationError(_("The CSV file's text encoding is not UTF-8 or GBK."))
    if text.count("\n") > MAX_ROWS + 50:
        raise ValidationError(_("The sheet “%(name)s” has %(rows)s rows; tagsvc reads at most %(most)s at once. Split it into several files.",
                                name="CSV", rows=f"{text.count(chr(10)):,}", most=f"{MAX_ROWS:,}"))
    sample = text[:8192]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    rows = [list(row) for row in csv.reader(io.StringIO(text), dialect)]
    if not rows or max(len(row) for row in rows) < 2:
        raise ValidationError(_("This file is not a spreadsheet tagsvc can read (or it is damaged). Save it as .xlsx, .xls or CSV and try again."))
    return Sheet("CSV", rows)
