"""An inspection round on a 360 px phone: the camera reads each extinguisher's label and brings up its checklist,
"all pass" is one tap, a failed line needs its word; offline, every line waits on the phone, and once the network is
back each arrives exactly once, a damage report opened for the failure."""
from __future__ import annotations

from datetime import date

import pypdfium2
import pytest
from sqlalchemy import func, select

from tagsvc.accounts.models import Role
from tagsvc.extensions import db
from tagsvc.inspections.models import Frequency, InspectionResult, TargetKind
from tagsvc.inspections.services import PlanData, create_plan
from tagsvc.repairs.models import DamageReport
from tests.browser.conftest import screenshot, signed_in_page
from tests.conftest import TEST_PASSWORD
from tests.browser.test_stocktake_scanner import camera_browser, label_pictures, phone_signed_in, write_clip
from tests.factories import make_asset, make_category, make_location, make_user

pytestmark = pytest.mark.browser


def test_a_monthly_extinguisher_round_offline_then_sent_once(playwright, live_server, tmp_path):
    office = make_user(Role.ADMIN)
    inspector = make_user(Role.STAFF, display_name="安全员李老师")
    category = make_category("灭火器")
    corridor = make_location("教学楼一层走廊")
    units = [make_asset(name=f"干粉灭火器{n}", asset_number=f"MHQ-{n:03d}", category_id=category.id, location_id=corridor.id) for n in range(4)]
    plan = create_plan(office, PlanData(name="灭火器月检", target_kind=TargetKind.CATEGORY, category_id=category.id,
                                        checklist=["压力表指针在绿区", "铅封、保险销完好"], frequency=Frequency.MONTHLY,
                                        starts_on=date(2026, 1, 1), inspector_ids=[inspector.id]))
    write_clip(tmp_path / "extinguishers.y4m", label_pictures(live_server, units))
    with camera_browser(playwright, tmp_path / "extinguishers.y4m") as browser:
        context, page = phone_signed_in(browser, live_server, inspector)
        page.goto(f"{live_server}/inspections")
        page.get_by_role("link", name="灭火器月检").click()
        page.locator("form.target").first.wait_for()
        round_url = page.url
        page.wait_for_load_state("networkidle")  # the page and its decoder arrived while there was a network
        context.set_offline(True)  # the basement plant room
        page.get_by_role("button", name="打开摄像头").click()
        # Each label the camera reads brings its checklist up.
        page.wait_for_function("() => document.querySelectorAll('form.target.target-open').length === 4", timeout=30_000)
        for unit in units[:3]:
            page.locator(f'form.target[data-code="{unit.current_tag.code}"]').get_by_role("button", name="全部合格").click()
        broken = page.locator(f'form.target[data-code="{units[3].current_tag.code}"]')
        broken.locator("li.line").first.get_by_text("不合格").click()
        broken.locator("li.line").nth(1).get_by_text("合格", exact=True).click()
        broken.get_by_role("button", name="保存这几项").click()
        assert "请简单说明每个不合格项的问题" in broken.locator(".target-state").inner_text()  # refused on the phone: no word
        broken.locator("li.line").first.locator("input[name^=note]").fill("指针在红区")
        broken.get_by_role("button", name="保存这几项").click()
        page.wait_for_function("() => document.querySelector('#queue-status').dataset.waiting === '8'")
        assert page.locator("[data-checked]").inner_text() == "8"
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        screenshot(page, "inspection-round-phone")
        page.close()  # closed while still offline: nothing has arrived
        assert db.session.scalar(select(func.count()).select_from(InspectionResult)) == 0

        context.set_offline(False)
        page = context.new_page()
        page.goto(round_url)
        page.wait_for_function("() => document.querySelector('#queue-status').dataset.waiting === '0'")
        page.reload()  # and once more: nothing is sent twice
        page.wait_for_function("() => document.querySelector('#queue-status').dataset.waiting === '0'")
        assert page.locator("form.target.target-done").count() == 4  # the server's results now
        # The month's record, then on A4 with the lines for signatures.
        page.goto(f"{live_server}/inspections/plans/{plan.id}/record")
        assert "指针在红区" in page.locator("main").inner_text() and page.locator("table.record td .log-ok").count() == 7
        assert page.evaluate("document.documentElement.scrollWidth") <= 360  # the wide table scrolls inside its card
        page.get_by_role("link", name="打印（A4）").click()
        assert "检查人" in page.locator(".signatures").inner_text()
        page.pdf(path=str(tmp_path / "record.pdf"), format="A4")
        printed = pypdfium2.PdfDocument(str(tmp_path / "record.pdf"))
        assert len(printed) >= 1 and "灭火器月检" in printed[0].get_textpage().get_text_range()
        context.close()
        # The office reads the same round, plan and record on a desk: nothing wider than the window.
        desk = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
        page = signed_in_page(desk, live_server, office.username, TEST_PASSWORD)
        for path in (round_url, f"{live_server}/inspections/plans/{plan.id}", f"{live_server}/inspections/plans/{plan.id}/record"):
            page.goto(path)
            assert page.evaluate("document.documentElement.scrollWidth") <= 1280, path
        assert page.locator("table.record").first.is_visible()
        desk.close()
    db.session.expire_all()
    results = db.session.scalars(select(InspectionResult)).all()
    assert len(results) == 8 and sum(1 for r in results if not r.passed) == 1
    report = db.session.scalar(select(DamageReport))
    assert report.asset_id == units[3].id and "指针在红区" in report.description
    assert db.session.scalar(select(func.count()).select_from(DamageReport)) == 1
