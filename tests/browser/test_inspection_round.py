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


def _phone_photo(path) -> str:
    """A photo as a phone takes it: large, with EXIF; the page shrinks it before it waits on the phone."""
    from PIL import Image

    picture = Image.new("RGB", (2400, 1800), (200, 40, 40))
    picture.save(path, format="JPEG", quality=90)
    return str(path)


def _all_opened_are_checked_or_open() -> str:
    return "() => Array.from(document.querySelectorAll('form.target:not(.target-done)')).every(f => f.classList.contains('target-open'))"


def test_a_monthly_round_of_30_extinguishers_offline_reloaded_then_sent_once(playwright, live_server, school_wifi, tmp_path):
    from tagsvc.photos.services import stored_photo
    from tagsvc.repairs.models import ReportPhoto

    office = make_user(Role.ADMIN)
    inspector = make_user(Role.STAFF, display_name="安全员李老师")
    category = make_category("灭火器")
    corridor = make_location("教学楼一层走廊")
    units = [make_asset(name=f"干粉灭火器{n}", asset_number=f"MHQ-{n:03d}", category_id=category.id, location_id=corridor.id) for n in range(30)]
    plan = create_plan(office, PlanData(name="灭火器月检", target_kind=TargetKind.CATEGORY, category_id=category.id,
                                        checklist=["压力表指针在绿区", "铅封、保险销完好"], frequency=Frequency.MONTHLY,
                                        starts_on=date(2026, 1, 1), inspector_ids=[inspector.id]))
    photo = _phone_photo(tmp_path / "IMG_0001.jpg")
    school = school_wifi.address  # the phone reaches the app through the school's network, which the test cuts
    write_clip(tmp_path / "extinguishers.y4m", label_pictures(school, units))
    with camera_browser(playwright, tmp_path / "extinguishers.y4m") as browser:
        context, page = phone_signed_in(browser, school, inspector)
        page.goto(f"{school}/inspections")
        page.get_by_role("link", name="灭火器月检").click()
        page.locator("form.target").first.wait_for()
        round_url = page.url
        # The page, its decoder and its scripts arrived and are kept for a reload without a network.
        page.wait_for_function("() => document.documentElement.dataset.offlineReady === '1'", timeout=30_000)
        page.wait_for_load_state("networkidle")
        school_wifi.cut(context)  # the basement plant room
        page.get_by_role("button", name="打开摄像头").click()
        # Each label the camera reads brings its checklist up.
        page.wait_for_function("() => document.querySelectorAll('form.target.target-open').length >= 15", timeout=90_000)
        for unit in units[:14]:
            page.locator(f'form.target[data-code="{unit.current_tag.code}"]').get_by_role("button", name="全部合格").click()
        broken = page.locator(f'form.target[data-code="{units[14].current_tag.code}"]')
        broken.locator("li.line").first.get_by_text("不合格").click()
        broken.locator("li.line").nth(1).get_by_text("合格", exact=True).click()
        broken.locator("li.line").first.locator("input[type=file]").set_input_files(photo)
        broken.get_by_role("button", name="保存这几项").click()
        assert "请简单说明每个不合格项的问题" in broken.locator(".target-state").inner_text()  # refused on the phone: no word
        broken.locator("li.line").first.locator("input[name^=note]").fill("指针在红区")
        broken.get_by_role("button", name="保存这几项").click()
        page.wait_for_function("() => document.querySelector('#queue-status').dataset.waiting === '30'")

        # Meanwhile the office checks one line of item 20 from its desk: a page from the server would show it.
        from tagsvc.inspections.services import ResultIn, new_result_id, open_round, record_results, today

        record_results(office, open_round(office, plan.id, today()).id, [ResultIn(new_result_id(), units[20].current_tag.code, "k1", True)])
        # The phone's browser drops the page and opens it again, still without a network: the kept page (without the
        # office's line), with what waits on the phone shown as checked.
        page.reload()
        page.wait_for_function("() => document.querySelector('#queue-status').dataset.waiting === '30'")
        assert page.locator("[data-checked]").inner_text() == "30" and page.locator("form.target.target-done").count() == 15
        assert page.locator(f'form.target[data-code="{units[20].current_tag.code}"] .result').count() == 0
        page.get_by_role("button", name="打开摄像头").click()
        page.wait_for_function(_all_opened_are_checked_or_open(), timeout=90_000)
        for unit in units[15:29]:
            page.locator(f'form.target[data-code="{unit.current_tag.code}"]').get_by_role("button", name="全部合格").click()
        last = page.locator(f'form.target[data-code="{units[29].current_tag.code}"]')
        last.locator("li.line").first.get_by_text("合格", exact=True).click()
        last.locator("li.line").nth(1).get_by_text("不合格").click()
        last.locator("li.line").nth(1).locator("input[name^=note]").fill("铅封脱落")
        last.locator("li.line").nth(1).locator("input[type=file]").set_input_files(photo)
        last.get_by_role("button", name="保存这几项").click()
        page.wait_for_function("() => document.querySelector('#queue-status').dataset.waiting === '60'")
        assert page.locator("[data-checked]").inner_text() == "60"
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        screenshot(page, "inspection-round-phone")
        page.close()  # closed while still offline: nothing has arrived (the office's line only)
        assert db.session.scalar(select(func.count()).select_from(InspectionResult)) == 1

        school_wifi.restore(context)
        page = context.new_page()
        page.goto(round_url)
        page.wait_for_function("() => document.querySelector('#queue-status').dataset.waiting === '0'", timeout=30_000)
        page.reload()  # and once more: nothing is sent twice
        page.wait_for_function("() => document.querySelector('#queue-status').dataset.waiting === '0'")
        assert page.locator("form.target.target-done").count() == 30  # the server's results now
        assert page.get_by_role("link", name="照片").count() == 2
        # The month's record, then on A4 with the lines for signatures.
        page.goto(f"{school}/inspections/plans/{plan.id}/record")
        record = page.locator("main").inner_text()
        assert "指针在红区" in record and "铅封脱落" in record and page.locator("table.record td .log-ok").count() == 58
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
        for path in (round_url.replace(school, live_server), f"{live_server}/inspections/plans/{plan.id}", f"{live_server}/inspections/plans/{plan.id}/record"):
            page.goto(path)
            assert page.evaluate("document.documentElement.scrollWidth") <= 1280, path
        assert page.locator("table.record").first.is_visible()
        desk.close()
    db.session.expire_all()
    results = db.session.scalars(select(InspectionResult)).all()
    assert len(results) == 60 and len({(r.target, r.line_key) for r in results}) == 60  # the office's line stood, counted once
    assert [r.recorded_by_name for r in results if r.asset_id == units[20].id and r.line_key == "k1"] == [office.display_name]
    failed = sorted((r for r in results if not r.passed), key=lambda r: r.asset_id)
    assert [(r.asset_id, r.note) for r in failed] == [(units[14].id, "指针在红区"), (units[29].id, "铅封脱落")]
    reports = db.session.scalars(select(DamageReport).order_by(DamageReport.asset_id)).all()
    assert [r.asset_id for r in reports] == [units[14].id, units[29].id]
    for report, result in zip(reports, failed, strict=True):
        assert result.photo and [p.name for p in db.session.scalars(select(ReportPhoto).where(ReportPhoto.report_id == report.id))] == [result.photo]
        kept = stored_photo(result.photo)
        from io import BytesIO

        from PIL import Image

        assert max(Image.open(BytesIO(kept)).size) <= 1600  # shrunk on the phone, re-encoded by the server
