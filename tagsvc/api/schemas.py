"""Fields and schemas every feature's API shares: text the database can store, ids it can hold, pages."""
from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

MAX_ID = 2_147_483_647  # the database's integer: a larger id can name nothing
ID_RULE = f"int(min=1, max={MAX_ID})"  # for URL rules: /assets/<{ID_RULE}:asset_id>


# What a person can type: no control characters (PostgreSQL refuses NUL, no form sends the others), no bidi overrides
# (tagsvc/input_checks.py says why) and no lone
# UTF-16 surrogates (they cannot be stored as UTF-8). Written in the document as patterns, so that generated clients
# (and schemathesis) know the rule.
_TYPABLE = "[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f\\ud800-\\udfff\\u202a-\\u202e\\u2066-\\u2069]"  # text: tabs and line breaks too
_ONE_LINE = "[^\\u0000-\\u001f\\u007f\\ud800-\\udfff\\u202a-\\u202e\\u2066-\\u2069]"  # a name: no line breaks
_SPACE_FREE = "[^\\s\\u0000-\\u001f\\u007f\\ud800-\\udfff\\u202a-\\u202e\\u2066-\\u2069]"


class Text(ma.fields.String):
    """A string a person could have typed, at most `max_length` characters; surrounding spaces are dropped."""

    def __init__(self, max_length: int, **kwargs) -> None:
        checks = [validate.Length(max=max_length), validate.Regexp(f"^{_TYPABLE}*$", error="Text cannot contain control characters.")]
        super().__init__(validate=checks, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        self._validate(text)  # the document's rules hold for what was sent, before the spaces around it are dropped
        return text.strip()


class RequiredText(ma.fields.String):
    """One line that must say something: not empty, not only spaces, no control characters."""

    def __init__(self, max_length: int, **kwargs) -> None:
        checks = [validate.Length(min=1, max=max_length),
                  validate.Regexp(f"^{_ONE_LINE}*{_SPACE_FREE}{_ONE_LINE}*$", error="This needs some text, on one line, without control characters.")]
        super().__init__(required=True, validate=checks, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        self._validate(text)  # the document's rules hold for what was sent, before the spaces around it are dropped
        return text.strip()


def Id(strict: bool = True, **kwargs) -> ma.fields.Integer:
    """An id. Strict in a JSON body (1, not "1"); a query string holds only text, so there it is read from it."""
    return ma.fields.Integer(strict=strict, validate=validate.Range(min=1, max=MAX_ID), **kwargs)


class PageArgs(ma.Schema):
    page = ma.fields.Integer(load_default=1, validate=validate.Range(min=1, max=1_000_000), metadata={"description": "Page number, from 1."})
    per_page = ma.fields.Integer(load_default=50, validate=validate.Range(min=1, max=200),
                                 metadata={"description": "Items a page, at most 200."})


class PageMeta(ma.Schema):
    total = ma.fields.Integer(required=True, metadata={"description": "How many items match, on all pages."})
    page = ma.fields.Integer(required=True)
    per_page = ma.fields.Integer(required=True)
    pages = ma.fields.Integer(required=True)


class Ref(ma.Schema):
    """Another thing an item points to: its id and the name a person reads."""

    id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)


class PlaceRef(ma.Schema):
    """A place or category in its tree: its id, own name and whole path (本部校区 › 教学楼 › 3F › 301)."""

    id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    full_name = ma.fields.String(required=True)


def Money(maximum: int, **kwargs) -> ma.fields.Decimal:
    """An amount in yuan: a number (or a numeric string) from 0 to `maximum`, kept to two decimals."""

    def in_range(value) -> None:
        if not 0 <= value <= maximum:
            raise ma.ValidationError(f"Must be between 0 and {maximum}.")

    # The range goes into the document as plain numbers; marshmallow's Range would be written as decimal strings.
    metadata = {"minimum": 0, "maximum": maximum, **kwargs.pop("metadata", {})}
    return ma.fields.Decimal(places=2, allow_nan=False, validate=in_range, metadata=metadata, **kwargs)


class ReasonSchema(ma.Schema):
    reason = RequiredText(2000)

    class Meta:
        unknown = ma.RAISE


class CancelSchema(ma.Schema):
    reason = Text(2000, load_default="")

    class Meta:
        unknown = ma.RAISE


class CodeOrAssetSchema(ma.Schema):
    """An item named by its label (as a scanner reads it) or by its asset id (from a list)."""

    code = Text(300, load_default=None, metadata={"description": "The label's code or its whole address, as a scanner reads it."})
    asset_id = Id(load_default=None)

    class Meta:
        unknown = ma.RAISE

    @ma.validates_schema
    def _one_of(self, data, **kwargs):
        if bool(data.get("code")) == bool(data.get("asset_id")):
            raise ma.ValidationError("Give either the label's code or the asset id.")


def paged(page) -> dict:
    """A page of a list as the API answers it: its items and the paging meta (PageMeta)."""
    return {"items": page.items, "meta": {"total": page.total, "page": page.page, "per_page": page.per_page, "pages": page.pages}}
