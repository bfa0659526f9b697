from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from flask_login import UserMixin
from sqlalchemy import Column, ForeignKey, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from tagsvc.extensions import Base, enum_column_type, utcnow
from tagsvc.schools.wall import school_for_insert

if TYPE_CHECKING:
    from tagsvc.structure.models import Department


class Role(StrEnum):
    ADMIN = "admin"  # the logistics office: the whole register
    KEEPER = "keeper"  # a department's asset keeper: their departments only
    STAFF = "staff"  # teachers and staff: read
    REPAIRER = "repairer"  # repair staff: read, and their work orders
    DISTRICT = "district"  # the education bureau (区教育局): reads, and decides what the rules leave to it


def _school_of_new_account(context) -> int | None:
    # An explicit None is no value to the ORM (the default fires): the role tells the bureau's accounts apart.
    if context.get_current_parameters().get("role") in (Role.DISTRICT, Role.DISTRICT.value):
        return None
    return school_for_insert()


department_keeper = Table(
    "department_keeper",
    Base.metadata,
    Column("department_id", ForeignKey("department.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True),
)


class User(UserMixin, Base):
    # "user" is a reserved word in PostgreSQL.
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)  # one sign-in name across the district
    # The person's school; None for the education bureau's people, who belong to the district.
    school_id: Mapped[int | None] = mapped_column(index=True, default=lambda context: _school_of_new_account(context))
    display_name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[Role] = mapped_column(enum_column_type(Role), default=Role.STAFF)
    phone: Mapped[str] = mapped_column(String(40), default="")
    email: Mapped[str] = mapped_column(String(200), default="")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    departments: Mapped[list[Department]] = relationship(
        secondary=department_keeper, back_populates="keepers", order_by="Department.name"
    )

    # The sign-in this request came with ("<sign-in id>.<secret>"), set when it is loaded or made: Flask-Login
    # keeps it in the session and the remember cookie instead of the bare user id, so that each sign-in ends alone.
    sign_in_key = None  # str, when signed in

    def get_id(self) -> str:
        if not self.sign_in_key:
            raise RuntimeError("a user is signed in through accounts.services.start_sign_in, never by id")
        return self.sign_in_key

    def __eq__(self, other):  # the same account (UserMixin compares get_id, which is now the sign-in)
        if isinstance(other, User):
            return self is other or (self.id is not None and self.id == other.id)
        return NotImplemented

    def __ne__(self, other):
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    __hash__ = object.__hash__

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses sign-in to deactivated accounts
        return self.active

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    def keeps(self, department_id: int | None) -> bool:
        return department_id is not None and any(d.id == department_id for d in self.departments)

    def can_edit_asset_in(self, department_id: int | None) -> bool:
        """Admins edit everything; keepers edit the assets of the departments they keep."""
        if self.is_admin:
            return True
        return self.role == Role.KEEPER and self.keeps(department_id)

    @property
    def can_create_assets(self) -> bool:
        return self.is_admin or (self.role == Role.KEEPER and bool(self.departments))

    @property
    def sees_all_assets(self) -> bool:
        """Keepers work within their departments; everyone else signed in may read the register."""
        return self.role != Role.KEEPER

    def __repr__(self) -> str:
        return f"<User {self.username} {self.role}>"


class SignInFailure(Base):
    """A failed sign-in, kept a while to slow down password guessing (see accounts.services.authenticate)."""

    __tablename__ = "sign_in_failure"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), index=True)
    client_hash: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class SignIn(Base):
    """One sign-in of a person on one browser: what its session and remember cookies carry (its id and a secret
    whose hash is kept here). Logout ends it; a password change, deactivation and "sign out everywhere" end all of
    the person's; past SIGN_IN_LIFETIME it ends by itself."""

    __tablename__ = "sign_in"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    user_agent: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]


class SignInLock(Base):
    """One row per account name that anyone tried to sign in to: the row a sign-in locks while it counts the
    account's failures and books its own check, so that checks arriving together are counted one by one."""

    __tablename__ = "sign_in_lock"

    username: Mapped[str] = mapped_column(String(64), primary_key=True)
    touched_at: Mapped[datetime] = mapped_column(default=utcnow)
