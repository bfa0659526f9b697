"""Importing the school's ledger in Chromium, on the office's desktop: upload, fix a column the file names its own
way, read the dry run and its problems, download the rows to fix, upload the corrected file, import, and print the
labels of exactly the imported assets."""
import openpyxl
import pytest
from sqlalchemy import func, select

from tagsvc.accounts.models import Role
from tagsvc.assets.models import Asset
from tagsvc.extensions import db
from tests.browser.conftest import screenshot, signed_in_page
from tests.conftest import TEST_PASSWORD
from tests.factories import make_department, make_user
from tests.labels.pdf_reading import page_count
from tests.spreadsheets.files import HEADERS, ledger_rows, ledger_xlsx

pytestmark = pytest.mark.browser


def test_the_office_imports_its_ledger_and_prints_the_labels(browser, live_server, tmp_path):
    office = make_user(Role.ADMIN, display_name="后勤王主任")
    make_department("高一(3)班")
    headers = list(HEADERS)
    headers[13] = "采购单位"  # the school's own name for the supplier
    rows = ledger_rows(60)
    rows[9][8] = "去年秋天"
    rows[29][6] = "三百二"
    first = tmp_path / "本部资产表.xlsx"
    first.write_bytes(ledger_xlsx(rows, headers))

    desktop = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN", accept_downloads=True)
    page = signed_in_page(desktop, live_server, office.username, TEST_PASSWORD)
    page.locator("main").get_by_role("link", name="从 Excel 导入台账").click()  # (the menu has one too)
    page.set_input_files("input[name=file]", str(first))
    page.get_by_role("button", name="上传并检查").click()
    assert "表头在第 4 行" in page.locator("main").inner_text()
    assert page.locator("select[name=col-13]").input_value() == ""  # not recognised
    page.select_option("select[name=col-13]", label="供应商")
    page.get_by_role("button", name="重新检查").click()
    problems = page.locator("#problems")
    assert "2 个问题" in problems.inner_text() and "“去年秋天”不是日期" in problems.inner_text() and "“三百二”不是金额" in problems.inner_text()
    assert page.get_by_role("button", name="导入 58 件资产").is_disabled()
    screenshot(page, "import-dry-run")
    with page.expect_download() as download:
        page.get_by_role("link", name="下载待改正的行（.xlsx）").click()
    download.value.save_as(tmp_path / "to-fix.xlsx")
    assert download.value.suggested_filename == "本部资产表-问题.xlsx"
    to_fix = list(openpyxl.load_workbook(tmp_path / "to-fix.xlsx").active.iter_rows(values_only=True))
    assert to_fix[0][-1] == "问题" and [r[1] for r in to_fix[1:]] == ["ZC-00010", "ZC-00030"]

    rows[9][8], rows[29][6] = "2021-09-01", 320  # the office fixes the two rows in its own file
    corrected = tmp_path / "本部资产表-改.xlsx"
    corrected.write_bytes(ledger_xlsx(rows, headers))
    page.goto(f"{live_server}/register/import")
    page.set_input_files("input[name=file]", str(corrected))
    page.get_by_role("button", name="上传并检查").click()
    assert page.locator("select[name=col-13]").input_value() == "supplier"  # the correction was remembered
    assert page.locator("#problems").count() == 0
    page.get_by_role("button", name="导入 60 件资产").click()
    assert page.locator("#created").inner_text() == "60"
    page.get_by_role("link", name="打印这 60 件导入资产的标签").click()
    page.get_by_role("button", name="生成 PDF").click()
    page.get_by_text("已完成").wait_for()
    with page.expect_download() as download:
        page.get_by_role("link", name="下载 PDF").click()
    path = tmp_path / "labels.pdf"
    download.value.save_as(path)
    assert page_count(path.read_bytes()) == 3  # 60 labels, 24 to an A4 sheet
    desktop.close()
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Asset)) == 60
    assert db.session.scalar(select(Asset).where(Asset.asset_number == "ZC-00014")).supplier == "南京教育装备有限公司"


def test_on_a_phone_the_review_maps_a_partial_place_and_the_choice_holds(browser, live_server, tmp_path, phone):
    """The walk-through's file at 360 px: "教学楼 101" is offered the room the register has, the person picks
    another, checks again (the choice holds), imports; no stray place appears. The mapping fits the screen, and the
    import button, disabled by a problem, says why."""
    from tagsvc.structure.models import Location, LocationKind
    from tests.factories import make_location

    office = make_user(Role.ADMIN)
    main = make_location("本部校区", kind=LocationKind.CAMPUS)
    first = make_location("1F", parent=make_location("教学楼", parent=main, kind=LocationKind.BUILDING), kind=LocationKind.FLOOR)
    room_101, room_102 = make_location("101", parent=first), make_location("102", parent=first)
    rows = ledger_rows(4)
    for row in rows:
        row[10] = "教学楼 101"
    rows[3][8] = "去年秋天"
    path = tmp_path / "台账.xlsx"
    path.write_bytes(ledger_xlsx(rows))

    page = signed_in_page(phone, live_server, office.username, TEST_PASSWORD)
    page.goto(f"{live_server}/register/import")
    page.set_input_files("input[name=file]", str(path))
    page.get_by_role("button", name="上传并检查").click()
    choice = page.locator("select[name='match-location-教学楼 101']")
    assert choice.input_value() == str(room_101.id) and "像是 本部校区 › 教学楼 › 1F › 101" in page.locator("#new-names").inner_text()
    commit = page.locator("#commit")
    assert commit.is_disabled() and commit.evaluate("b => getComputedStyle(b).cursor") == "not-allowed"
    assert "有问题时什么都不会导入" in page.locator("#why-not").inner_text()
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 360  # the mapping fits: no sideways scrolling
    for control in page.locator("main select").all():
        box = control.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 360 and box["height"] >= 44
    choice.select_option(str(room_102.id))
    page.get_by_label("即使有的行有问题，也导入没有问题的行（否则什么都不导入）").check()
    page.get_by_role("button", name="重新检查").click()
    assert page.locator("select[name='match-location-教学楼 101']").input_value() == str(room_102.id)
    screenshot(page, "import-place-mapping-phone")
    page.get_by_role("button", name="导入 3 件资产").click()
    assert page.locator("#created").inner_text() == "3"
    db.session.expire_all()
    assert {a.location_id for a in db.session.scalars(select(Asset))} == {room_102.id}
    assert db.session.scalar(select(func.count()).select_from(Location)) == 5
