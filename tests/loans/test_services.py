"""Loans (借用) and handing out for dedicated use (领用): each step, who may take it, what the books say, and every
invalid move answered without a change."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tagsvc.assets.holds import AssetHold, HoldKind
from tagsvc.assets.models import AssetCondition, AssetStatus
from tagsvc.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from tagsvc.extensions import db, utcnow
from tagsvc.ledger.models import LedgerAction
from tagsvc.loans import services
from tagsvc.loans.models import Handout, HandoutItem, HandoutKind, RecipientKind
from tagsvc.repairs.models import DamageReport, LiablePartyKind
from tests.concurrency import at_once
from tests.history import events, fresh
from tests.factories import make_asset, make_location
from tests.loans.conftest import code, lend_to_student


def test_a_class_set_is_lent_by_scanning_each_ball_and_the_books_say_who_has_it(school):
    loan = lend_to_student(school)
    assert loan.number == f"JY-{utcnow().year}-0001" and loan.recipient == "王小明 (高一(3)班)"
    for n, ball in enumerate(school.balls[:10], start=1):
        added = services.hand_out(school.keeper, loan.id, f"https://tags.example.edu/t/{code(ball)}")
        assert added.added and added.count == n
    ball = fresh(school.balls[0])
    assert ball.status == AssetStatus.ON_LOAN
    hold = db.session.get(AssetHold, ball.id)
    assert (hold.kind, hold.document, hold.due_on) == (HoldKind.LOAN, loan.number, loan.due_on)
    lent = events(ball, LedgerAction.LENT)[0]
    assert lent.changes == {"status": ["in_use", "on_loan"]} and "王小明 (高一(3)班)" in lent.note_words and loan.due_on.isoformat() in lent.note_words


def test_scanning_the_same_ball_twice_adds_it_once(school):
    loan = lend_to_student(school)
    services.hand_out(school.keeper, loan.id, code(school.balls[0]))
    again = services.hand_out(school.keeper, loan.id, code(school.balls[0]))
    assert not again.added and again.count == 1
    assert len(events(school.balls[0], LedgerAction.LENT)) == 1


def test_a_return_puts_the_ball_back_in_service_and_closes_the_loan_when_all_are_back(school):
    loan = lend_to_student(school)
    for ball in school.balls[:2]:
        services.hand_out(school.keeper, loan.id, code(ball))
    first = services.return_item(school.keeper, code(school.balls[0]), AssetCondition.GOOD)
    assert first.counted and first.outstanding == 1 and db.session.get(Handout, loan.id).closed_at is None
    assert fresh(school.balls[0]).status == AssetStatus.IN_USE and db.session.get(AssetHold, school.balls[0].id) is None
    services.return_item(school.keeper, code(school.balls[1]), AssetCondition.FAIR, note="有点旧")
    assert db.session.get(Handout, loan.id).closed_at is not None
    ball = fresh(school.balls[1])
    assert (ball.status, ball.condition) == (AssetStatus.IN_USE, AssetCondition.FAIR)
    returned = events(ball, LedgerAction.RETURNED)[0]
    assert returned.changes == {"status": ["on_loan", "in_use"], "condition": ["good", "fair"]} and "有点旧" in returned.note


def test_returning_twice_says_who_took_it_back_first_and_changes_nothing(school):
    loan = lend_to_student(school)
    services.hand_out(school.keeper, loan.id, code(school.balls[0]))
    services.return_item(school.keeper, code(school.balls[0]), AssetCondition.GOOD)
    again = services.return_item(school.office, code(school.balls[0]), AssetCondition.BROKEN, damage="破了")
    assert not again.counted and again.item.returned_by_name == "体育组刘老师"
    assert fresh(school.balls[0]).condition == AssetCondition.GOOD
    assert db.session.scalar(select(func.count()).select_from(DamageReport)) == 0


def test_damage_on_return_opens_a_report_that_names_the_borrower_as_the_likely_liable_party(school):
    loan = lend_to_student(school)
    services.hand_out(school.keeper, loan.id, code(school.balls[0]))
    returned = services.return_item(school.keeper, code(school.balls[0]), AssetCondition.BROKEN, damage="漏气，扎破了")
    report = db.session.get(DamageReport, returned.report_id)
    assert report.handout_id == loan.id and loan.number in report.description_words and "漏气" in report.description_words
    assert "王小明" not in report.description  # the public reads the description; the borrower is the loan's, for the office
    assert db.session.get(HandoutItem, returned.item.id).damage_report_id == report.id
    ball = fresh(school.balls[0])
    assert (ball.status, ball.condition) == (AssetStatus.DAMAGED, AssetCondition.BROKEN)  # out of service until repaired
    party = services.likely_liable_party(loan.id)
    assert (party.party_kind, party.person_name, party.department_id) == (LiablePartyKind.STUDENT, "王小明", school.class3.id)


def test_broken_on_return_without_saying_what_is_wrong_is_refused(school):
    loan = lend_to_student(school)
    services.hand_out(school.keeper, loan.id, code(school.balls[0]))
    with pytest.raises(ValidationError, match="say what is wrong"):
        services.return_item(school.keeper, code(school.balls[0]), AssetCondition.BROKEN)
    assert fresh(school.balls[0]).status == AssetStatus.ON_LOAN


@pytest.mark.parametrize("status", [AssetStatus.UNDER_REPAIR, AssetStatus.DAMAGED, AssetStatus.DISPOSED, AssetStatus.LOST])
def test_an_item_out_of_service_cannot_be_lent(school, status):
    broken = make_asset(name="坏篮球", department_id=school.pe.id, status=status)
    loan = lend_to_student(school)
    with pytest.raises(ConflictError, match="cannot be lent"):
        services.hand_out(school.keeper, loan.id, code(broken))
    assert fresh(broken).status == status and db.session.get(Handout, loan.id).items == []


def test_an_item_on_loan_or_in_a_transfer_cannot_be_lent_again(school):
    from tagsvc.transfers.services import TransferRequest, request_transfer

    first, second = lend_to_student(school), lend_to_student(school, name="李雷")
    services.hand_out(school.keeper, first.id, code(school.balls[0]))
    with pytest.raises(ConflictError, match=f"loan {first.number}"):
        services.hand_out(school.keeper, second.id, code(school.balls[0]))
    transfer = request_transfer(school.keeper, TransferRequest([school.balls[1].id], school.office_dept.id, reason="借给教务处"))
    with pytest.raises(ConflictError, match=f"transfer {transfer.number}"):
        services.hand_out(school.keeper, second.id, code(school.balls[1]))
    assert db.session.get(Handout, second.id).items == []


def test_an_item_on_loan_cannot_be_transferred(school):
    from tagsvc.transfers.services import TransferRequest, request_transfer

    loan = lend_to_student(school)
    services.hand_out(school.keeper, loan.id, code(school.balls[0]))
    with pytest.raises(ConflictError, match=f"loan {loan.number}"):
        request_transfer(school.keeper, TransferRequest([school.balls[0].id], school.office_dept.id, reason="x"))


def test_a_keeper_hands_out_only_their_departments_items(school):
    loan = lend_to_student(school)
    with pytest.raises(PermissionDeniedError, match="教务处"):
        services.hand_out(school.keeper, loan.id, code(school.camera))
    assert fresh(school.camera).status == AssetStatus.IN_USE
    with pytest.raises(NotFoundError):  # another keeper does not see this loan at all
        services.hand_out(school.other_keeper, loan.id, code(school.camera))


@pytest.mark.parametrize("role", ["teacher", "repairer"])
def test_staff_and_repairers_do_not_hand_out(school, role):
    with pytest.raises(PermissionDeniedError):
        lend_to_student(school, actor=getattr(school, role))


def test_a_keeper_of_another_department_cannot_take_an_item_back(school):
    loan = lend_to_student(school)
    services.hand_out(school.keeper, loan.id, code(school.balls[0]))
    with pytest.raises(PermissionDeniedError):
        services.return_item(school.other_keeper, code(school.balls[0]), AssetCondition.GOOD)
    assert fresh(school.balls[0]).status == AssetStatus.ON_LOAN


def test_returning_an_item_that_is_not_on_loan_is_refused(school):
    with pytest.raises(ConflictError, match="not on loan"):
        services.return_item(school.keeper, code(school.balls[0]), AssetCondition.GOOD)


@pytest.mark.parametrize("overrides, message", [
    ({"name": ""}, "give both"),
    ({"department_id": None}, "give both"),
    ({"due_on": None}, "due back"),
    ({"days": -1}, "passed already"),
    ({"days": 400}, "a year at most"),
    ({"kind": RecipientKind.ROOM}, "A loan goes to"),
])
def test_a_loan_needs_a_named_borrower_and_a_sensible_due_date(school, overrides, message):
    days = overrides.pop("days", 7)
    with pytest.raises(ValidationError, match=message):
        lend_to_student(school, days=days, **overrides)
    assert db.session.scalar(select(func.count()).select_from(Handout)) == 0


def test_a_department_can_borrow_and_then_answers_for_damage(school):
    loan = services.start_handout(school.keeper, HandoutKind.LOAN, services.Recipient(
        RecipientKind.DEPARTMENT, department_id=school.office_dept.id, due_on=services.school_today()))
    assert loan.recipient == "教务处"
    party = services.likely_liable_party(loan.id)
    assert (party.party_kind, party.department_id) == (LiablePartyKind.DEPARTMENT, school.office_dept.id)


def test_handing_over_for_dedicated_use_changes_the_custodian_and_the_room(school):
    room = make_location("办公室301")
    issue = services.start_handout(school.keeper, HandoutKind.ISSUE, services.Recipient(RecipientKind.ROOM, location_id=room.id))
    assert issue.number.startswith("LY-") and issue.due_on is None
    services.hand_out(school.keeper, issue.id, code(school.balls[0]))
    ball = fresh(school.balls[0])
    assert ball.location_id == room.id and ball.status == AssetStatus.IN_USE and db.session.get(AssetHold, ball.id) is None
    person = services.start_handout(school.keeper, HandoutKind.ISSUE, services.Recipient(RecipientKind.STAFF, user_id=school.teacher.id))
    services.hand_out(school.keeper, person.id, code(school.balls[1]))
    issued = events(fresh(school.balls[1]), LedgerAction.ISSUED)[0]
    assert fresh(school.balls[1]).custodian_name == "陈静" and issued.changes["custodian_name"][1] == "陈静"
    services.close_handout(school.keeper, person.id)
    with pytest.raises(ConflictError, match="closed"):
        services.hand_out(school.keeper, person.id, code(school.balls[2]))


def test_a_loan_with_items_out_cannot_be_closed_by_hand(school):
    loan = lend_to_student(school)
    services.hand_out(school.keeper, loan.id, code(school.balls[0]))
    with pytest.raises(ConflictError, match="still has items out"):
        services.close_handout(school.keeper, loan.id)


def test_overdue_loans_are_listed_for_the_office_and_the_lending_keeper_only(school):
    loan = lend_to_student(school, days=0)
    services.hand_out(school.keeper, loan.id, code(school.balls[0]))
    assert services.overdue_items(school.office) == []  # due today: not late yet
    db.session.get(Handout, loan.id).due_on = services.school_today() - timedelta(days=2)
    db.session.commit()
    assert [i.asset_id for i in services.overdue_items(school.office)] == [school.balls[0].id]
    assert [i.asset_id for i in services.overdue_items(school.keeper)] == [school.balls[0].id]
    assert services.overdue_items(school.other_keeper) == [] and services.overdue_items(school.teacher) == []


def test_two_people_returning_the_same_ball_at_once_return_it_once(school, app):
    """On SQLite and, with TAGSVC_TEST_DATABASE_URL, on PostgreSQL: the conditional UPDATE lets one through."""
    from tagsvc.accounts.models import User

    loan = lend_to_student(school)
    services.hand_out(school.keeper, loan.id, code(school.balls[0]))
    ball_code = code(school.balls[0])
    results = at_once(app, *(lambda user_id=user_id: services.return_item(db.session.get(User, user_id), ball_code, AssetCondition.GOOD).counted
                             for user_id in (school.keeper.id, school.office.id)))
    assert sorted(results) == [False, True]
    db.session.expire_all()
    assert len(events(school.balls[0], LedgerAction.RETURNED)) == 1


def test_two_loans_taking_the_same_ball_at_once_lend_it_once(school, app):
    from tagsvc.accounts.models import User

    first, second = lend_to_student(school), lend_to_student(school, name="李雷")
    ball_code, keeper_id = code(school.balls[0]), school.keeper.id
    results = at_once(app, *(lambda loan_id=loan_id: services.hand_out(db.session.get(User, keeper_id), loan_id, ball_code).added
                             for loan_id in (first.id, second.id)))
    assert sum(r is True for r in results) == 1 and sum(isinstance(r, ConflictError) for r in results) == 1
    db.session.expire_all()
    assert len(events(school.balls[0], LedgerAction.LENT)) == 1
    assert db.session.scalar(select(func.count()).select_from(HandoutItem)) == 1


def _png() -> bytes:
    from io import BytesIO

    from PIL import Image, ImageDraw

    picture = Image.new("RGBA", (300, 110), (0, 0, 0, 0))
    ImageDraw.Draw(picture).line([(10, 80), (80, 20), (150, 90), (280, 30)], fill=(0, 0, 0, 255), width=4)
    out = BytesIO()
    picture.save(out, "PNG")
    return out.getvalue()


def test_the_recipient_signs_once_on_the_phone(school):
    loan = lend_to_student(school)
    with pytest.raises(ValidationError, match="add the items first"):
        services.sign_handout(school.keeper, loan.id, _png(), "王小明")
    services.hand_out(school.keeper, loan.id, code(school.balls[0]))
    with pytest.raises(ValidationError, match="Sign in the box"):
        services.sign_handout(school.keeper, loan.id, b"", "王小明")
    with pytest.raises(ValidationError, match="not a photo"):
        services.sign_handout(school.keeper, loan.id, b"<svg onload=alert(1)>", "王小明")
    signed = services.sign_handout(school.keeper, loan.id, _png(), " 王小明 ")
    assert signed.signed_name == "王小明" and signed.signature.endswith(".jpg") and signed.signed_at is not None
    with pytest.raises(ConflictError, match="signed for"):
        services.sign_handout(school.office, loan.id, _png(), "李雷")
    with pytest.raises(NotFoundError):
        services.sign_handout(school.other_keeper, loan.id, _png(), "李雷")
    assert db.session.get(Handout, loan.id).signed_name == "王小明"


def test_an_item_taken_back_long_ago_is_simply_not_on_loan(school):
    loan = lend_to_student(school)
    services.hand_out(school.keeper, loan.id, code(school.balls[0]))
    returned = services.return_item(school.keeper, code(school.balls[0]), AssetCondition.GOOD)
    db.session.get(HandoutItem, returned.item.id).returned_at = utcnow() - timedelta(days=2)
    db.session.commit()
    with pytest.raises(ConflictError, match="is not on loan"):
        services.return_item(school.keeper, code(school.balls[0]), AssetCondition.GOOD)
