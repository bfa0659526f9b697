"""Departments, places and categories over the API: everyone signed in reads them, only the office changes them."""
from __future__ import annotations

import pytest

from tagsvc.extensions import db
from tagsvc.structure.models import Department, Location, LocationKind
from tests.factories import make_location

ROLES = ("staff", "repairer", "keeper", "other_keeper")


def _token(role, school, token_of):
    return None if role == "anonymous" else token_of(getattr(school, role))


@pytest.mark.parametrize("role", ["anonymous", *ROLES, "admin"])
def test_everyone_signed_in_reads_the_structure(api, school, token_of, role):
    token = _token(role, school, token_of)
    departments = api("GET", "/departments", token)
    locations = api("GET", "/locations", token)
    if role == "anonymous":
        assert departments.status_code == locations.status_code == 401
        return
    assert [d["name"] for d in departments.get_json()["items"]] == ["信息中心", "高一(3)班"]
    keeper_department = next(d for d in departments.get_json()["items"] if d["name"] == "高一(3)班")
    assert keeper_department["keeper_ids"] == [school.keeper.id]
    assert [place["full_name"] for place in locations.get_json()["items"]] == ["301"]


def test_the_place_tree_is_searched_and_walked(api, school, token_of):
    building = make_location("教学楼", kind=LocationKind.BUILDING)
    floor = make_location("3F", parent=building, kind=LocationKind.FLOOR)
    make_location("302", parent=floor)
    token = token_of(school.staff)
    found = api("GET", "/locations?q=教学楼 302", token).get_json()["items"]
    assert [place["full_name"] for place in found] == ["教学楼 › 3F › 302"]
    inside = api("GET", f"/locations?parent={floor.id}", token).get_json()["items"]
    assert [(p["name"], p["parent_id"], p["kind"]) for p in inside] == [("302", floor.id, "room")]
    top = api("GET", "/locations?top=true", token).get_json()["items"]
    assert {p["name"] for p in top} == {"301", "教学楼"}


@pytest.mark.parametrize("role", ["anonymous", *ROLES])
def test_only_the_office_changes_the_structure(api, school, token_of, role):
    token = _token(role, school, token_of)
    expected = 401 if role == "anonymous" else 403
    department = school.asset.department_id
    assert api("POST", "/departments", token, json={"name": "教务处"}).status_code == expected
    assert api("PUT", f"/departments/{department}", token, json={"name": "高一(4)班"}).status_code == expected
    assert api("DELETE", f"/departments/{department}", token).status_code == expected
    assert api("POST", "/categories", token, json={"name": "家具"}).status_code == expected
    assert db.session.scalar(db.session.query(Department).filter_by(name="教务处").statement) is None
    assert db.session.get(Department, department).name == "高一(3)班"


def test_the_office_adds_renames_moves_and_deletes(api, school, token_of):
    token = token_of(school.admin)
    made = api("POST", "/departments", token, json={"name": "教务处", "kind": "office", "keeper_ids": [school.keeper.id]})
    assert made.status_code == 201 and made.get_json()["keeper_ids"] == [school.keeper.id]
    building = api("POST", "/locations", token, json={"name": "实验楼", "kind": "building"}).get_json()
    room = api("POST", "/locations", token, json={"name": "化学实验室", "parent_id": building["id"]})
    assert room.status_code == 201 and room.get_json()["full_name"] == "实验楼 › 化学实验室"
    renamed = api("PUT", f"/locations/{building['id']}", token, json={"name": "科技楼", "kind": "building"})
    assert renamed.get_json()["full_name"] == "科技楼"
    assert api("GET", f"/locations/{room.get_json()['id']}", token).get_json()["full_name"] == "科技楼 › 化学实验室"
    loop = api("PUT", f"/locations/{building['id']}", token, json={"name": "科技楼", "parent_id": room.get_json()["id"]})
    assert loop.status_code == 422 and "inside itself" in loop.get_json()["detail"]
    assert api("DELETE", f"/departments/{made.get_json()['id']}", token).status_code == 204


def test_deleting_what_is_still_used_is_refused(api, school, token_of):
    token = token_of(school.admin)
    in_use = api("DELETE", f"/departments/{school.asset.department_id}", token)
    assert in_use.status_code == 409 and "assets" in in_use.get_json()["detail"]
    room = school.asset.location_id
    assert api("DELETE", f"/locations/{room}", token).status_code == 409
    assert db.session.get(Location, room) is not None


def test_a_room_with_a_printed_room_label_is_kept(api, school, token_of):
    from tagsvc.labels.services import room_tag_ids

    empty_room = make_location("教师休息室")
    room_tag_ids(school.admin, [empty_room.id])
    answer = api("DELETE", f"/locations/{empty_room.id}", token_of(school.admin))
    assert answer.status_code == 409 and "label" in answer.get_json()["detail"]


def test_names_that_clash_are_conflicts(api, school, token_of):
    answer = api("POST", "/departments", token_of(school.admin), json={"name": "信息中心"})
    assert answer.status_code == 409


def test_a_name_with_letters_beyond_ascii_is_a_conflict_not_an_error(api, school, token_of):
    """SQLite's lower() leaves "Ú" as it is while Python's makes it "ú": both sides must be lowered alike."""
    token = token_of(school.admin)
    assert api("POST", "/departments", token, json={"name": "Ústav 3"}).status_code == 201
    again = api("POST", "/departments", token, json={"name": "Ústav 3"})
    assert again.status_code == 409 and "Ústav 3" in again.get_json()["detail"]
    assert api("POST", "/locations", token, json={"name": "Ústav"}).status_code == 201
    assert api("POST", "/locations", token, json={"name": "Ústav"}).status_code == 409
