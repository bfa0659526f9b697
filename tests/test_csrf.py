"""CSRF protection is on for every form: a post without the token is refused and changes nothing."""
import pytest
from sqlalchemy import func, select

from tagsvc.accounts.models import Role, User
from tagsvc.assets.models import Asset
from tagsvc.extensions import db
from tests.conftest import TEST_PASSWORD, csrf_token_from
from tests.factories import make_asset, make_user


@pytest.fixture
def csrf_client(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        yield app.test_client()


def _sign_in(client, user):
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    assert client.post("/login", data={"username": user.username, "password": TEST_PASSWORD, "csrf_token": token}).status_code == 302


def test_sign_in_without_token_is_refused(csrf_client):
    user = make_user()
    response = csrf_client.post("/login", data={"username": user.username, "password": TEST_PASSWORD})
    assert response.status_code == 400 and "form expired" in response.get_data(as_text=True)


@pytest.mark.parametrize("url, data", [
    ("/assets/new", {"asset_number": "X-1", "name": "书柜", "status": "in_use", "condition": "good"}),
    ("/admin/departments/new", {"name": "新部门", "kind": "office"}),
    ("/admin/locations/new", {"name": "新房间", "kind": "room"}),
    ("/admin/users/new", {"username": "new", "display_name": "N", "role": "staff", "password": "long-enough-1"}),
    ("/logout", {}),
])
def test_office_forms_without_token_are_refused(csrf_client, url, data):
    _sign_in(csrf_client, make_user(Role.ADMIN))
    users_before = db.session.scalar(select(func.count(User.id)))
    response = csrf_client.post(url, data=data)
    assert response.status_code in (400, 302)
    assert db.session.scalar(select(func.count(Asset.id))) == 0
    assert db.session.scalar(select(func.count(User.id))) == users_before
    assert csrf_client.get("/assets").status_code == 200  # still signed in: logout was refused too


def test_replace_label_without_token_changes_nothing(csrf_client):
    asset = make_asset()
    code = asset.current_tag.code
    _sign_in(csrf_client, make_user(Role.ADMIN))
    csrf_client.post(f"/assets/{asset.id}/replace-tag")
    db.session.expire_all()
    assert db.session.get(Asset, asset.id).current_tag.code == code


def test_form_with_token_goes_through(csrf_client):
    _sign_in(csrf_client, make_user(Role.ADMIN))
    token = csrf_token_from(csrf_client.get("/admin/departments/new").get_data(as_text=True))
    assert csrf_client.post("/admin/departments/new", data={"name": "教务处", "kind": "office", "csrf_token": token}).status_code == 302
