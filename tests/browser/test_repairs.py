"""Scan to repaired, on phones: a student reports a broken desk with a photo, the office sends a repairer, the
repairer closes the order, and the label's page tells the next person the desk is back in use."""
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select

from tagsvc.assets.models import Asset, AssetStatus
from tagsvc.demo.services import DEMO_PASSWORD, load_demo_data
from tagsvc.extensions import db
from tagsvc.ledger.models import LedgerAction, LedgerEvent
from tests.browser.conftest import PHONE, fill_sign_in, screenshot

pytestmark = pytest.mark.browser


@pytest.fixture
def demo(live_server):
    load_demo_data()
    return live_server


def test_a_student_reports_and_the_repairer_closes_it(browser, demo, tmp_path):
    desk = db.session.scalar(select(Asset).where(Asset.name == "课桌椅（单人）", Asset.status == AssetStatus.IN_USE).order_by(Asset.id).limit(1))
    code = desk.current_tag.code
    photo = tmp_path / "desk.jpg"
    Image.new("RGB", (1200, 900), (150, 120, 90)).save(photo, "JPEG")

    # A student, no account, WeChat on a phone: three taps and a photo besides typing.
    student = browser.new_context(**PHONE)
    page = student.new_page()
    page.goto(f"{demo}/t/{code}")
    page.get_by_role("link", name="报修").click()  # tap 1
    page.fill("textarea[name=description]", "左边桌腿松了，一坐就晃")
    page.get_by_role("button", name="提交报修").click()  # nothing chosen for them: tagsvc asks, in its own words
    assert "请选择出了什么问题。" in page.locator(".field-error").first.inner_text()
    page.locator("label", has_text="损坏").first.click()  # tap 2
    assert page.locator(".field-error").count() == 0
    page.set_input_files("input[name=photos]", str(photo))
    assert page.locator("#chosen-photos img").count() == 1  # the chosen photo is shown
    screenshot(page, "report-damage-phone")
    page.get_by_role("button", name="提交报修").click()  # tap 3
    assert page.locator("h1").inner_text() == "谢谢：报修已提交"
    page.goto(f"{demo}/t/{code}")
    assert "后勤处会尽快处理" in page.locator(".report-state").inner_text()
    student.close()

    # The office sends 刘师傅.
    office = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = office.new_page()
    page.goto(f"{demo}/login")
    fill_sign_in(page, "admin", DEMO_PASSWORD)
    page.get_by_role("link", name="报修").first.click()
    page.get_by_role("link", name="课桌椅（单人）").first.click()
    page.get_by_text("受理：确有故障").click()
    page.select_option("select[name=priority]", "urgent")
    page.select_option("select[name=assignee_id]", label="刘师傅")
    page.get_by_role("button", name="保存处理决定").click()
    assert "处理决定已保存" in page.locator(".flash").inner_text()
    office.close()

    # The repairer, on a phone: the order is at the top of their list; they close it.
    repairer = browser.new_context(**PHONE)
    page = repairer.new_page()
    page.goto(f"{demo}/login")
    fill_sign_in(page, "repair1", DEMO_PASSWORD)
    assert page.locator("h2").first.inner_text() == "我的工单"  # a repairer lands on their orders
    page.locator("ul.orders li").first.click()  # the whole card opens the order
    page.get_by_role("button", name="开始维修").click()
    page.fill("textarea[name=finish-note]", "换了桌腿螺丝，已加固")
    page.fill("input[name=finish-parts_cost]", "6.50")
    page.get_by_role("button", name="关闭工单").click()
    assert "没有未完成的工单" in page.locator("main").inner_text()
    page.goto(f"{demo}/")
    assert "左边桌腿松了" in page.locator("ul.orders").last.inner_text()  # under "recently finished"
    repairer.close()

    # The next person who scans it: back in use, and when it was repaired.
    anyone = browser.new_context(**PHONE, java_script_enabled=False)
    page = anyone.new_page()
    page.goto(f"{demo}/t/{code}")
    assert page.locator(".status").first.inner_text() == "在用"
    assert "修复" in page.locator(".report-state").inner_text()
    screenshot(page, "scan-page-after-repair")
    anyone.close()

    actions = list(db.session.scalars(select(LedgerEvent.action).where(LedgerEvent.asset_id == desk.id).order_by(LedgerEvent.id)))
    assert actions[-4:] == [LedgerAction.DAMAGE_REPORTED, LedgerAction.REPORT_ACCEPTED, LedgerAction.REPAIR_STARTED, LedgerAction.REPAIR_DONE]
    assert Path(photo).exists()
