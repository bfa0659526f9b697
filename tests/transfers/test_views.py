"""Transfer pages: the whole story through HTTP, who sees and does what, and bad input answered."""
import re

import pytest
from sqlalchemy import func, select

from tagsvc.assets.models import Asset
from tagsvc.extensions import db
from tagsvc.transfers import services
from tagsvc.transfers.models import Transfer, TransferStatus
from tests.forms_on_pages import form_on
from tests.factories import make_asset
from tests.transfers.conftest import request


def test_a_projector_moves_from_its_label_page_to_the_new_books(app, client, login_as, school):
    code = school.projector.current_tag.code
    login_as(school.sender)
    page = client.get(f"/t/{code}").get_data(as_text=True)
    assert f'href="/transfers/new?asset={school.projector.id}"' in page
    form = client.get(f"/transfers/new?asset={school.projector.id}").get_data(as_text=True)
    assert "TY-001" in form and "1 item from 信息中心" in form
    response = client.post(f"/transfers/new?asset={school.projector.id}", data={
        "asset": school.projector.id, "to_department_id": school.academic.id, "to_location_id": school.rooms["205"].id,
        "to_custodian": "张老师", "reason": "多媒体教室需要"})
    assert response.status_code == 302
    transfer = db.session.scalar(select(Transfer))
    assert f"Transfer {transfer.number} requested" in client.get(response.location).get_data(as_text=True)
    # Anyone scanning it now learns it is on its way, and nothing private.
    public = app.test_client().get(f"/t/{code}").get_data(as_text=True)
    assert "Being transferred to 教务处 since" in public and "张老师" not in public and "多媒体教室需要" not in public

    login_as(school.receiver)
    detail = client.get(f"/transfers/{transfer.id}").get_data(as_text=True)
    assert "Accept: we take these items" in detail and "Approve" not in detail
    client.post(f"/transfers/{transfer.id}/accept", data=form_on(detail, f"/transfers/{transfer.id}/accept"))
    login_as(school.office)
    detail = client.get(f"/transfers/{transfer.id}").get_data(as_text=True)
    answer = client.post(f"/transfers/{transfer.id}/approve", data=form_on(detail, f"/transfers/{transfer.id}/approve"), follow_redirects=True)
    assert "is approved: confirm each item as it arrives" in answer.get_data(as_text=True)

    login_as(school.receiver)
    label_page = client.get(f"/t/{code}").get_data(as_text=True)
    assert "Confirm arrival: it is here" in label_page
    answer = client.post(f"/transfers/{transfer.id}/arrivals", data=form_on(label_page, f"/transfers/{transfer.id}/arrivals"),
                         follow_redirects=True).get_data(as_text=True)
    assert "✓ 投影仪 arrived · 1 of 1 · all arrived" in answer  # back on the label's page
    assert "教务处" in answer and "行政楼 › 205" in answer and "Confirm arrival" not in answer
    assert "Transferred: arrived" in answer  # the history tells it
    done = client.get(f"/transfers/{transfer.id}").get_data(as_text=True)  # the completed transfer says where it went
    assert "moved from 行政楼 › 101 to 行政楼 › 205" in done and "now in 行政楼 › 101" not in done


def test_forty_desks_ticked_in_the_register_arrive_by_typed_codes_with_one_outstanding(client, login_as, school):
    login_as(school.sender)
    register = client.get("/assets?q=课桌").get_data(as_text=True)
    assert 'formaction="/transfers/new"' in register
    ids = [d.id for d in school.desks]
    form = client.get("/transfers/new", query_string={"asset": ids}).get_data(as_text=True)
    assert "40 items from 信息中心" in form
    response = client.post("/transfers/new", data={"asset": ids, "to_department_id": school.academic.id, "reason": "高一(3)班换教室"})
    assert response.status_code == 302
    transfer = db.session.scalar(select(Transfer))
    services.accept_transfer(school.receiver, transfer.id)
    services.approve_transfer(school.office, transfer.id)
    login_as(school.receiver)
    detail = client.get(f"/transfers/{transfer.id}").get_data(as_text=True)
    values = form_on(detail, f"/transfers/{transfer.id}/arrivals")
    for desk in school.desks[:39]:
        client.post(f"/transfers/{transfer.id}/arrivals", data=values | {"code": f"https://tags.example.edu/t/{desk.current_tag.code}"})
    detail = client.get(f"/transfers/{transfer.id}").get_data(as_text=True)
    assert "39 of 40 arrived" in detail and "Outstanding: 1 item not confirmed yet. It stays with 信息中心" in detail
    assert db.session.scalar(select(func.count()).select_from(Asset).where(Asset.department_id == school.academic.id)) == 39


@pytest.mark.parametrize("who, status", [("sender", 200), ("receiver", 200), ("office", 200), ("third", 404), ("staff", 404), ("repairer", 404)])
def test_only_the_two_departments_and_the_office_see_a_transfer(client, login_as, school, who, status):
    transfer = request(school)
    login_as(getattr(school, who))
    assert client.get(f"/transfers/{transfer.id}").status_code == status
    assert client.get(f"/transfers/{transfer.id}/slip").status_code == status


def test_the_public_is_sent_to_sign_in(client, school):
    transfer = request(school)
    for path in ("/transfers", f"/transfers/{transfer.id}", f"/transfers/{transfer.id}/slip", f"/transfers/new?asset={school.projector.id}"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.location


@pytest.mark.parametrize("who", ["third", "staff", "sender"])
def test_a_person_who_may_not_decide_changes_nothing(client, login_as, school, who):
    transfer = request(school)
    login_as(getattr(school, who))
    client.post(f"/transfers/{transfer.id}/accept")
    client.post(f"/transfers/{transfer.id}/approve")
    db.session.expire_all()
    transfer = db.session.get(Transfer, transfer.id)
    assert transfer.accepted_at is None and transfer.approved_at is None


def test_the_list_shows_each_keeper_their_departments_transfers(client, login_as, school):
    transfer = request(school)
    login_as(school.receiver)
    page = client.get("/transfers").get_data(as_text=True)
    assert transfer.number in page and "信息中心 → 教务处" in page and 'title="waiting for you"' in page
    login_as(school.third)
    assert transfer.number not in client.get("/transfers").get_data(as_text=True)
    login_as(school.staff)
    assert client.get("/transfers").status_code == 403


def test_a_request_without_a_department_is_refused_and_writes_nothing(client, login_as, school):
    login_as(school.sender)
    response = client.post("/transfers/new", data={"asset": school.projector.id, "reason": "x"})
    assert response.status_code == 400 and "Choose the receiving department" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Transfer)) == 0


def test_declining_needs_a_reason(client, login_as, school):
    transfer = request(school)
    login_as(school.receiver)
    answer = client.post(f"/transfers/{transfer.id}/decline", data={"reason": ""}, follow_redirects=True).get_data(as_text=True)
    assert "Say why" in answer and db.session.get(Transfer, transfer.id).status == TransferStatus.REQUESTED
    client.post(f"/transfers/{transfer.id}/decline", data={"reason": "放不下"})
    db.session.expire_all()
    assert db.session.get(Transfer, transfer.id).status == TransferStatus.DECLINED


def test_the_slip_lists_both_sides_the_items_their_value_and_signature_lines(client, login_as, school):
    transfer = request(school, assets=[school.projector, school.desks[0]])
    login_as(school.office)
    slip = client.get(f"/transfers/{transfer.id}/slip").get_data(as_text=True)
    assert transfer.number in slip and "信息中心" in slip and "教务处" in slip and "TY-001" in slip and "KZ-001" in slip
    assert "3200.00" in slip and "Sender (调出部门)" in slip and "Receiver (调入部门)" in slip and "Approved by (总务处)" in slip


def test_each_start_page_lists_the_transfers_waiting_for_that_person(client, login_as, school):
    transfer = request(school)
    login_as(school.receiver)
    home = client.get("/").get_data(as_text=True)
    assert f"Transfer {transfer.number} · 信息中心 → 教务处" in home and "Accept or decline" in home
    login_as(school.office)
    home = client.get("/").get_data(as_text=True)
    assert "Approve or reject" in home and re.search(r'<span class="count">1</span>Transfers to approve', home)
    login_as(school.sender)
    assert transfer.number not in client.get("/").get_data(as_text=True)  # nothing for the sender to do now
    services.accept_transfer(school.receiver, transfer.id)
    services.approve_transfer(school.office, transfer.id)
    login_as(school.receiver)
    home = client.get("/").get_data(as_text=True)
    assert "Confirm arrivals" in home and "0 of 1 arrived" in home
    login_as(school.office)
    assert transfer.number not in client.get("/").get_data(as_text=True)


def test_the_request_form_refuses_a_list_with_another_departments_items(client, login_as, school):
    """One of the keeper's items is not enough: every listed item must be theirs (as the disposal form checks)."""
    theirs = make_asset(name="书架", department_id=school.library.id)
    login_as(school.sender)
    response = client.get(f"/transfers/new?asset={school.projector.id}&asset={theirs.id}")
    assert response.status_code == 403 and "these are not yours: 书架" in response.get_data(as_text=True)
    assert client.get(f"/transfers/new?asset={school.projector.id}").status_code == 200


def test_the_requester_is_asked_whether_to_withdraw_not_to_decide(client, login_as, school):
    transfer = request(school)
    login_as(school.sender)
    page = client.get(f"/transfers/{transfer.id}").get_data(as_text=True)
    assert "Withdraw your request?" in page and "Your decision" not in page and "Cancel this transfer" in page
    client.get("/logout")
    login_as(school.receiver)
    assert "Your decision" in client.get(f"/transfers/{transfer.id}").get_data(as_text=True)
