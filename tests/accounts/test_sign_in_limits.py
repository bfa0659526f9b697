"""Password guessing is slowed down: too many failures lock an account, or a client, for a while."""
from datetime import timedelta

import pytest
from sqlalchemy import update

from tagsvc.accounts.models import Role, SignInFailure
from tagsvc.accounts.services import MAX_FAILURES_PER_ACCOUNT, MAX_FAILURES_PER_CLIENT, authenticate
from tagsvc.errors import TooManyRequestsError
from tagsvc.extensions import db, utcnow
from tests.conftest import TEST_PASSWORD
from tests.factories import make_user


def test_a_few_typos_do_not_matter(app):
    user = make_user(Role.STAFF, username="zhao")
    for _ in range(MAX_FAILURES_PER_ACCOUNT - 1):
        assert authenticate("zhao", "wrong", "phone") is None
    assert authenticate("zhao", TEST_PASSWORD, "phone") == user
    # A success clears the slate: the next typos start from zero.
    for _ in range(MAX_FAILURES_PER_ACCOUNT - 1):
        authenticate("zhao", "wrong", "phone")
    assert authenticate("zhao", TEST_PASSWORD, "phone") == user


def test_guessing_an_account_locks_it_even_with_the_right_password(app):
    make_user(Role.ADMIN, username="wang")
    for n in range(MAX_FAILURES_PER_ACCOUNT):
        assert authenticate("wang", f"guess{n}", f"client-{n}") is None  # from many places
    with pytest.raises(TooManyRequestsError, match="wait 15 minutes"):
        authenticate("wang", TEST_PASSWORD, "the-real-wang")


def test_the_lock_ends_after_the_window(app):
    user = make_user(Role.STAFF, username="li")
    for _ in range(MAX_FAILURES_PER_ACCOUNT):
        authenticate("li", "wrong", "phone")
    db.session.execute(update(SignInFailure).values(at=utcnow() - timedelta(minutes=16)))
    db.session.commit()
    assert authenticate("li", TEST_PASSWORD, "phone") == user


def test_one_client_trying_many_accounts_is_stopped(app):
    make_user(Role.STAFF, username="sun")
    for n in range(MAX_FAILURES_PER_CLIENT):
        authenticate(f"user{n}", "123456", "script")
    with pytest.raises(TooManyRequestsError):
        authenticate("sun", TEST_PASSWORD, "script")
    assert authenticate("sun", TEST_PASSWORD, "another-phone") is not None


def test_the_sign_in_page_says_so(client, app):
    make_user(Role.STAFF, username="zhou")
    for _ in range(MAX_FAILURES_PER_ACCOUNT):
        assert client.post("/login", data={"username": "zhou", "password": "wrong"}).status_code == 401
    response = client.post("/login", data={"username": "zhou", "password": TEST_PASSWORD})
    assert response.status_code == 429 and "Too many failed sign-ins" in response.get_data(as_text=True)
