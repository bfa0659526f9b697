"""Every pair of steps that may meet on one document at the same moment, in one table, each run released together by
a barrier for many trials (really in parallel on PostgreSQL, as CI runs it): the document is decided once, the step
that loses is told why (a ConflictError naming who decided), and nothing stays stuck half-way."""
from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from collections.abc import Callable

import pytest
from sqlalchemy import func, select

from tagsvc.accounts.models import Role, User
from tagsvc.assets.holds import hold_on
from tagsvc.assets.models import Asset, AssetCondition
from tagsvc.disposals import services as disposals
from tagsvc.disposals.models import Disposal, DisposalReason, DisposalStatus
from tagsvc.errors import ConflictError, InFlightError
from tagsvc.extensions import db
from tagsvc.ledger.models import LedgerAction, LedgerEvent
from tagsvc.loans import services as loans
from tagsvc.loans.models import Handout, HandoutKind, RecipientKind
from tagsvc.repairs import services as repairs
from tagsvc.repairs.models import DamageKind, DamageReport, ReportStatus
from tagsvc.spreadsheets.importing import Options, commit_import, plan_import
from tagsvc.spreadsheets.reading import read_sheet
from tagsvc.stocktake import services as stocktakes
from tagsvc.stocktake.models import ConfirmMethod, ScanOutcome, Stocktake, StocktakeItem, StocktakeScan
from tagsvc.transfers import services as transfers
from tagsvc.transfers.models import Transfer, TransferStatus
from tests.concurrency import at_once
from tests.conftest import POSTGRES_URL
from tagsvc.structure.models import Department
from tests.factories import make_asset, make_department, make_location, make_user
from tests.spreadsheets.files import ledger_rows, ledger_xlsx

TRIALS = 10 if POSTGRES_URL else 2
_numbers = itertools.count(1)


@dataclass
class School:
    """People by id (each request loads its own), the two departments and a room."""

    office: int
    second_office: int
    sender: int  # keeps the sending department
    receiver: int  # keeps the receiving department
    repairer: int
    sending_id: int
    receiving_id: int
    room_id: int
    bureau: int = 0  # the education bureau (区教育局)
    office_name: str = "后勤王主任"

    def asset(self, price: str = "1500.00"):
        n = next(_numbers)
        return make_asset(name=f"投影仪{n}", asset_number=f"RACE-{n:05d}", department_id=self.sending_id, location_id=self.room_id,
                          price=Decimal(price))


def _user(user_id: int) -> User:
    return db.session.get(User, user_id)


@dataclass
class Pair:
    """Two steps on one document. `setup` makes a fresh document and returns (first, second, check): the two calls
    (each with its own session, as two requests) and a check of the document afterwards, given both results."""

    setup: Callable[[School], tuple[Callable, Callable, Callable]]


def _one_wins(results) -> None:
    failures = [r for r in results if isinstance(r, Exception)]
    assert len(failures) == 1 and isinstance(failures[0], ConflictError) and failures[0].message, results


def _approved_transfer(school: School, count: int) -> Transfer:
    assets = [school.asset() for _ in range(count)]
    transfer = transfers.request_transfer(_user(school.sender), transfers.TransferRequest([a.id for a in assets], school.receiving_id, reason="换教室"))
    transfers.accept_transfer(_user(school.receiver), transfer.id)
    transfers.approve_transfer(_user(school.office), transfer.id)
    return transfer


def transfer_last_two_arrivals(school: School):
    transfer = _approved_transfer(school, 2)
    first, second = (item.asset_id for item in transfer.items)

    def check(results):
        assert all(r.counted for r in results)
        assert db.session.get(Transfer, transfer.id).status == TransferStatus.COMPLETED  # never "approved" forever
    return (lambda: transfers.confirm_arrival(_user(school.receiver), transfer.id, first),
            lambda: transfers.confirm_arrival(_user(school.office), transfer.id, second), check)


def _requested_transfer(school: School) -> Transfer:
    return transfers.request_transfer(_user(school.sender), transfers.TransferRequest([school.asset().id], school.receiving_id, reason="换教室"))


def transfer_approval_and_cancellation(school: School):
    transfer = _requested_transfer(school)

    def check(results):
        _one_wins(results)
        done = db.session.get(Transfer, transfer.id)
        assert (done.status == TransferStatus.CANCELLED) != (done.approved_at is not None)
        if isinstance(results[1], ConflictError):
            assert school.office_name in results[1].message  # told who decided
    return (lambda: transfers.approve_transfer(_user(school.office), transfer.id),
            lambda: transfers.cancel_transfer(_user(school.sender), transfer.id, "不调了"), check)


def transfer_approval_and_rejection(school: School):
    transfer = _requested_transfer(school)

    def check(results):
        _one_wins(results)
        done = db.session.get(Transfer, transfer.id)
        assert (done.status == TransferStatus.REJECTED) != (done.approved_at is not None)
    return (lambda: transfers.approve_transfer(_user(school.office), transfer.id),
            lambda: transfers.reject_transfer(_user(school.second_office), transfer.id, "预算不够"), check)


def transfer_acceptance_and_decline(school: School):
    transfer = _requested_transfer(school)

    def check(results):
        _one_wins(results)
        done = db.session.get(Transfer, transfer.id)
        assert (done.status == TransferStatus.DECLINED) != (done.accepted_at is not None)
    return (lambda: transfers.accept_transfer(_user(school.receiver), transfer.id),
            lambda: transfers.decline_transfer(_user(school.office), transfer.id, "放不下"), check)


def loan_last_two_returns(school: School):
    loan = loans.start_handout(_user(school.office), HandoutKind.LOAN, loans.Recipient(RecipientKind.STUDENT, name="王小明", class_name="高一(3)班",
                                                                              due_on=loans.school_today() + timedelta(days=3)))
    first, second = school.asset(), school.asset()
    loans.hand_out(_user(school.office), loan.id, first.id)
    loans.hand_out(_user(school.office), loan.id, second.id)

    def check(results):
        assert all(r.counted for r in results)
        assert db.session.get(Handout, loan.id).closed_at is not None  # the loan closes
    return (lambda: loans.return_item(_user(school.office), first.id, AssetCondition.GOOD),
            lambda: loans.return_item(_user(school.sender), second.id, AssetCondition.GOOD), check)


def _proposal(school: School, price: str = "1500.00") -> Disposal:
    return disposals.propose_disposal(_user(school.sender), disposals.Proposal([school.asset(price).id], DisposalReason.OBSOLETE, "太旧了"))


def disposal_approval_and_cancellation(school: School):
    disposal = _proposal(school)

    def check(results):
        _one_wins(results)
        assert db.session.get(Disposal, disposal.id).status in (DisposalStatus.APPROVED, DisposalStatus.CANCELLED)
    return (lambda: disposals.approve_disposal(_user(school.office), disposal.id),
            lambda: disposals.cancel_disposal(_user(school.sender), disposal.id, "还能用"), check)


def disposal_approval_and_rejection(school: School):
    disposal = _proposal(school)  # one approval decides it

    def check(results):
        _one_wins(results)
        assert db.session.get(Disposal, disposal.id).status in (DisposalStatus.APPROVED, DisposalStatus.REJECTED)
    return (lambda: disposals.approve_disposal(_user(school.office), disposal.id),
            lambda: disposals.reject_disposal(_user(school.second_office), disposal.id, "先修一修"), check)


def disposal_bureau_approval_and_office_rejection(school: School):
    disposal = _proposal(school, "268000.00")  # above the district's limit: the office twice, then the bureau
    disposals.approve_disposal(_user(school.office), disposal.id)
    disposals.approve_disposal(_user(school.second_office), disposal.id)

    def check(results):
        _one_wins(results)
        final = db.session.get(Disposal, disposal.id)
        assert final.status in (DisposalStatus.APPROVED, DisposalStatus.REJECTED)
        assert (final.bureau_approved_at is not None) == (final.status == DisposalStatus.APPROVED)
    return (lambda: disposals.approve_disposal(_user(school.bureau), disposal.id),
            lambda: disposals.reject_disposal(_user(school.office), disposal.id, "另有安排"), check)


def stocktake_confirmation_and_close(school: School):
    asset = school.asset()
    stocktake = stocktakes.open_stocktake(_user(school.office), f"盘点{next(_numbers)}", stocktakes.Scope(location_ids=(school.room_id,)),
                                          assignments=[stocktakes.Assignment(user_id=school.sender, location_id=school.room_id)])
    sighting = stocktakes.Sighting(code=asset.current_tag.code, location_id=school.room_id, method=ConfirmMethod.CAMERA,
                                   scan_id=str(uuid.uuid4()))

    def check(results):
        closed = db.session.get(Stocktake, stocktake.id)
        assert closed.closed_at is not None and not isinstance(results[1], Exception)
        late = db.session.scalar(select(func.count()).select_from(StocktakeScan).where(
            StocktakeScan.stocktake_id == stocktake.id, StocktakeScan.received_at > closed.closed_at))
        assert late == 0  # nothing written after "closed"
        if isinstance(results[0], Exception):
            assert isinstance(results[0], ConflictError) and "closed" in results[0].message
    return (lambda: stocktakes.confirm_batch(_user(school.sender), stocktake.id, [sighting]),
            lambda: stocktakes.close_stocktake(_user(school.office), stocktake.id), check)


def _stocktake_of_sending_department(school: School) -> Stocktake:
    return stocktakes.open_stocktake(_user(school.office), f"盘点{next(_numbers)}", stocktakes.Scope(department_ids=(school.sending_id,)),
                                     assignments=[stocktakes.Assignment(user_id=school.sender, department_id=school.sending_id)])


def stocktake_arrival_and_close(school: School):
    """A transfer out of an open stocktake arrives as the office closes it: the stocktake followed before the close,
    or its list was final first; never a change after "closed"."""
    transfer = _approved_transfer(school, 1)
    stocktake = _stocktake_of_sending_department(school)
    asset_id = transfer.items[0].asset_id

    def check(results):
        assert not any(isinstance(r, Exception) for r in results), results
        closed = db.session.get(Stocktake, stocktake.id)
        item = db.session.scalar(select(StocktakeItem).where(StocktakeItem.stocktake_id == stocktake.id, StocktakeItem.asset_id == asset_id))
        assert db.session.get(Asset, asset_id).department_id == school.receiving_id
        assert item.moved_at is None or item.moved_at <= closed.closed_at
        assert item.accounted_for == (item.moved_at is not None)
    return (lambda: transfers.confirm_arrival(_user(school.receiver), transfer.id, asset_id),
            lambda: stocktakes.close_stocktake(_user(school.office), stocktake.id), check)


def stocktake_confirmation_and_arrival(school: School):
    """Someone confirms an item in the old room as it is confirmed arrived in the new one: both land, in one order or
    the other; the item is counted once, by whoever was first."""
    transfer = _approved_transfer(school, 1)
    stocktake = _stocktake_of_sending_department(school)
    asset_id = transfer.items[0].asset_id
    sighting = stocktakes.Sighting(code=db.session.get(Asset, asset_id).current_tag.code, location_id=school.room_id,
                                   method=ConfirmMethod.CAMERA, scan_id=str(uuid.uuid4()))

    def check(results):
        assert not any(isinstance(r, Exception) for r in results), results
        item = db.session.scalar(select(StocktakeItem).where(StocktakeItem.stocktake_id == stocktake.id, StocktakeItem.asset_id == asset_id))
        assert item.found and item.moved_by is not None
        counted_by_walker = results[0][0].outcome == ScanOutcome.CONFIRMED
        assert item.accounted_for != counted_by_walker  # the walker's confirmation, or the transfer's account: one of them
        stocktakes.close_stocktake(_user(school.office), stocktake.id)
    return (lambda: stocktakes.confirm_batch(_user(school.sender), stocktake.id, [sighting]),
            lambda: transfers.confirm_arrival(_user(school.receiver), transfer.id, asset_id), check)


def stocktake_one_batch_sent_twice(school: School):
    """A phone's retry while its first send is still on its way: the same confirmation ids in two requests."""
    assets = [school.asset(), school.asset()]
    stocktake = stocktakes.open_stocktake(_user(school.office), f"盘点{next(_numbers)}", stocktakes.Scope(location_ids=(school.room_id,)),
                                          assignments=[stocktakes.Assignment(user_id=school.sender, location_id=school.room_id)])
    batch = [stocktakes.Sighting(code=a.current_tag.code, location_id=school.room_id, method=ConfirmMethod.CAMERA, scan_id=str(uuid.uuid4()))
             for a in assets]

    def check(results):
        for result in results:  # counted, or "being received right now" with when to try again: never refused
            assert isinstance(result, list) or (isinstance(result, InFlightError) and result.retry_after), result
        again = stocktakes.confirm_batch(_user(school.sender), stocktake.id, batch)  # the retry
        assert [r.outcome for r in again] == [ScanOutcome.CONFIRMED] * 2
        assert db.session.scalar(select(func.count()).select_from(StocktakeScan).where(StocktakeScan.stocktake_id == stocktake.id)) == 2
        stocktakes.close_stocktake(_user(school.office), stocktake.id)  # the next trial walks the same room
    return (lambda: stocktakes.confirm_batch(_user(school.sender), stocktake.id, batch),
            lambda: stocktakes.confirm_batch(_user(school.sender), stocktake.id, batch), check)


def repair_acceptance_and_rejection(school: School):
    report = repairs.submit_report(_user(school.office), school.asset().current_tag.code, DamageKind.BROKEN, "不亮了")

    def check(results):
        _one_wins(results)
        assert db.session.get(DamageReport, report.id).status in (ReportStatus.ACCEPTED, ReportStatus.REJECTED)
    return (lambda: repairs.triage_report(_user(school.office), report.id, repairs.Triage("accept", assignee_id=school.repairer)),
            lambda: repairs.triage_report(_user(school.second_office), report.id, repairs.Triage("reject", note="不是故障")), check)


def repair_finished_twice(school: School):
    report = repairs.submit_report(_user(school.office), school.asset().current_tag.code, DamageKind.BROKEN, "不亮了")
    repairs.triage_report(_user(school.office), report.id, repairs.Triage("accept", assignee_id=school.repairer))

    def check(results):
        _one_wins(results)
        done = db.session.scalar(select(func.count()).select_from(LedgerEvent).where(
            LedgerEvent.asset_id == report.asset_id, LedgerEvent.action == LedgerAction.REPAIR_DONE))
        assert done == 1
    return (lambda: repairs.finish_repair(_user(school.repairer), report.id, "换了灯泡"),
            lambda: repairs.finish_repair(_user(school.repairer), report.id, "换了灯泡"), check)


def import_of_one_file_twice(school: School):
    start = next(_numbers) * 100
    data = ledger_xlsx(ledger_rows(5, start=start))
    plans = [plan_import(read_sheet(data, "台账.xlsx"), Options()) for _ in range(2)]

    def check(results):
        _one_wins(results)
        numbers = [f"ZC-{n:05d}" for n in range(start, start + 5)]
        from tagsvc.assets.models import Asset
        assert db.session.scalar(select(func.count()).select_from(Asset).where(Asset.asset_number.in_(numbers))) == 5
    return (lambda: commit_import(_user(school.office), plans[0], "台账.xlsx"),
            lambda: commit_import(_user(school.office), plans[1], "台账.xlsx"), check)


def season_stocktake_opened_twice(school: School):
    """Two of the office open the school's stocktake for the bureau's season at the same moment."""
    from tagsvc.district.seasons import open_season, open_season_stocktake
    from tagsvc.loans.services import school_today

    school.asset()
    season = open_season(_user(school.bureau), f"年度清查{next(_numbers)}", school_today() + timedelta(days=30))

    def check(results):
        _one_wins(results)
        opened = list(db.session.scalars(select(Stocktake).where(Stocktake.season_id == season.id)))
        assert len(opened) == 1
        stocktakes.close_stocktake(_user(school.office), opened[0].id, pending_override=0)  # the next trial opens its own
    return (lambda: open_season_stocktake(_user(school.office), season.id),
            lambda: open_season_stocktake(_user(school.second_office), season.id), check)


def _second_school(school: School) -> tuple[int, int, int]:
    """A second school of the district (made once) with its office and a department: (school, office, department)."""
    from tagsvc.schools.models import School as SchoolRow
    from tagsvc.schools.services import create_school
    from tagsvc.schools.wall import use_school

    second = db.session.scalar(select(SchoolRow).where(SchoolRow.code == "s2")) or create_school("s2", "第二中学")
    with use_school(second.id):
        office = db.session.scalar(select(User).where(User.role == Role.ADMIN)) or make_user(Role.ADMIN, display_name="二中后勤")
        department = db.session.scalar(select(Department)) or make_department("二中教务处")
        db.session.commit()
        return second.id, office.id, department.id


def _as_school(school_id: int, step: Callable) -> Callable:
    """A step as a request of that school makes it (the bureau's: no school)."""
    from tagsvc.schools.wall import use_school

    def run():
        with use_school(school_id):
            return step()
    return run


def _accepted_school_transfer(school: School, count: int):
    from tagsvc.schools.wall import use_school
    from tagsvc.transfers import between_schools

    second, receiving_office, department = _second_school(school)
    with use_school(1):
        assets = [school.asset() for _ in range(count)]
        offer = between_schools.offer_to_school(_user(school.office), [a.id for a in assets], second, "支援二中")
    with use_school(second):
        between_schools.accept_offer(_user(receiving_office), offer.id, department)
    return offer, second, receiving_office


def school_transfer_approval_and_withdrawal(school: School):
    """The bureau approves a transfer between schools while the sending school withdraws it."""
    from tagsvc.assets.models import AssetStatus
    from tagsvc.schools.wall import use_school
    from tagsvc.transfers import between_schools
    from tagsvc.transfers.models import SchoolTransfer, SchoolTransferStatus

    offer, _second, _office = _accepted_school_transfer(school, 1)

    def check(results):
        _one_wins(results)
        decided = db.session.get(SchoolTransfer, offer.id)
        with use_school(1):
            held = hold_on(decided.items[0].asset_id)
            asset = db.session.get(Asset, decided.items[0].asset_id)
        if decided.status == SchoolTransferStatus.CANCELLED:
            assert held is None and decided.approved_at is None
        else:
            assert decided.status == SchoolTransferStatus.APPROVED and held is not None
        assert asset.status == AssetStatus.IN_USE  # nothing arrived yet either way
    return (lambda: between_schools.approve_offer(_user(school.bureau), offer.id),
            _as_school(1, lambda: between_schools.cancel_offer(_user(school.office), offer.id, "不调了")), check)


def school_transfer_last_two_arrivals(school: School):
    """The receiving school scans the last two items from two phones at the same moment: both arrive, and the transfer
    between schools is complete (not left under way with every item in)."""
    from tagsvc.schools.wall import use_school
    from tagsvc.transfers import between_schools
    from tagsvc.transfers.models import SchoolTransfer, SchoolTransferStatus

    offer, second, receiving_office = _accepted_school_transfer(school, 2)
    between_schools.approve_offer(_user(school.bureau), offer.id)
    with use_school(second):
        other_phone = make_user(Role.ADMIN, display_name=f"二中后勤{next(_numbers)}").id
        db.session.commit()
    codes = [item.tag_code for item in offer.items]

    def check(results):
        assert all(not isinstance(r, Exception) and r.counted for r in results), results
        done = db.session.get(SchoolTransfer, offer.id)
        assert done.status == SchoolTransferStatus.COMPLETED and all(item.new_asset_id for item in done.items)
        with use_school(second):
            assert db.session.scalar(select(func.count()).select_from(Asset).where(Asset.id.in_([i.new_asset_id for i in done.items]))) == 2
    return (_as_school(second, lambda: between_schools.confirm_school_arrival(_user(receiving_office), offer.id, codes[0])),
            _as_school(second, lambda: between_schools.confirm_school_arrival(_user(other_phone), offer.id, codes[1])), check)


def _inspection_round(school: School, items: int, period_ended: bool = False):
    """A monthly extinguisher plan of one line for the two keepers, its round begun (this month's, or last month's)."""
    from datetime import date

    from tagsvc.inspections.models import Frequency, TargetKind
    from tagsvc.inspections.services import PlanData, create_plan, open_round, today
    from tests.factories import make_category

    n = next(_numbers)
    category = make_category(f"灭火器{n}")
    units = [make_asset(name=f"灭火器{n}-{i}", asset_number=f"MHQ-{n:05d}-{i}", category_id=category.id) for i in range(items)]
    plan = create_plan(_user(school.office), PlanData(name=f"灭火器月检{n}", target_kind=TargetKind.CATEGORY, category_id=category.id,
                                                      checklist=["压力表指针在绿区"], frequency=Frequency.MONTHLY, starts_on=date(2026, 1, 1),
                                                      inspector_ids=[school.sender, school.receiver]))
    day = today().replace(day=1) - timedelta(days=1) if period_ended else today()
    return open_round(_user(school.sender), plan.id, day), [u.current_tag.code for u in units], [u.id for u in units]


def _line(code: str, passed: bool = True, note: str = ""):
    from tagsvc.inspections.services import ResultIn, new_result_id

    return ResultIn(new_result_id(), code, "k1", passed, note)


def inspection_one_line_from_two_phones(school: School):
    """Two inspectors find the same extinguisher's gauge in the red at the same moment: one result stands, the other
    phone is told (at once, or when it sends again), and one damage report is opened, not two."""
    from tagsvc.inspections.models import InspectionResult
    from tagsvc.inspections.services import record_results

    current, (code,), (asset_id,) = _inspection_round(school, 1)
    lines = [[_line(code, False, "指针在红区")], [_line(code, False, "压力不足")]]
    people = [school.sender, school.receiver]

    def check(results):
        for person, sent, result in zip(people, lines, results, strict=True):
            if isinstance(result, InFlightError):  # the phone's queue sends it again in a moment
                result = record_results(_user(person), current.id, sent)
            assert not isinstance(result, Exception), results
        assert db.session.scalar(select(func.count()).select_from(InspectionResult).where(InspectionResult.round_id == current.id)) == 1
        assert db.session.scalar(select(func.count()).select_from(DamageReport).where(DamageReport.asset_id == asset_id)) == 1
    return (lambda: record_results(_user(school.sender), current.id, lines[0]),
            lambda: record_results(_user(school.receiver), current.id, lines[1]), check)


def inspection_last_two_items_from_two_phones(school: School):
    """The round's last two extinguishers from two phones at the same moment: the round is done that day (neither
    batch saw the other's line inside its own transaction)."""
    from tagsvc.inspections.models import InspectionRound
    from tagsvc.inspections.services import record_results, today

    current, codes, _ids = _inspection_round(school, 2)

    def check(results):
        assert all(not isinstance(r, Exception) and r[0].outcome == "recorded" for r in results), results
        assert db.session.get(InspectionRound, current.id).done_on == today()
    return (lambda: record_results(_user(school.sender), current.id, [_line(codes[0])]),
            lambda: record_results(_user(school.receiver), current.id, [_line(codes[1])]), check)


def inspection_results_and_close(school: School):
    """Last month's results arriving as the office closes that round: either they are in the record it closed, or
    they are refused; never a line recorded after the record was signed."""
    from tagsvc.inspections.models import InspectionResult, InspectionRound
    from tagsvc.inspections.services import close_round, record_results

    current, (code,), _ids = _inspection_round(school, 1, period_ended=True)

    def check(results):
        assert not isinstance(results[1], Exception), results
        closed = db.session.get(InspectionRound, current.id)
        rows = db.session.scalars(select(InspectionResult).where(InspectionResult.round_id == current.id)).all()
        if isinstance(results[0], ConflictError):
            assert rows == [] and "closed" in results[0].message
        else:
            assert len(rows) == 1 and rows[0].received_at <= closed.closed_at
    return (lambda: record_results(_user(school.sender), current.id, [_line(code)]),
            lambda: close_round(_user(school.office), current.id), check)


CONFLICTING_STEPS = {
    "transfer: the last two arrivals": transfer_last_two_arrivals,
    "transfer: approval and cancellation": transfer_approval_and_cancellation,
    "transfer: approval and rejection": transfer_approval_and_rejection,
    "transfer: acceptance and decline": transfer_acceptance_and_decline,
    "loan: the last two returns": loan_last_two_returns,
    "disposal: approval and cancellation": disposal_approval_and_cancellation,
    "disposal: approval and rejection": disposal_approval_and_rejection,
    "disposal: the bureau's approval and the office's rejection": disposal_bureau_approval_and_office_rejection,
    "stocktake: a confirmation and the close": stocktake_confirmation_and_close,
    "stocktake: one batch sent twice": stocktake_one_batch_sent_twice,
    "stocktake: a transfer's arrival and the close": stocktake_arrival_and_close,
    "stocktake: a confirmation and a transfer's arrival": stocktake_confirmation_and_arrival,
    "repair: acceptance and rejection": repair_acceptance_and_rejection,
    "repair: finished from two phones": repair_finished_twice,
    "import: one file imported twice": import_of_one_file_twice,
    "stocktake season: the school's stocktake opened twice": season_stocktake_opened_twice,
    "transfer between schools: the bureau's approval and the sender's withdrawal": school_transfer_approval_and_withdrawal,
    "transfer between schools: the last two arrivals": school_transfer_last_two_arrivals,
    "inspection: one line checked from two phones": inspection_one_line_from_two_phones,
    "inspection: the last two items from two phones": inspection_last_two_items_from_two_phones,
    "inspection: results and the round's close": inspection_results_and_close,
}


@pytest.fixture
def school(app) -> School:
    sending, receiving = make_department("信息中心"), make_department("教务处")
    return School(office=make_user(Role.ADMIN, display_name="后勤王主任").id, second_office=make_user(Role.ADMIN, display_name="后勤刘副主任").id,
                  sender=make_user(Role.KEEPER, departments=[sending], display_name="信息中心李老师").id,
                  receiver=make_user(Role.KEEPER, departments=[receiving], display_name="教务处张老师").id,
                  repairer=make_user(Role.REPAIRER).id, sending_id=sending.id, receiving_id=receiving.id, room_id=make_location("301").id,
                  bureau=make_user(Role.DISTRICT, display_name="区教育局张科长").id)


@pytest.mark.parametrize("pair", CONFLICTING_STEPS, ids=list(CONFLICTING_STEPS))
def test_two_steps_at_the_same_moment_decide_a_document_once(app, school, pair):
    for _trial in range(TRIALS):
        first, second, check = CONFLICTING_STEPS[pair](school)
        db.session.commit()
        results = at_once(app, first, second)
        db.session.expire_all()
        check(results)


def test_documents_left_stuck_by_earlier_versions_are_settled(app, school, runner):
    """What the race left behind before the lock: every item arrived (or back) and the document still open."""
    from sqlalchemy import update

    from tagsvc.transfers.models import TransferItem
    from tagsvc.loans.models import HandoutItem

    transfer = _approved_transfer(school, 2)
    transfers.confirm_arrival(_user(school.receiver), transfer.id, transfer.items[0].asset_id)
    stuck_at = transfer.items[0].arrived_at
    db.session.execute(update(TransferItem).where(TransferItem.transfer_id == transfer.id, TransferItem.arrived_at.is_(None))
                       .values(arrived_at=stuck_at, arrived_by_name="教务处张老师"))
    loan = loans.start_handout(_user(school.office), HandoutKind.LOAN, loans.Recipient(
        RecipientKind.STUDENT, name="王小明", class_name="高一(3)班", due_on=loans.school_today() + timedelta(days=3)))
    loans.hand_out(_user(school.office), loan.id, school.asset().id)
    db.session.execute(update(HandoutItem).where(HandoutItem.handout_id == loan.id).values(returned_at=stuck_at))
    db.session.commit()
    db.session.expire_all()  # as a fresh command finds the database

    result = runner.invoke(args=["db", "settle"])
    assert result.exit_code == 0 and "Completed 1 transfers and closed 1 loans" in result.output
    db.session.expire_all()
    assert db.session.get(Transfer, transfer.id).status == TransferStatus.COMPLETED
    assert db.session.get(Handout, loan.id).closed_at is not None
    assert "Completed 0 transfers and closed 0 loans" in runner.invoke(args=["db", "settle"]).output
