"""Status and condition tell the truth: no contradictions, and no hand edits while a workflow owns the status."""
import pytest

from tagsvc.accounts.models import Role
from tagsvc.assets.models import AssetCondition, AssetStatus
from tagsvc.assets.services import AssetData, create_asset, update_asset
from tagsvc.assets.states import condition_for, contradiction
from tagsvc.errors import ConflictError, ValidationError
from tagsvc.extensions import db
from tagsvc.repairs import services as repairs
from tagsvc.repairs.models import DamageKind
from tests.factories import make_asset, make_department, make_user


@pytest.mark.parametrize("status, condition", [
    (AssetStatus.DAMAGED, AssetCondition.NEW), (AssetStatus.UNDER_REPAIR, AssetCondition.GOOD),
    (AssetStatus.IN_USE, AssetCondition.BROKEN), (AssetStatus.IDLE, AssetCondition.BROKEN), (AssetStatus.ON_LOAN, AssetCondition.BROKEN),
])
def test_contradicting_status_and_condition_are_named(status, condition):
    assert contradiction(status, condition) is not None
    assert contradiction(status, condition_for(status, condition)) is None  # what a workflow would set instead


@pytest.mark.parametrize("status, condition", [
    (AssetStatus.IN_USE, AssetCondition.NEW), (AssetStatus.DAMAGED, AssetCondition.BROKEN), (AssetStatus.UNDER_REPAIR, AssetCondition.POOR),
    (AssetStatus.DISPOSED, AssetCondition.BROKEN), (AssetStatus.LOST, AssetCondition.GOOD),
])
def test_fitting_status_and_condition_pass(status, condition):
    assert contradiction(status, condition) is None and condition_for(status, condition) == condition


def test_registering_a_damaged_new_item_is_refused_and_nothing_is_stored(app, session):
    with pytest.raises(ValidationError, match="cannot be new or in good condition"):
        create_asset(make_user(Role.ADMIN), AssetData("ZC-1", "投影仪", status=AssetStatus.DAMAGED, condition=AssetCondition.NEW))
    session.rollback()
    from tagsvc.assets.models import Asset

    assert session.query(Asset).count() == 0


def test_a_hand_edit_of_the_status_is_refused_while_a_report_is_open(app):
    office = make_user(Role.ADMIN)
    desk = make_asset(department_id=make_department().id)
    report = repairs.submit_report(None, desk.current_tag.code, DamageKind.BROKEN, "桌腿松了", client_hash="x")
    data = AssetData(desk.asset_number, desk.name, department_id=desk.department_id, status=AssetStatus.IDLE)
    with pytest.raises(ConflictError, match=f"damage report #{report.id} is open"):
        update_asset(office, desk.id, data)
    db.session.rollback()
    assert db.session.get(type(desk), desk.id).status == AssetStatus.IN_USE
    # Other fields may still change while the repair owns the status.
    update_asset(office, desk.id, AssetData(desk.asset_number, "课桌", department_id=desk.department_id))
    assert db.session.get(type(desk), desk.id).name == "课桌"


def test_the_edit_page_says_why_the_status_cannot_be_changed(client, login_as, app):
    office = login_as(make_user(Role.ADMIN))
    desk = make_asset(department_id=make_department().id)
    report = repairs.submit_report(office, desk.current_tag.code, DamageKind.BROKEN, "桌腿松了")
    page = client.get(f"/assets/{desk.id}/edit").get_data(as_text=True)
    assert "The status cannot be changed by hand now" in page and f'href="/repairs/{report.id}"' in page
    import re

    assert re.search(r'<select[^>]*disabled[^>]*name="status"|<select[^>]*name="status"[^>]*disabled', page)


def test_the_edit_form_explains_a_contradiction_in_our_words(client, login_as, app):
    login_as(make_user(Role.ADMIN))
    desk = make_asset()
    response = client.post(f"/assets/{desk.id}/edit", data={
        "asset_number": desk.asset_number, "name": desk.name, "status": "in_use", "condition": "broken",
    })
    assert response.status_code == 400
    assert "A broken item cannot be in use" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(type(desk), desk.id).condition == AssetCondition.GOOD


def test_a_teacher_opening_an_edit_page_gets_the_same_refusal_page_as_a_keeper(client, login_as, app):
    desk = make_asset(department_id=make_department().id)
    login_as(make_user(Role.STAFF))
    teacher = client.get(f"/assets/{desk.id}/edit")
    client.post("/logout")
    login_as(make_user(Role.KEEPER, departments=[make_department()]))
    keeper = client.get(f"/assets/{desk.id}/edit")
    assert teacher.status_code == 403 and keeper.status_code == 403
    assert "Not allowed" in teacher.get_data(as_text=True) and "Not allowed" in keeper.get_data(as_text=True)
