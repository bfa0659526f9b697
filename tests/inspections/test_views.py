"""The inspection pages over HTTP: the list with what is due, and a round walked without JavaScript (each item's form
posts its lines; "all pass" is one button)."""
from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from tagsvc.accounts.models import Role
from tagsvc.extensions import db
from tagsvc.inspections.models import Frequency, InspectionResult, TargetKind
from tagsvc.inspections.services import PlanData, create_plan
from tagsvc.repairs.models import DamageReport
from tests.conftest import csrf_token_from
from tests.factories import make_asset, make_category, make_user


def _plan(inspector):
    office = make_user(Role.ADMIN)
    category = make_category("灭火器")
    units = [make_asset(name=f"灭火器{n}", asset_number=f"MHQ-{n}", category_id=category.id) for n in range(2)]
    plan = create_plan(office, PlanData(name="灭火器月检", target_kind=TargetKind.CATEGORY, category_id=category.id,
                                        checklist=["压力表指针在绿区", "铅封完好"], frequency=Frequency.MONTHLY,
                                        starts_on=date(2026, 1, 1), inspector_ids=[inspector.id]))
    return plan, units


def test_a_round_walked_without_javascript(client, login_as):
    inspector = make_user(Role.STAFF, display_name="安全员李老师")
    plan, units = _plan(inspector)
    login_as(inspector)
    listed = client.get("/inspections").get_data(as_text=True)
    assert "灭火器月检" in listed and "0 / 4" in listed
    walk = client.get(f"/inspections/plans/{plan.id}/round")
    assert walk.status_code == 302
    page = client.get(walk.headers["Location"]).get_data(as_text=True)
    assert page.count('class="card target') == 2 and "压力表指针在绿区" in page
    token = csrf_token_from(page)
    round_url = walk.headers["Location"]
    code = units[0].current_tag.code
    all_pass = client.post(f"{round_url}/results", data={"csrf_token": token, "code": code, "all": "pass"})
    assert all_pass.status_code == 302 and all_pass.headers["Location"].endswith(f"#t-{code}")
    other = units[1].current_tag.code
    missing_word = client.post(f"{round_url}/results", data={"csrf_token": token, "code": other, "line-k1": "fail"}, follow_redirects=True)
    assert "Say in a word" in missing_word.get_data(as_text=True)
    failed = client.post(f"{round_url}/results", data={"csrf_token": token, "code": other, "line-k1": "fail", "note-k1": "指针在红区",
                                                       "line-k2": "pass"}, follow_redirects=True)
    assert "A damage report is open for the office" in failed.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(InspectionResult)) == 4
    assert db.session.scalar(select(DamageReport.asset_id)) == units[1].id
    assert "4 / 4" in client.get("/inspections").get_data(as_text=True)


def test_someone_the_plan_does_not_name_is_turned_away(client, login_as):
    inspector = make_user(Role.STAFF)
    plan, _units = _plan(inspector)
    login_as(make_user(Role.STAFF))
    assert "You inspect nothing yet" in client.get("/inspections").get_data(as_text=True)
    refused = client.get(f"/inspections/plans/{plan.id}/round", follow_redirects=True)
    assert "not one of the inspectors" in refused.get_data(as_text=True)
