"""A transfer between schools (划拨) the whole way on 360 px phones: the first school's office offers two items, the
second school's office accepts them for a department, the education bureau approves, and the second school's camera
reads the items' own labels as they arrive. The labels then open as the second school's items."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from tagsvc.accounts.models import Role
from tagsvc.assets.models import Asset, AssetStatus
from tagsvc.extensions import db
from tagsvc.schools.models import School
from tagsvc.schools.wall import use_school
from tagsvc.structure.models import Department
from tagsvc.transfers.models import SchoolTransfer, SchoolTransferStatus
from tests.browser.conftest import screenshot, signed_in_page
from tests.browser.test_roles_on_phones import _problems_on
from tests.browser.test_stocktake_scanner import camera_browser, label_pictures, phone_signed_in, write_clip
from tests.conftest import TEST_PASSWORD
from tests.factories import make_user, two_demo_schools

pytestmark = pytest.mark.browser


def test_two_items_go_to_another_school_and_arrive_by_camera(playwright, live_server, tmp_path):
    first, second = two_demo_schools(40, 30)
    bureau = make_user(Role.DISTRICT, display_name="区教育局张科长")
    db.session.commit()
    with use_school(1):
        items = list(db.session.scalars(select(Asset).where(Asset.status == AssetStatus.IN_USE, Asset.location_id.is_not(None))
                                        .order_by(Asset.id).limit(2)))
        write_clip(tmp_path / "arrivals.y4m", label_pictures(live_server, items))
        codes = [item.current_tag.code for item in items]
    with use_school(second.school_id):
        department = db.session.scalar(select(Department).order_by(Department.id))

    with camera_browser(playwright, tmp_path / "arrivals.y4m") as browser:
        # The first school's office: from the transfer form of the items ticked in the register, to another school.
        context, page = phone_signed_in(browser, live_server, first)
        page.goto(f"{live_server}/transfers/new?" + "&".join(f"asset={item.id}" for item in items))
        page.get_by_role("link", name="改为划拨给其他学校？").click()
        page.select_option("select[name=to_school_id]", label="第二中学")
        page.get_by_role("button", name="提交划拨").click()
        page.get_by_text("请说明这些物品为何划拨给第二中学").wait_for()  # no reason: refused, and said why
        page.fill("textarea[name=reason]", "初一并班后空余，支援第二中学")
        page.get_by_role("button", name="提交划拨").click()
        page.locator("h1").filter(has_text="HB-").wait_for()
        assert page.locator(".badges .status").inner_text() == "待接收学校确认"
        assert _problems_on(page, ".transfer-items li") == []
        context.close()

        # The second school's office: it waits for them; they accept, for a department of theirs.
        context, page = phone_signed_in(browser, live_server, second)
        page.goto(f"{live_server}/approvals")
        page.locator("#school-transfers a").first.click()
        page.select_option("select[name=to_department_id]", label=department.name)
        page.get_by_role("button", name="同意：我们接收这些物品").click()
        page.locator(".flash, .notice, [role=status]").filter(has_text="等待教育局审批").first.wait_for()
        assert page.locator(".badges .status").inner_text() == "待教育局审批"
        transfer_url = page.url
        context.close()

        # The education bureau approves it from its own list.
        context, page = phone_signed_in(browser, live_server, bureau)
        page.goto(f"{live_server}/approvals")
        page.locator("#school-transfers a").first.click()
        page.get_by_role("button", name="批准").click()
        page.locator(".badges .status").filter(has_text="已批准，待到货").wait_for()
        screenshot(page, "school-transfer-bureau-phone")
        context.close()
        # The bureau reads it on a desk too: nothing wider than the window.
        desk = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
        page = signed_in_page(desk, live_server, bureau.username, TEST_PASSWORD)
        page.goto(transfer_url)
        page.locator(".transfer-items li").first.wait_for()
        assert page.evaluate("document.documentElement.scrollWidth") <= 1280
        desk.close()

        # The second school scans the two labels as the items come off the van.
        context, page = phone_signed_in(browser, live_server, second)
        page.goto(transfer_url)
        page.get_by_role("button", name="打开摄像头").click()
        page.wait_for_function("() => document.querySelectorAll('#scan-log li.log-ok').length === 2", timeout=20_000)
        page.wait_for_function("() => document.getElementById('arrived-count').textContent.includes('2 / 2')")
        assert _problems_on(page, "#scan-log li") == []  # the scanner and what it read first, the list under them
        screenshot(page, "school-transfer-arrivals-phone")
        # Its label now opens as the second school's item, in the department it chose.
        page.goto(f"{live_server}/t/{codes[0]}")
        text = page.locator("main").inner_text()
        assert department.name in text and items[0].name in text
        context.close()

    db.session.expire_all()
    transfer = db.session.scalar(select(SchoolTransfer))
    assert transfer.status == SchoolTransferStatus.COMPLETED
    assert {item.arrival_method.value for item in transfer.items} == {"camera"}
    with use_school(1):
        assert {db.session.get(Asset, item.id).status for item in items} == {AssetStatus.TRANSFERRED_OUT}


@pytest.mark.parametrize("viewport", [{"width": 360, "height": 740}, {"width": 1280, "height": 900}], ids=["phone", "desk"])
def test_the_office_sets_its_schools_settings_in_a_browser(browser, live_server, viewport):
    _first, second = two_demo_schools(5, 5)
    context = browser.new_context(viewport=viewport, locale="zh-CN")
    context.set_default_timeout(10_000)
    page = signed_in_page(context, live_server, second.username, TEST_PASSWORD)
    page.goto(f"{live_server}/admin/school")
    page.fill("input[name=fixed_asset_threshold]", "0")
    page.get_by_role("button", name="保存").click()
    page.get_by_text("请输入 1 到 10,000,000 之间的整数（元）").wait_for()  # refused, and said why
    page.fill("input[name=fixed_asset_threshold]", "800")
    page.select_option("select[name=default_language]", "en")
    page.get_by_role("button", name="保存").click()
    page.get_by_text("已保存").wait_for()
    assert page.input_value("input[name=fixed_asset_threshold]") == "800"
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    box = page.get_by_role("button", name="保存").bounding_box()
    assert box["height"] >= 44
    context.close()
    db.session.expire_all()
    school = db.session.get(School, second.school_id)
    assert (school.fixed_asset_threshold, school.default_language) == (800, "en")
