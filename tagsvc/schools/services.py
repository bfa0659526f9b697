"""Adding and listing the district's schools."""
from __future__ import annotations

import re
from collections.abc import Callable

from flask_babel import gettext as _
from sqlalchemy import select

from tagsvc.errors import NotFoundError, ValidationError
from tagsvc.extensions import db
from tagsvc.schools.models import School
from tagsvc.schools.wall import forget_sole_school, use_school

CODE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")


def create_school(code: str, name: str) -> School:
    """A new, empty school of the district (its register, structure and people are its own from the start)."""
    code, name = code.strip().lower(), _school_name(name)
    if not CODE.match(code):
        raise ValidationError(_("A school's code is 1 to 32 lower-case letters, digits, '-' or '_', e.g. s2 or yizhong."))
    if db.session.scalar(select(School.id).where(School.code == code)) is not None:
        raise ValidationError(_("There is already a school with the code %(code)s.", code=code))
    school = School(code=code, name=name)
    db.session.add(school)
    db.session.commit()
    forget_sole_school()
    return school


def rename_school(code: str, name: str) -> School:
    school = school_by_code(code)
    name = _school_name(name)
    school.name = name
    db.session.commit()
    return school


def _school_name(name: str) -> str:
    name = " ".join(name.split())
    if not name or len(name) > 100:
        raise ValidationError(_("Give the school's name (up to 100 characters), as it is printed on its labels."))
    return name


def school_by_code(code: str) -> School:
    school = db.session.scalar(select(School).where(School.code == code.strip().lower()))
    if school is None:
        known = ", ".join(db.session.scalars(select(School.code).order_by(School.id)))
        raise NotFoundError(_("There is no school with the code %(code)s (the schools: %(known)s).", code=code, known=known))
    return school


def all_schools() -> list[School]:
    return list(db.session.scalars(select(School).order_by(School.id)))


def each_school(work: Callable[[], object]) -> None:
    """A job of every school's (the daily reminders): run once per school, each seeing only its own."""
    for school_id in list(db.session.scalars(select(School.id).order_by(School.id))):
        with use_school(school_id):
            work()


MAX_THRESHOLD = 10_000_000


def change_settings(actor, threshold: int | None, language: str) -> School:
    """The office changes its own school's settings: the fixed-asset threshold (None: the installation's) and the
    default language ("": the installation's). Commits."""
    from tagsvc.accounts.permissions import require_admin
    from tagsvc.i18n.views import LANGUAGES
    from tagsvc.schools.web import forget_school_settings
    from tagsvc.schools.wall import current_school_id

    require_admin(actor)
    if threshold is not None and not 0 < threshold <= MAX_THRESHOLD:
        raise ValidationError(_("The fixed-asset threshold is a whole number of yuan from 1 to %(max)s.", max=f"{MAX_THRESHOLD:,}"))
    if language and language not in LANGUAGES:
        raise ValidationError(_("Choose the language from the list."))
    school = db.session.get(School, current_school_id() or actor.school_id)
    school.fixed_asset_threshold, school.default_language = threshold, language or ""
    db.session.commit()
    forget_school_settings(school.id)
    return school
