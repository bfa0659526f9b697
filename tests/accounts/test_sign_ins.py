"""Each sign-in is its own and ends when it should: logout ends it wherever its cookies were copied; a password
change, deactivation and "sign out everywhere" end every sign-in of the person; every cookie is SameSite=Lax."""
import pytest

from tagsvc.accounts.models import Role
from tests.conftest import TEST_PASSWORD
from tests.factories import make_user

SESSION, REMEMBER = "session", "remember_token"


def _sign_in(client, user, remember=True, password=TEST_PASSWORD):
    response = client.post("/login", data={"username": user.username, "password": password, "remember": "y" if remember else ""})
    assert response.status_code == 302
    return response


def _signed_in(client) -> bool:
    return client.get("/account/password").status_code == 200


def _copy(app, client, *names):
    """Another browser holding copies of these cookies (a stolen phone's, a shared computer's)."""
    other = app.test_client()
    for name in names:
        cookie = client.get_cookie(name)
        if cookie is not None:
            other.set_cookie(name, cookie.value)
    return other


@pytest.fixture
def teacher(app):
    return make_user(Role.STAFF, username="teacher")


def test_each_sign_in_carries_its_own_cookie(app, teacher):
    first, second = app.test_client(), app.test_client()
    _sign_in(first, teacher)
    _sign_in(second, teacher)
    assert first.get_cookie(REMEMBER).value != second.get_cookie(REMEMBER).value
    assert str(teacher.id) != first.get_cookie(REMEMBER).value.split("|")[0]


@pytest.mark.parametrize("cookie", [SESSION, REMEMBER])
def test_logout_ends_every_copy_of_that_sign_in(app, client, teacher, cookie):
    _sign_in(client, teacher)
    copy = _copy(app, client, cookie)
    assert _signed_in(copy)
    client.post("/logout")
    assert not _signed_in(client)
    assert not _signed_in(_copy(app, copy, cookie))  # the copy, fresh (no session the copy made for itself since)
    assert not _signed_in(copy)


def test_logout_leaves_the_persons_other_sign_ins(app, teacher):
    phone, computer = app.test_client(), app.test_client()
    _sign_in(phone, teacher)
    _sign_in(computer, teacher)
    computer.post("/logout")
    assert _signed_in(phone) and not _signed_in(computer)


def test_a_password_change_ends_the_other_sign_ins_and_keeps_this_one(app, client, teacher):
    other = app.test_client()
    _sign_in(other, teacher)
    _sign_in(client, teacher)
    stolen = _copy(app, client, REMEMBER)
    response = client.post("/account/password", data={"current": TEST_PASSWORD, "new": "new-password-9", "repeat": "new-password-9"})
    assert response.status_code == 302
    assert "Every other browser and phone signed in as you is signed out" in client.get(response.location).get_data(as_text=True)
    assert _signed_in(client)
    assert not _signed_in(other) and not _signed_in(stolen)


def test_deactivation_ends_every_sign_in(app, client, teacher, login_as):
    phone = app.test_client()
    _sign_in(phone, teacher)
    remembered = _copy(app, phone, REMEMBER)
    office = make_user(Role.ADMIN)
    login_as(office)
    response = client.post(f"/admin/users/{teacher.id}/edit", data={"username": teacher.username, "display_name": teacher.display_name,
                                                                     "role": "staff", "phone": "", "email": ""})  # active unticked
    assert response.status_code == 302
    assert not _signed_in(phone) and not _signed_in(remembered)


def test_sign_out_everywhere(app, client, teacher):
    phone = app.test_client()
    _sign_in(phone, teacher)
    _sign_in(client, teacher)
    page = client.get("/account/password").get_data(as_text=True)
    assert "You are signed in on 2 browsers or phones." in page and "Sign out everywhere" in page
    response = client.post("/account/sign-out-everywhere")
    assert response.status_code == 302 and response.location.endswith("/login")
    assert not _signed_in(client) and not _signed_in(phone)
    _sign_in(client, teacher)  # and the password still works
    assert _signed_in(client)


def test_every_cookie_the_app_sets_is_same_site_lax_and_hidden_from_scripts(app, client, teacher):
    """Sweep: the cookies of signing in (remembered), the language switch, a sent report, the sign-in page's CSRF."""
    from tests.factories import make_asset

    asset = make_asset()
    responses = [
        client.get("/login"),
        client.get("/lang/zh?next=/"),
        client.post(f"/t/{asset.current_tag.code}/report", data={"kind": "broken", "description": "坏了"}),
        client.post("/login", data={"username": teacher.username, "password": TEST_PASSWORD, "remember": "y"}),
        client.get("/"),
        client.post("/logout"),
    ]
    cookies = [header for response in responses for header in response.headers.getlist("Set-Cookie")]
    names = {header.split("=", 1)[0] for header in cookies}
    assert {SESSION, REMEMBER, "lang", "tagsvc_known"} <= names
    for header in cookies:
        if "Max-Age=0" in header:
            continue  # a deletion sends no value to protect
        assert "SameSite=Lax" in header and "HttpOnly" in header, header


def test_a_remembered_sign_in_ends_after_thirty_days(app, client, teacher):
    from datetime import timedelta

    from sqlalchemy import update

    from tagsvc.accounts.models import SignIn
    from tagsvc.extensions import db, utcnow

    _sign_in(client, teacher)
    remembered = _copy(app, client, REMEMBER)
    assert _signed_in(remembered)
    db.session.execute(update(SignIn).values(created_at=utcnow() - timedelta(days=31)))
    db.session.commit()
    assert not _signed_in(_copy(app, client, REMEMBER)) and not _signed_in(client)
