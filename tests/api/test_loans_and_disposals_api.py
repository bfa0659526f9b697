"""Loans and disposals through the API: the whole stories, the role matrix, replays and bad bodies."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tagsvc.accounts.models import Role
from tagsvc.assets.models import Asset, AssetStatus
from tagsvc.disposals.models import Disposal
from tagsvc.extensions import db
from tagsvc.loans.models import Handout
from tagsvc.loans.services import school_today
from tests.factories import make_user


def new_loan(**extra):
    return {"kind": "loan", "recipient_kind": "student", "name": "王小明", "class_name": "高一(3)班",
            "due_on": (school_today() + timedelta(days=7)).isoformat(), **extra}


def test_a_loan_lent_by_a_scan_and_taken_back_damaged(api, token_of, school):
    keeper = token_of(school.keeper)
    created = api("POST", "/loans", keeper, json=new_loan(), headers={"Idempotency-Key": "loan-1"})
    assert created.status_code == 201 and created.json["number"].startswith("JY-") and created.json["recipient"] == "王小明 (高一(3)班)"
    assert api("POST", "/loans", keeper, json=new_loan(), headers={"Idempotency-Key": "loan-1"}).json["id"] == created.json["id"]
    assert db.session.scalar(select(func.count()).select_from(Handout)) == 1
    loan_id, code = created.json["id"], school.asset.current_tag.code
    added = api("POST", f"/loans/{loan_id}/items", keeper, json={"code": f"https://tags.example.edu/t/{code}"})
    assert added.status_code == 200 and added.json == {"added": True, "count": 1, "asset_id": school.asset.id,
                                                              "asset_number": school.asset.asset_number, "name": school.asset.name}
    assert api("POST", f"/loans/{loan_id}/items", keeper, json={"asset_id": school.asset.id}).json["added"] is False
    assert db.session.get(Asset, school.asset.id).status == AssetStatus.ON_LOAN
    back = api("POST", "/loans/returns", keeper, json={"code": code, "condition": "broken", "damage": "屏幕碎了"})
    assert back.status_code == 200 and back.json["counted"] and back.json["outstanding"] == 0 and back.json["damage_report_id"]
    again = api("POST", "/loans/returns", keeper, json={"asset_id": school.asset.id, "condition": "good"})
    assert again.status_code == 200 and again.json["counted"] is False
    assert api("GET", f"/loans/{loan_id}", keeper).json["closed_at"] is not None


def test_an_overdue_loan_is_listed_for_its_keeper_only(api, token_of, school):
    keeper = token_of(school.keeper)
    loan_id = api("POST", "/loans", keeper, json=new_loan()).json["id"]
    api("POST", f"/loans/{loan_id}/items", keeper, json={"asset_id": school.asset.id})
    db.session.get(Handout, loan_id).due_on = school_today() - timedelta(days=3)
    db.session.commit()
    assert [row["asset_id"] for row in api("GET", "/loans/overdue", keeper).json] == [school.asset.id]
    assert api("GET", "/loans/overdue", token_of(school.other_keeper)).json == []
    assert api("GET", "/loans/overdue", token_of(school.admin)).json[0]["recipient"] == "王小明 (高一(3)班)"


@pytest.mark.parametrize("who, start, lend", [("staff", 403, None), ("repairer", 403, None), ("other_keeper", 201, 403), ("admin", 201, 200)])
def test_who_lends_what(api, token_of, school, who, start, lend):
    token = token_of(getattr(school, who))
    created = api("POST", "/loans", token, json=new_loan())
    assert created.status_code == start
    if lend:
        assert api("POST", f"/loans/{created.json['id']}/items", token, json={"asset_id": school.asset.id}).status_code == lend
    assert db.session.get(Asset, school.asset.id).status == (AssetStatus.ON_LOAN if lend == 200 else AssetStatus.IN_USE)


@pytest.mark.parametrize("body, fragment", [
    ({"due_on": None}, "due back"),
    ({"recipient_kind": "room"}, "A loan goes to"),
    ({"name": "x" * 101}, "name"),
    ({"colour": "red"}, "colour"),
])
def test_a_bad_loan_body_is_refused_and_creates_nothing(api, token_of, school, body, fragment):
    answer = api("POST", "/loans", token_of(school.keeper), json=new_loan(**body))
    assert answer.status_code == 422 and fragment in str(answer.json)
    assert db.session.scalar(select(func.count()).select_from(Handout)) == 0


def test_a_disposal_through_the_api_with_two_approvers_above_the_limit(api, token_of, school, app):
    app.config["DISPOSAL_SECOND_APPROVAL_ABOVE"] = 1000  # the asset's book value is 3,280 yuan
    second_admin = token_of(make_user(Role.ADMIN, username="office2"))
    keeper, office = token_of(school.keeper), token_of(school.admin)
    created = api("POST", "/disposals", keeper, json={"asset_ids": [school.asset.id], "reason_kind": "obsolete"}, headers={"Idempotency-Key": "d-1"})
    assert created.status_code == 201 and created.json["approvals_needed"] == 2 and created.json["number"].startswith("BF-")
    disposal_id = created.json["id"]
    assert api("POST", f"/disposals/{disposal_id}/approval", keeper).status_code == 403
    first = api("POST", f"/disposals/{disposal_id}/approval", office)
    assert first.status_code == 200 and first.json["status"] == "proposed" and first.json["approvals_given"] == 1
    assert api("POST", f"/disposals/{disposal_id}/approval", office).status_code == 409
    done = api("POST", f"/disposals/{disposal_id}/approval", second_admin)
    assert done.status_code == 200 and done.json["status"] == "approved"
    assert db.session.get(Asset, school.asset.id).status == AssetStatus.DISPOSED
    assert api("POST", f"/disposals/{disposal_id}/cancellation", keeper).status_code == 409


@pytest.mark.parametrize("who, status", [("staff", 403), ("repairer", 403), ("other_keeper", 403), ("keeper", 201), ("admin", 201)])
def test_who_proposes_a_disposal(api, token_of, school, who, status):
    answer = api("POST", "/disposals", token_of(getattr(school, who)), json={"asset_ids": [school.asset.id], "reason_kind": "lost"})
    assert answer.status_code == status
    assert db.session.scalar(select(func.count()).select_from(Disposal)) == (1 if status == 201 else 0)


def test_a_rejection_needs_a_reason_and_an_asset_on_loan_cannot_be_proposed(api, token_of, school):
    keeper, office = token_of(school.keeper), token_of(school.admin)
    disposal_id = api("POST", "/disposals", keeper, json={"asset_ids": [school.asset.id], "reason_kind": "stolen"}).json["id"]
    assert api("POST", f"/disposals/{disposal_id}/rejection", office, json={}).status_code == 422
    assert api("POST", f"/disposals/{disposal_id}/rejection", office, json={"reason": "找到了"}).json["status"] == "rejected"
    loan_id = api("POST", "/loans", keeper, json=new_loan()).json["id"]
    api("POST", f"/loans/{loan_id}/items", keeper, json={"asset_id": school.asset.id})
    refused = api("POST", "/disposals", keeper, json={"asset_ids": [school.asset.id], "reason_kind": "obsolete"})
    assert refused.status_code == 409 and "loan" in refused.json["detail"]
