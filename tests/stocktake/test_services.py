"""Stocktakes as services: opening with a snapshot, counting once, strangers, closing, reconciling."""
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from tagsvc.assets.models import AssetCondition, AssetStatus
from tagsvc.assets.services import asset_data_of, update_asset
from tagsvc.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from tagsvc.extensions import db
from tagsvc.ledger.models import LedgerAction, LedgerEvent
from tagsvc.scanning.services import scan_facts
from tagsvc.stocktake import reconciling, services
from tagsvc.stocktake.models import FindingKind, Resolution, ScanOutcome, StocktakeItem, StocktakeScan
from tagsvc.tags.services import format_code
from tests.stocktake.conftest import open_floor_stocktake, sighting


def counted(stocktake) -> int:
    return db.session.scalar(select(func.count(StocktakeItem.confirmed_at)).where(StocktakeItem.stocktake_id == stocktake.id))


def test_opening_snapshots_every_asset_in_scope_where_the_books_put_it(floor, stocktake):
    assert stocktake.expected_count == 10  # 9 dorm items on the floor and the projector in 301, not the B block bed
    item = db.session.scalar(select(StocktakeItem).where(StocktakeItem.asset_id == floor.items["301-bed1"].id))
    assert (item.expected_location_id, item.expected_department_id, item.expected_custodian) == (floor.rooms["301"].id, floor.dorms.id, "赵老师")
    assert "3F" in stocktake.scope_words


def test_later_edits_to_the_register_do_not_change_what_was_expected(floor, stocktake):
    bed = floor.items["301-bed1"]
    data = asset_data_of(bed)
    data.location_id = floor.rooms["302"].id
    update_asset(floor.office, bed.id, data)
    item = db.session.scalar(select(StocktakeItem).where(StocktakeItem.asset_id == bed.id))
    assert item.expected_location_id == floor.rooms["301"].id


def test_opening_an_overlapping_stocktake_is_refused_naming_the_other(floor, stocktake):
    with pytest.raises(ConflictError, match="2026秋 A栋3楼盘点"):
        services.open_stocktake(floor.office, "宿舍全部", services.Scope(department_ids=(floor.dorms.id,)))
    assert db.session.scalar(select(func.count()).select_from(StocktakeItem)) == 10


def test_after_closing_the_same_assets_can_be_counted_again(floor, stocktake):
    services.close_stocktake(floor.office, stocktake.id)
    again = services.open_stocktake(floor.office, "复盘", services.Scope(location_ids=(floor.floor.id,)))
    assert again.expected_count == 10


@pytest.mark.parametrize("kwargs, message", [
    ({"name": "  "}, "name"),
    ({"deadline": date.today() - timedelta(days=1)}, "deadline"),
])
def test_opening_with_bad_input_says_why_and_opens_nothing(floor, kwargs, message):
    with pytest.raises(ValidationError, match=message):
        open_floor_stocktake(floor, **kwargs)
    assert services.stocktakes_for(floor.office) == []


def test_a_scope_with_nothing_in_it_is_refused(floor):
    with pytest.raises(ValidationError, match="Nothing in the register"):
        services.open_stocktake(floor.office, "空", services.Scope(location_ids=(floor.block.id,), department_ids=(floor.teaching.id,),
                                                                 category_ids=(floor.beds.id,)))


def test_only_the_office_opens_a_stocktake(floor):
    with pytest.raises(PermissionDeniedError):
        services.open_stocktake(floor.keeper, "x", services.Scope())
    assert services.stocktakes_for(floor.office) == []


def test_a_confirmation_counts_once_and_a_second_person_is_told_who_was_first(floor, stocktake):
    bed, room = floor.items["301-bed1"], floor.rooms["301"]
    first = services.confirm_in_stocktake(floor.keeper, stocktake.id, sighting(bed, room))
    second = services.confirm_in_stocktake(floor.office, stocktake.id, sighting(bed, room))
    assert first.outcome == ScanOutcome.CONFIRMED
    assert (second.outcome, second.first_by) == (ScanOutcome.ALREADY_CONFIRMED, "宿管李阿姨")
    assert counted(stocktake) == 1
    assert scan_facts(bed.current_tag.code).last_confirmed_at is not None
    events = db.session.scalars(select(LedgerEvent).where(LedgerEvent.asset_id == bed.id, LedgerEvent.action == LedgerAction.STOCKTAKE_CONFIRMED)).all()
    assert len(events) == 1 and "2026秋 A栋3楼盘点" in events[0].note_words and "301" in events[0].note_words


def test_a_replayed_batch_counts_each_confirmation_once(floor, stocktake):
    room = floor.rooms["302"]
    batch = [sighting(floor.items[f"302-{k}"], room, scan_id=f"scan-{k}") for k in ("bed1", "bed2", "chair")]
    services.confirm_batch(floor.keeper, stocktake.id, batch, device_id="phone-1", pending=0)
    again = services.confirm_batch(floor.keeper, stocktake.id, batch, device_id="phone-1", pending=0)
    assert [r.outcome for r in again] == [ScanOutcome.CONFIRMED] * 3 and all(r.replayed for r in again)
    assert counted(stocktake) == 3
    assert db.session.scalar(select(func.count()).select_from(StocktakeScan)) == 3


def test_an_item_confirmed_in_another_room_is_misplaced_and_says_where_it_is_booked(floor, stocktake):
    result = services.confirm_in_stocktake(floor.keeper, stocktake.id, sighting(floor.items["301-bed2"], floor.rooms["303"]))
    assert result.misplaced and result.booked_in == "宿舍A栋 › 3F › 301"


def test_standing_in_the_room_of_a_bed_booked_to_a_spot_inside_it_is_in_place(floor):
    from tests.factories import make_asset, make_location

    spot = make_location("1号床位", parent=floor.rooms["301"])
    bed = make_asset(name="床位床", location_id=spot.id, department_id=floor.dorms.id)
    stocktake = open_floor_stocktake(floor)
    result = services.confirm_in_stocktake(floor.keeper, stocktake.id, sighting(bed, floor.rooms["301"]))
    assert result.outcome == ScanOutcome.CONFIRMED and not result.misplaced


def test_an_item_outside_the_scope_is_recorded_as_not_on_the_list(floor, stocktake):
    result = services.confirm_in_stocktake(floor.keeper, stocktake.id, sighting(floor.stranger, floor.rooms["301"]))
    assert result.outcome == ScanOutcome.NOT_ON_LIST and result.name == "B栋床"
    reconciled = reconciling.reconciliation(floor.office, stocktake.id)
    assert [(f.kind, f.name) for f in reconciled.surplus] == [(FindingKind.OUTSIDE_SCOPE, "B栋床")]


def test_a_keeper_never_silently_confirms_an_item_outside_their_assignment(floor, stocktake):
    result = services.confirm_in_stocktake(floor.keeper, stocktake.id, sighting(floor.projector, floor.rooms["301"]))
    assert result.outcome == ScanOutcome.NOT_ON_LIST
    assert counted(stocktake) == 0
    assert reconciling.reconciliation(floor.office, stocktake.id).surplus[0].kind == FindingKind.OUTSIDE_ASSIGNMENT


def test_a_keeper_not_taking_part_cannot_confirm(floor, stocktake):
    with pytest.raises(PermissionDeniedError):
        services.confirm_in_stocktake(floor.other_keeper, stocktake.id, sighting(floor.projector, floor.rooms["301"]))
    with pytest.raises(NotFoundError):
        services.get_stocktake(floor.staff, stocktake.id)
    assert counted(stocktake) == 0


def test_a_room_outside_the_scope_refuses_the_whole_batch(floor, stocktake):
    batch = [sighting(floor.items["301-bed1"], floor.rooms["301"], scan_id="a"), sighting(floor.items["302-bed1"], floor.other_block, scan_id="b")]
    with pytest.raises(ValidationError, match="宿舍B栋"):
        services.confirm_batch(floor.keeper, stocktake.id, batch)
    db.session.rollback()
    assert counted(stocktake) == 0


def test_a_closed_stocktake_takes_no_more_confirmations(floor, stocktake):
    services.close_stocktake(floor.office, stocktake.id)
    with pytest.raises(ConflictError, match="closed"):
        services.confirm_in_stocktake(floor.keeper, stocktake.id, sighting(floor.items["301-bed1"], floor.rooms["301"]))
    assert counted(stocktake) == 0


def test_a_batch_too_large_or_repeating_an_id_is_refused(floor, stocktake):
    bed = floor.items["301-bed1"]
    with pytest.raises(ValidationError, match="at most"):
        services.confirm_batch(floor.keeper, stocktake.id, [sighting(bed, None, scan_id=str(n)) for n in range(services.MAX_BATCH + 1)])
    with pytest.raises(ValidationError, match="twice"):
        services.confirm_batch(floor.keeper, stocktake.id, [sighting(bed, None, scan_id="x"), sighting(bed, None, scan_id="x")])
    assert counted(stocktake) == 0


def test_codes_are_read_from_a_whole_label_url_or_as_typed(floor):
    code = floor.items["301-bed1"].current_tag.code
    assert services.code_in(f"https://school.example/t/{code}") == code
    assert services.code_in(f"HTTPS://SCHOOL.EXAMPLE/T/{code}") == code
    assert services.code_in(format_code(code).lower()) == code
    assert services.code_in("6901234567892") is None  # a shop barcode, another school's format


def test_a_code_of_another_format_is_answered_and_records_nothing(floor, stocktake):
    result = services.confirm_in_stocktake(floor.keeper, stocktake.id, services.Sighting("ABC-123", floor.rooms["301"].id, "typed"))
    assert result.outcome is None
    assert db.session.scalar(select(func.count()).select_from(StocktakeScan)) == 0


def test_a_room_label_scanned_is_a_room_not_an_item(floor, stocktake):
    from tagsvc.tags.services import _issue_location_tag

    tag = _issue_location_tag(floor.rooms["302"].id)
    db.session.commit()
    result = services.confirm_in_stocktake(floor.keeper, stocktake.id, services.Sighting(tag.code, None, "camera"))
    assert (result.outcome, result.location_id) == (ScanOutcome.ROOM_LABEL, floor.rooms["302"].id)
    assert services.room_codes(stocktake) == {tag.code: floor.rooms["302"].id}


def test_a_found_item_without_a_label_is_recorded_once_for_the_office(floor, stocktake):
    thing = services.FoundThing(name="蓝色塑料椅", location_id=floor.rooms["303"].id, scan_id="f-1")
    first = services.record_finding(floor.keeper, stocktake.id, thing)
    again = services.record_finding(floor.keeper, stocktake.id, thing)
    assert first.id == again.id and first.kind == FindingKind.NO_LABEL
    with pytest.raises(ValidationError):
        services.record_finding(floor.keeper, stocktake.id, services.FoundThing(name=" ", location_id=None))


def test_a_condition_marked_while_confirming_changes_the_register_and_the_report(floor, stocktake):
    chair = floor.items["303-chair"]
    services.confirm_in_stocktake(floor.keeper, stocktake.id, sighting(chair, floor.rooms["303"], condition=AssetCondition.POOR))
    db.session.refresh(chair)
    assert chair.condition == AssetCondition.POOR
    assert [i.name for i in reconciling.reconciliation(floor.office, stocktake.id).condition_changes] == ["303椅子"]


def test_closing_is_refused_while_a_phone_holds_confirmations_unless_the_office_accepts_the_number(floor, stocktake):
    services.report_device(floor.keeper, stocktake.id, "phone-1", 4)
    with pytest.raises(ConflictError, match="4 confirmations"):
        services.close_stocktake(floor.office, stocktake.id)
    with pytest.raises(ConflictError):
        services.close_stocktake(floor.office, stocktake.id, pending_override=3)  # the number shown has changed
    closed = services.close_stocktake(floor.office, stocktake.id, pending_override=4)
    assert not closed.is_open and closed.closed_with_pending == 4


def walk_the_floor(f, stocktake):
    """Everything found except two beds of 302, and 303's chair found in 301."""
    for key, asset in f.items.items():
        if key in ("302-bed1", "302-bed2"):
            continue
        room = f.rooms["301"] if key == "303-chair" else f.rooms[key[:3]]
        services.confirm_in_stocktake(f.keeper, stocktake.id, sighting(asset, room))
    services.confirm_in_stocktake(f.office, stocktake.id, sighting(f.projector, f.rooms["301"]))


def test_the_reconciliation_lists_each_difference_with_totals_and_the_match_rate(floor, stocktake):
    walk_the_floor(floor, stocktake)
    services.close_stocktake(floor.office, stocktake.id)
    report = reconciling.reconciliation(floor.office, stocktake.id)
    assert sorted(i.name for i in report.missing) == ["302床1", "302床2"]
    assert [(i.name, i.confirmed_location.name, i.expected_location.name) for i in report.misplaced] == [("303椅子", "301", "303")]
    assert report.in_place == 7 and report.match_rate == pytest.approx(0.7)
    assert str(report.total.missing_value) == "1600.00"


def test_corrections_move_the_books_mark_losses_and_write_the_ledger(floor, stocktake):
    walk_the_floor(floor, stocktake)
    services.close_stocktake(floor.office, stocktake.id)
    report = reconciling.reconciliation(floor.office, stocktake.id)
    reconciling.resolve_item(floor.office, stocktake.id, report.misplaced[0].id, Resolution.MOVED)
    reconciling.resolve_item(floor.office, stocktake.id, report.missing[0].id, Resolution.LOST)
    reconciling.resolve_item(floor.office, stocktake.id, report.missing[1].id, Resolution.LEFT_OPEN, note="学生带回家维修")
    chair, bed = db.session.get(type(floor.items["303-chair"]), floor.items["303-chair"].id), db.session.get(type(floor.items["303-chair"]), report.missing[0].asset_id)
    assert chair.location.name == "301" and bed.status == AssetStatus.LOST
    corrected = db.session.scalars(select(LedgerEvent).where(LedgerEvent.action == LedgerAction.STOCKTAKE_CORRECTED)).all()
    assert len(corrected) == 2 and all("2026秋 A栋3楼盘点" in e.note_words for e in corrected)
    with pytest.raises(ConflictError):
        reconciling.resolve_item(floor.office, stocktake.id, report.missing[0].id, Resolution.LOST)
    assert reconciling.reconciliation(floor.office, stocktake.id).open_differences == 1


def test_corrections_wait_until_the_stocktake_is_closed(floor, stocktake):
    with pytest.raises(ConflictError, match="Close the stocktake first"):
        reconciling.resolve_item(floor.office, stocktake.id, 1, Resolution.LOST)


def test_a_surplus_item_is_registered_with_its_blank_label(floor, stocktake):
    from tagsvc.assets.services import AssetData
    from tagsvc.tags.models import Tag

    blank = Tag(code="ABCDEFGH")
    db.session.add(blank)
    db.session.commit()
    finding = services.record_finding(floor.keeper, stocktake.id, services.FoundThing(name="饮水机", location_id=floor.rooms["303"].id, code="ABCD-EFGH"))
    assert finding.kind == FindingKind.BLANK_LABEL
    services.close_stocktake(floor.office, stocktake.id)
    reconciling.resolve_finding(floor.office, stocktake.id, finding.id, Resolution.REGISTERED,
                             data=AssetData(asset_number="YSJ-1", name="饮水机", department_id=floor.dorms.id))
    facts = scan_facts("ABCDEFGH")
    assert facts.asset_number == "YSJ-1" and facts.location.endswith("303")


def test_one_item_twice_in_one_batch_counts_once(floor, stocktake):
    bed, room = floor.items["303-bed2"], floor.rooms["303"]
    results = services.confirm_batch(floor.keeper, stocktake.id, [sighting(bed, room, scan_id="a"), sighting(bed, room, scan_id="b")])
    assert [r.outcome for r in results] == [ScanOutcome.CONFIRMED, ScanOutcome.ALREADY_CONFIRMED]
    assert results[1].first_by == "宿管李阿姨" and counted(stocktake) == 1


def test_the_label_banner_shows_whose_part_an_item_is(floor):
    # The keeper takes part by department, the other keeper by place (301 and what is inside it), staff not at all.
    stocktake = open_floor_stocktake(floor, assignments=[
        services.Assignment(user_id=floor.keeper.id, department_id=floor.dorms.id),
        services.Assignment(user_id=floor.other_keeper.id, location_id=floor.rooms["301"].id)])
    bed_301, bed_302 = floor.items["301-bed1"], floor.items["302-bed1"]
    by_department = services.banner_for(floor.keeper, bed_302.id, floor.rooms["302"].id)
    assert (by_department.stocktake_name, by_department.covered, by_department.room_name) == ("2026秋 A栋3楼盘点", True, "宿舍A栋 › 3F › 302")
    assert services.banner_for(floor.other_keeper, bed_301.id).covered is True
    # Outside their place: the tap records it as not on their list.
    assert services.banner_for(floor.other_keeper, bed_302.id).covered is False
    assert services.banner_for(floor.office, bed_302.id).covered is True
    assert services.banner_for(floor.staff, bed_302.id) is None
    assert services.banner_for(floor.keeper, floor.stranger.id) is None  # not in the stocktake
    services.confirm_in_stocktake(floor.keeper, stocktake.id, sighting(bed_302, floor.rooms["302"]))
    confirmed = services.banner_for(floor.other_keeper, bed_302.id)
    assert confirmed.confirmed_by == "宿管李阿姨" and confirmed.confirmed_at is not None
    # A room that no longer exists (or never did) is no room.
    assert services.banner_for(floor.keeper, bed_302.id, 987654).room_id is None


def test_a_keeper_who_does_not_take_part_sees_no_banner(floor):
    stocktake = open_floor_stocktake(floor)  # the keeper of the dorms only
    assert services.banner_for(floor.other_keeper, floor.projector.id) is None
    services.assign_participant(floor.office, stocktake.id, services.Assignment(user_id=floor.other_keeper.id, department_id=floor.teaching.id))
    assert services.banner_for(floor.other_keeper, floor.projector.id).covered is True
