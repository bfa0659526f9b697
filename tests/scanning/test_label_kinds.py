"""Labels that are not an asset's: a room's label, and a blank label waiting to be claimed."""
import pytest
from sqlalchemy import select

from tagsvc.accounts.models import Role
from tagsvc.extensions import db
from tagsvc.labels import services
from tagsvc.ledger.models import LedgerAction, LedgerEvent
from tagsvc.tags.models import Tag
from tests.factories import make_asset, make_department, make_location, make_user


@pytest.fixture
def school(app):
    class_3 = make_department("高一(3)班")
    room = make_location("301", parent=make_location("教学楼"))
    desk = make_asset(name="课桌椅", asset_number="KZY-001", department_id=class_3.id, location_id=room.id)
    office_desk = make_asset(name="办公桌", asset_number="BGZ-001", department_id=make_department("总务处").id, location_id=room.id)
    admin = make_user(Role.ADMIN)
    return {"class": class_3, "room": room, "desk": desk, "office_desk": office_desk, "admin": admin}


def blank_code(actor) -> str:
    return db.session.get(Tag, services.batch_tag_ids(services.create_blank_batch(actor, 1))[0]).code


def room_code(actor, room) -> str:
    return db.session.get(Tag, services.room_tag_ids(actor, [room.id])[0]).code


def test_a_room_label_tells_anyone_the_room_and_its_count_but_not_the_list(client, school):
    page = client.get(f"/t/{room_code(school['admin'], school['room'])}").get_data(as_text=True)
    assert "301" in page and "教学楼 › 301" in page and "2 registered items belong here." in page
    assert "KZY-001" not in page and "Sign in to see the list of items" in page


def test_a_room_label_lists_what_should_be_there_for_staff(client, login_as, school):
    code = room_code(school["admin"], school["room"])
    login_as(make_user(Role.STAFF))
    page = client.get(f"/t/{code.lower()}").get_data(as_text=True)
    assert "KZY-001" in page and "BGZ-001" in page and "What should be here" in page


def test_a_keeper_sees_only_their_departments_items_in_a_room(client, login_as, school):
    code = room_code(school["admin"], school["room"])
    login_as(make_user(Role.KEEPER, departments=[school["class"]]))
    page = client.get(f"/t/{code}").get_data(as_text=True)
    assert "KZY-001" in page and "BGZ-001" not in page and "Only items of the departments you keep" in page


def test_anyone_scanning_a_blank_label_is_told_it_is_not_in_use_yet(client, school):
    page = client.get(f"/t/{blank_code(school['admin'])}").get_data(as_text=True)
    assert "This label is not in use yet" in page and "tell the logistics office" in page
    assert "Attach this label" not in page and "Register a new item" not in page


def test_staff_scanning_a_blank_label_cannot_claim_it(client, login_as, school):
    code = blank_code(school["admin"])
    login_as(make_user(Role.STAFF))
    page = client.get(f"/t/{code}").get_data(as_text=True)
    assert "Only the logistics office and department keepers can attach labels" in page
    response = client.post(f"/t/{code}/attach", data={"asset_number": "KZY-001"}, follow_redirects=True)
    assert "You can only change assets of the departments you keep" in response.get_data(as_text=True)
    assert db.session.scalar(select(Tag).where(Tag.code == code)).is_blank


def test_a_keeper_attaches_a_blank_label_from_the_scan(client, login_as, school):
    code = blank_code(school["admin"])
    login_as(make_user(Role.KEEPER, departments=[school["class"]]))
    page = client.get(f"/t/{code}").get_data(as_text=True)
    assert "Register a new item with this label" in page and "Attach this label" in page
    response = client.post(f"/t/{code}/attach", data={"asset_number": "KZY-001"})
    assert response.location == f"/t/{code}"
    page = client.get(response.location).get_data(as_text=True)
    assert "课桌椅" in page and "now belongs to 课桌椅" in page
    events = db.session.scalars(select(LedgerEvent).where(LedgerEvent.asset_id == school["desk"].id, LedgerEvent.action == LedgerAction.TAG_ATTACHED)).all()
    assert len(events) == 1


def test_attaching_to_an_unknown_asset_number_explains_and_changes_nothing(client, login_as, school):
    code = blank_code(school["admin"])
    login_as(school["admin"])
    response = client.post(f"/t/{code}/attach", data={"asset_number": "NO-SUCH"}, follow_redirects=True)
    assert "There is no asset with the number NO-SUCH" in response.get_data(as_text=True)
    response = client.post(f"/t/{code}/attach", data={"asset_number": ""}, follow_redirects=True)
    assert "Type the asset number" in response.get_data(as_text=True)
    assert db.session.scalar(select(Tag).where(Tag.code == code)).is_blank


def test_registering_a_new_item_from_a_blank_label_keeps_the_label(client, login_as, school):
    code = blank_code(school["admin"])
    login_as(school["admin"])
    form = client.get(f"/assets/new?label={code}").get_data(as_text=True)
    assert "already stuck on it" in form
    response = client.post(f"/assets/new?label={code}", data={
        "asset_number": "BJB-2026-0100", "name": "笔记本电脑", "department_id": str(school["class"].id),
        "status": "in_use", "condition": "new",
    })
    assert response.status_code == 302
    page = client.get(f"/t/{code}").get_data(as_text=True)
    assert "笔记本电脑" in page and "BJB-2026-0100" in page
    # Claimed: the same label cannot start a second registration.
    again = client.post(f"/assets/new?label={code}", data={
        "asset_number": "BJB-2026-0101", "name": "笔记本电脑", "department_id": str(school["class"].id),
        "status": "in_use", "condition": "new",
    })
    assert again.status_code == 409 and "already in use" in again.get_data(as_text=True)
