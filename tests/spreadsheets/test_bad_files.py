"""Bad files get a clear answer and change nothing: not a spreadsheet, password-protected, damaged, a zip bomb posing
as .xlsx, over the size limit, a million rows, no header, formulas without values, merged header cells."""
import io
import zipfile

import openpyxl
import pytest

from tagsvc.errors import ValidationError
from tagsvc.spreadsheets.importing import find_header
from tagsvc.spreadsheets.reading import read_sheet
from tests.spreadsheets.files import HEADERS, ledger_rows, ledger_xlsx


def refused(data: bytes, name: str, fragment: str) -> None:
    with pytest.raises(ValidationError, match=fragment):
        find_header(read_sheet(data, name))


def test_a_picture_or_a_word_file_is_not_a_spreadsheet(app):
    refused(b"\x89PNG\r\n\x1a\n" + b"\x00" * 200, "台账.xlsx", "not a spreadsheet")
    refused(b"PK\x03\x04" + b"garbage" * 50, "台账.xlsx", "damaged")


def test_an_empty_file_and_one_over_the_size_limit(app):
    refused(b"", "台账.xlsx", "empty")
    app.config["IMPORT_MAX_MB"] = 1
    refused(b"a,b\n" * 400_000, "台账.csv", "larger than 1 MB")


def test_a_password_protected_xlsx_says_how_to_open_it(app):
    # Excel stores an .xlsx locked with a password as an encrypted OLE compound file.
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 1024
    refused(ole, "台账.xlsx", "protected with a password")
    refused(ole, "导出.xls", "not a spreadsheet")  # an .xls that is no workbook


def test_a_zip_bomb_posing_as_xlsx_is_not_unpacked(app):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("xl/worksheets/sheet1.xml", "w") as sheet:
            chunk = b" " * (1024 * 1024)
            for _ in range(300):  # 300 MB of nothing, a few hundred KB zipped
                sheet.write(chunk)
    assert len(out.getvalue()) < 2 * 1024 * 1024
    refused(out.getvalue(), "台账.xlsx", "unpacks to far more")


def test_a_sheet_of_a_million_rows_is_refused_before_it_is_read(app):
    book = openpyxl.Workbook()
    book.active.append(HEADERS)
    book.active["A1000000"] = "最后一行"
    out = io.BytesIO()
    book.save(out)
    refused(out.getvalue(), "台账.xlsx", "1,000,000 rows")


def test_formulas_whose_values_were_never_computed_are_named(app):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADERS)
    for row in ledger_rows(3):
        sheet.append(row)
    sheet["H3"] = "=F3*G3"  # made by a program: no value kept
    out = io.BytesIO()
    book.save(out)
    refused(out.getvalue(), "台账.xlsx", "Cells such as H3 hold formulas")


def test_merged_header_cells_are_refused(app):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["资产编号", "资产名称", "金额", ""])
    sheet.merge_cells("C1:D1")
    sheet.append(["ZC-1", "课桌", 1, 2])
    out = io.BytesIO()
    book.save(out)
    refused(out.getvalue(), "台账.xlsx", "merged cells")


def test_a_csv_without_a_header_or_a_single_column_text(app):
    refused("随便写的一段话\n第二行".encode(), "说明.csv", "not a spreadsheet")
    refused(ledger_xlsx([["x", "y"]], headers=["甲", "乙"], title=False), "台账.xlsx", "No header row found")
