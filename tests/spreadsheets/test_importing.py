"""Importing a register: the header below merged titles, the mapping, the dry run and each kind of row problem,
all-or-nothing, valid rows only, update or skip, quantities, and the ledger."""
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from tagsvc.accounts.models import Role
from tagsvc.assets.models import Asset, AssetStatus
from tagsvc.errors import ConflictError, PermissionDeniedError, ValidationError
from tagsvc.extensions import db
from tagsvc.ledger.models import LedgerAction, LedgerEvent
from tagsvc.spreadsheets.importing import Options, commit_import, plan_import
from tagsvc.spreadsheets.models import ImportRun
from tagsvc.spreadsheets.reading import read_sheet
from tagsvc.structure.models import AssetKind, Department, Location
from tagsvc.tags.models import Tag
from tests.factories import make_asset, make_department, make_user
from tests.spreadsheets.files import HEADERS, ledger_csv, ledger_rows, ledger_xls, ledger_xlsx


@pytest.fixture
def office(app):
    return make_user(Role.ADMIN, display_name="后勤王主任")


def assets() -> int:
    return db.session.scalar(select(func.count()).select_from(Asset))


def plan_of(data: bytes, name: str = "台账.xlsx", **options):
    return plan_import(read_sheet(data, name), Options(**options))


def test_a_ledger_with_merged_title_rows_is_read_from_its_real_header(office):
    plan = plan_of(ledger_xlsx(ledger_rows(30)))
    assert plan.header_row == 3 and plan.headers[1] == "资产编号"
    assert {plan.columns[1], plan.columns[2], plan.columns[6], plan.columns[8]} == {"asset_number", "name", "price", "purchase_date"}
    assert "序号" in plan.ignored_headers  # a row number column: not kept, said so
    assert plan.rows == 30 and len(plan.creates) == 30 and plan.problems == []
    assert plan.new_names["department"] == {"教务处", "信息中心", "高一(3)班"}
    assert plan.new_names["location"] == {"教学楼 › 101", "教学楼 › 102", "行政楼 › 205"}
    assert assets() == 0  # a dry run writes nothing


def test_the_import_creates_every_asset_with_a_label_code_and_a_ledger_line_naming_it(office):
    plan = plan_of(ledger_xlsx(ledger_rows(30)))
    run = commit_import(office, plan, "台账.xlsx")
    assert (run.created, run.updated, run.skipped, run.failed) == (30, 0, 0, 0) and len(run.asset_ids) == 30
    projector = db.session.scalar(select(Asset).where(Asset.asset_number == "ZC-00003"))
    assert (projector.name, projector.price, projector.department.name, projector.location.full_name) == ("多媒体投影仪", Decimal("3280.00"), "教务处", "教学楼 › 101")
    assert projector.current_tag is not None and projector.status == AssetStatus.IN_USE
    event = db.session.scalar(select(LedgerEvent).where(LedgerEvent.asset_id == projector.id).order_by(LedgerEvent.id))  # its first
    assert event.action == LedgerAction.IMPORTED and event.note_words == f"Import #{run.id} (台账.xlsx), row 7"
    assert db.session.scalar(select(func.count()).select_from(Tag)) == 30
    assert db.session.scalar(select(func.count()).select_from(Location).where(Location.name == "教学楼")) == 1  # one parent for both rooms


@pytest.mark.parametrize("column, value, fragment", [
    (8, "去年九月", "is not a date"),
    (6, "约三百元", "is not an amount of money"),
    (12, "借给了别人", "is not a status"),
    (5, "二", "is not a quantity"),
    (1, "", "No asset number"),
    (2, "", "No name"),
])
def test_each_kind_of_row_problem_names_its_row_and_column_and_nothing_is_written(office, column, value, fragment):
    rows = ledger_rows(5)
    rows[2][column] = value
    plan = plan_of(ledger_xlsx(rows))
    assert len(plan.problems) == 1
    problem = plan.problems[0]
    assert problem.row == 7 and problem.column == HEADERS[column] and fragment in problem.message
    with pytest.raises(ConflictError, match="nothing was imported"):
        commit_import(office, plan, "台账.xlsx")
    assert assets() == 0


def test_a_duplicate_asset_number_in_the_file_names_the_first_row(office):
    rows = ledger_rows(5)
    rows[4][1] = rows[1][1]
    plan = plan_of(ledger_xlsx(rows))
    assert [(p.row, p.message) for p in plan.problems] == [(9, "The asset number ZC-00002 is also on row 6 of this file.")]


def test_only_the_valid_rows_when_the_person_chooses_so(office):
    rows = ledger_rows(5)
    rows[0][8] = "不知道"
    plan = plan_of(ledger_xlsx(rows), valid_rows_only=True)
    run = commit_import(office, plan, "台账.xlsx")
    assert (run.created, run.failed) == (4, 1) and assets() == 4
    assert db.session.scalar(select(Asset).where(Asset.asset_number == "ZC-00001")) is None


def test_existing_assets_are_skipped_by_default_or_updated_with_their_changes_in_the_ledger(office):
    make_asset(asset_number="ZC-00001", name="旧课桌", price=Decimal("100.00"))
    rows = ledger_rows(3)
    skipped = plan_of(ledger_xlsx(rows))
    assert (len(skipped.creates), skipped.skipped) == (2, [5])
    plan = plan_of(ledger_xlsx(rows), existing="update")
    assert [(p.row, sorted(c)) for p, _a, c in plan.updates][0][0] == 5
    run = commit_import(office, plan, "台账.xlsx")
    assert (run.created, run.updated) == (2, 1)
    desk = db.session.scalar(select(Asset).where(Asset.asset_number == "ZC-00001"))
    assert (desk.name, desk.price, desk.department.name) == ("课桌椅", Decimal("320.00"), "信息中心")
    event = db.session.scalars(select(LedgerEvent).where(LedgerEvent.asset_id == desk.id).order_by(LedgerEvent.id)).all()[-1]
    assert event.action == LedgerAction.IMPORTED and event.changes["name"] == ["旧课桌", "课桌椅"]


def test_a_row_of_forty_desks_becomes_forty_numbered_assets_and_forty_mops_one_record(office, app):
    from tests.factories import make_category

    mops = make_category("清洁用品", kind=AssetKind.CONSUMABLE)
    rows = ledger_rows(2)
    rows[0][3], rows[0][5], rows[0][7] = "家具", 40, 12800.0  # 40 desks, 12,800 in all: 320 each
    rows[1][2], rows[1][3], rows[1][5], rows[1][6] = "拖把", mops.name, 40, 45.0
    plan = plan_of(ledger_xlsx(rows))
    assert plan.asset_count == 41
    commit_import(office, plan, "台账.xlsx")
    desks = db.session.scalars(select(Asset).where(Asset.asset_number.like("ZC-00001-%")).order_by(Asset.asset_number)).all()
    assert [d.asset_number for d in desks][:2] == ["ZC-00001-001", "ZC-00001-002"] and len(desks) == 40
    assert {d.price for d in desks} == {Decimal("320.00")}
    mop = db.session.scalar(select(Asset).where(Asset.asset_number == "ZC-00002"))
    assert mop.quantity == 40 and mop.category_id == mops.id


def test_a_department_written_differently_is_matched_to_the_existing_one_when_the_person_says_so(office):
    class3 = make_department("高一(3)班")
    rows = ledger_rows(3)
    for row in rows:
        row[9] = "高一（3）班"  # full-width brackets: the same class, found by itself
    assert plan_of(ledger_xlsx(rows)).new_names["department"] == set()
    for row in rows:
        row[9] = "高一三班"
    plan = plan_of(ledger_xlsx(rows))
    assert plan.new_names["department"] == {"高一三班"} and plan.suggestions[("department", "高一三班")].id == class3.id
    matched = plan_of(ledger_xlsx(rows), matches={("department", "高一三班"): class3.id})
    assert matched.new_names["department"] == set()
    commit_import(office, matched, "台账.xlsx")
    assert db.session.scalar(select(func.count()).select_from(Department)) == 1
    assert {a.department_id for a in db.session.scalars(select(Asset))} == {class3.id}


def test_the_same_register_as_xls_and_as_gbk_csv(office):
    rows = ledger_rows(12)
    for data, name in ((ledger_xls(rows), "导出.xls"), (ledger_csv(rows), "台账.csv"), (ledger_csv(rows, encoding="utf-8-sig"), "台账.csv")):
        plan = plan_of(data, name)
        assert (plan.rows, len(plan.creates), plan.problems) == (12, 12, []), name
        assert plan.creates[2].values["name"] == "多媒体投影仪" and plan.creates[2].values["price"] == Decimal("3280.00")
        assert str(plan.creates[0].values["purchase_date"]) == str(rows[0][8])


def test_a_person_corrects_the_mapping_and_the_school_keeps_it(office):
    headers = list(HEADERS)
    headers[13] = "采购单位"  # a supplier under a name tagsvc does not know
    rows = ledger_rows(2)
    plan = plan_of(ledger_xlsx(rows, headers))
    assert 13 not in plan.columns and "采购单位" in plan.ignored_headers
    columns = {**plan.columns, 13: "supplier", 0: ""}
    corrected = plan_of(ledger_xlsx(rows, headers), columns=columns)
    assert corrected.creates[0].values["supplier"] == "南京教育装备有限公司"
    commit_import(office, corrected, "台账.xlsx")
    assert plan_of(ledger_xlsx(ledger_rows(2, start=10), headers)).columns[13] == "supplier"  # remembered


def test_only_the_office_imports(app):
    keeper = make_user(Role.KEEPER, departments=[make_department()])
    with pytest.raises(PermissionDeniedError):
        commit_import(keeper, plan_of(ledger_xlsx(ledger_rows(2))), "台账.xlsx")
    assert assets() == 0 and db.session.scalar(select(func.count()).select_from(ImportRun)) == 0


def test_no_recognisable_header_is_refused_with_what_to_do(office):
    with pytest.raises(ValidationError, match="No header row found"):
        plan_of(ledger_xlsx([[1, 2, 3]] * 5, headers=["甲", "乙", "丙"]))


def test_a_two_thousand_row_chinese_ledger_with_problems_scattered_in_it(office):
    rows = ledger_rows(2000)
    rows[99][8] = "2019年13月1日"  # no such month
    rows[1499][6] = "三千二"
    rows[1999][1] = rows[0][1]
    plan = plan_of(ledger_xlsx(rows))
    assert plan.rows == 2000 and len(plan.creates) == 1997
    assert [(p.row, p.column) for p in plan.problems] == [(104, "购置日期"), (1504, "单价（元）"), (2004, "资产编号")]
    run = commit_import(office, plan_of(ledger_xlsx(rows), valid_rows_only=True), "本部资产表.xlsx")
    assert run.created == 1997 and assets() == 1997
    assert db.session.scalar(select(func.count()).select_from(Tag).where(Tag.retired_at.is_(None))) == 1997
    assert len(set(db.session.scalars(select(Tag.code)))) == 1997  # every label code its own
