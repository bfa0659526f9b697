"""Label sheet definitions: one TOML file per sheet in the labels folder, checked field by field.

A school adds its own paper by adding a file; a mistake is reported with the file and the field, so the
person who wrote it can fix it without reading code. The format is described in README.md.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from flask_babel import gettext as _

PAGE_SIZES_MM = {"A4": (210.0, 297.0), "A5": (148.0, 210.0), "Letter": (215.9, 279.4)}
FIELDS = ("qr", "code", "school", "name", "asset_number", "place")
REQUIRED_FIELDS = ("qr", "code")  # every label can be scanned, or typed when a camera fails
TOLERANCE_MM = 0.05  # rounding in published label dimensions
_KEYS = {"name", "names", "kind", "page", "label_size_mm", "columns", "rows", "margins_mm", "gaps_mm", "fields"}


class SheetKind(StrEnum):
    SHEET = "sheet"  # many labels on a page of a laser or inkjet printer
    THERMAL = "thermal"  # one label per page, the page is the label
    ROLL = "roll"  # a continuous roll cut to one label per page


class SheetDefinitionError(ValueError):
    def __init__(self, path: Path, field: str | None, problem: str) -> None:
        self.path, self.field, self.problem = path, field, problem
        where = f"{path.name}: {field}" if field else path.name
        super().__init__(f"{where}: {problem}")


@dataclass(frozen=True)
class SheetDefinition:
    slug: str  # the file name without .toml; how the UI and settings refer to the sheet
    name: str
    kind: SheetKind
    page_size_mm: tuple[float, float]
    label_size_mm: tuple[float, float]
    columns: int
    rows: int
    margin_top_mm: float
    margin_left_mm: float
    gap_column_mm: float
    gap_row_mm: float
    fields: tuple[str, ...]
    names: tuple[tuple[str, str], ...] = ()  # the name in other languages: (("zh", "热敏标签 40 × 30 mm"),)

    def name_for(self, language: str) -> str:
        """The sheet's name in a language, or its own `name` when the file gives none for that language."""
        return dict(self.names).get(language, self.name)

    @property
    def labels_per_page(self) -> int:
        return self.columns * self.rows

    def label_origin_mm(self, position: int) -> tuple[float, float]:
        """Top-left corner of the label at a position on the page (0 = top left, row by row), from the page's
        top-left corner."""
        if not 0 <= position < self.labels_per_page:
            raise IndexError(position)
        row, column = divmod(position, self.columns)
        width, height = self.label_size_mm
        return (
            self.margin_left_mm + column * (width + self.gap_column_mm),
            self.margin_top_mm + row * (height + self.gap_row_mm),
        )


def load_sheet(path: Path) -> SheetDefinition:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise SheetDefinitionError(path, None, _("not valid TOML (%(error)s)", error=error)) from None
    except UnicodeDecodeError:
        raise SheetDefinitionError(path, None, _("not a UTF-8 text file")) from None
    reader = _Reader(path, data)
    unknown = sorted(set(data) - _KEYS)
    if unknown:
        raise SheetDefinitionError(path, unknown[0], _("unknown field; the fields are %(fields)s", fields=", ".join(sorted(_KEYS))))

    name = reader.text("name")
    names = reader.names("names")
    kind = reader.choice("kind", [k.value for k in SheetKind])
    label_size = reader.size("label_size_mm")
    if kind == SheetKind.SHEET:
        page_size = reader.page("page")
        columns, rows = reader.whole("columns"), reader.whole("rows")
    else:
        for key in ("page", "columns", "rows", "margins_mm", "gaps_mm"):
            if key in data:
                raise SheetDefinitionError(path, key, _("a %(kind)s label is its own page; leave this field out", kind=kind))
        page_size, columns, rows = label_size, 1, 1
    margins = reader.table("margins_mm", ("top", "left"))
    gaps = reader.table("gaps_mm", ("column", "row"))
    fields = reader.fields("fields")

    sheet = SheetDefinition(
        slug=path.stem, name=name, kind=SheetKind(kind), page_size_mm=page_size, label_size_mm=label_size,
        columns=columns, rows=rows, margin_top_mm=margins["top"], margin_left_mm=margins["left"],
        gap_column_mm=gaps["column"], gap_row_mm=gaps["row"], fields=fields, names=names,
    )
    _check_fits(path, sheet)
    return sheet


def load_sheets(folder: Path) -> dict[str, SheetDefinition]:
    """Every sheet in a folder, by slug. One broken file stops the load, naming the file and the field."""
    return {sheet.slug: sheet for sheet in (load_sheet(p) for p in sorted(Path(folder).glob("*.toml")))}


def _check_fits(path: Path, sheet: SheetDefinition) -> None:
    width, height = sheet.label_size_mm
    used_width = sheet.margin_left_mm + sheet.columns * width + (sheet.columns - 1) * sheet.gap_column_mm
    used_height = sheet.margin_top_mm + sheet.rows * height + (sheet.rows - 1) * sheet.gap_row_mm
    page_width, page_height = sheet.page_size_mm
    if used_width > page_width + TOLERANCE_MM:
        raise SheetDefinitionError(
            path, "columns", _("the labels need %(used).1f mm across but the page is %(page).1f mm wide", used=used_width, page=page_width)
        )
    if used_height > page_height + TOLERANCE_MM:
        raise SheetDefinitionError(
            path, "rows", _("the labels need %(used).1f mm down but the page is %(page).1f mm high", used=used_height, page=page_height)
        )


class _Reader:
    """Reads one field at a time, and says which field is wrong."""

    def __init__(self, path: Path, data: dict) -> None:
        self.path, self.data = path, data

    def _fail(self, key: str, problem: str):
        raise SheetDefinitionError(self.path, key, problem)

    def _required(self, key: str):
        if key not in self.data:
            self._fail(key, _("missing"))
        return self.data[key]

    def text(self, key: str) -> str:
        value = self._required(key)
        if not isinstance(value, str) or not value.strip():
            self._fail(key, _("must be a non-empty text in quotes"))
        return value.strip()

    def names(self, key: str) -> tuple[tuple[str, str], ...]:
        value = self.data.get(key, {})
        if not isinstance(value, dict):
            self._fail(key, _("must be a table of names by language, such as { zh = \"热敏标签 50 × 30 mm\" }"))
        for language, text in value.items():
            if not isinstance(text, str) or not text.strip():
                self._fail(f"{key}.{language}", _("must be a non-empty text in quotes"))
        return tuple(sorted((language, text.strip()) for language, text in value.items()))

    def choice(self, key: str, options: list[str]) -> str:
        value = self._required(key)
        if value not in options:
            self._fail(key, _("must be one of %(options)s", options=", ".join(options)))
        return value

    def _length(self, key: str, value) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
            self._fail(key, _("must be a length in millimetres greater than 0"))
        return float(value)

    def size(self, key: str) -> tuple[float, float]:
        value = self._required(key)
        if not isinstance(value, list) or len(value) != 2:
            self._fail(key, _("must be [width, height] in millimetres"))
        return self._length(key, value[0]), self._length(key, value[1])

    def page(self, key: str) -> tuple[float, float]:
        value = self._required(key)
        if isinstance(value, str):
            if value not in PAGE_SIZES_MM:
                self._fail(key, _("must be one of %(sizes)s, or [width, height] in millimetres", sizes=", ".join(PAGE_SIZES_MM)))
            return PAGE_SIZES_MM[value]
        return self.size(key)

    def whole(self, key: str) -> int:
        value = self._required(key)
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            self._fail(key, _("must be a whole number of at least 1"))
        return value

    def table(self, key: str, names: tuple[str, str]) -> dict[str, float]:
        value = self.data.get(key, {})
        if not isinstance(value, dict):
            self._fail(key, _("must be a table such as { %(a)s = 0, %(b)s = 0 }", a=names[0], b=names[1]))
        unknown = sorted(set(value) - set(names))
        if unknown:
            self._fail(f"{key}.{unknown[0]}", _("unknown; use %(names)s", names=" and ".join(names)))
        result = {}
        for name in names:
            amount = value.get(name, 0)
            if isinstance(amount, bool) or not isinstance(amount, (int, float)) or amount < 0:
                self._fail(f"{key}.{name}", _("must be a length in millimetres, 0 or more"))
            result[name] = float(amount)
        return result

    def fields(self, key: str) -> tuple[str, ...]:
        value = self.data.get(key, list(FIELDS))
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self._fail(key, _("must be a list such as [\"qr\", \"code\", \"name\"]"))
        unknown = [v for v in value if v not in FIELDS]
        if unknown:
            self._fail(key, _("unknown field %(field)s; the fields are %(fields)s", field=unknown[0], fields=", ".join(FIELDS)))
        missing = [v for v in REQUIRED_FIELDS if v not in value]
        if missing:
            self._fail(key, _("every label needs %(field)s", field=missing[0]))
        return tuple(dict.fromkeys(value))
