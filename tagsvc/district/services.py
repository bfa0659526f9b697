"""The education bureau's page: every school of the district side by side, from a handful of GROUP BY school
statements (the bureau chose no school: it reads them all, and only reads).

Per school: assets and book value by property kind, open repairs, overdue loans, the latest closed stocktake's
match rate (账物相符率) and date, and what was written off this year; and the same figures per category across
the district (categories are each school's own: they are matched by the name of their first level).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import func, select

from tagsvc.accounts.models import Role
from tagsvc.assets.models import OFF_THE_BOOKS, Asset, AssetStatus
from tagsvc.errors import PermissionDeniedError
from tagsvc.extensions import db
from tagsvc.loans.models import Handout, HandoutItem, HandoutKind
from tagsvc.loans.services import school_today
from tagsvc.repairs.models import OPEN_STATUSES, DamageReport
from tagsvc.schools.models import School
from tagsvc.stocktake.models import ConfirmMethod, Stocktake, StocktakeItem, StocktakeStatus
from tagsvc.structure.models import AssetKind, Category

ZERO = Decimal("0.00")


def require_bureau(actor) -> None:
    if not actor.is_authenticated or actor.role != Role.DISTRICT:
        raise PermissionDeniedError(_("Only the education bureau reads the district's page."))


@dataclass
class Figures:
    count: int = 0
    value: Decimal = ZERO

    def add(self, count: int, value) -> None:
        self.count += count
        self.value += Decimal(value or 0).quantize(Decimal("0.01"))


@dataclass
class SchoolRow:
    school: School
    by_kind: dict = field(default_factory=lambda: {kind: Figures() for kind in AssetKind})
    unfiled: Figures = field(default_factory=Figures)  # assets with no category (no property kind)
    open_repairs: int = 0
    overdue_loans: int = 0
    stocktake_closed_on: datetime | None = None
    stocktake_name: str = ""
    match_rate: float | None = None  # None: no stocktake closed yet
    written_off: Figures = field(default_factory=Figures)
    rounds_due: int = 0  # safety inspection periods that ended in the last INSPECTION_WINDOW_DAYS
    rounds_on_time: int = 0  # of those, rounds with every line checked by the period's last day

    @property
    def rounds_share(self) -> float | None:
        return self.rounds_on_time / self.rounds_due if self.rounds_due else None

    @property
    def total(self) -> Figures:
        total = Figures()
        for figures in [*self.by_kind.values(), self.unfiled]:
            total.add(figures.count, figures.value)
        return total


@dataclass
class DistrictOverview:
    schools: list[SchoolRow]
    categories: list[tuple[str, Figures]]  # first-level category name → the district's figures, largest first
    year: int
    total: Figures = field(default_factory=Figures)


def district_overview(actor, today: date | None = None) -> DistrictOverview:
    require_bureau(actor)
    today = today or school_today()
    rows = {school.id: SchoolRow(school) for school in db.session.scalars(select(School).order_by(School.code))}
    active = Asset.status.not_in(OFF_THE_BOOKS)
    count, value = func.count(Asset.id), func.coalesce(func.sum(Asset.price * Asset.quantity), 0)
    categories: dict[str, Figures] = {}
    # Summed per school and category from the register's covering index alone; the categories (a few hundred rows)
    # are named here, not joined to a million.
    named = {category_id: (kind, full_name) for category_id, kind, full_name in db.session.execute(
        select(Category.id, Category.kind, Category.full_name))}
    for school_id, category_id, n, v in db.session.execute(
            select(Asset.school_id, Asset.category_id, count, value).where(active).group_by(Asset.school_id, Asset.category_id)):
        kind, top = named.get(category_id, (None, None))
        row = rows.get(school_id)
        if row is not None:
            (row.by_kind[AssetKind(kind)] if kind else row.unfiled).add(n, v)
        first_level = top.split(" › ")[0] if top else _("No category")
        categories.setdefault(first_level, Figures()).add(n, v)
    for school_id, n in db.session.execute(select(DamageReport.school_id, func.count()).where(DamageReport.status.in_(OPEN_STATUSES))
                                           .group_by(DamageReport.school_id)):
        if school_id in rows:
            rows[school_id].open_repairs = n
    for school_id, n in db.session.execute(
            select(HandoutItem.school_id, func.count()).join(Handout, Handout.id == HandoutItem.handout_id)
            .where(Handout.kind == HandoutKind.LOAN, HandoutItem.returned_at.is_(None), Handout.due_on < today).group_by(HandoutItem.school_id)):
        if school_id in rows:
            rows[school_id].overdue_loans = n
    for school_id, n, v in db.session.execute(
            select(Asset.school_id, count, value).where(Asset.status == AssetStatus.DISPOSED, Asset.disposed_on >= date(today.year, 1, 1),
                                                        Asset.disposed_on < date(today.year + 1, 1, 1))
            .group_by(Asset.school_id)):
        if school_id in rows:
            rows[school_id].written_off.add(n, v)
    _latest_stocktakes(rows)
    _inspection_rounds_on_time(rows, today)
    overview = DistrictOverview(schools=list(rows.values()), year=today.year,
                                categories=sorted(categories.items(), key=lambda item: item[1].value, reverse=True))
    for row in overview.schools:
        overview.total.add(row.total.count, row.total.value)
    return overview


INSPECTION_WINDOW_DAYS = 30


def _inspection_rounds_on_time(rows: dict[int, SchoolRow], today: date) -> None:
    """Each school's safety inspection periods that ended in the last 30 days (of its plans switched on), and how many
    of them had their round done by the period's last day: the periods from the plans' schedules (a few hundred
    plans), the rounds done on time in one statement."""
    from datetime import timedelta

    from tagsvc.inspections.models import InspectionPlan, InspectionRound
    from tagsvc.inspections.periods import periods_between

    first = today - timedelta(days=INSPECTION_WINDOW_DAYS)
    for plan in db.session.scalars(select(InspectionPlan).where(InspectionPlan.active.is_(True))):
        ended = [p for p in periods_between(plan.frequency, first, today - timedelta(days=1), plan.starts_on, plan.ends_on) if p[1] >= first]
        if plan.school_id in rows:
            rows[plan.school_id].rounds_due += sum(1 for p in ended if p[1] < today)
    for school_id, n in db.session.execute(
            select(InspectionRound.school_id, func.count()).join(InspectionPlan, InspectionPlan.id == InspectionRound.plan_id)
            .where(InspectionPlan.active.is_(True), InspectionRound.period_end >= first, InspectionRound.period_end < today,
                   InspectionRound.done_on <= InspectionRound.period_end).group_by(InspectionRound.school_id)):
        if school_id in rows:
            rows[school_id].rounds_on_time = n


def _latest_stocktakes(rows: dict[int, SchoolRow]) -> None:
    """Each school's latest closed stocktake and its match rate: expected items found where the books put them, or
    accounted for by a document (as the stocktake's own reconciliation counts them)."""
    latest = select(Stocktake.school_id, func.max(Stocktake.closed_at).label("closed_at")).where(
        Stocktake.status == StocktakeStatus.CLOSED).group_by(Stocktake.school_id).subquery()
    stocktakes = {s.id: s for s in db.session.scalars(select(Stocktake).join(
        latest, (latest.c.school_id == Stocktake.school_id) & (latest.c.closed_at == Stocktake.closed_at)))}
    if not stocktakes:
        return
    matched = (StocktakeItem.confirmed_at.is_not(None)
               & ((StocktakeItem.confirmed_method == ConfirmMethod.DOCUMENT) | StocktakeItem.misplaced.is_(False)))
    figures = {stocktake_id: (expected, good) for stocktake_id, expected, good in db.session.execute(
        select(StocktakeItem.stocktake_id, func.count(), func.count().filter(matched))
        .where(StocktakeItem.stocktake_id.in_(list(stocktakes)), StocktakeItem.left_list.is_(False)).group_by(StocktakeItem.stocktake_id))}
    for stocktake in stocktakes.values():
        row = rows.get(stocktake.school_id)
        if row is None:
            continue
        expected, good = figures.get(stocktake.id, (0, 0))
        row.stocktake_closed_on, row.stocktake_name = stocktake.closed_at, stocktake.name
        row.match_rate = good / expected if expected else 1.0
