from sqlalchemy import select

from tagsvc.accounts.models import Role
from tagsvc.structure.models import Category, Department, Location
from tests.factories import make_asset, make_department, make_location, make_user


def test_office_adds_a_department_and_sees_it_listed(client, login_as, session, app):
    login_as(make_user(Role.ADMIN))
    response = client.post("/admin/departments/new", data={"name": "高一(3)班", "kind": "class", "code": "G1-3"})
    assert response.status_code == 302
    assert session.scalar(select(Department).where(Department.name == "高一(3)班")).kind == "class"
    assert "高一(3)班" in client.get("/admin/departments").get_data(as_text=True)


def test_duplicate_department_is_refused_on_the_form(client, login_as, session, app):
    make_department("教务处")
    login_as(make_user(Role.ADMIN))
    response = client.post("/admin/departments/new", data={"name": "教务处", "kind": "office"})
    assert response.status_code == 409 and "already a department called 教务处" in response.get_data(as_text=True)


def test_department_in_use_is_not_deleted(client, login_as, session, app):
    department = make_department("信息中心")
    make_asset(department_id=department.id)
    login_as(make_user(Role.ADMIN))
    page = client.post(f"/admin/departments/{department.id}/delete", follow_redirects=True).get_data(as_text=True)
    assert "still has 1 assets" in page
    assert session.get(Department, department.id) is not None


def test_office_builds_the_location_tree(client, login_as, session, app):
    login_as(make_user(Role.ADMIN))
    client.post("/admin/locations/new", data={"name": "宿舍楼A", "kind": "building", "parent_id": ""})
    building = session.scalar(select(Location).where(Location.name == "宿舍楼A"))
    client.post("/admin/locations/new", data={"name": "203", "kind": "room", "parent_id": str(building.id)})
    room = session.scalar(select(Location).where(Location.name == "203"))
    assert room.full_name == "宿舍楼A › 203"
    assert "203" in client.get("/admin/locations").get_data(as_text=True)


def test_new_sub_category_form_starts_with_the_parents_kind(client, login_as, session, app):
    login_as(make_user(Role.ADMIN))
    client.post("/admin/categories/new", data={"name": "消防器材", "kind": "low_value", "parent_id": ""})
    parent = session.scalar(select(Category).where(Category.name == "消防器材"))
    page = client.get(f"/admin/categories/new?parent={parent.id}").get_data(as_text=True)
    assert '<option selected value="low_value">' in page or 'value="low_value" selected' in page


def test_empty_location_is_deleted(client, login_as, session, app):
    room = make_location("空房间")
    login_as(make_user(Role.ADMIN))
    client.post(f"/admin/locations/{room.id}/delete")
    assert session.get(Location, room.id) is None


def test_a_big_location_tree_opens_a_few_levels_at_a_time(client, login_as):
    login_as(make_user(Role.ADMIN))
    campus = make_location("本部校区")
    dorm = make_location("宿舍楼A", parent=campus)
    floor = make_location("2F", parent=dorm)
    room = make_location("201", parent=floor)
    for n in range(1, 5):
        make_location(f"床位{n}", parent=room)
    top = client.get("/admin/locations").get_data(as_text=True)
    assert "201" in top and "床位1" not in top
    assert f'href="/admin/locations?under={room.id}">4 places inside' in top
    inside = client.get(f"/admin/locations?under={room.id}").get_data(as_text=True)
    assert "床位1" in inside and "床位4" in inside and "宿舍楼A" in inside  # the rows, and the way back up
    assert client.get("/admin/locations?under=999999").status_code == 404
