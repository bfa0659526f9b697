"""The request's school: the signed-in person's (a token's person on the API), chosen before the view runs and
forgotten when the request ends (a test's or a command's app context outlives the request)."""
from __future__ import annotations

import time
from dataclasses import dataclass

from flask import Flask, current_app, g, request
from flask_login import current_user

from tagsvc.schools.wall import _UNSET, choose_school, current_school_id, restore_school

_BEFORE = "tagsvc_school_before_request"
_SETTINGS_SECONDS = 60.0


# A label's own pages besides the scan page (which reads the label's school with its facts): reporting damage.
LABEL_PAGES = {"repairs.report", "repairs.add_details", "repairs.sent"}


def init_app(app: Flask) -> None:
    app.before_request(_choose_the_requests_school)
    app.before_request(_a_labels_page_is_its_schools)
    app.teardown_request(_forget_the_requests_school)
    app.extensions["school_settings"] = {}


def _choose_the_requests_school() -> None:
    setattr(g, _BEFORE, g.get("tagsvc_school", _UNSET))
    config = current_app.config
    cookies = request.cookies
    # Only a request that may carry a sign-in loads its person: an anonymous label's page chooses by its tag.
    may_be_signed_in = ("_login_user" in g or config["SESSION_COOKIE_NAME"] in cookies
                        or config.get("REMEMBER_COOKIE_NAME", "remember_token") in cookies)
    choose_school(current_user.school_id if may_be_signed_in and current_user.is_authenticated else None)


def _a_labels_page_is_its_schools() -> None:
    if request.endpoint not in LABEL_PAGES:
        return
    from sqlalchemy import select

    from tagsvc.extensions import db
    from tagsvc.tags.models import Tag
    from tagsvc.tags.services import normalize_code

    code = normalize_code((request.view_args or {}).get("code", ""))
    school_id = db.session.scalar(select(Tag.school_id).where(Tag.code == code).execution_options(all_schools=True)) if code else None
    if school_id is not None:
        enter_labels_school(school_id)


def enter_labels_school(school_id: int) -> None:
    """A label is read by anyone, of any school: its pages are its school's. A person signed in at another school
    reads them as anyone would (nothing of their own school, nothing of the label's school's private part)."""
    if current_user.is_authenticated and current_user.school_id is not None and current_user.school_id != school_id:
        from tagsvc.extensions import login_manager

        g._login_user = login_manager.anonymous_user()
        g.tagsvc_stranger = True
    choose_school(school_id)


def _forget_the_requests_school(_error) -> None:
    g.pop("tagsvc_stranger", None)
    restore_school(g.pop(_BEFORE, _UNSET))


@dataclass(frozen=True)
class SchoolSettings:
    name: str = ""
    fixed_asset_threshold: int | None = None
    default_language: str = ""


def school_settings(school_id: int | None = None) -> SchoolSettings:
    """The given or chosen school's name and settings, as a school's pages read them on every request. Kept a minute
    in each process: a change on one app server reaches the others within it (the server that saved it forgets at
    once, see forget_school_settings)."""
    school_id = school_id if school_id is not None else current_school_id()
    if school_id is None:
        return SchoolSettings()
    kept = current_app.extensions.setdefault("school_settings", {})
    known = kept.get(school_id)
    if known is None or known[1] < time.monotonic():
        from tagsvc.extensions import db
        from tagsvc.schools.models import School

        school = db.session.get(School, school_id)
        settings = (SchoolSettings(school.name, school.fixed_asset_threshold, school.default_language or "") if school is not None
                    else SchoolSettings())
        known = (settings, time.monotonic() + _SETTINGS_SECONDS)
        kept[school_id] = known
    return known[0]


def cached_school_settings(app: Flask, school_id: int | None) -> SchoolSettings | None:
    """What this process holds of a school's settings, without asking the database (the scan page's fast path)."""
    known = app.extensions.get("school_settings", {}).get(school_id)
    return known[0] if known is not None else None


def forget_school_settings(school_id: int) -> None:
    current_app.extensions.setdefault("school_settings", {}).pop(school_id, None)


def school_name(school_id: int | None = None) -> str:
    """The name printed in the header and on labels: the given or chosen school's, else the installation's setting
    (an installation for one school, named before schools had names)."""
    return school_settings(school_id).name or current_app.config.get("SCHOOL_NAME", "")


def fixed_asset_threshold() -> int:
    """The chosen school's fixed-asset threshold (单位价值, 元), else the installation's."""
    own = school_settings().fixed_asset_threshold
    return own if own is not None else int(current_app.config.get("FIXED_ASSET_THRESHOLD", 1000))


def default_language(school_id: int | None = None) -> str:
    """The language of the given or chosen school's pages for people whose browser asks for neither, and of its group
    messages; else the installation's."""
    return school_settings(school_id).default_language or current_app.config.get("DEFAULT_LANGUAGE") or "zh"
