"""Loan and handover pages: the loan loop and a return with damage through HTTP, who sees what, bad input answered."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tagsvc.assets.models import Asset, AssetStatus
from tagsvc.extensions import db
from tagsvc.loans import services
from tagsvc.loans.models import Handout
from tagsvc.repairs.models import DamageReport
from tests.forms_on_pages import form_on, form_values
from tests.loans.conftest import code, lend_to_student


def form_with_id(html: str, form_id: str) -> dict:
    return form_values(re.search(r'id="' + form_id + r'"[^>]*>(.*?)</form>', html, re.S).group(1))


def start_loan(client, school, **extra):
    due = (services.school_today() + timedelta(days=7)).isoformat()
    page = client.get("/loans").get_data(as_text=True)
    data = form_with_id(page, "start")
    data.update({"kind": "loan", "recipient_kind": "student", "name": "王小明", "department_id": school.class3.id, "due_on": due, **extra})
    return client.post("/loans", data=data)


def test_a_keeper_lends_ten_balls_by_typing_their_codes_and_takes_one_back_damaged(app, client, login_as, school):
    login_as(school.keeper)
    response = start_loan(client, school)
    assert response.status_code == 302
    loan = db.session.scalar(select(Handout))
    loop = client.get(response.location).get_data(as_text=True)
    assert "王小明 (高一(3)班)" in loop and "No item yet" in loop
    for n, ball in enumerate(school.balls[:10], start=1):
        answer = client.post(f"/loans/{loan.id}/items", data={**form_on(loop, f"/loans/{loan.id}/items"), "code": code(ball)}, follow_redirects=True)
        assert f"✓ 篮球 ({ball.asset_number}) · {n} in all" in answer.get_data(as_text=True)
    again = client.post(f"/loans/{loan.id}/items", data={**form_on(loop, f"/loans/{loan.id}/items"), "code": code(school.balls[0])}, follow_redirects=True)
    assert "is on this list already" in again.get_data(as_text=True)
    # Everyone who scans a ball reads until when; who has it is for staff.
    public = app.test_client().get(f"/t/{code(school.balls[0])}").get_data(as_text=True)
    assert "On loan since" in public and "due back on" in public and "王小明" not in public
    staff_page = client.get(f"/t/{code(school.balls[0])}").get_data(as_text=True)
    assert "Lent to 王小明 (高一(3)班)" in staff_page and "Take it back" in staff_page

    returns = client.get(f"/loans/returns?code={code(school.balls[0])}").get_data(as_text=True)
    answer = client.post("/loans/returns", data={**form_with_id(returns, "returns"), "code": code(school.balls[0]), "condition": "broken",
                                                 "damage": "扎破了，漏气"}, follow_redirects=True).get_data(as_text=True)
    assert "is back from" in answer and "9 still out" in answer and "naming the borrower 王小明 (高一(3)班)" in answer
    report = db.session.scalar(select(DamageReport))
    assert report.handout_id == loan.id
    from tagsvc.repairs import services as repairs

    repairs.triage_report(school.office, report.id, repairs.Triage("accept", assignee_id=school.office.id))  # the fault is confirmed
    login_as(school.office)
    repair_page = client.get(f"/repairs/{report.id}").get_data(as_text=True)
    assert 'value="王小明"' in repair_page  # the liability form starts from the borrower


def test_returns_refuse_broken_without_a_description_and_keep_the_item_out(client, login_as, school):
    loan = lend_to_student(school)
    services.hand_out(school.keeper, loan.id, code(school.balls[0]))
    login_as(school.keeper)
    page = client.get("/loans/returns").get_data(as_text=True)
    response = client.post("/loans/returns", data={**form_with_id(page, "returns"), "code": code(school.balls[0]), "condition": "broken"})
    assert response.status_code == 400 and "say what is wrong" in response.get_data(as_text=True)
    assert db.session.get(Asset, school.balls[0].id).status == AssetStatus.ON_LOAN


def test_a_bad_loan_start_says_why_and_creates_nothing(client, login_as, school):
    login_as(school.keeper)
    response = start_loan(client, school, due_on="")
    assert response.status_code == 400 and "Say when the items are due back" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Handout)) == 0


def test_the_label_page_adds_items_to_the_loan_being_filled(client, login_as, school):
    login_as(school.keeper)
    start_loan(client, school)
    loan = db.session.scalar(select(Handout))
    label = client.get(f"/t/{code(school.balls[3])}").get_data(as_text=True)
    assert "Lend to 王小明 (高一(3)班)" in label
    answer = client.post(f"/loans/{loan.id}/items", data=form_on(label, f"/loans/{loan.id}/items"), follow_redirects=True).get_data(as_text=True)
    assert "✓ 篮球 (LQ-004) · 1 in all" in answer and "Lend to" not in answer  # back on the label, now on loan
    assert db.session.get(Asset, school.balls[3].id).status == AssetStatus.ON_LOAN


@pytest.mark.parametrize("who, status", [("teacher", 403), ("repairer", 403), (None, 302)])
def test_only_keepers_and_the_office_reach_loans(client, login_as, school, who, status):
    if who:
        login_as(getattr(school, who))
    assert client.get("/loans").status_code == status
    assert client.get("/loans/returns").status_code == status


def test_another_departments_keeper_does_not_see_a_loan_of_balls(client, login_as, school):
    loan = lend_to_student(school)
    services.hand_out(school.keeper, loan.id, code(school.balls[0]))
    login_as(school.other_keeper)
    assert client.get(f"/loans/{loan.id}").status_code == 404
    assert client.get(f"/loans/{loan.id}/slip").status_code == 404
    login_as(school.office)
    slip = client.get(f"/loans/{loan.id}/slip").get_data(as_text=True)
    assert "Asset loan slip (借用单)" in slip and "LQ-001" in slip and "180.00" in slip and "Received by" in slip


def test_overdue_loans_are_listed_and_counted_for_the_office_and_the_lender(client, login_as, school):
    loan = lend_to_student(school)
    services.hand_out(school.keeper, loan.id, code(school.balls[0]))
    db.session.get(Handout, loan.id).due_on = services.school_today() - timedelta(days=1)
    db.session.commit()
    for person in (school.office, school.keeper):
        login_as(person)
        page = client.get("/approvals").get_data(as_text=True)
        assert "Overdue loans" in page and "LQ-001" in page and loan.number in page
        assert re.search(r'Waiting for me <span class="badge"[^>]*>1 waiting for you</span>', page)
    login_as(school.other_keeper)
    page = client.get("/approvals").get_data(as_text=True)
    assert "LQ-001" not in page and "Nothing waits for you" in page
    login_as(school.teacher)  # a teacher's page lists the inspection rounds they walk, never others' loans
    page = client.get("/approvals").get_data(as_text=True)
    assert "LQ-001" not in page and "Nothing waits for you" in page


def test_a_handover_to_a_room_changes_the_place_and_prints_a_handover_slip(client, login_as, school):
    from tests.factories import make_location

    room = make_location("办公室301")
    login_as(school.keeper)
    page = client.get("/loans").get_data(as_text=True)
    data = form_with_id(page, "start")
    data.update({"kind": "issue", "recipient_kind": "room", "location_id": room.id})
    data.pop("location_id-path")  # the picker's typed text: a browser's script fills it, this test chooses by id
    response = client.post("/loans", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[-3000:]
    handout = db.session.scalar(select(Handout))
    loop = client.get(response.location).get_data(as_text=True)
    client.post(f"/loans/{handout.id}/items", data={**form_on(loop, f"/loans/{handout.id}/items"), "code": code(school.balls[0])})
    assert db.session.get(Asset, school.balls[0].id).location_id == room.id
    client.post(f"/loans/{handout.id}/close", data=form_on(client.get(f"/loans/{handout.id}").get_data(as_text=True), f"/loans/{handout.id}/close"))
    assert db.session.get(Handout, handout.id).closed_at is not None
    assert "Asset handover slip (领用单)" in client.get(f"/loans/{handout.id}/slip").get_data(as_text=True)


def test_a_keepers_start_page_says_how_many_of_their_loans_are_overdue(client, login_as, school):
    loan = lend_to_student(school)
    for ball in school.balls[:2]:
        services.hand_out(school.keeper, loan.id, code(ball))
    login_as(school.keeper)
    assert "overdue" not in client.get("/").get_data(as_text=True)
    db.session.get(Handout, loan.id).due_on = services.school_today() - timedelta(days=1)
    db.session.commit()
    page = client.get("/").get_data(as_text=True)
    assert "2 items overdue" in page and 'href="/approvals#overdue"' in page


def test_signing_on_the_phone_shows_on_the_slip(client, login_as, school):
    import base64

    from tests.loans.test_services import _png

    loan = lend_to_student(school)
    services.hand_out(school.keeper, loan.id, code(school.balls[0]))
    login_as(school.keeper)
    page = client.get(f"/loans/{loan.id}/sign").get_data(as_text=True)
    assert 'value="王小明"' in page and "LQ-001" in page
    data = form_with_id(page, "signing")
    refused = client.post(f"/loans/{loan.id}/sign", data={**data, "picture": "data:image/png;base64,not-base64!"})
    assert refused.status_code == 400 and "Sign in the box first" in refused.get_data(as_text=True)
    picture = "data:image/png;base64," + base64.b64encode(_png()).decode()
    answer = client.post(f"/loans/{loan.id}/sign", data={**data, "picture": picture}, follow_redirects=True).get_data(as_text=True)
    assert "Signed by 王小明." in answer and "Sign on this phone" not in answer
    slip = client.get(f"/loans/{loan.id}/slip").get_data(as_text=True)
    assert 'alt="Signature of 王小明"' in slip


def test_the_loan_form_asks_a_persons_name_and_the_list_says_what_its_numbers_are(client, login_as, school):
    from datetime import timedelta

    from tagsvc.loans import services as loan_services
    from tagsvc.loans.models import HandoutKind, RecipientKind

    loan = loan_services.start_handout(school.keeper, HandoutKind.LOAN, loan_services.Recipient(
        RecipientKind.STUDENT, "王小明", "高一(3)班", due_on=loan_services.school_today()))
    loan_services.hand_out(school.keeper, loan.id, school.balls[0].id)
    loan.due_on = loan_services.school_today() - timedelta(days=2)
    db.session.commit()
    login_as(school.keeper)
    page = client.get("/loans", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "<legend>借用还是领用</legend>" in page and ">姓名</label>" in page and "班级（上面列表中没有时填写）" in page
    card = re.search(rf'href="/loans/{loan.id}">(.*?)</tr>', page, re.S).group(1)
    assert "1 件" in card and "应于" in card and "已超期" in card
