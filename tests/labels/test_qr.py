"""The label's QR matrix: tagsvc draws it itself (tagsvc/labels/qr.py) for speed, and must draw exactly what the
qrcode library draws, and what any phone reads, at every error correction level and size."""
from __future__ import annotations

import random
import string

import pytest
import zxingcpp
from PIL import Image
from qrcode import QRCode, util
from qrcode.exceptions import DataOverflowError

from tagsvc.labels.qr import ERROR_CORRECTION, QUIET_ZONE_MODULES, _Board, label_url, qr_matrix

ALPHABET = string.ascii_letters + string.digits + "/:.-_ %中文教学楼"


def qrcode_library_matrix(text: str, level: str) -> tuple[str, ...]:
    qr = QRCode(version=None, error_correction=ERROR_CORRECTION[level], border=0, box_size=1)
    qr.add_data(text)
    qr.make(fit=True)
    return tuple("".join("1" if dark else "0" for dark in row) for row in qr.get_matrix())


def texts(seed: int) -> list[str]:
    """Label addresses, then texts of every kind (digits only, upper case only, mixed with Chinese) and length
    up to what version 40 holds at level L."""
    rnd = random.Random(seed)
    found = [label_url("https://zichan.school.cn", f"A{rnd.randrange(10**7):07d}"),
             label_url("http://192.168.1.20:8000", "K3QF-7RZM", uppercase=False)]
    for length in (1, 5, 17, 30, 44, 61, 90, 140, 220, 330, 500, 800, 1200, 1800, 2300):
        for letters in ("0123456789", string.ascii_uppercase + string.digits + " $%*+-./:", ALPHABET):
            found.append("".join(rnd.choice(letters) for _ in range(length)))
    return found


@pytest.mark.parametrize("level", "LMQH")
def test_every_matrix_is_the_one_the_qrcode_library_makes(level):
    versions = set()
    for text in texts(seed=ord(level)):
        try:
            expected = qrcode_library_matrix(text, level)
        except (ValueError, DataOverflowError):  # too long for this level: both refuse
            with pytest.raises(DataOverflowError):
                qr_matrix(text, level)
            continue
        matrix = qr_matrix(text, level)
        versions.add(matrix.version)
        assert matrix.rows == expected, f"{level} version {matrix.version}: {text[:40]!r}"
    # small and large, with and without the version information blocks (from version 7)
    assert len(versions) >= 20 and min(versions) == 1 and max(versions) >= 33, sorted(versions)


def test_the_mask_penalty_is_the_standards_as_qrcode_counts_it():
    rnd = random.Random(11)
    for size in (21, 25, 45, 57, 101):
        board = _Board(size)
        for _ in range(40):
            share = rnd.random()
            modules = [[rnd.random() < share for _ in range(size)] for _ in range(size)]
            rows = [int("".join("1" if dark else "0" for dark in row), 2) for row in modules]
            assert board.penalty(board.from_rows(rows)) == util.lost_point(modules)


@pytest.mark.parametrize("level", "LMQH")
def test_every_matrix_reads_back_as_its_text(level):
    for text in texts(seed=100 + ord(level))[:30]:
        try:
            matrix = qr_matrix(text, level)
        except DataOverflowError:
            continue
        side = matrix.size + 2 * QUIET_ZONE_MODULES
        image = Image.new("L", (side, side), 255)
        for y, row in enumerate(matrix.rows):
            for x, dark in enumerate(row):
                if dark == "1":
                    image.putpixel((x + QUIET_ZONE_MODULES, y + QUIET_ZONE_MODULES), 0)
        image = image.resize((side * 4, side * 4), Image.NEAREST)
        results = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
        assert [result.text for result in results] == [text], f"{level} version {matrix.version}"
