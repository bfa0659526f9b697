"""The in-page camera of a loan and of a transfer's arrivals, with a fake camera playing the items' own printed labels:
each label read is lent (or arrives) at once, with no tap, and the camera stays open for the next."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tagsvc.assets.models import Asset, AssetStatus
from tagsvc.extensions import db
from tagsvc.loans import services as loans
from tagsvc.loans.models import HandoutItem, HandoutKind, RecipientKind
from tagsvc.transfers import services as transfers
from tagsvc.transfers.models import TransferItem
from tests.browser.test_stocktake_scanner import camera_browser, label_pictures, phone_signed_in, write_clip
from tests.browser.conftest import screenshot
from tests.loans.conftest import build_school as build_loan_school
from tests.transfers.conftest import build_school as build_transfer_school

pytestmark = pytest.mark.browser


def test_the_camera_lends_each_ball_it_sees(playwright, live_server, tmp_path):
    school = build_loan_school()
    loan = loans.start_handout(school.keeper, HandoutKind.LOAN, loans.Recipient(
        RecipientKind.STUDENT, "王小明", "高一(3)班", due_on=loans.school_today()))
    balls = school.balls[:3]
    write_clip(tmp_path / "balls.y4m", label_pictures(live_server, balls))
    with camera_browser(playwright, tmp_path / "balls.y4m") as browser:
        context, page = phone_signed_in(browser, live_server, school.keeper)
        requested = []
        page.on("request", lambda request: requested.append(request.url))
        page.goto(f"{live_server}/loans/{loan.id}")
        page.get_by_role("button", name="打开摄像头").click()
        page.wait_for_function("() => document.querySelectorAll('#scan-log li.log-ok').length === 3", timeout=20_000)
        lines = page.locator("#scan-log li").all_inner_texts()
        assert lines[0] == "✓ 篮球（LQ-003）· 共 3 件" and lines[-1] == "✓ 篮球（LQ-001）· 共 1 件"
        assert [url for url in requested if not url.startswith(live_server)] == []  # the school's server alone
        page.wait_for_function("() => document.querySelectorAll('ul.handout-items li').length === 3")  # the list follows
        assert page.locator("#count").inner_text() == "3 件" and not page.get_by_role("button", name="打开摄像头").is_visible()
        screenshot(page, "loan-camera-phone")
        context.close()
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(HandoutItem)) == 3
    assert all(db.session.get(Asset, b.id).status == AssetStatus.ON_LOAN for b in balls)


def test_the_camera_confirms_each_desk_that_arrives(playwright, live_server, tmp_path):
    school = build_transfer_school()
    desks = school.desks[:3]
    transfer = transfers.request_transfer(school.sender, transfers.TransferRequest([d.id for d in school.desks[:5]], school.academic.id,
                                                                                    reason="高一(3)班换教室"))
    transfers.accept_transfer(school.receiver, transfer.id)
    transfers.approve_transfer(school.office, transfer.id)
    write_clip(tmp_path / "desks.y4m", label_pictures(live_server, desks))
    with camera_browser(playwright, tmp_path / "desks.y4m") as browser:
        context, page = phone_signed_in(browser, live_server, school.receiver)
        page.goto(f"{live_server}/transfers/{transfer.id}")
        page.get_by_role("button", name="打开摄像头").click()
        page.wait_for_function("() => document.querySelectorAll('#scan-log li.log-ok').length === 3", timeout=20_000)
        assert page.locator("#scan-log li").first.inner_text() == "✓ 课桌3 已到 · 3 / 5"
        page.wait_for_function("() => document.getElementById('arrived-count').textContent.includes('3 / 5')")
        assert "未到：2 件" in page.locator("#arrival-list").inner_text()
        context.close()
    db.session.expire_all()
    arrived = db.session.scalars(select(TransferItem).where(TransferItem.transfer_id == transfer.id, TransferItem.arrived_at.is_not(None))).all()
    assert sorted(i.asset_id for i in arrived) == [d.id for d in desks] and {i.arrival_method.value for i in arrived} == {"camera"}
    assert all(db.session.get(Asset, d.id).department_id == school.academic.id for d in desks)


@pytest.mark.parametrize("answer", [503, "no network"])
def test_an_arrival_whose_answer_was_lost_is_sent_again_and_counts_once(playwright, live_server, tmp_path, answer):
    """The server records the arrival but the answer never reaches the phone (or it says 503): the page sends the same
    label again by itself, and the second answer ("already arrived") is shown; the item arrived once."""
    import json

    school = build_transfer_school()
    desk = school.desks[0]
    transfer = transfers.request_transfer(school.sender, transfers.TransferRequest([d.id for d in school.desks[:2]], school.academic.id,
                                                                                    reason="高一(3)班换教室"))
    transfers.accept_transfer(school.receiver, transfer.id)
    transfers.approve_transfer(school.office, transfer.id)
    write_clip(tmp_path / "desk.y4m", label_pictures(live_server, [desk]))
    lost = {"answers": 0}

    def lose_the_first_answer(route):
        if lost["answers"]:
            return route.continue_()
        lost["answers"] += 1
        route.fetch()  # recorded by the server ...
        if answer == "no network":
            return route.abort()  # ... the answer lost on the way back
        route.fulfill(status=answer, headers={"Content-Type": "application/problem+json"}, body=json.dumps({"status": answer, "detail": "busy"}))

    with camera_browser(playwright, tmp_path / "desk.y4m") as browser:
        context, page = phone_signed_in(browser, live_server, school.receiver)
        page.route("**/api/v1/transfers/*/arrivals", lose_the_first_answer)
        page.goto(f"{live_server}/transfers/{transfer.id}")
        page.get_by_role("button", name="打开摄像头").click()
        page.wait_for_function("() => document.querySelectorAll('#scan-log li.log-info, #scan-log li.log-ok').length >= 1", timeout=20_000)
        lines = page.locator("#scan-log li").all_inner_texts()
        assert any("尚未记录" in line for line in lines) and lost["answers"] == 1
        context.close()
    db.session.expire_all()
    arrived = db.session.scalars(select(TransferItem).where(TransferItem.transfer_id == transfer.id, TransferItem.arrived_at.is_not(None))).all()
    assert [i.asset_id for i in arrived] == [desk.id]
