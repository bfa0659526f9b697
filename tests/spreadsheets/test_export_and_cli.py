"""The export reads back unchanged (the round trip), writes a typed formula as text, and the command line imports."""
import io
from decimal import Decimal

import openpyxl
from flask_babel import force_locale
from sqlalchemy import func, select

from tagsvc.accounts.models import Role
from tagsvc.assets.models import Asset, AssetStatus
from tagsvc.assets.services import AssetQuery
from tagsvc.extensions import db
from tagsvc.spreadsheets.exporting import export_register
from tagsvc.spreadsheets.importing import Options, commit_import, plan_import
from tagsvc.spreadsheets.reading import read_sheet
from tests.factories import make_asset, make_category, make_department, make_location, make_user
from tests.spreadsheets.files import ledger_rows, ledger_xlsx


def exported(actor, query=None) -> bytes:
    out = io.BytesIO()
    export_register(actor, query or AssetQuery(), out)
    return out.getvalue()


def test_exporting_and_importing_again_changes_nothing(app):
    office = make_user(Role.ADMIN)
    commit_import(office, plan_import(read_sheet(ledger_xlsx(ledger_rows(40)), "台账.xlsx")), "台账.xlsx")
    make_asset(name="拖把", asset_number="QJ-1", category_id=make_category("清洁用品").id, price=Decimal("45.00"), notes="=HYPERLINK(\"x\")")
    before = {a.asset_number: (a.name, a.price, a.department_id, a.location_id, a.category_id, a.status, a.purchase_date, a.custodian_name, a.notes)
              for a in db.session.scalars(select(Asset))}
    data = exported(office)
    plan = plan_import(read_sheet(data, "导出.xlsx"), Options(existing="update"))
    assert plan.problems == [] and plan.creates == [] and plan.updates == [] and len(plan.skipped) == 41
    assert all(not names for names in plan.new_names.values())
    after = {a.asset_number: (a.name, a.price, a.department_id, a.location_id, a.category_id, a.status, a.purchase_date, a.custodian_name, a.notes)
             for a in db.session.scalars(select(Asset))}
    assert after == before


def test_a_typed_formula_is_exported_as_text(app):
    office = make_user(Role.ADMIN)
    make_asset(name="=cmd|' /C calc'!A0", asset_number="@SUM(1)", notes="+1+1")
    sheet = openpyxl.load_workbook(io.BytesIO(exported(office))).active
    row = [cell for cell in next(sheet.iter_rows(min_row=2, max_row=2))]
    assert row[0].value == "@SUM(1)" and row[0].data_type == "s"
    assert row[1].value == "=cmd|' /C calc'!A0" and row[1].data_type == "s"


def test_the_export_follows_the_filter_and_what_the_person_may_see(app):
    it, office_dept = make_department("信息中心"), make_department("教务处")
    make_asset(asset_number="A-1", department_id=it.id)
    make_asset(asset_number="A-2", department_id=office_dept.id)
    make_asset(asset_number="A-3", department_id=it.id, status=AssetStatus.DISPOSED)
    keeper = make_user(Role.KEEPER, departments=[it])
    numbers = [r[0] for r in openpyxl.load_workbook(io.BytesIO(exported(keeper))).active.iter_rows(min_row=2, values_only=True)]
    assert numbers == ["A-1"]  # not the other department's, not the disposed one
    office = make_user(Role.ADMIN)
    rows = list(openpyxl.load_workbook(io.BytesIO(exported(office, AssetQuery(include_disposed=True)))).active.iter_rows(values_only=True))
    assert rows[0][:3] == ("Asset number", "Name", "Category") and [r[0] for r in rows[1:]] == ["A-1", "A-2", "A-3"]
    with force_locale("zh"):
        rows = list(openpyxl.load_workbook(io.BytesIO(exported(office))).active.iter_rows(values_only=True))
    assert rows[0][:3] == ("资产编号", "资产名称", "资产分类") and rows[1][11] == "在用"


def test_the_command_line_prints_the_dry_run_and_exits_non_zero_when_nothing_was_written(app, tmp_path):
    make_user(Role.ADMIN, username="office")
    rows = ledger_rows(6)
    rows[3][8] = "不详"
    path = tmp_path / "台账.xlsx"
    path.write_bytes(ledger_xlsx(rows))
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["import-register", str(path), "--dry-run"])
    assert dry.exit_code == 1 and "Would create: 5 assets from 5 rows" in dry.output and "row 8, 购置日期: “不详” is not a date" in dry.output
    refused = runner.invoke(args=["import-register", str(path)])
    assert refused.exit_code == 1 and "Nothing was imported" in refused.output
    assert db.session.scalar(select(func.count()).select_from(Asset)) == 0
    done = runner.invoke(args=["import-register", str(path), "--valid-rows-only"])
    assert done.exit_code == 0 and "created 5" in done.output
    again = runner.invoke(args=["import-register", str(path), "--valid-rows-only", "--update-existing"])
    assert again.exit_code == 0 and "Would skip (already in the register): 5" in again.output and "Nothing new to import" in again.output
    out = tmp_path / "导出.xlsx"
    exported_run = runner.invoke(args=["export-register", str(out)])
    assert exported_run.exit_code == 0 and "Wrote 5 assets" in exported_run.output and out.stat().st_size > 0


def test_the_room_of_an_export_is_found_again_by_its_full_path(app):
    office = make_user(Role.ADMIN)
    building = make_location("实验楼")
    make_asset(asset_number="SY-1", location_id=make_location("201", parent=building).id)
    make_location("201", parent=make_location("宿舍楼"))  # another 201: only the full path tells them apart
    plan = plan_import(read_sheet(exported(office), "导出.xlsx"), Options(existing="update"))
    assert plan.updates == [] and plan.new_names["location"] == set()
