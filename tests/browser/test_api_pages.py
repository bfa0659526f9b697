"""The API's pages in Chromium on a phone: making, using and revoking a token; the reference; two people editing
one asset; the pages' own scripts calling the API with the session and the CSRF header."""
from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from tagsvc.accounts.models import Role
from tagsvc.assets.models import Asset
from tagsvc.extensions import db
from tests.browser.conftest import PHONE, screenshot, signed_in_page
from tests.conftest import TEST_PASSWORD
from tests.factories import make_asset, make_department, make_location, make_user

pytestmark = pytest.mark.browser


@pytest.fixture
def school(live_server):
    department = make_department("高一(3)班")
    office = make_user(Role.ADMIN, username="office", display_name="王海燕")
    keeper = make_user(Role.KEEPER, departments=[department], username="keeper", display_name="李老师")
    asset = make_asset(office, name="多媒体投影仪", department_id=department.id, location_id=make_location("301").id)
    return {"base": live_server, "office": office, "keeper": keeper, "asset": asset}


def _signed_in(context, base: str, username: str):
    return signed_in_page(context, base, username, TEST_PASSWORD)


def _widest(page) -> float:
    """How far right anything on the page reaches (a mobile browser widens its layout to fit what overflows, so
    window.innerWidth cannot tell)."""
    return page.evaluate("Math.max(...[...document.querySelectorAll('body *')].map(e => e.getBoundingClientRect().right))")


def _api_status(base: str, path: str, token: str) -> int:
    request = urllib.request.Request(f"{base}/api/v1{path}", headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request) as answer:
            return answer.status
    except urllib.error.HTTPError as error:
        return error.code


def test_a_keeper_makes_a_token_on_a_phone_uses_it_and_revokes_it(phone, school):
    base = school["base"]
    page = _signed_in(phone, base, "keeper")
    page.locator("label.menu-button").click()
    page.get_by_role("link", name="API 令牌").click()
    page.fill("input[name=name]", "盘点扫码枪")
    page.get_by_role("button", name="制作令牌").click()
    secret = page.locator("#new-token").inner_text()
    assert secret.startswith("tgs_") and page.get_by_text("只显示这一次").is_visible()
    assert _widest(page) <= 360  # the long token wraps: nothing reaches past the phone's width
    screenshot(page, "phone-new-token-zh")
    assert _api_status(base, "/assets", secret) == 200
    page.goto(f"{base}/account/tokens")
    assert secret not in page.content() and page.get_by_text("盘点扫码枪").is_visible()
    page.get_by_role("button", name="撤销").click()
    assert page.get_by_text("已撤销").first.is_visible()
    assert _api_status(base, "/assets", secret) == 401


def test_the_reference_is_readable_on_a_phone_and_fetches_nothing_from_outside(phone, school):
    page = phone.new_page()
    outside = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(school["base"]) else None)
    page.goto(f"{school['base']}/api/v1/reference")
    assert page.get_by_role("heading", name="API 参考").is_visible()
    assert page.locator("h3", has_text="PATCH /api/v1/assets/{asset_id}").is_visible()
    assert _widest(page) <= 360
    assert outside == []
    screenshot(page, "phone-api-reference-zh")


def test_the_pages_own_script_calls_the_api_with_the_session(phone, school):
    page = _signed_in(phone, school["base"], "office")
    page.goto(f"{school['base']}/account/tokens")
    answers = page.evaluate("""async () => {
        const csrf = document.querySelector('input[name=csrf_token]').value;
        const send = (headers) => fetch('/api/v1/departments', {method: 'POST', headers: {'Content-Type': 'application/json', ...headers},
                                                                  body: JSON.stringify({name: '教务处'})});
        const without = await send({});
        const withToken = await send({'X-CSRFToken': csrf});
        return [without.status, withToken.status, (await withToken.json()).name];
    }""")
    assert answers == [403, 201, "教务处"]


def test_two_people_editing_one_asset_in_chromium(browser, school):
    base, asset_id = school["base"], school["asset"].id
    desk = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    office = _signed_in(desk, base, "office")
    hand = browser.new_context(**PHONE)
    keeper = _signed_in(hand, base, "keeper")
    office.goto(f"{base}/assets/{asset_id}/edit")
    keeper.goto(f"{base}/assets/{asset_id}/edit")
    office.fill("input[name=custodian_name]", "钱老师")
    office.get_by_role("button", name="保存").click()
    office.wait_for_url(f"{base}/assets/{asset_id}")
    keeper.fill("input[name=name]", "教室投影仪")
    keeper.get_by_role("button", name="保存").click()
    notice = keeper.locator("#changed-meanwhile")
    assert notice.is_visible() and "您打开后，有人修改了这项资产" in notice.inner_text()
    assert "王海燕 · 修改了保管人" in notice.inner_text() and "登记入账" not in notice.inner_text()  # only what came after
    assert keeper.input_value("input[name=custodian_name]") == "钱老师" and keeper.input_value("input[name=name]") == "教室投影仪"
    db.session.expire_all()
    assert db.session.get(Asset, asset_id).name == "多媒体投影仪"  # nothing of the keeper's saved until they decide
    screenshot(keeper, "phone-edit-conflict-zh")
    keeper.get_by_role("button", name="保存").click()
    keeper.wait_for_url(f"{base}/assets/{asset_id}")
    db.session.expire_all()
    saved = db.session.get(Asset, asset_id)
    assert (saved.name, saved.custodian_name) == ("教室投影仪", "钱老师")
    desk.close()
    hand.close()


def test_an_api_answer_reaches_the_browser_as_json(phone, school):
    page = phone.new_page()
    answer = page.goto(f"{school['base']}/api/v1/tags/{school['asset'].current_tag.code}")
    assert answer.status == 200 and json.loads(page.locator("body").inner_text())["asset"]["name"] == "多媒体投影仪"


@pytest.mark.parametrize("width", [360, 1280])
def test_the_token_page_and_the_reference_fit_phone_and_desktop(browser, school, width):
    context = browser.new_context(**{**PHONE, "viewport": {"width": width, "height": 800}, "is_mobile": width < 800})
    page = _signed_in(context, school["base"], "keeper")
    for path in ("/account/tokens", "/api/v1/reference"):
        page.goto(f"{school['base']}{path}")
        assert _widest(page) <= width, path
        # Every visible header link and button of the page: a thumb's height.
        boxes = [t.bounding_box() for t in page.locator("header a, header label, main button").all()]
        assert all(box["height"] >= 44 for box in boxes if box and box["width"]), path
    context.close()
