"""A dorm floor to walk: three rooms with beds and desks, a keeper for the dorm block, the office."""
from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace

import pytest

from tagsvc.accounts.models import Role
from tagsvc.stocktake import services
from tagsvc.stocktake.models import ConfirmMethod
from tagsvc.structure.models import AssetKind, DepartmentKind, LocationKind
from tests.factories import make_asset, make_category, make_department, make_location, make_user


def build_floor():
    dorms = make_department("学生宿舍A栋", kind=DepartmentKind.DORM_BLOCK)
    teaching = make_department("教务处")
    block = make_location("宿舍A栋", kind=LocationKind.BUILDING)
    floor = make_location("3F", parent=block, kind=LocationKind.FLOOR)
    rooms = {n: make_location(n, parent=floor) for n in ("301", "302", "303")}
    other_block = make_location("宿舍B栋", kind=LocationKind.BUILDING)
    beds = make_category("床", kind=AssetKind.FIXED_ASSET)
    chairs = make_category("椅子", kind=AssetKind.LOW_VALUE)
    items = {}
    for room_name, room in rooms.items():
        for n in (1, 2):
            items[f"{room_name}-bed{n}"] = make_asset(name=f"{room_name}床{n}", asset_number=f"CW-{room_name}-{n}", category_id=beds.id,
                                                      department_id=dorms.id, location_id=room.id, price=Decimal("800.00"))
        items[f"{room_name}-chair"] = make_asset(name=f"{room_name}椅子", asset_number=f"YZ-{room_name}", category_id=chairs.id,
                                                 department_id=dorms.id, location_id=room.id, price=Decimal("120.00"))
    stranger = make_asset(name="B栋床", asset_number="CW-B-1", category_id=beds.id, department_id=dorms.id, location_id=other_block.id)
    projector = make_asset(name="投影仪", asset_number="TY-1", department_id=teaching.id, location_id=rooms["301"].id)
    office = make_user(Role.ADMIN, display_name="后勤王老师")
    keeper = make_user(Role.KEEPER, departments=[dorms], display_name="宿管李阿姨")
    other_keeper = make_user(Role.KEEPER, departments=[teaching], display_name="教务张老师")
    staff = make_user(Role.STAFF)
    return SimpleNamespace(dorms=dorms, teaching=teaching, block=block, floor=floor, rooms=rooms, other_block=other_block,
                           beds=beds, chairs=chairs, items=items, stranger=stranger, projector=projector, office=office,
                           keeper=keeper, other_keeper=other_keeper, staff=staff)


@pytest.fixture
def floor(app):
    return build_floor()


def open_floor_stocktake(f, **overrides):
    values = {"name": "2026秋 A栋3楼盘点", "scope": services.Scope(location_ids=(f.floor.id,)),
              "assignments": [services.Assignment(user_id=f.keeper.id, department_id=f.dorms.id)]}
    values.update(overrides)
    return services.open_stocktake(f.office, **values)


@pytest.fixture
def stocktake(floor):
    return open_floor_stocktake(floor)


def sighting(asset, room, scan_id="", method=ConfirmMethod.CAMERA, **extra):
    return services.Sighting(code=asset.current_tag.code, location_id=room.id if room is not None else None, method=method,
                             scan_id=scan_id, device="test phone", **extra)
