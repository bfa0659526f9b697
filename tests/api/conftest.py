"""A small school for the API's tests: two departments, a person of every role, an asset in each department, and
a helper that calls the API with a person's token."""
from __future__ import annotations

from dataclasses import dataclass

import pytest

from tagsvc.accounts.models import Role, User
from tagsvc.api.tokens import create_token
from tagsvc.assets.models import Asset
from tests.factories import make_asset, make_department, make_location, make_user


@dataclass
class School:
    admin: User
    staff: User
    repairer: User
    keeper: User  # keeps the first department
    other_keeper: User  # keeps the second
    asset: Asset  # in the first department
    other_asset: Asset  # in the second


@pytest.fixture
def school(app) -> School:
    first, second = make_department("高一(3)班"), make_department("信息中心")
    room = make_location("301")
    admin = make_user(Role.ADMIN, username="office")
    return School(
        admin=admin,
        staff=make_user(Role.STAFF, username="teacher"),
        repairer=make_user(Role.REPAIRER, username="fixer"),
        keeper=make_user(Role.KEEPER, departments=[first], username="keeper"),
        other_keeper=make_user(Role.KEEPER, departments=[second], username="otherkeeper"),
        asset=make_asset(admin, department_id=first.id, location_id=room.id),
        other_asset=make_asset(admin, department_id=second.id, name="交换机"),
    )


@pytest.fixture
def token_of(app):
    """The secret of a fresh read-write (or read-only) token of a person."""

    def make(user: User, read_only: bool = False) -> str:
        return create_token(user, "tests", read_only=read_only)[1]

    return make


@pytest.fixture
def api(client):
    """Call the API: api("GET", "/assets", token, json=…, headers=…) returns the test client's response."""

    def call(method: str, path: str, token: str | None = None, headers: dict | None = None, **kwargs):
        headers = dict(headers or {})
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return client.open(f"/api/v1{path}", method=method, headers=headers, **kwargs)

    return call
