"""The QR code on a label: the matrix for a label URL, computed once and kept as plain text."""
from __future__ import annotations

from dataclasses import dataclass

from qrcode import QRCode
from qrcode.constants import ERROR_CORRECT_H, ERROR_CORRECT_L, ERROR_CORRECT_M, ERROR_CORRECT_Q

ERROR_CORRECTION = {"L": ERROR_CORRECT_L, "M": ERROR_CORRECT_M, "Q": ERROR_CORRECT_Q, "H": ERROR_CORRECT_H}
QUIET_ZONE_MODULES = 4  # the blank margin scanners need around the code


@dataclass(frozen=True)
class QrMatrix:
    """Dark ('1') and light ('0') modules, row by row, without the quiet zone."""

    rows: tuple[str, ...]

    @property
    def size(self) -> int:
        return len(self.rows)

    @property
    def version(self) -> int:
        return (self.size - 17) // 4

    def dark_runs(self):
        """(row, first column, length) of each horizontal run of dark modules: drawn as one rectangle each."""
        for y, row in enumerate(self.rows):
            x = 0
            while x < len(row):
                if row[x] == "1":
                    start = x
                    while x < len(row) and row[x] == "1":
                        x += 1
                    yield y, start, x - start
                else:
                    x += 1

    def serialize(self) -> str:
        return "\n".join(self.rows)

    @classmethod
    def parse(cls, text: str) -> QrMatrix:
        return cls(tuple(text.split("\n")))


def label_url(base_url: str, code: str, uppercase: bool = True) -> str:
    """The URL a label encodes. Written wholly in upper case it fits QR alphanumeric mode, which needs fewer
    modules; scheme and host ignore case and the app answers /T/<code> as well as /t/<code>."""
    url = f"{base_url.rstrip('/')}/t/{code}"
    return url.upper() if uppercase else url


def qr_matrix(text: str, level: str = "M") -> QrMatrix:
    """The smallest QR code for the text at an error correction level (L, M, Q or H)."""
    qr = QRCode(version=None, error_correction=ERROR_CORRECTION[level], border=0, box_size=1)
    qr.add_data(text)
    qr.make(fit=True)
    return QrMatrix(tuple("".join("1" if dark else "0" for dark in row) for row in qr.get_matrix()))
