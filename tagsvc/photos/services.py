"""Uploaded photos: validated, shrunk, re-encoded without metadata, stored under names we choose (in the app's file
store: tagsvc.storage, a folder or the database).

Phone photos carry GPS positions in their EXIF data; re-encoding from pixels drops all of it.
"""
from __future__ import annotations

import re
import secrets
import warnings
from io import BytesIO

from flask import current_app
from flask_babel import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError
from pillow_heif import register_heif_opener

from tagsvc.errors import NotFoundError, ValidationError
from tagsvc.storage import storage

# iPhones take HEIC photos; pillow-heif (libheif) lets Pillow read them like any other format.
register_heif_opener()

ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP", "MPO", "HEIF"}  # MPO: what some phone cameras call a JPEG
MAX_PIXELS = 30_000_000  # about 30 megapixels; larger files are refused before decoding
LONGEST_SIDE = 1600
STORED_NAME = re.compile(r"^[a-z0-9]{32}\.jpg$")


def store_photo(data: bytes) -> str:
    """Validate and store a photo; returns the stored file name."""
    max_bytes = current_app.config["MAX_UPLOAD_MB"] * 1024 * 1024
    if not data:
        raise ValidationError(_("The photo is empty."))
    if len(data) > max_bytes:
        raise ValidationError(_("The photo is larger than %(mb)d MB.", mb=current_app.config["MAX_UPLOAD_MB"]))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(BytesIO(data))
            if image.format not in ACCEPTED_FORMATS:
                raise ValidationError(_("Only JPEG, PNG, WebP and HEIC photos are accepted."))
            if image.width * image.height > MAX_PIXELS:
                raise ValidationError(_("The photo has too many pixels; please send a smaller one."))
            image.load()
    except (UnidentifiedImageError, OSError, SyntaxError):
        raise ValidationError(_("That file is not a photo we can read.")) from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationError(_("The photo has too many pixels; please send a smaller one.")) from None

    image = ImageOps.exif_transpose(image)  # keep the picture upright once orientation tags are gone
    if image.mode not in ("RGB", "L"):
        background = Image.new("RGB", image.size, "white")
        rgba = image.convert("RGBA")
        background.paste(rgba, mask=rgba.getchannel("A"))
        image = background
    image.thumbnail((LONGEST_SIDE, LONGEST_SIDE))
    clean = Image.new(image.mode, image.size)
    clean.paste(image)  # a fresh image carries pixels only: no info dict, no EXIF

    name = f"{secrets.token_hex(16)}.jpg"
    encoded = BytesIO()
    clean.save(encoded, format="JPEG", quality=82, optimize=True, progressive=True)
    storage().put("photos", name, encoded.getvalue())
    return name


def stored_photo(name: str) -> bytes:
    """A stored photo's JPEG bytes."""
    data = storage().get("photos", name) if STORED_NAME.match(name or "") else None
    if data is None:
        raise NotFoundError(_("There is no such photo."))
    return data


def delete_photo(name: str) -> None:
    """Remove a stored photo that ended up unused (a report refused after its first photos were stored)."""
    if STORED_NAME.match(name or ""):
        storage().delete("photos", name)


def store_photos(photos: list[bytes], max_count: int) -> list[str]:
    """All photos stored, or none: one bad file refuses them all (and the report or proposal they came with)."""
    photos = [p for p in photos if p]
    if len(photos) > max_count:
        raise ValidationError(_("At most %(n)d photos, please.", n=max_count))
    stored: list[str] = []
    try:
        for data in photos:
            stored.append(store_photo(data))
    except ValidationError:
        for name in stored:
            delete_photo(name)
        raise
    return stored
