"""Importing a register: find the header (below any merged title rows), map the columns, read every row into an
asset or a precise problem, show the dry run, then write all of it or nothing (or, by explicit choice, only the
valid rows).

The steps are plain functions: `plan_import(sheet, options)` reads and checks everything and writes nothing;
`commit_import(actor, plan, file_name)` writes what a plan says, in one transaction, and refuses a plan with
problems unless the person chose to import only the valid rows.
"""
from __future__ import annotations

import difflib
import math
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy import insert, select

from tagsvc.schools.web import fixed_asset_threshold
from tagsvc.accounts.permissions import require_admin
from tagsvc.assets.display import STATUS_LABELS
from tagsvc.assets.models import Asset, AssetCondition, AssetStatus
from tagsvc.errors import ConflictError, ValidationError
from tagsvc.extensions import db, utcnow
from tagsvc.i18n.markers import N_
from tagsvc.ledger.models import LedgerAction, LedgerEvent
from tagsvc.spreadsheets.columns import BY_KEY, COLUMNS, folded, recognised
from tagsvc.spreadsheets.models import ColumnMemory, ImportRun
from tagsvc.spreadsheets.reading import Sheet
from tagsvc.structure.models import PATH_SEPARATOR, AssetKind, Category, Department, Location, LocationKind
from tagsvc.tags.models import Tag
from tagsvc.tags.services import new_tag_code
from tagsvc.ledger.models import note_columns
from tagsvc.i18n.messages import message

HEADER_SEARCH_ROWS = 30  # title rows, a school's name, a date line: real ledgers put a few above the header
MAX_QUANTITY = 1000
# Status words seen in ledgers, beside tagsvc's own labels in both languages.
STATUS_WORDS = {"在用": AssetStatus.IN_USE, "正常": AssetStatus.IN_USE, "使用中": AssetStatus.IN_USE, "闲置": AssetStatus.IDLE,
                "未用": AssetStatus.IDLE, "待用": AssetStatus.IDLE, "维修": AssetStatus.UNDER_REPAIR, "维修中": AssetStatus.UNDER_REPAIR,
                "在修": AssetStatus.UNDER_REPAIR, "损坏": AssetStatus.DAMAGED, "待修": AssetStatus.DAMAGED, "丢失": AssetStatus.LOST,
                "遗失": AssetStatus.LOST, "报废": AssetStatus.DISPOSED, "已报废": AssetStatus.DISPOSED}
LOCATION_SEPARATORS = re.compile(r"\s*(?:›|>|/|\\|＞|／)\s*")
# "教学楼 101", "教学楼101", "A栋-203": the pieces a partial place name is made of, matched against the tree's segments.
NAME_PIECES = re.compile(r"[0-9]+[A-Za-z]?|[A-Za-z]+|[^\s0-9A-Za-z\-_·.,，、]+")
# Rows without a category, by the threshold (N_: the name is made in the importing person's language).
UNFILED = {AssetKind.FIXED_ASSET: N_("Uncategorised fixed assets"), AssetKind.LOW_VALUE: N_("Uncategorised low-value items")}


@dataclass
class Options:
    existing: str = "skip"  # an asset number already in the register: "update" it from the file, or "skip" the row
    valid_rows_only: bool = False  # import the rows without problems and leave the others (else: nothing at all)
    # Rows with a quantity above 1: one asset each (numbered -001, -002, …), or one record with the quantity.
    expand: dict = field(default_factory=lambda: {AssetKind.FIXED_ASSET: True, AssetKind.LOW_VALUE: True, AssetKind.CONSUMABLE: False})
    columns: dict | None = None  # the person's mapping: column index -> key ("" leaves a column out); None: recognised
    # Names in the file matched to what the register has: {("department", "高一3班"): 12, ...}; the rest are created.
    # A place's name is its path as the review shows it ("教学楼 › 101").
    matches: dict = field(default_factory=dict)
    # Where a new place is created: its path -> the existing place it goes under (absent or None: at the top).
    parents: dict = field(default_factory=dict)


@dataclass
class Problem:
    row: int  # as the spreadsheet numbers it (from 1)
    column: str  # the header as the file has it ("" for the row as a whole)
    message: str


@dataclass
class PlannedAsset:
    row: int
    values: dict  # AssetData's fields, with names (department, location, category) still as text
    quantity: int = 1


@dataclass
class Plan:
    header_row: int  # from 0
    headers: list[str]
    columns: dict[int, str]  # column index -> key
    rows: int = 0
    creates: list[PlannedAsset] = field(default_factory=list)
    updates: list[tuple[PlannedAsset, Asset, dict]] = field(default_factory=list)  # with the changes
    skipped: list[int] = field(default_factory=list)  # rows of assets already there, left alone (or unchanged)
    problems: list[Problem] = field(default_factory=list)
    new_names: dict = field(default_factory=lambda: {"department": set(), "location": set(), "category": set()})
    suggestions: dict = field(default_factory=dict)  # ("department", name) -> an existing one that looks the same
    matched: dict = field(default_factory=dict)  # ("department", name) -> the existing one the person chose for it
    placements: dict = field(default_factory=dict)  # a new place's path -> the place it would go under (None: the top)
    new_category_kinds: dict = field(default_factory=dict)  # a new category's name -> its property kind
    ignored_headers: list[str] = field(default_factory=list)  # columns recognised but not kept, or not recognised

    def reviewed_names(self, kind: str) -> list[str]:
        """The names the review asks about: those to create and those the person matched, so a choice stays on the
        page (and in the form) through every check until the import."""
        return sorted(plan_name for plan_name in self.new_names[kind] | {name for k, name in self.matched if k == kind})

    @property
    def failed_rows(self) -> list[int]:
        return sorted({p.row for p in self.problems if p.row})

    @property
    def asset_count(self) -> int:
        return sum(p.quantity if _expands(p, self) else 1 for p in self.creates)

    options: Options = field(default_factory=Options)


def _expands(planned: PlannedAsset, plan: Plan) -> bool:
    return planned.quantity > 1 and plan.options.expand.get(planned.values.get("_kind", AssetKind.FIXED_ASSET), True)


# ---------------------------------------------------------------- the header


def find_header(sheet: Sheet) -> tuple[int, dict[int, str]]:
    """The header row (the one among the first rows that names the most known columns) and its recognised columns.
    A header with merged cells is refused: each column needs its own name."""
    best_row, best = None, {}
    memory = {m.header: m.key for m in db.session.scalars(select(ColumnMemory))}
    for index, row in enumerate(sheet.rows[:HEADER_SEARCH_ROWS]):
        found = {}
        for column, cell in enumerate(row):
            key = _remembered(memory, cell) if str(cell).strip() else None
            if key and key not in found.values():
                found[column] = key
        if len(found) > len(best):
            best_row, best = index, found
    if best_row is None or len(best) < 2 or not ({"asset_number", "name"} & set(best.values())):
        raise ValidationError(_("No header row found: the first %(n)d rows name none of the register's columns (资产编号, 资产名称, …). "
                                "Put the column names in one row above the data.", n=HEADER_SEARCH_ROWS))
    for (top, left), (bottom, right) in sheet.merged:
        if top <= best_row <= bottom and right > left:
            raise ValidationError(_("The header row has merged cells (row %(row)d, columns %(first)s to %(last)s). Give each column its own "
                                    "name in one row, then upload again.", row=best_row + 1, first=_letter(left), last=_letter(right)))
    return best_row, best


def _remembered(memory: dict, header) -> str | None:
    """The school's own choice for this header, else what tagsvc recognises."""
    folded_header = folded(header)[:200]
    if folded_header in memory:
        return memory[folded_header] or None
    return recognised(header)


def _letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def remember_mapping(headers: list[str], columns: dict[int, str]) -> None:
    """Keep the person's choices for these headers: the school's next file maps the same way. The caller commits."""
    for index, header in enumerate(headers):
        key = folded(header)[:200]
        if not key:
            continue
        chosen = columns.get(index, "")
        if chosen == (recognised(header) or ""):
            existing = db.session.get(ColumnMemory, key)
            if existing is not None:
                db.session.delete(existing)  # back to what tagsvc recognises by itself
            continue
        db.session.merge(ColumnMemory(header=key, key=chosen))


# ---------------------------------------------------------------- reading the rows


def plan_import(sheet: Sheet, options: Options | None = None) -> Plan:
    """Everything the import would do, and every problem with its row and column. Writes nothing."""
    options = options or Options()
    header_row, found = find_header(sheet)
    headers = [str(cell).strip() for cell in sheet.rows[header_row]]
    columns = dict(found) if options.columns is None else {int(i): k for i, k in options.columns.items() if k}
    unknown_keys = set(columns.values()) - set(BY_KEY)
    if unknown_keys:
        raise ValidationError(_("Unknown column: %(name)s.", name=", ".join(sorted(unknown_keys))))
    chosen = list(columns.values())
    doubled = {k for k in chosen if chosen.count(k) > 1}
    if doubled:
        raise ValidationError(_("Two columns are mapped to %(name)s: choose one.", name=", ".join(_(BY_KEY[k].en) for k in sorted(doubled))))
    for required in ("asset_number", "name"):
        if required not in chosen:
            raise ValidationError(_("Map a column to %(name)s: every asset needs one.", name=_(BY_KEY[required].en)))
    plan = Plan(header_row=header_row, headers=headers, columns=columns, options=options)
    plan.ignored_headers = [h for i, h in enumerate(headers) if h and (i not in columns or not BY_KEY[columns[i]].kept)]
    lookups = _Lookups()
    seen_numbers: dict[str, int] = {}
    read = []
    for index in range(header_row + 1, len(sheet.rows)):
        row = sheet.rows[index]
        if all(_blank(cell) for cell in row):
            continue
        plan.rows += 1
        planned = _read_row(plan, lookups, index + 1, row)
        if planned is None:
            continue
        number = planned.values["asset_number"]
        if number in seen_numbers:
            plan.problems.append(Problem(index + 1, _header(plan, "asset_number"),
                                         _("The asset number %(number)s is also on row %(first)d of this file.", number=number, first=seen_numbers[number])))
            continue
        seen_numbers[number] = index + 1
        read.append(planned)
    _sort_out_existing(plan, read)
    for planned in plan.creates:
        if planned.values.get("category") is None:
            # A new item without a category: filed by the fixed-asset threshold, in a category the review names (and
            # lets the person match to one of the school's). An update without one keeps the item's own.
            by_price = lookups.kind_by_price(planned.values["price"])
            planned.values["category"] = lookups.resolve(plan, "category", _(UNFILED[by_price]))
            lookups.note_category_kind(plan, planned.values["category"], by_price)
            planned.values["_kind"] = lookups.kind_of(planned.values["category"], planned.values["price"])
    return plan


def _blank(cell) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def _header(plan: Plan, key: str) -> str:
    index = next((i for i, k in plan.columns.items() if k == key), None)
    return plan.headers[index] if index is not None and index < len(plan.headers) else ""


def _read_row(plan: Plan, lookups: _Lookups, row_number: int, row: list) -> PlannedAsset | None:
    cells = {key: (row[index] if index < len(row) else "") for index, key in plan.columns.items()}
    problems = []

    def problem(key: str, message: str) -> None:
        problems.append(Problem(row_number, _header(plan, key), message))

    values: dict = {}
    for key in ("asset_number", "name", "model", "brand", "serial_number", "supplier", "invoice_number", "notes", "custodian"):
        if key in cells:
            values[key] = cell_text(cells[key])
    limits = {"asset_number": 64, "name": 200, "model": 200, "brand": 100, "serial_number": 100, "supplier": 200, "invoice_number": 100,
              "custodian": 100, "notes": 5000}
    for key, limit in limits.items():
        if len(values.get(key, "")) > limit:
            problem(key, _("Longer than %(n)d characters.", n=limit))
    if not values.get("asset_number"):
        problem("asset_number", _("No asset number: every asset needs one (it is how a later import finds it again)."))
    if not values.get("name"):
        problem("name", _("No name."))
    quantity = 1
    if "quantity" in cells and not _blank(cells["quantity"]):
        number = _number(cells["quantity"])
        if number is None or number != int(number) or not 1 <= number <= MAX_QUANTITY:
            problem("quantity", _("“%(value)s” is not a quantity (a whole number from 1 to %(most)d).", value=_shown(cells["quantity"]), most=MAX_QUANTITY))
        else:
            quantity = int(number)
    price = None
    if "price" in cells and not _blank(cells["price"]):
        price = _money(cells["price"])
        if price is None:
            problem("price", _("“%(value)s” is not an amount of money.", value=_shown(cells["price"])))
    if price is None and "amount" in cells and not _blank(cells["amount"]):
        amount = _money(cells["amount"])
        if amount is None:
            problem("amount", _("“%(value)s” is not an amount of money.", value=_shown(cells["amount"])))
        else:
            price = (amount / quantity).quantize(Decimal("0.01"))  # the row's total, shared by its items
    values["price"] = price
    if "purchase_date" in cells and not _blank(cells["purchase_date"]):
        values["purchase_date"] = _date(cells["purchase_date"])
        if values["purchase_date"] is None:
            problem("purchase_date", _("“%(value)s” is not a date (write it as 2024-09-01).", value=_shown(cells["purchase_date"])))
    values["status"] = AssetStatus.IN_USE
    if "status" in cells and not _blank(cells["status"]):
        status = _status(cells["status"])
        if status is None:
            problem("status", _("“%(value)s” is not a status tagsvc knows (在用, 闲置, 维修中, 损坏, 丢失, 已报废).", value=_shown(cells["status"])))
        elif status == AssetStatus.ON_LOAN:
            problem("status", _("An item on loan is imported as in use: lend it in tagsvc, which records the borrower and the due date."))
        else:
            values["status"] = status
    values["condition"] = AssetCondition.BROKEN if values["status"] == AssetStatus.DAMAGED else AssetCondition.GOOD
    for key, kind in (("department", "department"), ("location", "location"), ("category", "category")):
        if key in cells and not _blank(cells[key]):
            values[key] = lookups.resolve(plan, kind, cell_text(cells[key]))
    if isinstance(values.get("category"), str):
        lookups.note_category_kind(plan, values["category"], lookups.kind_by_price(price))
    kind = lookups.kind_of(values.get("category"), price)
    values["_kind"] = kind
    if problems:
        plan.problems.extend(problems)
        return None
    return PlannedAsset(row_number, values, quantity)


def cell_text(cell) -> str:
    """A cell as a person reads it: 1001.0 (a code column read as a number) is 1001, a date is 2024-09-01."""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if isinstance(cell, datetime | date):
        return cell.isoformat()
    return str(cell if cell is not None else "").strip()


def _shown(cell) -> str:
    return cell_text(cell)[:40]


def _number(cell) -> float | None:
    if isinstance(cell, bool):
        return None
    if isinstance(cell, int | float):
        return float(cell) if math.isfinite(cell) else None
    text = re.sub(r"[,\s，]", "", str(cell))
    try:
        number = float(text)
    except ValueError:
        return None
    return number if math.isfinite(number) else None  # "nan", "inf" typed in a cell are not numbers of anything


def _money(cell) -> Decimal | None:
    if isinstance(cell, bool):
        return None
    if isinstance(cell, int | float):
        if not math.isfinite(cell):
            return None
        value = Decimal(str(cell))
    else:
        text = re.sub(r"[,\s，¥￥]|元$|RMB", "", str(cell).strip())
        try:
            value = Decimal(text)
        except InvalidOperation:
            return None
    if not value.is_finite() or value < 0 or value > Decimal("9999999999"):
        return None
    return value.quantize(Decimal("0.01"))


def _date(cell) -> date | None:
    if isinstance(cell, datetime):
        return cell.date()
    if isinstance(cell, date):
        return cell
    text = str(cell).strip()
    match = re.fullmatch(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*(?:[-/.月]\s*(\d{1,2})\s*日?)?\s*(?:月)?", text)
    if match:
        try:
            return date(int(match.group(1)), int(match.group(2)), int(match.group(3) or 1))
        except ValueError:
            return None
    match = re.fullmatch(r"(\d{4})(\d{2})(\d{2})", text)
    if match:
        try:
            return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        except ValueError:
            return None
    return None


def _status(cell) -> AssetStatus | None:
    text = folded(cell)
    if text in {folded(w) for w in STATUS_WORDS}:
        return next(s for w, s in STATUS_WORDS.items() if folded(w) == text)
    for status, label in STATUS_LABELS.items():
        if text in (folded(status.value), folded(label), folded(_(label))):
            return status
    return None


class _Lookups:
    """Departments, places and categories by the names a file uses: found (the same name, or its full path), matched
    by the person to an existing one, or to be created (listed in the dry run, with a look-alike when there is one)."""

    def __init__(self) -> None:
        self.departments = {folded(d.name): d for d in db.session.scalars(select(Department))}
        self.locations = {folded(loc.full_name): loc for loc in db.session.scalars(select(Location))}
        self.location_names: dict[str, list[Location]] = {}
        for loc in self.locations.values():
            self.location_names.setdefault(folded(loc.name), []).append(loc)
        self.categories = {}
        for category in db.session.scalars(select(Category)):
            for key in (category.full_name, category.name, category.code):
                if key:
                    self.categories.setdefault(folded(key), category)
        self.threshold = Decimal(fixed_asset_threshold())

    def resolve(self, plan: Plan, kind: str, name: str):
        """An existing record, or the name to create (a place's as its path: "教学楼 › 101")."""
        if kind == "location":
            name = location_path(name)
        model = {"department": Department, "location": Location, "category": Category}[kind]
        matched = plan.options.matches.get((kind, name))  # None: the person chose to create it
        if matched:
            found = db.session.get(model, int(matched))
            if found is not None:
                plan.matched[(kind, name)] = found
                if kind == "location":
                    plan.placements[name] = self.placement(plan, name)
                return found
        key = folded(name)
        if kind == "department":
            found = self.departments.get(key)
        elif kind == "location":
            found = self.locations.get(key)
            if found is None and len(self.location_names.get(key, [])) == 1:
                found = self.location_names[key][0]  # a room's own name, when only one room has it
        else:
            found = self.categories.get(key)
        if found is not None:
            return found
        if name not in plan.new_names[kind]:
            plan.new_names[kind].add(name)
            look_alike = self.look_alike(kind, name)
            if look_alike is not None:
                plan.suggestions[(kind, name)] = look_alike
            if kind == "location":
                plan.placements[name] = self.placement(plan, name)
        return name

    def look_alike(self, kind: str, name: str):
        """An existing record whose name is close to a new one ("高一三班" and "高一(3)班"; "教学楼 101" and
        本部校区 › 教学楼 › 1F › 101): the dry run offers it."""
        if kind == "location":
            found = self._by_pieces(name)
            if found is not None:
                return found
        pool = {"department": self.departments, "location": self.locations, "category": self.categories}[kind]
        close = difflib.get_close_matches(folded(name), list(pool), n=1, cutoff=0.6)
        return pool[close[0]] if close else None

    def _by_pieces(self, path: str, whole: bool = True):
        """The one place whose path holds every piece of a partial name, in order, its own name the last piece
        (`whole`), or, not `whole`, the deepest place matching the name's leading pieces: where a new place belongs."""
        pieces = _pieces(path)
        if not pieces:
            return None
        if whole:
            candidates = [loc for loc in self.locations.values() if _pieces(loc.name) == pieces[-1:] or folded(loc.name) == pieces[-1]]
            found = [loc for loc in candidates if _in_order(pieces[:-1], _path_pieces(loc))]
            return found[0] if len(found) == 1 else None
        for upto in range(len(pieces) - 1, 0, -1):
            found = [loc for loc in self.locations.values() if folded(loc.name) == pieces[upto - 1]
                     and _in_order(pieces[:upto - 1], _path_pieces(loc))]
            if len(found) == 1:
                return found[0]
        return None

    def placement(self, plan: Plan, path: str) -> Location | None:
        """Where a new place is created: the person's choice, else under the place its leading pieces name (教学楼
        › 205 under 本部校区 › 教学楼), else at the top. The review shows it either way."""
        if path in plan.options.parents:
            chosen = plan.options.parents[path]
            return db.session.get(Location, int(chosen)) if chosen else None
        return self._by_pieces(path, whole=False)

    def kind_by_price(self, price: Decimal | None) -> AssetKind:
        return AssetKind.LOW_VALUE if price is not None and price < self.threshold else AssetKind.FIXED_ASSET

    @staticmethod
    def note_category_kind(plan: Plan, category, kind: AssetKind) -> None:
        """A new category's property kind: fixed assets if any of its rows reaches the threshold."""
        if isinstance(category, str) and plan.new_category_kinds.get(category) != AssetKind.FIXED_ASSET:
            plan.new_category_kinds[category] = kind

    def kind_of(self, category, price: Decimal | None) -> AssetKind:
        if isinstance(category, Category):
            return category.kind
        if price is not None and price < self.threshold:
            return AssetKind.LOW_VALUE
        return AssetKind.FIXED_ASSET


def location_path(name: str) -> str:
    """A place as the file writes it ("教学楼/101", "教学楼 > 101") in the register's form ("教学楼 › 101")."""
    return PATH_SEPARATOR.join(part for part in LOCATION_SEPARATORS.split(name.strip()) if part)


def _pieces(name: str) -> list[str]:
    return [folded(piece) for piece in NAME_PIECES.findall(name)]


def _path_pieces(location: Location) -> list[str]:
    """A place's path segments, each followed by its pieces ("1F" and "1", "f")."""
    return [piece for part in location.full_name.split(PATH_SEPARATOR) for piece in [folded(part), *_pieces(part)]]


def _remainder(path: str, parent: Location | None) -> list[str]:
    """The segments of a new place to create under `parent`: those its path does not already name ("教学楼 › 205"
    under 本部校区 › 教学楼 is 205; "教学楼 101" under 本部校区 › 教学楼 › 1F is 101)."""
    parts = path.split(PATH_SEPARATOR)
    if parent is None:
        return parts
    above = iter(_path_pieces(parent))
    while parts and any(piece == folded(parts[0]) for piece in above):
        parts = parts[1:]
    if len(parts) == 1:
        pieces = list(NAME_PIECES.finditer(parts[0]))
        above = _path_pieces(parent)
        dropped = 0
        while dropped < len(pieces) - 1 and folded(pieces[dropped].group()) in above:
            dropped += 1
        if dropped:
            parts = [parts[0][pieces[dropped].start():].strip()]
    return parts


def _in_order(wanted: list[str], pieces: list[str]) -> bool:
    """Every wanted piece among a path's pieces, each after the one before."""
    remaining = iter(pieces)
    return all(any(piece == want for piece in remaining) for want in wanted)


def _sort_out_existing(plan: Plan, read: list[PlannedAsset]) -> None:
    """Rows whose asset number is in the register already: updated (with their changes) or skipped, as chosen. The
    numbers a row's quantity makes (-001, -002, …) must not be taken either."""
    numbers = [p.values["asset_number"] for p in read]
    existing = {}
    for start in range(0, len(numbers), 500):
        for asset in db.session.scalars(select(Asset).where(Asset.asset_number.in_(numbers[start:start + 500]))):
            existing[asset.asset_number] = asset
    for planned in read:
        asset = existing.get(planned.values["asset_number"])
        if asset is None:
            plan.creates.append(planned)
        elif plan.options.existing == "update":
            changes = _changes(asset, planned.values)
            refusal = _refusal(asset, changes) if changes else None
            if refusal:
                plan.problems.append(Problem(planned.row, _header(plan, "asset_number"), refusal))
            elif changes:
                plan.updates.append((planned, asset, changes))
            else:
                plan.skipped.append(planned.row)
        else:
            plan.skipped.append(planned.row)
    expanded = {f"{p.values['asset_number']}-{i:03d}": p.row for p in plan.creates if _expands(p, plan) for i in range(1, p.quantity + 1)}
    taken = set()
    keys = list(expanded)
    for start in range(0, len(keys), 500):
        taken |= set(db.session.scalars(select(Asset.asset_number).where(Asset.asset_number.in_(keys[start:start + 500]))))
    taken |= set(expanded) & set(numbers)
    clashing_rows = {expanded[number] for number in taken}
    for row in sorted(clashing_rows):
        planned = next(p for p in plan.creates if p.row == row)
        plan.problems.append(Problem(row, _header(plan, "quantity"), _(
            "Its %(n)d items would be numbered %(first)s to %(last)s, but some of these numbers are taken already.",
            n=planned.quantity, first=f"{planned.values['asset_number']}-001", last=f"{planned.values['asset_number']}-{planned.quantity:03d}")))
    plan.creates = [p for p in plan.creates if p.row not in clashing_rows]


def _refusal(asset: Asset, changes: dict) -> str | None:
    """An update the register would refuse by hand is refused here too: the movement or workflow that owns the
    item decides (a transfer its place, a loan or a repair its status; a disposal needs its record)."""
    from tagsvc.assets.holds import hold_on
    from tagsvc.assets.states import status_governance

    if "status" in changes and changes["status"] in (AssetStatus.DISPOSED, AssetStatus.ON_LOAN):
        return _("%(number)s would become “%(status)s”: propose its disposal (or lend it) in tagsvc instead.", number=asset.asset_number,
                 status=_(STATUS_LABELS[changes["status"]]))
    if "status" in changes:
        governance = status_governance(asset.id)
        if governance is not None:
            return _("The status cannot be changed by hand now: %(reason)s", reason=governance.reason)
    if {"department", "location", "custodian_name"} & set(changes):
        held = hold_on(asset.id)
        if held is not None:
            return _("%(number)s is part of %(movement)s: its department, place and custodian change when that is done.",
                     number=asset.asset_number, movement=held.describe())
    return None


_COMPARED = ("name", "model", "brand", "serial_number", "supplier", "invoice_number", "notes", "price", "purchase_date", "status")


def _changes(asset: Asset, values: dict) -> dict:
    changes = {}
    for key in _COMPARED:
        if key in values and values[key] is not None and values[key] != "" and values[key] != getattr(asset, key):
            changes[key] = values[key]
    if values.get("custodian") and values["custodian"] != asset.custodian_name:
        changes["custodian_name"] = values["custodian"]
    for key, attr in (("department", "department"), ("location", "location"), ("category", "category")):
        target = values.get(key)
        if target is not None and (not hasattr(target, "id") or target.id != getattr(asset, attr + "_id")):
            changes[key] = target
    return changes


# ---------------------------------------------------------------- writing


def check_committable(plan: Plan) -> None:
    if plan.problems and not plan.options.valid_rows_only:
        raise ConflictError(_("%(n)d rows have problems, so nothing was imported. Fix them (the error file lists them), or choose to import "
                              "only the valid rows.", n=len(plan.failed_rows)))
    if not plan.creates and not plan.updates:
        raise ValidationError(_("Nothing to import: every row is already in the register or has a problem."))


def commit_import(actor, plan: Plan, file_name: str, run: ImportRun | None = None) -> ImportRun:
    """Write what the plan says in one transaction: the missing departments, places and categories, the new assets
    (with their label codes), the updates; a ledger event for every asset naming the import and its row. With
    problems, nothing is written unless the person chose to import only the valid rows. `run`: the background
    import's own record, which this fills in. Commits."""
    require_admin(actor)
    check_committable(plan)
    if run is None:
        run = ImportRun(file_name=(file_name or "")[:255], created_by_id=actor.id, created_by_name=actor.display_name)
        db.session.add(run)
    run.rows, run.skipped, run.failed = plan.rows, len(plan.skipped), len(plan.failed_rows)
    try:
        db.session.flush()
        made = _create_named(plan)
        new_ids = _create_assets(actor, plan, run, made)
        for planned, asset, changes in plan.updates:
            _update_asset(actor, run, planned, asset, changes, made)
        run.created, run.updated, run.asset_ids = len(new_ids), len(plan.updates), new_ids
        run.status, run.finished_at = "done", utcnow()
        remember_mapping(plan.headers, plan.columns)
        from tagsvc.channels.services import import_done

        import_done(run)
        db.session.commit()
    except (IntegrityError, StaleDataError):
        # Another import (or a person) wrote some of the same asset numbers or names since this file was checked:
        # nothing of this one is written, and the person checks the file again to see what is left.
        db.session.rollback()
        raise ConflictError(_("Some of these rows were written by someone else at the same moment (another import of the same "
                              "file?). Nothing of this import was written: check the file again and import what is left.")) from None
    return run


def _create_named(plan: Plan) -> dict:
    """Departments, places (with their parents) and categories the file names and the register lacks."""
    made = {}
    for name in sorted(plan.new_names["department"]):
        made[("department", name)] = Department(name=name[:100])
        db.session.add(made[("department", name)])
    by_full_name: dict[str, Location] = {}
    for path in sorted(plan.new_names["location"], key=lambda p: p.count(PATH_SEPARATOR)):
        under = plan.placements.get(path)
        node, prefix = under, under.full_name if under is not None else ""
        parts = _remainder(path, under)
        for depth, part in enumerate(parts, start=1):
            full = f"{prefix}{PATH_SEPARATOR}{part}" if prefix else part
            found = by_full_name.get(full) or db.session.scalar(select(Location).where(Location.full_name == full))
            if found is None:
                kind = LocationKind.ROOM if depth == len(parts) else (LocationKind.BUILDING if not prefix else LocationKind.FLOOR)
                found = Location(name=part[:100], parent=node, kind=kind)
                db.session.add(found)
                by_full_name[full] = found
            node, prefix = found, full
        made[("location", path)] = node
    for name in sorted(plan.new_names["category"]):
        made[("category", name)] = Category(name=name[:100], kind=plan.new_category_kinds.get(name, AssetKind.FIXED_ASSET))
        db.session.add(made[("category", name)])
    db.session.flush()
    return made


def _id_of(made: dict, kind: str, value) -> int | None:
    if value is None:
        return None
    if isinstance(value, str):
        return made[(kind, value)].id
    return value.id


def _create_assets(actor, plan: Plan, run: ImportRun, made: dict) -> list[int]:
    """The new assets in bulk (a 10,000-row file is one statement per thousand rows), each with a fresh label code.
    The labels' QR matrices are drawn when they are first printed, not now."""
    now = utcnow()
    records = []
    for planned in plan.creates:
        values = planned.values
        base = {
            "name": values["name"], "brand": values.get("brand", ""), "model": values.get("model", ""),
            "serial_number": values.get("serial_number", ""), "custodian_name": values.get("custodian", ""), "custodian_phone": "",
            "status": values["status"], "condition": values["condition"], "purchase_date": values.get("purchase_date"),
            "price": values.get("price"), "supplier": values.get("supplier", ""), "invoice_number": values.get("invoice_number", ""),
            "notes": values.get("notes", ""), "photo": "", "created_at": now, "updated_at": now, "version": 1,
            "category_id": _id_of(made, "category", values.get("category")), "department_id": _id_of(made, "department", values.get("department")),
            "location_id": _id_of(made, "location", values.get("location")),
            "disposed_on": None, "last_confirmed_at": None,
        }
        if _expands(planned, plan):
            for i in range(1, planned.quantity + 1):
                records.append((planned.row, {**base, "asset_number": f"{values['asset_number']}-{i:03d}", "quantity": 1}))
        else:
            records.append((planned.row, {**base, "asset_number": values["asset_number"], "quantity": planned.quantity}))
    ids: list[int] = []
    codes = _fresh_codes(len(records))
    for start in range(0, len(records), 1000):
        chunk = records[start:start + 1000]
        rows = db.session.execute(insert(Asset).returning(Asset.id, Asset.asset_number, sort_by_parameter_order=True),
                                  [record for _row, record in chunk]).all()
        chunk_ids = [row[0] for row in rows]
        ids.extend(chunk_ids)
        db.session.execute(insert(Tag), [{"code": codes[start + i], "asset_id": asset_id, "issued_at": now, "qr_text": "", "qr_level": "",
                                          "qr_matrix": ""} for i, asset_id in enumerate(chunk_ids)])
        note = N_("Import #%(run)d (%(file)s), row %(row)d")
        db.session.execute(insert(LedgerEvent), [
            {"asset_id": asset_id, "at": now, "actor_id": actor.id, "actor_name": actor.display_name, "action": LedgerAction.IMPORTED.value,
             "changes": {"tag": [None, codes[start + i]]}, **note_columns(message(note, run=run.id, file=run.file_name, row=row))}
            for i, (asset_id, (row, _record)) in enumerate(zip(chunk_ids, chunk, strict=True))])
    return ids


def _fresh_codes(count: int) -> list[str]:
    """Label codes not in use: drawn at random, checked against the register in bulk."""
    codes: list[str] = []
    wanted = count
    while wanted:
        drawn = {new_tag_code() for _ in range(wanted)} - set(codes)
        taken = set()
        batch = list(drawn)
        for start in range(0, len(batch), 500):
            taken |= set(db.session.scalars(select(Tag.code).where(Tag.code.in_(batch[start:start + 500]))))
        codes.extend(code for code in batch if code not in taken)
        wanted = count - len(codes)
    return codes[:count]


def _update_asset(actor, run: ImportRun, planned: PlannedAsset, asset: Asset, changes: dict, made: dict) -> None:
    from tagsvc.assets.services import display_values

    before = display_values(asset)
    for key, value in changes.items():
        if key in ("department", "location", "category"):
            setattr(asset, key + "_id", _id_of(made, key, value))
        else:
            setattr(asset, key, value)
    asset.updated_at = utcnow()
    db.session.flush()
    db.session.expire(asset, ["department", "location", "category"])
    after = display_values(asset)
    recorded = {key: [before.get(key), after.get(key)] for key in after if before.get(key) != after.get(key)}
    db.session.add(LedgerEvent(asset_id=asset.id, action=LedgerAction.IMPORTED, actor_id=actor.id, actor_name=actor.display_name,
                               changes=recorded,
                               **note_columns(message(N_("Import #%(run)d (%(file)s), row %(row)d"), run=run.id, file=run.file_name,
                                                      row=planned.row))))


__all__ = ["COLUMNS", "Options", "Plan", "Problem", "commit_import", "find_header", "plan_import", "remember_mapping"]
