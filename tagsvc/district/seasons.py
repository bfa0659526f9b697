"""The bureau's stocktake season (年度资产清查): it sets a deadline for every school's annual stocktake; each school's
office opens its whole-school stocktake for it; the bureau follows each school's progress and, once a school closed
it, the reconciliation's totals."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import func, select

from tagsvc.accounts.permissions import require_admin
from tagsvc.district.models import StocktakeSeason
from tagsvc.district.services import require_bureau
from tagsvc.errors import ConflictError, NotFoundError, ValidationError
from tagsvc.extensions import db, lock_document
from tagsvc.loans.services import school_today
from tagsvc.schools.models import School
from tagsvc.stocktake.models import ConfirmMethod, Stocktake, StocktakeFinding, StocktakeItem, StocktakeStatus


def open_season(actor, name: str, deadline: date | None) -> StocktakeSeason:
    require_bureau(actor)
    name = " ".join((name or "").split())
    if not name or len(name) > 200:
        raise ValidationError(_("Give the season a name, for example “2026 annual asset stocktake”."))
    if deadline is None or deadline < school_today():
        raise ValidationError(_("Give a deadline that has not passed yet."))
    season = StocktakeSeason(name=name, deadline=deadline, opened_by_name=actor.display_name)
    db.session.add(season)
    db.session.commit()
    return season


def all_seasons() -> list[StocktakeSeason]:
    return list(db.session.scalars(select(StocktakeSeason).order_by(StocktakeSeason.deadline.desc(), StocktakeSeason.id.desc())))


def _season(season_id: int) -> StocktakeSeason:
    season = db.session.get(StocktakeSeason, season_id)
    if season is None:
        raise NotFoundError(_("There is no such stocktake season."))
    return season


def seasons_to_open(actor) -> list[StocktakeSeason]:
    """For a school's office: the seasons of the last year its school has not opened a stocktake for yet."""
    if not actor.is_authenticated or not actor.is_admin:
        return []
    opened = select(Stocktake.season_id).where(Stocktake.season_id.is_not(None))  # the school's own (the wall)
    return list(db.session.scalars(select(StocktakeSeason).where(StocktakeSeason.id.not_in(opened),
                                                                 StocktakeSeason.deadline >= school_today().replace(day=1, month=1))
                                   .order_by(StocktakeSeason.deadline)))


def open_season_stocktake(actor, season_id: int) -> Stocktake:
    """The school's whole-school stocktake for the season, its keepers taking part (as the office would open one)."""
    from tagsvc.stocktake.services import Scope, keepers_of_scope, open_stocktake

    require_admin(actor)
    _season(season_id)
    lock_document(StocktakeSeason, season_id)  # two of the office at the same moment: the second finds the first's
    season = _season(season_id)
    if db.session.scalar(select(Stocktake.id).where(Stocktake.season_id == season.id)) is not None:
        raise ConflictError(_("Your school has opened its stocktake for %(name)s already.", name=season.name))
    deadline = season.deadline if season.deadline >= school_today() else None
    stocktake = open_stocktake(actor, season.name, Scope(), deadline=deadline, assignments=keepers_of_scope(Scope()))
    stocktake.season_id = season.id
    db.session.commit()
    return stocktake


@dataclass
class SchoolInSeason:
    school: School
    stocktake: Stocktake | None = None
    expected: int = 0
    found: int = 0
    matched: int = 0  # found where the books put them, or accounted for by a document
    misplaced: int = 0
    missing: int = 0
    missing_value: Decimal = Decimal("0.00")
    surplus: int = 0

    @property
    def status(self) -> str:
        if self.stocktake is None:
            return "not_started"
        return "open" if self.stocktake.status == StocktakeStatus.OPEN else "closed"

    @property
    def percent(self) -> int:
        return round(100 * self.found / self.expected) if self.expected else 100

    @property
    def match_rate(self) -> float:
        return self.matched / self.expected if self.expected else 1.0


@dataclass
class SeasonProgress:
    season: StocktakeSeason
    schools: list[SchoolInSeason]
    today: date

    @property
    def overdue(self) -> bool:
        return self.today > self.season.deadline

    @property
    def closed(self) -> int:
        return sum(1 for s in self.schools if s.status == "closed")


def season_progress(actor, season_id: int) -> SeasonProgress:
    """Each school's stocktake for the season: not started, under way (found of expected) or closed (the
    reconciliation's totals: matched, misplaced, missing with its book value, found but not on the list)."""
    require_bureau(actor)
    season = _season(season_id)
    rows = {school.id: SchoolInSeason(school) for school in db.session.scalars(select(School).order_by(School.code))}
    stocktakes = {s.id: s for s in db.session.scalars(select(Stocktake).where(Stocktake.season_id == season.id))}
    for stocktake in stocktakes.values():
        if stocktake.school_id in rows:
            rows[stocktake.school_id].stocktake = stocktake
    if stocktakes:
        found = StocktakeItem.confirmed_at.is_not(None)
        document = StocktakeItem.confirmed_method == ConfirmMethod.DOCUMENT
        for stocktake_id, expected, n_found, matched, misplaced, missing_value in db.session.execute(
                select(StocktakeItem.stocktake_id, func.count(), func.count().filter(found),
                       func.count().filter(found & (document | StocktakeItem.misplaced.is_(False))),
                       func.count().filter(found & ~document & StocktakeItem.misplaced.is_(True)),
                       func.coalesce(func.sum(StocktakeItem.price).filter(~found), 0))
                .where(StocktakeItem.stocktake_id.in_(list(stocktakes)), StocktakeItem.left_list.is_(False))
                .group_by(StocktakeItem.stocktake_id)):
            row = rows.get(stocktakes[stocktake_id].school_id)
            if row is not None:
                row.expected, row.found, row.matched, row.misplaced = expected, n_found, matched, misplaced
                row.missing, row.missing_value = expected - n_found, Decimal(missing_value or 0).quantize(Decimal("0.01"))
        for stocktake_id, n in db.session.execute(select(StocktakeFinding.stocktake_id, func.count())
                                                  .where(StocktakeFinding.stocktake_id.in_(list(stocktakes))).group_by(StocktakeFinding.stocktake_id)):
            row = rows.get(stocktakes[stocktake_id].school_id)
            if row is not None:
                row.surplus = n
    return SeasonProgress(season=season, schools=list(rows.values()), today=school_today())

