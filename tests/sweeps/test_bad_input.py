"""The security review's own bad inputs, each a regression test: spreadsheets whose titles or cells break a naive
writer or reader, numbers that are not numbers, direction overrides in names."""
from __future__ import annotations

import io
import tracemalloc
import zipfile

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from tagsvc.accounts.models import Role
from tagsvc.assets.models import Asset
from tagsvc.extensions import db
from tagsvc.spreadsheets.importing import Options, plan_import
from tagsvc.spreadsheets.reading import read_sheet
from tests.factories import make_asset, make_department, make_user
from tests.spreadsheets.files import HEADERS, ledger_rows, ledger_xlsx


@pytest.fixture
def office(app, client, login_as):
    return login_as(make_user(Role.ADMIN))


@pytest.mark.parametrize("number", ["JJ/2024/001", "SB:2024:7", "ZC[2024]15", "'引号'", "问号?星号*", "长" * 40])
def test_the_asset_card_workbook_takes_any_asset_number(client, office, number):
    asset = make_asset(asset_number=number)
    response = client.get(f"/assets/{asset.id}/card?format=xlsx")
    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(response.data)) as book:
        assert "xl/worksheets/sheet1.xml" in book.namelist()


def test_the_department_workbook_takes_a_name_with_a_colon(client, office):
    department = make_department("高一:3班/[实验]")
    make_asset(department_id=department.id)
    assert client.get(f"/reports/departments/{department.id}?format=xlsx").status_code == 200


@pytest.mark.parametrize("quantity", ["nan", "inf", "-inf", "NaN", "1e309"])
def test_a_quantity_that_is_not_a_number_is_a_row_problem(app, quantity):
    rows = ledger_rows(3)
    rows[1][5] = quantity
    plan = plan_import(read_sheet(ledger_xlsx(rows), "台账.xlsx"), Options())
    assert [p.row for p in plan.problems if "is not a quantity" in p.message] == [plan.header_row + 3]


def test_the_command_line_says_what_is_wrong_with_such_a_quantity(runner, tmp_path, app):
    make_user(Role.ADMIN)
    rows = ledger_rows(3)
    rows[0][5] = "nan"
    path = tmp_path / "台账.xlsx"
    path.write_bytes(ledger_xlsx(rows))
    result = runner.invoke(args=["import-register", str(path), "--dry-run"])
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "is not a quantity" in result.output


def _stray_cell_file() -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(HEADERS)
    sheet.append(ledger_rows(1)[0])
    sheet["GR100000"] = "x"  # one cell far away: the sheet declares 20 million cells
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_stray_far_cell_costs_memory_for_what_the_file_holds(app):
    data = _stray_cell_file()
    assert len(data) < 10_000
    tracemalloc.start()
    try:
        sheet = read_sheet(data, "台账.xlsx")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 50 * 1024 * 1024  # all 20 million cells held: about a gigabyte
    assert sum(len(row) for row in sheet.rows) < 500  # the two rows, and the far row up to its one cell


def test_an_upload_is_read_once_and_its_review_reads_what_was_kept(client, office, app, tmp_path, monkeypatch):
    from tagsvc.spreadsheets import reading, views

    page = client.get("/register/import").get_data(as_text=True)
    import re

    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1) if "csrf_token" in page else ""
    response = client.post("/register/import", data={"csrf_token": token, "file": (io.BytesIO(ledger_xlsx(ledger_rows(4))), "台账.xlsx")},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    reads = []
    monkeypatch.setattr(views, "read_sheet", lambda *a: reads.append(a) or reading.read_sheet(*a))
    for _ in range(3):
        assert client.get(response.location).status_code == 200
    assert reads == []  # the visits read the rows kept at upload, not the file again


def test_a_direction_override_in_a_name_is_refused_and_never_shown(client, office, app):
    response = client.post("/assets/new", data={"asset_number": "X-1", "name": "照片\u202egpj.exe", "status": "in_use", "condition": "good"})
    assert response.status_code == 400 and "cannot be typed" in response.get_data(as_text=True)
    assert db.session.scalar(select(Asset).where(Asset.asset_number == "X-1")) is None
    stored = make_asset(name="照片\u202egpj.exe")  # one that came in before the check (an old database, an import)
    page = client.get(f"/t/{stored.current_tag.code}").get_data(as_text=True)
    assert "\u202e" not in page and "照片gpj.exe" in page
