"""The office's new pages on a phone: the import, its review, the reports and the asset card fit a 360 px screen."""

import pytest

from tagsvc.accounts.models import Role
from tests.browser.conftest import PHONE, screenshot, signed_in_page
from tests.browser.test_roles_on_phones import _problems_on
from tests.conftest import TEST_PASSWORD
from tests.factories import make_asset, make_department, make_user
from tests.spreadsheets.files import ledger_rows, ledger_xlsx

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", [360, 412])
def test_the_import_and_report_pages_fit_a_phone(browser, live_server, tmp_path, width):
    office = make_user(Role.ADMIN)
    department = make_department("教务处")
    asset = make_asset(asset_number="KZ-1", department_id=department.id)
    phone = browser.new_context(**{**PHONE, "viewport": {"width": width, "height": 800}})
    page = signed_in_page(phone, live_server, office.username, TEST_PASSWORD)
    for path, item in [("/register/import", "input[name=file]"), ("/reports", ".card"), (f"/reports/departments/{department.id}", "table tbody tr"),
                       (f"/assets/{asset.id}/card", "table"), ("/disposals", "main .card")]:
        page.goto(f"{live_server}{path}")
        assert _problems_on(page, item) == [], path
    rows = ledger_rows(5)
    rows[1][8] = "不详"
    (tmp_path / "台账.xlsx").write_bytes(ledger_xlsx(rows))
    page.goto(f"{live_server}/register/import")
    page.set_input_files("input[name=file]", str(tmp_path / "台账.xlsx"))
    page.locator("#upload button[type=submit]").click()
    assert _problems_on(page, "#dry-run") == [], "review"
    phone.close()


def test_the_department_sheet_is_cards_on_a_phone_and_a_table_on_paper(browser, live_server):
    """本部资产表 from the keeper's start page: 416 px wide on a phone, its place column one character a line. Now a
    card per item on screen, each value named; printed, still the A4 table."""
    from tagsvc.structure.models import LocationKind
    from tests.factories import make_location

    department = make_department("教务处")
    keeper = make_user(Role.KEEPER, departments=[department])
    room = make_location("301 多媒体教室", parent=make_location("3F", parent=make_location("本部校区 教学楼", kind=LocationKind.BUILDING),
                                                              kind=LocationKind.FLOOR))
    for n in range(3):
        make_asset(asset_number=f"JW-{n}", name="多媒体投影仪", model="CB-X06 超短焦", department_id=department.id, location_id=room.id,
                   custodian_name="王老师")
    phone = browser.new_context(**PHONE)
    page = signed_in_page(phone, live_server, keeper.username, TEST_PASSWORD)
    page.locator("main").get_by_role("link", name="教务处", exact=True).click()
    assert _problems_on(page, "table tbody tr") == []
    card = page.locator("table tbody tr").first
    assert card.bounding_box()["width"] > 300
    text = card.inner_text()
    assert "本部校区 教学楼 › 3F › 301 多媒体教室" in text and "王老师" in text
    place_cell = card.locator("td[data-label='存放地点']")
    assert "存放地点：" in place_cell.evaluate("td => getComputedStyle(td, '::before').content")  # each value named
    place = place_cell.bounding_box()
    assert place["height"] < 80  # a line or two, not a character a line
    screenshot(page, "department-sheet-phone")
    page.emulate_media(media="print")
    assert page.locator("table thead").is_visible() and page.locator("table tbody tr").first.evaluate("r => getComputedStyle(r).display") == "table-row"
    phone.close()


def test_the_office_adds_a_group_robot_on_a_phone(browser, live_server):
    """The group-messages page at 360 px: add a WeCom robot, send it a test message, see its answer."""
    from tests.channels.fake_robots import FakeRobot

    robot = FakeRobot("wecom")
    try:
        office = make_user(Role.ADMIN)
        make_department("教务处")
        phone = browser.new_context(**PHONE)
        page = signed_in_page(phone, live_server, office.username, TEST_PASSWORD)
        page.locator("label.menu-button").click()
        page.locator("nav.menu").get_by_role("link", name="群消息").click()
        page.fill("input[name=name]", "后勤处群")
        page.fill("input[name=url]", robot.url)
        page.get_by_text("新报修", exact=True).click()
        page.get_by_text("待审批的调拨").click()
        page.fill("input[name=quiet_from]", "0")  # no quiet hours: this test may run at night
        page.fill("input[name=quiet_until]", "0")
        page.get_by_role("button", name="添加", exact=True).click()
        assert "已添加“后勤处群”" in page.locator(".flash-success").inner_text()
        page.get_by_role("button", name="发送测试消息").click()
        assert "机器人已收下测试消息" in page.locator(".flash-success").inner_text() and len(robot.received) == 1
        assert _problems_on(page, "#add") == []
        card = page.locator(".card[id^=channel-]").first.inner_text()
        assert "新报修 · 待审批的调拨" in card and robot.key not in card
        screenshot(page, "group-messages-phone")

        # News comes: three reports at once reach the group as one digest, which the log shows as the group read it.
        from tagsvc.channels.services import deliver
        from tagsvc.repairs.models import DamageKind
        from tagsvc.repairs.services import Reporter, submit_report
        from tests.factories import make_asset, make_location

        room = make_location("301", parent=make_location("教学楼"))
        for n, (name, wrong) in enumerate((("投影仪", "开机无画面"), ("课桌椅", "桌腿松动"), ("灭火器", "压力表指针在红区"))):
            asset = make_asset(name=name, asset_number=f"ZC-2026-{n + 1:04d}", location_id=room.id)
            submit_report(None, asset.current_tag.code, DamageKind.UNSAFE if name == "灭火器" else DamageKind.BROKEN, wrong,
                          Reporter("李同学", "高二(1)班", "13800001234"), client_hash=f"phone-{n}")
        deliver()
        page.get_by_role("link", name="发送记录").click()
        bubble = page.locator(".group-message").first
        text = bubble.inner_text()
        assert "3 条新报修" in text and "ZC-2026-0003" in text and "教学楼 › 301" in text and "13800001234" not in text
        assert bubble.get_by_role("link").count() == 1
        screenshot(page, "group-message-phone")

        # Paused from its page: the list says so.
        page.goto(f"{live_server}/admin/channels")
        page.get_by_role("link", name="修改").click()
        assert robot.key not in page.content()
        page.get_by_text("发送中").click()
        page.get_by_role("button", name="保存", exact=True).click()
        assert "已保存“后勤处群”" in page.locator(".flash-success").inner_text() and "已暂停" in page.locator(".card[id^=channel-]").first.inner_text()
        phone.close()
    finally:
        robot.close()


def test_the_group_message_and_bureau_pages_fit_a_desktop(browser, live_server):
    """The channel's change page and delivery log, and the bureau's disposal page, on a 1280 px screen: no sideways
    scroll, the page's first item in the first screen."""
    from decimal import Decimal

    from tagsvc.channels.services import add_channel
    from tagsvc.disposals import services as disposals
    from tests.disposals.conftest import build_school as build_disposal_school
    from tests.disposals.conftest import propose
    from tests.factories import make_asset

    school = build_disposal_school()
    channel = add_channel(school.head, "后勤处群", "wecom", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=desk-key", ["damage_reported"])
    bus = make_asset(name="校车", asset_number="XC-001", department_id=school.it.id, price=Decimal("268000.00"))
    disposal = propose(school, [bus])
    disposals.approve_disposal(school.head, disposal.id)
    disposals.approve_disposal(school.second, disposal.id)
    bureau = make_user(Role.DISTRICT, display_name="区教育局张科长")
    desktop = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    for person, pages in ((school.head, [(f"/admin/channels/{channel.id}/edit", "input[name=name]"), (f"/admin/channels/{channel.id}", "h1"),
                                         ("/admin/channels", f"#channel-{channel.id}")]),
                          (bureau, [("/", "main .card"), (f"/disposals/{disposal.id}", "form button.btn")])):
        page = signed_in_page(desktop, live_server, person.username, TEST_PASSWORD)
        for path, first in pages:
            page.goto(f"{live_server}{path}")
            page.locator(first).first.wait_for()
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), path
            assert page.locator(first).first.bounding_box()["y"] < 900, path
        page.context.clear_cookies()
    desktop.close()
