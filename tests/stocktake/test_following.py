"""A stocktake follows what moves its items while it is open: a transfer (expected in the new place, or accounted
for outside the scope), a loan or a handover (accounted for), a disposal (off the list). None is a false 盘亏."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from tagsvc.disposals import services as disposals
from tagsvc.disposals.models import DisposalReason
from tagsvc.extensions import db
from tagsvc.loans import services as loans
from tagsvc.loans.models import HandoutKind, RecipientKind
from tagsvc.stocktake import reconciling, services
from tagsvc.stocktake.display import movement_note
from tagsvc.stocktake.following import open_stocktakes_holding
from tagsvc.stocktake.models import Movement, StocktakeItem
from tagsvc.transfers import services as transfers
from tests.factories import make_user
from tests.stocktake.conftest import sighting


def _item(stocktake, asset) -> StocktakeItem:
    db.session.expire_all()
    return db.session.scalar(select(StocktakeItem).where(StocktakeItem.stocktake_id == stocktake.id, StocktakeItem.asset_id == asset.id))


def _transfer(f, asset, to_location, to_department=None):
    data = transfers.TransferRequest(asset_ids=[asset.id], to_department_id=(to_department or f.teaching).id, to_location_id=to_location.id,
                                     to_custodian="", reason="")
    transfer = transfers.request_transfer(f.office, data, direct=True)
    transfers.confirm_arrival(f.office, transfer.id, asset.id)
    return transfer


def _close(f, stocktake):
    return services.close_stocktake(f.office, stocktake.id)


def test_a_transfer_within_the_scope_moves_what_the_stocktake_expects(floor, stocktake):
    bed = floor.items["301-bed1"]
    assert [(s.id, n) for s, n in open_stocktakes_holding([bed.id])] == [(stocktake.id, 1)]
    transfer = _transfer(floor, bed, floor.rooms["302"])
    item = _item(stocktake, bed)
    assert (item.expected_location_id, item.expected_department_id) == (floor.rooms["302"].id, floor.teaching.id)
    assert (item.moved_by, item.moved_by_number, item.found) == (Movement.TRANSFER, transfer.number, False)
    room_301 = services.room_view(floor.office, stocktake.id, floor.rooms["301"].id)
    room_302 = services.room_view(floor.office, stocktake.id, floor.rooms["302"].id)
    assert bed.id not in {i.asset_id for i in room_301.missing} and bed.id in {i.asset_id for i in room_302.missing}
    services.confirm_in_stocktake(floor.office, stocktake.id, sighting(bed, floor.rooms["302"]))  # found where it went: in place
    _close(floor, stocktake)
    report = reconciling.reconciliation(floor.office, stocktake.id)
    assert bed.id not in {i.asset_id for i in report.missing + report.misplaced}
    assert [i.asset_id for i in report.followed] == [bed.id]
    assert movement_note(report.followed[0]) == f"Transferred by {transfer.number}: now expected in 宿舍A栋 › 3F › 302"


def test_a_transfer_out_of_the_scope_is_accounted_for_not_missing(floor, stocktake):
    bed = floor.items["301-bed2"]
    transfer = _transfer(floor, bed, floor.other_block)
    item = _item(stocktake, bed)
    assert item.accounted_for and item.found and item.expected_location_id == floor.rooms["301"].id  # what it was expected as
    _close(floor, stocktake)
    report = reconciling.reconciliation(floor.office, stocktake.id)
    assert bed.id not in {i.asset_id for i in report.missing} and [i.asset_id for i in report.accounted] == [bed.id]
    assert movement_note(report.accounted[0]) == f"Transferred by {transfer.number} out of this stocktake's scope: accounted for"
    assert report.total.missing == report.total.expected - report.total.found and report.total.accounted == 1
    assert "后勤王老师" not in dict(services.progress(floor.office, stocktake.id).people)  # accounting is not someone's count


@pytest.mark.parametrize("kind", [HandoutKind.LOAN, HandoutKind.ISSUE])
def test_a_lent_or_handed_over_item_counts_as_accounted_for(floor, stocktake, kind):
    chair = floor.items["302-chair"]
    handout = loans.start_handout(floor.office, kind, loans.Recipient(RecipientKind.STUDENT, "王小明", "高一(3)班",
                                                                      due_on=loans.school_today() + timedelta(days=7)))
    loans.hand_out(floor.office, handout.id, chair.id)
    item = _item(stocktake, chair)
    assert item.accounted_for and item.moved_by == (Movement.LOAN if kind == HandoutKind.LOAN else Movement.HANDOVER)
    tally = services.room_view(floor.office, stocktake.id, floor.rooms["302"].id)
    assert chair.id not in {i.asset_id for i in tally.missing}
    _close(floor, stocktake)
    report = reconciling.reconciliation(floor.office, stocktake.id)
    assert [i.asset_id for i in report.accounted] == [chair.id] and chair.id not in {i.asset_id for i in report.missing}
    assert handout.number in movement_note(report.accounted[0])


def test_a_disposed_item_leaves_the_list(floor, stocktake):
    chair = floor.items["303-chair"]
    before = services.progress(floor.office, stocktake.id).total.expected
    head = make_user(floor.office.role, display_name="后勤刘主任")
    disposal = disposals.propose_disposal(floor.keeper, disposals.Proposal([chair.id], DisposalReason.OBSOLETE, "坏了"))
    disposals.approve_disposal(head, disposal.id)
    assert _item(stocktake, chair).left_list
    progress = services.progress(floor.office, stocktake.id)
    assert progress.total.expected == before - 1
    assert services.room_tally(stocktake.id, floor.rooms["303"].id)[1] == 2
    _close(floor, stocktake)
    report = reconciling.reconciliation(floor.office, stocktake.id)
    assert [i.asset_id for i in report.left] == [chair.id]
    assert chair.id not in {i.asset_id for i in report.missing} and report.total.expected == before - 1
    assert movement_note(report.left[0]) == f"Disposed of by {disposal.number}: off the list"


def test_an_item_confirmed_before_it_moved_keeps_its_confirmation(floor, stocktake):
    chair = floor.items["301-chair"]
    services.confirm_in_stocktake(floor.keeper, stocktake.id, sighting(chair, floor.rooms["301"]))
    handout = loans.start_handout(floor.office, HandoutKind.LOAN, loans.Recipient(RecipientKind.STUDENT, "王小明", "高一(3)班",
                                                                                  due_on=loans.school_today() + timedelta(days=3)))
    loans.hand_out(floor.office, handout.id, chair.id)
    item = _item(stocktake, chair)
    assert item.confirmed_by_name == "宿管李阿姨" and not item.accounted_for and item.moved_by == Movement.LOAN


def test_a_closed_stocktake_does_not_follow(floor, stocktake):
    bed = floor.items["302-bed1"]
    _close(floor, stocktake)
    _transfer(floor, bed, floor.other_block)
    item = _item(stocktake, bed)
    assert item.moved_by is None and not item.found
    assert open_stocktakes_holding([bed.id]) == []
