"""A PE department that lends a class set of basketballs, and the people of each role."""
from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest

from tagsvc.accounts.models import Role
from tagsvc.loans import services
from tagsvc.loans.models import HandoutKind, RecipientKind
from tagsvc.structure.models import DepartmentKind, LocationKind
from tests.factories import make_asset, make_department, make_location, make_user


@pytest.fixture
def school(app):
    return build_school()


def build_school():
    pe, office_dept = make_department("体育组"), make_department("教务处")
    class3 = make_department("高一(3)班", kind=DepartmentKind.CLASS)
    building = make_location("体育馆", kind=LocationKind.BUILDING)
    store = make_location("器材室", parent=building)
    balls = [make_asset(name="篮球", asset_number=f"LQ-{n:03d}", department_id=pe.id, location_id=store.id, price=Decimal("180.00"))
             for n in range(1, 41)]
    camera = make_asset(name="照相机", asset_number="ZXJ-001", department_id=office_dept.id, price=Decimal("5200.00"))
    teacher = make_user(Role.STAFF, display_name="陈静", email="chen@school.example")
    return SimpleNamespace(
        pe=pe, office_dept=office_dept, class3=class3, store=store, balls=balls, camera=camera, teacher=teacher,
        keeper=make_user(Role.KEEPER, departments=[pe], display_name="体育组刘老师", email="liu@school.example"),
        other_keeper=make_user(Role.KEEPER, departments=[office_dept], display_name="教务处张老师"),
        office=make_user(Role.ADMIN, display_name="后勤王主任"), repairer=make_user(Role.REPAIRER))


def lend_to_student(school, actor=None, days=7, **overrides):
    values = {"kind": RecipientKind.STUDENT, "name": "王小明", "department_id": school.class3.id,
              "due_on": services.school_today() + timedelta(days=days)}
    values.update(overrides)
    return services.start_handout(actor or school.keeper, HandoutKind.LOAN, services.Recipient(**values))


def code(asset):
    return asset.current_tag.code
