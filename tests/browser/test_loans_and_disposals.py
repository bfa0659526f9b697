"""Loans and disposals in Chromium: a class set of basketballs lent on a phone (a hand-held scanner, then the phone's own
camera through the label pages) and one taken back damaged; an old printer proposed for disposal on a phone, approved
by the office on a desktop, and its record printed."""
import re
from datetime import timedelta

import pypdfium2 as pdfium
import pytest
from sqlalchemy import select

from tagsvc.assets.models import Asset, AssetStatus
from tagsvc.extensions import db
from tagsvc.loans.models import Handout
from tagsvc.loans.services import school_today
from tagsvc.repairs.models import DamageReport
from tests.browser.conftest import PHONE, screenshot, signed_in_page
from tests.conftest import TEST_PASSWORD
from tests.disposals.conftest import build_school as build_disposal_school
from tests.loans.conftest import build_school as build_loan_school

pytestmark = pytest.mark.browser


CLASS_NOT_LISTED = "班级（上面列表中没有时填写）"


def widest(page) -> int:
    return page.evaluate("Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)")


def test_a_class_set_is_lent_by_scanning_and_one_ball_comes_back_damaged(browser, live_server):
    school = build_loan_school()
    phone = browser.new_context(**PHONE)
    page = signed_in_page(phone, live_server, school.keeper.username, TEST_PASSWORD)
    page.locator("label.menu-button").click()
    page.locator("nav.menu").get_by_role("link", name="借用与领用").click()
    page.get_by_text("领用：专人专用，不归还").click()  # for dedicated use: no due date, a room may receive it
    assert not page.locator("input[name=due_on]").is_visible()
    page.select_option("select[name=recipient_kind]", label="房间（领用）")
    assert page.locator("input[name='location_id-path']").is_visible() and not page.locator("input[name=name]").is_visible()
    page.get_by_text("借用：到期归还").click()  # a loan goes to a person or a department, never to a room
    assert page.locator("select[name=recipient_kind]").input_value() == "student"
    assert page.locator("input[name=due_on]").is_visible() and not page.locator("input[name='location_id-path']").is_visible()
    page.select_option("select[name=recipient_kind]", label="学生")
    # The walk-through's loan form: a student's name is asked as a name, one place for the class, the choice has
    # its own question.
    assert page.locator("label[for=name]").inner_text().startswith("姓名")
    assert page.locator("fieldset legend").first.inner_text() == "借用还是领用"
    assert page.locator("label[for=class_name]").inner_text().startswith(CLASS_NOT_LISTED)  # says when to type one
    page.fill("input[name=name]", "王小明")
    page.select_option("select[name=department_id]", label="高一(3)班")
    due = school_today() + timedelta(days=7)
    page.fill("input[name=due_on]", due.isoformat())
    page.get_by_role("button", name="开始：扫描物品").click()
    assert "王小明 (高一(3)班)" in page.locator("main").inner_text()
    number = page.locator("h1").inner_text().split()[-1]
    assert re.fullmatch(r"JY-\d{4}-0001", number)

    field = page.locator("input[name=code]")
    for ball in school.balls[:5]:  # a hand-held scanner in keyboard mode types each label's address and Enter
        field.fill(f"{live_server}/t/{ball.current_tag.code}")
        field.press("Enter")
        page.wait_for_load_state()
        field = page.locator("input[name=code]")
    assert page.locator(".flash-success").inner_text() == "✓ 篮球（LQ-005）· 共 5 件"
    assert widest(page) <= 360
    screenshot(page, "loan-loop-phone")

    # The student signs for the first five on the keeper's phone, with a finger.
    page.get_by_role("link", name="在手机上签收").click()
    assert page.locator("input[name=signer]").input_value() == "王小明"
    pad = page.locator("#signature-pad").bounding_box()
    page.mouse.move(pad["x"] + 20, pad["y"] + pad["height"] * 0.7)
    page.mouse.down()
    for step in range(1, 12):
        page.mouse.move(pad["x"] + 20 + step * 25, pad["y"] + pad["height"] * (0.7 - 0.4 * (step % 2)))
    page.mouse.up()
    page.get_by_role("button", name="签好了：保存").click()
    assert page.locator(".flash-success").inner_text() == "王小明 已签收。"
    assert "王小明 于" in page.locator("main").inner_text()

    # The phone's own camera: each label opens its page, which offers to add it to the loan being filled.
    assert "用手机相机打开的标签页会提供“加入本单”" in page.locator("main").inner_text()
    for ball in school.balls[5:8]:
        page.goto(f"{live_server}/t/{ball.current_tag.code}")
        lend = page.get_by_role("button", name="借给 王小明 (高一(3)班)")
        assert lend.bounding_box()["height"] >= 44
        lend.click()
    assert page.locator(".flash-success").inner_text() == "✓ 篮球（LQ-008）· 共 8 件"
    assert "自" in page.locator("main").inner_text() and f"应于 {due.year}年{due.month}月{due.day}日 归还" in page.locator("main").inner_text()

    stranger = browser.new_context(**PHONE).new_page()  # a student scans a ball: until when, not who
    stranger.goto(f"{live_server}/t/{school.balls[0].current_tag.code}")
    text = stranger.locator("main").inner_text()
    assert "起借出" in text and "王小明" not in text
    stranger.context.close()

    page.goto(f"{live_server}/t/{school.balls[0].current_tag.code}")
    assert "借给 王小明 (高一(3)班)" in page.locator(".notice").all_inner_texts()[-1]
    page.get_by_role("link", name="收回").click()
    page.select_option("select[name=condition]", label="损坏")
    page.fill("textarea[name=damage]", "扎破了，漏气")
    page.get_by_role("button", name="已归还").click()
    assert "已从 " + number + " 归还 · 还有 7 件未还" in page.locator(".flash-success").inner_text()
    assert "写明借用人 王小明 (高一(3)班)" in page.locator(".flash-info").inner_text()
    assert page.locator("select[name=condition]").input_value() == "good"  # the next ball is most likely fine
    field = page.locator("input[name=code]")
    field.fill(school.balls[1].current_tag.code)
    field.press("Enter")
    page.wait_for_load_state()
    assert "还有 6 件未还" in page.locator(".flash-success").inner_text()
    assert widest(page) <= 360
    screenshot(page, "loan-return-phone")
    phone.close()

    db.session.expire_all()
    signed = db.session.scalar(select(Handout))
    assert signed.signed_name == "王小明"
    from PIL import Image

    from io import BytesIO

    from tagsvc.photos.services import stored_photo

    with Image.open(BytesIO(stored_photo(signed.signature))) as picture:  # the strokes, re-encoded: dark ink on white
        assert picture.convert("L").getextrema()[0] < 60 and picture.convert("L").getextrema()[1] > 200
    report = db.session.scalar(select(DamageReport))
    assert report.handout_id == signed.id and signed.number in report.description_words
    assert "王小明" not in report.description  # the label's public report page shows the description
    assert db.session.get(Asset, school.balls[0].id).status == AssetStatus.DAMAGED
    assert db.session.get(Asset, school.balls[1].id).status == AssetStatus.IN_USE
    assert db.session.get(Asset, school.balls[2].id).status == AssetStatus.ON_LOAN


def test_an_old_printer_is_disposed_of_and_its_record_printed(browser, live_server, tmp_path):
    school = build_disposal_school()
    label = f"{live_server}/t/{school.printer.current_tag.code}"
    phone = browser.new_context(**PHONE)
    page = signed_in_page(phone, live_server, school.keeper.username, TEST_PASSWORD)
    page.goto(label)
    page.get_by_role("link", name="申请报废").click()
    assert "不超过 20,000 元：由总务处负责人审批。" in page.locator("main").inner_text()
    page.select_option("select[name=reason_kind]", label="淘汰过时")
    page.fill("textarea[name=reason]", "使用超过十年，硒鼓停产")
    page.get_by_role("button", name="提交报废申请").click()
    assert "等待总务处审批" in page.locator(".flash-success").inner_text()
    number = page.locator("h1").inner_text().split()[-1]
    assert widest(page) <= 360
    phone.close()

    office_phone = browser.new_context(**PHONE)  # the head's phone: the menu button says what waits, in words
    office = signed_in_page(office_phone, live_server, school.head.username, TEST_PASSWORD)
    assert office.locator("label.menu-button .badge").all_inner_texts() == ["1 件待您处理"] and widest(office) <= 360
    office_phone.close()
    desktop = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    office = signed_in_page(desktop, live_server, school.head.username, TEST_PASSWORD)
    assert office.locator("nav.menu").get_by_role("link", name=re.compile("待我处理")).locator(".badge").inner_text() == "1 件待您处理"
    office.locator("nav.menu").get_by_role("link", name=re.compile("待我处理")).click()
    office.get_by_role("link", name=number).click()
    office.get_by_role("button", name="批准报废").click()
    assert "物品已报废，标签已停用" in office.locator(".flash-success").inner_text()
    office.get_by_role("link", name="打印报废单").click()
    sheet = office.locator(".print-sheet").inner_text()
    for expected in ("资产报废单", number, "DYJ-001", "激光打印机", "M1136", "1500.00", "淘汰过时", "后勤王主任", "使用部门", "审批"):
        assert expected in sheet
    office.emulate_media(media="print")
    assert not office.get_by_role("button", name="打印").is_visible()  # the button stays off the paper
    pdf_path = tmp_path / "disposal.pdf"
    office.pdf(path=str(pdf_path), format="A4")
    document = pdfium.PdfDocument(str(pdf_path))
    assert len(document) == 1
    printed = document[0].get_textpage().get_text_range()
    assert "DYJ-001" in printed and number in printed
    screenshot(office, "disposal-record")
    desktop.close()

    public = browser.new_context(**PHONE).new_page()
    public.goto(label)
    text = public.locator("main").inner_text()
    assert "此标签已停用。" in text and "报废：不再使用" in text and "报修" not in text
    public.context.close()


def test_the_education_bureau_approves_a_dear_disposal_on_a_phone(browser, live_server):
    """A school bus, 268,000 元: the office approves it twice, then the bureau (区教育局) decides on its phone."""
    from decimal import Decimal

    from tagsvc.accounts.models import Role
    from tagsvc.disposals import services as disposals
    from tests.disposals.conftest import propose
    from tests.factories import make_asset, make_user

    school = build_disposal_school()
    bus = make_asset(name="校车", asset_number="XC-001", department_id=school.it.id, price=Decimal("268000.00"))
    bureau = make_user(Role.DISTRICT, display_name="区教育局张科长")
    disposal = propose(school, [bus], reason="发动机报废，维修费超过原值一半")
    disposals.approve_disposal(school.head, disposal.id)
    disposals.approve_disposal(school.second, disposal.id)

    phone = browser.new_context(**PHONE)
    page = signed_in_page(phone, live_server, bureau.username, TEST_PASSWORD)
    assert "等待区教育局审批的报废" in page.locator("main").inner_text() and disposal.number in page.locator("main").inner_text()
    assert page.locator("label.menu-button .badge").all_inner_texts() == ["1 件待您处理"]
    page.locator("label.menu-button").click()
    page.locator("nav.menu").get_by_role("link", name=re.compile("待我处理")).click()
    page.get_by_role("link", name=disposal.number).click()
    main = page.locator("main").inner_text()
    assert "等待区教育局审批" in main and "超过 200,000 元：之后还须区教育局审批。" in main and "268,000.00" in main
    assert page.get_by_role("button", name="撤销此报废申请").count() == 0 and page.get_by_role("button", name="驳回").count() == 1
    screenshot(page, "bureau-disposal-phone")
    page.get_by_role("button", name="批准报废").click()
    assert "物品已报废，标签已停用" in page.locator(".flash-success").inner_text() and widest(page) <= 360
    page.get_by_role("link", name="打印报废单").click()
    sheet = page.locator(".print-sheet").inner_text()
    assert "区教育局" in sheet and "区教育局张科长" in sheet and "后勤王主任、后勤刘副主任" in sheet
    phone.close()
    db.session.expire_all()
    assert db.session.get(Asset, bus.id).status == AssetStatus.DISPOSED


@pytest.mark.parametrize("width", [360, 412])
def test_the_loan_disposal_and_approval_pages_fit_a_phone(browser, live_server, width):
    from tagsvc.disposals.models import DisposalReason
    from tagsvc.disposals.services import Proposal, propose_disposal
    from tagsvc.loans import services as loans
    from tagsvc.loans.models import HandoutKind, RecipientKind
    from tests.browser.test_roles_on_phones import _problems_on

    school = build_loan_school()
    loan = loans.start_handout(school.keeper, HandoutKind.LOAN, loans.Recipient(
        RecipientKind.STUDENT, "欧阳娜娜", "高一(3)班", contact="13900001111", due_on=school_today()))
    for ball in school.balls[:12]:
        loans.hand_out(school.keeper, loan.id, ball.current_tag.code)
    db.session.get(Handout, loan.id).due_on = school_today() - timedelta(days=1)
    db.session.commit()
    disposal = propose_disposal(school.keeper, Proposal([b.id for b in school.balls[20:30]], DisposalReason.OTHER, "皮面老化开裂，已无法充气使用，建议整批报废"))
    phone = browser.new_context(**{**PHONE, "viewport": {"width": width, "height": 800}})
    page = signed_in_page(phone, live_server, school.keeper.username, TEST_PASSWORD)
    for path, item in [("/loans", "table.list tbody tr"), (f"/loans/{loan.id}", "ul.handout-items li"), ("/loans/returns", "select[name=condition]"),
                       ("/approvals", "#overdue li"), ("/disposals", "table.list tbody tr"), (f"/disposals/{disposal.id}", "main li"),
                       (f"/disposals/new?asset={school.balls[35].id}", "select[name=reason_kind]")]:
        page.goto(f"{live_server}{path}")
        assert _problems_on(page, item) == [], path
    page.goto(f"{live_server}/loans/{loan.id}")
    for button in page.locator("ul.handout-items .btn").all()[:3]:
        assert button.bounding_box()["height"] >= 44
    phone.close()
