"""Schools of a district: adding them, their first office accounts, the commands of one school, the demo district,
and an existing installation upgraded into its first school."""
from __future__ import annotations

import pytest
from sqlalchemy import create_engine, func, select, text

from tagsvc.accounts.models import Role, User
from tagsvc.accounts.services import authenticate
from tagsvc.assets.models import Asset
from tagsvc.database import upgrade_database
from tagsvc.disposals.models import Disposal
from tagsvc.extensions import db
from tagsvc.ledger.documents import next_document_number
from tagsvc.schools.models import School
from tagsvc.schools.wall import NoSchoolChosen, use_school
from tagsvc.transfers.models import SchoolTransfer
from tests.factories import make_asset


def test_a_school_is_added_and_gets_its_first_office_account(runner, session):
    result = runner.invoke(args=["school", "create", "s2", "第二中学"])
    assert result.exit_code == 0 and "create-admin USERNAME --school s2" in result.output
    result = runner.invoke(args=["create-admin", "er-wang", "--school", "s2", "--password", "long-enough-1"])
    assert result.exit_code == 0, result.output
    user = authenticate("er-wang", "long-enough-1")
    assert user.role == Role.ADMIN and user.school_id == session.scalar(select(School.id).where(School.code == "s2"))
    listed = runner.invoke(args=["school", "list"]).output
    assert "s1" in listed and "s2\t第二中学\t0 assets" in listed


def test_a_bad_or_taken_school_code_is_refused_and_nothing_is_added(runner, session):
    assert "lower-case letters" in runner.invoke(args=["school", "create", "第二 中学", "第二中学"]).output
    assert "already a school with the code s1" in runner.invoke(args=["school", "create", "s1", "又一中学"]).output
    assert session.scalar(select(func.count(School.id))) == 1


def test_in_a_district_a_command_must_say_its_school(runner, session):
    runner.invoke(args=["school", "create", "s2", "第二中学"])
    result = runner.invoke(args=["create-admin", "wang", "--password", "long-enough-1"])
    assert result.exit_code != 0 and "--school CODE (the schools: s1, s2)" in result.output
    result = runner.invoke(args=["create-admin", "wang", "--school", "s9", "--password", "long-enough-1"])
    assert result.exit_code != 0 and "no school with the code s9" in result.output
    assert "belong to the district" in runner.invoke(args=["create-admin", "wang", "--bureau", "--school", "s2", "--password", "long-enough-1"]).output
    assert session.scalar(select(func.count(User.id))) == 0


def test_a_bureau_account_belongs_to_no_school(runner, session):
    runner.invoke(args=["school", "create", "s2", "第二中学"])
    assert runner.invoke(args=["create-admin", "district", "--bureau", "--password", "long-enough-1"]).exit_code == 0
    assert authenticate("district", "long-enough-1").school_id is None


def test_document_numbers_are_each_schools_own(app, runner, session):
    runner.invoke(args=["school", "create", "s2", "第二中学"])
    with use_school(1):
        assert next_document_number("DB").endswith("-0001") and next_document_number("DB").endswith("-0002")
    with use_school(2):
        assert next_document_number("DB").endswith("-0001")


def test_the_demo_district_has_three_schools_the_bureau_and_two_decisions_waiting_for_it(app, runner, session, client):
    result = runner.invoke(args=["load-demo", "--district", "--assets", "80"])
    assert result.exit_code == 0, result.output
    assert [s.code for s in session.scalars(select(School).order_by(School.id))] == ["s1", "s2", "s3"]
    counts = dict(session.execute(select(Asset.school_id, func.count()).group_by(Asset.school_id)).all())
    assert counts == {1: 80, 2: 80, 3: 80}
    for name in ("s1-admin", "s2-keeper1", "s3-teacher1", "s3-repair1", "district"):
        assert authenticate(name, "tagsvc-demo") is not None, name
    assert session.scalar(select(User.school_id).where(User.username == "district")) is None
    waiting = [d for d in session.scalars(select(Disposal)) if d.waiting_for_bureau]
    assert len(waiting) == 1 and waiting[0].school_id == 1
    # The bureau's start page lists it; a school's office sees its own school's name.
    transfer = session.scalar(select(SchoolTransfer))
    assert (transfer.from_school_id, transfer.to_school_id, transfer.status, len(transfer.items)) == (1, 2, "accepted", 10)
    client.post("/login", data={"username": "district", "password": "tagsvc-demo"})
    bureau_page = client.get("/approvals").get_data(as_text=True)
    assert waiting[0].number in bureau_page and transfer.number in bureau_page
    assert transfer.number in client.get("/").get_data(as_text=True)  # its start page too
    client.post("/logout")
    client.post("/login", data={"username": "s2-admin", "password": "tagsvc-demo"})
    page = client.get("/assets").get_data(as_text=True)
    assert "第二中学" in page and "第一中学" not in page
    # Run again: nothing loaded twice.
    assert "all there already" in runner.invoke(args=["load-demo", "--district"]).output
    assert session.scalar(select(func.count(Asset.id))) == 240


def test_an_installation_upgrades_in_place_into_its_first_school(tmp_path, monkeypatch):
    """A database of one school at the version before schools (0020), with its register, a document number and an
    append-only ledger, upgraded: everything is school 1's, the school has the installation's name, nothing is lost."""
    monkeypatch.setenv("TAGSVC_SCHOOL_NAME", "南京市第一中学")
    engine = create_engine(f"sqlite:///{tmp_path / 'old.db'}")
    upgrade_database(engine, "0020")
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO department (id, name, kind, code) VALUES (1, '教务处', 'office', '')"))
        connection.execute(text("INSERT INTO asset (id, asset_number, name, status, condition, department_id, quantity, brand, model, serial_number, "
                                "custodian_name, custodian_phone, supplier, invoice_number, notes, photo, created_at, updated_at, version) "
                                "VALUES (1, 'KZY-001', '课桌椅', 'in_use', 'good', 1, 1, '', '', '', '', '', '', '', '', '', '2026-01-01', '2026-01-01', 1)"))
        connection.execute(text("INSERT INTO document_counter (prefix, year, last) VALUES ('DB', 2026, 7)"))
        connection.execute(text("INSERT INTO user_account (username, display_name, password_hash, role, phone, email, active, created_at) "
                                "VALUES ('bureau', '区教育局', 'x', 'district', '', '', 1, '2026-01-01')"))
    upgrade_database(engine)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT code, name FROM school")).all() == [("s1", "南京市第一中学")]
        assert connection.execute(text("SELECT school_id, asset_number FROM asset")).all() == [(1, "KZY-001")]
        assert connection.execute(text("SELECT school_id, prefix, last FROM document_counter")).all() == [(1, "DB", 7)]
        assert connection.execute(text("SELECT school_id FROM user_account")).all() == [(None,)]  # the bureau's
        assert connection.execute(text("PRAGMA foreign_key_check")).all() == []
        assert {"ledger_event_no_update", "ledger_event_no_delete"} <= set(connection.execute(
            text("SELECT name FROM sqlite_master WHERE type = 'trigger'")).scalars())
    engine.dispose()


def test_a_new_row_goes_to_the_chosen_school_and_a_write_with_none_chosen_is_refused_in_a_district(app, runner, session):
    make_asset(name="一中的课桌")  # one school: no need to choose
    runner.invoke(args=["school", "create", "s2", "第二中学"])
    with use_school(2):
        assert make_asset(name="二中的课桌").school_id == 2
    with pytest.raises(Exception) as refused:
        make_asset(name="谁的课桌")
    assert isinstance(refused.value, NoSchoolChosen) or isinstance(getattr(refused.value, "orig", None), NoSchoolChosen)
    db.session.rollback()
    assert session.scalar(select(func.count(Asset.id))) == 2


def test_a_schools_labels_print_its_own_name(app, runner, session):
    """The worker draws a print job as its school: the label carries that school's name, not another's."""
    from tagsvc.accounts.models import Role
    from tagsvc.labels import services as labels
    from tagsvc.labels.models import PrintJobKind
    from tests.factories import make_user
    from tests.labels.pdf_reading import page_text

    runner.invoke(args=["school", "rename", "s1", "第一中学"])
    runner.invoke(args=["school", "create", "s2", "第二中学"])
    with use_school(2):
        office = make_user(Role.ADMIN)
        desk = make_asset(name="二中课桌")
        settings = labels.PrintSettings(sheet_slug="a4-3x8", start_position=0, qr_level="M")
        job = labels.create_print_job(office, PrintJobKind.ASSETS, labels.asset_tag_ids(office, [desk.id]), settings)
    labels.run_print_job(job.id)  # as the worker runs it: no school chosen beforehand
    with use_school(2):
        text = page_text(labels.print_job_file(office, job.id))
    assert "第二中学" in text and "第一中学" not in text and "二中课桌" in text
