"""The tree picker: find a place among thousands by typing part of its path; resolve typed text without JavaScript."""
import pytest

from tagsvc.accounts.models import Role
from tagsvc.errors import ValidationError
from tagsvc.structure.models import Location
from tagsvc.structure.services import resolve_tree_choice, search_tree
from tests.factories import make_asset, make_location, make_user


@pytest.fixture
def campus(app):
    """Two dorm blocks with rooms 201–220 and four beds each: 160 beds whose names repeat."""
    campus = make_location("本部校区")
    rooms = {}
    for block in ("宿舍楼A", "宿舍楼B"):
        floor = make_location("2F", parent=make_location(block, parent=campus))
        for number in range(201, 221):
            room = make_location(str(number), parent=floor)
            rooms[(block, number)] = room
            for bed in range(1, 5):
                make_location(f"床位{bed}", parent=room)
    return rooms


def test_every_typed_word_must_be_in_the_path_and_short_paths_come_first(campus):
    found = search_tree(Location, "宿舍楼A 203")
    assert [n.full_name for n in found][:2] == ["本部校区 › 宿舍楼A › 2F › 203", "本部校区 › 宿舍楼A › 2F › 203 › 床位1"]
    assert all("宿舍楼A" in n.full_name and "203" in n.full_name for n in found)


def test_a_typed_path_with_separators_finds_the_place(campus):
    assert search_tree(Location, "宿舍楼B › 2F › 210 › 床位3")[0].full_name == "本部校区 › 宿舍楼B › 2F › 210 › 床位3"


def test_the_search_returns_a_page_not_the_whole_tree(campus):
    assert len(search_tree(Location, "床位")) == 20


def test_typed_text_naming_one_place_and_what_is_inside_it_means_that_place(campus):
    assert resolve_tree_choice(Location, None, "宿舍楼A 203").full_name == "本部校区 › 宿舍楼A › 2F › 203"


def test_typed_text_that_matches_several_places_is_explained(campus):
    with pytest.raises(ValidationError, match="Several match “203”"):
        resolve_tree_choice(Location, None, "203")


def test_typed_text_that_matches_nothing_is_explained(campus):
    with pytest.raises(ValidationError, match="Nothing is called “教学楼”"):
        resolve_tree_choice(Location, None, "教学楼")


def test_a_chosen_id_wins_while_its_path_is_unchanged(campus):
    room = campus[("宿舍楼B", 205)]
    assert resolve_tree_choice(Location, room.id, room.full_name) == room
    assert resolve_tree_choice(Location, room.id, "宿舍楼A 206") == campus[("宿舍楼A", 206)]  # typed after choosing
    assert resolve_tree_choice(Location, room.id, "") is None  # cleared


def test_the_search_answers_json_to_anyone_signed_in(client, login_as, campus):
    assert client.get("/pick/locations?q=203").status_code == 302  # to the sign-in page
    login_as(make_user(Role.STAFF))
    results = client.get("/pick/locations?q=宿舍楼B 203 床位2").get_json()["results"]
    assert results == [{"id": results[0]["id"], "path": "本部校区 › 宿舍楼B › 2F › 203 › 床位2"}]
    assert client.get("/pick/locations?q=").get_json() == {"results": []}
    assert client.get("/pick/users?q=a").status_code == 404


def _edit_with_typed_place(client, desk, typed: str):
    """The edit form as a browser without JavaScript sends it: no chosen id, only the typed text."""
    return client.post(f"/assets/{desk.id}/edit", data={
        "asset_number": desk.asset_number, "name": desk.name, "status": "in_use", "condition": "good",
        "location_id": "", "location_id-path": typed,
    })


def test_the_asset_form_takes_a_typed_path_without_javascript(client, login_as, campus):
    from tagsvc.extensions import db

    login_as(make_user(Role.ADMIN))
    desk = make_asset()
    assert _edit_with_typed_place(client, desk, "宿舍楼A 211 床位4").status_code == 302
    db.session.expire_all()
    assert desk.location.full_name == "本部校区 › 宿舍楼A › 2F › 211 › 床位4"


def test_the_asset_form_explains_an_ambiguous_place_and_keeps_the_text(client, login_as, campus):
    login_as(make_user(Role.ADMIN))
    response = _edit_with_typed_place(client, make_asset(), "床位1")
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "Several match “床位1”" in page and 'value="床位1"' in page


def test_the_register_filter_shows_the_full_path_of_the_chosen_place(client, login_as, campus):
    login_as(make_user(Role.ADMIN))
    room = campus[("宿舍楼A", 207)]
    make_asset(name="床", location_id=room.id)
    page = client.get(f"/assets?location={room.id}").get_data(as_text=True)
    assert 'value="本部校区 › 宿舍楼A › 2F › 207"' in page and "1 asset" in page
