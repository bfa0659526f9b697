"""Idempotency-Key: a retried request does its work once and gets the first answer again."""
from __future__ import annotations

import threading

from sqlalchemy import func, select

from tagsvc.assets.models import Asset
from tagsvc.extensions import db
from tagsvc.tags.models import Tag

NEW_ASSET = {"asset_number": "ZC-RETRY-1", "name": "课桌"}


def _assets_numbered(number: str) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(Asset).where(Asset.asset_number == number))


def test_a_retried_creation_does_the_work_once_and_answers_the_same(api, school, token_of):
    token = token_of(school.admin)
    first = api("POST", "/assets", token, json=NEW_ASSET, headers={"Idempotency-Key": "phone-7f3a"})
    again = api("POST", "/assets", token, json=NEW_ASSET, headers={"Idempotency-Key": "phone-7f3a"})
    assert first.status_code == again.status_code == 201
    assert again.get_json() == first.get_json() and again.headers["Location"] == first.headers["Location"]
    assert again.headers["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first.headers
    assert _assets_numbered("ZC-RETRY-1") == 1


def test_without_a_key_each_request_is_new(api, school, token_of):
    token = token_of(school.admin)
    codes = {api("POST", f"/assets/{school.asset.id}/label", token).get_json()["code"] for _ in range(2)}
    assert len(codes) == 2
    with_key = {api("POST", f"/assets/{school.asset.id}/label", token, headers={"Idempotency-Key": "k1"}).get_json()["code"] for _ in range(2)}
    assert len(with_key) == 1
    assert db.session.scalar(select(func.count()).select_from(Tag).where(Tag.asset_id == school.asset.id)) == 4


def test_the_same_key_for_another_request_is_refused(api, school, token_of):
    token = token_of(school.admin)
    api("POST", "/assets", token, json=NEW_ASSET, headers={"Idempotency-Key": "k2"})
    other = api("POST", "/assets", token, json={**NEW_ASSET, "asset_number": "ZC-RETRY-2"}, headers={"Idempotency-Key": "k2"})
    assert other.status_code == 422 and "different request" in other.get_json()["detail"]
    assert _assets_numbered("ZC-RETRY-2") == 0


def test_keys_belong_to_their_person(api, school, token_of):
    api("POST", "/assets", token_of(school.admin), json=NEW_ASSET, headers={"Idempotency-Key": "same"})
    keeper_asset = {"asset_number": "ZC-RETRY-3", "name": "椅子", "department_id": school.asset.department_id}
    answer = api("POST", "/assets", token_of(school.keeper), json=keeper_asset, headers={"Idempotency-Key": "same"})
    assert answer.status_code == 201 and _assets_numbered("ZC-RETRY-3") == 1


def test_a_refused_request_lets_go_of_its_key(api, school, token_of):
    token = token_of(school.admin)
    taken = {"asset_number": school.asset.asset_number, "name": "椅子"}
    assert api("POST", "/assets", token, json=taken, headers={"Idempotency-Key": "k3"}).status_code == 409
    # The office renumbers the other asset; the same request, sent again with its key, now does the work.
    assert api("PATCH", f"/assets/{school.asset.id}", token, json={"asset_number": "ZC-OLD"}, headers={"If-Match": '"1"'}).status_code == 200
    assert api("POST", "/assets", token, json=taken, headers={"Idempotency-Key": "k3"}).status_code == 201


def test_an_unusable_key_is_refused(api, school, token_of):
    answer = api("POST", "/assets", token_of(school.admin), json=NEW_ASSET, headers={"Idempotency-Key": "x" * 300})
    assert answer.status_code == 422 and _assets_numbered("ZC-RETRY-1") == 0


def test_the_same_request_sent_twice_at_once_is_done_once(app, school, token_of):
    """Two copies of one request racing (a phone retrying while the first is still on its way): one does the work,
    the other gets its answer or is told to wait (409). On PostgreSQL when TAGSVC_TEST_DATABASE_URL is set."""
    token = token_of(school.admin)
    barrier, statuses = threading.Barrier(4), []

    def send() -> None:
        client = app.test_client()
        barrier.wait()
        statuses.append(client.post("/api/v1/assets", json=NEW_ASSET, headers={"Authorization": f"Bearer {token}", "Idempotency-Key": "race"}).status_code)

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses.count(201) >= 1 and set(statuses) <= {201, 409}
    assert _assets_numbered("ZC-RETRY-1") == 1
