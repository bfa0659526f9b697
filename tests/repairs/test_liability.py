"""Liability, compensation, receipts and the class assessment."""
from datetime import timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from tagsvc.accounts.models import Role
from tagsvc.errors import ConflictError, PermissionDeniedError, ValidationError
from tagsvc.extensions import db, utcnow
from tagsvc.ledger.models import LedgerAction, LedgerEvent
from tagsvc.repairs import services
from tagsvc.repairs.assessment import assessment_workbook, class_assessment
from tagsvc.repairs.liability import LiabilityData, amount_in_chinese_capitals, mark_paid, record_liability
from tagsvc.repairs.models import DamageKind, LiablePartyKind, Priority
from tagsvc.structure.models import DepartmentKind
from tests.factories import make_asset, make_department, make_location, make_user


@pytest.fixture
def school(app):
    class_a = make_department("高一(3)班", kind=DepartmentKind.CLASS)
    class_b = make_department("高二(1)班", kind=DepartmentKind.CLASS)
    office = make_department("教务处")
    return {"a": class_a, "b": class_b, "office": office, "admin": make_user(Role.ADMIN), "repairer": make_user(Role.REPAIRER)}


def confirmed_report(school, department, cost=None, client="c"):
    asset = make_asset(department_id=department.id)
    report = services.submit_report(None, asset.current_tag.code, DamageKind.BROKEN, "坏了", client_hash=client)
    services.triage_report(school["admin"], report.id, services.Triage("accept", Priority.NORMAL, school["repairer"].id))
    if cost is not None:
        services.finish_repair(school["repairer"], report.id, "修好了", Decimal(cost))
    return report


def test_a_student_pays_and_the_ledger_tells_it(school):
    report = confirmed_report(school, school["a"])
    liability = record_liability(school["admin"], report.id, LiabilityData(LiablePartyKind.STUDENT, school["a"].id, person_name="张三", amount="120.5"))
    assert liability.amount == Decimal("120.50") and liability.paid_at is None
    mark_paid(school["admin"], report.id)
    actions = [e.action for e in db.session.scalars(select(LedgerEvent).where(LedgerEvent.asset_id == report.asset_id).order_by(LedgerEvent.id))]
    assert actions[-2:] == [LedgerAction.LIABILITY_RECORDED, LedgerAction.COMPENSATION_PAID]
    with pytest.raises(ConflictError, match="paid already"):
        record_liability(school["admin"], report.id, LiabilityData(LiablePartyKind.UNKNOWN))
    with pytest.raises(ConflictError):
        mark_paid(school["admin"], report.id)


@pytest.mark.parametrize("data, message", [
    (LiabilityData(LiablePartyKind.STUDENT, amount="50"), "student's name"),
    (LiabilityData(LiablePartyKind.CLASS, amount="50"), "class or department"),
    (LiabilityData(LiablePartyKind.DORM_ROOM, amount="50"), "dorm room"),
    (LiabilityData(LiablePartyKind.UNKNOWN, amount="-1"), "between 0 and 100,000"),
    (LiabilityData(LiablePartyKind.UNKNOWN, amount="五十"), "number of yuan"),
    (LiabilityData(LiablePartyKind.UNKNOWN, amount="NaN"), "number of yuan"),
    (LiabilityData(LiablePartyKind.UNKNOWN, amount="Infinity"), "number of yuan"),
])
def test_bad_liability_is_explained_and_not_stored(school, data, message):
    report = confirmed_report(school, school["a"])
    with pytest.raises(ValidationError, match=message):
        record_liability(school["admin"], report.id, data)
    db.session.rollback()
    db.session.expire_all()
    assert db.session.get(type(report), report.id).liability is None


def test_liability_needs_confirmed_damage_and_the_office(school):
    asset = make_asset(department_id=school["a"].id)
    report = services.submit_report(None, asset.current_tag.code, DamageKind.BROKEN, "坏了", client_hash="c")
    with pytest.raises(ConflictError, match="accept the report first"):
        record_liability(school["admin"], report.id, LiabilityData(LiablePartyKind.UNKNOWN))
    with pytest.raises(PermissionDeniedError):
        record_liability(make_user(Role.KEEPER), report.id, LiabilityData(LiablePartyKind.UNKNOWN))


def test_a_dorm_room_answers(school):
    report = confirmed_report(school, school["a"])
    room = make_location("203", parent=make_location("宿舍楼A"))
    liability = record_liability(school["admin"], report.id, LiabilityData(LiablePartyKind.DORM_ROOM, location_id=room.id, amount="30"))
    assert liability.location.full_name == "宿舍楼A › 203"


@pytest.mark.parametrize("amount, words", [
    ("0", "零元整"), ("120.50", "壹佰贰拾元伍角"), ("10005", "壹万零伍元整"), ("1010.05", "壹仟零壹拾元零伍分"),
    ("100000", "壹拾万元整"), ("35.5", "叁拾伍元伍角"),
])
def test_amounts_in_chinese_capitals_for_the_receipt(amount, words):
    assert amount_in_chinese_capitals(Decimal(amount)) == words


def test_the_class_assessment_ranks_classes_by_damage(school):
    confirmed_report(school, school["b"], cost="10", client="1")
    confirmed_report(school, school["b"], cost="5.5", client="2")
    report = confirmed_report(school, school["a"], client="3")
    record_liability(school["admin"], report.id, LiabilityData(LiablePartyKind.CLASS, school["a"].id, amount="80"))
    mark_paid(school["admin"], report.id)
    asset = make_asset(department_id=school["office"].id)
    services.submit_report(None, asset.current_tag.code, DamageKind.OTHER, "看起来坏了", client_hash="4")  # not confirmed yet
    today = utcnow().date()
    result = class_assessment(school["admin"], today - timedelta(days=1), today + timedelta(days=1))
    assert [(r.rank, r.department.name, r.reports, r.confirmed, r.repair_cost, r.owed, r.paid) for r in result.classes] == [
        (1, "高二(1)班", 2, 2, Decimal("15.50"), 0, 0),
        (2, "高一(3)班", 1, 1, 0, Decimal("80.00"), Decimal("80.00")),
    ]
    office = next(r for r in result.departments if r.department.name == "教务处")
    assert (office.reports, office.confirmed) == (1, 0)
    # The same figures in the Excel workbook, one sheet per group.
    workbook = load_workbook(BytesIO(assessment_workbook(result)))
    classes = workbook.worksheets[0]
    assert [c.value for c in classes[3]][:4] == [1, "高二(1)班", 2, 2] and classes["E3"].value == 15.5
    assert classes["F4"].value == 80 and classes["G4"].value == 80


def test_the_assessment_leaves_out_what_falls_outside_the_period(school):
    confirmed_report(school, school["a"], cost="10")
    long_ago = utcnow().date() - timedelta(days=400)
    result = class_assessment(school["admin"], long_ago, long_ago + timedelta(days=30))
    assert all(r.reports == 0 and r.repair_cost == 0 for r in result.classes)
    with pytest.raises(ValidationError, match="ends before it starts"):
        class_assessment(school["admin"], long_ago, long_ago - timedelta(days=1))


def test_only_the_office_reads_the_assessment(client, login_as, school):
    login_as(make_user(Role.KEEPER))
    assert client.get("/repairs/assessment").status_code == 403


def test_the_assessment_page_and_its_excel_download(client, login_as, school):
    confirmed_report(school, school["b"], cost="10")
    login_as(school["admin"])
    page = client.get("/repairs/assessment").get_data(as_text=True)
    assert "高二(1)班" in page and "Download as Excel" in page
    today = utcnow().date()
    response = client.get(f"/repairs/assessment?start={today - timedelta(days=1)}&end={today + timedelta(days=1)}&format=xlsx")
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert load_workbook(BytesIO(response.data)).worksheets[0]["B3"].value == "高二(1)班"
    bad = client.get("/repairs/assessment?start=2026-13-01&end=x")
    assert bad.status_code == 200 and "Not a valid date value" in bad.get_data(as_text=True)


def test_recording_and_printing_a_receipt_over_http(client, login_as, school):
    report = confirmed_report(school, school["a"])
    login_as(school["admin"])
    client.post(f"/repairs/{report.id}/liability", data={"party_kind": "student", "person_name": "张三", "department_id": str(school["a"].id), "amount": "120.50", "note": ""})
    client.post(f"/repairs/{report.id}/paid")
    receipt = client.get(f"/repairs/{report.id}/receipt").get_data(as_text=True)
    assert "张三" in receipt and "¥120.50" in receipt and "壹佰贰拾元伍角" in receipt and "Paid on" in receipt
    response = client.post(f"/repairs/{report.id}/liability", data={"party_kind": "unknown", "amount": "1"}, follow_redirects=True)
    assert "paid already" in response.get_data(as_text=True)
