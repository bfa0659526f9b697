"""Disposals (报废): proposal, the approval rule by book value, what disposal does to the item, and every invalid move
answered without a change."""
from datetime import timedelta
from io import BytesIO

import pytest
from PIL import Image
from sqlalchemy import func, select

from tagsvc.accounts.models import User
from tagsvc.assets.holds import AssetHold
from tagsvc.assets.models import Asset, AssetCondition, AssetStatus
from tagsvc.assets.services import AssetQuery, asset_data_of, search_assets, update_asset
from tagsvc.disposals import services
from tagsvc.disposals.models import Disposal, DisposalReason, DisposalStatus
from tagsvc.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from tagsvc.extensions import db, utcnow
from tagsvc.ledger.models import LedgerAction
from tagsvc.scanning.services import scan_facts
from tagsvc.tags.models import Tag
from tests.concurrency import at_once
from tests.disposals.conftest import propose
from tests.history import events, fresh
from tests.factories import make_asset


def png_bytes() -> bytes:
    out = BytesIO()
    Image.new("RGB", (320, 240), "gray").save(out, "PNG")
    return out.getvalue()


def test_an_old_printer_is_proposed_approved_by_the_office_head_and_leaves_service(school):
    code = school.printer.current_tag.code
    disposal = propose(school)
    assert disposal.number == f"BF-{utcnow().year}-0001" and disposal.approvals_needed == 1 and disposal.total_value == 1500
    assert db.session.get(AssetHold, school.printer.id).document == disposal.number
    assert scan_facts(code).hold_kind == "disposal"
    services.approve_disposal(school.head, disposal.id)
    printer = fresh(school.printer)
    assert disposal.status == DisposalStatus.APPROVED and printer.status == AssetStatus.DISPOSED
    assert printer.disposed_on is not None and printer.current_tag is None  # its label is retired
    assert db.session.scalar(select(Tag.retired_at).where(Tag.code == code)) is not None
    facts = scan_facts(code)
    assert facts.status == AssetStatus.DISPOSED and facts.disposed_on == printer.disposed_on and facts.hold_kind is None
    assert [e.action for e in events(printer)][-2:] == [LedgerAction.DISPOSAL_PROPOSED, LedgerAction.DISPOSED]
    # Out of the active lists, still in the register.
    assert school.printer.id not in [a.id for a in search_assets(school.head, AssetQuery()).items]
    assert school.printer.id in [a.id for a in search_assets(school.head, AssetQuery(status=AssetStatus.DISPOSED)).items]
    written = services.written_off(printer.disposed_on.year)
    assert (written.items, written.value) == (1, 1500)


def test_above_the_limit_a_second_office_approver_is_needed(school):
    disposal = propose(school, [school.whiteboard])
    assert disposal.approvals_needed == 2
    services.approve_disposal(school.head, disposal.id)
    assert disposal.status == DisposalStatus.PROPOSED and fresh(school.whiteboard).status == AssetStatus.IN_USE
    with pytest.raises(ConflictError, match="second approver"):
        services.approve_disposal(school.head, disposal.id)
    services.approve_disposal(school.second, disposal.id)
    assert disposal.status == DisposalStatus.APPROVED and fresh(school.whiteboard).status == AssetStatus.DISPOSED
    assert (disposal.first_approved_by_name, disposal.second_approved_by_name) == ("后勤王主任", "后勤刘副主任")


def test_the_limit_is_the_schools_setting(school, app):
    app.config["DISPOSAL_SECOND_APPROVAL_ABOVE"] = 1000
    assert propose(school).approvals_needed == 2


def test_an_item_younger_than_its_categorys_minimum_is_flagged(school):
    young = services.young_items([school.printer, school.young_printer, school.whiteboard])
    assert [(y.asset.id, y.years_used, y.min_years) for y in young] == [(school.young_printer.id, 2, 6)]
    disposal = propose(school, [school.young_printer])
    assert disposal.items[0].min_years == 6  # the record keeps the warning


def test_not_repairable_links_the_repair_that_said_so(school):
    from tagsvc.repairs import services as repairs
    from tagsvc.repairs.models import DamageKind, Priority

    report = repairs.submit_report(school.keeper, school.printer.current_tag.code, DamageKind.NOT_WORKING, "不出纸")
    repairs.triage_report(school.head, report.id, repairs.Triage("accept", Priority.NORMAL, school.head.id))
    with pytest.raises(ConflictError, match="under way"):
        propose(school, reason_kind=DisposalReason.NOT_REPAIRABLE, repair_report_id=report.id)
    repairs.finish_repair(school.head, report.id, "主板烧坏，维修费超过原值一半", repairable=False)
    fixed = repairs.submit_report(school.keeper, school.young_printer.current_tag.code, DamageKind.NOT_WORKING, "卡纸")
    repairs.triage_report(school.head, fixed.id, repairs.Triage("accept", Priority.NORMAL, school.head.id))
    repairs.finish_repair(school.head, fixed.id, "清理了搓纸轮")
    with pytest.raises(ValidationError, match="did not find"):
        propose(school, [school.young_printer], reason_kind=DisposalReason.NOT_REPAIRABLE, repair_report_id=fixed.id)
    disposal = propose(school, reason_kind=DisposalReason.NOT_REPAIRABLE, repair_report_id=report.id)
    assert disposal.repair_report_id == report.id


def test_photos_are_kept_with_the_proposal_and_a_bad_file_refuses_it_whole(school):
    disposal = propose(school, photos=[png_bytes()])
    assert len(disposal.photos) == 1
    with pytest.raises(ValidationError):
        propose(school, [school.whiteboard], photos=[png_bytes(), b"not a picture"])
    assert db.session.get(AssetHold, school.whiteboard.id) is None


def test_an_item_on_loan_cannot_be_disposed_of(school):
    from tagsvc.loans import services as loans
    from tagsvc.loans.models import HandoutKind, RecipientKind

    loan = loans.start_handout(school.keeper, HandoutKind.LOAN, loans.Recipient(RecipientKind.STAFF, name="陈老师", due_on=loans.school_today()))
    loans.hand_out(school.keeper, loan.id, school.printer.current_tag.code)
    with pytest.raises(ConflictError, match=f"loan {loan.number}"):
        propose(school)
    assert db.session.scalar(select(func.count()).select_from(Disposal)) == 0


def test_an_item_proposed_for_disposal_cannot_be_lent_transferred_or_proposed_again(school):
    from tagsvc.loans import services as loans
    from tagsvc.loans.models import HandoutKind, RecipientKind
    from tagsvc.transfers.services import TransferRequest, request_transfer

    disposal = propose(school)
    with pytest.raises(ConflictError, match=f"disposal {disposal.number}"):
        propose(school)
    with pytest.raises(ConflictError, match=f"disposal {disposal.number}"):
        request_transfer(school.keeper, TransferRequest([school.printer.id], school.library.id, reason="给图书馆"))
    loan = loans.start_handout(school.keeper, HandoutKind.LOAN, loans.Recipient(RecipientKind.STAFF, name="陈老师", due_on=loans.school_today()))
    with pytest.raises(ConflictError, match=f"disposal {disposal.number}"):
        loans.hand_out(school.keeper, loan.id, school.printer.current_tag.code)


def test_a_disposed_item_cannot_be_disposed_of_again_or_lent(school):
    from tagsvc.loans import services as loans
    from tagsvc.loans.models import HandoutKind, RecipientKind

    services.approve_disposal(school.head, propose(school).id)
    with pytest.raises(ConflictError, match="disposed of already"):
        propose(school)
    loan = loans.start_handout(school.keeper, HandoutKind.LOAN, loans.Recipient(RecipientKind.STAFF, name="陈老师", due_on=loans.school_today()))
    with pytest.raises(ConflictError, match="cannot be lent"):
        loans.hand_out(school.keeper, loan.id, school.printer.id)


def test_rejection_and_cancellation_release_the_items(school):
    first = propose(school)
    with pytest.raises(ValidationError):
        services.reject_disposal(school.head, first.id, "  ")
    services.reject_disposal(school.head, first.id, "还能用，调给图书馆")
    assert first.status == DisposalStatus.REJECTED and db.session.get(AssetHold, school.printer.id) is None
    assert fresh(school.printer).status == AssetStatus.IN_USE
    second = propose(school)
    services.cancel_disposal(school.keeper, second.id)
    assert second.status == DisposalStatus.CANCELLED
    with pytest.raises(ConflictError, match="closed"):
        services.approve_disposal(school.head, second.id)
    assert [e.action for e in events(school.printer)][-4:] == [LedgerAction.DISPOSAL_PROPOSED, LedgerAction.DISPOSAL_REJECTED,
                                                                LedgerAction.DISPOSAL_PROPOSED, LedgerAction.DISPOSAL_CANCELLED]


def test_approving_twice_is_refused_and_changes_nothing(school):
    disposal = propose(school)
    services.approve_disposal(school.head, disposal.id)
    with pytest.raises(ConflictError, match="approved"):
        services.approve_disposal(school.second, disposal.id)
    assert len(events(school.printer, LedgerAction.DISPOSED)) == 1


@pytest.mark.parametrize("who", ["library_keeper", "staff", "repairer"])
def test_only_the_items_keeper_or_the_office_proposes(school, who):
    with pytest.raises(PermissionDeniedError):
        propose(school, actor=getattr(school, who))


def test_only_the_office_approves_and_a_stranger_does_not_even_see_it(school):
    disposal = propose(school)
    with pytest.raises(PermissionDeniedError):
        services.approve_disposal(school.keeper, disposal.id)
    with pytest.raises(NotFoundError):
        services.cancel_disposal(school.library_keeper, disposal.id)
    assert disposal.status == DisposalStatus.PROPOSED


@pytest.mark.parametrize("overrides, error, message", [
    ({"asset_ids": []}, ValidationError, "at least one"),
    ({"reason_kind": DisposalReason.OTHER, "reason": ""}, ValidationError, "Say why"),
    ({"reason_kind": "worn_out"}, ValidationError, "Choose why"),
    ({"asset_ids": [999999]}, NotFoundError, "no longer"),
])
def test_a_proposal_needs_items_and_a_reason(school, overrides, error, message):
    with pytest.raises(error, match=message):
        propose(school, **overrides)
    assert db.session.scalar(select(func.count()).select_from(Disposal)) == 0


def test_the_status_is_not_set_to_disposed_or_on_loan_by_hand(school):
    data = asset_data_of(school.printer)
    for status in (AssetStatus.DISPOSED, AssetStatus.ON_LOAN):
        with pytest.raises(ConflictError):
            update_asset(school.head, school.printer.id, data.__class__(**{**data.__dict__, "status": status}))
    disposal = propose(school)
    with pytest.raises(ConflictError, match=disposal.number):
        update_asset(school.head, school.printer.id, data.__class__(**{**data.__dict__, "status": AssetStatus.IDLE}))
    assert fresh(school.printer).status == AssetStatus.IN_USE


def test_two_office_approvals_at_once_dispose_of_it_once(app, school):
    """On SQLite and, with TAGSVC_TEST_DATABASE_URL, on PostgreSQL."""
    disposal_id = propose(school).id
    results = at_once(app, *(lambda user_id=user_id: services.approve_disposal(db.session.get(User, user_id), disposal_id).status
                             for user_id in (school.head.id, school.second.id)))
    assert sum(r == DisposalStatus.APPROVED for r in results) == 1 and sum(isinstance(r, ConflictError) for r in results) == 1
    db.session.expire_all()
    assert len(events(school.printer, LedgerAction.DISPOSED)) == 1


def test_written_off_counts_only_that_years_disposals(school):
    services.approve_disposal(school.head, propose(school).id)
    year = fresh(school.printer).disposed_on.year
    assert services.written_off(year - 1).items == 0 and services.written_off(year).value == 1500
    other = make_asset(name="旧椅子", price=None)
    services.approve_disposal(school.second, propose(school, [other], actor=school.head).id)
    assert services.written_off(year).items == 2 and services.written_off(year).value == 1500
    assert fresh(other).condition in tuple(AssetCondition)
    assert timedelta(0) <= utcnow() - db.session.get(Disposal, 1).closed_at < timedelta(minutes=5)


def test_the_office_sets_a_categorys_minimum_years_and_sub_categories_inherit_it(school):
    from tagsvc.structure.models import Category
    from tagsvc.structure.services import TreeNodeData, update_tree_node

    top = school.printers.parent
    update_tree_node(school.head, Category, top.id, TreeNodeData(top.name, kind=top.kind, min_years_of_use=8))
    assert services.min_years_of(db.session.get(Category, school.printers.id)) == 8
    with pytest.raises(ValidationError, match="between 1 and 100"):
        update_tree_node(school.head, Category, top.id, TreeNodeData(top.name, kind=top.kind, min_years_of_use=0))
    update_tree_node(school.head, Category, school.printers.id, TreeNodeData("打印机", parent_id=top.id, kind=top.kind, min_years_of_use=2))
    db.session.expire_all()
    assert services.young_items([db.session.get(Asset, school.young_printer.id)]) == []  # its own two years: old enough


def test_an_item_whose_repair_is_under_way_is_not_proposed_for_disposal(school):
    from tagsvc.repairs import services as repairs
    from tagsvc.repairs.models import DamageKind

    report = repairs.submit_report(school.keeper, school.printer.current_tag.code, DamageKind.NOT_WORKING, "卡纸")
    repairs.triage_report(school.head, report.id, repairs.Triage("accept", assignee_id=school.head.id))
    with pytest.raises(ConflictError, match=f"Repair #{report.id} of 激光打印机 is under way"):
        propose(school)
    assert db.session.get(AssetHold, school.printer.id) is None


def test_whoever_proposed_a_disposal_never_approves_it(school):
    disposal = propose(school, actor=school.head)
    with pytest.raises(PermissionDeniedError, match="another member of the office approves it"):
        services.approve_disposal(school.head, disposal.id)
    assert not services.may_approve_now(school.head, disposal)
    assert disposal not in services.waiting_for_approval(school.head) and disposal in services.waiting_for_approval(school.second)
    assert services.approve_disposal(school.second, disposal.id).status == DisposalStatus.APPROVED


def test_a_one_person_office_may_approve_its_own_and_the_record_says_so(app, school, client, login_as):
    app.config["DISPOSAL_SELF_APPROVAL"] = True
    disposal = propose(school, actor=school.head)
    assert services.approve_disposal(school.head, disposal.id).status == DisposalStatus.APPROVED
    login_as(school.head)
    record = client.get(f"/disposals/{disposal.id}/record").get_data(as_text=True)
    assert "Approved by the person who proposed it" in record


def test_an_approval_and_a_withdrawal_never_both_stand(school):
    disposal = propose(school, [school.whiteboard])  # 24,800 yuan: two approvals
    services.approve_disposal(school.head, disposal.id)
    with pytest.raises(ConflictError, match="approved .* it can no longer be withdrawn"):
        services.cancel_disposal(school.keeper, disposal.id)
