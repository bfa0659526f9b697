"""Printing over HTTP: who may, what the pages show, bad input."""
import re

import pytest
from sqlalchemy import func, select

from tagsvc.accounts.models import Role
from tagsvc.extensions import db
from tagsvc.labels import services
from tagsvc.labels.models import PrintJob, PrinterOffset
from tagsvc.tags.models import Tag
from tests.factories import make_asset, make_department, make_location, make_user
from tests.labels.pdf_reading import read_page_labels


@pytest.fixture
def school(app):
    class_3 = make_department("高一(3)班")
    office = make_department("总务处")
    room = make_location("301", parent=make_location("教学楼"))
    assets = [make_asset(name=f"课桌椅{i}", department_id=class_3.id, location_id=room.id) for i in range(5)]
    return {"class": class_3, "office": office, "room": room, "assets": assets, "other": make_asset(department_id=office.id)}


def job_count() -> int:
    return db.session.scalar(select(func.count()).select_from(PrintJob))


def test_anonymous_visitors_are_sent_to_sign_in(client, school):
    for path in ["/labels", "/labels/blank", "/labels/sheets", "/labels/preview.png?select=1"]:
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.location


@pytest.mark.parametrize("role", [Role.STAFF, Role.REPAIRER])
def test_staff_and_repairers_do_not_print(client, login_as, school, role):
    login_as(make_user(role))
    assert client.get("/labels").status_code == 403
    assert client.post("/labels/blank", data={"count": "5", "sheet": "a4-3x8", "start": "1", "level": "M"}).status_code == 403
    response = client.post("/labels/jobs", data={"select": "1", "sheet": "a4-3x8", "start": "1", "level": "M"})
    assert response.status_code == 302 and job_count() == 0


def test_the_print_page_counts_what_the_filters_find(client, login_as, school):
    login_as(make_user(Role.ADMIN))
    page = client.get(f"/labels?select=1&department={school['class'].id}&sheet=a4-3x8&start=3&level=M").get_data(as_text=True)
    assert "5 labels to print" in page and "课桌椅0" in page
    assert 'src="/labels/preview.png?' in page
    preview = client.get(f"/labels/preview.png?select=1&department={school['class'].id}&sheet=a4-3x8&start=3")
    assert preview.status_code == 200 and preview.mimetype == "image/png"
    assert preview.headers["Cache-Control"] == "no-store"


def test_the_print_page_starts_with_an_explanation_and_says_when_nothing_matches(client, login_as, school):
    login_as(make_user(Role.ADMIN))
    assert "Choose the assets with the filters above" in client.get("/labels").get_data(as_text=True)
    assert "No asset matches these filters" in client.get("/labels?select=1&q=没有这种东西").get_data(as_text=True)


def test_making_and_downloading_the_pdf(client, login_as, school):
    login_as(make_user(Role.ADMIN))
    ticked = [school["assets"][1].id, school["assets"][3].id]
    response = client.post("/labels/jobs", data={"asset": ticked, "sheet": "a4-3x8", "start": "2", "level": "H"})
    assert response.status_code == 302
    job_page = client.get(response.location).get_data(as_text=True)
    assert "Ready" in job_page and "Download the PDF" in job_page
    job_id = int(re.search(r"/labels/jobs/(\d+)", response.location).group(1))
    download = client.get(f"/labels/jobs/{job_id}/labels.pdf")
    assert download.mimetype == "application/pdf"
    assert "attachment" in download.headers["Content-Disposition"]
    labels = read_page_labels(download.data, services.get_sheet("a4-3x8"))
    assert sorted(labels) == [1, 2]
    assert labels[1].endswith(school["assets"][1].current_tag.code)
    assert client.get(f"/labels/jobs/{job_id}/preview.png").mimetype == "image/png"


def test_a_bad_start_position_is_explained_and_nothing_is_made(client, login_as, school):
    login_as(make_user(Role.ADMIN))
    response = client.post("/labels/jobs", data={"asset": [school["assets"][0].id], "sheet": "a4-3x8", "start": "25", "level": "M"}, follow_redirects=True)
    assert "between 1 and 24" in response.get_data(as_text=True)
    assert job_count() == 0


def test_a_keeper_cannot_print_another_departments_asset(client, login_as, school):
    login_as(make_user(Role.KEEPER, departments=[school["class"]]))
    response = client.post("/labels/jobs", data={"asset": [school["other"].id], "sheet": "a4-3x8", "start": "1", "level": "M"}, follow_redirects=True)
    assert "belong to departments you do not keep" in response.get_data(as_text=True)
    assert job_count() == 0


def test_someone_elses_job_is_not_found(client, login_as, school, app):
    admin = make_user(Role.ADMIN)
    job = services.create_print_job(admin, "assets", services.asset_tag_ids(admin, [school["assets"][0].id]), services.PrintSettings("a4-3x8"))
    services.run_print_job(job.id)
    login_as(make_user(Role.KEEPER, departments=[school["class"]]))
    assert client.get(f"/labels/jobs/{job.id}").status_code == 404
    assert client.get(f"/labels/jobs/{job.id}/labels.pdf").status_code == 404


def test_blank_labels_from_the_form(client, login_as, school):
    login_as(make_user(Role.KEEPER, departments=[school["class"]]))
    response = client.post("/labels/blank", data={"count": "6", "sheet": "a4-3x8", "start": "1", "level": "M"})
    assert response.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(Tag).where(Tag.batch_id.is_not(None))) == 6
    page = client.post("/labels/blank", data={"count": "0", "sheet": "a4-3x8", "start": "1", "level": "M"})
    assert page.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(Tag).where(Tag.batch_id.is_not(None))) == 6


def test_a_blank_batch_on_an_unknown_sheet_issues_no_labels(client, login_as, school):
    login_as(make_user(Role.ADMIN))
    response = client.post("/labels/blank", data={"count": "6", "sheet": "nope", "start": "1", "level": "M"})
    assert response.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(Tag).where(Tag.batch_id.is_not(None))) == 0


def test_room_labels_for_a_building_cover_its_rooms(client, login_as, school):
    login_as(make_user(Role.ADMIN))
    building = school["room"].parent
    response = client.post("/labels/rooms", data={"location": str(building.id), "include_inside": "y", "sheet": "a4-4x10", "start": "1", "level": "M"})
    assert response.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(Tag).where(Tag.location_id.is_not(None))) == 2
    assert "Ready" in client.get(response.location).get_data(as_text=True)


def test_the_locations_page_leads_to_a_rooms_labels(client, login_as, school):
    login_as(make_user(Role.ADMIN))
    assert f"/labels/rooms?location={school['room'].id}" in client.get("/admin/locations").get_data(as_text=True)
    form = client.get(f"/labels/rooms?location={school['room'].id}").get_data(as_text=True)
    assert f'<input type="hidden" name="location" value="{school["room"].id}">' in form
    assert f'value="{school["room"].full_name}"' in form  # the full path, not a bare "301"


def test_room_labels_for_a_typed_place_without_javascript(client, login_as, school):
    login_as(make_user(Role.ADMIN))
    response = client.post("/labels/rooms", data={"location": "", "location-path": "教学楼 301", "include_inside": "y",
                                                  "sheet": "a4-4x10", "start": "1", "level": "M"})
    assert response.status_code == 302 and job_count() == 1
    missing = client.post("/labels/rooms", data={"location": "", "location-path": "", "sheet": "a4-4x10", "start": "1", "level": "M"})
    assert missing.status_code == 400 and "Choose the place to print room labels for." in missing.get_data(as_text=True)


def test_keepers_do_not_print_room_labels(client, login_as, school):
    login_as(make_user(Role.KEEPER, departments=[school["class"]]))
    assert client.get("/labels/rooms").status_code == 403
    response = client.post("/labels/rooms", data={"location": str(school["room"].id), "sheet": "a4-4x10", "start": "1", "level": "M"})
    assert response.status_code == 403
    assert db.session.scalar(select(func.count()).select_from(Tag).where(Tag.location_id.is_not(None))) == 0


def test_the_office_sets_printer_offsets(client, login_as, school):
    login_as(make_user(Role.ADMIN))
    page = client.get("/labels/sheets").get_data(as_text=True)
    assert "A4 3×8" in page and "Alignment page" in page
    client.post("/labels/sheets/a4-3x8/offset", data={"a4-3x8-x_mm": "1.5", "a4-3x8-y_mm": "-0.5"})
    assert services.printer_offset("a4-3x8") == (1.5, -0.5)
    response = client.post("/labels/sheets/a4-3x8/offset", data={"a4-3x8-x_mm": "abc", "a4-3x8-y_mm": "0"}, follow_redirects=True)
    assert "between -15 and 15" in response.get_data(as_text=True)
    assert services.printer_offset("a4-3x8") == (1.5, -0.5)
    alignment = client.get("/labels/sheets/a4-3x8/alignment.pdf")
    assert alignment.mimetype == "application/pdf" and alignment.data.startswith(b"%PDF")


def test_keepers_see_offsets_but_do_not_change_them(client, login_as, school):
    login_as(make_user(Role.KEEPER, departments=[school["class"]]))
    assert "right +0.0 mm, down +0.0 mm" in client.get("/labels/sheets").get_data(as_text=True)
    assert client.post("/labels/sheets/a4-3x8/offset", data={"a4-3x8-x_mm": "1", "a4-3x8-y_mm": "1"}).status_code == 403
    assert db.session.scalar(select(func.count()).select_from(PrinterOffset)) == 0


def test_the_asset_list_and_page_lead_to_printing(client, login_as, school):
    login_as(make_user(Role.ADMIN))
    listing = client.get(f"/assets?department={school['class'].id}").get_data(as_text=True)
    assert 'name="asset" value=' in listing and "Print labels for all 5 found" in listing
    detail = client.get(f"/assets/{school['assets'][0].id}").get_data(as_text=True)
    assert f"/labels?asset={school['assets'][0].id}" in detail


def test_staff_see_no_print_controls(client, login_as, school):
    login_as(make_user(Role.STAFF))
    listing = client.get("/assets").get_data(as_text=True)
    assert 'name="asset"' not in listing and "/labels" not in listing


def test_thermal_jobs_also_give_a_png_per_label(client, login_as, school):
    import zipfile
    from io import BytesIO

    import zxingcpp
    from PIL import Image

    login_as(make_user(Role.ADMIN))
    ticked = [a.id for a in school["assets"][:3]]
    response = client.post("/labels/jobs", data={"asset": ticked, "sheet": "thermal-40x30", "start": "1", "level": "M"})
    job_page = client.get(response.location).get_data(as_text=True)
    assert "Download a PNG image per label" in job_page
    job_id = int(re.search(r"/labels/jobs/(\d+)", response.location).group(1))
    archive = zipfile.ZipFile(BytesIO(client.get(f"/labels/jobs/{job_id}/labels.zip").data))
    names = archive.namelist()
    assert len(names) == 3
    for name, asset in zip(names, school["assets"][:3], strict=True):
        image = Image.open(BytesIO(archive.read(name)))
        assert image.mode == "1" and round(image.info["dpi"][0]) == 300
        assert abs(image.width - 40 / 25.4 * 300) <= 2  # the label's exact size
        assert zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)[0].text.endswith(asset.current_tag.code)


def test_sheet_jobs_have_no_images(client, login_as, school):
    login_as(make_user(Role.ADMIN))
    response = client.post("/labels/jobs", data={"asset": [school["assets"][0].id], "sheet": "a4-3x8", "start": "1", "level": "M"})
    job_id = int(re.search(r"/labels/jobs/(\d+)", response.location).group(1))
    assert "PNG image" not in client.get(response.location).get_data(as_text=True)
    assert client.get(f"/labels/jobs/{job_id}/labels.zip").status_code == 404


def test_the_print_page_explains_a_first_position_beyond_the_sheet(client, login_as, school):
    login_as(make_user(Role.ADMIN))
    page = client.get(f"/labels?select=1&department={school['class'].id}&sheet=a4-3x8&start=30").get_data(as_text=True)
    assert "between 1 and 24" in page and "Make the PDF" not in page and "preview.png" not in page


def test_printing_every_asset_asks_first_with_the_count(client, login_as, school):
    login_as(make_user(Role.ADMIN))
    page = client.get("/labels?select=1&sheet=a4-3x8&start=1&level=M").get_data(as_text=True)
    assert "No filter is set: print labels for all 6 assets?" in page and "preview.png" not in page
    assert 'href="/labels?select=1&amp;sheet=a4-3x8&amp;start=1&amp;level=M&amp;all=1#preview"' in page
    confirmed = client.get("/labels?select=1&all=1&sheet=a4-3x8&start=1&level=M").get_data(as_text=True)
    assert "6 labels to print" in confirmed and 'id="preview"' in confirmed and 'name="all" value="1"' in confirmed


def test_a_print_job_for_every_asset_is_refused_unless_confirmed(client, login_as, school):
    login_as(make_user(Role.ADMIN))
    response = client.post("/labels/jobs", data={"select": "1", "sheet": "a4-3x8", "start": "1", "level": "M"})
    assert response.status_code == 302 and job_count() == 0
    assert "confirm that you mean to print labels for every asset" in client.get(response.location).get_data(as_text=True)
    response = client.post("/labels/jobs", data={"select": "1", "all": "1", "sheet": "a4-3x8", "start": "1", "level": "M"})
    assert response.status_code == 302 and job_count() == 1


def test_the_choosing_form_brings_the_person_to_the_preview(client, login_as, school):
    login_as(make_user(Role.ADMIN))
    page = client.get("/labels").get_data(as_text=True)
    assert 'action="/labels#preview"' in page


@pytest.mark.parametrize("language, shown, not_shown", [
    ("zh-CN", ["热敏标签 40 × 30 mm", "连续卷纸 62 mm", "美式信纸 3×10"], ["Thermal 40 × 30 mm", "Continuous roll"]),
    ("en", ["Thermal 40 × 30 mm", "Continuous roll 62 mm", "US Letter 3×10"], ["热敏标签"]),
])
def test_sheet_names_are_shown_in_the_readers_language(client, login_as, school, language, shown, not_shown):
    login_as(make_user(Role.ADMIN))
    page = client.get("/labels/sheets", headers={"Accept-Language": language}).get_data(as_text=True)
    assert all(name in page for name in shown) and not any(name in page for name in not_shown)


@pytest.mark.parametrize("opened_with", ["import", "ticked", "filters"])
def test_showing_the_first_page_again_keeps_the_selection(client, login_as, school, opened_with):
    """"Print the 9 imported assets' labels", then another sheet and "show the first page": still those 9, not all."""
    from urllib.parse import urlencode

    from tagsvc.spreadsheets.importing import Options, commit_import, plan_import
    from tagsvc.spreadsheets.reading import read_sheet
    from tests.forms_on_pages import form_values
    from tests.spreadsheets.files import ledger_rows, ledger_xlsx

    office = login_as(make_user(Role.ADMIN))  # the school fixture's assets are the rest of the register
    run = commit_import(office, plan_import(read_sheet(ledger_xlsx(ledger_rows(9, start=90001)), "台账.xlsx"), Options()), "台账.xlsx")
    args = {"import": [("select", "1"), ("import", str(run.id))],
            "ticked": [("asset", str(i)) for i in run.asset_ids],
            "filters": [("select", "1"), ("q", "ZC-9000")]}[opened_with]
    first = client.get("/labels?" + urlencode(args)).get_data(as_text=True)
    assert "9 labels to print" in first
    choose = re.search(r'<form method="get" action="/labels#preview"[^>]*>(.*?)</form>', first, re.S).group(1)
    # What the browser sends: every field of the form (each ticked asset's hidden input too), with another sheet.
    values = [(k, v) for k, v in re.findall(r'<input type="hidden" name="([\w-]+)" value="([^"]*)"', choose)]
    values += [(k, v) for k, v in form_values(choose).items() if k not in {name for name, _v in values} and k != "sheet"]
    values.append(("sheet", "thermal-50x30"))
    again = client.get("/labels?" + urlencode(values)).get_data(as_text=True)
    assert "9 labels to print" in again and "print labels for all" not in again, (values, re.findall(r'role="status">([^<]*)<', again))
