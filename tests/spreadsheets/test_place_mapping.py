"""The review's choices for names the register lacks: look-alikes for partial place names, a choice that holds through
every check until the import, new places created where the person says (never silently at the top), and rows without
a category filed by the fixed-asset threshold."""
import re

import pytest
from sqlalchemy import func, select

from tagsvc.accounts.models import Role
from tagsvc.assets.models import Asset
from tagsvc.extensions import db
from tagsvc.spreadsheets.importing import plan_import
from tagsvc.spreadsheets.reading import read_sheet
from tagsvc.structure.models import AssetKind, Location, LocationKind
from tests.factories import make_location, make_user
from tests.spreadsheets.files import HEADERS, ledger_rows, ledger_xlsx
from tests.spreadsheets.test_views import review_form, upload


@pytest.fixture
def office(app):
    return make_user(Role.ADMIN)


@pytest.fixture
def campus(app):
    """本部校区 › 教学楼 › 1F › 101 and 102, 本部校区 › 行政楼 › 2F › 205."""
    main = make_location("本部校区", kind=LocationKind.CAMPUS)
    teaching = make_location("教学楼", parent=main, kind=LocationKind.BUILDING)
    first = make_location("1F", parent=teaching, kind=LocationKind.FLOOR)
    office_building = make_location("行政楼", parent=main, kind=LocationKind.BUILDING)
    second = make_location("2F", parent=office_building, kind=LocationKind.FLOOR)
    return {"main": main, "teaching": teaching, "first": first, "101": make_location("101", parent=first),
            "102": make_location("102", parent=first), "205": make_location("205", parent=second)}


def _file(places: list[str], **changes) -> bytes:
    rows = ledger_rows(len(places))
    for row, place in zip(rows, places, strict=True):
        row[10] = place
    return ledger_xlsx(rows, **changes)


def _plan(data: bytes, **options):
    from tagsvc.spreadsheets.importing import Options

    return plan_import(read_sheet(data, "台账.xlsx"), Options(**options))


@pytest.mark.parametrize("written", ["教学楼 101", "教学楼101", "教学楼/101", "1F 101"])
def test_a_partial_place_name_is_offered_the_room_it_names(app, campus, written):
    plan = _plan(_file([written]))
    (name,) = plan.new_names["location"]
    assert plan.suggestions[("location", name)] == campus["101"]


def test_a_place_named_in_two_buildings_is_not_guessed(app, campus):
    make_location("101", parent=make_location("2F", parent=campus["teaching"], kind=LocationKind.FLOOR))
    plan = _plan(_file(["101"]))
    assert plan.new_names["location"] == {"101"} and plan.suggestions.get(("location", "101")) is None


def test_a_new_place_goes_under_the_building_it_names_and_reuses_its_path(app, campus, office):
    from tagsvc.spreadsheets.importing import commit_import

    plan = _plan(_file(["教学楼/305", "图书馆/阅览室"]))
    assert plan.placements["教学楼 › 305"] == campus["teaching"]
    assert plan.placements["图书馆 › 阅览室"] is None  # nothing names it: the top, shown on the review
    commit_import(office, plan, "台账.xlsx")
    created = {loc.full_name for loc in db.session.scalars(select(Location))}
    assert "本部校区 › 教学楼 › 305" in created and "图书馆 › 阅览室" in created
    assert "教学楼" not in created and "教学楼 › 305" not in created  # no second, stray 教学楼 at the top


def test_a_new_place_is_created_where_the_person_chooses(app, campus, office):
    from tagsvc.spreadsheets.importing import commit_import

    plan = _plan(_file(["教学楼 108"]), parents={"教学楼 108": campus["first"].id})
    commit_import(office, plan, "台账.xlsx")
    asset = db.session.scalar(select(Asset))
    assert asset.location.full_name == "本部校区 › 教学楼 › 1F › 108"


def test_a_choice_on_the_review_page_holds_through_check_again_and_the_import(client, login_as, office, campus):
    """The walk-through's file: "教学楼 101" matched on the review page, checked again, imported: the assets are in
    the room, and no place "教学楼 101" appears anywhere."""
    login_as(office)
    location = upload(client, _file(["教学楼 101", "教学楼 101", "报告厅"])).location
    page = client.get(location).get_data(as_text=True)
    values = review_form(page)
    assert values["match-location-教学楼 101"] == str(campus["101"].id)  # offered, and chosen by default
    values["match-location-教学楼 101"] = str(campus["102"].id)  # the person knows better
    values["under-location-报告厅"] = str(campus["main"].id)
    values.update({"action": "check"})
    page = client.post(location, data=values).get_data(as_text=True)
    values = review_form(page)
    assert values["match-location-教学楼 101"] == str(campus["102"].id)  # still the person's choice, still on the page
    assert values["under-location-报告厅"] == str(campus["main"].id)
    values.update({"action": "check"})
    values = review_form(client.post(location, data=values).get_data(as_text=True))  # and again
    values["action"] = "commit"
    assert client.post(location, data=values).status_code == 302
    places = {a.asset_number: a.location.full_name for a in db.session.scalars(select(Asset))}
    assert places == {"ZC-00001": "本部校区 › 教学楼 › 1F › 102", "ZC-00002": "本部校区 › 教学楼 › 1F › 102",
                      "ZC-00003": "本部校区 › 报告厅"}
    assert db.session.scalar(select(func.count()).select_from(Location).where(Location.name.like("%教学楼 101%"))) == 0


def test_create_it_chosen_over_a_look_alike_stays_chosen(client, login_as, office, campus):
    login_as(office)
    location = upload(client, _file(["教学楼 101"])).location
    values = review_form(client.get(location).get_data(as_text=True))
    values.update({"match-location-教学楼 101": "new", "under-location-教学楼 101": str(campus["teaching"].id), "action": "check"})
    values = review_form(client.post(location, data=values).get_data(as_text=True))
    assert values["match-location-教学楼 101"] == "new"
    values["action"] = "commit"
    client.post(location, data=values)
    assert db.session.scalar(select(Asset)).location.full_name == "本部校区 › 教学楼 › 101"


def test_every_choice_on_the_review_page_holds_through_a_check(client, login_as, office, campus):
    """The kind: whatever select the review shows, a value the person picks is the value the next check shows."""
    login_as(office)
    location = upload(client, _file(["教学楼 101", "图书馆/阅览室", "行政楼 205"])).location
    page = client.get(location).get_data(as_text=True)
    values = review_form(page)
    picked = {}
    for select_name, options in re.findall(r'<select name="([^"]+)"[^>]*>(.*?)</select>', page, re.S):
        choices = re.findall(r'<option value="([^"]*)"', options)
        others = [c for c in choices if c != values.get(select_name)]
        if others and not select_name.startswith("col-"):
            picked[select_name] = others[-1]
    assert len(picked) >= 6
    values.update(picked)
    values["action"] = "check"
    after = review_form(client.post(location, data=values).get_data(as_text=True))
    assert {name: after.get(name) for name in picked} == picked


def test_rows_without_a_category_are_filed_by_the_fixed_asset_threshold(app, office):
    from tagsvc.spreadsheets.importing import commit_import

    headers = [h for h in HEADERS if h != "资产类别"]
    rows = [row[:3] + row[4:] for row in ledger_rows(3)]  # ¥320 desks and a ¥3,280 projector (row 3)
    rows[0][5] = 2680.0  # the walk-through's table
    plan = _plan(ledger_xlsx(rows, headers=headers))
    assert plan.new_names["category"] == {"Uncategorised fixed assets", "Uncategorised low-value items"}
    commit_import(office, plan, "台账.xlsx")
    kinds = {a.asset_number: (a.category.name, a.category.kind) for a in db.session.scalars(select(Asset))}
    assert kinds == {"ZC-00001": ("Uncategorised fixed assets", AssetKind.FIXED_ASSET),
                     "ZC-00002": ("Uncategorised low-value items", AssetKind.LOW_VALUE),
                     "ZC-00003": ("Uncategorised fixed assets", AssetKind.FIXED_ASSET)}


def test_a_new_category_of_cheap_rows_is_low_value(app, office):
    from tagsvc.spreadsheets.importing import commit_import

    rows = ledger_rows(2)  # 家具 at ¥320, 教学设备 at ¥3,280 (row 3's)
    rows[1][3] = "家具"
    rows[1][6] = 320.0
    commit_import(office, _plan(ledger_xlsx(rows)), "台账.xlsx")
    assert {a.category.kind for a in db.session.scalars(select(Asset))} == {AssetKind.LOW_VALUE}
