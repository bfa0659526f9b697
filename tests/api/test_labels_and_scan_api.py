"""Printing labels and looking up a scanned code over the API."""
from __future__ import annotations

import pytest

from tagsvc.labels.services import get_sheet
from tests.labels.pdf_reading import read_page_labels


def _token(role, school, token_of):
    return None if role == "anonymous" else token_of(getattr(school, role))


def test_the_office_prints_labels_and_downloads_the_pdf(api, school, token_of):
    token = token_of(school.admin)
    assert "a4-3x8" in [s["slug"] for s in api("GET", "/sheets", token).get_json()["items"]]
    made = api("POST", "/print-jobs", token, json={"asset_ids": [school.other_asset.id, school.asset.id], "sheet": "a4-3x8", "first_position": 3})
    assert made.status_code == 202
    job = made.get_json()
    assert job["status"] == "done" and job["label_count"] == 2 and made.headers["Location"].endswith(f"/print-jobs/{job['id']}")
    assert api("GET", f"/print-jobs/{job['id']}", token).get_json()["pdf_url"].endswith(f"/print-jobs/{job['id']}/pdf")
    pdf = api("GET", f"/print-jobs/{job['id']}/pdf", token)
    assert pdf.status_code == 200 and pdf.content_type == "application/pdf"
    labels = read_page_labels(pdf.data, get_sheet("a4-3x8"))
    assert sorted(labels) == [2, 3] and labels[2].endswith(school.other_asset.current_tag.code)


@pytest.mark.parametrize("role, expected", [("anonymous", 401), ("staff", 403), ("repairer", 403), ("keeper", 202),
                                            ("other_keeper", 403), ("admin", 202)])
def test_who_prints_an_assets_label(api, school, token_of, role, expected):
    answer = api("POST", "/print-jobs", _token(role, school, token_of), json={"asset_ids": [school.asset.id], "sheet": "a4-3x8"})
    assert answer.status_code == expected


def test_a_job_is_read_only_by_who_made_it_and_the_office(api, school, token_of):
    job = api("POST", "/print-jobs", token_of(school.keeper), json={"asset_ids": [school.asset.id], "sheet": "a4-3x8"}).get_json()
    assert api("GET", f"/print-jobs/{job['id']}", token_of(school.admin)).status_code == 200
    assert api("GET", f"/print-jobs/{job['id']}", token_of(school.other_keeper)).status_code == 404
    assert api("GET", f"/print-jobs/{job['id']}/pdf", token_of(school.other_keeper)).status_code == 404


def test_an_unknown_sheet_or_asset_is_refused_with_the_reason(api, school, token_of):
    token = token_of(school.admin)
    sheet = api("POST", "/print-jobs", token, json={"asset_ids": [school.asset.id], "sheet": "a4-9x99"})
    assert sheet.status_code == 422 and "a4-9x99" in sheet.get_json()["detail"]
    missing = api("POST", "/print-jobs", token, json={"asset_ids": [999999], "sheet": "a4-3x8"})
    assert missing.status_code == 422 and "no longer exist" in missing.get_json()["detail"]


def test_anyone_looks_up_a_code_and_learns_only_the_public_facts(api, school, token_of):
    code = school.asset.current_tag.code
    public = api("GET", f"/tags/{code[:4].lower()}-{code[4:].lower()}")
    assert public.status_code == 200
    body = public.get_json()
    assert body["asset"]["name"] == "多媒体投影仪" and body["asset"]["location"] == "301" and body["details"] is None
    assert "赵老师" not in public.get_data(as_text=True) and "3280" not in public.get_data(as_text=True)
    signed_in = api("GET", f"/tags/{code}", token_of(school.staff)).get_json()
    assert signed_in["details"]["custodian_name"] == "赵老师" and signed_in["details"]["price"] == "3280.00"
    # A keeper of another department sees the public facts only, as on the scan page.
    assert api("GET", f"/tags/{code}", token_of(school.other_keeper)).get_json()["details"] is None


def test_a_looked_up_code_shows_an_open_report_as_a_claim(api, school):
    from tagsvc.repairs.models import DamageKind
    from tagsvc.repairs.services import submit_report

    submit_report(None, school.asset.current_tag.code, DamageKind.BROKEN, "不亮", client_hash="phone")
    body = api("GET", f"/tags/{school.asset.current_tag.code}").get_json()
    assert body["asset"]["status"] == "in_use" and body["report"]["status"] == "new" and body["report"]["open"] is True


@pytest.mark.parametrize("code, words", [("ZZZZ-ZZZZ", "No asset"), ("not-a-code", "No asset")])
def test_an_unknown_code_is_404(api, school, code, words):
    answer = api("GET", f"/tags/{code}")
    assert answer.status_code == 404 and words in answer.get_json()["detail"]


def test_a_room_label_is_not_an_asset(api, school):
    from tagsvc.labels.services import room_tag_ids
    from tagsvc.tags.models import Tag
    from tagsvc.extensions import db

    tag = db.session.get(Tag, room_tag_ids(school.admin, [school.asset.location_id])[0])
    answer = api("GET", f"/tags/{tag.code}")
    assert answer.status_code == 404 and "room" in answer.get_json()["detail"]
