"""The bureau's stocktake season: a deadline for every school's annual stocktake, each school's progress, and after
closing the reconciliation's totals, as the school's own reconciliation counts them."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tagsvc.accounts.models import Role
from tagsvc.district.models import StocktakeSeason
from tagsvc.district.seasons import open_season, open_season_stocktake, season_progress, seasons_to_open
from tagsvc.errors import ConflictError, PermissionDeniedError, ValidationError
from tagsvc.extensions import db
from tagsvc.loans.services import school_today
from tagsvc.schools.wall import use_school
from tagsvc.stocktake.models import ConfirmMethod, Stocktake, StocktakeItem
from tagsvc.stocktake.reconciling import reconciliation
from tagsvc.stocktake.services import Sighting, close_stocktake, confirm_batch, stocktakes_for
from tagsvc.tags.models import Tag
from tests.factories import make_user, two_demo_schools


@pytest.fixture
def district(app):
    first, second = two_demo_schools(120, 80)
    with use_school(1):
        for stocktake in stocktakes_for(first):  # the demo's dorm stocktake: the season's takes the whole school
            close_stocktake(first, stocktake.id, pending_override=0)
    return make_user(Role.DISTRICT, username="district"), first, second


def test_a_season_is_opened_by_each_school_and_followed_to_its_reconciliation(app, district):
    bureau, first, second = district
    season = open_season(bureau, "2026年度资产清查", school_today() + timedelta(days=20))
    with use_school(1):
        assert [s.id for s in seasons_to_open(first)] == [season.id]
        stocktake = open_season_stocktake(first, season.id)
        assert seasons_to_open(first) == []
        # Walk part of it: every item of the first ten found where it belongs, one found in another room.
        items = list(db.session.scalars(select(StocktakeItem).where(StocktakeItem.stocktake_id == stocktake.id).order_by(StocktakeItem.id).limit(11)))
        codes = {t.asset_id: t.code for t in db.session.scalars(select(Tag).where(Tag.asset_id.in_([i.asset_id for i in items]), Tag.retired_at.is_(None)))}
        elsewhere = next(i.expected_location_id for i in items[1:] if i.expected_location_id != items[0].expected_location_id)
        confirm_batch(first, stocktake.id, [Sighting(code=codes[i.asset_id], location_id=elsewhere if n == 0 else i.expected_location_id,
                                                     method=ConfirmMethod.CAMERA, scan_id=f"s-{i.id}") for n, i in enumerate(items)])
    progress = season_progress(bureau, season.id)
    one, two = progress.schools
    assert (one.status, one.found, one.expected) == ("open", 11, stocktake.expected_count)
    assert two.status == "not_started" and progress.closed == 0
    with use_school(1):
        close_stocktake(first, stocktake.id, pending_override=0)
        own = reconciliation(first, stocktake.id)
    one = season_progress(bureau, season.id).schools[0]
    assert one.status == "closed"
    assert (one.misplaced, one.missing, one.surplus) == (len(own.misplaced), len(own.missing), len(own.surplus)) == (1, stocktake.expected_count - 11, 0)
    assert one.match_rate == pytest.approx(own.match_rate)
    assert one.missing_value == sum((i.price or 0) for i in own.missing)


def test_a_school_opens_its_season_stocktake_once(app, district):
    bureau, first, _second = district
    season = open_season(bureau, "2026年度资产清查", school_today() + timedelta(days=20))
    with use_school(1):
        open_season_stocktake(first, season.id)
        with pytest.raises(ConflictError, match="already"):
            open_season_stocktake(first, season.id)
        assert db.session.scalar(select(func.count()).select_from(Stocktake).where(Stocktake.season_id == season.id)) == 1


def test_only_the_bureau_sets_a_season_and_bad_ones_are_refused(app, district):
    bureau, first, _second = district
    with pytest.raises(PermissionDeniedError):
        open_season(first, "2026年度资产清查", school_today() + timedelta(days=20))
    with pytest.raises(ValidationError, match="deadline"):
        open_season(bureau, "2026年度资产清查", school_today() - timedelta(days=1))
    with pytest.raises(ValidationError, match="name"):
        open_season(bureau, "  ", school_today() + timedelta(days=1))
    assert db.session.scalar(select(func.count()).select_from(StocktakeSeason)) == 0
    with pytest.raises(PermissionDeniedError):
        season_progress(first, 1)


def test_the_bureau_and_the_offices_do_it_over_http(app, client, district, login_as):
    bureau, first, second = district
    login_as(bureau)
    deadline = (school_today() + timedelta(days=30)).isoformat()
    assert client.post("/district/seasons", data={"name": "", "deadline": deadline}).status_code == 400
    response = client.post("/district/seasons", data={"name": "2026年度资产清查", "deadline": deadline})
    assert response.status_code == 302
    season_url = response.headers["Location"]
    page = client.get(season_url).get_data(as_text=True)
    assert page.count("未开始") + page.count("Not opened") == 2
    client.post("/logout")
    login_as(second)
    season_id = int(season_url.rstrip("/").rsplit("/", 1)[1])
    assert "2026年度资产清查" in client.get("/stocktakes").get_data(as_text=True)
    opened = client.post(f"/stocktakes/seasons/{season_id}/open")
    assert opened.status_code == 302 and "/stocktakes/" in opened.headers["Location"]
    assert client.get("/district/seasons").status_code == 403  # a school's office does not set seasons
    client.post("/logout")
    login_as(bureau)
    page = client.get(season_url).get_data(as_text=True)
    assert page.count("未开始") + page.count("Not opened") == 1
