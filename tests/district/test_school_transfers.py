"""Transfers between schools (划拨): offered by the sending school's office, accepted by the receiving school, approved
by the education bureau, and arrived by scanning each label at the receiving school. The items then belong to the
receiving school, with the same labels; each school reads its own part of their history."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from tagsvc.accounts.models import Role, User
from tagsvc.assets.holds import hold_on
from tagsvc.assets.models import Asset, AssetStatus
from tagsvc.assets.services import AssetQuery, replace_tag, search_assets
from tagsvc.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from tagsvc.extensions import db
from tagsvc.ledger.models import LedgerAction, LedgerEvent
from tagsvc.schools.services import create_school
from tagsvc.schools.wall import use_school
from tagsvc.stocktake.models import StocktakeItem
from tagsvc.stocktake.services import Scope, close_stocktake, open_stocktake, stocktakes_for
from tagsvc.structure.models import Department
from tagsvc.tags.models import Tag
from tagsvc.transfers import between_schools as hb
from tagsvc.transfers.models import SchoolTransfer, SchoolTransferStatus
from tests.factories import make_user, two_demo_schools


@pytest.fixture
def district(app):
    first, second = two_demo_schools(60, 40)
    bureau = make_user(Role.DISTRICT, username="district")
    db.session.commit()
    return bureau, first, second


def _two_items(first) -> list[Asset]:
    with use_school(1):
        assets = list(db.session.scalars(select(Asset).where(Asset.status == AssetStatus.IN_USE, Asset.price.is_not(None))
                                         .order_by(Asset.id).limit(2)))
        for asset in assets:
            db.session.expunge(asset)
        return assets


def _offered(first, second, assets, reason="初中部撤并，课桌椅支援第二中学") -> SchoolTransfer:
    with use_school(1):
        return hb.offer_to_school(first, [a.id for a in assets], second.school_id, reason)


def _receiving_department(second) -> Department:
    with use_school(second.school_id):
        return db.session.scalar(select(Department).order_by(Department.id))


def test_items_change_school_by_scan_with_their_labels_and_each_school_reads_its_part(app, client, login_as, district):
    bureau, first, second = district
    assets = _two_items(first)
    with use_school(1):
        for demo in stocktakes_for(first):  # the demo's dorm stocktake: this one takes the whole school
            close_stocktake(first, demo.id, pending_override=0)
        stocktake = open_stocktake(first, "期末盘点", Scope())
        db.session.get(Asset, assets[0].id).status = AssetStatus.IDLE  # stored in a cupboard: its history says so
        db.session.commit()
        codes = [db.session.scalar(select(Tag.code).where(Tag.asset_id == a.id, Tag.retired_at.is_(None))) for a in assets]
    transfer = _offered(first, second, assets)
    assert transfer.number.startswith("HB-") and transfer.status == SchoolTransferStatus.OFFERED
    with use_school(1):
        assert hold_on(assets[0].id).document == transfer.number  # held: no loan, disposal or transfer meanwhile
    department = _receiving_department(second)
    with use_school(second.school_id):
        assert [t.id for t, steps in hb.school_transfers_waiting(second)] == [transfer.id]
        hb.accept_offer(second, transfer.id, department.id, custodian="王老师")
    assert [t.id for t, steps in hb.school_transfers_waiting(bureau)] == [transfer.id]
    hb.approve_offer(bureau, transfer.id)

    with use_school(second.school_id):
        first_arrival = hb.confirm_school_arrival(second, transfer.id, f"https://tags.example.cn/t/{codes[0]}")
        assert (first_arrival.counted, first_arrival.arrived, first_arrival.total) == (True, 1, 2)
        again = hb.confirm_school_arrival(second, transfer.id, codes[0])
        assert not again.counted and again.item.arrived_by_name == second.display_name
        last = hb.confirm_school_arrival(second, transfer.id, codes[1])
        assert last.completed

        # The receiving school: the items are its own now, same labels, in the department it chose.
        new = db.session.scalar(select(Asset).join(Tag, Tag.asset_id == Asset.id).where(Tag.code == codes[0]))
        assert (new.school_id, new.name, new.price, new.department_id, new.custodian_name) == (
            second.school_id, assets[0].name, assets[0].price, department.id, "王老师")
        history = list(db.session.scalars(select(LedgerEvent).where(LedgerEvent.asset_id.in_([new.id, assets[0].id]))))
        assert [e.action for e in history] == [LedgerAction.TRANSFERRED_IN]  # from the transfer on, nothing of the sender's
        assert db.session.get(Asset, assets[0].id) is None

    with use_school(1):
        old = db.session.get(Asset, assets[0].id)
        assert old.status == AssetStatus.TRANSFERRED_OUT and hold_on(old.id) is None
        with pytest.raises(ConflictError, match=assets[0].asset_number):
            replace_tag(first, old.id)  # its record here is history: no new label, no edit
        events = list(db.session.scalars(select(LedgerEvent).where(LedgerEvent.asset_id == old.id).order_by(LedgerEvent.id)))
        assert [e.action for e in events[-2:]] == [LedgerAction.SCHOOL_TRANSFER_OFFERED, LedgerAction.TRANSFERRED_OUT]
        assert events[-1].changes == {"status": ["idle", "transferred_out"]}
        assert old.id not in {a.id for a in search_assets(first, AssetQuery(per_page=1000)).items}  # off the active register
        # The open stocktake does not count it missing: it left the list, naming the transfer.
        item = db.session.scalar(select(StocktakeItem).where(StocktakeItem.stocktake_id == stocktake.id, StocktakeItem.asset_id == old.id))
        assert item.left_list and item.moved_by_number == transfer.number

    # The label's page names the school it belongs to now.
    page = client.get(f"/t/{codes[0]}")
    assert "第二中学" in page.get_data(as_text=True) and "第一中学" not in page.get_data(as_text=True)


def test_who_may_take_each_step(app, district):
    bureau, first, second = district
    third_school = create_school("s3", "实验小学")
    with use_school(third_school.id):
        stranger = make_user(Role.ADMIN, username="s3-admin")
        db.session.commit()
    assets = _two_items(first)
    transfer = _offered(first, second, assets)
    department = _receiving_department(second)
    with use_school(third_school.id):
        with pytest.raises(NotFoundError):
            hb.get_school_transfer(stranger, transfer.id)  # a third school does not even see it
        assert db.session.scalar(select(SchoolTransfer.id).where(SchoolTransfer.id == transfer.id)) is None
    with use_school(1):
        with pytest.raises(PermissionDeniedError):
            hb.accept_offer(first, transfer.id, department.id)  # the sender cannot accept its own offer
    with pytest.raises(PermissionDeniedError):
        hb.accept_offer(bureau, transfer.id, department.id)
    with pytest.raises(ConflictError):
        hb.approve_offer(bureau, transfer.id)  # the bureau decides after the receiving school
    with use_school(second.school_id):
        keeper = db.session.scalar(select(User).where(User.username == "s2-keeper1"))
        with pytest.raises(NotFoundError):
            hb.accept_offer(keeper, transfer.id, department.id)  # a keeper: not until a department of theirs is named
        with pytest.raises(PermissionDeniedError):
            hb.approve_offer(second, transfer.id)
        with pytest.raises(ValidationError):
            hb.accept_offer(second, transfer.id, None)
        hb.accept_offer(second, transfer.id, department.id)
        with pytest.raises(ConflictError, match="approved|批准|bureau|教育局"):
            hb.confirm_school_arrival(second, transfer.id, assets[0].asset_number)  # not a label code, and not approved
    hb.approve_offer(bureau, transfer.id)
    with use_school(1):
        with pytest.raises(ConflictError):
            hb.cancel_offer(first, transfer.id)  # approved: too late to withdraw
        with pytest.raises(PermissionDeniedError):
            hb.confirm_school_arrival(first, transfer.id, "whatever")  # only the receiving school confirms


def test_a_declined_or_rejected_offer_frees_its_items(app, district):
    bureau, first, second = district
    assets = _two_items(first)
    transfer = _offered(first, second, assets)
    with use_school(second.school_id):
        with pytest.raises(ValidationError):
            hb.decline_offer(second, transfer.id, "  ")
        hb.decline_offer(second, transfer.id, "没有地方放")
    with use_school(1):
        assert hold_on(assets[0].id) is None
        history = [e.action for e in db.session.scalars(select(LedgerEvent).where(LedgerEvent.asset_id == assets[0].id).order_by(LedgerEvent.id))]
        assert history[-1] == LedgerAction.SCHOOL_TRANSFER_CLOSED
    again = _offered(first, second, assets)
    with use_school(second.school_id):
        hb.accept_offer(second, again.id, _receiving_department(second).id)
    hb.reject_offer(bureau, again.id, "请先报区财政局备案")
    with use_school(1):
        assert hold_on(assets[0].id) is None
        assert db.session.get(Asset, assets[0].id).status == AssetStatus.IN_USE
        closed = hb.get_school_transfer(first, again.id)
        assert (closed.status, closed.close_reason) == (SchoolTransferStatus.REJECTED, "请先报区财政局备案")


def test_an_offer_that_cannot_be_made_changes_nothing(app, district):
    bureau, first, second = district
    assets = _two_items(first)
    with use_school(1):
        for bad, target, reason in ((assets, None, "x"), (assets, 1, "x"), (assets, second.school_id, " "), ([], second.school_id, "x")):
            with pytest.raises(ValidationError):
                hb.offer_to_school(first, [a.id for a in bad], target, reason)
        keeper = db.session.scalar(select(User).where(User.username == "keeper1"))
        with pytest.raises(PermissionDeniedError):
            hb.offer_to_school(keeper, [assets[0].id], second.school_id, "x")
        assert db.session.scalar(select(SchoolTransfer.id)) is None and hold_on(assets[0].id) is None
    _offered(first, second, assets[:1])
    with use_school(1), pytest.raises(ConflictError):
        hb.offer_to_school(first, [assets[0].id], second.school_id, "again")  # held by the first offer


def test_an_asset_number_the_receiving_school_has_already_gets_the_transfer_number(app, district):
    bureau, first, second = district
    assets = _two_items(first)
    with use_school(second.school_id):
        taken = db.session.scalar(select(Asset).order_by(Asset.id))
        taken.asset_number = assets[0].asset_number
        db.session.commit()
    transfer = _offered(first, second, assets[:1])
    with use_school(second.school_id):
        hb.accept_offer(second, transfer.id, _receiving_department(second).id)
    hb.approve_offer(bureau, transfer.id)
    with use_school(second.school_id):
        arrival = hb.confirm_school_arrival(second, transfer.id, arrival_item_id := transfer.items[0].id)
        assert arrival.counted and arrival_item_id
        new = db.session.get(Asset, arrival.item.new_asset_id)
        assert new.asset_number == f"{assets[0].asset_number}-{transfer.number}"


def test_the_whole_way_through_the_pages(app, client, login_as, district):
    bureau, first, second = district
    assets = _two_items(first)
    login_as(first)
    page = client.get("/transfers/schools/new?" + "&".join(f"asset={a.id}" for a in assets))
    assert page.status_code == 200 and "第二中学" in page.get_data(as_text=True)
    refused = client.post("/transfers/schools/new", data={"asset": [a.id for a in assets], "to_school_id": second.school_id, "reason": ""})
    assert refused.status_code == 400 and db.session.scalar(select(SchoolTransfer.id)) is None
    done = client.post("/transfers/schools/new", data={"asset": [a.id for a in assets], "to_school_id": second.school_id, "reason": "支援"})
    assert done.status_code == 302
    transfer_id = db.session.scalar(select(SchoolTransfer.id))
    client.post("/logout")
    login_as(second)
    assert "HB-" in client.get("/approvals").get_data(as_text=True) and "HB-" in client.get("/").get_data(as_text=True)
    department = _receiving_department(second)
    client.post(f"/transfers/schools/{transfer_id}/accept", data={"to_department_id": department.id})
    client.post("/logout")
    login_as(bureau)
    assert "HB-" in client.get("/approvals").get_data(as_text=True)
    client.post(f"/transfers/schools/{transfer_id}/approve")
    client.post("/logout")
    login_as(second)
    with use_school(1):
        code = db.session.scalar(select(Tag.code).where(Tag.asset_id == assets[0].id))
    answer = client.post(f"/transfers/schools/{transfer_id}/arrivals.json", json={"code": code, "method": "camera"})
    assert answer.status_code == 200 and answer.get_json()["counted"] is True
    wrong = client.post(f"/transfers/schools/{transfer_id}/arrivals.json", json={"code": "ZZZZ-ZZZZ"})
    assert wrong.status_code == 400 and "HB-" in wrong.get_json()["detail"]
    page = client.get(f"/transfers/schools/{transfer_id}").get_data(as_text=True)
    assert "已到 1 / 2" in page or "1 of 2 arrived" in page
