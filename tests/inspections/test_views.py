"""The inspection pages over HTTP: the list with what is due, and a round walked without JavaScript (each item's form
posts its lines; "all pass" is one button)."""
from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from tagsvc.accounts.models import Role
from tagsvc.extensions import db
from tagsvc.inspections.models import Frequency, InspectionResult, TargetKind
from tagsvc.inspections.services import PlanData, create_plan
from tagsvc.repairs.models import DamageReport
from tests.conftest import csrf_token_from
from tests.factories import make_asset, make_category, make_user


def _plan(inspector, frequency=Frequency.MONTHLY, starts_on=date(2026, 1, 1), name="灭火器月检"):
    office = make_user(Role.ADMIN)
    category = make_category("灭火器")
    units = [make_asset(name=f"灭火器{n}", asset_number=f"MHQ-{n}", category_id=category.id) for n in range(2)]
    plan = create_plan(office, PlanData(name=name, target_kind=TargetKind.CATEGORY, category_id=category.id,
                                        checklist=["压力表指针在绿区", "铅封完好"], frequency=frequency,
                                        starts_on=starts_on, inspector_ids=[inspector.id]))
    return plan, units


def test_a_round_walked_without_javascript(client, login_as):
    inspector = make_user(Role.STAFF, display_name="安全员李老师")
    plan, units = _plan(inspector)
    login_as(inspector)
    listed = client.get("/inspections").get_data(as_text=True)
    assert "灭火器月检" in listed and "0 / 4" in listed
    walk = client.get(f"/inspections/plans/{plan.id}/round")
    assert walk.status_code == 302
    page = client.get(walk.headers["Location"]).get_data(as_text=True)
    assert page.count('class="card target') == 2 and "压力表指针在绿区" in page
    token = csrf_token_from(page)
    round_url = walk.headers["Location"]
    code = units[0].current_tag.code
    all_pass = client.post(f"{round_url}/results", data={"csrf_token": token, "code": code, "all": "pass"})
    assert all_pass.status_code == 302 and all_pass.headers["Location"].endswith(f"#t-{code}")
    other = units[1].current_tag.code
    missing_word = client.post(f"{round_url}/results", data={"csrf_token": token, "code": other, "line-k1": "fail"}, follow_redirects=True)
    assert "Say in a word" in missing_word.get_data(as_text=True)
    from io import BytesIO

    from PIL import Image

    from tagsvc.repairs.models import ReportPhoto

    photo = BytesIO()
    Image.new("RGB", (800, 600), (200, 40, 40)).save(photo, format="JPEG")
    failed = client.post(f"{round_url}/results", data={"csrf_token": token, "code": other, "line-k1": "fail", "note-k1": "指针在红区",
                                                       "photo-k1": (BytesIO(photo.getvalue()), "IMG_0001.jpg"), "line-k2": "pass"},
                         content_type="multipart/form-data", follow_redirects=True)
    assert "A damage report is open for the office" in failed.get_data(as_text=True) and ">Photo</a>" in failed.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(InspectionResult)) == 4
    assert db.session.scalar(select(DamageReport.asset_id)) == units[1].id
    assert db.session.scalar(select(ReportPhoto.name)) == db.session.scalar(select(InspectionResult.photo).where(InspectionResult.passed.is_(False)))
    assert "4 / 4" in client.get("/inspections").get_data(as_text=True)


def test_someone_the_plan_does_not_name_is_turned_away(client, login_as):
    inspector = make_user(Role.STAFF)
    plan, _units = _plan(inspector)
    login_as(make_user(Role.STAFF))
    assert "You inspect nothing yet" in client.get("/inspections").get_data(as_text=True)
    refused = client.get(f"/inspections/plans/{plan.id}/round", follow_redirects=True)
    assert "not one of the inspectors" in refused.get_data(as_text=True)


def test_the_office_makes_changes_and_switches_off_a_plan_from_its_pages(client, login_as):
    login_as(make_user(Role.ADMIN))
    inspector = make_user(Role.STAFF, display_name="安全员李老师")
    category = make_category("灭火器")
    make_asset(name="干粉灭火器", asset_number="MHQ-1", category_id=category.id, purchase_date=date(2016, 12, 20))
    make_asset(name="二氧化碳灭火器", asset_number="MHQ-2", category_id=category.id, purchase_date=date(2024, 1, 1))
    page = client.get("/inspections/plans/new").get_data(as_text=True)
    token = csrf_token_from(page)
    form = {"csrf_token": token, "name": "灭火器月检", "target_kind": "category", "category_id": str(category.id), "frequency": "monthly",
            "starts_on": "2026-01-01", "checklist": "压力表指针在绿区\n铅封完好\n", "inspector_ids": [str(inspector.id)], "service_years": "10",
            "replace_warning_days": "60"}
    refused = client.post("/inspections/plans/new", data={**form, "checklist": " "})
    assert refused.status_code == 400 and "at least one checklist line" in refused.get_data(as_text=True)
    made = client.post("/inspections/plans/new", data=form)
    assert made.status_code == 302
    plan_page = client.get(made.headers["Location"]).get_data(as_text=True)
    assert "压力表指针在绿区" in plan_page and "MHQ-1" in plan_page and "MHQ-2" not in plan_page  # its service ends within 60 days
    plan_id = int(made.headers["Location"].rsplit("/", 1)[1])
    edit = client.get(f"/inspections/plans/{plan_id}/edit").get_data(as_text=True)
    assert "铅封完好" in edit
    items = client.post(f"/inspections/plans/{plan_id}/edit", data={**form, "target_kind": "items", "asset_numbers": "MHQ-2\nMHQ-9",
                                                                    "version": "1"})
    assert items.status_code == 400 and "MHQ-9" in items.get_data(as_text=True)
    changed = client.post(f"/inspections/plans/{plan_id}/edit", data={**form, "target_kind": "items", "asset_numbers": "MHQ-2", "version": "1"})
    assert changed.status_code == 302
    stale = client.post(f"/inspections/plans/{plan_id}/edit", data={**form, "version": "1"})
    assert stale.status_code == 409 and "changed this plan meanwhile" in stale.get_data(as_text=True)
    client.post(f"/inspections/plans/{plan_id}/active", data={"csrf_token": token, "active": "0"})
    assert "switched off" in client.get("/inspections").get_data(as_text=True)


def test_the_months_record_on_screen_and_as_a_workbook(client, login_as):
    from io import BytesIO

    from openpyxl import load_workbook

    from tagsvc.inspections.services import ResultIn, new_result_id, open_round, record_results

    inspector = make_user(Role.STAFF, display_name="安全员李老师")
    plan, units = _plan(inspector)
    november = open_round(inspector, plan.id, date(2026, 11, 6))
    record_results(inspector, november.id, [ResultIn(new_result_id(), units[0].current_tag.code, "k1", False, "指针在红区"),
                                            ResultIn(new_result_id(), units[0].current_tag.code, "k2", True)])
    login_as(inspector)
    page = client.get(f"/inspections/plans/{plan.id}/record?month=2026-11").get_data(as_text=True)
    assert "指针在红区" in page and "安全员李老师" in page and "Report #" in page
    assert "Not walked" in client.get(f"/inspections/plans/{plan.id}/record?month=2026-10").get_data(as_text=True)
    download = client.get(f"/inspections/plans/{plan.id}/record.xlsx?month=2026-11")
    assert download.status_code == 200
    rows = list(load_workbook(BytesIO(download.get_data())).active.iter_rows(values_only=True))
    assert rows[0][:2] == ("Inspection record", "灭火器月检")
    failed = [r for r in rows if r[4] == "Fail"]
    assert len(failed) == 1 and failed[0][5] == "指针在红区" and failed[0][8].startswith("#") and failed[0][9] == "New: to decide"
    assert client.get(f"/inspections/plans/{plan.id}/record?month=bad").status_code == 200  # an odd month: this month's record
    printed = client.get(f"/inspections/plans/{plan.id}/record/print?month=2026-11").get_data(as_text=True)
    assert "@page{size:A4" in printed and "Inspected by (检查人)" in printed and "Head (负责人)" in printed and "指针在红区" in printed


def test_the_office_closes_a_past_round_and_nothing_more_is_recorded_in_it(client, login_as):
    inspector = make_user(Role.STAFF)
    plan, units = _plan(inspector)
    from tagsvc.inspections.services import open_round

    november = open_round(inspector, plan.id, date(2026, 11, 6))
    office = login_as(make_user(Role.ADMIN))
    page = client.get(f"/inspections/rounds/{november.id}").get_data(as_text=True)
    assert "Close the round" in page
    token = csrf_token_from(page)
    closed = client.post(f"/inspections/rounds/{november.id}/close", data={"csrf_token": token}, follow_redirects=True)
    assert "its record is final" in closed.get_data(as_text=True) and "Close the round" not in closed.get_data(as_text=True)
    refused = client.post(f"/inspections/rounds/{november.id}/results", data={"csrf_token": token, "code": units[0].current_tag.code,
                                                                             "all": "pass"}, follow_redirects=True)
    assert "nothing more can be recorded in it" in refused.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(InspectionResult)) == 0
    from tagsvc.inspections.services import today

    running = open_round(office, plan.id, today())
    assert "Close the round" not in client.get(f"/inspections/rounds/{running.id}").get_data(as_text=True)  # its period has not ended


def test_a_round_due_waits_on_the_inspectors_start_page_until_it_is_done(client, login_as):
    from tagsvc.inspections.services import ResultIn, new_result_id, open_round, record_results, today

    inspector = make_user(Role.STAFF, display_name="安全员李老师")
    plan, units = _plan(inspector)
    login_as(inspector)
    start = client.get("/").get_data(as_text=True)
    assert "Safety inspection: 灭火器月检" in start and "0 / 4" in start and f"/inspections/plans/{plan.id}/round" in start
    current = open_round(inspector, plan.id, today())
    record_results(inspector, current.id, [ResultIn(new_result_id(), u.current_tag.code, key, True) for u in units for key in ("k1", "k2")])
    assert "Safety inspection: 灭火器月检" not in client.get("/").get_data(as_text=True)  # done for this period
    login_as(make_user(Role.STAFF))
    assert "Safety inspection: " not in client.get("/").get_data(as_text=True)  # not named by the plan


def test_rounds_due_and_overdue_wait_in_waiting_for_me_until_walked_or_signed_off(client, login_as):
    import re
    from datetime import timedelta

    from tagsvc.inspections.models import InspectionRound
    from tagsvc.inspections.services import ResultIn, new_result_id, open_round, record_results, today

    day = today()
    inspector = make_user(Role.STAFF, display_name="安全员李老师")
    plan, units = _plan(inspector, Frequency.DAILY, day - timedelta(days=9), name="实验室日检")
    begun = open_round(inspector, plan.id, day - timedelta(days=2))  # begun two days ago, one item checked, then left
    record_results(inspector, begun.id, [ResultIn(new_result_id(), units[0].current_tag.code, key, True) for key in ("k1", "k2")])

    login_as(inspector)
    page = client.get("/approvals").get_data(as_text=True)
    assert "Waiting for me" in client.get("/").get_data(as_text=True)  # a teacher's menu has it too
    due = re.findall(r'id="due-(\d+)-([\d-]+)"', page)
    overdue = re.findall(r'id="overdue-(\d+)-([\d-]+)"', page)
    assert due == [(str(plan.id), day.isoformat())]
    # The last week's periods that ended undone; the one ten days back is only in the record now.
    assert [d for _p, d in overdue] == [(day - timedelta(days=n)).isoformat() for n in range(7, 0, -1)]
    assert "2 of 4 lines checked" in page and f"/inspections/rounds/{begun.id}" in page and "Sign it off as missed" not in page
    assert re.search(r'Waiting for me <span class="badge"[^>]*>8 waiting for you</span>', page)
    token = csrf_token_from(page)
    refused = client.post(f"/inspections/plans/{plan.id}/periods/{(day - timedelta(days=3)).isoformat()}/sign-off",
                          data={"csrf_token": token}, follow_redirects=True)
    assert "logistics office" in refused.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(InspectionRound)) == 1  # nothing begun, nothing closed

    login_as(make_user(Role.ADMIN))  # the office is not named: it sees the missed periods, not the round due
    page = client.get("/approvals").get_data(as_text=True)
    assert not re.findall(r'id="due-\d', page) and len(re.findall(r'id="overdue-\d', page)) == 7
    token = csrf_token_from(page)
    for n in (3, 2):
        signed = client.post(f"/inspections/plans/{plan.id}/periods/{(day - timedelta(days=n)).isoformat()}/sign-off",
                             data={"csrf_token": token}, follow_redirects=True).get_data(as_text=True)
        assert "signed off as missed" in signed
    assert len(re.findall(r'id="overdue-\d', signed)) == 5 and f'id="overdue-{plan.id}-{(day - timedelta(days=3)).isoformat()}"' not in signed
    closed = db.session.scalars(select(InspectionRound).order_by(InspectionRound.period_start)).all()
    assert [(r.period_start, r.closed_at is not None) for r in closed] == [(day - timedelta(days=3), True), (day - timedelta(days=2), True)]
    assert db.session.get(InspectionRound, begun.id).closed_at is not None  # the begun one kept its two lines
    assert db.session.scalar(select(func.count()).select_from(InspectionResult)) == 2
    not_ended = client.post(f"/inspections/plans/{plan.id}/periods/{day.isoformat()}/sign-off", data={"csrf_token": token}, follow_redirects=True)
    assert "once its period has ended" in not_ended.get_data(as_text=True)
    assert client.post(f"/inspections/plans/{plan.id}/periods/yesterday/sign-off", data={"csrf_token": token}).status_code == 404
    assert db.session.scalar(select(func.count()).select_from(InspectionRound)) == 2

    current = open_round(inspector, plan.id, day)
    record_results(inspector, current.id, [ResultIn(new_result_id(), u.current_tag.code, key, True) for u in units for key in ("k1", "k2")])
    login_as(inspector)
    page = client.get("/approvals").get_data(as_text=True)
    assert not re.findall(r'id="due-\d', page) and len(re.findall(r'id="overdue-\d', page)) == 5


def test_a_photo_that_is_not_one_is_refused_and_the_lines_stay(client, login_as):
    from io import BytesIO

    inspector = make_user(Role.STAFF)
    plan, units = _plan(inspector)
    login_as(inspector)
    round_url = client.get(f"/inspections/plans/{plan.id}/round").headers["Location"]
    token = csrf_token_from(client.get(round_url).get_data(as_text=True))
    answer = client.post(f"{round_url}/results", data={"csrf_token": token, "code": units[0].current_tag.code, "line-k1": "fail",
                                                       "note-k1": "铅封脱落", "photo-k1": (BytesIO(b"%PDF-1.4 not a photo"), "scan.pdf")},
                         content_type="multipart/form-data", follow_redirects=True).get_data(as_text=True)
    assert "the photo was not kept" in answer and "not a photo we can read" in answer
    row = db.session.scalar(select(InspectionResult))
    assert row.note == "铅封脱落" and row.photo == ""


def test_the_worker_that_reopens_a_round_offline_is_served_over_the_rounds(client):
    worker = client.get("/inspections/rounds/offline.js")
    assert worker.status_code == 200 and worker.mimetype == "text/javascript" and worker.headers["Cache-Control"] == "no-cache"
    assert b"/inspections\\/rounds\\/\\d+$/" in worker.data  # the round pages it keeps, and nothing else


def test_a_scanned_label_of_an_item_due_shows_its_checklist_at_the_top_until_checked(client, login_as):
    import re

    from tagsvc.inspections.models import InspectionRound

    inspector = make_user(Role.STAFF, display_name="安全员李老师")
    plan, units = _plan(inspector)
    elsewhere = make_asset(name="投影仪", asset_number="TYY-1")
    code = units[0].current_tag.code
    login_as(make_user(Role.STAFF))  # not named by the plan: the label's page as ever
    assert "Safety inspection: " not in client.get(f"/t/{code}").get_data(as_text=True)

    login_as(inspector)
    assert "Safety inspection: " not in client.get(f"/t/{elsewhere.current_tag.code}").get_data(as_text=True)  # not in the plan
    page = client.get(f"/t/{code}").get_data(as_text=True)
    assert "Safety inspection: 灭火器月检" in page and "压力表指针在绿区" in page and "staff.css" in page
    assert page.index("Safety inspection: 灭火器月检") < page.index("<h1>")  # at the top, above the item's facts
    token = csrf_token_from(page)
    ids = dict(re.findall(r'name="id-(k\d)" value="([^"]+)"', page))
    # A form sent on to another site is not followed there: back to the round instead.
    astray = client.post(f"/inspections/plans/{plan.id}/results", data={"csrf_token": token, "code": code, "line-k1": "pass",
                                                                       "id-k1": ids["k1"], "next": "https://evil.example/t/x"})
    assert astray.status_code == 302 and "/inspections/rounds/" in astray.headers["Location"]
    done = client.post(f"/inspections/plans/{plan.id}/results", data={"csrf_token": token, "code": code, "all": "pass", "id-k1": ids["k1"],
                                                                      "id-k2": ids["k2"], "next": f"/t/{code}"}, follow_redirects=True)
    text = done.get_data(as_text=True)
    assert "1 lines recorded" in text and "Safety inspection: 灭火器月检" not in text and "<h1>灭火器0</h1>" in text
    assert db.session.scalar(select(func.count()).select_from(InspectionRound)) == 1
    assert db.session.scalar(select(func.count()).select_from(InspectionResult)) == 2  # k1 once, though sent twice

    # The other item's failure from its label's page opens a damage report.
    other = units[1].current_tag.code
    page = client.get(f"/t/{other}").get_data(as_text=True)
    failed = client.post(f"/inspections/plans/{plan.id}/results", data={"csrf_token": csrf_token_from(page), "code": other, "line-k1": "fail",
                                                                        "note-k1": "压力不足", "next": f"/t/{other}"}, follow_redirects=True)
    assert "A damage report is open for the office" in failed.get_data(as_text=True)
    assert "铅封完好" in failed.get_data(as_text=True)  # its second line still waits at the top
    assert db.session.scalar(select(DamageReport.asset_id)) == units[1].id


def test_a_scanned_room_label_shows_the_rooms_checklist_to_its_inspectors(client, login_as):
    from tagsvc.labels import services as labels
    from tagsvc.structure.models import LocationKind
    from tagsvc.tags.models import Tag
    from tests.factories import make_location

    office = make_user(Role.ADMIN)
    inspector = make_user(Role.STAFF)
    building = make_location("实验楼", kind=LocationKind.BUILDING)
    chemistry = make_location("化学实验室", parent=make_location("2F", parent=building, kind=LocationKind.FLOOR))
    plan = create_plan(office, PlanData(name="三室日检", target_kind=TargetKind.ROOMS, location_ids=[building.id],
                                        checklist=["燃气、电源已关闭", "安全出口畅通"], frequency=Frequency.DAILY,
                                        starts_on=date(2026, 1, 1), inspector_ids=[inspector.id]))
    code = db.session.get(Tag, labels.room_tag_ids(office, [chemistry.id])[0]).code
    login_as(inspector)
    page = client.get(f"/t/{code}").get_data(as_text=True)
    assert "Safety inspection: 三室日检" in page and "燃气、电源已关闭" in page
    done = client.post(f"/inspections/plans/{plan.id}/results", data={"csrf_token": csrf_token_from(page), "code": code, "all": "pass",
                                                                      "next": f"/t/{code}"}, follow_redirects=True)
    assert "2 lines recorded" in done.get_data(as_text=True) and "Safety inspection: 三室日检" not in done.get_data(as_text=True)
    assert {r.location_id for r in db.session.scalars(select(InspectionResult))} == {chemistry.id}


def test_a_rooms_failed_line_opens_a_report_on_the_room_that_the_office_repairs_as_any_other(client, login_as):
    from tagsvc.labels import services as labels
    from tagsvc.ledger.models import LedgerEvent
    from tagsvc.repairs.models import ReportStatus
    from tagsvc.repairs.services import Triage, finish_repair, start_repair, triage_report
    from tagsvc.structure.models import LocationKind
    from tagsvc.tags.models import Tag
    from tests.factories import make_location

    office = make_user(Role.ADMIN)
    inspector = make_user(Role.KEEPER, display_name="实验室管理员周老师")
    repairer = make_user(Role.REPAIRER)
    building = make_location("实验楼", kind=LocationKind.BUILDING)
    chemistry = make_location("化学实验室", parent=building)
    plan = create_plan(office, PlanData(name="三室日检", target_kind=TargetKind.ROOMS, location_ids=[building.id],
                                        checklist=["燃气、电源已关闭", "洗眼器可用"], frequency=Frequency.DAILY,
                                        starts_on=date(2026, 1, 1), inspector_ids=[inspector.id]))
    code = db.session.get(Tag, labels.room_tag_ids(office, [chemistry.id])[0]).code
    login_as(inspector)
    page = client.get(f"/t/{code}").get_data(as_text=True)
    failed = client.post(f"/inspections/plans/{plan.id}/results", data={"csrf_token": csrf_token_from(page), "code": code, "line-k1": "pass",
                                                                        "line-k2": "fail", "note-k2": "洗眼器没水", "next": f"/t/{code}"},
                         follow_redirects=True)
    assert "A damage report is open for the office" in failed.get_data(as_text=True)
    report = db.session.scalar(select(DamageReport))
    assert (report.asset_id, report.location_id, report.status) == (None, chemistry.id, ReportStatus.NEW)
    assert "洗眼器没水" in report.description and db.session.scalar(select(func.count()).select_from(LedgerEvent).where(
        LedgerEvent.action == "damage_reported")) == 0  # no item's ledger moves with a room

    room_page = client.get(f"/t/{code}").get_data(as_text=True)  # the inspector reads it on the room's label, as anyone would
    assert "The room itself has a damage report" in room_page and "will look at it soon" in room_page and "洗眼器没水" not in room_page
    login_as(office)
    assert f'href="/repairs/{report.id}"' in client.get(f"/t/{code}").get_data(as_text=True)
    queue = client.get("/repairs").get_data(as_text=True)
    assert "化学实验室" in queue and f"/repairs/{report.id}" in queue
    detail = client.get(f"/repairs/{report.id}").get_data(as_text=True)
    assert "The room itself" in detail and "洗眼器没水" in detail
    triage_report(office, report.id, Triage("accept", assignee_id=repairer.id))
    start_repair(repairer, report.id)
    finish_repair(repairer, report.id, "已加水")
    db.session.expire_all()
    assert db.session.get(DamageReport, report.id).status == ReportStatus.DONE
    listed = client.get("/api/v1/reports?scope=queue&status=done", headers={"Accept": "application/json"}).get_json()
    assert [(r["asset"], r["room"]["id"]) for r in listed["items"]] == [(None, chemistry.id)]
