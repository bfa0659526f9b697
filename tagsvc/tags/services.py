"""Tag codes: short, random, unguessable, and easy to read aloud or type from a worn label."""
from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from flask import current_app, request
from flask_babel import gettext as _
from sqlalchemy import select

from tagsvc.errors import NotFoundError, ValidationError
from tagsvc.extensions import db, utcnow
from tagsvc.labels.qr import QrMatrix, label_url, qr_matrix
from tagsvc.tags.models import Tag

# 32 symbols = 5 bits each; no 0/O or 1/I so a worn label cannot be misread.
# Upper-case letters and digits also keep a URL in QR alphanumeric mode.
CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
CODE_LENGTH = 8  # 40 bits: a trillion codes, guessing one at random is hopeless
_SEPARATORS = re.compile(r"[\s\-_.]+")


@dataclass(frozen=True)
class TagLookup:
    tag: Tag | None
    current: Tag | None  # the asset's current tag when `tag` was replaced


def new_tag_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalize_code(raw: str) -> str | None:
    """The canonical form of a typed or scanned code, or None if it cannot be a tag code."""
    code = _SEPARATORS.sub("", raw or "").upper()
    if len(code) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in code):
        return None
    return code


def format_code(code: str) -> str:
    """How a person reads a code: two groups of four."""
    return f"{code[:4]}-{code[4:]}" if len(code) == CODE_LENGTH else code


def _public_base_url() -> str:
    return current_app.config.get("PUBLIC_BASE_URL") or request.host_url.rstrip("/")


def tag_url(code: str) -> str:
    """The address of a tag's page: <public base URL>/t/<code>."""
    return f"{_public_base_url()}/t/{code}"


def tag_qr(tag: Tag, level: str | None = None) -> QrMatrix:
    """The QR matrix for a tag's label. The default level's matrix is kept on the tag, so printing a sheet only
    draws; it is computed again only when the public URL or the level setting has changed since."""
    default_level = current_app.config["LABEL_QR_LEVEL"]
    level = level or default_level
    text = label_url(_public_base_url(), tag.code, uppercase=current_app.config["LABEL_QR_UPPERCASE"])
    if tag.qr_matrix and tag.qr_text == text and tag.qr_level == level:
        return QrMatrix.parse(tag.qr_matrix)
    matrix = qr_matrix(text, level)
    if level == default_level:  # a one-off level (H for a dorm) does not replace the kept matrix
        tag.qr_text, tag.qr_level, tag.qr_matrix = text, level, matrix.serialize()
    return matrix


def _unused_code() -> str:
    while True:
        code = new_tag_code()
        # Codes are unique across the district (a label finds its school by its code): every school's count.
        if db.session.scalar(select(Tag.id).where(Tag.code == code).execution_options(all_schools=True)) is None:
            return code


def _issue_tag(asset_id: int) -> Tag:
    """Give an asset a new current tag, retiring the one it had. Flushes; the caller commits."""
    session = db.session
    old = session.scalar(select(Tag).where(Tag.asset_id == asset_id, Tag.retired_at.is_(None)))
    if old is not None:
        old.retired_at = utcnow()
        session.flush()  # the partial unique index allows one current tag per asset
    tag = Tag(code=_unused_code(), asset_id=asset_id)
    if current_app.config.get("PUBLIC_BASE_URL"):
        tag_qr(tag)  # known where labels point: compute the label's QR now, once
    session.add(tag)
    session.flush()
    if old is not None:
        old.replaced_by_id = tag.id
    return tag


def _issue_location_tag(location_id: int) -> Tag:
    """A room's own label (the room page lists what should be in it). Flushes; the caller commits."""
    tag = Tag(code=_unused_code(), location_id=location_id)
    if current_app.config.get("PUBLIC_BASE_URL"):
        tag_qr(tag)
    db.session.add(tag)
    db.session.flush()
    return tag


def look_up_tag(raw_code: str) -> TagLookup:
    code = normalize_code(raw_code)
    if code is None:
        return TagLookup(None, None)
    tag = db.session.scalar(select(Tag).where(Tag.code == code))
    if tag is None or tag.is_current or tag.asset_id is None:
        return TagLookup(tag, None)
    current = db.session.scalar(select(Tag).where(Tag.asset_id == tag.asset_id, Tag.retired_at.is_(None)))
    return TagLookup(tag, current)


def asset_id_read(code_or_asset_id: str | int) -> int:
    """The asset behind what a scanner read or a person typed (a label's code or address), or an asset id taken
    from a list as it is. A text that is no label of ours, or a label no item carries, is refused with why."""
    if isinstance(code_or_asset_id, int):
        return code_or_asset_id
    code = code_in(code_or_asset_id)
    if code is None:
        raise ValidationError(_("“%(text)s” is not a label of this school.", text=str(code_or_asset_id)[:40]))
    asset_id = db.session.scalar(select(Tag.asset_id).where(Tag.code == code))
    if asset_id is None:
        raise NotFoundError(_("No item carries the label %(code)s.", code=code))
    return asset_id


def code_in(text: str) -> str | None:
    """The tag code in what a scanner read or a person typed: a bare code ("7K3M-Q9XR") or a label's URL."""
    text = (text or "").strip()
    for marker in ("/t/", "/T/"):
        if marker in text:
            text = text.rsplit(marker, 1)[1].split("?", 1)[0].split("#", 1)[0].strip("/")
            break
    return normalize_code(text)


def draw_missing_matrices(limit: int = 2000, chunk: int = 250) -> int:
    """Draw ahead of time the QR matrices of labels that have none yet (an import of 10,000 rows issues 10,000 labels
    at once): 0.13 ms each, which a print job would otherwise spend while the office waits. The job queue runs
    this after an import and every minute. Returns how many were drawn. Without TAGSVC_PUBLIC_BASE_URL the address
    on the labels is the one the office uses, which only a request knows: then nothing is drawn ahead."""
    from flask import has_request_context

    if not current_app.config.get("PUBLIC_BASE_URL") and not has_request_context():
        return 0
    drawn = 0
    while drawn < limit:
        tags = list(db.session.scalars(select(Tag).where(Tag.qr_matrix == "", Tag.retired_at.is_(None)).order_by(Tag.id)
                                       .limit(min(chunk, limit - drawn))))
        if not tags:
            break
        for tag in tags:
            tag_qr(tag)
        db.session.commit()
        drawn += len(tags)
    return drawn
