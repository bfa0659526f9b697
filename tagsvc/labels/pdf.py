"""Label sheets as PDF (reportlab): the QR drawn as vector rectangles, text in an embedded font subset,
every text fitted inside its label: wrapped, then shrunk, never cut off or overflowing."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from io import BytesIO
from pathlib import Path

from flask_babel import gettext as _
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from tagsvc.labels.qr import QUIET_ZONE_MODULES, QrMatrix
from tagsvc.labels.sheets import SheetDefinition

MIN_MODULE_MM = 0.5  # smaller modules blur on office printers and defeat phone cameras
PADDING_MM = 1.2  # text keeps this far from the label's edge
QR_EDGE_MM = 0.4  # the QR square (quiet zone included) keeps this far
MIN_FONT_PT = 3.5
PT_TO_MM = 25.4 / 72
LINE_SPACING = 1.15
FONT_NAME = "LabelFont"
# Largest type size (pt) and most lines for each text on a label; all shrink together to fit.
TEXT_STYLE = {"school": (6.0, 1), "name": (10.0, 3), "asset_number": (7.0, 1), "place": (6.0, 2)}


class LabelLayoutError(ValueError):
    """A label cannot be printed on this sheet as asked (for example its QR modules would be too small)."""


@dataclass(frozen=True)
class LabelContent:
    code: str
    qr: QrMatrix
    name: str = ""
    asset_number: str = ""
    place: str = ""
    school: str = ""


@dataclass(frozen=True)
class _TextBlock:
    field: str
    text: str
    size_pt: float
    max_lines: int


def register_font(font_path: Path) -> str:
    """Register the label font once; reportlab embeds only the glyphs a document uses (a subset)."""
    if FONT_NAME not in pdfmetrics.getRegisteredFontNames():
        path = Path(font_path)
        if not path.is_file():
            raise LabelLayoutError(_("The label font %(path)s is missing; install fonts-wqy-microhei or set TAGSVC_LABEL_FONT.", path=path))
        pdfmetrics.registerFont(TTFont(FONT_NAME, str(path), subfontIndex=0))
    return FONT_NAME


def render_pdf(
    sheet: SheetDefinition,
    labels: list[LabelContent],
    font_path: Path,
    start_position: int = 0,
    offset_mm: tuple[float, float] = (0.0, 0.0),
) -> bytes:
    """One PDF for the labels, starting at a position on the first page (labels already peeled off are skipped).
    offset_mm moves everything right and down, to correct a printer that does not print where it should."""
    if not 0 <= start_position < sheet.labels_per_page:
        raise LabelLayoutError(_("The first free position must be between 1 and %(last)d.", last=sheet.labels_per_page))
    font = register_font(font_path)
    out = BytesIO()
    page_width, page_height = sheet.page_size_mm
    canvas = Canvas(out, pagesize=(page_width * mm, page_height * mm), pageCompression=1)
    canvas.setTitle(sheet.name)
    canvas.setCreator("tagsvc")
    position = start_position
    for label in labels:
        if position == sheet.labels_per_page:
            canvas.showPage()
            position = 0
        x, y = sheet.label_origin_mm(position)
        _draw_label(canvas, font, sheet, label, x + offset_mm[0], y + offset_mm[1])
        position += 1
    canvas.showPage()
    canvas.save()
    return out.getvalue()


def _draw_label(canvas: Canvas, font: str, sheet: SheetDefinition, label: LabelContent, left: float, top: float) -> None:
    width, height = sheet.label_size_mm
    page_height = sheet.page_size_mm[1]

    def pdf_y(y_mm: float) -> float:  # reportlab measures from the bottom of the page
        return (page_height - y_mm) * mm

    text_fields = [f for f in ("school", "name", "asset_number", "place") if f in sheet.fields and getattr(label, f)]
    code_text = f"{label.code[:4]}-{label.code[4:]}"
    inner_w, inner_h = width - 2 * PADDING_MM, height - 2 * PADDING_MM
    side_by_side = bool(text_fields) and width > height * 1.25

    # The QR and its code under it. The QR square holds its own quiet zone, so it needs only a small margin
    # against printer drift, not the padding the text keeps.
    code_size_pt = 7.0 if height >= 25 else 6.0
    for _attempt in range(40):
        code_h = code_size_pt * PT_TO_MM * LINE_SPACING
        qr_side = min(height - 2 * QR_EDGE_MM - code_h, (width * 0.5) if side_by_side else (width - 2 * QR_EDGE_MM))
        code_w = pdfmetrics.stringWidth(code_text, font, code_size_pt) * PT_TO_MM
        if code_w <= qr_side - 2 * QUIET_ZONE_MODULES * qr_side / (label.qr.size + 2 * QUIET_ZONE_MODULES) or code_size_pt <= MIN_FONT_PT:
            break
        code_size_pt -= 0.25
    modules = label.qr.size + 2 * QUIET_ZONE_MODULES
    module = qr_side / modules
    if module < MIN_MODULE_MM:
        raise LabelLayoutError(_(
            "On %(sheet)s a QR code of %(n)d×%(n)d modules would print %(module).2f mm modules (at least 0.5 mm are "
            "needed): use a shorter public URL, a lower error correction level or larger labels.",
            sheet=sheet.name, n=label.qr.size, module=module,
        ))
    qr_left = left + (QR_EDGE_MM if side_by_side else (width - qr_side) / 2)
    qr_top = top + QR_EDGE_MM
    _draw_qr(canvas, label.qr, (qr_left + QUIET_ZONE_MODULES * module) * mm, pdf_y(qr_top + QUIET_ZONE_MODULES * module), module * mm)
    canvas.setFont(font, code_size_pt)
    code_center = qr_left + qr_side / 2
    canvas.drawCentredString(code_center * mm, pdf_y(qr_top + qr_side + code_size_pt * PT_TO_MM * 0.9), code_text)

    if not text_fields:
        return
    if side_by_side:
        box_left, box_top = qr_left + qr_side, top + PADDING_MM
        box_w, box_h = left + width - PADDING_MM - box_left, inner_h
    else:
        box_left, box_top = left + PADDING_MM, qr_top + qr_side + code_size_pt * PT_TO_MM * LINE_SPACING + 0.5
        box_w, box_h = inner_w, top + height - PADDING_MM - box_top
    blocks = [_TextBlock(f, getattr(label, f), *TEXT_STYLE[f]) for f in text_fields]
    laid_out = _fit(font, blocks, box_w, box_h)
    y = box_top
    for size, lines in laid_out:
        canvas.setFont(font, size)
        for line in lines:
            y += size * PT_TO_MM
            canvas.drawString(box_left * mm, pdf_y(y), line)
            y += size * PT_TO_MM * (LINE_SPACING - 1)


def _draw_qr(canvas: Canvas, qr: QrMatrix, left_pt: float, top_pt: float, module_pt: float) -> None:
    """The QR as one filled path in a coordinate system of one unit per module, rows growing downwards: small
    integers in the PDF (a tenth of the bytes of page coordinates), and one fill, so no seams between rows."""
    canvas.saveState()
    canvas.translate(left_pt, top_pt)
    canvas.scale(module_pt, -module_pt)
    canvas.setFillColorRGB(0, 0, 0)
    # Whole numbers need no float formatting (reportlab's would dominate the time of a large batch):
    # write the path operators ourselves, one "re" per run of dark modules, then fill once.
    canvas.addLiteral("".join(_row_path(row).replace("Y", str(y)) for y, row in enumerate(qr.rows)) + "f")
    canvas.restoreState()


@lru_cache(maxsize=1 << 16)
def _row_path(row: str) -> str:
    """The rectangles of one row's dark runs, its row number left as Y. A third of the rows of a batch of labels
    have been seen before (the finder patterns, the timing row), which makes a large job's QR codes 3 times quicker."""
    return "".join(f"{start} Y {length} 1 re\n" for _, start, length in QrMatrix((row,)).dark_runs())


def _fit(font: str, blocks: list[_TextBlock], width_mm: float, height_mm: float) -> list[tuple[float, list[str]]]:
    """Sizes and lines for the text blocks so that all fit the box: shrink everything together until the wrapped
    lines fit; below the smallest size, drop the least important blocks (place, then school) before the name."""
    candidates = [blocks]
    for drop in ("place", "school", "asset_number"):
        candidates.append([b for b in candidates[-1] if b.field != drop])
    for chosen in candidates:
        scale = 1.0
        while True:
            laid = []
            fits = True
            for block in chosen:
                size = max(block.size_pt * scale, MIN_FONT_PT)
                lines = _wrap(font, block.text, size, width_mm)
                if len(lines) > block.max_lines and size > MIN_FONT_PT:
                    fits = False
                    break
                laid.append((size, lines))
            if fits:
                used = sum(len(lines) * size * PT_TO_MM * LINE_SPACING for size, lines in laid)
                if used <= height_mm:
                    return laid
            if all(max(b.size_pt * scale, MIN_FONT_PT) == MIN_FONT_PT for b in chosen):
                break
            scale *= 0.93
    raise LabelLayoutError(_("The text “%(text)s” does not fit this label even in the smallest type.", text=blocks[0].text))


_TOKENS = re.compile(r"[A-Za-z0-9][A-Za-z0-9\-._/()]*|\s+|.")


def _wrap(font: str, text: str, size: float, width_mm: float) -> list[str]:
    """Lines no wider than the box. Chinese breaks between any two characters, Latin words between words;
    a word wider than the box breaks between letters."""
    def width(s: str) -> float:
        return pdfmetrics.stringWidth(s, font, size) * PT_TO_MM

    lines, current = [], ""
    for token in _TOKENS.findall(" ".join(text.split())):
        if width(current + token) <= width_mm:
            current += token
            continue
        if token.isspace():
            lines.append(current)
            current = ""
            continue
        if current.strip():
            lines.append(current.rstrip())
            current = ""
        for char in token:
            if width(current + char) > width_mm and current:
                lines.append(current)
                current = ""
            current += char
    if current.strip():
        lines.append(current.rstrip())
    return lines or [""]


def render_alignment_pdf(sheet: SheetDefinition, font_path: Path, offset_mm: tuple[float, float] = (0.0, 0.0)) -> bytes:
    """A test page for setting a printer's offset: every label's outline, a cross at its centre and its
    number, drawn where labels will print (offset included). Printed on the label sheet itself, the outlines
    should follow the die cuts; a millimetre scale along each outline's top and left edges reads how far off
    they are."""
    font = register_font(font_path)
    out = BytesIO()
    page_width, page_height = sheet.page_size_mm
    canvas = Canvas(out, pagesize=(page_width * mm, page_height * mm))
    canvas.setTitle(_("Alignment test page: %(sheet)s", sheet=sheet.name))
    canvas.setCreator("tagsvc")
    width, height = sheet.label_size_mm
    positions = range(min(sheet.labels_per_page, 1 if sheet.kind != "sheet" else sheet.labels_per_page))
    for position in positions:
        x, y = sheet.label_origin_mm(position)
        left, top = x + offset_mm[0], y + offset_mm[1]
        canvas.setLineWidth(0.2)
        canvas.rect(left * mm, (page_height - top - height) * mm, width * mm, height * mm)
        cx, cy = left + width / 2, page_height - top - height / 2
        canvas.line((cx - 3) * mm, cy * mm, (cx + 3) * mm, cy * mm)
        canvas.line(cx * mm, (cy - 3) * mm, cx * mm, (cy + 3) * mm)
        for tick in range(0, 6):  # a 5 mm scale inside the top-left corner, one tick per millimetre
            length = 2.0 if tick % 5 == 0 else 1.0
            canvas.line((left + tick) * mm, (page_height - top) * mm, (left + tick) * mm, (page_height - top - length) * mm)
            canvas.line(left * mm, (page_height - top - tick) * mm, (left + length) * mm, (page_height - top - tick) * mm)
        canvas.setFont(font, 7)
        canvas.drawCentredString(cx * mm, (cy - 6) * mm, str(position + 1))
    canvas.setFont(font, 6)
    note = _("Offset now: right %(x)s mm, down %(y)s mm", x=f"{offset_mm[0]:+.1f}", y=f"{offset_mm[1]:+.1f}")
    # Written in the first label, under its number: the page's own margins may be too narrow to print in.
    x, y = sheet.label_origin_mm(0)
    canvas.drawString((x + offset_mm[0] + PADDING_MM) * mm, (page_height - y - offset_mm[1] - sheet.label_size_mm[1] + PADDING_MM) * mm, note)
    canvas.showPage()
    canvas.save()
    return out.getvalue()
