import pytest
from sqlalchemy import select

from tagsvc.accounts.models import Role, User
from tests.conftest import TEST_PASSWORD
from tests.factories import make_department, make_user


def test_sign_in_and_out(client, app):
    user = make_user(Role.STAFF, username="chen")
    response = client.post("/login?next=/assets", data={"username": "chen", "password": TEST_PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/assets"
    assert user.display_name in client.get("/assets").get_data(as_text=True)
    client.post("/logout")
    assert client.get("/assets").status_code == 302


def test_wrong_password_is_refused_with_a_message(client, app):
    make_user(username="chen")
    response = client.post("/login", data={"username": "chen", "password": "nope"})
    assert response.status_code == 401 and "user name or password is not right" in response.get_data(as_text=True)


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "/\\evil.example"])
def test_sign_in_never_redirects_off_site(client, app, target):
    make_user(username="chen")
    response = client.post(f"/login?next={target}", data={"username": "chen", "password": TEST_PASSWORD})
    assert response.headers["Location"] == "/"


def test_logout_needs_post(client, login_as, app):
    login_as(make_user())
    assert client.get("/logout").status_code == 405
    assert client.get("/assets").status_code == 200


@pytest.mark.parametrize("role", [Role.KEEPER, Role.STAFF, Role.REPAIRER])
@pytest.mark.parametrize("url", ["/admin/users", "/admin/users/new", "/admin/departments", "/admin/locations/new", "/admin/categories"])
def test_office_pages_are_for_the_office_only(client, login_as, app, role, url):
    login_as(make_user(role))
    assert client.get(url).status_code == 403


def test_office_creates_a_keeper_account(client, login_as, session, app):
    department = make_department("信息中心")
    login_as(make_user(Role.ADMIN))
    response = client.post("/admin/users/new", data={
        "username": "keeper9", "display_name": "李建国", "role": "keeper", "department_ids": [str(department.id)],
        "password": "long-enough-1", "active": "y",
    })
    assert response.status_code == 302
    keeper = session.scalar(select(User).where(User.username == "keeper9"))
    assert keeper.role == Role.KEEPER and keeper.departments == [department]
    assert "李建国" in client.get("/admin/users").get_data(as_text=True)


def test_duplicate_user_name_is_shown_and_nothing_added(client, login_as, session, app):
    make_user(username="taken")
    login_as(make_user(Role.ADMIN))
    response = client.post("/admin/users/new", data={"username": "taken", "display_name": "X", "role": "staff", "password": "long-enough-1"})
    assert response.status_code == 409 and "is taken" in response.get_data(as_text=True)
    assert len(session.scalars(select(User).where(User.username == "taken")).all()) == 1


def test_deactivated_user_is_signed_out_on_next_request(client, login_as, session, app):
    user = login_as(make_user())
    user.active = False
    session.commit()
    assert client.get("/assets").status_code == 302


def test_change_own_password(client, login_as, app):
    user = login_as(make_user(username="li"))
    response = client.post("/account/password", data={"current": TEST_PASSWORD, "new": "brand-new-pw", "repeat": "brand-new-pw"})
    assert response.status_code == 302
    client.post("/logout")
    assert client.post("/login", data={"username": user.username, "password": "brand-new-pw"}).status_code == 302


def test_the_user_list_comes_in_pages(client, login_as):
    admin = login_as(make_user(Role.ADMIN, username="aaa-office"))
    for n in range(55):
        make_user(Role.STAFF, username=f"teacher{n:03d}")
    first = client.get("/admin/users").get_data(as_text=True)
    assert first.count("/edit") == 50 and "Page 1 of 2" in first and 'rel="next" href="/admin/users?page=2"' in first
    second = client.get("/admin/users?page=2").get_data(as_text=True)
    assert second.count("/edit") == 6 and "teacher054" in second and admin.username not in second
