"""Four eyes start with the value: the original value (原值) and the purchase date decide how a disposal is approved,
so only the office changes them; disposed and lost come from their own records, not from a keeper's edit."""
from datetime import date
from decimal import Decimal

import pytest

from tagsvc.accounts.models import Role
from tagsvc.assets.models import Asset, AssetStatus
from tagsvc.assets.services import AssetData, asset_data_of, create_asset, update_asset
from tagsvc.errors import ConflictError, PermissionDeniedError
from tagsvc.extensions import db
from tests.factories import make_asset, make_department, make_user


@pytest.fixture
def keeper_and_board(app):
    department = make_department("信息中心")
    keeper = make_user(Role.KEEPER, departments=[department])
    board = make_asset(name="交互式电子白板", department_id=department.id, price=Decimal("25000.00"))
    return keeper, board


@pytest.mark.parametrize("change", [{"price": Decimal("100.00")}, {"price": None}, {"purchase_date": date(2001, 9, 1)}])
def test_a_keeper_changes_neither_price_nor_purchase_date(keeper_and_board, change):
    keeper, board = keeper_and_board
    data = asset_data_of(board)
    for key, value in change.items():
        setattr(data, key, value)
    with pytest.raises(PermissionDeniedError, match="Only the logistics office changes the original value"):
        update_asset(keeper, board.id, data)
    db.session.expire_all()
    assert db.session.get(Asset, board.id).price == Decimal("25000.00")


def test_a_keeper_still_edits_everything_else(keeper_and_board):
    keeper, board = keeper_and_board
    data = asset_data_of(board)
    data.custodian_name = "李老师"
    assert update_asset(keeper, board.id, data).custodian_name == "李老师"


def test_the_office_changes_the_original_value(app, keeper_and_board):
    _keeper, board = keeper_and_board
    data = asset_data_of(board)
    data.price = Decimal("24000.00")
    assert update_asset(make_user(Role.ADMIN), board.id, data).price == Decimal("24000.00")


@pytest.mark.parametrize("status", [AssetStatus.DISPOSED, AssetStatus.LOST])
def test_a_keeper_neither_registers_nor_marks_an_item_disposed_or_lost(keeper_and_board, status):
    keeper, board = keeper_and_board
    with pytest.raises(PermissionDeniedError, match="is not set by hand"):
        create_asset(keeper, AssetData(asset_number="NEW-1", name="椅子", department_id=board.department_id, status=status))
    data = asset_data_of(board)
    data.status = status
    with pytest.raises((PermissionDeniedError, ConflictError)):  # disposed: "propose its disposal instead"
        update_asset(keeper, board.id, data)
    db.session.expire_all()
    assert db.session.get(Asset, board.id).status == AssetStatus.IN_USE


def test_the_keepers_edit_page_shows_the_values_as_the_offices(client, login_as, keeper_and_board):
    keeper, board = keeper_and_board
    login_as(keeper)
    page = client.get(f"/assets/{board.id}/edit").get_data(as_text=True)
    assert "Only the logistics office changes the original value and the purchase date." in page
    assert 'name="price"' in page and "readonly" in page
