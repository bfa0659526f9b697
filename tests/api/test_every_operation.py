"""Every operation in the OpenAPI document, taken from the document itself so that a new one cannot be forgotten:
what a caller without a token, with a revoked token and with a read-only token gets, and that each role's answers
never leak into a 5xx."""
from __future__ import annotations

import re

import pytest

from tagsvc.api.tokens import create_token, revoke_token
from tagsvc.repairs.models import DamageKind
from tagsvc.repairs.services import submit_report

PUBLIC = {("GET", "/api/v1/tags/{code}")}
SAFE = {"GET", "HEAD", "OPTIONS"}


def _operations(api) -> list[tuple[str, str]]:
    document = api("GET", "/openapi.json").get_json()
    return [(method.upper(), path) for path, item in document["paths"].items() for method in item if method != "parameters"]


def _filled(path: str, school, report_id: int) -> str:
    values = {"asset_id": school.asset.id, "code": school.asset.current_tag.code, "department_id": school.asset.department_id,
              "node_id": school.asset.location_id, "report_id": report_id, "job_id": 1,
              "stocktake_id": 1, "location_id": school.asset.location_id, "device_id": "phone-1", "item_id": 1,
              "transfer_id": 1, "handout_id": 1, "disposal_id": 1, "channel_id": 1, "plan_id": 1, "round_id": 1,
              "result_id": "00000000-0000-4000-8000-000000000000"}
    return re.sub(r"\{(\w+)\}", lambda m: str(values[m.group(1)]), path).removeprefix("/api/v1")


@pytest.fixture
def report(school):
    return submit_report(school.staff, school.asset.current_tag.code, DamageKind.BROKEN, "不亮")


def test_without_a_token_only_the_tag_lookup_answers(api, school, report):
    operations = _operations(api)
    assert len(operations) >= 25
    for method, path in operations:
        answer = api(method, _filled(path, school, report.id), json={})
        expected = {200} if (method, path) in PUBLIC else {401}
        assert answer.status_code in expected, (method, path, answer.status_code)
        if answer.status_code == 401:
            assert answer.content_type == "application/problem+json" and "Bearer" in answer.headers["WWW-Authenticate"]


def test_a_revoked_token_is_refused_everywhere(api, school, report):
    token, secret = create_token(school.admin, "old")
    revoke_token(school.admin, token.id)
    for method, path in _operations(api):
        answer = api(method, _filled(path, school, report.id), secret, json={})
        assert answer.status_code == 401, (method, path, answer.status_code)


def test_a_read_only_token_reads_everywhere_and_changes_nowhere(api, school, report):
    _token, secret = create_token(school.admin, "dashboard", read_only=True)
    for method, path in _operations(api):
        answer = api(method, _filled(path, school, report.id), secret, json={})
        if method in SAFE:
            assert answer.status_code in (200, 404), (method, path, answer.status_code)  # 404: print job 1, stocktake 1, transfer 1, loan 1 and disposal 1 do not exist
        else:
            assert answer.status_code == 403 and "read-only" in answer.get_json()["detail"], (method, path)


@pytest.mark.parametrize("role", ["staff", "repairer", "keeper", "other_keeper", "admin"])
def test_no_role_meets_a_server_error_anywhere(api, school, token_of, report, role):
    token = token_of(getattr(school, role))
    for method, path in _operations(api):
        if method == "DELETE":
            continue  # the office would really delete; covered in test_structure_api
        answer = api(method, _filled(path, school, report.id), token, json={}, headers={"If-Match": '"1"'})
        assert answer.status_code < 500, (method, path, answer.status_code)
        if answer.status_code >= 400:
            assert answer.content_type == "application/problem+json" and answer.get_json()["detail"]


@pytest.mark.parametrize("role", ["anonymous", "staff", "repairer", "keeper", "other_keeper", "admin"])
def test_the_tag_lookup_for_each_role(api, school, token_of, role):
    token = None if role == "anonymous" else token_of(getattr(school, role))
    body = api("GET", f"/tags/{school.asset.current_tag.code}", token).get_json()
    assert body["asset"]["id"] == school.asset.id
    assert (body["details"] is not None) is (role in ("staff", "repairer", "keeper", "admin"))


@pytest.mark.parametrize("role, expected", [("staff", 403), ("repairer", 403), ("keeper", 200), ("other_keeper", 200), ("admin", 200)])
def test_who_sees_the_label_sheets(api, school, token_of, role, expected):
    assert api("GET", "/sheets", token_of(getattr(school, role))).status_code == expected
