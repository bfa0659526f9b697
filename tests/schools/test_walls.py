"""The wall between schools, swept over every operation: people of a second school of the district, each role,
ask every page, download and API operation for the first school's documents (its ids and codes, taken from the URL
map as the other sweeps do). Every answer must be a refusal or a page of their own school with nothing of the
first school in it, and no change of theirs may touch a row of the first school."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select, update

from tagsvc.accounts.models import Role, User
from tagsvc.api.tokens import create_token
from tagsvc.assets.models import Asset
from tagsvc.demo.services import load_demo_data
from tagsvc.extensions import Base, db
from tagsvc.repairs.models import DamageReport
from tagsvc.schools.services import create_school
from tagsvc.schools import wall
from tagsvc.schools.wall import use_school
from tagsvc.structure.models import Department, Location
from tagsvc.transfers.between_schools import offer_to_school
from tests.conftest import POSTGRES_URL, TEST_PASSWORD
from tests.sweeps.world import World, build_world, page_urls, readable_text

NAME_MARK = "甲校"  # in the first school's names: what its labels' public pages may show anyone
PRIVATE_MARK = "秘一"  # in its custodians, notes, people and reports: for its own people only

# Requests that are about the person, not about a document of a school: they sign the sweep out or in.
NOT_SWEPT = {"accounts.login", "accounts.logout", "accounts.sign_out_everywhere", "accounts.password"}
# A label's public page is the district's: anyone who scans a label reads its public facts (and its school's name).
PUBLIC_TO_ALL = ("scanning.scan", "scanning.scan_upper", "repairs.report", "repairs.add_details", "repairs.sent", "scanning_api.look_up")


# PostgreSQL's row-level security is the second wall: there the sweeps run again with the first (the application's
# own filter) switched off, and must find the same nothing.
WALLS = ["both"] + (["row-level-security-alone"] if POSTGRES_URL else [])


@pytest.fixture(params=WALLS)
def walls(request, monkeypatch):
    if request.param != "both":
        monkeypatch.setattr(wall, "FIRST_WALL", False)
    return request.param


@pytest.fixture
def district(app) -> tuple[World, dict[str, User]]:
    """School 1 as the other sweeps see it, every name and private field of it marked; school 2, the demo school."""
    world = build_world()
    db.session.execute(update(Asset).values(name=Asset.name + NAME_MARK, custodian_name=PRIVATE_MARK + "保管员", notes=PRIVATE_MARK))
    db.session.execute(update(Department).values(name=Department.name + NAME_MARK))
    db.session.execute(update(Location).values(name=Location.name + NAME_MARK, full_name=Location.full_name + NAME_MARK))
    db.session.execute(update(User).values(display_name=PRIVATE_MARK + User.display_name))
    db.session.execute(update(DamageReport).values(reporter_name=PRIVATE_MARK + DamageReport.reporter_name))
    db.session.commit()
    second = create_school("s2", "第二中学")
    with use_school(second.id):
        load_demo_data(asset_count=60, username_prefix="s2-")
        people = {u.username.removeprefix("s2-"): u for u in db.session.scalars(select(User))}
        for person in people.values():
            person.set_password(TEST_PASSWORD)
        db.session.commit()
    # School 1 offers an item to a third school (划拨): a document of two schools, neither of them the second.
    third = create_school("s3", "实验小学")
    with use_school(1):
        item = db.session.scalar(select(Asset.id).where(Asset.status == "in_use").order_by(Asset.id.desc()))
        offer = offer_to_school(world.office, [item], third.id, PRIVATE_MARK + "支援")
    world.values["school_transfer_id"] = [offer.id]
    return world, people


def first_school_rows() -> dict[str, list]:
    """Every row of school 1, every column, read past the wall."""
    rows = {}
    for table in Base.metadata.sorted_tables:
        if "school_id" in table.c:
            mine = table.c.school_id == 1
        elif "from_school_id" in table.c:  # a document of two schools
            mine = (table.c.from_school_id == 1) | (table.c.to_school_id == 1)
        else:
            continue
        rows[table.name] = [tuple(row) for row in db.session.execute(select(table).where(mine).order_by(*table.primary_key.columns))]
    return rows


def _ask(client, url: str, **options):
    """One request as a server answers it: with a session of its own (the test's session holds the first school's
    rows from building it, which a request on a server never starts with)."""
    db.session.remove()
    return client.open(url, **options)


def _wrong(endpoint: str, response) -> str | None:
    if response.status_code >= 500:
        return f"answered {response.status_code}"
    text = readable_text(response)
    if PRIVATE_MARK in text:
        return "shows a private field of school 1"
    if NAME_MARK in text and endpoint not in PUBLIC_TO_ALL:
        return "shows a name of school 1"
    return None


@pytest.mark.parametrize("role", ["admin", "keeper1", "teacher1", "repair1"])
def test_no_page_or_download_of_another_school_shows_anything_of_the_first(app, district, walls, role):
    world, people = district
    client = app.test_client()
    assert client.post("/login", data={"username": people[role].username, "password": TEST_PASSWORD}).status_code == 302
    wrong, own_pages = [], 0
    for endpoint, url in page_urls(app, world):
        if endpoint in NOT_SWEPT:
            continue
        response = _ask(client, url)
        own_pages += response.status_code == 200
        if problem := _wrong(endpoint, response):
            wrong.append((url, problem))
    assert own_pages > 40  # their own school's lists and forms answered: the sweep reached real pages
    assert wrong == [], '\n'.join(map(str, wrong))


@pytest.mark.parametrize("role", ["admin", "keeper1"])
def test_no_change_by_another_schools_people_touches_the_first_school(app, district, walls, role):
    world, people = district
    before = first_school_rows()
    client = app.test_client()
    assert client.post("/login", data={"username": people[role].username, "password": TEST_PASSWORD}).status_code == 302
    with use_school(people[role].school_id):
        _token, secret = create_token(people[role], "sweep")
    token = {"Authorization": f"Bearer {secret}"}
    wrong, asked = [], 0
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        for endpoint, url in page_urls(app, world, methods=method):
            if endpoint in NOT_SWEPT:
                continue
            api = url.startswith("/api/")
            response = _ask(client, url, method=method, json={} if api else None, data=None if api else {},
                                   headers=token if api else {})
            asked += 1
            if problem := _wrong(endpoint, response):
                wrong.append((method, url, problem))
    assert asked > 100
    assert wrong == []
    db.session.expire_all()
    assert first_school_rows() == before


def test_the_second_schools_people_see_their_own_school(app, district, walls):
    """The sweep's other half: the same pages are full for the second school (not refusals for everyone)."""
    _world, people = district
    client = app.test_client()
    client.post("/login", data={"username": people["admin"].username, "password": TEST_PASSWORD})
    assets = client.get("/assets").get_data(as_text=True)
    assert "第二中学" in assets and NAME_MARK not in assets
    with use_school(people["admin"].school_id):
        own = db.session.scalar(select(Asset).order_by(Asset.id))
    assert _ask(client, f"/assets/{own.id}").status_code == 200
    first = db.session.scalar(select(Asset.id).where(Asset.school_id == 1).order_by(Asset.id))
    assert _ask(client, f"/assets/{first}").status_code == 404
    assert _ask(client, f"/api/v1/assets/{first}").status_code == 404


def test_a_label_of_another_school_shows_its_public_page_under_its_own_schools_name(app, district):
    _world, people = district
    school = Base.metadata.tables["school"]
    db.session.execute(update(school).where(school.c.id == 1).values(name="第一中学"))
    db.session.commit()
    first = db.session.scalar(select(Asset).where(Asset.school_id == 1, Asset.status == "in_use").order_by(Asset.id))
    client = app.test_client()
    client.post("/login", data={"username": people["keeper1"].username, "password": TEST_PASSWORD})
    code, name = first.current_tag.code, first.name
    page = _ask(client, f"/t/{code}").get_data(as_text=True)
    assert name in page and "第一中学" in page
    assert PRIVATE_MARK not in page  # not its custodian, not its notes: a stranger's view
    anonymous = _ask(app.test_client(), f"/t/{code}").get_data(as_text=True)
    assert "第一中学" in anonymous and PRIVATE_MARK not in anonymous


def test_asset_numbers_and_department_names_are_each_schools_own(app, district):
    _world, people = district
    with use_school(people["admin"].school_id):
        numbers = set(db.session.scalars(select(Asset.asset_number)))
        departments = set(db.session.scalars(select(Department.name)))
    first_numbers = set(db.session.scalars(select(Asset.asset_number).where(Asset.school_id == 1)))
    assert numbers & first_numbers  # the same demo numbering in both schools: each school's own list
    assert "教务处" in departments


def test_a_sign_in_name_is_one_across_the_district(app, district):
    """The second school's office cannot give a name the first school's keeper signs in with (it is told so)."""
    world, people = district
    client = app.test_client()
    client.post("/login", data={"username": people["admin"].username, "password": TEST_PASSWORD})
    client.set_cookie("tagsvc_language", "en")
    keeper_name = world.keeper.username
    response = _ask(client, "/admin/users/new", method="POST", data={
        "username": keeper_name, "display_name": "新老师", "role": Role.STAFF.value, "password": "a-long-password-1", "password_again": "a-long-password-1"})
    assert f"The user name {keeper_name} is taken." in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(User).where(User.username == keeper_name)) == 1


def test_a_stocktake_of_a_whole_school_expects_its_own_assets_only(app, district, walls):
    """The stocktake's snapshot is one INSERT … SELECT: the wall holds inside it too."""
    from tagsvc.stocktake.models import Stocktake, StocktakeItem
    from tagsvc.stocktake.services import Scope, close_stocktake, open_stocktake, stocktakes_for

    _world, people = district
    office = people["admin"]
    with use_school(office.school_id):
        for open_one in stocktakes_for(office):
            close_stocktake(office, open_one.id, pending_override=0)
        stocktake = open_stocktake(office, "2026 全校盘点", Scope())
        own = db.session.scalar(select(func.count()).select_from(Asset).where(Asset.status != "disposed"))
    items = db.session.scalars(select(StocktakeItem.asset_id).where(StocktakeItem.stocktake_id == stocktake.id)).all()
    schools = set(db.session.scalars(select(Asset.school_id).where(Asset.id.in_(items))))
    assert schools == {office.school_id} and len(items) == own == db.session.get(Stocktake, stocktake.id).expected_count
    assert set(db.session.scalars(select(StocktakeItem.school_id).where(StocktakeItem.stocktake_id == stocktake.id))) == {office.school_id}


def test_an_insert_from_a_select_that_does_not_say_it_filtered_by_school_is_refused(app):
    """The kind of the leak above: the wall refuses any INSERT … SELECT not marked as filtered by its author."""
    from tagsvc.schools.wall import UnfilteredInsertSelect
    from tagsvc.stocktake.models import StocktakeItem

    copy = StocktakeItem.__table__.insert().from_select(["stocktake_id", "asset_id"], select(Asset.id, Asset.id))
    with pytest.raises(UnfilteredInsertSelect):
        db.session.execute(copy)


def test_counts_bulk_updates_and_deletes_stay_inside_the_chosen_school(app, district):
    """The statements a service writes by hand: a count over a table, a bulk UPDATE, a bulk DELETE."""
    from sqlalchemy import delete

    from tagsvc.channels.models import Channel

    _world, people = district
    first_count = db.session.scalar(select(func.count()).select_from(Asset).where(Asset.school_id == 1))
    with use_school(people["admin"].school_id):
        own = db.session.scalar(select(func.count()).select_from(Asset))
        changed = db.session.execute(update(Asset).values(notes="二中").execution_options(synchronize_session=False)).rowcount
        removed = db.session.execute(delete(Channel).execution_options(synchronize_session=False)).rowcount
        db.session.commit()
    assert own == changed == 60 and removed == 0  # the first school's channel is not the second's to remove
    assert db.session.scalar(select(func.count()).select_from(Asset).where(Asset.notes == "二中", Asset.school_id == 1)) == 0
    assert db.session.scalar(select(func.count()).select_from(Channel).where(Channel.school_id == 1)) == 1
    assert first_count > 60


def test_leaving_a_school_after_a_database_error_keeps_that_error(app):
    """An error inside `use_school` (PostgreSQL then refuses every statement until the rollback) is the error
    reported, not a second one from handing the school back."""
    from sqlalchemy.exc import IntegrityError

    from tests.factories import make_asset

    make_asset(asset_number="DUP-1")
    with pytest.raises(IntegrityError), use_school(1):
        db.session.add(Asset(asset_number="DUP-1", name="又一张桌子", quantity=1))
        db.session.flush()
        db.session.execute(select(Asset.id)).all()
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Asset).where(Asset.asset_number == "DUP-1")) == 1


@pytest.mark.skipif(not POSTGRES_URL, reason="row-level security is PostgreSQL's: the suite's PostgreSQL run checks it")
def test_every_table_of_a_school_has_the_second_wall_reading_the_school_once(app):
    """A table a later feature adds with a school_id (or two, for a document of two schools) and no policy would be
    the first wall's alone; a policy that reads the setting per row costs every query of a school; and one written as
    "no school or this school" (an OR) is taken by the planner to keep 1.6 % of a school's rows in a district of a
    hundred, which made it sort whole tables where it should read ten rows by an index (migration 0032)."""
    from sqlalchemy import text

    walled = {table.name for table in Base.metadata.sorted_tables if "school_id" in table.c or "from_school_id" in table.c}
    policies = {row.tablename: row for row in db.session.execute(text(
        "SELECT c.relname AS tablename, c.relrowsecurity AS enabled, p.qual, p.with_check FROM pg_class c "
        "JOIN pg_policies p ON p.tablename = c.relname AND p.policyname = 'school_wall' WHERE c.relkind = 'r'"))}
    assert walled - set(policies) == set()
    for table in walled:
        policy = policies[table]
        assert policy.enabled, table
        assert "SELECT" in policy.qual and "SELECT" in policy.with_check, (table, policy.qual)  # read once: an InitPlan
        assert policy.qual.lstrip().startswith("CASE") and policy.with_check.lstrip().startswith("CASE"), (table, policy.qual)
