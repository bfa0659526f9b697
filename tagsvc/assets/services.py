"""Use cases of the asset register: create, change, find, read."""
from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date
from decimal import Decimal
from enum import Enum

from flask_babel import gettext as _
from sqlalchemy import Select, func, select, tuple_
from sqlalchemy.orm.exc import StaleDataError

from tagsvc.accounts.permissions import require_asset_editor, require_asset_reader, require_signed_in
from tagsvc.assets.holds import hold_on
from tagsvc.assets.models import OFF_THE_BOOKS, Asset, AssetCondition, AssetStatus
from tagsvc.assets.display import STATUS_LABELS
from tagsvc.assets.states import contradiction, status_governance
from tagsvc.errors import ConflictError, NotFoundError, PermissionDeniedError, PreconditionFailedError, ValidationError
from tagsvc.extensions import db, same_text, utcnow
from tagsvc.ledger.models import LedgerAction
from tagsvc.ledger.services import _record_event, ledger_value
from tagsvc.pagination import Page
from tagsvc.photos.services import store_photo
from tagsvc.structure.models import Category, Department, Location
from tagsvc.structure.services import descendant_ids
from tagsvc.tags.models import Tag
from tagsvc.tags.services import _issue_tag, format_code, normalize_code


@dataclass
class AssetData:
    """What a person fills in for an asset; the same shape serves create, edit and import."""

    asset_number: str
    name: str
    category_id: int | None = None
    brand: str = ""
    model: str = ""
    serial_number: str = ""
    department_id: int | None = None
    location_id: int | None = None
    custodian_name: str = ""
    custodian_phone: str = ""
    status: AssetStatus = AssetStatus.IN_USE
    condition: AssetCondition = AssetCondition.GOOD
    purchase_date: date | None = None
    price: Decimal | None = None
    supplier: str = ""
    invoice_number: str = ""
    notes: str = ""


# Fields whose stored value is an id; the ledger records the name the person saw instead.
_RELATED = {"category_id": ("category", Category), "department_id": ("department", Department), "location_id": ("location", Location)}

# The column each sort orders by (then by id), for keyset paging.
SORT_COLUMNS = {"number": Asset.asset_number, "name": Asset.name, "updated": Asset.updated_at}

# Each sort breaks ties by id in the same direction, so an index on the first column serves the whole order.
SORTS = {
    "number": (Asset.asset_number.asc(), Asset.id.asc()),
    "-number": (Asset.asset_number.desc(), Asset.id.desc()),
    "name": (Asset.name.asc(), Asset.id.asc()),
    "-name": (Asset.name.desc(), Asset.id.desc()),
    "updated": (Asset.updated_at.asc(), Asset.id.asc()),
    "-updated": (Asset.updated_at.desc(), Asset.id.desc()),
}


@dataclass
class AssetQuery:
    text: str = ""
    department_id: int | None = None
    location_id: int | None = None
    category_id: int | None = None
    status: AssetStatus | None = None
    never_printed: bool = False  # only assets whose current label was never printed
    include_disposed: bool = False  # disposed items stay out of the active lists unless asked for (or filtered by status)
    import_run: int | None = None  # only the assets one import created (to print their labels)
    sort: str = "number"
    page: int = 1
    per_page: int = 50
    # Keyset paging: the sort value and id of the last asset already seen; the page is what follows it. Deep in a
    # long list this costs what the first page does, where an offset walks past every row before it.
    after: tuple | None = None


@dataclass
class AssetPage(Page[Asset]):
    exact_tag: Asset | None = None  # a search that was a tag code found this asset


def _clean(data: AssetData) -> AssetData:
    cleaned = AssetData(**{f.name: getattr(data, f.name) for f in fields(AssetData)})
    for f in fields(AssetData):
        value = getattr(cleaned, f.name)
        if isinstance(value, str) and not isinstance(value, Enum):  # a StrEnum stripped would become a plain str
            setattr(cleaned, f.name, value.strip())
    if not cleaned.asset_number:
        raise ValidationError(_("Please give the asset number."))
    if not cleaned.name:
        raise ValidationError(_("Please give the asset's name."))
    if cleaned.price is not None and cleaned.price < 0:
        raise ValidationError(_("The price cannot be negative."))
    problem = contradiction(AssetStatus(cleaned.status), AssetCondition(cleaned.condition))
    if problem:
        raise ValidationError(_(problem))
    for key, (_attr, model) in _RELATED.items():
        ref = getattr(cleaned, key)
        if ref is not None and db.session.get(model, ref) is None:
            raise ValidationError(_("The chosen %(what)s no longer exists.", what=_field_label(key)))
    return cleaned


def _field_label(key: str) -> str:
    from tagsvc.assets.display import FIELD_LABELS

    return _(FIELD_LABELS.get(key, key))


def _ensure_number_free(asset_number: str, except_id: int | None = None) -> None:
    # Case-insensitive: "jx-01" and "JX-01" on two labels would be the same number to a person.
    query = select(Asset.asset_number).where(same_text(Asset.asset_number, asset_number))
    if except_id is not None:
        query = query.where(Asset.id != except_id)
    existing = db.session.scalar(query)
    if existing is not None:
        raise ConflictError(_("Asset number %(number)s is already in the register.", number=existing))


def _refuse_status_set_by_hand(actor, status: AssetStatus) -> None:
    """Disposed comes from an approved disposal; lost from a stocktake's resolution or a disposal. The office may
    still record a loss it knows of; a keeper may not declare their own item lost or disposed."""
    if status in OFF_THE_BOOKS or (status == AssetStatus.LOST and not actor.is_admin):
        raise PermissionDeniedError(_("“%(status)s” is not set by hand: it comes from an approved disposal or a stocktake's resolution.",
                                      status=_(STATUS_LABELS[status])))


def create_asset(actor, data: AssetData, photo: bytes | None = None, blank_code: str | None = None) -> Asset:
    """Register an asset. With blank_code, it takes that blank label (already stuck on it) instead of a new code."""
    require_asset_editor(actor, data.department_id)
    if not actor.is_admin and data.department_id is None:
        raise ValidationError(_("Please choose one of your departments."))
    _refuse_status_set_by_hand(actor, data.status)
    blank = _blank_tag(blank_code) if blank_code else None
    asset = _register_asset(actor, data, photo_name=store_photo(photo) if photo else "", blank=blank)
    db.session.commit()
    return asset


def _register_asset(actor, data: AssetData, photo_name: str = "", blank: Tag | None = None) -> Asset:
    """Add one asset with its first tag and its ledger events; flushes, the caller commits.

    Shared by the office form, the demo data and (later) the Excel import.
    """
    data = _clean(data)
    _ensure_number_free(data.asset_number)
    asset = Asset(**{f.name: getattr(data, f.name) for f in fields(AssetData)}, photo=photo_name)
    db.session.add(asset)
    db.session.flush()
    _record_event(asset, LedgerAction.CREATED, actor, changes=_snapshot(asset))
    if blank is not None:
        blank.asset_id = asset.id
        db.session.flush()
        _record_event(asset, LedgerAction.TAG_ATTACHED, actor, changes={"tag": [None, blank.code]})
    else:
        tag = _issue_tag(asset.id)
        _record_event(asset, LedgerAction.TAG_ISSUED, actor, changes={"tag": [None, tag.code]})
    return asset


def _blank_tag(raw_code: str) -> Tag:
    """A blank label that can still be claimed, locked against a second person claiming it at once."""
    code = normalize_code(raw_code)
    tag = db.session.scalar(select(Tag).where(Tag.code == code).with_for_update()) if code else None
    if tag is None:
        raise NotFoundError(_("There is no label with the code %(code)s.", code=raw_code))
    if not tag.is_blank or tag.retired_at is not None:
        raise ConflictError(_("The label %(code)s is already in use; scan it to see what it belongs to.", code=format_code(tag.code)))
    return tag


def attach_blank_tag(actor, blank_code: str, asset_number: str) -> Asset:
    """Stick a blank label on an asset that is already registered (found by its asset number): it becomes the
    asset's label, and the asset's old label, if any, points to it."""
    require_signed_in(actor)
    asset = db.session.scalar(select(Asset).where(Asset.asset_number == asset_number.strip()))
    if asset is None:
        raise NotFoundError(_("There is no asset with the number %(number)s.", number=asset_number.strip()))
    require_asset_editor(actor, asset.department_id)
    old_code = stick_blank_label(asset, _blank_tag(blank_code))
    _record_event(asset, LedgerAction.TAG_ATTACHED, actor, changes={"tag": [old_code, asset.current_tag.code]})
    db.session.commit()
    db.session.expire(asset, ["current_tag"])
    return asset


def stick_blank_label(asset: Asset, blank: Tag) -> str | None:
    """Make a blank label the asset's label; its old label, if any, is retired and points to it. Returns the old
    code. Only flushes: the caller writes the ledger and commits (a scanned blank label, a stocktake's finding)."""
    old = asset.current_tag
    if old is not None:
        old.retired_at = utcnow()
        db.session.flush()  # one current tag per asset
        old.replaced_by_id = blank.id
    blank.asset_id = asset.id
    db.session.flush()
    db.session.expire(asset, ["current_tag"])
    return old.code if old is not None else None


def _snapshot(asset: Asset) -> dict:
    values = {}
    for f in fields(AssetData):
        value = _display_value(asset, f.name)
        if value is not None:
            values[f.name] = [None, value]
    return values


def display_values(asset: Asset) -> dict:
    """Each field as the ledger (and a person) reads it: names for departments, places and categories."""
    return {f.name: _display_value(asset, f.name) for f in fields(AssetData)}


def _display_value(asset: Asset, key: str):
    if key in _RELATED:
        attr, model = _RELATED[key]
        ref = getattr(asset, key)
        return ledger_value(db.session.get(model, ref)) if ref is not None else None
    return ledger_value(getattr(asset, key))


def asset_data_of(asset: Asset) -> AssetData:
    """What an asset holds now, in the shape a form or a program changes."""
    return AssetData(**{f.name: getattr(asset, f.name) for f in fields(AssetData)})


def refuse_if_transferred_out(asset: Asset) -> None:
    """A record whose item went to another school (划拨) is its history here: it no longer changes."""
    if asset.status == AssetStatus.TRANSFERRED_OUT:
        raise ConflictError(_("%(name)s (%(number)s) now belongs to another school: its record here is kept as history and no longer changes.",
                              name=asset.name, number=asset.asset_number))


def update_asset(actor, asset_id: int, data: AssetData, photo: bytes | None = None, expected_version: int | None = None) -> Asset:
    """Change an asset. With expected_version (the version the person or program read), a change made by
    someone else since then is not overwritten: PreconditionFailedError carries the asset as it is now."""
    asset = get_asset(actor, asset_id)
    require_asset_editor(actor, asset.department_id)
    require_asset_editor(actor, data.department_id)
    refuse_if_transferred_out(asset)
    if expected_version is not None and expected_version != asset.version:
        raise _changed_meanwhile(asset)
    data = _clean(data)
    if data.asset_number != asset.asset_number:
        _ensure_number_free(data.asset_number, except_id=asset.id)
    if not actor.is_admin and (data.price != asset.price or data.purchase_date != asset.purchase_date):
        # The original value (原值) decides how many office approvals a disposal needs: a keeper who could lower it
        # could choose their own approval.
        raise PermissionDeniedError(_("Only the logistics office changes the original value and the purchase date."))
    if data.status != asset.status and data.status == AssetStatus.LOST:
        _refuse_status_set_by_hand(actor, data.status)
    if data.status != asset.status and data.status in (AssetStatus.DISPOSED, AssetStatus.ON_LOAN):
        # Both need their own record: an approved disposal (报废单) or a loan naming the borrower and the due date.
        raise ConflictError(_("Propose its disposal instead: the office approves it and the record is printed.")
                            if data.status == AssetStatus.DISPOSED else _("Lend it from “Loans and handovers”: the loan names the borrower and the due date."))
    if data.status != asset.status:
        governance = status_governance(asset.id)
        if governance is not None:
            raise ConflictError(_("The status cannot be changed by hand now: %(reason)s", reason=governance.reason))
    if (data.department_id, data.location_id, data.custodian_name) != (asset.department_id, asset.location_id, asset.custodian_name):
        held = hold_on(asset.id)
        if held is not None:  # the movement changes these when it is done; a hand edit now would be overwritten or lost
            raise ConflictError(_("This item is part of %(movement)s since %(date)s: its department, place and custodian change when "
                                  "that is done (or cancelled), not by hand.", movement=held.describe(), date=held.since.date().isoformat()))
    photo_name = store_photo(photo) if photo else None  # may refuse the file: do it before changing anything

    try:
        changes = {}
        for f in fields(AssetData):
            new_value = getattr(data, f.name)
            if getattr(asset, f.name) != new_value:
                before = _display_value(asset, f.name)
                setattr(asset, f.name, new_value)
                changes[f.name] = [before, _display_value(asset, f.name)]
        if changes:
            asset.updated_at = utcnow()
            _record_event(asset, LedgerAction.UPDATED, actor, changes=changes)
        if photo_name:
            asset.photo = photo_name
            asset.updated_at = utcnow()
            _record_event(asset, LedgerAction.PHOTO_CHANGED, actor)
        db.session.commit()
        # The ids changed; the loaded department, place and category objects would still show the old ones.
        db.session.expire(asset, [attr for key, (attr, _model) in _RELATED.items() if key in changes])
    except StaleDataError:
        # Between our read and our write, another request changed the row (its version moved on).
        db.session.rollback()
        raise _changed_meanwhile(db.session.get(Asset, asset_id)) from None
    return asset


def comparable_values(data: AssetData) -> dict[str, str]:
    """Each field as text that compares equal exactly when the values are the same (an edit form carries these
    from the moment it was opened)."""

    def text(value) -> str:
        if value is None:
            return ""
        if isinstance(value, Enum):
            return str(value.value)
        if isinstance(value, Decimal):
            return f"{value:.2f}"
        if isinstance(value, date):
            return value.isoformat()
        return str(value).strip()

    return {f.name: text(getattr(data, f.name)) for f in fields(AssetData)}


@dataclass(frozen=True)
class EditMerge:
    """Someone changed an asset while another person edited it. Fields only the other person changed are taken
    over into the edit; fields both changed differently are conflicts the person decides on."""

    taken_over: tuple[str, ...]  # changed by the other person only: the edit now shows their value
    conflicts: tuple[str, ...]  # changed by both, differently


def merge_edits(original: dict[str, str], mine: AssetData, theirs: AssetData) -> EditMerge:
    mine_values, their_values = comparable_values(mine), comparable_values(theirs)
    taken, conflicts = [], []
    for name, my_value in mine_values.items():
        their_value = their_values[name]
        if my_value == their_value:
            continue
        before = original.get(name)
        if my_value == before:
            taken.append(name)
        elif their_value != before:
            conflicts.append(name)
    return EditMerge(tuple(taken), tuple(conflicts))


def _changed_meanwhile(asset: Asset) -> PreconditionFailedError:
    return PreconditionFailedError(
        _("Someone else changed this asset after you opened it. Look at what is there now, then make your change again."),
        current=asset,
    )


def replace_tag(actor, asset_id: int) -> Tag:
    asset = get_asset(actor, asset_id)
    require_asset_editor(actor, asset.department_id)
    refuse_if_transferred_out(asset)
    old_code = asset.current_tag.code if asset.current_tag else None
    tag = _issue_tag(asset.id)
    _record_event(asset, LedgerAction.TAG_REPLACED, actor, changes={"tag": [old_code, tag.code]})
    db.session.commit()
    db.session.expire(asset, ["current_tag"])
    return tag


def get_asset(actor, asset_id: int) -> Asset:
    require_signed_in(actor)
    asset = db.session.get(Asset, asset_id)
    if asset is None:
        raise NotFoundError(_("There is no asset with that id."))
    require_asset_reader(actor, asset.department_id)
    return asset


def _visible_to(query: Select, actor) -> Select:
    if actor.sees_all_assets:
        return query
    return query.where(Asset.department_id.in_([d.id for d in actor.departments]))


def _matching(actor, q: AssetQuery) -> tuple[Select, Asset | None]:
    """The assets a query finds (as a statement), or the one asset whose label code it is."""
    require_signed_in(actor)
    query = _visible_to(select(Asset), actor)
    text = q.text.strip()
    if text:
        code = normalize_code(text)
        if code is not None:
            exact_tag = db.session.scalar(
                _visible_to(select(Asset).join(Tag, Tag.asset_id == Asset.id).where(Tag.code == code), actor)
            )
            if exact_tag is not None:
                return query.where(Asset.id == exact_tag.id), exact_tag
        # Lower-cased by the database on both sides, so that its idea of case is the only one.
        query = query.where(Asset.search_text.like(func.lower(f"%{_escape_like(text)}%"), escape="\\"))
    if q.department_id:
        query = query.where(Asset.department_id == q.department_id)
    if q.location_id:
        query = query.where(Asset.location_id.in_(descendant_ids(Location, q.location_id)))
    if q.category_id:
        query = query.where(Asset.category_id.in_(descendant_ids(Category, q.category_id)))
    if q.status:
        query = query.where(Asset.status == q.status)
    elif not q.include_disposed:  # disposed items stay in the register, out of the active lists: the status filter shows them
        query = query.where(Asset.status.not_in(OFF_THE_BOOKS))
    if q.import_run:
        from tagsvc.spreadsheets.models import ImportRun

        run = db.session.get(ImportRun, q.import_run)
        query = query.where(Asset.id.in_(run.asset_ids if run is not None and run.asset_ids else [-1]))
    if q.never_printed:
        # Correlated to the asset only: a caller may join the current tag into the outer statement (the API list).
        printed = select(Tag.id).where(Tag.asset_id == Asset.id, Tag.retired_at.is_(None), Tag.printed_at.is_not(None)).correlate(Asset)
        query = query.where(~printed.exists())
    return query, None


@dataclass
class AssetIdPage(Page[int]):
    total: int | None  # None on a keyset page (not counted)
    page: int | None  # None on a keyset page
    exact_tag_id: int | None = None  # a search that was a tag code found this asset


def search_asset_ids(actor, q: AssetQuery, rows: Select | None = None) -> AssetIdPage:
    """One page of a query's assets, as ids in its order; or, given `rows` (a SELECT of columns from Asset, with any
    joins), that statement's rows for the page, in order (for a caller that reads the rows its own way). A page asked
    for by keyset (q.after) is not counted: on PostgreSQL counting 100,000 assets costs more than the page itself,
    and a program walking the list learnt the total on its first page. Its total is then None."""
    query, exact_tag = _matching(actor, q)
    if exact_tag is not None:
        # A label code names one item: no need to scan every name for it.
        items = [exact_tag.id] if rows is None else list(db.session.execute(rows.where(Asset.id == exact_tag.id)))
        return AssetIdPage(items=items, total=1, page=1, per_page=q.per_page, exact_tag_id=exact_tag.id)
    per_page = max(1, min(q.per_page, 200))
    order = SORTS.get(q.sort, SORTS["number"])
    if q.after is not None:
        total = page = offset = None
        query = query.where(_after(q.sort, q.after))
    elif q.text.strip():
        # A text search reads every row of the school for its LIKE, for the count and again for the page: one
        # reading gives both (the count as a window over the matches), unless the page asked for is past the end.
        ids, total = _page_and_count(query, order, per_page, (max(1, q.page) - 1) * per_page)
        if ids or total == 0:
            return AssetIdPage(items=ids if rows is None else _rows_in_order(rows, ids), total=total, page=max(1, q.page), per_page=per_page)
        total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
        page = min(max(1, q.page), max(1, -(-total // per_page)))
        offset = (page - 1) * per_page
    else:
        total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
        page = min(max(1, q.page), max(1, -(-total // per_page)))
        offset = (page - 1) * per_page
    # Sort and cut the page on ids alone, then read just those rows: joining before an offset would join every row
    # skipped (50,000 for page 1,000) to show fifty. The first page too: on PostgreSQL the planner takes the
    # school's two filters (the application's and the policy's) as independent and expects a hundredth of its rows,
    # and then joined all 10,000 of a school's rows to its category, department, place and label before sorting them
    # (59 ms in a district of 100 schools, against 8 ms for the ids and 1 ms for fifty rows).
    ids = list(db.session.scalars(query.with_only_columns(Asset.id).order_by(*order).limit(per_page).offset(offset)))
    return AssetIdPage(items=ids if rows is None else _rows_in_order(rows, ids), total=total, page=page, per_page=per_page)


def _rows_in_order(rows: Select, ids: list[int]) -> list:
    found = {row.id: row for row in db.session.execute(rows.where(Asset.id.in_(ids)))} if ids else {}
    return [found[i] for i in ids if i in found]


def _page_and_count(query: Select, order, per_page: int, offset: int) -> tuple[list[int], int | None]:
    """One page of ids and the number of all matches, in one statement; (no ids, None) for a page past the end."""
    found = db.session.execute(query.with_only_columns(Asset.id, func.count().over().label("total"))
                               .order_by(*order).limit(per_page).offset(offset)).all()
    if found:
        return [row.id for row in found], found[0].total
    return [], (0 if offset == 0 else None)


def _after(sort: str, last: tuple):
    """Rows that come after (value, id) in this sort's order."""
    column = SORT_COLUMNS[sort.lstrip("-")]
    value, last_id = last
    # A row-value comparison, which SQLite and PostgreSQL answer from the index (an OR of the two cases they scan).
    if sort.startswith("-"):
        return tuple_(column, Asset.id) < tuple_(value, last_id)
    return tuple_(column, Asset.id) > tuple_(value, last_id)


def search_assets(actor, q: AssetQuery) -> AssetPage:
    ids = search_asset_ids(actor, q)
    by_id = {a.id: a for a in db.session.scalars(select(Asset).where(Asset.id.in_(ids.items))).unique()}
    return AssetPage(items=[by_id[i] for i in ids.items], total=ids.total, page=ids.page, per_page=ids.per_page,
                     exact_tag=by_id.get(ids.exact_tag_id))


# What a row of the register's list shows, read as plain values: loading 50 whole assets with their category and
# label (its drawn matrix too) cost more than the search that found them.
_LIST_ROWS = (
    select(Asset.id, Asset.asset_number, Asset.name, Asset.status, Asset.school_id, Department.name.label("department_name"),
           Location.full_name.label("location_name"))
    .outerjoin(Department, Department.id == Asset.department_id)
    .outerjoin(Location, Location.id == Asset.location_id)
)


def asset_list_page(actor, q: AssetQuery) -> AssetIdPage:
    """One page of the register's list: rows of (id, asset_number, name, status, school_id, department_name,
    location_name); exact_tag_id when the search was a label code."""
    return search_asset_ids(actor, q, rows=_LIST_ROWS)


def filtered_assets(actor, q: AssetQuery):
    """The SELECT of every asset a query finds that this person may see, unsorted and unpaged (an export)."""
    require_signed_in(actor)
    return _matching(actor, q)[0]


def matching_asset_ids(actor, q: AssetQuery) -> list[int]:
    """Every asset a query finds, in its sort order (for printing their labels)."""
    query, _exact = _matching(actor, q)
    order = SORTS.get(q.sort, SORTS["number"])
    return list(db.session.scalars(query.with_only_columns(Asset.id).order_by(*order)))


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
