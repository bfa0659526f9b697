"""The education bureau's district page: every school's figures side by side, the same as each school's own reports
say, on screen and as Excel, for the bureau only."""
from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from tagsvc.accounts.models import Role
from tagsvc.assets.models import Asset, AssetStatus
from tagsvc.district.services import district_overview
from tagsvc.errors import PermissionDeniedError
from tagsvc.extensions import db
from tagsvc.loans.models import Handout
from tagsvc.loans.services import school_today
from tagsvc.reports.services import register_summary
from tagsvc.schools.wall import use_school
from tagsvc.stocktake.models import Stocktake
from tagsvc.stocktake.reconciling import reconciliation
from tagsvc.stocktake.services import close_stocktake
from tagsvc.structure.models import AssetKind
from tests.factories import make_user, two_demo_schools


@pytest.fixture
def district(app):
    """Two demo schools; the first closed its stocktake (two beds missing, one misplaced) and wrote off an item."""
    office, _second = two_demo_schools(300, 120)
    stocktake = db.session.scalar(select(Stocktake).where(Stocktake.school_id == 1))
    with use_school(1):
        close_stocktake(office, stocktake.id, pending_override=0)
        gone = db.session.scalar(select(Asset).where(Asset.status == AssetStatus.IDLE).order_by(Asset.id))
        gone.status, gone.disposed_on = AssetStatus.DISPOSED, school_today()
        db.session.commit()
    bureau = make_user(Role.DISTRICT, username="district")
    return bureau, office, stocktake.id, gone


def test_each_schools_figures_are_what_its_own_reports_say(app, district):
    bureau, office, stocktake_id, gone = district
    overview = district_overview(bureau)
    assert [row.school.code for row in overview.schools] == ["s1", "s2"]
    first, second = overview.schools
    with use_school(1):
        own = register_summary(office)
        expected_rate = reconciliation(office, stocktake_id).match_rate
    kinds = {line.key: (line.count, line.value) for line in own.by_kind}
    assert {kind.value: (f.count, f.value) for kind, f in first.by_kind.items()} == {k: v for k, v in kinds.items() if k}
    assert (first.total.count, first.total.value) == (own.total.count, own.total.value)
    assert first.match_rate == pytest.approx(expected_rate) and 0 < first.match_rate < 1  # two beds were not found
    assert (first.written_off.count, first.written_off.value) == (1, (gone.price or Decimal(0)) * gone.quantity)
    assert first.overdue_loans == 1  # the demo's laptop, lent to a teacher and not back
    assert second.match_rate is None and second.total.count == 120 and second.written_off.count == 0
    assert overview.total.count == first.total.count + second.total.count
    assert sum(f.count for _name, f in overview.categories) == overview.total.count
    assert sum(row.by_kind[AssetKind.FIXED_ASSET].count for row in overview.schools) > 0


def test_only_the_bureau_reads_the_district_page(app, client, district, login_as):
    _bureau, office, _stocktake_id, _gone = district
    with pytest.raises(PermissionDeniedError):
        district_overview(office)
    assert client.get("/district").status_code == 302  # not signed in: to the sign-in page
    login_as(office)
    assert client.get("/district").status_code == 403
    assert client.get("/district?format=xlsx").status_code == 403


def test_the_bureau_reads_it_on_screen_and_as_excel(app, client, district, login_as):
    bureau, *_ = district
    login_as(bureau)
    client.set_cookie("tagsvc_language", "en")
    page = client.get("/district").get_data(as_text=True)
    assert "第一中学" in page and "第二中学" in page and "Latest stocktake" in page and "No stocktake closed yet." in page
    response = client.get("/district?format=xlsx")
    assert response.status_code == 200 and "spreadsheetml" in response.content_type
    book = load_workbook(io.BytesIO(response.data))
    schools = list(book.worksheets[0].iter_rows(values_only=True))
    assert schools[0][:4] == ("School code", "School", "Assets", "Book value (yuan)")
    assert [r[:3] for r in schools[1:]] == [(row.school.code, row.school.name, row.total.count) for row in district_overview(bureau).schools]
    categories = list(book.worksheets[1].iter_rows(values_only=True))
    assert categories[-1][0] == "The whole district" and categories[-1][1] == sum(r[2] for r in schools[1:])


def test_an_overdue_loan_counts_from_the_day_after_its_due_date(app, district):
    bureau, *_ = district
    loan = db.session.scalar(select(Handout).where(Handout.school_id == 1, Handout.due_on.is_not(None)))
    loan.due_on = school_today()
    db.session.commit()
    assert district_overview(bureau).schools[0].overdue_loans == 0
    assert district_overview(bureau, today=school_today() + timedelta(days=1)).schools[0].overdue_loans == 1


def test_the_bureau_reads_which_school_each_item_of_the_register_belongs_to(app, client, login_as):
    from tagsvc.accounts.models import Role
    from tagsvc.assets.models import Asset
    from tagsvc.extensions import db
    from tagsvc.schools.wall import use_school
    from tests.factories import make_user, two_demo_schools

    _first, second = two_demo_schools(5, 5)
    bureau = make_user(Role.DISTRICT, username="district")
    db.session.commit()
    with use_school(second.school_id):
        theirs = db.session.scalar(select(Asset).order_by(Asset.id))
    login_as(bureau)
    listed = client.get("/assets").get_data(as_text=True)
    assert "第一中学" in listed and "第二中学" in listed
    assert "第二中学" in client.get(f"/assets/{theirs.id}").get_data(as_text=True)


def test_each_schools_share_of_inspection_rounds_done_on_time(app, client, district, login_as):
    from tagsvc.inspections.services import plans_for, round_states

    bureau, office, _stocktake_id, _gone = district
    today = school_today()
    rows = district_overview(bureau).schools
    for row in rows:
        # What the school's own plan pages say of the periods that ended in the last 30 days.
        with use_school(row.school.id):
            school_office = office if row.school.id == 1 else db.session.scalar(select(type(office)).where(type(office).role == Role.ADMIN))
            states = [s for plan in plans_for(school_office) if plan.active
                      for s in round_states(plan, today - timedelta(days=30), today - timedelta(days=1), today) if today - timedelta(days=30) <= s.period[1] < today]  # ended
        on_time = [s for s in states if s.round is not None and s.round.done_on is not None and s.round.done_on <= s.period[1]]
        assert (row.rounds_due, row.rounds_on_time) == (len(states), len(on_time))
        assert 0 < row.rounds_on_time < row.rounds_due  # the demo walked most periods and missed a few
        assert all(s.state == "done" for s in on_time)
    login_as(bureau)
    page = client.get("/district").get_data(as_text=True)
    first = rows[0]
    assert f'data-rounds="{first.rounds_on_time}/{first.rounds_due}"' in page and "rounds done on time" in page
    sheet = load_workbook(io.BytesIO(client.get("/district?format=xlsx").data)).worksheets[0]
    header = [c.value for c in sheet[1]]
    values = [c.value for c in sheet[2]]
    assert values[header.index("Inspection rounds due (last 30 days)")] == first.rounds_due
    assert values[header.index("Done on time")] == first.rounds_on_time
