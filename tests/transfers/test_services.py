"""Transfers (调拨): each step, who may take it, what it writes, and every invalid move answered without a change."""
import dataclasses

import pytest
from sqlalchemy import func, select

from tagsvc.accounts.models import Role, User
from tagsvc.assets.holds import AssetHold
from tagsvc.assets.models import Asset, AssetStatus
from tagsvc.assets.services import asset_data_of, update_asset
from tagsvc.errors import ConflictError, NotFoundError, PermissionDeniedError, TagsvcError, ValidationError
from tagsvc.extensions import db, utcnow
from tagsvc.ledger.models import LedgerAction
from tagsvc.transfers import services
from tagsvc.transfers.models import ArrivalMethod, Transfer, TransferStatus
from tests.concurrency import at_once
from tests.history import events, fresh
from tests.factories import make_asset, make_user
from tests.transfers.conftest import request


def test_the_whole_story_of_one_projector(school):
    transfer = request(school)
    year = utcnow().year
    assert transfer.number == f"DB-{year}-0001" and transfer.status == TransferStatus.REQUESTED
    services.accept_transfer(school.receiver, transfer.id)
    assert transfer.status == TransferStatus.REQUESTED  # the office has not approved yet
    services.approve_transfer(school.office, transfer.id)
    assert transfer.status == TransferStatus.APPROVED
    assert db.session.get(Asset, school.projector.id).department_id == school.it.id  # nothing moves before arrival
    arrival = services.confirm_arrival(school.receiver, transfer.id, f"https://tags.example.edu/t/{school.projector.current_tag.code}")
    assert arrival.counted and (arrival.arrived, arrival.total) == (1, 1) and arrival.completed
    projector = db.session.get(Asset, school.projector.id)
    assert (projector.department.name, projector.location.name, projector.custodian_name) == ("教务处", "205", "张老师")
    assert [e.action for e in events(projector)][-4:] == [LedgerAction.TRANSFER_REQUESTED, LedgerAction.TRANSFER_ACCEPTED,
                                                           LedgerAction.TRANSFER_APPROVED, LedgerAction.TRANSFERRED]
    moved = events(projector, LedgerAction.TRANSFERRED)[0]
    assert moved.note == transfer.number and moved.changes["department_id"] == ["信息中心", "教务处"]
    assert moved.changes["custodian_name"] == ["王老师", "张老师"] and moved.actor_name == "教务处张老师"
    assert transfer.status == TransferStatus.COMPLETED and db.session.get(AssetHold, projector.id) is None


def test_the_office_may_approve_before_the_receiver_accepts(school):
    transfer = request(school)
    services.approve_transfer(school.office, transfer.id)
    assert transfer.status == TransferStatus.REQUESTED
    services.accept_transfer(school.receiver, transfer.id)
    assert transfer.status == TransferStatus.APPROVED


def test_forty_desks_with_one_never_confirmed_stay_outstanding(school):
    transfer = request(school, assets=school.desks)
    services.accept_transfer(school.receiver, transfer.id)
    services.approve_transfer(school.office, transfer.id)
    assert len(events(school.desks[0], LedgerAction.TRANSFER_APPROVED)) == 1
    for desk in school.desks[:39]:
        arrival = services.confirm_arrival(school.receiver, transfer.id, desk.current_tag.code, ArrivalMethod.CAMERA)
    assert (arrival.arrived, arrival.total, arrival.completed) == (39, 40, False)
    assert [item.asset_number for item in services.outstanding_items(transfer)] == ["KZ-040"]
    departments = dict(db.session.execute(select(Asset.asset_number, Asset.department_id).where(Asset.name.like("课桌%"))).all())
    assert departments["KZ-040"] == school.it.id and departments["KZ-039"] == school.academic.id
    assert transfer.status == TransferStatus.APPROVED and db.session.get(AssetHold, school.desks[39].id) is not None


def test_an_arrival_confirmed_twice_counts_once_and_names_the_first(school):
    transfer = request(school)
    services.accept_transfer(school.receiver, transfer.id)
    services.approve_transfer(school.office, transfer.id)
    services.confirm_arrival(school.receiver, transfer.id, school.projector.current_tag.code)
    again = services.confirm_arrival(school.office, transfer.id, school.projector.id)
    assert not again.counted and again.first_by == "教务处张老师" and again.first_at is not None
    assert len(events(school.projector, LedgerAction.TRANSFERRED)) == 1
    assert fresh(school.projector).last_confirmed_at == again.first_at  # its label page says when it was last seen


def test_an_item_that_is_not_in_the_transfer_is_refused(school):
    transfer = request(school)
    services.accept_transfer(school.receiver, transfer.id)
    services.approve_transfer(school.office, transfer.id)
    with pytest.raises(ValidationError, match="KZ-001.*is not part of"):
        services.confirm_arrival(school.receiver, transfer.id, school.desks[0].current_tag.code)
    with pytest.raises(ValidationError, match="is not a label of this school"):
        services.confirm_arrival(school.receiver, transfer.id, "6901234567892")
    assert transfer.status == TransferStatus.APPROVED


def test_nothing_arrives_before_both_approvals(school):
    transfer = request(school)
    services.accept_transfer(school.receiver, transfer.id)
    with pytest.raises(ConflictError, match="not approved yet"):
        services.confirm_arrival(school.receiver, transfer.id, school.projector.current_tag.code)
    assert db.session.get(Asset, school.projector.id).department_id == school.it.id


def test_approving_or_accepting_twice_is_answered_and_changes_nothing(school):
    transfer = request(school)
    services.approve_transfer(school.office, transfer.id)
    with pytest.raises(ConflictError, match="后勤王主任 of the office approved DB-2026-0001 at"):
        services.approve_transfer(school.office, transfer.id)
    services.accept_transfer(school.receiver, transfer.id)
    with pytest.raises(ConflictError, match="approved and under way"):
        services.accept_transfer(school.receiver, transfer.id)
    assert len(events(school.projector, LedgerAction.TRANSFER_APPROVED)) == 1


@pytest.mark.parametrize("who", ["third", "staff", "repairer", "receiver"])
def test_only_the_sending_keeper_or_the_office_requests(school, who):
    with pytest.raises(PermissionDeniedError):
        request(school, actor=getattr(school, who))
    assert db.session.scalar(select(func.count()).select_from(Transfer)) == 0


@pytest.mark.parametrize("who", ["third", "sender", "staff"])
def test_only_the_receiving_keeper_or_the_office_accepts_and_confirms(school, who):
    transfer = request(school)
    actor = getattr(school, who)
    with pytest.raises((PermissionDeniedError, NotFoundError)):
        services.accept_transfer(actor, transfer.id)
    services.accept_transfer(school.receiver, transfer.id)
    services.approve_transfer(school.office, transfer.id)
    with pytest.raises((PermissionDeniedError, NotFoundError)):
        services.confirm_arrival(actor, transfer.id, school.projector.current_tag.code)
    assert db.session.get(Asset, school.projector.id).department_id == school.it.id


@pytest.mark.parametrize("who", ["receiver", "sender", "third"])
def test_only_the_office_approves(school, who):
    transfer = request(school)
    with pytest.raises(PermissionDeniedError):
        services.approve_transfer(getattr(school, who), transfer.id)
    assert transfer.approved_at is None


def test_an_item_in_one_transfer_cannot_join_a_second(school):
    first = request(school)
    with pytest.raises(ConflictError, match=f"投影仪 \\(TY-001\\) is already part of transfer {first.number}"):
        request(school, to_department_id=school.library.id)
    assert db.session.scalar(select(func.count()).select_from(Transfer)) == 1


def test_cancelling_before_approval_frees_the_items(school):
    transfer = request(school)
    services.accept_transfer(school.receiver, transfer.id)
    services.cancel_transfer(school.sender, transfer.id, "不调了")
    assert transfer.status == TransferStatus.CANCELLED and transfer.closed_by_name == "信息中心李老师"
    assert events(school.projector, LedgerAction.TRANSFER_CANCELLED)[0].note == f"{transfer.number}: 不调了"
    second = request(school, to_department_id=school.library.id)
    assert second.number.endswith("-0002")


def test_an_approved_transfer_cannot_be_cancelled(school):
    transfer = request(school)
    services.accept_transfer(school.receiver, transfer.id)
    services.approve_transfer(school.office, transfer.id)
    with pytest.raises(ConflictError, match="can no longer be cancelled"):
        services.cancel_transfer(school.receiver, transfer.id)
    assert transfer.status == TransferStatus.APPROVED


def test_declining_and_rejecting_need_a_reason_and_free_the_items(school):
    transfer = request(school)
    with pytest.raises(ValidationError, match="Say why"):
        services.decline_transfer(school.receiver, transfer.id, "  ")
    services.decline_transfer(school.receiver, transfer.id, "教室放不下")
    assert transfer.status == TransferStatus.DECLINED and transfer.close_reason == "教室放不下"
    with pytest.raises(ConflictError, match="was closed at .* by 教务处张老师"):
        services.approve_transfer(school.office, transfer.id)
    again = request(school)
    services.reject_transfer(school.office, again.id, "预算年度末不调拨")
    assert again.status == TransferStatus.REJECTED and db.session.get(AssetHold, school.projector.id) is None


def test_the_office_records_a_direct_transfer_without_approvals(school):
    with pytest.raises(PermissionDeniedError):
        services.request_transfer(school.sender, services.TransferRequest([school.projector.id], school.academic.id), direct=True)
    transfer = services.request_transfer(school.office, services.TransferRequest([school.projector.id], school.academic.id), direct=True)
    assert transfer.direct and transfer.status == TransferStatus.APPROVED and transfer.approved_by_name == "后勤王主任"
    assert "without approvals" in events(school.projector, LedgerAction.TRANSFER_REQUESTED)[0].note_words
    services.confirm_arrival(school.receiver, transfer.id, school.projector.id)
    assert db.session.get(Asset, school.projector.id).department_id == school.academic.id


def test_bad_requests_are_answered_and_write_nothing(school):
    other = make_asset(name="书架", department_id=school.library.id)
    cases = [
        ({"asset_ids": []}, "Choose at least one item"),
        ({"asset_ids": [school.projector.id, other.id]}, "items of one department"),
        ({"to_department_id": school.it.id}, "already belong to 信息中心"),
        ({"to_department_id": None}, "Choose the receiving department"),
        ({"to_location_id": 987654}, "That place does not exist"),
        ({"reason": " "}, "Say why these items move"),
        ({"asset_ids": [987654]}, "no longer in the register"),
    ]
    for overrides, message in cases:
        with pytest.raises(TagsvcError, match=message):
            request(school, actor=school.office, **overrides)
    school.projector.status = AssetStatus.DISPOSED
    db.session.commit()
    with pytest.raises(ConflictError, match="disposed"):
        request(school)
    assert db.session.scalar(select(func.count()).select_from(Transfer)) == 0
    assert db.session.scalar(select(func.count()).select_from(AssetHold)) == 0


def test_two_approvals_at_the_same_moment_take_effect_once(app, school):
    """On SQLite and, with TAGSVC_TEST_DATABASE_URL, on PostgreSQL, where the two really run in parallel."""
    transfer_id, office_id = request(school).id, school.office.id
    second_office = make_user(Role.ADMIN, display_name="后勤刘老师")
    results = at_once(app, *(lambda user_id=user_id: services.approve_transfer(db.session.get(User, user_id), transfer_id).approved_by_name
                              for user_id in (office_id, second_office.id)))
    assert sum(isinstance(r, ConflictError) for r in results) == 1 and sum(isinstance(r, str) for r in results) == 1
    db.session.expire_all()
    assert len(events(school.projector, LedgerAction.TRANSFER_APPROVED)) == 1


def test_two_arrival_confirmations_at_the_same_moment_move_the_books_once(app, school):
    transfer = request(school)
    services.accept_transfer(school.receiver, transfer.id)
    services.approve_transfer(school.office, transfer.id)
    code, transfer_id = school.projector.current_tag.code, transfer.id
    results = at_once(app, *(lambda user_id=user_id: services.confirm_arrival(db.session.get(User, user_id), transfer_id, code).counted
                              for user_id in (school.receiver.id, school.office.id)))
    assert sorted(results) == [False, True]
    db.session.expire_all()
    assert len(events(school.projector, LedgerAction.TRANSFERRED)) == 1
    assert db.session.get(Transfer, transfer_id).status == TransferStatus.COMPLETED


def test_while_a_transfer_holds_an_item_its_department_place_and_custodian_do_not_change_by_hand(school):

    request(school)
    data = asset_data_of(school.projector)
    with pytest.raises(ConflictError, match=r"part of transfer DB-\d{4}-0001 since .*not by hand"):
        update_asset(school.office, school.projector.id, dataclasses.replace(data, custodian_name="刘老师"))
    update_asset(school.office, school.projector.id, dataclasses.replace(data, brand="爱普生"))  # anything else may change
    projector = db.session.get(Asset, school.projector.id)
    assert (projector.custodian_name, projector.brand) == ("王老师", "爱普生")
