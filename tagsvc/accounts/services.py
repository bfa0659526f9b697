"""Accounts: signing in, and the office managing who may do what."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import bindparam, delete, func, select
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from tagsvc.accounts.models import Role, SignInFailure, User, department_keeper
from tagsvc.accounts.permissions import require_admin
from tagsvc.errors import ConflictError, NotFoundError, TooManyRequestsError, ValidationError
from tagsvc.extensions import db, same_text, utcnow
from tagsvc.pagination import Page, paginate
from tagsvc.structure.models import Department

MIN_PASSWORD_LENGTH = 8


# Password guessing: after this many failures in the window, an account (from anywhere) or a client (for any
# account) must wait. A person who mistypes a few times never meets it.
SIGN_IN_WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_ACCOUNT = 10
MAX_FAILURES_PER_CLIENT = 30


def authenticate(username: str, password: str, client_hash: str = "") -> User | None:
    """The active user with this name and password, or None. Refuses to check at all, with a message, while
    the account or the client has failed too often lately."""
    name = (username or "").strip().lower()[:64]
    since = utcnow() - SIGN_IN_WINDOW
    failures = select(func.count()).select_from(SignInFailure).where(SignInFailure.at >= since)
    if (db.session.scalar(failures.where(SignInFailure.username == name)) >= MAX_FAILURES_PER_ACCOUNT
            or (client_hash and db.session.scalar(failures.where(SignInFailure.client_hash == client_hash)) >= MAX_FAILURES_PER_CLIENT)):
        raise TooManyRequestsError(_("Too many failed sign-ins. Please wait 15 minutes and try again, or ask the logistics office to reset your password."))
    user = db.session.scalar(select(User).where(User.username == name))
    if user is None or not user.active or not user.check_password(password or ""):
        db.session.add(SignInFailure(username=name, client_hash=client_hash))
        db.session.execute(delete(SignInFailure).where(SignInFailure.at < utcnow() - timedelta(days=1)))  # keep the table small
        db.session.commit()
        return None
    db.session.execute(delete(SignInFailure).where(SignInFailure.username == name))
    db.session.commit()
    return user


@dataclass
class UserData:
    username: str
    display_name: str
    role: Role = Role.STAFF
    phone: str = ""
    email: str = ""
    active: bool = True
    department_ids: tuple[int, ...] = ()
    password: str = ""  # empty on edit: keep the current password


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError(_("The password needs at least %(n)d characters.", n=MIN_PASSWORD_LENGTH))


def _apply_user(user: User, data: UserData) -> None:
    username = (data.username or "").strip().lower()
    if not username or not username.replace(".", "").replace("-", "").replace("_", "").isalnum():
        raise ValidationError(_("A user name uses letters, digits, dots, dashes and underscores only."))
    clash = db.session.scalar(select(User.id).where(same_text(User.username, username)))
    if clash is not None and clash != user.id:
        raise ConflictError(_("The user name %(name)s is taken.", name=username))
    display_name = (data.display_name or "").strip()
    if not display_name:
        raise ValidationError(_("Please give the person's name."))
    user.username = username
    user.display_name = display_name
    user.role = data.role
    user.phone = (data.phone or "").strip()
    user.email = (data.email or "").strip()
    user.active = data.active
    if data.role == Role.KEEPER:
        user.departments = list(db.session.scalars(select(Department).where(Department.id.in_(data.department_ids))))
    else:
        user.departments = []
    if data.password:
        _check_password(data.password)
        user.set_password(data.password)


def create_user(actor, data: UserData) -> User:
    require_admin(actor)
    if not data.password:
        raise ValidationError(_("Please set a first password."))
    return _create_user(data)


def _create_user(data: UserData) -> User:
    user = User()
    _apply_user(user, data)
    db.session.add(user)
    db.session.commit()
    return user


def create_first_admin(username: str, display_name: str, password: str) -> User:
    """For the command line: there is no one signed in yet to ask."""
    return _create_user(UserData(username=username, display_name=display_name, role=Role.ADMIN, password=password))


def update_user(actor, user_id: int, data: UserData) -> User:
    require_admin(actor)
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFoundError(_("There is no such account."))
    if user.id == actor.id and (data.role != Role.ADMIN or not data.active):
        raise ValidationError(_("You cannot take away your own office rights or deactivate yourself."))
    _apply_user(user, data)
    db.session.commit()
    return user


def list_users(actor, page: int = 1, per_page: int = 50) -> Page[User]:
    require_admin(actor)
    return paginate(select(User).order_by(User.active.desc(), User.role, User.username, User.id), page, per_page)


def change_own_password(actor, current: str, new: str) -> None:
    if not actor.check_password(current or ""):
        raise ValidationError(_("The current password is not right."))
    _check_password(new or "")
    actor.set_password(new)
    db.session.commit()


def _build_user_query():
    departments = Department.__table__.columns
    return (
        select(*User.__table__.columns, *departments)
        .outerjoin(department_keeper, department_keeper.c.user_id == User.id)
        .outerjoin(Department, Department.id == department_keeper.c.department_id)
        .where(User.id == bindparam("user_id"))
        .order_by(Department.name)
    )


# Every signed-in request loads its user: read with the kept departments in one statement, outside a transaction.
_USER_QUERY = db.prepared_read(_build_user_query())


def signed_in_user(user_id: str) -> User | None:
    """The user a session names, with the departments they keep, or None for an unknown or deactivated account.

    Read by one prepared statement and placed in the session as if the ORM had loaded it (it is persistent, its
    changes are flushed as usual): a page that needs nothing else from the session then opens no transaction at
    all, which on PostgreSQL saves three round trips (pre-ping, BEGIN, ROLLBACK) on every signed-in scan.
    """
    if not user_id.isdigit():
        return None
    known = db.session.identity_map.get(identity_key(User, int(user_id)))
    if known is not None:
        return known if known.active else None
    rows = _USER_QUERY.all(user_id=int(user_id))
    if not rows:
        return None
    user_width = len(User.__table__.columns)
    user = _as_loaded(User, rows[0][:user_width])
    kept = [_as_loaded(Department, row[user_width:]) for row in rows if row[user_width] is not None]
    set_committed_value(user, "departments", kept)
    return user if user.active else None


def _as_loaded(model, values):
    """The session's instance of this row, or a new one that the session takes as freshly loaded."""
    columns = model.__table__.columns
    key = identity_key(model, values[[c.name for c in columns].index("id")])
    known = db.session.identity_map.get(key)
    if known is not None:
        return known
    instance = model(**{column.key: value for column, value in zip(columns, values, strict=True)})
    make_transient_to_detached(instance)
    db.session.add(instance)
    return instance
