"""Damage reports and repairs as services: the whole loop, who may do what, and bad input."""
from decimal import Decimal
from io import BytesIO
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select

from tagsvc.accounts.models import Role
from tagsvc.assets.models import AssetCondition, AssetStatus
from tagsvc.errors import ConflictError, PermissionDeniedError, ValidationError
from tagsvc.extensions import db
from tagsvc.ledger.models import LedgerAction, LedgerEvent
from tagsvc.photos.services import stored_photo
from tagsvc.repairs import services
from tagsvc.repairs.models import DamageKind, DamageReport, Priority, ReportStatus
from tagsvc.scanning.services import scan_facts
from tests.factories import make_asset, make_department, make_user
from tests.photos.test_services import phone_photo_with_gps


@pytest.fixture
def desk(app):
    return make_asset(name="课桌椅", department_id=make_department("高二(1)班").id)


@pytest.fixture
def office(app):
    return make_user(Role.ADMIN)


@pytest.fixture
def repairer(app):
    return make_user(Role.REPAIRER)


def report_count() -> int:
    return db.session.scalar(select(func.count()).select_from(DamageReport))


def stored_files(app) -> list:
    """The photos kept: in the upload folder, or in the database (TAGSVC_STORAGE_URL=database)."""
    from tagsvc.storage.models import StoredFile

    folder = Path(app.config["UPLOAD_DIR"])
    in_folder = sorted(path for path in folder.glob("*") if path.is_file()) if folder.exists() else []
    return in_folder + list(db.session.scalars(select(StoredFile.name).where(StoredFile.area == "photos")))


def send(desk, description="桌腿松了，一坐就晃", client="phone-1", **kw):
    return services.submit_report(None, desk.current_tag.code, DamageKind.BROKEN, description, client_hash=client, **kw)


def test_an_anonymous_report_is_a_claim_that_leaves_the_books_alone_and_tells_the_scan_page(desk):
    report = send(desk, reporter=services.Reporter("李同学", "高二(1)班", "13800000000"))
    assert report.status == ReportStatus.NEW and report.reporter_name == "李同学"
    db.session.expire_all()
    assert desk.status == AssetStatus.IN_USE and desk.condition == AssetCondition.GOOD  # nobody has looked at it yet
    facts = scan_facts(desk.current_tag.code)
    assert facts.report_status == ReportStatus.NEW and facts.reported_at is not None and facts.report_open
    event = db.session.scalar(select(LedgerEvent).where(LedgerEvent.action == LedgerAction.DAMAGE_REPORTED))
    assert event.asset_id == desk.id and event.changes == {} and "桌腿松了" in event.note


def test_the_office_accepting_a_report_makes_the_item_damaged_with_a_condition_that_fits(desk, office, repairer):
    report = send(desk)
    services.triage_report(office, report.id, services.Triage("accept", Priority.NORMAL, repairer.id))
    db.session.expire_all()
    assert desk.status == AssetStatus.DAMAGED and desk.condition == AssetCondition.BROKEN
    event = db.session.scalar(select(LedgerEvent).where(LedgerEvent.action == LedgerAction.REPORT_ACCEPTED))
    assert event.changes == {"status": ["in_use", "damaged"], "condition": ["good", "broken"]}


def test_a_repaired_item_is_back_in_use_and_no_longer_broken(desk, office, repairer):
    report = send(desk)
    services.triage_report(office, report.id, services.Triage("accept", Priority.NORMAL, repairer.id))
    services.finish_repair(repairer, report.id, "换了桌腿")
    db.session.expire_all()
    assert desk.status == AssetStatus.IN_USE and desk.condition == AssetCondition.FAIR


def test_a_rejected_report_leaves_the_item_as_it_was(desk, office):
    report = send(desk)
    services.triage_report(office, report.id, services.Triage("reject", note="桌子是好的"))
    db.session.expire_all()
    assert desk.status == AssetStatus.IN_USE and desk.condition == AssetCondition.GOOD
    assert scan_facts(desk.current_tag.code).report_status is None


def test_the_whole_repair_loop_brings_the_item_back_into_use(desk, office, repairer):
    report = send(desk)
    services.triage_report(office, report.id, services.Triage("accept", Priority.URGENT, repairer.id))
    assert scan_facts(desk.current_tag.code).report_status == ReportStatus.ACCEPTED
    services.start_repair(repairer, report.id)
    db.session.expire_all()
    assert desk.status == AssetStatus.UNDER_REPAIR
    services.finish_repair(repairer, report.id, "换了桌腿螺丝", Decimal("12.50"))
    db.session.expire_all()
    assert desk.status == AssetStatus.IN_USE
    facts = scan_facts(desk.current_tag.code)
    assert facts.report_status == ReportStatus.DONE and facts.repaired_at is not None
    actions = [e.action for e in db.session.scalars(select(LedgerEvent).where(LedgerEvent.asset_id == desk.id).order_by(LedgerEvent.id))]
    assert actions[-4:] == [LedgerAction.DAMAGE_REPORTED, LedgerAction.REPORT_ACCEPTED, LedgerAction.REPAIR_STARTED, LedgerAction.REPAIR_DONE]
    done = db.session.scalars(select(LedgerEvent).where(LedgerEvent.action == LedgerAction.REPAIR_DONE)).one()
    assert "¥12.50" in done.note and done.actor_name == repairer.display_name


def test_an_open_report_blocks_a_second_one_and_takes_details_instead(desk):
    report = send(desk)
    with pytest.raises(ConflictError):
        send(desk, client="phone-2")
    services.add_to_report(None, report.id, "我也看到了", services.Reporter("王同学"), client_hash="phone-2")
    assert report_count() == 1
    db.session.refresh(report)
    assert [a.reporter_name for a in report.additions] == ["王同学"]


def test_after_the_repair_the_item_can_be_reported_again(desk, office, repairer):
    report = send(desk)
    services.triage_report(office, report.id, services.Triage("accept", Priority.NORMAL, repairer.id))
    services.finish_repair(repairer, report.id, "修好了")
    send(desk, description="又坏了")
    assert report_count() == 2


@pytest.mark.parametrize("description, message", [("", "describe what is wrong"), ("   ", "describe what is wrong"), ("x" * 2001, "under 2000")])
def test_a_report_needs_a_description(desk, description, message):
    with pytest.raises(ValidationError, match=message):
        send(desk, description=description)
    assert report_count() == 0
    db.session.expire_all()
    assert desk.status == AssetStatus.IN_USE


def test_a_text_file_posing_as_a_photo_stores_nothing(app, desk):
    good = BytesIO()
    Image.new("RGB", (800, 600), "white").save(good, "JPEG")
    with pytest.raises(ValidationError, match="not a photo"):
        send(desk, photos=[good.getvalue(), b"this is not a photo, just text"])
    assert report_count() == 0 and stored_files(app) == []  # the good first photo was removed again


def test_a_forty_megapixel_photo_is_refused(app, desk):
    huge = BytesIO()
    Image.new("L", (8000, 5000)).save(huge, "PNG")
    with pytest.raises(ValidationError, match="too many pixels"):
        send(desk, photos=[huge.getvalue()])
    assert report_count() == 0


def test_at_most_three_photos(app, desk):
    photo = phone_photo_with_gps((400, 300))
    with pytest.raises(ValidationError, match="At most 3"):
        send(desk, photos=[photo] * 4)
    assert report_count() == 0 and stored_files(app) == []


def test_a_report_photo_keeps_no_gps_position(app, desk):
    report = send(desk, photos=[phone_photo_with_gps()])
    stored = Image.open(BytesIO(stored_photo(report.photos[0].name)))
    assert not stored.getexif() and "exif" not in stored.info


def test_a_flood_of_anonymous_reports_is_stopped(desk):
    others = [make_asset() for _ in range(services.PER_CLIENT_PER_HOUR + 1)]
    for asset in others[:-1]:
        send(asset, client="script")
    with pytest.raises(services.RateLimitedError, match="many reports"):
        send(others[-1], client="script")
    assert report_count() == services.PER_CLIENT_PER_HOUR
    send(desk, client="someone-else")  # another phone is not affected


def test_one_asset_takes_only_so_many_anonymous_details_an_hour(desk):
    report = send(desk, client="phone-0")
    for n in range(1, services.PER_ASSET_PER_HOUR):
        services.add_to_report(None, report.id, f"看到了 {n}", client_hash=f"phone-{n}")
    with pytest.raises(services.RateLimitedError):
        services.add_to_report(None, report.id, "再来一次", client_hash="phone-99")


def test_signed_in_reporters_are_prefilled_and_not_limited(desk):
    teacher = make_user(Role.STAFF, display_name="赵老师", departments=[desk.department])
    report = services.submit_report(teacher, desk.current_tag.code, DamageKind.UNSAFE, "桌角有钉子露出", client_hash="x")
    assert report.reporter_name == "赵老师" and report.reporter_group == "高二(1)班" and report.reporter_id == teacher.id


def test_only_the_office_triages(desk, repairer):
    report = send(desk)
    for who in (repairer, make_user(Role.KEEPER), make_user(Role.STAFF)):
        with pytest.raises(PermissionDeniedError):
            services.triage_report(who, report.id, services.Triage("accept", Priority.NORMAL, repairer.id))
    assert db.session.get(DamageReport, report.id).status == ReportStatus.NEW


def test_accepting_needs_a_repairer_and_rejecting_a_reason(desk, office):
    report = send(desk)
    with pytest.raises(ValidationError, match="who will repair"):
        services.triage_report(office, report.id, services.Triage("accept", Priority.NORMAL, None))
    with pytest.raises(ValidationError, match="not a fault"):
        services.triage_report(office, report.id, services.Triage("reject"))
    assert db.session.get(DamageReport, report.id).status == ReportStatus.NEW


def test_a_rejected_report_gives_the_item_its_status_back(desk, office):
    report = send(desk)
    services.triage_report(office, report.id, services.Triage("reject", note="桌子本来就是这样设计的"))
    db.session.expire_all()
    assert desk.status == AssetStatus.IN_USE
    assert scan_facts(desk.current_tag.code).report_status is None  # nothing left to tell the next person


def test_a_duplicate_report_is_merged_into_the_first(desk, office, repairer):
    first = send(desk)
    services.triage_report(office, first.id, services.Triage("accept", Priority.NORMAL, repairer.id))
    services.finish_repair(repairer, first.id, "修好了")
    second = send(desk, description="同一个问题")
    services.triage_report(office, second.id, services.Triage("merge", merge_into_id=first.id))
    assert db.session.get(DamageReport, second.id).merged_into_id == first.id
    other = send(make_asset())
    with pytest.raises(ValidationError, match="same item"):
        services.triage_report(office, other.id, services.Triage("merge", merge_into_id=first.id))


def test_only_the_assigned_repairer_works_the_order(desk, office, repairer):
    report = send(desk)
    services.triage_report(office, report.id, services.Triage("accept", Priority.NORMAL, repairer.id))
    with pytest.raises(PermissionDeniedError):
        services.start_repair(make_user(Role.REPAIRER), report.id)
    with pytest.raises(PermissionDeniedError):
        services.finish_repair(make_user(Role.STAFF), report.id, "修好了")
    assert db.session.get(DamageReport, report.id).status == ReportStatus.ACCEPTED


def test_not_repairable_proposes_disposal(desk, office, repairer):
    report = send(desk)
    services.triage_report(office, report.id, services.Triage("accept", Priority.LOW, repairer.id))
    services.finish_repair(repairer, report.id, "桌面开裂，无法修复", repairable=False)
    db.session.expire_all()
    assert desk.status == AssetStatus.DAMAGED
    assert scan_facts(desk.current_tag.code).report_status == ReportStatus.NOT_REPAIRABLE
    assert db.session.scalar(select(LedgerEvent).where(LedgerEvent.action == LedgerAction.REPAIR_NOT_REPAIRABLE)) is not None


def test_closing_needs_a_note_and_a_sensible_cost(desk, office, repairer):
    report = send(desk)
    services.triage_report(office, report.id, services.Triage("accept", Priority.NORMAL, repairer.id))
    with pytest.raises(ValidationError, match="Say what was done"):
        services.finish_repair(repairer, report.id, " ")
    with pytest.raises(ValidationError, match="cost of parts"):
        services.finish_repair(repairer, report.id, "修好了", Decimal("-5"))
    assert db.session.get(DamageReport, report.id).status == ReportStatus.ACCEPTED


def test_a_repairers_orders_come_most_urgent_then_oldest(office, repairer):
    assets = [make_asset() for _ in range(3)]
    low, urgent_old, urgent_new = (send(a, client=f"c{i}") for i, a in enumerate(assets))
    for report, priority in ((low, Priority.LOW), (urgent_old, Priority.URGENT), (urgent_new, Priority.URGENT)):
        services.triage_report(office, report.id, services.Triage("accept", priority, repairer.id))
    assert [r.id for r in services.my_work_orders(repairer)] == [urgent_old.id, urgent_new.id, low.id]


def test_counts_for_the_office_and_repairers(desk, office, repairer):
    report = send(desk)
    assert services.repair_counts(office) == services.RepairCounts(new=1, overdue=0)
    assert services.repair_counts(make_user(Role.STAFF)) is None
    services.triage_report(office, report.id, services.Triage("accept", Priority.URGENT, repairer.id))
    report.created_at = report.created_at.replace(year=report.created_at.year - 1)
    db.session.commit()
    assert services.repair_counts(repairer) == services.RepairCounts(new=1, overdue=1)
    assert services.repair_counts(office) == services.RepairCounts(new=0, overdue=1)
