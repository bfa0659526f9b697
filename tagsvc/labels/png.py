"""Thermal labels as PNG images, for printers that take pictures rather than PDF.

The image is the label's own PDF page rasterised (pdfium), so picture and PDF can never disagree on layout,
then made pure black and white: thermal printers have no grey.
"""
from __future__ import annotations

from io import BytesIO
from pathlib import Path

import pypdfium2 as pdfium
from flask_babel import gettext as _

from tagsvc.labels.pdf import LabelContent, LabelLayoutError, render_pdf
from tagsvc.labels.sheets import SheetDefinition, SheetKind

DPI = 300


def render_pngs(sheet: SheetDefinition, labels: list[LabelContent], font_path: Path, dpi: int = DPI) -> list[bytes]:
    """One PNG per label, at the label's exact size."""
    if sheet.kind == SheetKind.SHEET:
        raise LabelLayoutError(_("Images are made for thermal labels and rolls, one label per page; %(sheet)s is a sheet.", sheet=sheet.name))
    return list(pdf_pages_as_pngs(render_pdf(sheet, labels, font_path), dpi))


def pdf_pages_as_pngs(pdf: bytes, dpi: int = DPI):
    """Each page of a label PDF as a black-and-white PNG, one at a time (a roll of thousands stays small)."""
    document = pdfium.PdfDocument(pdf)
    try:
        for page in document:
            picture = page.render(scale=dpi / 72).to_pil().convert("L").point(lambda v: 255 if v >= 128 else 0, mode="1")
            out = BytesIO()
            picture.save(out, format="PNG", dpi=(dpi, dpi), optimize=True)
            yield out.getvalue()
    finally:
        document.close()
