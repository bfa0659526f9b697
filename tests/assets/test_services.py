from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from tagsvc.accounts.models import Role
from tagsvc.assets.models import Asset, AssetCondition, AssetStatus
from tagsvc.assets.services import AssetData, AssetQuery, create_asset, get_asset, search_assets, update_asset
from tagsvc.errors import ConflictError, PermissionDeniedError, ValidationError
from tagsvc.ledger.models import LedgerAction, LedgerEvent
from tagsvc.ledger.services import history_of
from tagsvc.structure.models import LocationKind
from tests.factories import make_asset, make_category, make_department, make_location, make_user


def _data(**overrides):
    values = {"asset_number": "JX-2026-0001", "name": "多媒体投影仪"}
    values.update(overrides)
    return AssetData(**values)


def test_create_asset_registers_it_with_a_tag_and_ledger_events(app):
    admin = make_user(Role.ADMIN)
    department = make_department("信息中心")
    asset = create_asset(admin, _data(department_id=department.id, price=Decimal("3280.50"), purchase_date=date(2025, 9, 1)))
    assert asset.current_tag is not None
    events = history_of(asset.id)
    assert [e.action for e in events] == [LedgerAction.TAG_ISSUED, LedgerAction.CREATED]
    created = events[1]
    assert created.actor_id == admin.id and created.actor_name == admin.display_name
    assert created.changes["department_id"] == [None, "信息中心"]
    assert created.changes["price"] == [None, "3280.50"]


def test_create_asset_with_duplicate_number_is_refused_and_stores_nothing(app, session):
    admin = make_user(Role.ADMIN)
    make_asset(asset_number="JX-2026-0001")
    with pytest.raises(ConflictError, match="JX-2026-0001"):
        create_asset(admin, _data(asset_number="jx-2026-0001", name="另一台"))
    session.rollback()
    assert session.scalar(select(func.count(Asset.id))) == 1


@pytest.mark.parametrize("overrides, message", [({"asset_number": "  "}, "asset number"), ({"name": ""}, "name"), ({"price": Decimal("-1")}, "negative")])
def test_create_asset_rejects_bad_input(app, session, overrides, message):
    admin = make_user(Role.ADMIN)
    with pytest.raises(ValidationError, match=message):
        create_asset(admin, _data(**overrides))
    session.rollback()
    assert session.scalar(select(func.count(Asset.id))) == 0


def test_keeper_creates_assets_only_in_their_departments(app):
    mine, theirs = make_department("高一(3)班"), make_department("高二(1)班")
    keeper = make_user(Role.KEEPER, departments=[mine])
    assert create_asset(keeper, _data(department_id=mine.id)).department_id == mine.id
    with pytest.raises(PermissionDeniedError):
        create_asset(keeper, _data(asset_number="X-2", department_id=theirs.id))


@pytest.mark.parametrize("role", [Role.STAFF, Role.REPAIRER])
def test_readers_cannot_create_assets(app, role):
    with pytest.raises(PermissionDeniedError):
        create_asset(make_user(role), _data())


def test_update_asset_records_values_before_and_after(app):
    admin = make_user(Role.ADMIN)
    room_a, room_b = make_location("301"), make_location("302")
    asset = make_asset(location_id=room_a.id, status=AssetStatus.IN_USE)
    data = AssetData(**{**_as_data(asset), "location_id": room_b.id, "status": AssetStatus.UNDER_REPAIR, "condition": AssetCondition.FAIR})
    update_asset(admin, asset.id, data)
    latest = history_of(asset.id)[0]
    assert latest.action == LedgerAction.UPDATED
    assert latest.changes == {"location_id": ["301", "302"], "status": ["in_use", "under_repair"], "condition": ["good", "fair"]}


def test_update_asset_without_changes_writes_no_event(app, session):
    admin = make_user(Role.ADMIN)
    asset = make_asset()
    before = session.scalar(select(func.count(LedgerEvent.id)))
    update_asset(admin, asset.id, AssetData(**_as_data(asset)))
    assert session.scalar(select(func.count(LedgerEvent.id))) == before


def test_update_asset_to_a_taken_number_is_refused_and_changes_nothing(app, session):
    admin = make_user(Role.ADMIN)
    make_asset(asset_number="A-1")
    asset = make_asset(asset_number="A-2", name="书柜")
    with pytest.raises(ConflictError):
        update_asset(admin, asset.id, AssetData(**{**_as_data(asset), "asset_number": "A-1", "name": "新名字"}))
    session.rollback()
    session.expire_all()
    assert session.get(Asset, asset.id).name == "书柜"


def test_keeper_cannot_edit_another_departments_asset(app):
    mine, theirs = make_department(), make_department()
    keeper = make_user(Role.KEEPER, departments=[mine])
    asset = make_asset(department_id=theirs.id)
    with pytest.raises(PermissionDeniedError):
        update_asset(keeper, asset.id, AssetData(**{**_as_data(asset), "name": "改名"}))


def test_keeper_cannot_move_own_asset_into_another_department(app):
    mine, theirs = make_department(), make_department()
    keeper = make_user(Role.KEEPER, departments=[mine])
    asset = make_asset(department_id=mine.id)
    with pytest.raises(PermissionDeniedError):
        update_asset(keeper, asset.id, AssetData(**{**_as_data(asset), "department_id": theirs.id}))


def test_keeper_cannot_read_another_departments_asset(app):
    keeper = make_user(Role.KEEPER, departments=[make_department()])
    asset = make_asset(department_id=make_department().id)
    with pytest.raises(PermissionDeniedError):
        get_asset(keeper, asset.id)


def test_search_finds_by_name_number_and_tag_code(app):
    staff = make_user(Role.STAFF)
    projector = make_asset(name="多媒体投影仪", asset_number="DMT-2024-0001")
    desk = make_asset(name="课桌椅（单人）", asset_number="KZY-2024-0001")
    assert [a.id for a in search_assets(staff, AssetQuery(text="投影")).items] == [projector.id]
    assert [a.id for a in search_assets(staff, AssetQuery(text="kzy-2024")).items] == [desk.id]
    by_code = search_assets(staff, AssetQuery(text=desk.current_tag.code.lower()))
    assert by_code.exact_tag.id == desk.id and [a.id for a in by_code.items] == [desk.id]


def test_search_ignores_case_follows_edits_and_never_joins_name_and_number(app):
    office = make_user(Role.ADMIN)
    printer = make_asset(name="HP LaserJet 打印机A", asset_number="B-0042")
    assert [a.id for a in search_assets(office, AssetQuery(text="laserjet")).items] == [printer.id]
    assert [a.id for a in search_assets(office, AssetQuery(text="b-0042")).items] == [printer.id]
    assert search_assets(office, AssetQuery(text="AB-0042")).total == 0  # the name's end and the number's start are not one word
    update_asset(office, printer.id, AssetData(**{**_as_data(printer), "name": "Canon 复印机"}))
    assert search_assets(office, AssetQuery(text="laserjet")).total == 0
    assert [a.id for a in search_assets(office, AssetQuery(text="CANON")).items] == [printer.id]


def test_search_treats_like_wildcards_as_plain_text(app):
    staff = make_user(Role.STAFF)
    make_asset(name="投影仪")
    assert search_assets(staff, AssetQuery(text="%")).total == 0


def test_search_by_building_includes_its_rooms(app):
    staff = make_user(Role.STAFF)
    building = make_location("教学楼", kind=LocationKind.BUILDING)
    floor = make_location("3F", parent=building, kind=LocationKind.FLOOR)
    inside = make_asset(location_id=make_location("301", parent=floor).id)
    make_asset(location_id=make_location("宿舍楼A 203").id)
    assert [a.id for a in search_assets(staff, AssetQuery(location_id=building.id)).items] == [inside.id]


def test_search_filters_by_category_tree_department_and_status(app):
    staff = make_user(Role.STAFF)
    furniture = make_category("家具")
    desks = make_category("课桌椅", parent=furniture)
    class3 = make_department("高一(3)班")
    wanted = make_asset(category_id=desks.id, department_id=class3.id, status=AssetStatus.DAMAGED)
    make_asset(category_id=desks.id, department_id=class3.id)
    make_asset(category_id=desks.id, status=AssetStatus.DAMAGED)
    result = search_assets(staff, AssetQuery(category_id=furniture.id, department_id=class3.id, status=AssetStatus.DAMAGED))
    assert [a.id for a in result.items] == [wanted.id]


def test_search_pages_through_results_in_order(app):
    staff = make_user(Role.STAFF)
    numbers = [make_asset(asset_number=f"P-{i:03d}").asset_number for i in range(7)]
    first = search_assets(staff, AssetQuery(per_page=3))
    third = search_assets(staff, AssetQuery(per_page=3, page=3))
    assert first.total == 7 and first.pages == 3 and first.has_next and not first.has_prev
    assert [a.asset_number for a in first.items] == numbers[:3]
    assert [a.asset_number for a in third.items] == numbers[6:] and not third.has_next
    assert search_assets(staff, AssetQuery(per_page=3, page=99)).page == 3


def test_keeper_search_sees_only_their_departments(app):
    mine = make_department()
    keeper = make_user(Role.KEEPER, departments=[mine])
    own = make_asset(department_id=mine.id)
    make_asset(department_id=make_department().id)
    assert [a.id for a in search_assets(keeper, AssetQuery()).items] == [own.id]


def _as_data(asset: Asset) -> dict:
    from dataclasses import fields

    return {f.name: getattr(asset, f.name) for f in fields(AssetData)}


@pytest.mark.parametrize("typed", ["hp laserjet", "HP LASERJET", "Hp LaserJet"])
def test_search_ignores_case_of_latin_letters(app, typed):
    staff = make_user(Role.STAFF)
    printer = make_asset(name="激光打印机 HP LaserJet M1136")
    assert [a.id for a in search_assets(staff, AssetQuery(text=typed)).items] == [printer.id]
