"""A school with a computer room: cheap and dear items, categories with a minimum age, and the people of each role."""
from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest

from tagsvc.accounts.models import Role
from tagsvc.disposals import services
from tagsvc.disposals.models import DisposalReason
from tagsvc.extensions import db
from tests.factories import make_asset, make_category, make_department, make_user


@pytest.fixture
def school(app):
    return build_school()


def build_school():
    it, library = make_department("信息中心"), make_department("图书馆")
    office_equipment = make_category("办公设备")
    office_equipment.min_years_of_use = 6
    printers = make_category("打印机", parent=office_equipment)
    db.session.commit()
    printer = make_asset(name="激光打印机", asset_number="DYJ-001", department_id=it.id, category_id=printers.id, model="M1136",
                         price=Decimal("1500.00"), purchase_date=date(2015, 3, 1))
    young_printer = make_asset(name="激光打印机", asset_number="DYJ-002", department_id=it.id, category_id=printers.id,
                               price=Decimal("1600.00"), purchase_date=date.today().replace(year=date.today().year - 2))
    whiteboard = make_asset(name="交互式电子白板", asset_number="BB-001", department_id=it.id, price=Decimal("24800.00"))
    shelf = make_asset(name="书架", asset_number="SJ-001", department_id=library.id, price=Decimal("800.00"))
    return SimpleNamespace(
        it=it, library=library, printers=printers, printer=printer, young_printer=young_printer, whiteboard=whiteboard, shelf=shelf,
        keeper=make_user(Role.KEEPER, departments=[it], display_name="信息中心李老师"),
        library_keeper=make_user(Role.KEEPER, departments=[library], display_name="图书馆赵老师"),
        head=make_user(Role.ADMIN, display_name="后勤王主任"), second=make_user(Role.ADMIN, display_name="后勤刘副主任"),
        staff=make_user(Role.STAFF), repairer=make_user(Role.REPAIRER))


def propose(school, assets=None, actor=None, **overrides):
    values = {"asset_ids": [a.id for a in (assets or [school.printer])], "reason_kind": DisposalReason.OBSOLETE, "reason": "使用超过十年，配件停产"}
    values.update(overrides)
    return services.propose_disposal(actor or school.keeper, services.Proposal(**values))
