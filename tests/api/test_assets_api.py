"""The register over the API, for every role: anonymous, staff, repairer, the keeper of the asset's department,
the keeper of another department, the office. The same rules as the pages."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tagsvc.assets.models import Asset
from tagsvc.extensions import db
from tagsvc.ledger.services import history_of

ROLES = ("anonymous", "staff", "repairer", "keeper", "other_keeper", "admin")


def _token(role, school, token_of):
    return None if role == "anonymous" else token_of(getattr(school, role))


@pytest.mark.parametrize("role, expected", [("anonymous", 401), ("staff", 200), ("repairer", 200), ("keeper", 200),
                                            ("other_keeper", 403), ("admin", 200)])
def test_reading_an_asset(api, school, token_of, role, expected):
    answer = api("GET", f"/assets/{school.asset.id}", _token(role, school, token_of))
    assert answer.status_code == expected
    if expected == 200:
        body = answer.get_json()
        assert body["asset_number"] == school.asset.asset_number and body["department"]["name"] == "高一(3)班"
        assert answer.headers["ETag"] == f'"{body["version"]}"'
        assert [event["action"] for event in body["history"]] == ["tag_issued", "created"]
    else:
        assert answer.content_type == "application/problem+json" and answer.get_json()["status"] == expected


@pytest.mark.parametrize("role, seen", [("staff", 2), ("keeper", 1), ("other_keeper", 1), ("admin", 2)])
def test_the_list_shows_what_each_role_may_read(api, school, token_of, role, seen):
    body = api("GET", "/assets", _token(role, school, token_of)).get_json()
    assert body["total"] == seen == len(body["items"])


def test_the_list_searches_filters_sorts_and_pages(api, school, token_of):
    token = token_of(school.admin)
    assert [a["name"] for a in api("GET", "/assets?q=交换", token).get_json()["items"]] == ["交换机"]
    by_department = api("GET", f"/assets?department={school.asset.department_id}", token).get_json()
    assert [a["id"] for a in by_department["items"]] == [school.asset.id]
    by_code = api("GET", f"/assets?q={school.other_asset.current_tag.code.lower()}", token).get_json()
    assert [a["id"] for a in by_code["items"]] == [school.other_asset.id]
    named = api("GET", "/assets?sort=-name&per_page=1&page=2", token).get_json()
    assert named["pages"] == 2 and named["page"] == 2 and [a["name"] for a in named["items"]] == ["交换机"]


@pytest.mark.parametrize("query, field", [("per_page=201", "per_page"), ("per_page=0", "per_page"), ("sort=price", "sort"),
                                          ("status=broken", "status"), ("colour=red", "colour")])
def test_a_list_query_out_of_bounds_is_refused_with_its_field(api, school, token_of, query, field):
    answer = api("GET", f"/assets?{query}", token_of(school.admin))
    assert answer.status_code == 422 and field in answer.get_json()["errors"]["query"]


@pytest.mark.parametrize("role, department, expected", [
    ("anonymous", "own", 401), ("staff", "own", 403), ("repairer", "own", 403), ("keeper", "own", 201),
    ("keeper", "other", 403), ("other_keeper", "own", 403), ("admin", "other", 201),
])
def test_registering_an_asset(api, school, token_of, role, department, expected):
    department_id = (school.asset if department == "own" else school.other_asset).department_id
    answer = api("POST", "/assets", _token(role, school, token_of),
                 json={"asset_number": "ZC-NEW-1", "name": "书柜", "department_id": department_id, "price": "860.5"})
    assert answer.status_code == expected
    created = db.session.scalar(select(Asset).where(Asset.asset_number == "ZC-NEW-1"))
    if expected == 201:
        body = answer.get_json()
        assert body["price"] == "860.50" and body["label"]["code"] == created.current_tag.code
        assert answer.headers["Location"].endswith(f"/api/v1/assets/{created.id}")
        assert [e.action for e in history_of(created.id)] == ["tag_issued", "created"]
    else:
        assert created is None


def test_a_rejected_body_names_each_field_and_changes_nothing(api, school, token_of):
    answer = api("POST", "/assets", token_of(school.admin),
                 json={"asset_number": "  ", "name": "x" * 201, "price": -1, "status": "sold", "department_id": "1", "colour": "red"})
    assert answer.status_code == 422
    errors = answer.get_json()["errors"]["json"]
    assert set(errors) == {"asset_number", "name", "price", "status", "department_id", "colour"}
    assert db.session.scalar(select(func.count()).select_from(Asset)) == 2


def test_a_duplicate_asset_number_is_a_conflict(api, school, token_of):
    answer = api("POST", "/assets", token_of(school.admin), json={"asset_number": school.asset.asset_number.lower(), "name": "椅子"})
    assert answer.status_code == 409 and school.asset.asset_number in answer.get_json()["detail"]


def _change(api, token, asset_id, body, etag):
    return api("PATCH", f"/assets/{asset_id}", token, json=body, headers={"If-Match": etag} if etag else {})


@pytest.mark.parametrize("role, expected", [("anonymous", 401), ("staff", 403), ("repairer", 403), ("keeper", 200),
                                            ("other_keeper", 403), ("admin", 200)])
def test_changing_an_asset(api, school, token_of, role, expected):
    answer = _change(api, _token(role, school, token_of), school.asset.id, {"custodian_name": "钱老师"}, '"1"')
    assert answer.status_code == expected
    db.session.expire_all()
    asset = db.session.get(Asset, school.asset.id)
    assert (asset.custodian_name == "钱老师") is (expected == 200)
    if expected == 200:
        assert answer.headers["ETag"] == '"2"' and answer.get_json()["version"] == 2
        assert history_of(asset.id)[0].changes == {"custodian_name": ["赵老师", "钱老师"]}


def test_a_keeper_cannot_move_an_asset_out_of_their_departments(api, school, token_of):
    answer = _change(api, token_of(school.keeper), school.asset.id, {"department_id": school.other_asset.department_id}, '"1"')
    assert answer.status_code == 403


def test_a_change_needs_if_match(api, school, token_of):
    answer = _change(api, token_of(school.admin), school.asset.id, {"name": "旧投影仪"}, None)
    assert answer.status_code == 428 and "If-Match" in answer.get_json()["detail"]
    assert db.session.get(Asset, school.asset.id).name == "多媒体投影仪"


def test_a_stale_version_gets_412_with_the_asset_as_it_is_now(api, school, token_of):
    office, keeper = token_of(school.admin), token_of(school.keeper)
    etag = api("GET", f"/assets/{school.asset.id}", keeper).headers["ETag"]
    assert _change(api, office, school.asset.id, {"location_id": None}, etag).status_code == 200
    stale = _change(api, keeper, school.asset.id, {"custodian_name": "孙老师"}, etag)
    assert stale.status_code == 412
    current = stale.get_json()["current"]
    assert current["location"] is None and current["version"] == 2 and current["custodian_name"] == "赵老师"
    db.session.expire_all()
    assert db.session.get(Asset, school.asset.id).custodian_name == "赵老师"
    # Read again, decide, send again with the new version: accepted.
    assert _change(api, keeper, school.asset.id, {"custodian_name": "孙老师"}, '"2"').status_code == 200


@pytest.mark.parametrize("if_match", ['""', "*", '"seven"', '"1", "2"', "W/\"1\""])
def test_an_if_match_that_names_no_one_version_is_refused(api, school, token_of, if_match):
    answer = _change(api, token_of(school.admin), school.asset.id, {"brand": "爱普生"}, if_match)
    assert answer.status_code == 412 and answer.get_json()["current"]["version"] == 1
    db.session.expire_all()
    assert db.session.get(Asset, school.asset.id).brand == ""


def test_the_etag_of_a_compressed_answer_is_accepted(api, school, token_of):
    token = token_of(school.admin)
    etag = api("GET", f"/assets/{school.asset.id}", token, headers={"Accept-Encoding": "gzip"}).headers["ETag"]
    assert etag == '"1:gzip"'  # Flask-Compress marks the compressed form; it is the same version
    assert _change(api, token, school.asset.id, {"brand": "爱普生"}, etag).status_code == 200


def test_a_governed_status_cannot_be_changed_over_the_api_either(api, school, token_of):
    from tagsvc.repairs.models import DamageKind
    from tagsvc.repairs.services import submit_report

    submit_report(school.staff, school.asset.current_tag.code, DamageKind.BROKEN, "灯泡不亮")
    answer = _change(api, token_of(school.admin), school.asset.id, {"status": "idle"}, '"1"')
    assert answer.status_code == 409 and "repair" in answer.get_json()["detail"].lower()


@pytest.mark.parametrize("role, expected", [("anonymous", 401), ("staff", 403), ("repairer", 403), ("keeper", 201),
                                            ("other_keeper", 403), ("admin", 201)])
def test_replacing_a_label(api, school, token_of, role, expected):
    old_code = school.asset.current_tag.code
    answer = api("POST", f"/assets/{school.asset.id}/label", _token(role, school, token_of))
    assert answer.status_code == expected
    db.session.expire_all()
    new_code = db.session.get(Asset, school.asset.id).current_tag.code
    assert (new_code != old_code) is (expected == 201)
    if expected == 201:
        assert answer.get_json()["code"] == new_code
        # The old label still answers, and points to the new one.
        assert api("GET", f"/tags/{old_code}").get_json()["current_code"] == new_code


def test_an_unknown_asset_is_404_and_a_huge_id_too(api, school, token_of):
    token = token_of(school.admin)
    assert api("GET", "/assets/999999", token).status_code == 404
    assert api("GET", "/assets/99999999999999999999", token).status_code == 404


@pytest.mark.parametrize("sort", ["number", "-number", "name", "-name", "updated", "-updated"])
def test_walking_the_list_by_cursor_gives_every_asset_once_in_order(api, school, token_of, sort):
    from tests.factories import make_asset

    for n in range(5):
        make_asset(school.admin, name=["书柜", "书柜", "课桌", "椅子", "床"][n])  # equal names: ties broken by id
    token = token_of(school.admin)
    by_pages = [a["id"] for a in api("GET", f"/assets?sort={sort}&per_page=200", token).get_json()["items"]]
    walked, cursor = [], None
    while True:
        answer = api("GET", f"/assets?sort={sort}&per_page=2" + (f"&cursor={cursor}" if cursor else ""), token).get_json()
        walked += [a["id"] for a in answer["items"]]
        cursor = answer["next_cursor"]
        if cursor is None:
            break
        assert answer["page"] is None or answer["page"] == 1
    assert walked == by_pages and len(walked) == 7


def test_an_asset_added_while_walking_is_not_met_twice_and_none_is_skipped(api, school, token_of):
    from tests.factories import make_asset

    token = token_of(school.admin)
    first = api("GET", "/assets?sort=number&per_page=1", token).get_json()
    make_asset(school.admin, asset_number="AA-0000")  # sorts before everything already seen
    rest = api("GET", f"/assets?sort=number&per_page=10&cursor={first['next_cursor']}", token).get_json()
    assert [a["id"] for a in first["items"] + rest["items"]] == [school.asset.id, school.other_asset.id]


def test_a_foreign_cursor_is_refused(api, school, token_of):
    token = token_of(school.admin)
    cursor = api("GET", "/assets?sort=name&per_page=1", token).get_json()["next_cursor"]
    for bad in (cursor + "x", "bm90LWpzb24", cursor):
        answer = api("GET", f"/assets?sort=number&cursor={bad}", token)
        assert answer.status_code == 422 and "cursor" in answer.get_json()["detail"]


def test_the_never_printed_filter_over_the_api(api, school, token_of):
    from tagsvc.labels.models import PrintJobKind
    from tagsvc.labels.services import PrintSettings, asset_tag_ids, create_print_job, run_print_job

    job = create_print_job(school.admin, PrintJobKind.ASSETS, asset_tag_ids(school.admin, [school.asset.id]), PrintSettings("a4-3x8"))
    run_print_job(job.id)
    token = token_of(school.admin)
    for query in ("", "&sort=name", f"&cursor={api('GET', '/assets?per_page=1&sort=number', token).get_json()['next_cursor']}"):
        found = api("GET", f"/assets?never_printed=true&per_page=1{query}", token).get_json()["items"]
        assert [a["id"] for a in found] in ([school.other_asset.id], []), query
    assert [a["id"] for a in api("GET", "/assets?never_printed=true", token).get_json()["items"]] == [school.other_asset.id]
