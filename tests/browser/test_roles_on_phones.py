"""Every role at home on a phone: the demo school, signed in as each account, on a 360 px and a 412 px screen.

For each role's landing page and list pages this fails when the first item starts below the first screen,
when anything scrolls sideways, when a tap target in the header is under 44 px, or when a status badge wraps.
Screenshots of each role's landing page, the register and the repair queue, in both languages, go to
test-artifacts/.
"""
from __future__ import annotations

import pytest

from tagsvc.accounts.models import User
from tagsvc.demo.services import DEMO_PASSWORD, load_demo_data
from tagsvc.extensions import db
from tagsvc.repairs import services as repairs
from tagsvc.repairs.models import DamageKind, Priority
from tests.browser.conftest import PHONE, screenshot, signed_in_page

pytestmark = pytest.mark.browser

ROLES = ["admin", "keeper1", "teacher1", "repair1"]
# The pages with lists that each role works from: (path, CSS of one list item).
LIST_PAGES = {
    "admin": [("/assets", "table.list tbody tr"), ("/repairs", "ul.orders li"), ("/repairs/assessment", "table.list tbody tr"),
              ("/admin/users", "table.list tbody tr"), ("/admin/departments", "table.list tbody tr"),
              # the demo's stocktake of 宿舍楼A 2F: the list, its overview (rooms), its walk and, closed, its report
              ("/stocktakes", "table.list tbody tr"), ("/stocktakes/1", "table.list tbody tr"), ("/stocktakes/1/scan", "select[name=room]")],
    "keeper1": [("/assets", "table.list tbody tr"), ("/repairs", "ul.orders li")],
    "teacher1": [("/assets", "table.list tbody tr")],
    "repair1": [("/assets", "table.list tbody tr"), ("/repairs/mine", "ul.orders li")],
}
LANDING_ITEM = {"admin": ".tiles li", "keeper1": ".tiles li", "teacher1": "input[name=code]", "repair1": "ul.orders li"}


@pytest.fixture
def demo_school(live_server):
    """The demo school with repairs under way: a report waiting for the office, orders for 刘师傅, one by 张老师."""
    load_demo_data()
    users = {u.username: u for u in db.session.query(User)}
    office, teacher, repairer = users["admin"], users["teacher1"], users["repair1"]
    keeper_department_ids = {d.id for d in users["keeper1"].departments}
    from tagsvc.assets.models import Asset

    kept = [a for a in db.session.query(Asset).order_by(Asset.id) if a.department_id in keeper_department_ids]
    for asset, description in zip(kept[:3], ["不能正常使用了，请尽快来看看", "有一处松动，用的时候会晃", "表面裂了一道缝"], strict=True):
        report = repairs.submit_report(teacher, asset.current_tag.code, DamageKind.NOT_WORKING, description)
        if description != "表面裂了一道缝":
            repairs.triage_report(office, report.id, repairs.Triage("accept", Priority.URGENT, repairer.id))
    return live_server


def _sign_in(context, base: str, username: str):
    return signed_in_page(context, base, username, DEMO_PASSWORD)


def _problems_on(page, item_selector: str) -> list[str]:
    """What makes this page fail a person on a phone; an empty list when it does not. Measured once the page shows
    its item: after a form's button, the next page may still be on its way (a slow server once met a blank one)."""
    page.wait_for_load_state()
    page.locator(item_selector).first.wait_for()
    return page.evaluate(
        """(item) => {
        const problems = [];
        const width = window.innerWidth;
        if (document.documentElement.scrollWidth > width) problems.push(`page scrolls sideways: ${document.documentElement.scrollWidth} > ${width}`);
        for (const el of document.querySelectorAll('main *')) {
          const box = el.getBoundingClientRect();
          if (el.closest('thead, .visually-hidden')) continue;  // read aloud, never shown
          if (box.width && box.right > width + 0.5) {
            problems.push(`${el.tagName}.${el.className} reaches ${Math.round(box.right)} px`); break;
          }
        }
        for (const card of document.querySelectorAll('table.list tbody tr, ul.orders li, .tiles li')) {
          if (card.scrollWidth > card.clientWidth + 1) problems.push(`a card scrolls sideways: ${card.innerText.slice(0, 30)}`);
        }
        const header = document.querySelector('header.top');
        for (const target of header.querySelectorAll('a, button, label, summary')) {
          const box = target.getBoundingClientRect();
          if (box.width === 0 && box.height === 0) continue;  // inside the closed menu
          if (box.height < 44 || box.width < 44) problems.push(`small tap target in the header: ${target.innerText} ${Math.round(box.width)}×${Math.round(box.height)}`);
        }
        for (const badge of document.querySelectorAll('.status')) {
          const box = badge.getBoundingClientRect();
          if (box.width === 0) continue;  // the wide-screen column, hidden on a phone
          const lineHeight = parseFloat(getComputedStyle(badge).lineHeight) || parseFloat(getComputedStyle(badge).fontSize) * 1.5;
          if (badge.getClientRects().length > 1 || box.height > lineHeight * 1.8) problems.push(`a status badge wraps: ${badge.innerText}`);
        }
        const first = document.querySelector(item);
        if (!first) problems.push(`no list item (${item})`);
        else if (first.getBoundingClientRect().top >= window.innerHeight) problems.push(`the first item starts at ${Math.round(first.getBoundingClientRect().top)} px, below the first screen of ${window.innerHeight} px`);
        return problems;
    }""",
        item_selector,
    )


@pytest.mark.parametrize("width", [360, 412])
@pytest.mark.parametrize("username", ROLES)
def test_each_role_works_from_a_phone(browser, demo_school, username, width):
    context = browser.new_context(**{**PHONE, "viewport": {"width": width, "height": 740 if width == 360 else 915}})
    page = _sign_in(context, demo_school, username)
    assert _problems_on(page, LANDING_ITEM[username]) == []
    page.locator("label.menu-button").click()  # the open menu: every section a thumb's height
    sections = page.eval_on_selector_all("nav.menu .nav-item", "els => els.map(e => e.getBoundingClientRect().height)")
    assert len(sections) >= 4 and min(sections) >= 44
    assert _problems_on(page, LANDING_ITEM[username]) == []
    for path, item in LIST_PAGES[username]:
        page.goto(f"{demo_school}{path}")
        assert _problems_on(page, item) == [], path
    context.close()


@pytest.mark.parametrize("locale, language", [("zh-CN", "zh"), ("en-US", "en")])
@pytest.mark.parametrize("username", ROLES)
def test_screenshots_of_each_role_on_a_phone(browser, demo_school, username, locale, language):
    context = browser.new_context(**{**PHONE, "locale": locale})
    page = _sign_in(context, demo_school, username)
    screenshot(page, f"phone-{username}-home-{language}")
    page.goto(f"{demo_school}/assets")
    screenshot(page, f"phone-{username}-register-{language}")
    queue = {"admin": "/repairs", "keeper1": "/repairs", "repair1": "/repairs/mine"}.get(username)
    if queue:
        page.goto(f"{demo_school}{queue}")
        assert page.locator("ul.orders li").count() >= 1
        screenshot(page, f"phone-{username}-repairs-{language}")
    context.close()


@pytest.fixture
def office_register(browser, demo_school):
    """The office, signed in on a phone, on the register."""
    context = browser.new_context(**PHONE)
    page = _sign_in(context, demo_school, "admin")
    page.goto(f"{demo_school}/assets")
    yield page
    context.close()


def test_the_menu_opens_on_a_phone_and_names_the_page_you_are_on(office_register, demo_school):
    page = office_register
    assert not page.locator("nav.menu").is_visible()
    menu = page.locator("label.menu-button")
    from sqlalchemy import func, select

    from tagsvc.repairs.models import DamageReport, ReportStatus

    waiting = db.session.scalar(select(func.count()).select_from(DamageReport).where(DamageReport.status == ReportStatus.NEW))
    assert waiting >= 1 and f"{waiting} 件新报修" in menu.inner_text()  # the reports waiting for the office, counted on the button
    menu.click()
    assert page.locator("nav.menu").is_visible()
    screenshot(page, "phone-admin-menu-zh")
    assert page.locator("nav.menu [aria-current=page]").inner_text() == "资产"
    assert page.locator("nav.menu").get_by_role("link", name="资产", exact=True).count() == 0  # no link to the page you are on
    page.locator("nav.menu").get_by_role("link", name="报修").click()
    page.wait_for_url(f"{demo_school}/repairs")


def test_the_register_filters_fold_behind_one_button_that_counts_them(office_register):
    page = office_register
    assert not page.locator("select[name=department]").is_visible()
    page.locator("summary", has_text="筛选").click()
    page.select_option("select[name=status]", "in_use")
    page.locator("button", has_text="应用筛选").click()
    assert page.locator("summary", has_text="筛选").locator(".badge").inner_text() == "1"
    assert "在用" in page.locator("table.list tbody tr").first.inner_text()


def test_the_office_picks_a_bed_by_typing_part_of_its_path(office_register):
    page = office_register
    page.locator("table.list tbody tr a.row-link").first.click()
    page.get_by_role("link", name="编辑").click()
    box = page.locator("input[name='location_id-path']")
    box.fill("宿舍楼A 203 床位2")
    option = page.locator(".picker-results button").first
    option.wait_for()
    chosen = option.inner_text()
    assert chosen == "本部校区 › 宿舍楼A › 2F › 203 › 床位2"
    option.click()
    assert box.input_value() == chosen
    page.locator("main button[type=submit]", has_text="保存").click()
    assert chosen in page.locator("main").inner_text()


def test_a_keeper_scans_an_item_with_an_open_report_and_follows_it(browser, demo_school):
    from tagsvc.repairs.models import DamageReport, ReportStatus

    waiting = db.session.query(DamageReport).filter(DamageReport.status == ReportStatus.NEW, DamageReport.description == "表面裂了一道缝").one()
    code = waiting.asset.current_tag.code
    anyone = browser.new_context(**PHONE, java_script_enabled=False)
    page = anyone.new_page()
    page.goto(f"{demo_school}/t/{code}")
    assert page.locator(".status-reported").inner_text() == "已报修，待核实"
    assert page.get_by_role("link", name="也看到了？补充到报修单").is_visible()
    assert _problems_on(page, "h1") == []  # the public header too: 44 px targets, nothing sideways
    anyone.close()

    context = browser.new_context(**PHONE)
    page = _sign_in(context, demo_school, "keeper1")
    page.goto(f"{demo_school}/t/{code}")
    line = page.locator(".open-report")
    assert f"报修 #{waiting.id}" in line.inner_text() and "新报修，待处理" in line.inner_text()
    assert _problems_on(page, ".open-report") == []
    screenshot(page, "phone-keeper1-scan-open-report-zh")
    line.get_by_role("link").first.click()
    page.wait_for_url(f"{demo_school}/repairs/{waiting.id}")
    assert "保存处理决定" not in page.locator("main").inner_text()  # the keeper follows; the office decides
    context.close()
