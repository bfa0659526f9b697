"""Transfers in Chromium: a projector moved between two departments with phones and the office's desktop, and a
class's 40 desks confirmed by a hand-held scanner with one left outstanding."""
import pytest
from sqlalchemy import select

from tagsvc.assets.models import Asset
from tagsvc.extensions import db
from tagsvc.ledger.models import LedgerAction, LedgerEvent
from tagsvc.transfers import services
from tagsvc.transfers.models import Transfer
from tests.browser.conftest import PHONE, screenshot, signed_in_page
from tests.conftest import TEST_PASSWORD
from tests.transfers.conftest import build_school

pytestmark = pytest.mark.browser


def widest(page) -> int:
    return page.evaluate("Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)")


def test_a_projector_moves_from_it_to_the_academic_office(browser, live_server):
    school = build_school()
    label = f"{live_server}/t/{school.projector.current_tag.code}"

    sender_phone = browser.new_context(**PHONE)
    page = signed_in_page(sender_phone, live_server, school.sender.username, TEST_PASSWORD)
    page.goto(label)  # the keeper's camera app opened the projector's label
    page.get_by_role("link", name="调拨到其他部门").click()
    page.select_option("select[name=to_department_id]", label="教务处")
    box = page.locator("input[name='to_location_id-path']")
    box.fill("行政楼 205")
    option = page.locator(".picker-results button").first
    option.wait_for()
    option.click()
    page.fill("input[name=to_custodian]", "张老师")
    page.fill("textarea[name=reason]", "多媒体教室需要投影仪")
    page.get_by_role("button", name="提交调拨申请").click()
    assert "待教务处同意、总务处批准" in page.locator(".flash-success").inner_text()
    assert widest(page) <= 360
    number = page.locator("h1").inner_text().split()[-1]
    sender_phone.close()

    receiver_phone = browser.new_context(**PHONE)
    page = signed_in_page(receiver_phone, live_server, school.receiver.username, TEST_PASSWORD)
    page.locator("label.menu-button").click()  # the phone's menu opens
    page.locator("nav.menu").get_by_role("link", name="调拨").click()
    page.get_by_role("link", name=number).click()
    accept = page.get_by_role("button", name="同意：我们接收这些物品")
    assert accept.bounding_box()["height"] >= 44
    accept.click()
    assert "还在等待另一方审批" in page.locator(".flash-success").inner_text()
    screenshot(page, "transfer-accepted-phone")

    desktop = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    office = signed_in_page(desktop, live_server, school.office.username, TEST_PASSWORD)
    office.goto(f"{live_server}/transfers")
    office.get_by_role("link", name=number).click()
    office.get_by_role("button", name="批准").click()
    assert "已批准" in office.locator(".flash-success").inner_text()
    desktop.close()

    page.goto(label)  # the projector has arrived: the receiver scans its label
    assert "自" in page.locator(".notice").first.inner_text() and "正在调拨至教务处" in page.locator("main").inner_text()
    page.get_by_role("button", name="确认到货：物品在此").click()
    assert page.locator(".flash-success").inner_text() == "✓ 投影仪 已到 · 1 / 1 · 全部到齐"
    facts = page.locator("dl.facts").first.inner_text()
    assert "教务处" in facts and "行政楼 › 205" in facts
    history = page.locator(".history").inner_text()
    for step in ("申请调拨", "调拨：接收方同意", "调拨：总务处批准", "调拨到货（已入账）", "使用部门：信息中心 → 教务处"):
        assert step in history
    assert widest(page) <= 360
    screenshot(page, "transfer-arrived-phone")
    receiver_phone.close()
    db.session.expire_all()
    assert db.session.get(Asset, school.projector.id).department_id == school.academic.id
    moved = db.session.scalar(select(LedgerEvent).where(LedgerEvent.asset_id == school.projector.id, LedgerEvent.action == LedgerAction.TRANSFERRED))
    assert moved.note == number and moved.changes["location_id"] == ["行政楼 › 101", "行政楼 › 205"]


def test_forty_desks_arrive_by_a_hand_held_scanner_and_one_stays_outstanding(browser, live_server):
    school = build_school()
    transfer = services.request_transfer(school.sender, services.TransferRequest([d.id for d in school.desks], school.academic.id,
                                                                                reason="高一(3)班换教室"))
    services.accept_transfer(school.receiver, transfer.id)
    services.approve_transfer(school.office, transfer.id)
    tablet = browser.new_context(viewport={"width": 1024, "height": 768}, locale="zh-CN")
    page = signed_in_page(tablet, live_server, school.receiver.username, TEST_PASSWORD)
    page.goto(f"{live_server}/transfers/{transfer.id}")
    field = page.locator("input[name=code]")
    for desk in school.desks[:39]:
        field.fill(f"{live_server}/t/{desk.current_tag.code}")  # a scanner in keyboard mode types the label's address
        field.press("Enter")
        page.wait_for_load_state()
        field = page.locator("input[name=code]")
    assert page.locator(".flash-success").inner_text() == "✓ 课桌39 已到 · 39 / 40"
    assert "已到 39 / 40" in page.locator("h2", has_text="物品").inner_text()
    assert "未到：1 件尚未确认，账上仍属信息中心。" in page.locator(".notice").inner_text()
    screenshot(page, "transfer-desks-outstanding")
    tablet.close()
    db.session.expire_all()
    assert db.session.get(Transfer, transfer.id).status == "approved"
    assert db.session.get(Asset, school.desks[39].id).department_id == school.it.id


@pytest.mark.parametrize("width", [360, 412])
def test_the_transfer_pages_fit_a_phone(browser, live_server, width):
    from tests.browser.test_roles_on_phones import _problems_on

    school = build_school()
    transfer = services.request_transfer(school.sender, services.TransferRequest([d.id for d in school.desks], school.academic.id,
                                                                                reason="高一(3)班换教室，课桌随班调到教务处管理的新教室"))
    services.accept_transfer(school.receiver, transfer.id)
    services.approve_transfer(school.office, transfer.id)
    phone = browser.new_context(**{**PHONE, "viewport": {"width": width, "height": 800}})
    page = signed_in_page(phone, live_server, school.receiver.username, TEST_PASSWORD)
    for path, item in [("/", ".stocktake-banner"), ("/transfers", "table.list tbody tr"), (f"/transfers/{transfer.id}", "ul.transfer-items li")]:
        page.goto(f"{live_server}{path}")
        assert _problems_on(page, item) == [], path
    page.goto(f"{live_server}/transfers/{transfer.id}")
    for button in page.locator("ul.transfer-items button").all()[:3]:
        assert button.bounding_box()["height"] >= 44
    phone.close()
    phone = browser.new_context(**{**PHONE, "viewport": {"width": width, "height": 800}})
    page = signed_in_page(phone, live_server, school.sender.username, TEST_PASSWORD)
    page.goto(f"{live_server}/transfers/new?asset={school.projector.id}")
    assert _problems_on(page, "select[name=to_department_id]") == []
    phone.close()
