"""Reporting and repairing over HTTP: who may do what, bad input, what the pages say."""
import gzip
import re
from io import BytesIO

import pytest
from PIL import Image
from sqlalchemy import func, select

from tagsvc.accounts.models import Role
from tagsvc.extensions import db
from tagsvc.repairs import services
from tagsvc.repairs.models import DamageKind, DamageReport, Priority, ReportStatus
from tests.factories import make_asset, make_department, make_user

SCAN_PAGE_BUDGET = 14 * 1024


@pytest.fixture
def desk(app):
    return make_asset(name="课桌椅", asset_number="KZY-009", department_id=make_department("高二(1)班").id)


def jpeg() -> BytesIO:
    out = BytesIO()
    Image.new("RGB", (640, 480), "gray").save(out, "JPEG")
    out.seek(0)
    return out


def report_count() -> int:
    return db.session.scalar(select(func.count()).select_from(DamageReport))


def post_report(client, desk, **fields):
    data = {key: value for key, value in {"kind": "broken", "description": "桌腿松了", **fields}.items() if value is not None}
    return client.post(f"/t/{desk.current_tag.code}/report", data=data, content_type="multipart/form-data")


def test_the_scan_page_offers_to_report_damage(client, desk):
    page = client.get(f"/t/{desk.current_tag.code}").get_data(as_text=True)
    assert f'href="/t/{desk.current_tag.code}/report"' in page and "Report damage" in page


def test_anyone_reports_with_a_photo_and_sees_what_happens_next(client, desk):
    response = post_report(client, desk, photos=[(jpeg(), "desk.jpg")], reporter_name="李同学")
    assert response.status_code == 302 and response.location.endswith("/report/sent")
    page = client.get(response.location).get_data(as_text=True)
    assert "the report is sent" in page and "桌腿松了" in page and "What happens next" in page
    assert db.session.scalars(select(DamageReport)).one().photos
    scan = client.get(f"/t/{desk.current_tag.code}").get_data(as_text=True)
    assert "The logistics office will look at it soon." in scan and "Reported, waiting for the office" in scan
    assert "In use" in scan and "Damaged" not in scan and "known to be damaged" not in scan  # a claim, not a fact yet
    assert "Seen it too? Add to the report" in scan and ">Report damage<" not in scan


def test_the_confirmation_is_only_for_the_browser_that_sent_it(client, app, desk):
    post_report(client, desk)
    stranger = app.test_client()
    response = stranger.get(f"/t/{desk.current_tag.code}/report/sent")
    assert response.status_code == 302 and response.location == f"/t/{desk.current_tag.code}"


@pytest.mark.parametrize("fields, message", [
    ({"description": ""}, "Please describe what is wrong."),
    ({"photos": [(BytesIO(b"just some text"), "photo.jpg")]}, "not a photo"),
    ({"kind": "exploded"}, "Not a valid choice"),
])
def test_bad_reports_are_explained_and_nothing_is_stored(client, desk, fields, message):
    response = post_report(client, desk, **fields)
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert report_count() == 0


def test_a_second_reporter_adds_details_instead_of_a_new_report(client, app, desk):
    post_report(client, desk)
    other = app.test_client()
    page = other.get(f"/t/{desk.current_tag.code}/report").get_data(as_text=True)
    assert "This item has already been reported" in page and "Add to the report" in page
    report_id = db.session.scalar(select(DamageReport.id))
    response = other.post(f"/t/{desk.current_tag.code}/report/{report_id}/add", data={"note": "椅子也晃", "reporter_contact": "13900000000"})
    page = other.get(response.location).get_data(as_text=True)
    assert "your details were added" in page and "椅子也晃" in page
    assert "桌腿松了" not in page  # the sent page shows what this person sent, not the first reporter's words
    assert report_count() == 1


def test_a_report_cannot_be_reached_through_another_items_label(client, app, desk):
    """Report ids are not secrets: walking them from another label neither writes to nor reads another item's report."""
    post_report(client, desk, reporter_contact="13900000000")
    report_id = db.session.scalar(select(DamageReport.id))
    other_item = make_asset(name="书柜")
    walker = app.test_client()
    response = walker.post(f"/t/{other_item.current_tag.code}/report/{report_id}/add", data={"note": "随便写写", "reporter_name": "路人"})
    assert response.status_code == 302 and response.location.endswith(f"/t/{other_item.current_tag.code}/report")
    assert "not about this item" in walker.get(response.location).get_data(as_text=True)
    assert db.session.get(DamageReport, report_id).additions == []
    for code in (other_item.current_tag.code, desk.current_tag.code):
        response = walker.get(f"/t/{code}/report/sent")
        assert response.status_code == 302 and response.location == f"/t/{code}"


def test_a_browser_sees_its_own_report_only_through_that_items_label(client, desk):
    post_report(client, desk)
    other_item = make_asset(name="书柜")
    response = client.get(f"/t/{other_item.current_tag.code}/report/sent")
    assert response.status_code == 302 and response.location == f"/t/{other_item.current_tag.code}"


def test_a_flood_from_one_phone_gets_a_clear_answer(client, desk):
    assets = [make_asset() for _ in range(services.PER_CLIENT_PER_HOUR)]
    for asset in assets:
        assert post_report(client, asset).status_code == 302
    response = post_report(client, desk)
    assert response.status_code == 429 and "many reports in the last hour" in response.get_data(as_text=True)
    assert report_count() == services.PER_CLIENT_PER_HOUR


def test_the_report_form_is_within_the_scan_page_budget(client, desk):
    response = client.get(f"/t/{desk.current_tag.code}/report", headers={"Accept-Encoding": "gzip"})
    assert response.headers["Content-Encoding"] == "gzip"
    assert len(response.data) <= SCAN_PAGE_BUDGET
    html = gzip.decompress(response.data).decode()
    assert 'capture="environment"' in html and 'accept="image/*"' in html
    assert not re.search(r"<input[^>]*checked", html)  # nothing chosen for the person: they say what is wrong


def test_a_report_without_a_kind_is_asked_for_one_in_our_words(client, desk):
    response = post_report(client, desk, kind=None)
    assert response.status_code == 400 and "Choose what is wrong." in response.get_data(as_text=True)
    assert report_count() == 0


def test_the_office_triages_and_the_repairer_closes(client, login_as, desk):
    report = services.submit_report(None, desk.current_tag.code, DamageKind.BROKEN, "桌腿松了", client_hash="x")
    repairer = make_user(Role.REPAIRER, display_name="刘师傅")
    login_as(make_user(Role.ADMIN))
    assert "New: to decide" in client.get("/repairs").get_data(as_text=True)
    response = client.post(f"/repairs/{report.id}", data={"action": "triage", "decision": "accept", "priority": "urgent", "assignee_id": str(repairer.id), "merge_into_id": "", "note": ""})
    assert response.status_code == 302
    client.post("/logout")
    login_as(repairer)
    mine = client.get("/repairs/mine").get_data(as_text=True)
    assert "课桌椅" in mine and "Urgent" in mine
    client.post(f"/repairs/{report.id}/start")
    response = client.post(f"/repairs/{report.id}/finish", data={"finish-outcome": "done", "finish-note": "换了螺丝", "finish-parts_cost": "8.00"})
    assert response.location == "/repairs/mine"
    assert "No open work orders" in client.get("/repairs/mine").get_data(as_text=True)
    assert db.session.get(DamageReport, report.id).status == ReportStatus.DONE


@pytest.mark.parametrize("role, queue_status", [(Role.STAFF, 403), (Role.KEEPER, 200), (Role.REPAIRER, 403)])
def test_only_the_office_sees_the_queue_and_triages(client, login_as, desk, role, queue_status):
    report = services.submit_report(None, desk.current_tag.code, DamageKind.BROKEN, "桌腿松了", client_hash="x")
    login_as(make_user(role))  # a keeper of no department: their queue is empty
    queue = client.get("/repairs")
    assert queue.status_code == queue_status and "桌腿松了" not in queue.get_data(as_text=True)
    assert client.get(f"/repairs/{report.id}").status_code == 403
    client.post(f"/repairs/{report.id}", data={"action": "triage", "decision": "reject", "note": "no"})
    assert db.session.get(DamageReport, report.id).status == ReportStatus.NEW


def test_a_repairer_cannot_close_someone_elses_order(client, login_as, desk):
    report = services.submit_report(None, desk.current_tag.code, DamageKind.BROKEN, "桌腿松了", client_hash="x")
    services.triage_report(make_user(Role.ADMIN), report.id, services.Triage("accept", Priority.NORMAL, make_user(Role.REPAIRER).id))
    login_as(make_user(Role.REPAIRER))
    assert client.post(f"/repairs/{report.id}/finish", data={"finish-outcome": "done", "finish-note": "修好了"}).status_code == 403
    assert db.session.get(DamageReport, report.id).status == ReportStatus.ACCEPTED


def test_anonymous_visitors_cannot_open_the_office_pages(client, desk):
    for path in ["/repairs", "/repairs/mine", "/repairs/1"]:
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.location


def test_the_header_counts_new_and_overdue_orders(client, login_as, desk):
    services.submit_report(None, desk.current_tag.code, DamageKind.BROKEN, "桌腿松了", client_hash="x")
    login_as(make_user(Role.ADMIN))
    page = client.get("/assets").get_data(as_text=True)
    assert '<span class="badge">1 new report</span>' in page


def test_behind_a_proxy_each_phone_has_its_own_limit(make_app):
    app = make_app(TRUSTED_PROXIES=1)
    with app.app_context():
        assets = [make_asset() for _ in range(services.PER_CLIENT_PER_HOUR + 1)]
        codes = [a.current_tag.code for a in assets]
    client = app.test_client()
    for n, code in enumerate(codes):
        # Every request arrives from the proxy (127.0.0.1); each comes from a different phone behind it.
        response = client.post(f"/t/{code}/report", data={"kind": "broken", "description": "坏了"}, headers={"X-Forwarded-For": f"10.0.0.{n + 1}"})
        assert response.status_code == 302
    # One phone sending many is still stopped.
    flood = app.test_client()
    with app.app_context():
        extra = [make_asset().current_tag.code for _ in range(services.PER_CLIENT_PER_HOUR + 1)]
    answers = [flood.post(f"/t/{code}/report", data={"kind": "broken", "description": "坏了"}, headers={"X-Forwarded-For": "10.0.0.99"}).status_code for code in extra]
    assert answers[:-1] == [302] * services.PER_CLIENT_PER_HOUR and answers[-1] == 429


def noisy_jpeg(kilobytes: int) -> bytes:
    """A photo-like JPEG of about the given size: noise does not compress."""
    import os

    side = int((kilobytes * 1024 / 0.9) ** 0.5)  # random pixels at quality 90: about 0.9 bytes each
    out = BytesIO()
    Image.frombytes("RGB", (side, side), os.urandom(side * side * 3)).save(out, "JPEG", quality=90)
    return out.getvalue()


def test_three_large_phone_photos_fit_in_one_report_but_each_has_a_cap(make_app):
    app = make_app(MAX_UPLOAD_MB=1, MAX_CONTENT_LENGTH=(3 * 1 + 1) * 1024 * 1024)
    with app.app_context():
        desk, other = make_asset(), make_asset()
        codes = desk.current_tag.code, other.current_tag.code
    client = app.test_client()
    photos = [noisy_jpeg(800) for _ in range(3)]
    assert all(700_000 < len(p) < 1024 * 1024 for p in photos) and sum(map(len, photos)) > 2 * 1024 * 1024
    response = client.post(f"/t/{codes[0]}/report", data={"kind": "broken", "description": "坏了", "photos": [(BytesIO(p), f"{i}.jpg") for i, p in enumerate(photos)]})
    assert response.status_code == 302
    too_big = noisy_jpeg(1300)
    assert len(too_big) > 1024 * 1024
    response = client.post(f"/t/{codes[1]}/report", data={"kind": "broken", "description": "坏了", "photos": [(BytesIO(too_big), "big.jpg")]})
    assert response.status_code == 400 and "larger than 1 MB" in response.get_data(as_text=True)


def test_the_repairer_works_the_order_but_liability_is_the_offices(client, login_as, desk):
    report = services.submit_report(None, desk.current_tag.code, DamageKind.BROKEN, "桌腿松了", client_hash="x")
    repairer = make_user(Role.REPAIRER)
    services.triage_report(make_user(Role.ADMIN), report.id, services.Triage("accept", Priority.NORMAL, repairer.id))
    login_as(repairer)
    page = client.get(f"/repairs/{report.id}").get_data(as_text=True)
    assert "Start the repair" in page and "Liability and compensation" not in page
    assert client.post(f"/repairs/{report.id}/liability", data={"party_kind": "unknown", "amount": "10"}).status_code == 403
    assert client.post(f"/repairs/{report.id}/paid").status_code == 403
    assert client.get(f"/repairs/{report.id}/receipt").status_code == 404
    assert db.session.get(DamageReport, report.id).liability is None
    client.post(f"/repairs/{report.id}/start")
    assert db.session.get(DamageReport, report.id).status == ReportStatus.IN_PROGRESS


def test_someone_not_assigned_cannot_start_the_order(client, login_as, desk):
    report = services.submit_report(None, desk.current_tag.code, DamageKind.BROKEN, "桌腿松了", client_hash="x")
    services.triage_report(make_user(Role.ADMIN), report.id, services.Triage("accept", Priority.NORMAL, make_user(Role.REPAIRER).id))
    login_as(make_user(Role.STAFF))
    assert client.post(f"/repairs/{report.id}/start").status_code == 403
    assert db.session.get(DamageReport, report.id).status == ReportStatus.ACCEPTED


def test_the_office_scanning_a_reported_item_is_offered_its_next_step(client, login_as, desk):
    post_report(client, desk)
    login_as(make_user(Role.ADMIN))
    page = client.get(f"/t/{desk.current_tag.code}").get_data(as_text=True)
    assert ">Decide on the report</a>" in page and "Seen it too? Add to the report" not in page
