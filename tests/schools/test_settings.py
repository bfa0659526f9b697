"""A school's own settings: its fixed-asset threshold and its default language, set by its office on its own page,
used by its own pages, imports and group messages only."""
from __future__ import annotations

from sqlalchemy import select

from tagsvc.accounts.models import User
from tagsvc.assets.models import Asset, AssetStatus
from tagsvc.extensions import db
from tagsvc.schools.models import School
from tagsvc.schools.wall import use_school
from tagsvc.structure.models import AssetKind
from tagsvc.structure.services import suggested_kind
from tests.factories import two_demo_schools


def test_the_office_sets_its_schools_threshold_and_language_and_only_its_school_follows(app, client, login_as):
    first, second = two_demo_schools(20, 20)
    login_as(second)
    page = client.get("/admin/school")
    assert page.status_code == 200 and "第二中学" in page.get_data(as_text=True)
    refused = client.post("/admin/school", data={"fixed_asset_threshold": "-5", "default_language": "en"})
    assert refused.status_code == 400 and "10,000,000" in refused.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(School, second.school_id).default_language == ""  # refused: nothing changed
    saved = client.post("/admin/school", data={"fixed_asset_threshold": "500", "default_language": "en"})
    assert saved.status_code == 302

    with use_school(second.school_id):
        assert suggested_kind(600) == AssetKind.FIXED_ASSET
    with use_school(1):
        assert suggested_kind(600) == AssetKind.LOW_VALUE  # the installation's 1,000 元

    # A visitor whose browser asks for neither language reads each school's labels in that school's language.
    with use_school(second.school_id):
        theirs = db.session.scalar(select(Asset).where(Asset.status == AssetStatus.IN_USE).order_by(Asset.id)).current_tag.code
    with use_school(1):
        ours = db.session.scalar(select(Asset).where(Asset.status == AssetStatus.IN_USE).order_by(Asset.id)).current_tag.code
    visitor = app.test_client()
    for _ in range(2):  # the second visit may be the fast path's cached page: the same language
        english = visitor.get(f"/t/{theirs}", headers={"Accept-Language": "fr"}).get_data(as_text=True)
        chinese = visitor.get(f"/t/{ours}", headers={"Accept-Language": "fr"}).get_data(as_text=True)
        assert 'lang="en"' in english and 'lang="zh' in chinese


def test_only_the_office_changes_the_schools_settings(app, client, login_as):
    _first, second = two_demo_schools(10, 10)
    with use_school(second.school_id):
        keeper = db.session.scalar(select(User).where(User.username == "s2-keeper1"))
        keeper.set_password("a-long-password-1")
        db.session.commit()
    login_as(keeper, "a-long-password-1")
    assert client.get("/admin/school").status_code == 403
    assert client.post("/admin/school", data={"fixed_asset_threshold": "1"}).status_code == 403
    db.session.expire_all()
    assert db.session.get(School, second.school_id).fixed_asset_threshold is None
