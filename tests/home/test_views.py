"""Each role lands where its work is; items and their repairs link to each other."""
import pytest

from tagsvc.accounts.models import Role
from tagsvc.extensions import db
from tagsvc.repairs import services as repairs
from tagsvc.repairs.models import DamageKind, Priority
from tests.conftest import TEST_PASSWORD
from tests.factories import make_asset, make_department, make_user


@pytest.fixture
def school(app):
    office = make_user(Role.ADMIN, display_name="王海燕")
    department = make_department("信息中心")
    keeper = make_user(Role.KEEPER, departments=[department], display_name="李建国")
    repairer = make_user(Role.REPAIRER, display_name="刘师傅")
    teacher = make_user(Role.STAFF, display_name="陈静")
    projector = make_asset(name="多媒体投影仪", asset_number="TYY-001", department_id=department.id)
    desk = make_asset(name="课桌椅", asset_number="KZY-001", department_id=department.id)
    other = make_asset(name="书柜", asset_number="SG-001", department_id=make_department("教务处").id)
    waiting = repairs.submit_report(teacher, desk.current_tag.code, DamageKind.BROKEN, "桌腿松了")
    working = repairs.submit_report(None, projector.current_tag.code, DamageKind.NOT_WORKING, "灯泡不亮", client_hash="x")
    repairs.triage_report(office, working.id, repairs.Triage("accept", Priority.URGENT, repairer.id))
    elsewhere = repairs.submit_report(None, other.current_tag.code, DamageKind.BROKEN, "柜门掉了", client_hash="y")
    return dict(office=office, keeper=keeper, repairer=repairer, teacher=teacher, projector=projector, desk=desk,
                other=other, waiting=waiting, working=working, elsewhere=elsewhere, department=department)


def test_signing_in_lands_on_the_start_page(client, school):
    response = client.post("/login", data={"username": school["teacher"].username, "password": TEST_PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_the_office_sees_what_waits_for_a_decision(client, login_as, school):
    login_as(school["office"])
    page = client.get("/").get_data(as_text=True)
    assert "Waiting for the office" in page and "New damage reports to decide" in page
    assert 'href="/repairs?status=new"' in page and 'href="/repairs?overdue=1"' in page
    assert f'href="/repairs/{school["waiting"].id}"' in page and "桌腿松了" in page  # the new reports themselves


def test_a_keeper_sees_their_departments_and_the_repairs_of_their_items(client, login_as, school):
    login_as(school["keeper"])
    page = client.get("/").get_data(as_text=True)
    assert "信息中心" in page and f'href="/assets?department={school["department"].id}"' in page
    assert "2 open repairs" in page
    assert "桌腿松了" in page and "灯泡不亮" in page and "柜门掉了" not in page  # not another department's


def test_a_repairer_lands_on_their_work_orders(client, login_as, school):
    login_as(school["repairer"])
    page = client.get("/").get_data(as_text=True)
    assert "My work orders" in page and "灯泡不亮" in page and "桌腿松了" not in page
    assert "Recently finished" in page


def test_staff_get_a_code_box_and_the_reports_they_made(client, login_as, school):
    login_as(school["teacher"])
    page = client.get("/").get_data(as_text=True)
    assert 'name="code"' in page and "Reports you sent" in page
    assert f'href="/repairs/{school["waiting"].id}"' in page and "The logistics office will look at it soon." in page
    assert "灯泡不亮" not in page  # someone else's report


def test_a_person_who_is_not_signed_in_gets_the_public_start_page(client, school):
    page = client.get("/").get_data(as_text=True)
    assert 'name="code"' in page and "Hello" not in page


def test_a_keeper_follows_their_departments_repairs_but_cannot_decide(client, login_as, school):
    login_as(school["keeper"])
    queue = client.get("/repairs").get_data(as_text=True)
    assert "桌腿松了" in queue and "柜门掉了" not in queue
    detail = client.get(f"/repairs/{school['waiting'].id}")
    assert detail.status_code == 200 and "Save the decision" not in detail.get_data(as_text=True)
    assert client.get(f"/repairs/{school['elsewhere'].id}").status_code == 403
    client.post(f"/repairs/{school['waiting'].id}", data={"action": "triage", "decision": "reject", "note": "no"})
    db.session.expire_all()
    assert school["waiting"].status == "new"


def test_the_reporter_may_follow_their_own_report_only(client, login_as, school):
    login_as(school["teacher"])
    assert client.get(f"/repairs/{school['waiting'].id}").status_code == 200
    assert client.get(f"/repairs/{school['working'].id}").status_code == 403


@pytest.mark.parametrize("who, action", [("office", "Decide on the report"), ("keeper", None)])
def test_the_asset_page_links_its_open_report(client, login_as, school, who, action):
    login_as(school[who])
    page = client.get(f"/assets/{school['desk'].id}").get_data(as_text=True)
    assert f'href="/repairs/{school["waiting"].id}"' in page and f"Damage report #{school['waiting'].id}" in page
    assert (action in page) if action else ("Decide on the report" not in page and "Open the work order" not in page)


def test_the_scan_page_shows_staff_the_open_report_and_the_repairer_the_order(client, login_as, school):
    login_as(school["repairer"])
    page = client.get(f"/t/{school['projector'].current_tag.code}").get_data(as_text=True)
    assert f'href="/repairs/{school["working"].id}"' in page and "Open the work order" in page


def test_the_public_scan_page_never_links_the_report(client, school):
    page = client.get(f"/t/{school['desk'].current_tag.code}").get_data(as_text=True)
    assert "/repairs/" not in page and "Reported, waiting for the office" in page


def test_history_lines_that_name_a_report_link_to_it_for_those_who_may_read_it(client, login_as, school):
    login_as(school["office"])
    page = client.get(f"/assets/{school['projector'].id}").get_data(as_text=True)
    assert page.count(f'href="/repairs/{school["working"].id}"') >= 3  # the open-report line, reported, accepted
    client.post("/logout", data={})
    login_as(make_user(Role.STAFF))
    page = client.get(f"/assets/{school['projector'].id}").get_data(as_text=True)
    assert f'href="/repairs/{school["working"].id}"' not in page and f"#{school['working'].id} · 灯泡不亮" in page


def test_the_repair_queue_cards_show_the_report_number_and_open_it(client, login_as, school):
    login_as(school["office"])
    page = client.get("/repairs").get_data(as_text=True)
    assert f'<a class="row-link row-title" href="/repairs/{school["waiting"].id}">' in page and f"#{school['waiting'].id}" in page
    overdue = client.get("/repairs?overdue=1").get_data(as_text=True)
    assert "Nothing here" in overdue  # nothing is late yet


def test_the_header_names_the_page_you_are_on_instead_of_linking_it(client, login_as, school):
    login_as(school["office"])
    page = client.get("/assets").get_data(as_text=True)
    assert '<span class="nav-item" aria-current="page">Assets</span>' in page
    assert '<a class="nav-item" href="/assets">' not in page and '<a class="nav-item" href="/">' in page


def test_the_sign_in_page_has_no_sign_in_link_to_itself(client, app):
    page = client.get("/login").get_data(as_text=True)
    assert 'href="/login' not in page
