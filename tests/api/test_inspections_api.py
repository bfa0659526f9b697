"""Safety inspections over the API: plans, the round of today, results sent twice counted once, and refusals that
change nothing."""
from __future__ import annotations

import uuid

from sqlalchemy import func, select

from tagsvc.accounts.models import Role
from tagsvc.extensions import db
from tagsvc.inspections.models import InspectionResult
from tagsvc.repairs.models import DamageReport
from tests.factories import make_asset, make_category, make_user


def _plan_body(category_id: int, inspector_id: int) -> dict:
    return {"name": "灭火器月检", "target_kind": "category", "category_id": category_id, "frequency": "monthly",
            "checklist": ["压力表指针在绿区", "铅封、保险销完好"], "starts_on": "2026-01-01", "inspector_ids": [inspector_id],
            "service_years": 10}


def test_a_round_over_the_api_from_plan_to_results(api, school, token_of):
    category = make_category("灭火器")
    units = [make_asset(school.admin, name=f"灭火器{n}", asset_number=f"MHQ-{n}", category_id=category.id) for n in range(3)]
    made = api("POST", "/inspections/plans", token_of(school.admin), json=_plan_body(category.id, school.staff.id))
    assert made.status_code == 201, made.get_json()
    plan = made.get_json()
    assert [line["key"] for line in plan["checklist"]] == ["k1", "k2"] and made.headers["Location"].endswith(f"/plans/{plan['id']}")
    # The inspector sees the plan and opens today's round; a keeper the plan does not name cannot.
    teacher = token_of(school.staff)
    assert [p["id"] for p in api("GET", "/inspections/plans", teacher).get_json()["items"]] == [plan["id"]]
    assert api("GET", "/inspections/plans", token_of(school.keeper)).get_json()["items"] == []
    assert api("POST", f"/inspections/plans/{plan['id']}/rounds/current", token_of(school.keeper)).status_code == 403
    opened = api("POST", f"/inspections/plans/{plan['id']}/rounds/current", teacher)
    assert opened.status_code == 200
    current = opened.get_json()
    assert sorted(t["code"] for t in current["targets"]) == sorted(u.current_tag.code for u in units) and current["results"] == []
    batch = {"results": [{"id": str(uuid.uuid4()), "code": u.current_tag.code, "line": "k1", "passed": True} for u in units]
             + [{"id": str(uuid.uuid4()), "code": units[0].current_tag.code, "line": "k2", "passed": False, "note": "铅封脱落"}]}
    first = api("POST", f"/inspections/rounds/{current['id']}/results", teacher, json=batch)
    again = api("POST", f"/inspections/rounds/{current['id']}/results", teacher, json=batch)
    assert [r["outcome"] for r in first.get_json()["results"]] == ["recorded"] * 4
    assert [r["outcome"] for r in again.get_json()["results"]] == ["replayed"] * 4
    report_id = first.get_json()["results"][3]["damage_report_id"]
    assert report_id is not None and again.get_json()["results"][3]["damage_report_id"] == report_id
    assert db.session.scalar(select(func.count()).select_from(InspectionResult)) == 4
    assert db.session.scalar(select(func.count()).select_from(DamageReport)) == 1
    read = api("GET", f"/inspections/rounds/{current['id']}", teacher).get_json()
    assert len(read["results"]) == 4 and {r["recorded_by"] for r in read["results"]} == {school.staff.display_name}


def test_bad_input_gets_a_clear_answer_and_changes_nothing(api, school, token_of):
    category = make_category("灭火器")
    unit = make_asset(school.admin, name="灭火器", asset_number="MHQ-1", category_id=category.id)
    office = token_of(school.admin)
    plan = api("POST", "/inspections/plans", office, json=_plan_body(category.id, school.staff.id)).get_json()
    current = api("POST", f"/inspections/plans/{plan['id']}/rounds/current", office).get_json()
    one = {"id": str(uuid.uuid4()), "code": unit.current_tag.code, "line": "k1", "passed": True}
    for body, status, said in [
        ({"results": [one, {**one, "id": str(uuid.uuid4()), "line": "k9"}]}, 422, "not a line of this round"),
        ({"results": [one, {**one, "id": str(uuid.uuid4()), "code": school.asset.current_tag.code}]}, 422, "not one of the items"),
        ({"results": [{**one, "passed": False}]}, 422, "Say in a word"),
        ({"results": [{**one, "id": "not-a-uuid"}]}, 422, ""),
        ({"results": []}, 422, ""),
    ]:
        answer = api("POST", f"/inspections/rounds/{current['id']}/results", office, json=body)
        assert answer.status_code == status, (body, answer.get_json())
        assert said in answer.get_json().get("detail", "") + str(answer.get_json().get("errors", ""))
    assert db.session.scalar(select(func.count()).select_from(InspectionResult)) == 0
    refused = api("POST", "/inspections/plans", token_of(school.keeper), json=_plan_body(category.id, school.staff.id))
    assert refused.status_code == 403
    assert api("POST", "/inspections/plans", office, json={**_plan_body(category.id, school.staff.id), "checklist": []}).status_code == 422
    stranger = make_user(Role.STAFF)
    assert api("POST", f"/inspections/rounds/{current['id']}/results", token_of(stranger), json={"results": [one]}).status_code == 403


def test_the_office_changes_switches_off_and_closes_over_the_api(api, school, token_of):
    from datetime import timedelta

    from tagsvc.inspections.models import InspectionPlan, InspectionRound
    from tagsvc.inspections.services import open_round, today

    category = make_category("灭火器")
    unit = make_asset(school.admin, name="灭火器", asset_number="MHQ-1", category_id=category.id)
    office = token_of(school.admin)
    plan = api("POST", "/inspections/plans", office, json=_plan_body(category.id, school.staff.id)).get_json()
    changed_body = {**_plan_body(category.id, school.staff.id), "checklist": ["压力表指针在绿区（绿色区域）", "铅封、保险销完好", "喷管无老化"],
                    "version": plan["version"]}
    # Someone else's change first: the stale version is refused and changes nothing.
    assert api("PUT", f"/inspections/plans/{plan['id']}", office, json={**changed_body, "version": plan["version"] + 1}).status_code == 409
    assert api("PUT", f"/inspections/plans/{plan['id']}", token_of(school.keeper), json=changed_body).status_code == 403
    assert api("PUT", f"/inspections/plans/{plan['id']}", office, json={**changed_body, "checklist": []}).status_code == 422
    assert len(db.session.get(InspectionPlan, plan["id"]).checklist) == 2
    changed = api("PUT", f"/inspections/plans/{plan['id']}", office, json=changed_body)
    assert changed.status_code == 200, changed.get_json()
    assert [(line["key"], line["text"]) for line in changed.get_json()["checklist"]] == [
        ("k3", "压力表指针在绿区（绿色区域）"), ("k2", "铅封、保险销完好"), ("k4", "喷管无老化")]  # new words, new keys
    assert changed.get_json()["version"] == plan["version"] + 1

    # A past month's round is closed once; a result sent to it afterwards is refused; the current round cannot be closed.
    past = open_round(school.admin, plan["id"], today().replace(day=1) - timedelta(days=1))
    closed = api("POST", f"/inspections/rounds/{past.id}/close", office)
    assert closed.status_code == 200 and closed.get_json()["closed_at"] is not None
    assert api("POST", f"/inspections/rounds/{past.id}/close", office).status_code == 409
    late = {"results": [{"id": str(uuid.uuid4()), "code": unit.current_tag.code, "line": "k1", "passed": True}]}
    assert api("POST", f"/inspections/rounds/{past.id}/results", office, json=late).status_code == 409
    running = api("POST", f"/inspections/plans/{plan['id']}/rounds/current", office).get_json()
    assert api("POST", f"/inspections/rounds/{running['id']}/close", office).status_code == 409
    assert api("POST", f"/inspections/rounds/{running['id']}/close", token_of(school.staff)).status_code == 403
    assert db.session.get(InspectionRound, running["id"]).closed_at is None

    # Switched off: no round today for anyone, until it is switched on.
    assert api("PUT", f"/inspections/plans/{plan['id']}/active", token_of(school.staff), json={"active": False}).status_code == 403
    off = api("PUT", f"/inspections/plans/{plan['id']}/active", office, json={"active": False})
    assert off.status_code == 200 and off.get_json()["active"] is False
    assert api("PUT", f"/inspections/plans/{plan['id']}/active", office, json={"active": "maybe"}).status_code == 422


def _photo_bytes(size=(2000, 1500)) -> bytes:
    from io import BytesIO

    from PIL import Image

    out, exif = BytesIO(), Image.Exif()
    exif[0x010F] = "PhoneMaker"  # what a phone writes into its photos (with where it was taken)
    Image.new("RGB", size, (180, 30, 30)).save(out, format="JPEG", exif=exif)
    return out.getvalue()


def test_a_failed_lines_photo_joins_the_line_and_its_damage_report_once(api, school, token_of):
    from io import BytesIO

    from PIL import Image

    from tagsvc.photos.services import stored_photo
    from tagsvc.repairs.models import ReportPhoto

    category = make_category("灭火器")
    unit = make_asset(school.admin, name="灭火器", asset_number="MHQ-1", category_id=category.id)
    teacher = token_of(school.staff)
    plan = api("POST", "/inspections/plans", token_of(school.admin), json=_plan_body(category.id, school.staff.id)).get_json()
    current = api("POST", f"/inspections/plans/{plan['id']}/rounds/current", teacher).get_json()
    failed_id, passed_id = str(uuid.uuid4()), str(uuid.uuid4())
    photo = _photo_bytes()
    jpeg = {"Content-Type": "image/jpeg"}
    # Before its line arrives, a photo has nothing to join.
    early = api("PUT", f"/inspections/results/{failed_id}/photo", teacher, data=photo, headers=jpeg)
    assert early.status_code == 404 and "send the line before its photo" in early.get_json()["detail"]
    api("POST", f"/inspections/rounds/{current['id']}/results", teacher, json={"results": [
        {"id": failed_id, "code": unit.current_tag.code, "line": "k1", "passed": False, "note": "指针在红区"},
        {"id": passed_id, "code": unit.current_tag.code, "line": "k2", "passed": True}]})
    for token, result_id, body, status, said in [
        (teacher, passed_id, photo, 422, "Only a failed line"),
        (teacher, failed_id, b"not a photo at all", 422, "not a photo"),
        (teacher, failed_id, b"", 422, "empty"),
        (token_of(school.keeper), failed_id, photo, 403, "Only the person who checked"),
    ]:
        answer = api("PUT", f"/inspections/results/{result_id}/photo", token, data=body, headers=jpeg)
        assert answer.status_code == status and said in answer.get_json()["detail"], answer.get_json()
    assert db.session.scalar(select(func.count()).select_from(ReportPhoto)) == 0
    # A photo larger than a JSON body may be (256 KB) is taken: it is a photo.
    big = _photo_bytes((3000, 3000)) + b"\0" * 300_000
    first = api("PUT", f"/inspections/results/{failed_id}/photo", teacher, data=big, headers=jpeg)
    assert first.status_code == 200, first.get_json()
    again = api("PUT", f"/inspections/results/{failed_id}/photo", teacher, data=photo, headers=jpeg)  # a retry: the first stands
    assert again.status_code == 200 and again.get_json()["photo_url"] == first.get_json()["photo_url"]
    result = db.session.scalar(select(InspectionResult).where(InspectionResult.result_id == failed_id))
    report_photos = db.session.scalars(select(ReportPhoto)).all()
    assert [p.name for p in report_photos] == [result.photo] and report_photos[0].report_id == result.damage_report_id
    kept = Image.open(BytesIO(stored_photo(result.photo)))
    assert max(kept.size) <= 1600 and not kept.getexif()  # re-encoded, without what the phone wrote into it
    read = api("GET", f"/inspections/rounds/{current['id']}", teacher).get_json()
    assert [r["photo_url"] is not None for r in sorted(read["results"], key=lambda r: r["line_key"])] == [True, False]
