"""Answers a program can rely on: problem details, the right status for each failure, limits, the document."""
from __future__ import annotations

import json
import os

from tagsvc.assets.models import Asset
from tagsvc.extensions import db


def test_errors_are_problem_details_in_the_persons_language(api, school, token_of):
    answer = api("GET", "/assets/999999", token_of(school.admin), headers={"Accept-Language": "zh-CN"})
    assert answer.status_code == 404 and answer.content_type == "application/problem+json"
    body = answer.get_json()
    assert body["type"] == "about:blank" and body["title"] == "Not Found" and body["status"] == 404
    assert body["instance"] == "/api/v1/assets/999999" and "资产" in body["detail"]


def test_a_method_not_allowed_says_which_are(api, school, token_of):
    answer = api("DELETE", "/assets", token_of(school.admin))
    assert answer.status_code == 405 and set(answer.headers["Allow"].split(", ")) >= {"GET", "POST"}
    assert answer.content_type == "application/problem+json"


def test_malformed_json_is_a_400_that_says_so(api, school, token_of):
    answer = api("POST", "/assets", token_of(school.admin), data="{not json", content_type="application/json")
    assert answer.status_code == 400 and "JSON" in answer.get_json()["detail"]


def test_a_body_that_is_not_an_object_is_refused(api, school, token_of):
    answer = api("POST", "/assets", token_of(school.admin), data=json.dumps(["a", "list"]), content_type="application/json")
    assert answer.status_code == 422


def test_a_huge_body_is_refused_before_it_is_read(api, school, token_of):
    answer = api("POST", "/assets", token_of(school.admin), json={"asset_number": "X", "name": "书柜", "notes": "长" * 300_000})
    assert answer.status_code == 413 and answer.content_type == "application/problem+json"
    assert db.session.query(Asset).count() == 2


def test_control_characters_are_refused_not_stored(api, school, token_of):
    answer = api("POST", "/assets", token_of(school.admin), json={"asset_number": "ZC\u0000-1", "name": "书柜"})
    assert answer.status_code == 422 and "asset_number" in answer.get_json()["errors"]["json"]


def test_too_many_requests_get_429_with_retry_after(make_app, school, token_of):
    token, other_token, code = token_of(school.staff), token_of(school.admin), school.asset.current_tag.code
    client = make_app(API_RATE_LIMIT="3/minute", API_ANONYMOUS_RATE_LIMIT="2/minute").test_client()
    statuses = [client.get("/api/v1/departments", headers={"Authorization": f"Bearer {token}"}).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    refused = client.get("/api/v1/departments", headers={"Authorization": f"Bearer {token}"})
    assert 1 <= int(refused.headers["Retry-After"]) <= 60 and "Try again in" in refused.get_json()["detail"]
    # Another person's token has its own count; anonymous callers are counted by address.
    assert client.get("/api/v1/departments", headers={"Authorization": f"Bearer {other_token}"}).status_code == 200
    assert [client.get(f"/api/v1/tags/{code}").status_code for _ in range(3)] == [200, 200, 429]


def test_the_openapi_document_describes_every_operation_and_the_token(api, app):
    document = api("GET", "/openapi.json").get_json()
    assert document["openapi"].startswith("3.") and document["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    operations = {(method.upper(), path) for path, item in document["paths"].items() for method in item if method != "parameters"}
    assert {("GET", "/api/v1/tags/{code}"), ("GET", "/api/v1/assets"), ("POST", "/api/v1/assets"), ("PATCH", "/api/v1/assets/{asset_id}"),
            ("POST", "/api/v1/assets/{asset_id}/label"), ("GET", "/api/v1/locations"), ("POST", "/api/v1/reports/{report_id}/triage"),
            ("POST", "/api/v1/print-jobs"), ("GET", "/api/v1/print-jobs/{job_id}/pdf")} <= operations
    patch = document["paths"]["/api/v1/assets/{asset_id}"]["patch"]
    assert any(p["name"] == "If-Match" and p["required"] for p in patch["parameters"])
    post = document["paths"]["/api/v1/assets"]["post"]
    assert any(p["name"] == "Idempotency-Key" for p in post["parameters"])
    assert "application/problem+json" in json.dumps(document["components"]["responses"]["DEFAULT_ERROR"])


def test_the_reference_page_is_served_by_tagsvc_alone(client, app):
    english = client.get("/api/v1/reference", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "PATCH /api/v1/assets/{asset_id}" in english and "If-Match" in english and "token needed" in english
    assert "<script" not in english and "cdn" not in english.lower()


def test_the_reference_page_speaks_chinese(client, app):
    chinese = client.get("/api/v1/reference", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "API 参考" in chinese and "需要令牌" in chinese


def test_text_is_checked_as_sent_before_spaces_are_trimmed(api, school, token_of):
    """Python counts some control characters (U+001C to U+001F) as spaces: trimming first would let them through."""
    answer = api("POST", "/assets", token_of(school.admin), json={"asset_number": "ZC-9", "name": "书柜", "custodian_name": "\u001e赵老师"})
    assert answer.status_code == 422 and "custodian_name" in answer.get_json()["errors"]["json"]
    too_long = api("POST", "/assets", token_of(school.admin), json={"asset_number": "ZC-9", "name": " " + "书" * 200})
    assert too_long.status_code == 422 and "name" in too_long.get_json()["errors"]["json"]
    trimmed = api("POST", "/assets", token_of(school.admin), json={"asset_number": " ZC-9 ", "name": " 书柜 "})
    assert trimmed.status_code == 201 and trimmed.get_json()["asset_number"] == "ZC-9"


# With the production broker (CI's PostgreSQL run sets TAGSVC_TEST_QUEUE_URL to the machine's Redis): not defined at
# all without it, rather than skipped.
REDIS_URL = os.environ.get("TAGSVC_TEST_QUEUE_URL", "")
if REDIS_URL.startswith("redis://"):
    def test_two_app_servers_share_one_count_in_redis(make_app, school, token_of):
        """Several app servers: with the limits' count in Redis, a caller gets no more from two servers than from one."""
        _two_servers_share_one_count(make_app, school, token_of, REDIS_URL)


def _two_servers_share_one_count(make_app, school, token_of, url: str) -> None:
    import redis

    server = redis.Redis.from_url(url)
    stale = server.keys("LIMITS*")  # an earlier run's counts (token ids start again at 1 in each test)
    if stale:
        server.delete(*stale)
    token = token_of(school.staff)
    first, second = (make_app(API_RATE_LIMIT="4/minute", API_RATE_LIMIT_STORAGE=url).test_client() for _ in range(2))
    statuses = [client.get("/api/v1/departments", headers={"Authorization": f"Bearer {token}"}).status_code
                for client in (first, second, first, second, first, second)]
    assert statuses == [200, 200, 200, 200, 429, 429]
