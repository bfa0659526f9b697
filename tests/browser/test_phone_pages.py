"""What a person does on a phone: scan a label, read the page, sign in, find and change an asset."""
import pytest
from sqlalchemy import select

from tagsvc.accounts.models import Role
from tagsvc.assets.models import Asset, AssetStatus
from tagsvc.extensions import db
from tests.browser.conftest import PHONE, screenshot
from tests.conftest import TEST_PASSWORD
from tests.factories import make_asset, make_department, make_location, make_user

pytestmark = pytest.mark.browser


@pytest.fixture
def desk(live_server):
    building = make_location("教学楼")
    room = make_location("301", parent=make_location("3F", parent=building))
    return make_asset(
        name="课桌椅（单人）", asset_number="KZY-2024-0042", department_id=make_department("高二(1)班").id,
        location_id=room.id, status=AssetStatus.IN_USE,
    )


def _fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_scanned_label_opens_a_readable_page_without_javascript(browser, live_server, desk):
    context = browser.new_context(**PHONE, java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server}/t/{desk.current_tag.code.lower()}")
    assert page.locator("h1").inner_text() == "课桌椅（单人）"
    facts = page.locator("dl.facts").inner_text()
    for text in ["KZY-2024-0042", "高二(1)班", "教学楼 › 3F › 301", "完好"]:
        assert text in facts
    assert page.locator(".status").inner_text() == "在用"
    assert "赵老师" not in page.content()  # no custodian for an anonymous scan
    assert _fits_the_screen(page)
    font_size = page.evaluate("parseFloat(getComputedStyle(document.querySelector('dd')).fontSize)")
    assert font_size >= 16  # readable without zooming
    screenshot(page, "scan-page-zh")
    context.close()


def test_scan_page_switches_to_english_and_remembers_it(phone, live_server, desk):
    page = phone.new_page()
    page.goto(f"{live_server}/t/{desk.current_tag.code}")
    page.get_by_role("link", name="English").click()
    assert page.locator(".status").inner_text() == "In use"
    page.goto(f"{live_server}/t/{desk.current_tag.code}")
    assert "Asset number" in page.locator("dl.facts").inner_text()
    screenshot(page, "scan-page-en")


def test_person_types_the_code_when_the_camera_fails(phone, live_server, desk):
    page = phone.new_page()
    page.goto(f"{live_server}/")
    code = desk.current_tag.code
    page.fill("input[name=code]", f"{code[:4].lower()}-{code[4:].lower()}")
    page.get_by_role("button").click()
    assert page.locator("h1").inner_text() == "课桌椅（单人）"


def test_unknown_code_explains_and_offers_to_type_another(phone, live_server):
    page = phone.new_page()
    response = page.goto(f"{live_server}/t/ZZZZ2222")
    assert response.status == 404
    assert "ZZZZ-2222" in page.locator("main").inner_text()
    assert page.locator("input[name=code]").is_visible()


def test_touch_targets_are_large_enough(phone, live_server, desk):
    page = phone.new_page()
    page.goto(f"{live_server}/")
    heights = page.eval_on_selector_all("button, input", "els => els.map(e => e.getBoundingClientRect().height)")
    assert heights and min(heights) >= 44


def test_office_signs_in_finds_and_edits_an_asset_on_a_phone(phone, live_server, desk):
    admin = make_user(Role.ADMIN, username="wang", display_name="王海燕")
    page = phone.new_page()
    page.goto(f"{live_server}/t/{desk.current_tag.code}")
    page.get_by_role("link", name="登录").first.click()
    page.fill("input[name=username]", admin.username)
    page.fill("input[name=password]", TEST_PASSWORD)
    page.get_by_role("button", name="登录").click()
    # Back on the scanned item, now with the staff part.
    assert page.url.endswith(f"/t/{desk.current_tag.code}")
    assert "赵老师" in page.locator("main").inner_text()

    page.goto(f"{live_server}/assets")
    page.fill("input[name=q]", "KZY-2024")
    page.get_by_role("button", name="搜索").click()
    page.get_by_role("link", name="课桌椅（单人）").click()
    page.get_by_role("link", name="编辑").click()
    page.select_option("select[name=condition]", "fair")
    page.fill("input[name=custodian_name]", "孙老师")
    page.get_by_role("button", name="保存").click()

    assert "已保存" in page.locator(".flash").inner_text()
    history = page.locator("ul.history").inner_text()
    assert "完好 → 一般，有磨损" in history and "赵老师 → 孙老师" in history and "王海燕" in history
    assert _fits_the_screen(page)
    screenshot(page, "asset-detail-phone")
    db.session.expire_all()
    assert db.session.scalar(select(Asset.custodian_name).where(Asset.id == desk.id)) == "孙老师"


def test_office_registers_a_new_asset_and_sees_its_label_code(browser, live_server):
    make_user(Role.ADMIN, username="wang")
    make_department("信息中心")
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{live_server}/login")
    page.fill("input[name=username]", "wang")
    page.fill("input[name=password]", TEST_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.get_by_role("link", name="登记资产").click()
    page.fill("input[name=asset_number]", "JS-2026-0001")
    page.fill("input[name=name]", "笔记本电脑")
    page.select_option("select[name=department_id]", label="信息中心")
    page.fill("input[name=price]", "5200")
    page.get_by_role("button", name="保存").click()
    assert "已登记，标签码为" in page.locator(".flash").inner_text()
    page.get_by_role("link", name="打开标签页面").click()
    assert page.locator("h1").inner_text() == "笔记本电脑"

    # The same number again is refused with a clear message.
    page.goto(f"{live_server}/assets/new")
    page.fill("input[name=asset_number]", "JS-2026-0001")
    page.fill("input[name=name]", "另一台")
    page.get_by_role("button", name="保存").click()
    assert "资产编号 JS-2026-0001 已在台账中" in page.locator(".flash").inner_text()
    context.close()
