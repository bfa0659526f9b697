"""Reading a label PDF back as a person would: which label positions carry a QR code, and what it says."""
from __future__ import annotations

import pypdfium2 as pdfium
import zxingcpp

DPI = 200  # enough for the smallest shipped modules (0.5 mm = 4 px)


def read_page_labels(pdf: bytes, sheet, page: int = 0, offset_mm=(0.0, 0.0)) -> dict[int, str]:
    """{position: decoded text} for every label position on a page whose box holds a readable QR code."""
    document = pdfium.PdfDocument(pdf)
    try:
        image = document[page].render(scale=DPI / 72).to_pil().convert("L")
    finally:
        document.close()
    found = {}
    px = DPI / 25.4
    width, height = sheet.label_size_mm
    for position in range(sheet.labels_per_page):
        x, y = sheet.label_origin_mm(position)
        box = (round((x + offset_mm[0]) * px), round((y + offset_mm[1]) * px), round((x + offset_mm[0] + width) * px), round((y + offset_mm[1] + height) * px))
        results = zxingcpp.read_barcodes(image.crop(box), formats=zxingcpp.BarcodeFormat.QRCode)
        if results:
            found[position] = results[0].text
    return found


def page_count(pdf: bytes) -> int:
    document = pdfium.PdfDocument(pdf)
    try:
        return len(document)
    finally:
        document.close()


def page_text(pdf: bytes, page: int = 0) -> str:
    document = pdfium.PdfDocument(pdf)
    try:
        return document[page].get_textpage().get_text_range()
    finally:
        document.close()
