"""Transfers through the API: the whole story, the role matrix, replays and bad bodies."""
import pytest
from sqlalchemy import func, select

from tagsvc.assets.models import Asset
from tagsvc.extensions import db
from tagsvc.ledger.models import LedgerAction, LedgerEvent
from tagsvc.transfers.models import Transfer


def new_transfer(school, **extra):
    return {"asset_ids": [school.asset.id], "to_department_id": school.other_asset.department_id, "reason": "信息中心要用", **extra}


def test_the_whole_story_through_the_api(api, token_of, school):
    keeper, receiver, office = token_of(school.keeper), token_of(school.other_keeper), token_of(school.admin)
    created = api("POST", "/transfers", keeper, json=new_transfer(school), headers={"Idempotency-Key": "t-1"})
    assert created.status_code == 201 and created.json["number"].startswith("DB-") and created.json["status"] == "requested"
    again = api("POST", "/transfers", keeper, json=new_transfer(school), headers={"Idempotency-Key": "t-1"})
    assert again.status_code == 201 and again.json["id"] == created.json["id"]  # a retried request does its work once
    assert db.session.scalar(select(func.count()).select_from(Transfer)) == 1
    transfer_id = created.json["id"]
    assert api("POST", f"/transfers/{transfer_id}/acceptance", receiver).status_code == 200
    approved = api("POST", f"/transfers/{transfer_id}/approval", office)
    assert approved.status_code == 200 and approved.json["status"] == "approved"
    assert api("POST", f"/transfers/{transfer_id}/approval", office).status_code == 409
    code = school.asset.current_tag.code
    arrived = api("POST", f"/transfers/{transfer_id}/arrivals", receiver, json={"code": f"https://tags.example.edu/t/{code}", "method": "camera"})
    assert arrived.status_code == 200 and arrived.json | {"first_at": None} == {
        "counted": True, "asset_id": school.asset.id, "asset_number": school.asset.asset_number, "name": school.asset.name,
        "arrived": 1, "total": 1, "completed": True, "first_by": "", "first_at": None}
    replay = api("POST", f"/transfers/{transfer_id}/arrivals", receiver, json={"asset_id": school.asset.id})
    assert replay.status_code == 200 and replay.json["counted"] is False and replay.json["first_by"] == school.other_keeper.display_name
    assert db.session.get(Asset, school.asset.id).department_id == school.other_asset.department_id
    assert db.session.scalar(select(func.count()).select_from(LedgerEvent).where(LedgerEvent.action == LedgerAction.TRANSFERRED)) == 1
    read = api("GET", f"/transfers/{transfer_id}", keeper).json
    assert read["status"] == "completed" and read["items"][0]["arrived_by"] == school.other_keeper.display_name


@pytest.mark.parametrize("who, status", [("staff", 403), ("repairer", 403), ("other_keeper", 403)])
def test_only_the_sending_keeper_or_the_office_requests(api, token_of, school, who, status):
    assert api("POST", "/transfers", token_of(getattr(school, who)), json=new_transfer(school)).status_code == status
    assert db.session.scalar(select(func.count()).select_from(Transfer)) == 0


@pytest.mark.parametrize("who, status", [("admin", 200), ("keeper", 200), ("other_keeper", 200), ("staff", 404), ("repairer", 404)])
def test_who_reads_a_transfer(api, token_of, school, who, status):
    transfer_id = api("POST", "/transfers", token_of(school.keeper), json=new_transfer(school)).json["id"]
    assert api("GET", f"/transfers/{transfer_id}", token_of(getattr(school, who))).status_code == status


def test_the_sender_cannot_accept_or_approve_its_own_request(api, token_of, school):
    keeper = token_of(school.keeper)
    transfer_id = api("POST", "/transfers", keeper, json=new_transfer(school)).json["id"]
    assert api("POST", f"/transfers/{transfer_id}/acceptance", keeper).status_code == 403
    assert api("POST", f"/transfers/{transfer_id}/approval", keeper).status_code == 403
    transfer = db.session.get(Transfer, transfer_id)
    assert transfer.accepted_at is None and transfer.approved_at is None


def test_anonymous_callers_are_asked_to_sign_in(api, school):
    assert api("GET", "/transfers").status_code == 401
    assert api("POST", "/transfers", json=new_transfer(school)).status_code == 401


@pytest.mark.parametrize("body, field", [
    ({"asset_ids": [], "to_department_id": 1}, "asset_ids"),
    ({"asset_ids": ["1"], "to_department_id": 1}, "asset_ids"),
    ({"asset_ids": [1]}, "to_department_id"),
    ({"asset_ids": [1], "to_department_id": 1, "colour": "red"}, "colour"),
])
def test_malformed_requests_are_answered_422_and_write_nothing(api, token_of, school, body, field):
    response = api("POST", "/transfers", token_of(school.admin), json=body)
    assert response.status_code == 422 and field in str(response.json)
    assert db.session.scalar(select(func.count()).select_from(Transfer)) == 0


def test_an_arrival_needs_a_code_or_an_asset_and_one_in_the_transfer(api, token_of, school):
    office = token_of(school.admin)
    transfer = api("POST", "/transfers", office, json=new_transfer(school, direct=True)).json
    assert transfer["status"] == "approved" and transfer["direct"] is True
    assert api("POST", f"/transfers/{transfer['id']}/arrivals", office, json={}).status_code == 422
    outsider = api("POST", f"/transfers/{transfer['id']}/arrivals", office, json={"asset_id": school.other_asset.id})
    assert outsider.status_code == 422 and "is not part of" in outsider.json["detail"]
