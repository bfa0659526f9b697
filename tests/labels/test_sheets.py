
import pytest

from tagsvc.config import PROJECT_ROOT
from tagsvc.labels.sheets import SheetDefinitionError, SheetKind, load_sheet, load_sheets

SHIPPED = PROJECT_ROOT / "labels"


def test_every_shipped_sheet_loads_and_fits_its_page():
    sheets = load_sheets(SHIPPED)
    expected = {
        "a4-3x8": (24, (70, 37)), "a4-3x7": (21, (63.5, 38.1)), "a4-4x10": (40, (48.5, 25.4)), "a4-5x13": (65, (38.1, 21.2)),
        "letter-3x10": (30, (66.675, 25.4)), "thermal-50x30": (1, (50, 30)), "thermal-40x30": (1, (40, 30)),
        "thermal-60x40": (1, (60, 40)), "roll-62": (1, (62, 40)),
    }
    assert {slug: (s.labels_per_page, s.label_size_mm) for slug, s in sheets.items()} == expected
    for sheet in sheets.values():
        x, y = sheet.label_origin_mm(sheet.labels_per_page - 1)
        assert x + sheet.label_size_mm[0] <= sheet.page_size_mm[0] + 0.05
        assert y + sheet.label_size_mm[1] <= sheet.page_size_mm[1] + 0.05


def test_labels_are_placed_row_by_row_with_margins_and_gaps():
    sheet = load_sheet(SHIPPED / "a4-3x7.toml")
    assert sheet.label_origin_mm(0) == (7.25, 15.15)
    assert sheet.label_origin_mm(1) == (7.25 + 63.5 + 2.5, 15.15)
    assert sheet.label_origin_mm(3) == pytest.approx((7.25, 15.15 + 38.1))
    with pytest.raises(IndexError):
        sheet.label_origin_mm(21)


def test_small_labels_keep_only_the_qr_and_its_code():
    assert load_sheet(SHIPPED / "a4-5x13.toml").fields == ("qr", "code")


def test_thermal_label_is_its_own_page():
    sheet = load_sheet(SHIPPED / "thermal-50x30.toml")
    assert sheet.kind == SheetKind.THERMAL and sheet.page_size_mm == (50, 30) and sheet.labels_per_page == 1


GOOD = """
name = "Own paper"
kind = "sheet"
page = "A4"
label_size_mm = [70, 42.3]
columns = 3
rows = 7
"""


def test_a_sheet_carries_its_name_in_other_languages(tmp_path):
    (tmp_path / "own.toml").write_text(GOOD + 'names = { zh = "自备纸 3×7" }\n', encoding="utf-8")
    sheet = load_sheets(tmp_path)["own"]
    assert sheet.name_for("zh") == "自备纸 3×7" and sheet.name_for("en") == "Own paper"


def test_a_school_adds_its_own_paper_by_adding_a_file(tmp_path):
    (tmp_path / "school-3x7.toml").write_text(GOOD, encoding="utf-8")
    sheet = load_sheets(tmp_path)["school-3x7"]
    assert sheet.name == "Own paper" and sheet.fields == ("qr", "code", "school", "name", "asset_number", "place")


@pytest.mark.parametrize(
    "change, field, words",
    [
        (lambda t: t.replace('name = "Own paper"\n', ""), "name", "missing"),
        (lambda t: t.replace('kind = "sheet"', 'kind = "sticker"'), "kind", "sheet, thermal, roll"),
        (lambda t: t.replace('page = "A4"', 'page = "A3"'), "page", "A4, A5, Letter"),
        (lambda t: t.replace("[70, 42.3]", "[70, -1]"), "label_size_mm", "greater than 0"),
        (lambda t: t.replace("[70, 42.3]", "[70]"), "label_size_mm", "[width, height]"),
        (lambda t: t.replace("columns = 3", 'columns = "3"'), "columns", "whole number"),
        (lambda t: t.replace("columns = 3", "columns = 4"), "columns", "280.0 mm across"),
        (lambda t: t.replace("rows = 7", "rows = 8"), "rows", "mm down"),
        (lambda t: t + "colums = 3\n", "colums", "unknown field"),
        (lambda t: t + 'fields = ["qr", "name"]\n', "fields", "needs code"),
        (lambda t: t + 'fields = ["qr", "code", "price"]\n', "fields", "unknown field price"),
        (lambda t: t + "margins_mm = { top = 1, right = 2 }\n", "margins_mm.right", "unknown"),
        (lambda t: t + "gaps_mm = { column = -2 }\n", "gaps_mm.column", "0 or more"),
        (lambda t: t + 'names = "自备纸"\n', "names", "table of names by language"),
        (lambda t: t + 'names = { zh = "" }\n', "names.zh", "non-empty text"),
    ],
)
def test_a_mistake_names_the_file_and_the_field(tmp_path, change, field, words):
    path = tmp_path / "broken.toml"
    path.write_text(change(GOOD), encoding="utf-8")
    with pytest.raises(SheetDefinitionError) as error:
        load_sheet(path)
    assert error.value.field == field
    assert str(error.value).startswith(f"broken.toml: {field}: ") and words in str(error.value)


def test_a_file_that_is_not_toml_is_named(tmp_path):
    path = tmp_path / "typo.toml"
    path.write_text('name = "unterminated\n', encoding="utf-8")
    with pytest.raises(SheetDefinitionError, match=r"^typo\.toml: not valid TOML"):
        load_sheet(path)


def test_thermal_label_with_sheet_fields_is_refused(tmp_path):
    path = tmp_path / "thermal.toml"
    path.write_text('name = "T"\nkind = "thermal"\nlabel_size_mm = [50, 30]\ncolumns = 2\n', encoding="utf-8")
    with pytest.raises(SheetDefinitionError, match="its own page"):
        load_sheet(path)


def test_cli_lists_sheets_and_reports_broken_files(make_app, tmp_path):
    folder = tmp_path / "labels"
    folder.mkdir()
    (folder / "good.toml").write_text(GOOD, encoding="utf-8")
    runner = make_app(LABELS_DIR=folder).test_cli_runner()
    result = runner.invoke(args=["sheets"])
    assert result.exit_code == 0 and "good" in result.output and "21 × 70×42.3 mm" in result.output
    (folder / "bad.toml").write_text(GOOD.replace("rows = 7", "rows = 0"), encoding="utf-8")
    result = runner.invoke(args=["sheets"])
    assert result.exit_code == 1 and "bad.toml: rows: must be a whole number" in result.output


def test_cli_checks_the_shipped_sheets(runner):
    result = runner.invoke(args=["sheets"])
    assert result.exit_code == 0 and "A4 3×8 (70 × 37 mm)" in result.output and "BROKEN" not in result.output
