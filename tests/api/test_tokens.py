"""Personal tokens: made on the account page or the command line, shown once, kept hashed, read-only or not,
revocable, with their time of last use; and how the API answers each kind of caller."""
from __future__ import annotations

import hashlib

from tagsvc.accounts.models import Role
from tagsvc.api.models import ApiToken
from tagsvc.api.tokens import create_token, revoke_token
from tagsvc.extensions import db
from tests.factories import make_user


def test_a_token_is_kept_only_as_a_hash_and_acts_as_its_person(api, school):
    token, secret = create_token(school.keeper, "stocktake scanner")
    assert secret.startswith("tgs_") and len(secret) > 40
    stored = db.session.get(ApiToken, token.id)
    assert stored.secret_hash == hashlib.sha256(secret.encode()).hexdigest() and secret not in (stored.prefix, stored.name)
    answer = api("GET", "/assets", secret)
    assert answer.status_code == 200
    assert [a["id"] for a in answer.get_json()["items"]] == [school.asset.id]  # a keeper's register: their department


def test_first_use_is_recorded(api, school):
    token, secret = create_token(school.staff, "bot")
    assert token.last_used_at is None
    api("GET", "/departments", secret)
    db.session.expire_all()
    assert db.session.get(ApiToken, token.id).last_used_at is not None


def test_no_token_a_wrong_one_and_a_revoked_one_get_401(api, school):
    token, secret = create_token(school.admin, "script")
    assert api("GET", "/assets").status_code == 401
    wrong = api("GET", "/assets", "tgs_" + "x" * 43)
    assert wrong.status_code == 401 and wrong.content_type == "application/problem+json"
    assert wrong.headers["WWW-Authenticate"].startswith("Bearer")
    assert api("GET", "/assets", headers={"Authorization": f"Basic {secret}"}).status_code == 401
    revoke_token(school.admin, token.id)
    revoked = api("GET", "/assets", secret)
    assert revoked.status_code == 401 and "revoked" in revoked.get_json()["detail"]


def test_a_deactivated_persons_token_stops_working(api, school):
    _token, secret = create_token(school.staff, "bot")
    school.staff.active = False
    db.session.commit()
    assert api("GET", "/departments", secret).status_code == 401


def test_a_read_only_token_reads_and_changes_nothing(api, school):
    _token, secret = create_token(school.admin, "dashboard", read_only=True)
    assert api("GET", f"/assets/{school.asset.id}", secret).status_code == 200
    refused = api("POST", "/departments", secret, json={"name": "新部门"})
    assert refused.status_code == 403 and "read-only" in refused.get_json()["detail"]
    assert api("GET", "/departments", secret).get_json()["items"][-1]["name"] != "新部门"


def test_one_person_cannot_revoke_anothers_token(school):
    token, _secret = create_token(school.admin, "script")
    from tagsvc.errors import NotFoundError

    try:
        revoke_token(school.staff, token.id)
    except NotFoundError:
        pass
    else:
        raise AssertionError("revoked someone else's token")
    assert db.session.get(ApiToken, token.id).revoked_at is None


def test_the_account_page_shows_a_new_token_once(client, login_as, app):
    teacher = login_as(make_user(Role.STAFF))
    made = client.post("/account/tokens", data={"name": "WeCom bot", "read_only": "y"})
    page = made.get_data(as_text=True)
    assert made.status_code == 200 and made.headers["Cache-Control"] == "no-store"
    secret = page.split('id="new-token">', 1)[1].split("<", 1)[0]
    assert secret.startswith("tgs_")
    again = client.get("/account/tokens").get_data(as_text=True)
    assert secret not in again and "WeCom bot" in again and secret[:10] in again and "read only" in again
    token = db.session.scalar(db.session.query(ApiToken).filter_by(user_id=teacher.id).statement)
    assert token.read_only


def test_a_token_needs_a_name(client, login_as, app):
    login_as(make_user(Role.STAFF))
    answer = client.post("/account/tokens", data={"name": "  "})
    assert answer.status_code == 400 and db.session.query(ApiToken).count() == 0


def test_revoking_on_the_account_page(client, login_as, api, app):
    teacher = login_as(make_user(Role.STAFF))
    token, secret = create_token(teacher, "old script")
    answer = client.post(f"/account/tokens/{token.id}/revoke", follow_redirects=True)
    assert "revoked" in answer.get_data(as_text=True)
    assert api("GET", "/departments", secret).status_code == 401


def test_the_office_makes_a_token_on_the_command_line(runner, api, school):
    result = runner.invoke(args=["token", "create", "keeper", "--name", "district system", "--read-only"])
    assert result.exit_code == 0, result.output
    secret = [line for line in result.output.splitlines() if line.startswith("tgs_")][0]
    assert api("GET", "/assets", secret).status_code == 200
    assert api("POST", "/departments", secret, json={"name": "x"}).status_code == 403
    unknown = runner.invoke(args=["token", "create", "nobody", "--name", "x"])
    assert unknown.exit_code != 0 and "nobody" in unknown.output


def test_the_pages_own_scripts_use_the_session_with_the_csrf_header(make_app, school):
    from tests.conftest import TEST_PASSWORD, csrf_token_from

    client = make_app(WTF_CSRF_ENABLED=True).test_client()
    login_page = client.get("/login").get_data(as_text=True)
    client.post("/login", data={"username": "office", "password": TEST_PASSWORD, "csrf_token": csrf_token_from(login_page)})
    assert client.get("/api/v1/departments").status_code == 200
    without = client.post("/api/v1/departments", json={"name": "教务处"})
    assert without.status_code == 403 and "X-CSRFToken" in without.get_json()["detail"]
    token = csrf_token_from(client.get("/account/tokens").get_data(as_text=True))
    assert client.post("/api/v1/departments", json={"name": "教务处"}, headers={"X-CSRFToken": token}).status_code == 201
