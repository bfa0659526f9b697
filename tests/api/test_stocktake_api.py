"""Stocktakes over the API: batches from a phone's queue counted once, bad batches refused whole, the role matrix."""
import uuid

import pytest
from sqlalchemy import func, select

from tagsvc.extensions import db
from tagsvc.stocktake import reconciling, services
from tagsvc.stocktake.models import Stocktake, StocktakeDevice, StocktakeItem, StocktakeScan
from tests.stocktake.conftest import build_floor, open_floor_stocktake


@pytest.fixture
def floor(app):
    return build_floor()


@pytest.fixture
def stocktake(floor):
    return open_floor_stocktake(floor)


def counted(stocktake) -> int:
    return db.session.scalar(select(func.count(StocktakeItem.confirmed_at)).where(StocktakeItem.stocktake_id == stocktake.id))


def confirmation(asset, room, **extra):
    return {"id": str(uuid.uuid4()), "code": asset.current_tag.code, "location_id": room.id, **extra}


def batch(*confirmations, pending=0, device="phone-1"):
    return {"device_id": device, "pending": pending, "confirmations": list(confirmations)}


def test_a_batch_confirms_and_a_replay_counts_nothing_twice(api, token_of, floor, stocktake):
    token = token_of(floor.keeper)
    body = batch(*(confirmation(floor.items[k], floor.rooms["301"]) for k in ("301-bed1", "301-bed2", "301-chair")))
    first = api("POST", f"/stocktakes/{stocktake.id}/confirmations", token, json=body)
    again = api("POST", f"/stocktakes/{stocktake.id}/confirmations", token, json=body)
    assert first.status_code == 200 and [r["outcome"] for r in first.json["results"]] == ["confirmed"] * 3
    assert [r["replayed"] for r in again.json["results"]] == [True] * 3
    assert counted(stocktake) == 3


def test_the_second_person_is_told_who_confirmed_first(api, token_of, floor, stocktake):
    bed = floor.items["302-bed1"]
    api("POST", f"/stocktakes/{stocktake.id}/confirmations", token_of(floor.keeper), json=batch(confirmation(bed, floor.rooms["302"])))
    second = api("POST", f"/stocktakes/{stocktake.id}/confirmations", token_of(floor.office), json=batch(confirmation(bed, floor.rooms["302"])))
    result = second.json["results"][0]
    assert (result["outcome"], result["first_by"]) == ("already_confirmed", "宿管李阿姨") and result["first_at"]


def test_a_misplaced_item_answers_where_it_is_booked(api, token_of, floor, stocktake):
    answer = api("POST", f"/stocktakes/{stocktake.id}/confirmations", token_of(floor.keeper),
                 json=batch(confirmation(floor.items["301-chair"], floor.rooms["303"])))
    assert answer.json["results"][0]["misplaced"] is True and answer.json["results"][0]["booked_in"] == "宿舍A栋 › 3F › 301"


@pytest.mark.parametrize("body, field", [
    ({"confirmations": []}, "confirmations"),
    ({"confirmations": [{"id": "not-a-uuid", "code": "ABCDEFGH"}]}, "confirmations"),
    ({"confirmations": [{"id": str(uuid.uuid4())}]}, "confirmations"),
    ({"confirmations": [{"id": str(uuid.uuid4()), "code": "ABCDEFGH", "extra": 1}]}, "confirmations"),
    ({"confirmations": [{"id": str(uuid.uuid4()), "code": "ABCDEFGH"}], "device_id": "a b"}, "device_id"),
])
def test_a_malformed_batch_is_refused_with_the_field_and_changes_nothing(api, token_of, floor, stocktake, body, field):
    answer = api("POST", f"/stocktakes/{stocktake.id}/confirmations", token_of(floor.keeper), json=body)
    assert answer.status_code == 422 and field in answer.json["errors"]["json"]
    assert db.session.scalar(select(func.count()).select_from(StocktakeScan)) == 0


def test_a_batch_of_ten_thousand_is_refused_whole(api, token_of, floor, stocktake):
    body = batch(*(confirmation(floor.items["301-bed1"], floor.rooms["301"]) for _ in range(10_000)))
    answer = api("POST", f"/stocktakes/{stocktake.id}/confirmations", token_of(floor.keeper), json=body)
    assert answer.status_code in (413, 422) and answer.json["detail"]
    assert counted(stocktake) == 0


def test_a_room_outside_the_scope_refuses_the_batch(api, token_of, floor, stocktake):
    body = batch(confirmation(floor.items["301-bed1"], floor.rooms["301"]), confirmation(floor.items["301-bed2"], floor.other_block))
    answer = api("POST", f"/stocktakes/{stocktake.id}/confirmations", token_of(floor.keeper), json=body)
    assert answer.status_code == 422 and "宿舍B栋" in answer.json["detail"]
    assert counted(stocktake) == 0


def test_a_closed_stocktake_refuses_confirmations(api, token_of, floor, stocktake):
    services.close_stocktake(floor.office, stocktake.id)
    answer = api("POST", f"/stocktakes/{stocktake.id}/confirmations", token_of(floor.keeper), json=batch(confirmation(floor.items["301-bed1"], floor.rooms["301"])))
    assert answer.status_code == 409 and "closed" in answer.json["detail"]


@pytest.mark.parametrize("who, status", [("office", 200), ("keeper", 200), ("other_keeper", 200), ("staff", 403)])
def test_who_may_send_confirmations(api, token_of, floor, stocktake, who, status):
    # other_keeper takes part (keeper of 教务处, whose projector is in scope); staff never sees a stocktake.
    services.assign_participant(floor.office, stocktake.id, services.Assignment(floor.other_keeper.id, department_id=floor.teaching.id))
    answer = api("POST", f"/stocktakes/{stocktake.id}/confirmations", token_of(getattr(floor, who)),
                 json=batch(confirmation(floor.projector, floor.rooms["301"])))
    assert answer.status_code == status
    if status == 200:
        assert answer.json["results"][0]["outcome"] == ("not_on_list" if who == "keeper" else "confirmed")


def test_staff_and_the_public_get_nothing(api, token_of, floor, stocktake):
    assert api("GET", f"/stocktakes/{stocktake.id}", token_of(floor.staff)).status_code == 404
    assert api("GET", "/stocktakes", token_of(floor.staff)).json["items"] == []
    assert api("GET", f"/stocktakes/{stocktake.id}").status_code == 401


def test_a_device_reports_what_it_holds_and_the_office_must_name_it_to_close(api, token_of, floor, stocktake):
    assert api("PUT", f"/stocktakes/{stocktake.id}/devices/phone-7", token_of(floor.keeper), json={"pending": 5}).status_code == 204
    office = token_of(floor.office)
    refused = api("POST", f"/stocktakes/{stocktake.id}/close", office, json={})
    assert refused.status_code == 409 and "5 confirmations" in refused.json["detail"]
    assert api("POST", f"/stocktakes/{stocktake.id}/close", office, json={"pending_override": 5}).json["status"] == "closed"
    assert db.session.scalar(select(StocktakeDevice.pending)) == 5


def test_the_office_opens_a_stocktake_through_the_api(api, token_of, floor):
    answer = api("POST", "/stocktakes", token_of(floor.office), json={"name": "API 盘点", "scope": {"location_ids": [floor.floor.id]}},
                 headers={"Idempotency-Key": "open-1"})
    assert answer.status_code == 201 and answer.json["expected_count"] == 10
    again = api("POST", "/stocktakes", token_of(floor.office), json={"name": "API 盘点", "scope": {"location_ids": [floor.floor.id]}},
                headers={"Idempotency-Key": "open-1"})
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert db.session.scalar(select(func.count()).select_from(Stocktake)) == 1
    assert api("POST", "/stocktakes", token_of(floor.keeper), json={"name": "x"}).status_code == 403


def test_a_room_list_shows_what_is_still_missing(api, token_of, floor, stocktake):
    token = token_of(floor.keeper)
    api("POST", f"/stocktakes/{stocktake.id}/confirmations", token, json=batch(confirmation(floor.items["303-bed1"], floor.rooms["303"])))
    room = api("GET", f"/stocktakes/{stocktake.id}/rooms/{floor.rooms['303'].id}", token).json
    assert [i["name"] for i in room["found"]] == ["303床1"]
    assert sorted(i["name"] for i in room["missing"]) == ["303床2", "303椅子"]


def test_a_finding_is_recorded_once_per_id(api, token_of, floor, stocktake):
    body = {"id": str(uuid.uuid4()), "name": "饮水机", "location_id": floor.rooms["301"].id}
    token = token_of(floor.keeper)
    assert api("POST", f"/stocktakes/{stocktake.id}/findings", token, json=body).status_code == 201
    api("POST", f"/stocktakes/{stocktake.id}/findings", token, json=body)
    assert len(reconciling.reconciliation(floor.office, stocktake.id).surplus) == 1


def test_twenty_phones_at_once_with_retries_count_every_item_exactly_once(app, token_of, floor, stocktake):
    """Twenty keepers scanning the same floor at the same moment, each sending its batch twice (a lost answer):
    each item is counted once, by one of them, and everyone else is told it was already confirmed. Run on
    PostgreSQL in CI (TAGSVC_TEST_DATABASE_URL), where the writers really are concurrent."""
    import threading

    from tagsvc.accounts.models import Role
    from tests.factories import make_user

    keepers = [make_user(Role.KEEPER, departments=[floor.dorms]) for _ in range(20)]
    for keeper in keepers:
        services.assign_participant(floor.office, stocktake.id, services.Assignment(keeper.id, department_id=floor.dorms.id))
    tokens = [token_of(k) for k in keepers]
    dorm_items = list(floor.items.values())
    bodies = [batch(*(confirmation(a, a.location) for a in dorm_items), device=f"phone-{n}") for n in range(len(tokens))]
    barrier, answers, errors = threading.Barrier(len(tokens)), [], []

    def phone(token: str, n: int) -> None:
        client = app.test_client()
        body = bodies[n]
        barrier.wait()
        for _attempt in range(2):
            answer = client.post(f"/api/v1/stocktakes/{stocktake.id}/confirmations", json=body, headers={"Authorization": f"Bearer {token}"})
            if answer.status_code != 200:
                errors.append((answer.status_code, answer.get_json()))
                continue
            answers.append(answer.get_json()["results"])

    threads = [threading.Thread(target=phone, args=(token, n)) for n, token in enumerate(tokens)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    first_sends = [r for results in answers for r in results if not r["replayed"]]
    assert sorted(r["name"] for r in first_sends if r["outcome"] == "confirmed") == sorted(a.name for a in dorm_items)
    assert {r["outcome"] for r in first_sends} == {"confirmed", "already_confirmed"}
    db.session.expire_all()
    assert counted(stocktake) == len(dorm_items)
    assert db.session.scalar(select(func.count()).select_from(StocktakeScan)) == 20 * len(dorm_items)


def test_the_office_reads_the_reconciliation_and_settles_a_difference(api, token_of, floor, stocktake):
    keeper, office = token_of(floor.keeper), token_of(floor.office)
    api("POST", f"/stocktakes/{stocktake.id}/confirmations", keeper, json=batch(confirmation(floor.items["301-bed1"], floor.rooms["302"])))
    assert api("GET", f"/stocktakes/{stocktake.id}/reconciliation", keeper).status_code == 403
    api("POST", f"/stocktakes/{stocktake.id}/close", office, json={})
    report = api("GET", f"/stocktakes/{stocktake.id}/reconciliation", office).json
    assert [i["name"] for i in report["misplaced"]] == ["301床1"] and len(report["missing"]) == 9 and report["match_rate"] == 0
    item = report["misplaced"][0]["id"]
    done = api("POST", f"/stocktakes/{stocktake.id}/items/{item}/resolution", office, json={"resolution": "moved"})
    assert done.status_code == 200 and done.json["resolution"] == "moved"
    again = api("POST", f"/stocktakes/{stocktake.id}/items/{item}/resolution", office, json={"resolution": "moved"})
    assert again.status_code == 409
    db.session.expire_all()
    assert floor.items["301-bed1"].location.name == "302"
