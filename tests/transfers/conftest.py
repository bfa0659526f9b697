"""A school with two departments that move things between them, and the people of each role."""
from decimal import Decimal
from types import SimpleNamespace

import pytest

from tagsvc.accounts.models import Role
from tagsvc.structure.models import LocationKind
from tagsvc.transfers import services
from tests.factories import make_asset, make_department, make_location, make_user


@pytest.fixture
def school(app):
    return build_school()


def build_school():
    it, academic, library = make_department("信息中心"), make_department("教务处"), make_department("图书馆")
    building = make_location("行政楼", kind=LocationKind.BUILDING)
    rooms = {n: make_location(n, parent=building) for n in ("101", "205")}
    projector = make_asset(name="投影仪", asset_number="TY-001", department_id=it.id, location_id=rooms["101"].id,
                           custodian_name="王老师", price=Decimal("3200.00"))
    desks = [make_asset(name=f"课桌{n}", asset_number=f"KZ-{n:03d}", department_id=it.id, location_id=rooms["101"].id)
             for n in range(1, 41)]
    return SimpleNamespace(
        it=it, academic=academic, library=library, rooms=rooms, projector=projector, desks=desks,
        sender=make_user(Role.KEEPER, departments=[it], display_name="信息中心李老师"),
        receiver=make_user(Role.KEEPER, departments=[academic], display_name="教务处张老师"),
        third=make_user(Role.KEEPER, departments=[library], display_name="图书馆赵老师"),
        office=make_user(Role.ADMIN, display_name="后勤王主任"),
        staff=make_user(Role.STAFF), repairer=make_user(Role.REPAIRER))


def request(school, assets=None, actor=None, **overrides):
    values = {"asset_ids": [a.id for a in (assets or [school.projector])], "to_department_id": school.academic.id,
              "to_location_id": school.rooms["205"].id, "to_custodian": "张老师", "reason": "教务处多媒体教室需要"}
    values.update(overrides)
    return services.request_transfer(actor or school.sender, services.TransferRequest(**values))
