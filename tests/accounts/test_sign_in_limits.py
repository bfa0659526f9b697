"""Password guessing is slowed down, not the school: an account gets a fixed number of password checks in a window,
counted exactly however many arrive at once; a noisy address stops guessing without stopping its people."""
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from tagsvc.accounts.models import Role, SignInFailure, User
from tagsvc.accounts.services import MAX_CHECKS_PER_ACCOUNT, MAX_FAILURES_PER_CLIENT, authenticate, unlock_account
from tagsvc.errors import PermissionDeniedError, TooManyRequestsError
from tagsvc.extensions import db, utcnow
from tests.concurrency import at_once
from tests.conftest import TEST_PASSWORD
from tests.factories import make_user


def test_a_few_typos_do_not_matter(app):
    user = make_user(Role.STAFF, username="zhao")
    for _ in range(MAX_CHECKS_PER_ACCOUNT - 1):
        assert authenticate("zhao", "wrong", "phone") is None
    assert authenticate("zhao", TEST_PASSWORD, "phone") == user
    # A success clears the slate: the next typos start from zero.
    for _ in range(MAX_CHECKS_PER_ACCOUNT - 1):
        authenticate("zhao", "wrong", "phone")
    assert authenticate("zhao", TEST_PASSWORD, "phone") == user


def test_guessing_an_account_locks_it_even_with_the_right_password(app):
    make_user(Role.ADMIN, username="wang")
    for n in range(MAX_CHECKS_PER_ACCOUNT):
        assert authenticate("wang", f"guess{n}", f"client-{n}") is None  # from many places
    with pytest.raises(TooManyRequestsError, match="wait 15 minutes"):
        authenticate("wang", TEST_PASSWORD, "the-real-wang")


def test_the_lock_ends_after_the_window(app):
    user = make_user(Role.STAFF, username="li")
    for _ in range(MAX_CHECKS_PER_ACCOUNT):
        authenticate("li", "wrong", "phone")
    db.session.execute(update(SignInFailure).values(at=utcnow() - timedelta(minutes=16)))
    db.session.commit()
    assert authenticate("li", TEST_PASSWORD, "phone") == user


def test_guesses_arriving_together_get_exactly_the_allowed_checks(app, monkeypatch):
    """Forty guesses at once: exactly ten passwords are checked, the other thirty are told to wait."""
    make_user(Role.ADMIN, username="office")
    checks, lock = [], threading.Lock()
    real_check = User.check_password

    def counted(self, password):
        with lock:
            checks.append(password)
        return real_check(self, password)

    monkeypatch.setattr(User, "check_password", counted)
    results = at_once(app, *[lambda n=n: authenticate("office", f"guess-{n}", f"bot-{n}") for n in range(40)])
    assert len(checks) == MAX_CHECKS_PER_ACCOUNT
    assert sum(isinstance(r, TooManyRequestsError) for r in results) == 40 - MAX_CHECKS_PER_ACCOUNT
    assert sum(r is None for r in results) == MAX_CHECKS_PER_ACCOUNT


def _spray_from(client_hash: str) -> None:
    for n in range(MAX_FAILURES_PER_CLIENT):
        authenticate(f"nobody{n}", "123456", client_hash)


def test_a_noisy_address_does_not_stop_other_peoples_correct_sign_ins(app):
    """A script behind the school's one address fails thirty times: the teachers behind it still sign in."""
    sun = make_user(Role.STAFF, username="sun")
    _spray_from("school-network")
    assert authenticate("sun", TEST_PASSWORD, "school-network") == sun


def test_a_noisy_address_stops_guessing_at_accounts_that_failed_lately(app):
    make_user(Role.STAFF, username="qian")
    _spray_from("school-network")
    assert authenticate("qian", "guess", "school-network") is None  # a first try is checked
    with pytest.raises(TooManyRequestsError):
        authenticate("qian", TEST_PASSWORD, "school-network")  # a second from that address waits
    assert authenticate("qian", TEST_PASSWORD, "home") is not None  # from elsewhere it goes through


def test_a_browser_that_signed_in_before_is_not_stopped_by_its_address(app):
    zhou = make_user(Role.STAFF, username="zhou")
    _spray_from("school-network")
    authenticate("zhou", "typo", "school-network")
    assert authenticate("zhou", TEST_PASSWORD, "school-network", known_browser=True) == zhou


def test_the_office_unlocks_an_account(app):
    office = make_user(Role.ADMIN)
    wu = make_user(Role.STAFF, username="wu")
    for _ in range(MAX_CHECKS_PER_ACCOUNT):
        authenticate("wu", "wrong", "phone")
    with pytest.raises(PermissionDeniedError):
        unlock_account(wu, wu.id)
    unlock_account(office, wu.id)
    assert authenticate("wu", TEST_PASSWORD, "phone") == wu


def test_the_office_sees_a_locked_account_and_unlocks_it(client, app, login_as):
    office = make_user(Role.ADMIN)
    wu = make_user(Role.STAFF, username="wu")
    for _ in range(MAX_CHECKS_PER_ACCOUNT):
        authenticate("wu", "wrong", "phone")
    login_as(office)
    page = client.get("/admin/users").get_data(as_text=True)
    assert "locked: too many wrong passwords" in page and f"/admin/users/{wu.id}/unlock" in page
    response = client.post(f"/admin/users/{wu.id}/unlock", follow_redirects=True)
    assert "wu may sign in again at once" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(SignInFailure).where(SignInFailure.username == "wu")) == 0


def test_the_sign_in_page_says_so(client, app):
    make_user(Role.STAFF, username="zhou")
    for _ in range(MAX_CHECKS_PER_ACCOUNT):
        assert client.post("/login", data={"username": "zhou", "password": "wrong"}).status_code == 401
    response = client.post("/login", data={"username": "zhou", "password": TEST_PASSWORD})
    assert response.status_code == 429 and "Too many failed sign-ins" in response.get_data(as_text=True)
