"""Damage reports and repair orders over the API: reporting, the office's decision, the repairer's steps, and who
may read which report."""
from __future__ import annotations

import pytest

from tagsvc.assets.models import AssetStatus
from tagsvc.extensions import db
from tagsvc.repairs.models import DamageKind, DamageReport
from tagsvc.repairs.services import submit_report


def _token(role, school, token_of):
    return None if role == "anonymous" else token_of(getattr(school, role))


@pytest.fixture
def report(school):
    return submit_report(school.staff, school.asset.current_tag.code, DamageKind.BROKEN, "投影仪不亮")


def test_a_signed_in_person_reports_damage_by_label_code(api, school, token_of):
    code = school.asset.current_tag.code
    answer = api("POST", "/reports", token_of(school.staff), json={"code": code.lower(), "kind": "broken", "description": " 不亮 "})
    assert answer.status_code == 201
    body = answer.get_json()
    assert body["status"] == "new" and body["description"] == "不亮" and body["asset"]["id"] == school.asset.id
    assert body["reporter_name"] == school.staff.display_name
    assert db.session.get(type(school.asset), school.asset.id).status == AssetStatus.IN_USE  # a claim until the office decides
    second = api("POST", "/reports", token_of(school.keeper), json={"code": code, "kind": "other", "description": "又坏了"})
    assert second.status_code == 409


def test_reporting_needs_a_token_and_a_known_code(api, school, token_of):
    assert api("POST", "/reports", json={"code": school.asset.current_tag.code, "kind": "broken", "description": "x"}).status_code == 401
    unknown = api("POST", "/reports", token_of(school.staff), json={"code": "AAAA-AAAA", "kind": "broken", "description": "x"})
    assert unknown.status_code == 404


@pytest.mark.parametrize("role, expected", [("anonymous", 401), ("staff", 200), ("repairer", 403), ("keeper", 200),
                                            ("other_keeper", 403), ("admin", 200)])
def test_who_reads_a_report(api, school, token_of, report, role, expected):
    # staff: the reporter; keeper: of the item's department; a repairer only once it is assigned to them
    assert api("GET", f"/reports/{report.id}", _token(role, school, token_of)).status_code == expected


@pytest.mark.parametrize("role, expected", [("staff", 403), ("repairer", 403), ("keeper", 403), ("other_keeper", 403), ("admin", 200)])
def test_only_the_office_decides_on_a_report(api, school, token_of, report, role, expected):
    answer = api("POST", f"/reports/{report.id}/triage", _token(role, school, token_of),
                 json={"decision": "accept", "priority": "urgent", "assignee_id": school.repairer.id})
    assert answer.status_code == expected
    db.session.expire_all()
    assert (db.session.get(DamageReport, report.id).status == "accepted") is (expected == 200)


def test_the_whole_repair_over_the_api(api, school, token_of, report):
    office, fixer = token_of(school.admin), token_of(school.repairer)
    accepted = api("POST", f"/reports/{report.id}/triage", office,
                   json={"decision": "accept", "priority": "urgent", "assignee_id": school.repairer.id}).get_json()
    assert accepted["status"] == "accepted" and accepted["assignee"] == {"id": school.repairer.id, "name": school.repairer.display_name}
    orders = api("GET", "/reports", fixer).get_json()["items"]  # a repairer's default list: their open orders
    assert [o["id"] for o in orders] == [report.id]
    assert api("POST", f"/reports/{report.id}/start", token_of(school.keeper)).status_code == 403
    assert api("POST", f"/reports/{report.id}/start", fixer).get_json()["status"] == "in_progress"
    assert api("GET", f"/assets/{school.asset.id}", office).get_json()["status"] == "under_repair"
    empty = api("POST", f"/reports/{report.id}/finish", fixer, json={"note": "  "})
    assert empty.status_code == 422 and "note" in empty.get_json()["errors"]["json"]
    done = api("POST", f"/reports/{report.id}/finish", fixer, json={"note": "换了灯泡", "parts_cost": 120})
    assert done.get_json()["status"] == "done" and done.get_json()["parts_cost"] == "120.00"
    assert api("GET", f"/assets/{school.asset.id}", office).get_json()["status"] == "in_use"
    again = api("POST", f"/reports/{report.id}/start", fixer)
    assert again.status_code == 409


def test_rejecting_needs_a_reason(api, school, token_of, report):
    answer = api("POST", f"/reports/{report.id}/triage", token_of(school.admin), json={"decision": "reject"})
    assert answer.status_code == 422 and "not a fault" in answer.get_json()["detail"]


@pytest.mark.parametrize("role, scope, expected", [
    ("admin", "queue", 1), ("keeper", "queue", 1), ("other_keeper", "queue", 0), ("staff", "sent", 1), ("repairer", "orders", 0),
])
def test_each_role_lists_the_reports_it_works_with(api, school, token_of, report, role, scope, expected):
    answer = api("GET", f"/reports?scope={scope}", _token(role, school, token_of))
    assert answer.status_code == 200 and len(answer.get_json()["items"]) == expected


def test_staff_have_no_repair_queue(api, school, token_of, report):
    assert api("GET", "/reports?scope=queue", token_of(school.staff)).status_code == 403
