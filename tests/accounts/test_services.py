import pytest
from sqlalchemy import inspect

from tagsvc.accounts.models import Role
from tagsvc.accounts.services import UserData, authenticate, change_own_password, create_user, signed_in_user, start_sign_in, update_user
from tagsvc.extensions import db
from tagsvc.errors import ConflictError, PermissionDeniedError, ValidationError
from tests.conftest import TEST_PASSWORD
from tests.factories import make_department, make_user


def test_password_is_stored_hashed_and_checked(app):
    user = make_user(username="chen")
    assert TEST_PASSWORD not in user.password_hash
    assert authenticate("CHEN", TEST_PASSWORD) == user
    assert authenticate("chen", "wrong") is None
    assert authenticate("nobody", TEST_PASSWORD) is None


def test_deactivated_account_cannot_sign_in(app):
    make_user(username="gone", active=False)
    assert authenticate("gone", TEST_PASSWORD) is None


def test_office_creates_a_keeper_with_departments(app):
    admin = make_user(Role.ADMIN)
    dorm = make_department("男生宿舍楼A")
    keeper = create_user(admin, UserData(username="Zhang.Min", display_name="张敏", role=Role.KEEPER, department_ids=(dorm.id,), password="longenough"))
    assert keeper.username == "zhang.min" and keeper.departments == [dorm]
    assert authenticate("zhang.min", "longenough") == keeper


def test_departments_are_dropped_when_a_keeper_becomes_staff(app):
    admin = make_user(Role.ADMIN)
    keeper = make_user(Role.KEEPER, departments=[make_department()])
    update_user(admin, keeper.id, UserData(username=keeper.username, display_name=keeper.display_name, role=Role.STAFF))
    assert keeper.departments == []


@pytest.mark.parametrize(
    "data, error",
    [
        (UserData(username="taken", display_name="X", password="longenough"), ConflictError),
        (UserData(username="has space", display_name="X", password="longenough"), ValidationError),
        (UserData(username="ok", display_name="", password="longenough"), ValidationError),
        (UserData(username="ok", display_name="X", password="short"), ValidationError),
        (UserData(username="ok", display_name="X", password=""), ValidationError),
    ],
)
def test_create_user_rejects_bad_input(app, data, error):
    admin = make_user(Role.ADMIN)
    make_user(username="taken")
    with pytest.raises(error):
        create_user(admin, data)


def test_admin_cannot_demote_themselves(app):
    admin = make_user(Role.ADMIN)
    with pytest.raises(ValidationError):
        update_user(admin, admin.id, UserData(username=admin.username, display_name="x", role=Role.STAFF))


@pytest.mark.parametrize("role", [Role.KEEPER, Role.STAFF, Role.REPAIRER])
def test_only_the_office_creates_accounts(app, role):
    with pytest.raises(PermissionDeniedError):
        create_user(make_user(role), UserData(username="new", display_name="New", password="longenough"))


def test_change_own_password_needs_the_current_one(app):
    user = make_user(username="li")
    with pytest.raises(ValidationError):
        change_own_password(user, "wrong", "new-password-1")
    change_own_password(user, TEST_PASSWORD, "new-password-1")
    assert authenticate("li", "new-password-1") == user


def test_a_session_loads_its_user_with_the_departments_kept_as_if_the_orm_had(app):
    library, office = make_department("图书馆"), make_department("教务处")
    keeper = make_user(Role.KEEPER, departments=[office, library], display_name="周老师")
    key = start_sign_in(keeper)
    db.session.expunge_all()  # as a new request finds it: nothing loaded yet
    user = signed_in_user(key)
    assert user.display_name == "周老师" and [d.name for d in user.departments] == ["图书馆", "教务处"]
    assert user.keeps(library.id) and inspect(user).persistent
    user.display_name = "周建国"  # changes are flushed as for any loaded object
    db.session.commit()
    db.session.expunge_all()
    assert signed_in_user(key).display_name == "周建国"


def test_a_session_of_a_deactivated_or_removed_account_loads_nobody(app):
    user = make_user(Role.STAFF)
    key = start_sign_in(user)
    user.active = False
    db.session.commit()
    db.session.expunge_all()
    assert signed_in_user(key) is None
    assert signed_in_user("987654") is None and signed_in_user("abc") is None and signed_in_user(str(user.id)) is None


def test_an_account_without_departments_keeps_none(app):
    user = make_user(Role.KEEPER)
    key = start_sign_in(user)
    db.session.expunge_all()
    loaded = signed_in_user(key)
    assert loaded.departments == [] and not loaded.can_create_assets
