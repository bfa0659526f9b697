"""Stocktake pages in Chromium: the any-scanner way on a phone (open a label's page, one tap, the next), the typed
code with a hand-held scanner, and the office closing the demo stocktake and settling what it found."""
from io import BytesIO

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from tagsvc.assets.models import Asset, AssetStatus
from tagsvc.demo.services import DEMO_PASSWORD, load_demo_data
from tagsvc.extensions import db
from tagsvc.ledger.models import LedgerAction, LedgerEvent
from tagsvc.stocktake.models import StocktakeItem
from tests.browser.conftest import PHONE, screenshot, signed_in_page
from tests.stocktake.conftest import build_floor, open_floor_stocktake

pytestmark = pytest.mark.browser


def counted(stocktake) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(StocktakeItem.confirmed_at)).where(StocktakeItem.stocktake_id == stocktake.id))


def widest(page) -> int:
    return page.evaluate("Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)")


def test_any_scanner_on_a_phone_one_tap_then_the_next(browser, live_server):
    floor = build_floor()
    stocktake = open_floor_stocktake(floor)
    phone = browser.new_context(**PHONE)
    page = signed_in_page(phone, live_server, floor.keeper.username, "correct-horse-9")
    page.goto(f"{live_server}/stocktakes/{stocktake.id}/scan")
    page.select_option("select[name=room]", label="宿舍A栋 › 3F › 301")
    page.get_by_role("button", name="前往").click()
    assert page.locator("h1").inner_text() == "在 301"

    for n, key in enumerate(("301-bed1", "301-bed2"), start=1):
        page.goto(f"{live_server}/t/{floor.items[key].current_tag.code}")  # the phone's own camera app opened the label
        button = page.get_by_role("button", name="确认：物品在此")
        assert button.bounding_box()["height"] >= 44 and "您在 宿舍A栋 › 3F › 301。" in page.locator(".stocktake-banner").inner_text()
        assert counted(stocktake) == n - 1  # opening the page confirmed nothing
        button.click()
        assert page.locator(".flash-success").inner_text() == f"✓ 301床{n} · 301：{n} / 4 · 请扫下一个"
        assert "已由 宿管李阿姨" in page.locator(".stocktake-banner").inner_text()
        assert widest(page) <= 360
    screenshot(page, "stocktake-tap-phone")
    page.goto(f"{live_server}/t/{floor.items['301-bed1'].current_tag.code}")  # scanned again later: nothing to tap
    assert page.get_by_role("button", name="确认：物品在此").count() == 0
    assert counted(stocktake) == 2
    phone.close()


def test_a_hand_held_scanner_types_the_label_address_and_enter(browser, live_server):
    floor = build_floor()
    stocktake = open_floor_stocktake(floor)
    tablet = browser.new_context(viewport={"width": 1024, "height": 768}, locale="zh-CN")
    page = signed_in_page(tablet, live_server, floor.keeper.username, "correct-horse-9")
    page.goto(f"{live_server}/stocktakes/{stocktake.id}/scan?room={floor.rooms['302'].id}")
    field = page.locator("#typed-code")
    for n, key in enumerate(("302-bed1", "302-chair"), start=1):
        field.fill(f"{live_server}/T/{floor.items[key].current_tag.code}")  # a scanner in keyboard mode types the URL…
        field.press("Enter")  # …and Enter
        # Found and sent: the queue reads 0 waiting before the page has taken the Enter, too (a busy machine showed it).
        page.wait_for_function(f"() => document.querySelectorAll('#found li').length === {n}"
                               " && document.querySelector('#queue-status').dataset.waiting === '0'")
        assert field.input_value() == "" and field.evaluate("el => el === document.activeElement")  # ready for the next
    assert page.locator("#found li").count() == 2 and page.locator("#missing li").count() == 1
    field.fill("6901234567892")  # a shop barcode: said so, nothing recorded
    field.press("Enter")
    assert "不是本校的标签" in page.locator(".flash-error").inner_text()
    assert counted(stocktake) == 2
    tablet.close()


def test_the_office_closes_the_demo_stocktake_and_settles_every_difference(browser, live_server, tmp_path):
    load_demo_data()
    desk = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN", accept_downloads=True)
    page = signed_in_page(desk, live_server, "admin", DEMO_PASSWORD)
    page.get_by_role("link", name="盘点").first.click()
    page.get_by_role("link", name="2026秋季学期末 宿舍楼A 2F 盘点").click()
    assert "已找到 24 / 26" in page.locator(".tally").inner_text()
    page.get_by_role("link", name="结束并对账…").click()
    assert page.locator("h1").inner_text() == "结束“2026秋季学期末 宿舍楼A 2F 盘点”？"  # every room of 2F was visited: no warning
    page.get_by_role("button", name="结束并对账").click()

    assert page.locator("h1").inner_text() == "对账"
    assert "账物相符率：88.5%" in page.locator(".tally").inner_text()  # 23 of 26 in place
    misplaced = page.locator("h2#misplaced + div.card")
    assert "201 › 床位1" in misplaced.inner_text() and "202" in misplaced.inner_text()
    missing_cards = page.locator("div.card[id^=item-]").filter(has_text="203 › 床位")
    assert missing_cards.count() == 2
    screenshot(page, "stocktake-reconciliation")

    misplaced.locator("select[name=resolution]").select_option("moved")  # nothing is preselected: the office chooses
    misplaced.get_by_role("button", name="执行").click()
    assert "已完成：账面位置改为实际发现处" in page.locator(".flash-success").inner_text()
    for _ in range(2):
        card = page.locator("div.card[id^=item-]").filter(has_text="203 › 床位").filter(has=page.get_by_role("button", name="执行")).first
        card.locator("select[name=resolution]").select_option("lost")
        card.get_by_role("button", name="执行").click()
    assert "还有 0 项差异未处理。" in page.locator("main").inner_text()

    moved = db.session.scalars(select(Asset).where(Asset.status == AssetStatus.LOST)).all()
    assert len(moved) == 2 and all("203" in a.location.full_name for a in moved)
    corrected = db.session.scalars(select(LedgerEvent).where(LedgerEvent.action == LedgerAction.STOCKTAKE_CORRECTED)).all()
    assert len(corrected) == 3 and all("2026秋季学期末 宿舍楼A 2F 盘点" in e.note_words for e in corrected)
    bed = db.session.get(Asset, next(e.asset_id for e in corrected if "location_id" in e.changes))
    assert bed.location.full_name == "本部校区 › 宿舍楼A › 2F › 202"

    with page.expect_download() as download:
        page.get_by_role("link", name="Excel", exact=True).click()
    workbook = load_workbook(BytesIO(open(download.value.path(), "rb").read()))
    assert [row[3] for row in workbook["未找到"].iter_rows(min_row=2, values_only=True)] == [
        "本部校区 › 宿舍楼A › 2F › 203 › 床位1", "本部校区 › 宿舍楼A › 2F › 203 › 床位2"]
    page.get_by_role("link", name="打印（A4）").click()
    assert "监盘人" in page.locator(".signatures").inner_text()
    page.pdf(path=str(tmp_path / "report.pdf"), format="A4")  # it lays out on A4
    desk.close()


def test_the_reconciliation_fits_a_phone(browser, live_server):
    """The office may settle differences from a phone too: nothing sideways, buttons a thumb's height."""
    load_demo_data()
    from tagsvc.accounts.models import User
    from tagsvc.stocktake.services import close_stocktake

    close_stocktake(db.session.scalar(select(User).where(User.username == "admin")), 1)
    phone = browser.new_context(**PHONE)
    page = signed_in_page(phone, live_server, "admin", DEMO_PASSWORD)
    page.goto(f"{live_server}/stocktakes/1/report")
    assert widest(page) <= 360
    assert page.locator(".tally").bounding_box()["y"] < 740  # the match rate on the first screen
    heights = page.eval_on_selector_all("main form button", "els => els.map(e => e.getBoundingClientRect().height)")
    assert heights and min(heights) >= 44
    screenshot(page, "stocktake-reconciliation-phone")
    phone.close()


def test_closing_on_a_phone_asks_first_naming_the_rooms_nobody_visited(browser, live_server):
    """At the foot of a long overview, "close" used to be one tap. Now it asks, on a page of its own."""
    from tagsvc.stocktake import services as stocktake_services
    from tagsvc.stocktake.models import ConfirmMethod, Stocktake

    floor = build_floor()
    stocktake = open_floor_stocktake(floor)
    stocktake_services.confirm_in_stocktake(floor.keeper, stocktake.id, stocktake_services.Sighting(
        code=floor.items["301-bed1"].current_tag.code, location_id=floor.rooms["301"].id, method=ConfirmMethod.CAMERA))
    stocktake_services.report_device(floor.keeper, stocktake.id, "phone-1", 2)
    phone = browser.new_context(**PHONE)
    page = signed_in_page(phone, live_server, floor.office.username, "correct-horse-9")
    page.goto(f"{live_server}/stocktakes/{stocktake.id}")
    page.get_by_role("link", name="结束并对账…").click()
    page.wait_for_url(f"{live_server}/stocktakes/{stocktake.id}/close")
    assert "2 个房间尚无人盘点" in page.locator(".notice").first.inner_text()
    rooms = page.locator("#unvisited-rooms li").all_inner_texts()
    assert rooms == ["宿舍A栋 › 3F › 302", "宿舍A栋 › 3F › 303"]
    assert "宿管李阿姨" in page.locator("#devices-pending").inner_text()
    assert widest(page) <= 360
    screenshot(page, "stocktake-close-phone")
    page.get_by_role("link", name="暂不结束：返回盘点").click()  # changed their mind: nothing happened
    db.session.expire_all()
    assert db.session.get(Stocktake, stocktake.id).is_open
    page.goto(f"{live_server}/stocktakes/{stocktake.id}/close")
    page.get_by_role("button", name="仍然结束，不计这 2 条").click()
    page.wait_for_url(f"{live_server}/stocktakes/{stocktake.id}/report")
    db.session.expire_all()
    assert not db.session.get(Stocktake, stocktake.id).is_open
    phone.close()


def test_a_label_saved_for_later_is_said_received_once_it_is(browser, school_wifi):
    """Offline in a corridor, the keeper walks into 303 (its door's label) and scans a bed: "saved on this phone, will be
    sent". When the network is back the log says the office has it, under the queue line's "all sent" (it used to go
    on saying "will be sent")."""
    from tagsvc.tags.services import _issue_location_tag

    floor = build_floor()
    stocktake = open_floor_stocktake(floor)
    door = _issue_location_tag(floor.rooms["303"].id).code
    db.session.commit()
    phone = browser.new_context(**PHONE)
    page = signed_in_page(phone, school_wifi.address, floor.keeper.username, "correct-horse-9")
    page.goto(f"{school_wifi.address}/stocktakes/{stocktake.id}/scan?room={floor.rooms['302'].id}")
    school_wifi.cut(phone)
    field = page.locator("#typed-code")
    for code in (door, floor.items["303-bed1"].current_tag.code):
        field.fill(code)
        field.press("Enter")
    page.wait_for_function("() => document.querySelector('#scan-log').innerText.includes('稍后发送')")
    school_wifi.restore(phone)
    page.wait_for_function("() => document.querySelector('#scan-log').innerText.includes('后勤处已收到')")
    assert "303床1 · 后勤处已收到" in page.locator("#scan-log").inner_text()
    page.wait_for_function("() => document.querySelector('#queue-status').dataset.waiting === '0'")
    phone.close()


def test_a_transfer_out_of_an_open_stocktake_is_no_false_loss(browser, live_server):
    """The walk-through's case at 360 px: a projector in the IT department's open stocktake is transferred to the
    academic office. The form says it is in the stocktake; once it arrives, the reconciliation names the transfer
    and counts nothing missing."""
    from tagsvc.stocktake import services as stocktake_services
    from tagsvc.stocktake.models import ConfirmMethod
    from tagsvc.transfers import services as transfers
    from tests.transfers.conftest import build_school

    school = build_school()
    stocktake = stocktake_services.open_stocktake(school.office, "2026秋 信息中心盘点", stocktake_services.Scope(department_ids=(school.it.id,)))
    stocktake_services.confirm_batch(school.office, stocktake.id, [stocktake_services.Sighting(
        code=desk.current_tag.code, location_id=school.rooms["101"].id, method=ConfirmMethod.TYPED, scan_id=f"desk-{desk.id}")
        for desk in school.desks])
    phone = browser.new_context(**PHONE)
    page = signed_in_page(phone, live_server, school.sender.username, "correct-horse-9")
    page.goto(f"{live_server}/t/{school.projector.current_tag.code}")
    page.get_by_role("link", name="调拨到其他部门").click()
    notice = page.locator(".stocktake-notice").inner_text()
    assert "其中 1 件正在盘点“2026秋 信息中心盘点”中" in notice and "不会在原房间记为盘亏" in notice
    assert widest(page) <= 360
    screenshot(page, "transfer-in-open-stocktake-phone")
    page.select_option("select[name=to_department_id]", label="教务处")
    page.fill("textarea[name=reason]", "多媒体教室需要投影仪")
    page.get_by_role("button", name="提交调拨申请").click()
    transfer_id = int(page.url.rsplit("/", 1)[1])
    phone.close()
    transfers.accept_transfer(school.receiver, transfer_id)
    transfers.approve_transfer(school.office, transfer_id)
    number = transfers.get_transfer(school.office, transfer_id).number

    phone = browser.new_context(**PHONE)
    page = signed_in_page(phone, live_server, school.receiver.username, "correct-horse-9")
    page.goto(f"{live_server}/t/{school.projector.current_tag.code}")
    page.get_by_role("button", name="确认到货：物品在此").click()
    page.locator(".flash-success").wait_for()
    phone.close()

    phone = browser.new_context(**PHONE)
    page = signed_in_page(phone, live_server, school.office.username, "correct-horse-9")
    page.goto(f"{live_server}/stocktakes/{stocktake.id}/close")
    page.get_by_role("button", name="结束并对账").click()
    page.wait_for_url(f"{live_server}/stocktakes/{stocktake.id}/report")
    summary = page.locator("main .card").first.inner_text()
    assert "账物相符率：100.0%" in summary and "盘亏：0" in summary and "由借用、领用或调拨说明去向：1" in summary
    assert page.locator("#missing ~ p.muted").first.inner_text() == "没有未找到的物品。"
    moved = page.locator("h2#moved ~ .card").first
    assert "投影仪" in moved.inner_text() and f"已由调拨单 {number} 调出本次盘点范围：去向已明" in moved.inner_text()
    moved.get_by_role("link").click()
    page.wait_for_url(f"{live_server}/transfers/{transfer_id}")
    assert widest(page) <= 360
    phone.close()


def test_typing_code_after_code_keeps_the_field_and_the_missing_list_in_view(browser, live_server):
    """After three confirmations the typed field sat at the screen's bottom edge and the missing list below the fold."""
    floor = build_floor()
    stocktake = open_floor_stocktake(floor)
    room = floor.rooms["301"]
    phone = browser.new_context(**PHONE)
    page = signed_in_page(phone, live_server, floor.keeper.username, "correct-horse-9")
    page.goto(f"{live_server}/stocktakes/{stocktake.id}/scan?room={room.id}")
    field = page.locator("#typed-code")
    for key in ("301-bed1", "301-bed2", "301-chair"):
        field.fill(floor.items[key].current_tag.code)
        field.press("Enter")
        page.wait_for_function(f"() => document.querySelectorAll('#found li').length >= {('301-bed1', '301-bed2', '301-chair').index(key) + 1}")
    height = page.evaluate("() => window.innerHeight")
    box = field.bounding_box()
    assert 0 <= box["y"] and box["y"] + box["height"] <= height / 2  # the field in the upper half, not at the bottom edge
    missing = page.locator("#missing").evaluate("el => el.closest('.card').getBoundingClientRect().top")
    assert missing < height  # the missing list starts on the screen
    assert page.evaluate("() => document.activeElement.id") == "typed-code"  # the next code goes straight in
    phone.close()
