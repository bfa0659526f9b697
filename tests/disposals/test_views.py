"""Disposal pages: propose from an item's page and from a not-repairable repair, the office's decision, the record."""
import re
from io import BytesIO

import pytest
from PIL import Image
from sqlalchemy import func, select

from tagsvc.assets.models import Asset, AssetStatus
from tagsvc.disposals.models import Disposal, DisposalStatus
from tagsvc.extensions import db
from tests.disposals.conftest import propose
from tests.forms_on_pages import form_on, form_values


def proposal_form(html: str) -> dict:
    return form_values(re.search(r'<form method="post" class="card" enctype="multipart/form-data"[^>]*>(.*?)</form>', html, re.S).group(1))


def jpeg() -> BytesIO:
    out = BytesIO()
    Image.new("RGB", (320, 240), "gray").save(out, "JPEG")
    out.seek(0)
    return out


def test_a_keeper_proposes_from_the_label_page_and_the_office_approves_and_prints(app, client, login_as, school):
    code = school.printer.current_tag.code
    login_as(school.keeper)
    label = client.get(f"/t/{code}").get_data(as_text=True)
    assert f'href="/disposals/new?asset={school.printer.id}"' in label
    page = client.get(f"/disposals/new?asset={school.printer.id}").get_data(as_text=True)
    assert "Up to 20,000 yuan: one approval from the office head." in page
    response = client.post(f"/disposals/new?asset={school.printer.id}", data={**proposal_form(page), "reason_kind": "obsolete",
                                                                             "reason": "配件停产", "photos": [(jpeg(), "p.jpg")]},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    disposal = db.session.scalar(select(Disposal))
    assert len(disposal.photos) == 1
    public = app.test_client().get(f"/t/{code}").get_data(as_text=True)
    assert "Proposed for disposal since" in public and "配件停产" not in public

    login_as(school.head)
    detail = client.get(f"/disposals/{disposal.id}").get_data(as_text=True)
    answer = client.post(f"/disposals/{disposal.id}/approve", data=form_on(detail, f"/disposals/{disposal.id}/approve"), follow_redirects=True)
    assert "its items are disposed of and their labels retired" in answer.get_data(as_text=True)
    public = app.test_client().get(f"/t/{code}").get_data(as_text=True)
    assert "Disposed of on" in public and "This label is no longer in use." in public and "Report damage" not in public
    record = client.get(f"/disposals/{disposal.id}/record").get_data(as_text=True)
    assert "Asset disposal record (报废单)" in record and disposal.number in record and "DYJ-001" in record and "M1136" in record
    assert "1500.00" in record and "后勤王主任" in record
    assert "Written off in" in client.get("/disposals").get_data(as_text=True)


def test_a_young_item_is_warned_about_and_a_dear_one_needs_two_approvers(client, login_as, school):
    login_as(school.keeper)
    page = client.get(f"/disposals/new?asset={school.young_printer.id}&asset={school.whiteboard.id}").get_data(as_text=True)
    assert "has been in use for 2 years; its category’s minimum before disposal is 6 years" in page
    assert "Above 20,000 yuan: two approvals" in page
    disposal = propose(school, [school.whiteboard])
    login_as(school.head)
    detail = client.get(f"/disposals/{disposal.id}").get_data(as_text=True)
    answer = client.post(f"/disposals/{disposal.id}/approve", data=form_on(detail, f"/disposals/{disposal.id}/approve"), follow_redirects=True)
    text = answer.get_data(as_text=True)
    assert "needs a second approver" in text and f"/disposals/{disposal.id}/approve" not in text  # not twice by the same person
    login_as(school.second)
    detail = client.get(f"/disposals/{disposal.id}").get_data(as_text=True)
    client.post(f"/disposals/{disposal.id}/approve", data=form_on(detail, f"/disposals/{disposal.id}/approve"))
    assert db.session.get(Asset, school.whiteboard.id).status == AssetStatus.DISPOSED


def test_a_not_repairable_repair_leads_to_its_disposal(client, login_as, school):
    from tagsvc.repairs import services as repairs
    from tagsvc.repairs.models import DamageKind

    report = repairs.submit_report(school.keeper, school.printer.current_tag.code, DamageKind.NOT_WORKING, "不出纸")
    repairs.triage_report(school.head, report.id, repairs.Triage("accept", assignee_id=school.head.id))
    repairs.finish_repair(school.head, report.id, "主板烧坏", repairable=False)
    login_as(school.keeper)
    repair = client.get(f"/repairs/{report.id}").get_data(as_text=True)
    assert f'href="/disposals/new?report={report.id}"' in repair
    page = client.get(f"/disposals/new?report={report.id}").get_data(as_text=True)
    assert "found it beyond repair: 主板烧坏" in page
    client.post(f"/disposals/new?report={report.id}", data=proposal_form(page))
    disposal = db.session.scalar(select(Disposal))
    assert disposal.repair_report_id == report.id and disposal.reason_kind == "not_repairable"


def test_the_office_rejects_with_a_reason_and_the_keeper_reads_it(client, login_as, school):
    disposal = propose(school)
    login_as(school.head)
    detail = client.get(f"/disposals/{disposal.id}").get_data(as_text=True)
    refused = client.post(f"/disposals/{disposal.id}/reject", data=form_on(detail, f"/disposals/{disposal.id}/reject"), follow_redirects=True)
    assert "Say why" in refused.get_data(as_text=True) and db.session.get(Disposal, disposal.id).status == DisposalStatus.PROPOSED
    client.post(f"/disposals/{disposal.id}/reject", data={**form_on(detail, f"/disposals/{disposal.id}/reject"), "reason": "还能用"})
    login_as(school.keeper)
    assert "还能用" in client.get(f"/disposals/{disposal.id}").get_data(as_text=True)


@pytest.mark.parametrize("who, propose_status, read_status", [
    ("library_keeper", 403, 404), ("staff", 403, 404), ("repairer", 403, 404), ("keeper", 200, 200), ("head", 200, 200)])
def test_who_proposes_and_who_reads(client, login_as, school, who, propose_status, read_status):
    disposal = propose(school)
    login_as(getattr(school, who))
    assert client.get(f"/disposals/new?asset={school.printer.id}").status_code == propose_status
    assert client.get(f"/disposals/{disposal.id}").status_code == read_status
    if who != "head":
        detail = client.get(f"/disposals/{disposal.id}").get_data(as_text=True)
        assert "Approve the disposal" not in detail
        client.post(f"/disposals/{disposal.id}/approve", data={})  # no CSRF token, no right: refused either way
        assert db.session.get(Disposal, disposal.id).status == DisposalStatus.PROPOSED


def test_anonymous_people_are_sent_to_sign_in(client, school):
    assert client.get("/disposals").status_code == 302 and client.get("/approvals").status_code == 302
    assert db.session.scalar(select(func.count()).select_from(Disposal)) == 0


def test_the_register_ticks_several_items_for_one_disposal(client, login_as, school):
    login_as(school.keeper)
    register = client.get("/assets?q=打印机").get_data(as_text=True)
    assert 'formaction="/disposals/new"' in register
    page = client.get(f"/disposals/new?asset={school.printer.id}&asset={school.young_printer.id}").get_data(as_text=True)
    assert "2 items" in page and "3,100.00" in page


def test_the_register_filtered_to_disposed_items_shows_what_was_written_off(client, login_as, school):
    from tagsvc.disposals.services import approve_disposal

    approve_disposal(school.head, propose(school).id)
    login_as(school.head)
    page = client.get("/assets?status=disposed").get_data(as_text=True)
    assert "DYJ-001" in page and "Written off in" in page and "1 item, book value 1,500.00 yuan" in page
    assert "DYJ-001" not in client.get("/assets").get_data(as_text=True)  # out of the active list
    login_as(school.keeper)
    assert 'id="write-offs"' not in client.get("/assets?status=disposed").get_data(as_text=True)  # the office's figure
