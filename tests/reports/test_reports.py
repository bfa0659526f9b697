"""The office's reports: the summary's figures, 本部资产表, 分室明细账 and the asset card, on screen, in Excel, on A4."""
import io
from datetime import date
from decimal import Decimal

import openpyxl
import pytest

from tagsvc.accounts.models import Role
from tagsvc.assets.models import AssetStatus
from tagsvc.reports import services
from tagsvc.structure.models import AssetKind, LocationKind
from tests.factories import make_asset, make_category, make_department, make_location, make_user


@pytest.fixture
def school(app):
    it, academic = make_department("信息中心"), make_department("教务处")
    furniture, computers = make_category("家具"), make_category("计算机设备")
    mops = make_category("清洁用品", kind=AssetKind.CONSUMABLE)
    desks_sub = make_category("课桌椅", parent=furniture)
    building = make_location("教学楼", kind=LocationKind.BUILDING)
    r101, r102 = make_location("101", parent=building), make_location("102", parent=building)
    for n in range(3):
        make_asset(asset_number=f"KZ-{n}", name="课桌", category_id=desks_sub.id, department_id=academic.id, location_id=r101.id,
                   price=Decimal("300.00"), purchase_date=date(2020, 9, 1))
    make_asset(asset_number="PC-1", name="台式电脑", category_id=computers.id, department_id=it.id, location_id=r102.id,
               price=Decimal("5000.00"), purchase_date=date(2023, 3, 1))
    make_asset(asset_number="TB-1", name="拖把", category_id=mops.id, department_id=academic.id, price=Decimal("40.00"))
    make_asset(asset_number="OLD-1", name="旧电脑", category_id=computers.id, department_id=it.id, price=Decimal("4000.00"),
               status=AssetStatus.DISPOSED)
    keeper = make_user(Role.KEEPER, departments=[academic], display_name="教务处张老师")
    return type("School", (), dict(it=it, academic=academic, building=building, r101=r101, keeper=keeper,
                                   office=make_user(Role.ADMIN), teacher=make_user(Role.STAFF)))


def test_the_summary_counts_and_values_by_department_kind_category_status_and_year(school):
    summary = services.register_summary(school.office)
    assert (summary.total.count, summary.total.value) == (5, Decimal("5940.00"))  # the disposed one is not counted
    assert {(l.label, l.count, l.value) for l in summary.by_department} == {("教务处", 4, Decimal("940.00")), ("信息中心", 1, Decimal("5000.00"))}
    assert [(l.key, l.count) for l in summary.by_kind] == [("fixed_asset", 4), ("low_value", 0), ("consumable", 1)]
    assert [(l.label, l.count) for l in summary.by_category] == [("计算机设备", 1), ("家具", 3), ("清洁用品", 1)]  # sub-categories roll up
    assert [(l.label, l.count) for l in summary.by_year] == [("2023", 1), ("2020", 3), ("Unknown", 1)]  # no date: last, on every database
    assert (summary.written_off.count, summary.written_off.value) == (1, Decimal("4000.00"))


def test_the_summary_page_and_its_excel_are_the_offices(client, login_as, school):
    login_as(school.office)
    page = client.get("/reports").get_data(as_text=True)
    assert "5,940.00" in page and "4,000.00" in page and f"/reports/departments/{school.academic.id}" in page
    book = openpyxl.load_workbook(io.BytesIO(client.get("/reports?format=xlsx").data))
    assert book.sheetnames[0] == "By department" and ["信息中心", 1, 5000] == [c.value for c in book.worksheets[0][2]]
    login_as(school.keeper)
    assert client.get("/reports").status_code == 403


def test_a_departments_table_for_its_keeper_with_a_signature_line(client, login_as, school):
    login_as(school.keeper)
    page = client.get(f"/reports/departments/{school.academic.id}").get_data(as_text=True)
    assert "KZ-0" in page and "TB-1" in page and "PC-1" not in page and "教务处张老师" in page and "Head of department" in page
    rows = list(openpyxl.load_workbook(io.BytesIO(client.get(f"/reports/departments/{school.academic.id}?format=xlsx").data)).active.iter_rows(values_only=True))
    assert rows[-1][:5] == ("Total", None, None, 4, 940)
    assert client.get(f"/reports/departments/{school.it.id}").status_code == 403  # not theirs


def test_room_lists_for_a_building_and_the_asset_card(client, login_as, school):
    login_as(school.office)
    page = client.get(f"/reports/rooms/{school.building.id}").get_data(as_text=True)
    assert page.index("教学楼 › 101") < page.index("KZ-2") < page.index("教学楼 › 102") < page.index("PC-1") and "OLD-1" not in page
    sheet = openpyxl.load_workbook(io.BytesIO(client.get(f"/reports/rooms/{school.building.id}?format=xlsx").data)).active
    assert [r[0] for r in sheet.iter_rows(min_row=3, values_only=True)] == ["教学楼 › 101"] * 3 + ["教学楼 › 102"]
    from sqlalchemy import select

    from tagsvc.assets.models import Asset
    from tagsvc.extensions import db

    pc = db.session.scalar(select(Asset).where(Asset.asset_number == "PC-1"))
    card = client.get(f"/assets/{pc.id}/card").get_data(as_text=True)
    assert "Asset card (资产卡片)" in card and "PC-1" in card and "Registered" in card  # with its history
    rows = list(openpyxl.load_workbook(io.BytesIO(client.get(f"/assets/{pc.id}/card?format=xlsx").data)).active.iter_rows(values_only=True))
    assert rows[0][:2] == ("Asset number", "PC-1") and ("When", "What", "Who", "Note") in rows and any(r[1] == "Registered" for r in rows)
    login_as(school.teacher)
    assert client.get(f"/assets/{pc.id}/card").status_code == 200  # staff read the register
    assert client.get(f"/reports/rooms/{school.building.id}").status_code == 403


def test_the_offices_start_page_shows_the_register_at_a_glance_and_recent_activity(client, login_as, school):
    login_as(school.office)
    page = client.get("/").get_data(as_text=True)
    glance = page.split('id="glance"')[1].split("</ul>")[0]
    assert "5</span>assets · ¥5,940" in glance and "Consumable · ¥40" in glance
    recent = page.split('id="recent"')[1].split("</ul>")[0]
    assert recent.count("<li>") == 10 and "Registered" in recent
    login_as(school.keeper)
    assert 'id="glance"' not in client.get("/").get_data(as_text=True)


def test_the_office_loads_a_standard_classification_once(client, login_as, school):
    from sqlalchemy import func, select

    from tagsvc.extensions import db
    from tagsvc.structure.models import Category
    from tests.forms_on_pages import form_on

    login_as(school.office)
    page = client.get("/admin/categories").get_data(as_text=True)
    form = form_on(page, "/admin/categories/standard")
    answer = client.post("/admin/categories/standard", data={**form, "which": "six"}, follow_redirects=True).get_data(as_text=True)
    assert "6 categories added" in answer and "家具用具装具及动植物" in answer
    again = client.post("/admin/categories/standard", data={**form, "which": "six"}, follow_redirects=True).get_data(as_text=True)
    assert "The tree has these classes already." in again
    furniture = db.session.scalar(select(Category).where(Category.name == "家具用具装具及动植物"))
    assert furniture.min_years_of_use == 15 and furniture.code == ""
    client.post("/admin/categories/standard", data={**form, "which": "gbt2022"})
    assert db.session.scalar(select(func.count()).select_from(Category).where(Category.parent_id.is_(None))) == 3 + 6 + 7 - 2  # 文物和陈列品 and 图书和档案 once


def test_a_price_above_the_threshold_in_a_low_value_category_is_pointed_out(client, login_as, school, app):
    from tests.factories import make_category
    from tests.forms_on_pages import form_values

    low = make_category("体育器材", kind=AssetKind.LOW_VALUE)
    login_as(school.office)
    import re

    page = client.get("/assets/new").get_data(as_text=True)
    form = form_values(re.search(r'<form method="post"[^>]*enctype="multipart/form-data"[^>]*>(.*?)</form>', page, re.S).group(1))
    form.update({"asset_number": "TY-9", "name": "乒乓球台", "category_id": low.id, "price": "2600", "category_id-path": ""})
    form.pop("category_id-path")
    answer = client.post("/assets/new", data=form, follow_redirects=True).get_data(as_text=True)
    assert "above the fixed-asset threshold (1,000 元)" in answer
