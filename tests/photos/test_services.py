from io import BytesIO

import pytest
from PIL import Image

from tagsvc.errors import NotFoundError, ValidationError
from tagsvc.photos.services import LONGEST_SIDE, store_photo, stored_photo


def phone_photo_with_gps(size=(2400, 1800)) -> bytes:
    image = Image.new("RGB", size, (200, 120, 40))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2], gps[3], gps[4] = "N", (32.0, 3.0, 30.0), "E", (118.0, 47.0, 10.0)
    out = BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def test_stored_photo_has_no_exif_and_is_shrunk(app):
    original = phone_photo_with_gps()
    assert Image.open(BytesIO(original)).getexif().get_ifd(0x8825)  # the upload does carry a GPS position
    stored = Image.open(BytesIO(stored_photo(store_photo(original))))
    assert not stored.getexif() and "exif" not in stored.info
    assert max(stored.size) == LONGEST_SIDE and stored.format == "JPEG"


def test_png_with_transparency_is_stored_as_jpeg(app):
    out = BytesIO()
    Image.new("RGBA", (300, 200), (0, 0, 0, 0)).save(out, format="PNG")
    assert Image.open(BytesIO(stored_photo(store_photo(out.getvalue())))).mode == "RGB"


@pytest.mark.parametrize("data", [b"", b"just some text, not a picture", b"\x89PNG\r\n\x1a\n broken"])
def test_non_photos_are_refused(app, data):
    with pytest.raises(ValidationError):
        store_photo(data)


def test_gif_is_refused(app):
    out = BytesIO()
    Image.new("RGB", (10, 10)).save(out, format="GIF")
    with pytest.raises(ValidationError, match="JPEG"):
        store_photo(out.getvalue())


def test_forty_megapixel_image_is_refused_before_decoding(app):
    out = BytesIO()
    Image.new("L", (8000, 5000)).save(out, format="PNG")  # compresses to a few kB: a decompression bomb's shape
    with pytest.raises(ValidationError, match="pixels"):
        store_photo(out.getvalue())


@pytest.mark.parametrize("name", ["../secret_key", "..%2Fsecret_key", "x.jpg", "A" * 32 + ".jpg"])
def test_stored_photo_names_cannot_reach_other_files(app, name):
    with pytest.raises(NotFoundError):
        stored_photo(name)


def test_an_iphone_heic_photo_is_read_and_stored_as_jpeg_without_its_gps(app):
    image = Image.new("RGB", (2000, 1500), (30, 90, 160))
    exif = Image.Exif()
    exif.get_ifd(0x8825)[1] = "N"
    out = BytesIO()
    image.save(out, format="HEIF", quality=60, exif=exif.tobytes())
    assert Image.open(BytesIO(out.getvalue())).format == "HEIF"
    stored = Image.open(BytesIO(stored_photo(store_photo(out.getvalue()))))
    assert stored.format == "JPEG" and max(stored.size) == LONGEST_SIDE
    assert not stored.getexif() and "exif" not in stored.info
