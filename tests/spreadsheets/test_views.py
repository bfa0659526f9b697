"""The import and export pages through HTTP: upload, review with its mapping and problems, the error file, import,
the labels of exactly the imported assets; the template; the office only."""
import io
import re

import openpyxl
import pytest
from sqlalchemy import func, select

from tagsvc.accounts.models import Role
from tagsvc.assets.models import Asset
from tagsvc.extensions import db
from tagsvc.spreadsheets.models import ImportRun
from tests.factories import make_department, make_user
from tests.forms_on_pages import form_values
from tests.spreadsheets.files import ledger_rows, ledger_xlsx


@pytest.fixture
def office(app):
    return make_user(Role.ADMIN)


def upload(client, data: bytes, name: str = "台账.xlsx"):
    page = client.get("/register/import").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    return client.post("/register/import", data={"csrf_token": token, "file": (io.BytesIO(data), name)}, content_type="multipart/form-data")


def review_form(html: str) -> dict:
    return form_values(re.search(r'<form method="post"[^>]*id="review"[^>]*>(.*?)</form>', html, re.S).group(1))


def test_upload_review_fix_and_import_then_print_exactly_those_labels(client, login_as, office):
    login_as(office)
    rows = ledger_rows(8)
    rows[4][8] = "下学期"
    response = upload(client, ledger_xlsx(rows))
    assert response.status_code == 302
    review = client.get(response.location).get_data(as_text=True)
    assert "header on row 4" in review and "1 problem" in review and "下学期" in review and "is not a date" in review
    assert 'id="commit"' in review and "disabled" in review.split('id="commit"')[1].split(">")[0]  # nothing imported with problems
    errors = client.get(re.search(r'href="(/register/import/[0-9a-f]+/errors\.xlsx[^"]*)"', review).group(1).replace("&amp;", "&"))
    sheet = openpyxl.load_workbook(io.BytesIO(errors.data)).active
    fixed_rows = list(sheet.iter_rows(values_only=True))
    assert fixed_rows[0][-1] == "Problem" and len(fixed_rows) == 2 and fixed_rows[1][1] == "ZC-00005" and "is not a date" in fixed_rows[1][-1]
    # The person ticks "valid rows only", checks again, and imports.
    values = {**review_form(review), "valid_rows_only": "y", "existing": "skip", "action": "check"}
    again = client.post(response.location, data=values).get_data(as_text=True)
    assert 'disabled' not in again.split('id="commit"')[1].split(">")[0]
    done = client.post(response.location, data={**review_form(again), "valid_rows_only": "y", "existing": "skip", "action": "commit"})
    assert done.status_code == 302
    run = db.session.scalar(select(ImportRun))
    page = client.get(done.location).get_data(as_text=True)
    assert (run.created, run.failed) == (7, 1) and "Print the labels of the 7 imported assets" in page
    printing = client.get(f"/labels?select=1&import={run.id}").get_data(as_text=True)
    assert "7" in printing and "ZC-00001" in client.get(f"/assets?import={run.id}").get_data(as_text=True)
    assert client.get(response.location).status_code == 302  # the upload is gone once imported


def test_a_corrected_mapping_is_applied_and_the_department_matched(client, login_as, office):
    class3 = make_department("高一(3)班")
    rows = ledger_rows(3)
    for row in rows:
        row[9] = "高一三班"
    login_as(office)
    location = upload(client, ledger_xlsx(rows)).location
    review = client.get(location).get_data(as_text=True)
    assert "looks like 高一(3)班" in review
    values = review_form(review)
    assert values["match-department-高一三班"] == str(class3.id)  # the look-alike is chosen by default
    values.update({"col-12": "", "existing": "skip", "action": "commit"})  # the status column left out
    client.post(location, data=values)
    assert {a.department_id for a in db.session.scalars(select(Asset))} == {class3.id}


def test_a_bad_file_is_refused_at_upload_with_the_reason(client, login_as, office):
    login_as(office)
    response = upload(client, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512, "加密.xlsx")
    assert response.status_code == 400 and "protected with a password" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Asset)) == 0


def test_the_template_has_the_headers_an_instructions_sheet_and_drop_downs(client, login_as, office):
    make_department("教务处")
    login_as(office)
    book = openpyxl.load_workbook(io.BytesIO(client.get("/register/import/template.xlsx").data))
    register = book.worksheets[0]
    assert [c.value for c in register[1]][:2] == ["Asset number", "Name"]
    assert len(book.worksheets) == 3 and "教务处" in [c.value for c in book.worksheets[1]["A"]]
    assert any("Lists" in str(rule.formula1) for rule in register.data_validations.dataValidation)


@pytest.mark.parametrize("role", [Role.KEEPER, Role.STAFF, Role.REPAIRER])
def test_only_the_office_imports_and_exports(client, login_as, role):
    login_as(make_user(role, departments=[make_department()] if role == Role.KEEPER else []))
    assert client.get("/register/import").status_code == 403
    assert client.get("/register/export.xlsx").status_code == 403


def test_the_export_follows_the_registers_filters(client, login_as, office):
    from tests.factories import make_asset

    it = make_department("信息中心")
    make_asset(asset_number="X-1", department_id=it.id)
    make_asset(asset_number="X-2")
    login_as(office)
    data = client.get(f"/register/export.xlsx?department={it.id}").data
    numbers = [r[0] for r in openpyxl.load_workbook(io.BytesIO(data)).active.iter_rows(min_row=2, values_only=True)]
    assert numbers == ["X-1"]
    assert f'/register/export.xlsx?department={it.id}' in client.get(f"/assets?department={it.id}").get_data(as_text=True)


def test_a_large_file_is_imported_on_the_queue_with_a_page_that_follows_it(client, login_as, office, app, queue_worker):
    import time

    app.config["IMPORT_INLINE_MAX"] = 10
    queue_worker(app)
    login_as(office)
    location = upload(client, ledger_xlsx(ledger_rows(40))).location
    review = client.get(location).get_data(as_text=True)
    done = client.post(location, data={**review_form(review), "existing": "skip", "action": "commit"})
    assert done.status_code == 302
    page = client.get(done.location).get_data(as_text=True)
    run_id = int(done.location.rsplit("/", 1)[1])
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        db.session.expire_all()
        if not db.session.get(ImportRun, run_id).running:
            break
        assert "in the background" in page and 'http-equiv="refresh"' in page
        time.sleep(0.1)
        page = client.get(done.location).get_data(as_text=True)
    run = db.session.get(ImportRun, run_id)
    assert (run.status, run.created) == ("done", 40)
    page = client.get(done.location).get_data(as_text=True)
    assert 'http-equiv="refresh"' not in page and "Print the labels of the 40 imported assets" in page


def test_a_background_import_that_meets_a_problem_fails_and_writes_nothing(app, office):
    from tagsvc.spreadsheets.importing import Options
    from tagsvc.spreadsheets.jobs import queue_run, run_import_job
    from tagsvc.spreadsheets.reading import read_sheet

    rows = ledger_rows(5)
    rows[1][6] = "很贵"  # the file changed since its dry run: the same checks refuse it
    run = queue_run(office, read_sheet(ledger_xlsx(rows), "台账.xlsx"), "台账.xlsx", Options(), 5)
    finished = run_import_job(run.id)
    assert finished.status == "failed" and "nothing was imported" in finished.error
    assert db.session.scalar(select(func.count()).select_from(Asset)) == 0
