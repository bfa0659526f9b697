"""The education bureau on a 360 px phone: its district page, a stocktake season set and followed; a school's office
opening its stocktake for the season from its own phone."""

from datetime import timedelta

import pytest

from tagsvc.accounts.models import Role
from tagsvc.loans.services import school_today
from tagsvc.schools.wall import use_school
from tagsvc.stocktake.services import close_stocktake, stocktakes_for
from tests.browser.conftest import PHONE, screenshot, signed_in_page
from tests.browser.test_roles_on_phones import _problems_on
from tests.conftest import TEST_PASSWORD
from tests.factories import make_user, two_demo_schools

pytestmark = pytest.mark.browser


def test_the_bureau_sets_a_season_on_its_phone_and_follows_the_schools(browser, live_server):
    _first, office = two_demo_schools(80, 60)
    with use_school(office.school_id):
        for stocktake in stocktakes_for(office):  # the demo's dorm stocktake: the season's takes the whole school
            close_stocktake(office, stocktake.id, pending_override=0)
    bureau = make_user(Role.DISTRICT, display_name="区教育局张科长")
    phone = browser.new_context(**PHONE)
    phone.set_default_timeout(10_000)
    page = signed_in_page(phone, live_server, bureau.username, TEST_PASSWORD)

    page.get_by_role("link", name="全区总览：各校数据").click()
    page.wait_for_url(f"{live_server}/district")
    assert _problems_on(page, ".district-school") == []
    assert page.locator(".district-school h2").all_inner_texts()[:2] == ["第一中学 s1", "第二中学 s2"]
    screenshot(page, "district-phone")

    page.locator("main").get_by_role("link", name="年度清查").click()
    page.fill("input[name=name]", "2026年度资产清查")
    page.fill("input[name=deadline]", (school_today() + timedelta(days=10)).isoformat())
    page.get_by_role("button", name="通知各校开展").click()
    page.locator(".season-school").first.wait_for()
    assert page.locator(".season-school .status").all_inner_texts() == ["未开始", "未开始"]
    assert _problems_on(page, ".season-school") == []
    season_url = page.url

    school_phone = browser.new_context(**PHONE)
    school_phone.set_default_timeout(10_000)
    school_page = signed_in_page(school_phone, live_server, office.username, TEST_PASSWORD)
    school_page.goto(f"{live_server}/stocktakes")
    school_page.get_by_role("button", name="开始本校盘点").click()
    school_page.locator("h1").filter(has_text="2026年度资产清查").wait_for()
    assert "/stocktakes/" in school_page.url

    page.goto(season_url)
    statuses = page.locator(".season-school .status").all_inner_texts()
    assert statuses == ["未开始", "盘点中"]
    assert "已找到 0 / 60（0%）" in page.locator(".season-school").nth(1).inner_text()
    screenshot(page, "season-phone")
    school_phone.close()
    phone.close()
