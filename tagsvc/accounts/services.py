"""Accounts: signing in, and the office managing who may do what."""
from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from tagsvc.accounts.models import Role, SignIn, SignInFailure, SignInLock, User, department_keeper
from tagsvc.accounts.permissions import require_admin, require_signed_in
from tagsvc.errors import ConflictError, NotFoundError, TooManyRequestsError, ValidationError
from tagsvc.extensions import db, same_text, utcnow
from tagsvc.pagination import Page, paginate
from tagsvc.structure.models import Department

MIN_PASSWORD_LENGTH = 8


# Password guessing. An account gets at most MAX_CHECKS_PER_ACCOUNT password checks in the window, from anywhere,
# counted exactly however many arrive at once. A client address that fails MAX_FAILURES_PER_CLIENT times in the window
# (a script trying many accounts) is stopped only for accounts that failed lately and for browsers that never signed
# in to the account: a school's whole network shares one address, and the people behind it still sign in.
SIGN_IN_WINDOW = timedelta(minutes=15)
MAX_CHECKS_PER_ACCOUNT = 10
MAX_FAILURES_PER_ACCOUNT = MAX_CHECKS_PER_ACCOUNT  # the name earlier code and tests use
MAX_FAILURES_PER_CLIENT = 30
# How long one sign-in lasts at most, remembered or not; then the person signs in again.
SIGN_IN_LIFETIME = timedelta(days=30)


def _too_many_message() -> str:
    return _("Too many failed sign-ins. Please wait 15 minutes and try again, or ask the logistics office to unlock your account.")


def authenticate(username: str, password: str, client_hash: str = "", known_browser: bool = False) -> User | None:
    """The active user with this name and password, or None. Refuses to check at all, with a message, while the
    account has used its checks, or the client has failed too often lately (see above). `known_browser`: this browser
    signed in to this account before (accounts.views keeps a signed cookie of it)."""
    name = (username or "").strip().lower()[:64]
    booked = _book_password_check(name, client_hash, known_browser)
    user = db.session.scalar(select(User).where(User.username == name))
    if user is None or not user.active or not user.check_password(password or ""):
        return None  # the booked check stays, as a failure
    db.session.execute(delete(SignInFailure).where(SignInFailure.username == name, SignInFailure.id <= booked))
    db.session.commit()
    return user


def _book_password_check(name: str, client_hash: str, known_browser: bool) -> int:
    """Count this check against the account before the password is looked at, under a lock on the account's row: of
    forty guesses arriving together, exactly the allowed number get a check. Every check counts as a failure until
    it succeeds (a success clears the account's slate)."""
    now = utcnow()
    since = now - SIGN_IN_WINDOW
    db.session.rollback()  # the lock is the transaction's first statement (SQLite takes its write lock there)
    _lock_account_name(name, now)
    failures = select(func.count()).select_from(SignInFailure).where(SignInFailure.at >= since)
    account_failures = db.session.scalar(failures.where(SignInFailure.username == name))
    refused = account_failures >= MAX_CHECKS_PER_ACCOUNT
    if not refused and client_hash and not known_browser and account_failures:
        refused = db.session.scalar(failures.where(SignInFailure.client_hash == client_hash)) >= MAX_FAILURES_PER_CLIENT
    if refused:
        db.session.commit()
        raise TooManyRequestsError(_too_many_message())
    booked = SignInFailure(username=name, client_hash=client_hash, at=now)
    db.session.add(booked)
    db.session.execute(delete(SignInFailure).where(SignInFailure.at < now - timedelta(days=1)))  # keep the table small
    db.session.commit()
    return booked.id


def _lock_account_name(name: str, now) -> None:
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    db.session.execute(insert(SignInLock).values(username=name, touched_at=now)
                       .on_conflict_do_update(index_elements=["username"], set_={"touched_at": now}))


def locked_out_names(usernames: list[str]) -> set[str]:
    """Those of these accounts that have used their password checks for now (the office can unlock them)."""
    since = utcnow() - SIGN_IN_WINDOW
    rows = db.session.execute(select(SignInFailure.username).where(SignInFailure.username.in_(usernames), SignInFailure.at >= since)
                              .group_by(SignInFailure.username).having(func.count() >= MAX_CHECKS_PER_ACCOUNT))
    return {name for (name,) in rows}


def unlock_account(actor, user_id: int) -> User:
    """The office lets a person try again at once (they called: it was them mistyping)."""
    require_admin(actor)
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFoundError(_("There is no such account."))
    db.session.execute(delete(SignInFailure).where(SignInFailure.username == user.username))
    db.session.commit()
    return user


# -- sign-ins: each one revocable ---------------------------------------------------------------------

def _secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def start_sign_in(user: User, user_agent: str = "") -> str:
    """A new sign-in of this person: its key, which the session and remember cookies carry (see User.get_id)."""
    secret = secrets.token_urlsafe(24)
    sign_in = SignIn(user_id=user.id, secret_hash=_secret_hash(secret), user_agent=(user_agent or "")[:200])
    db.session.add(sign_in)
    db.session.execute(delete(SignIn).where(SignIn.created_at < utcnow() - SIGN_IN_LIFETIME))  # expired: keep the table small
    db.session.commit()
    user.sign_in_key = f"{sign_in.id}.{secret}"
    return user.sign_in_key


def end_sign_in(key: str | None) -> None:
    """Logout: this sign-in's cookies stop working, wherever a copy of them is."""
    sign_in_id, _secret = _parse_key(key or "")
    if sign_in_id is not None:
        db.session.execute(update(SignIn).where(SignIn.id == sign_in_id, SignIn.ended_at.is_(None)).values(ended_at=utcnow()))
        db.session.commit()


def _end_all_sign_ins(user_id: int) -> None:
    """Flushes only: every sign-in of this person ends (the caller commits)."""
    db.session.execute(update(SignIn).where(SignIn.user_id == user_id, SignIn.ended_at.is_(None)).values(ended_at=utcnow()))


def sign_out_everywhere(actor) -> None:
    """Every browser and phone the person signed in on is signed out, this one included."""
    require_signed_in(actor)
    _end_all_sign_ins(actor.id)
    db.session.commit()


def active_sign_ins(actor) -> list[SignIn]:
    require_signed_in(actor)
    return list(db.session.scalars(select(SignIn).where(SignIn.user_id == actor.id, SignIn.ended_at.is_(None),
                                                        SignIn.created_at >= utcnow() - SIGN_IN_LIFETIME).order_by(SignIn.created_at.desc())))


def _parse_key(key: str) -> tuple[int | None, str]:
    sign_in_id, _dot, secret = key.partition(".")
    if not sign_in_id.isdigit() or not secret or len(sign_in_id) > 18:
        return None, ""
    return int(sign_in_id), secret


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
    # Sign-in names are one list across the district: a name another school took is taken.
    clash = db.session.scalar(select(User.id).where(same_text(User.username, username)).execution_options(all_schools=True))
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
    if user.id is not None and (data.password or not data.active):
        _end_all_sign_ins(user.id)  # a new password or a deactivated account: every browser signed in as them is out


def create_user(actor, data: UserData) -> User:
    require_admin(actor)
    if not data.password:
        raise ValidationError(_("Please set a first password."))
    return _create_user(data)


def _create_user(data: UserData) -> User:
    user = User()  # a bureau account (role district) belongs to no school: User.school_id's default
    _apply_user(user, data)
    db.session.add(user)
    db.session.commit()
    return user


def create_first_admin(username: str, display_name: str, password: str, role: Role = Role.ADMIN) -> User:
    """For the command line: there is no one signed in yet to ask (the office's first account, or the bureau's)."""
    return _create_user(UserData(username=username, display_name=display_name, role=role, password=password))


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
    _end_all_sign_ins(actor.id)  # whoever knew the old password is out everywhere; the view signs this browser in again
    db.session.commit()


def _build_user_query():
    departments = Department.__table__.columns
    return (
        select(*User.__table__.columns, SignIn.secret_hash, SignIn.ended_at, SignIn.created_at, *departments)
        .join(SignIn, SignIn.user_id == User.id)
        .outerjoin(department_keeper, department_keeper.c.user_id == User.id)
        .outerjoin(Department, Department.id == department_keeper.c.department_id)
        .where(SignIn.id == bindparam("sign_in_id"))
        .order_by(Department.name)
    )


# Every signed-in request loads its user: read with its sign-in and kept departments in one statement, outside a
# transaction.
_USER_QUERY = db.prepared_read(_build_user_query())


def signed_in_user(sign_in_key: str) -> User | None:
    """The user a session's sign-in key names, with the departments they keep, or None for an ended, expired or
    unknown sign-in or a deactivated account.

    Read by one prepared statement and placed in the session as if the ORM had loaded it (it is persistent, its
    changes are flushed as usual): a page that needs nothing else from the session then opens no transaction at
    all, which on PostgreSQL saves three round trips (pre-ping, BEGIN, ROLLBACK) on every signed-in scan.
    """
    sign_in_id, secret = _parse_key(sign_in_key or "")
    if sign_in_id is None:
        return None
    rows = _USER_QUERY.all(sign_in_id=sign_in_id)
    if not rows:
        return None
    user_width = len(User.__table__.columns)
    secret_hash, ended_at, created_at = rows[0][user_width:user_width + 3]
    if (not hmac.compare_digest(secret_hash, _secret_hash(secret)) or ended_at is not None
            or created_at < utcnow() - SIGN_IN_LIFETIME):
        return None
    known = db.session.identity_map.get(identity_key(User, rows[0][[c.name for c in User.__table__.columns].index("id")]))
    if known is not None:
        known.sign_in_key = sign_in_key
        return known if known.active else None
    user = _as_loaded(User, rows[0][:user_width])
    kept = [_as_loaded(Department, row[user_width + 3:]) for row in rows if row[user_width + 3] is not None]
    set_committed_value(user, "departments", kept)
    user.sign_in_key = sign_in_key
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
