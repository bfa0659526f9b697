"""Every workbook tagsvc can write, from a school whose every name is a formula: not one cell runs. The template's
lists, the register export, the import's rows to fix, every report, the asset card, the class assessment and the
stocktake report all go through one writer (spreadsheets/cells.py); this finds them from the URL map."""
from __future__ import annotations

import io
import re
import zipfile
from datetime import date

from sqlalchemy import update

from tagsvc.assets.models import Asset
from tagsvc.extensions import db
from tagsvc.stocktake.models import Stocktake
from tagsvc.stocktake.services import close_stocktake, pending_on_devices
from tagsvc.structure.models import Category, Department, Location
from tests.conftest import TEST_PASSWORD
from tests.spreadsheets.files import ledger_csv, ledger_rows
from tagsvc.inspections.models import InspectionPlan, InspectionResult
from tests.sweeps.world import build_world, page_urls

FORMULA = '=HYPERLINK("http://evil.example/","点我")'
XLSX = "spreadsheetml"


def _formulas_in(workbook: bytes) -> list[str]:
    with zipfile.ZipFile(io.BytesIO(workbook)) as book:
        return [name for name in book.namelist() if name.startswith("xl/worksheets/") and re.search(rb"<f[ >]", book.read(name))]


def _name_everything_as_a_formula() -> None:
    db.session.execute(update(Department).values(name=Department.name + FORMULA))
    for model in (Location, Category):
        db.session.execute(update(model).values(name="+" + model.name, full_name="@" + model.full_name))
    db.session.execute(update(Asset).values(name="-" + Asset.name, custodian_name=FORMULA, model="=1+1", supplier="@SUM(A1:A9)"))
    db.session.execute(update(InspectionPlan).values(name=FORMULA + InspectionPlan.name))
    db.session.execute(update(InspectionResult).where(InspectionResult.passed.is_(False)).values(note=FORMULA))
    db.session.commit()


def test_no_workbook_carries_a_formula(app, client):
    world = build_world()
    stocktake = db.session.query(Stocktake).first()
    close_stocktake(world.office, stocktake.id, pending_override=sum(d.pending for d in pending_on_devices(stocktake.id)) or None)
    _name_everything_as_a_formula()
    assert client.post("/login", data={"username": world.office.username, "password": TEST_PASSWORD}).status_code == 302

    today = date.today().isoformat()
    urls = [url for _endpoint, url in page_urls(app, world)]
    urls += [f"{url}?format=xlsx" for url in urls if url.startswith(("/reports", "/assets/")) and url.endswith(("/card", "/reports")) or
             re.match(r"^/reports/(departments|rooms)/\d+$", url)]
    urls += [f"/repairs/assessment?start={date.today().replace(day=1).isoformat()}&end={today}&format=xlsx"]
    # The import's rows to fix, from a file (CSV: its cells are text as typed) whose rows carry formulas and a problem.
    rows = ledger_rows(3)
    rows[1][2], rows[1][8] = FORMULA, "去年"
    upload = client.post("/register/import", data={"file": (io.BytesIO(ledger_csv(rows, encoding="utf-8")), "台账.csv")},
                         content_type="multipart/form-data")
    assert upload.status_code == 302
    urls.append(f"{upload.location}/errors.xlsx")

    workbooks = {}
    for url in urls:
        response = client.get(url)
        assert response.status_code < 500, url
        if XLSX in (response.content_type or ""):
            workbooks[url.split("?")[0]] = response.data
    kinds = {re.sub(r"/[0-9a-f]{32}|/\d+", "/<id>", url) for url in workbooks}
    assert {"/register/import/template.xlsx", "/register/export.xlsx", "/register/import/<id>/errors.xlsx", "/reports",
            "/reports/departments/<id>", "/reports/rooms/<id>", "/assets/<id>/card", "/repairs/assessment",
            "/stocktakes/<id>/report.xlsx", "/inspections/plans/<id>/record.xlsx"} <= kinds, kinds
    assert {url: _formulas_in(data) for url, data in workbooks.items() if _formulas_in(data)} == {}
    # and the names are there, as text
    texts = {url: b"".join(zipfile.ZipFile(io.BytesIO(data)).read(n) for n in zipfile.ZipFile(io.BytesIO(data)).namelist() if n.endswith(".xml"))
             for url, data in workbooks.items()}
    assert [url for url, text in texts.items() if b"HYPERLINK" not in text] == []
