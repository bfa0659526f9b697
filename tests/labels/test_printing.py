"""Printing labels as services: choosing, jobs, the PDF they make, what they record."""
import time
from datetime import timedelta
from pathlib import Path

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from tagsvc.accounts.models import Role
from tagsvc.assets.services import AssetQuery, attach_blank_tag, create_asset, AssetData, matching_asset_ids
from tagsvc.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from tagsvc.extensions import db, utcnow
from tagsvc.labels import services
from tagsvc.labels.models import PrintJob, PrintJobKind, PrintJobStatus
from tagsvc.ledger.models import LedgerAction, LedgerEvent
from tagsvc.tags.models import Tag
from tagsvc.tags.services import format_code
from tests.factories import make_asset, make_department, make_location, make_user
from tests.labels.pdf_reading import page_count, page_text, read_page_labels

BASE = "https://tags.example.edu"


@pytest.fixture
def school(app):
    office = make_department("总务处")
    class_3 = make_department("高一(3)班")
    room = make_location("301", parent=make_location("教学楼"))
    assets = [make_asset(name=f"课桌椅{i}", asset_number=f"KZY-{i:03d}", department_id=class_3.id, location_id=room.id) for i in range(7)]
    other = make_asset(name="办公桌", department_id=office.id)
    admin = make_user(Role.ADMIN)
    keeper = make_user(Role.KEEPER, departments=[class_3])
    return {"admin": admin, "keeper": keeper, "class": class_3, "office": office, "room": room, "assets": assets, "other": other}


def url_of(tag_code: str) -> str:
    return f"{BASE.upper()}/T/{tag_code}"


def settings(sheet="a4-3x8", start=0, level="M"):
    return services.PrintSettings(sheet_slug=sheet, start_position=start, qr_level=level)


def print_assets(actor, assets, **kw) -> PrintJob:
    job = services.create_print_job(actor, PrintJobKind.ASSETS, services.asset_tag_ids(actor, [a.id for a in assets]), settings(**kw))
    return services.run_print_job(job.id)


def test_a_job_prints_each_asset_once_from_the_chosen_position(school):
    job = print_assets(school["admin"], school["assets"], start=4)
    assert job.status == PrintJobStatus.DONE and job.done_count == 7
    pdf = services.print_job_file(school["admin"], job.id)
    sheet = services.get_sheet("a4-3x8")
    found = read_page_labels(pdf, sheet)
    # Positions 1-4 were peeled off already: the labels start at the fifth, in the order chosen.
    assert sorted(found) == list(range(4, 11))
    assert [found[p] for p in range(4, 11)] == [url_of(a.current_tag.code) for a in school["assets"]]
    text = page_text(pdf)
    assert "课桌椅0" in text and "KZY-006" in text and "教学楼 › 301" in text


def test_a_full_sheet_continues_on_a_second_page(school):
    many = school["assets"] + [make_asset(department_id=school["class"].id) for _ in range(20)]
    job = print_assets(school["admin"], many, start=20)
    pdf = services.print_job_file(school["admin"], job.id)
    sheet = services.get_sheet("a4-3x8")
    assert page_count(pdf) == 2
    assert sorted(read_page_labels(pdf, sheet)) == [20, 21, 22, 23]
    assert len(read_page_labels(pdf, sheet, page=1)) == 23


def test_printing_is_recorded_on_the_labels_and_in_each_ledger(school):
    print_assets(school["admin"], school["assets"][:2])
    printed = school["assets"][0]
    db.session.expire_all()
    assert printed.current_tag.printed_at is not None
    events = db.session.scalars(select(LedgerEvent).where(LedgerEvent.action == LedgerAction.LABEL_PRINTED)).all()
    assert sorted(e.asset_id for e in events) == sorted(a.id for a in school["assets"][:2])
    assert events[0].actor_name == school["admin"].display_name
    # The history says which sheet in the reader's language, and which label.
    code = format_code(printed.current_tag.code)
    event = next(e for e in events if e.asset_id == printed.id)
    for language, sheet_words in (("zh", "A4 3×8（70 × 37 mm）"), ("en", "A4 3×8 (70 × 37 mm)")):
        with force_locale(language):
            assert event.note_words == f"{sheet_words} · {code}", language
    # "Never printed" now leaves them out.
    left = matching_asset_ids(school["admin"], AssetQuery(department_id=school["class"].id, never_printed=True))
    assert sorted(left) == sorted(a.id for a in school["assets"][2:])


def test_qr_level_h_makes_a_denser_code_that_still_reads(school):
    job = print_assets(school["admin"], school["assets"][:1], level="H")
    pdf = services.print_job_file(school["admin"], job.id)
    assert read_page_labels(pdf, services.get_sheet("a4-3x8")) == {0: url_of(school["assets"][0].current_tag.code)}
    # The kept matrix stays the default level's: an H sheet is a one-off.
    db.session.expire_all()
    assert school["assets"][0].current_tag.qr_level == "M"


def test_a_keeper_prints_only_their_departments_assets(school):
    tags = services.asset_tag_ids(school["keeper"], [a.id for a in school["assets"]])
    assert len(tags) == 7
    with pytest.raises(PermissionDeniedError, match="1 of the chosen assets"):
        services.asset_tag_ids(school["keeper"], [school["assets"][0].id, school["other"].id])
    with pytest.raises(PermissionDeniedError):
        services.asset_tag_ids(make_user(Role.STAFF), [school["assets"][0].id])
    assert db.session.scalar(select(func.count()).select_from(PrintJob)) == 0


@pytest.mark.parametrize("bad, message", [
    (dict(sheet="a4-9x99"), "no label sheet"),
    (dict(start=24), "between 1 and 24"),
    (dict(start=-1), "between 1 and 24"),
    (dict(level="Q"), "M or H"),
])
def test_bad_settings_are_refused_and_nothing_is_stored(school, bad, message):
    tags = services.asset_tag_ids(school["admin"], [school["assets"][0].id])
    with pytest.raises(ValidationError, match=message):
        services.create_print_job(school["admin"], PrintJobKind.ASSETS, tags, settings(**bad))
    assert db.session.scalar(select(func.count()).select_from(PrintJob)) == 0


def test_an_empty_or_vanished_selection_is_refused(school):
    with pytest.raises(ValidationError, match="at least one asset"):
        services.asset_tag_ids(school["admin"], [])
    with pytest.raises(ValidationError, match="1 of the chosen assets no longer exist"):
        services.asset_tag_ids(school["admin"], [school["assets"][0].id, 999_999])
    with pytest.raises(ValidationError, match="selection is empty"):
        services.create_print_job(school["admin"], PrintJobKind.ASSETS, [], settings())


def test_a_large_job_runs_on_the_queue_and_reports_progress(make_app, tmp_path, queue_worker):
    app = make_app(LABEL_INLINE_MAX=10)
    queue_worker(app)
    with app.app_context():
        admin = make_user(Role.ADMIN)
        department = make_department()
        assets = [make_asset(department_id=department.id) for _ in range(300)]
        job = services.create_print_job(admin, PrintJobKind.ASSETS, services.asset_tag_ids(admin, [a.id for a in assets]), settings())
        services.start_print_job(job)
        seen = set()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            db.session.expire_all()
            current = services.get_print_job(admin, job.id)
            seen.add(current.done_count)
            if current.status == PrintJobStatus.DONE:
                break
            time.sleep(0.05)
        assert current.status == PrintJobStatus.DONE and current.done_count == 300
        assert page_count(services.print_job_file(admin, job.id)) == 13  # 300 labels, 24 a sheet
        db.session.remove()


def test_a_job_whose_server_died_is_shown_as_failed(school):
    job = services.create_print_job(school["admin"], PrintJobKind.ASSETS, services.asset_tag_ids(school["admin"], [school["assets"][0].id]), settings())
    job.status, job.updated_at = PrintJobStatus.RUNNING, utcnow() - timedelta(minutes=30)
    db.session.commit()
    assert services.get_print_job(school["admin"], job.id).status == PrintJobStatus.FAILED
    with pytest.raises(NotFoundError):
        services.print_job_file(school["admin"], job.id)


def test_others_cannot_open_someone_elses_job_but_the_office_can(school):
    job = print_assets(school["keeper"], school["assets"][:1])
    other_keeper = make_user(Role.KEEPER, departments=[school["class"]])
    with pytest.raises(NotFoundError):
        services.get_print_job(other_keeper, job.id)
    assert services.get_print_job(school["admin"], job.id).id == job.id


def test_the_printer_offset_moves_every_label(school):
    services.set_printer_offset(school["admin"], "a4-3x8", 3.0, 4.0)
    job = print_assets(school["admin"], school["assets"][:3])
    pdf = services.print_job_file(school["admin"], job.id)
    sheet = services.get_sheet("a4-3x8")
    assert sorted(read_page_labels(pdf, sheet, offset_mm=(3.0, 4.0))) == [0, 1, 2]
    assert services.printer_offset("a4-3x8") == (3.0, 4.0)
    assert services.printer_offset("a4-3x7") == (0.0, 0.0)  # each sheet its own


def test_printer_offsets_are_the_offices_and_stay_in_range(school):
    with pytest.raises(PermissionDeniedError):
        services.set_printer_offset(school["keeper"], "a4-3x8", 1.0, 1.0)
    with pytest.raises(ValidationError, match="more than 15 mm"):
        services.set_printer_offset(school["admin"], "a4-3x8", 16.0, 0.0)
    with pytest.raises(ValidationError):
        services.set_printer_offset(school["admin"], "no-such-sheet", 1.0, 0.0)
    assert services.all_printer_offsets() == {}


def test_the_alignment_page_outlines_every_label_with_the_offset(school):
    services.set_printer_offset(school["admin"], "a4-3x8", 1.5, -0.5)
    pdf = services.alignment_page(school["keeper"], "a4-3x8")
    text = page_text(pdf)
    assert all(str(n) in text for n in range(1, 25))
    assert "right +1.5 mm, down -0.5 mm" in text


def test_first_page_preview_draws_only_the_first_page_and_records_nothing(school):
    from io import BytesIO

    import zxingcpp
    from PIL import Image

    tags = services.asset_tag_ids(school["admin"], [a.id for a in school["assets"]])
    png = services.first_page_preview(school["admin"], tags, settings(sheet="a4-3x8", start=20), dpi=150)
    image = Image.open(BytesIO(png))
    assert image.format == "PNG" and abs(image.width - 210 / 25.4 * 150) <= 1  # the whole A4 page
    assert len(zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)) == 4  # positions 21-24
    db.session.expire_all()
    assert all(a.current_tag.printed_at is None for a in school["assets"])
    assert db.session.scalar(select(func.count()).select_from(LedgerEvent).where(LedgerEvent.action == LedgerAction.LABEL_PRINTED)) == 0


def test_room_labels_are_issued_once_and_name_the_room(school):
    first = services.room_tag_ids(school["admin"], [school["room"].id])
    assert services.room_tag_ids(school["admin"], [school["room"].id]) == first
    job = services.create_print_job(school["admin"], PrintJobKind.ROOMS, first, settings(sheet="thermal-50x30"))
    pdf = services.print_job_file(school["admin"], services.run_print_job(job.id).id)
    code = db.session.get(Tag, first[0]).code
    assert read_page_labels(pdf, services.get_sheet("thermal-50x30")) == {0: url_of(code)}
    assert "301" in page_text(pdf) and "教学楼" in page_text(pdf)
    with pytest.raises(PermissionDeniedError):
        services.room_tag_ids(school["keeper"], [school["room"].id])


def test_blank_batches_make_labels_that_belong_to_nothing(school):
    batch = services.create_blank_batch(school["keeper"], 5)
    tag_ids = services.batch_tag_ids(batch)
    tags = [db.session.get(Tag, i) for i in tag_ids]
    assert len(tags) == 5 and all(t.is_blank for t in tags)
    job = services.run_print_job(services.create_print_job(school["keeper"], PrintJobKind.BLANK, tag_ids, settings()).id)
    pdf = services.print_job_file(school["keeper"], job.id)
    assert sorted(read_page_labels(pdf, services.get_sheet("a4-3x8")).values()) == sorted(url_of(t.code) for t in tags)


@pytest.mark.parametrize("count", [0, 2001])
def test_a_blank_batch_has_a_sensible_size(school, count):
    with pytest.raises(ValidationError, match="1 to 2000"):
        services.create_blank_batch(school["admin"], count)
    assert db.session.scalar(select(func.count()).select_from(Tag).where(Tag.batch_id.is_not(None))) == 0


def test_a_blank_label_registers_a_new_purchase(school):
    code = db.session.get(Tag, services.batch_tag_ids(services.create_blank_batch(school["admin"], 1))[0]).code
    asset = create_asset(school["keeper"], AssetData(asset_number="NEW-001", name="笔记本电脑", department_id=school["class"].id), blank_code=code)
    assert asset.current_tag.code == code
    assert db.session.scalar(select(func.count()).select_from(Tag).where(Tag.asset_id == asset.id)) == 1
    actions = [e.action for e in db.session.scalars(select(LedgerEvent).where(LedgerEvent.asset_id == asset.id))]
    assert LedgerAction.TAG_ATTACHED in actions and LedgerAction.TAG_ISSUED not in actions


def test_a_blank_label_replaces_an_existing_assets_label(school):
    asset = school["assets"][0]
    old_code = asset.current_tag.code
    code = db.session.get(Tag, services.batch_tag_ids(services.create_blank_batch(school["admin"], 1))[0]).code
    attach_blank_tag(school["keeper"], code, asset.asset_number)
    db.session.expire_all()
    assert asset.current_tag.code == code
    old = db.session.scalar(select(Tag).where(Tag.code == old_code))
    assert old.retired_at is not None and old.replaced_by_id == asset.current_tag.id
    # Claimed once: a second claim, or a claim of an asset's own label, is refused and changes nothing.
    with pytest.raises(ConflictError):
        attach_blank_tag(school["admin"], code, school["assets"][1].asset_number)
    with pytest.raises(ConflictError):
        attach_blank_tag(school["admin"], school["assets"][1].current_tag.code, school["assets"][2].asset_number)
    with pytest.raises(NotFoundError, match="NOPE-1"):
        attach_blank_tag(school["admin"], code, "NOPE-1")


def test_a_keeper_cannot_claim_a_label_for_another_departments_asset(school):
    code = db.session.get(Tag, services.batch_tag_ids(services.create_blank_batch(school["admin"], 1))[0]).code
    with pytest.raises(PermissionDeniedError):
        attach_blank_tag(school["keeper"], code, school["other"].asset_number)
    db.session.rollback()
    assert db.session.scalar(select(Tag).where(Tag.code == code)).is_blank


def test_a_broken_sheet_file_does_not_hide_the_others(school, app, tmp_path):
    folder = tmp_path / "sheets"
    folder.mkdir()
    shipped = Path(app.config["LABELS_DIR"])
    (folder / "a4-3x8.toml").write_text((shipped / "a4-3x8.toml").read_text(encoding="utf-8"), encoding="utf-8")
    (folder / "broken.toml").write_text('name = "x"\nkind = "sheet"\npage = "A3"\n', encoding="utf-8")
    app.config["LABELS_DIR"] = folder
    sheets, problems = services.sheet_catalogue()
    assert list(sheets) == ["a4-3x8"]
    assert len(problems) == 1 and "broken.toml" in str(problems[0])
