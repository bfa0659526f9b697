"""The office prints labels in a desktop browser; a keeper claims a blank label on a phone."""
from pathlib import Path

import pytest
from sqlalchemy import select

from tagsvc.assets.models import Asset
from tagsvc.assets.services import AssetQuery, matching_asset_ids
from tagsvc.accounts.models import User
from tagsvc.demo.services import DEMO_PASSWORD, load_demo_data
from tagsvc.extensions import db
from tagsvc.labels import services
from tagsvc.structure.models import Department
from tagsvc.tags.models import Tag
from tests.browser.conftest import PHONE, fill_sign_in, screenshot
from tests.labels.pdf_reading import page_count, read_page_labels

pytestmark = pytest.mark.browser

DESKTOP = {"viewport": {"width": 1280, "height": 900}, "locale": "en-US", "accept_downloads": True}


@pytest.fixture
def demo(live_server):
    load_demo_data()
    return live_server


def test_the_office_prints_a_filtered_sheet_from_the_fifth_position(browser, demo, tmp_path):
    department = db.session.scalar(select(Department).where(Department.name == "高一(3)班"))
    admin = db.session.scalar(select(User).where(User.username == "admin"))
    expected_ids = matching_asset_ids(admin, AssetQuery(department_id=department.id))
    expected_urls = [db.session.scalar(select(Tag.code).where(Tag.asset_id == i, Tag.retired_at.is_(None))) for i in expected_ids]
    assert len(expected_ids) > 20  # enough to run onto a second sheet from position 5

    context = browser.new_context(**DESKTOP)
    page = context.new_page()
    page.goto(f"{demo}/login")
    fill_sign_in(page, "admin", DEMO_PASSWORD)
    page.get_by_role("link", name="Labels", exact=True).click()
    page.select_option("select[name=department]", label="高一(3)班")
    page.select_option("select[name=sheet]", label="A4 3×8 (70 × 37 mm)")
    page.fill("input[name=start]", "5")
    page.get_by_role("button", name="Show the first page").click()
    assert page.get_by_role("status").first.inner_text() == f"{len(expected_ids)} labels to print"
    preview = page.locator("img.preview")
    preview.wait_for()
    page.wait_for_function("() => document.querySelector('img.preview').complete && document.querySelector('img.preview').naturalWidth > 0")
    # The page brings the person to what they asked for instead of leaving the preview far below.
    assert page.url.endswith("#preview")
    assert 0 <= page.evaluate("document.getElementById('preview').getBoundingClientRect().top") < 200
    screenshot(page, "print-labels-desktop")

    page.get_by_role("button", name="Make the PDF").click()
    page.get_by_text("Ready").wait_for()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the PDF").click()
    path = tmp_path / "labels.pdf"
    download_info.value.save_as(path)
    context.close()

    pdf = Path(path).read_bytes()
    sheet = services.get_sheet("a4-3x8")
    first = read_page_labels(pdf, sheet)
    assert min(first) == 4 and sorted(first) == list(range(4, 24))  # positions 1-4 left free
    decoded = [first[p] for p in sorted(first)]
    for page_number in range(1, page_count(pdf)):
        labels = read_page_labels(pdf, sheet, page=page_number)
        decoded += [labels[p] for p in sorted(labels)]
    assert len(decoded) == len(expected_ids)
    assert [url.rsplit("/", 1)[1] for url in decoded] == expected_urls


def test_a_keeper_registers_a_new_purchase_by_scanning_a_blank_label(browser, demo):
    keeper = db.session.scalar(select(User).where(User.username == "keeper1"))
    code = db.session.get(Tag, services.batch_tag_ids(services.create_blank_batch(keeper, 1))[0]).code
    department = keeper.departments[0]

    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.goto(f"{demo}/t/{code}")
    assert page.locator("h1").inner_text() == "此标签尚未启用"
    page.get_by_role("link", name="登录").last.click()
    fill_sign_in(page, "keeper1", DEMO_PASSWORD)  # and back to the label
    page.get_by_role("link", name="用此标签登记新物品").click()
    page.fill("input[name=asset_number]", "BJB-2026-0999")
    page.fill("input[name=name]", "笔记本电脑")
    page.select_option("select[name=department_id]", label=department.name)
    page.get_by_role("button", name="保存").click()
    page.goto(f"{demo}/t/{code}")
    assert page.locator("h1").first.inner_text() == "笔记本电脑"
    screenshot(page, "blank-label-claimed")
    context.close()
    asset = db.session.scalar(select(Asset).where(Asset.asset_number == "BJB-2026-0999"))
    db.session.refresh(asset)
    assert asset.current_tag.code == code


def test_on_a_phone_the_preview_keeps_the_imported_selection(browser, demo):
    """"Print the 9 imported assets' labels", then "show the first page" on a 360 px phone: still those 9, not "yes,
    all 308"."""
    from tagsvc.spreadsheets.importing import Options, commit_import, plan_import
    from tagsvc.spreadsheets.reading import read_sheet
    from tests.spreadsheets.files import ledger_rows, ledger_xlsx

    admin = db.session.scalar(select(User).where(User.username == "admin"))
    run = commit_import(admin, plan_import(read_sheet(ledger_xlsx(ledger_rows(9, start=90001)), "台账.xlsx"), Options()), "台账.xlsx")
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.goto(f"{demo}/login")
    fill_sign_in(page, "admin", DEMO_PASSWORD)
    page.goto(f"{demo}/register/imports/{run.id}")
    page.get_by_role("link", name="打印这 9 件导入资产的标签").click()
    assert page.get_by_role("status").first.inner_text() == "共 9 张标签待打印"
    page.select_option("select[name=sheet]", value="thermal-50x30")
    page.get_by_role("button", name="预览第一页").click()
    page.locator("img.preview").wait_for()
    assert page.get_by_role("status").first.inner_text() == "共 9 张标签待打印"
    assert "是，全部" not in page.locator("main").inner_text()  # it offered "yes, all 308"
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 360
    screenshot(page, "print-labels-preview-phone")
    context.close()
