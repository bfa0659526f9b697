"""Label PDFs read back the way a printer and a phone would: rasterised at 300 dpi and decoded with zxing-cpp."""
from io import BytesIO

import pypdfium2 as pdfium
import pytest
import zxingcpp
from PIL import Image, ImageFilter

from tagsvc.config import PROJECT_ROOT, Config
from tagsvc.labels.pdf import LabelContent, LabelLayoutError, render_pdf
from tagsvc.labels.qr import label_url, qr_matrix
from tagsvc.labels.sheets import load_sheet, load_sheets
from tagsvc.tags.services import new_tag_code

SHEETS = load_sheets(PROJECT_ROOT / "labels")
FONT = Config({}).LABEL_FONT
BASE = "https://tags.example.edu"
DPI = 300
NAMES = ["多媒体投影仪", "课桌椅（单人）", "学生床（上下铺）", "交互式电子白板 希沃 MAX 86英寸 教学一体机（会议室专用）", "HP LaserJet M1136 激光打印机", "干粉灭火器", "独轮车"]


def make_labels(count: int) -> list[LabelContent]:
    labels = []
    for i in range(count):
        code = new_tag_code()
        labels.append(LabelContent(
            code=code, qr=qr_matrix(label_url(BASE, code)), name=NAMES[i % len(NAMES)],
            asset_number=f"JX-2024-{i:04d}", place="本部校区 › 教学楼 › 3F › 301", school="南京市第一中学",
        ))
    return labels


def read_qr(image: Image.Image):
    # QR codes only: on a page of random-looking modules a 1D reader can now and then "find" a stray barcode.
    return zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)


def rasterise(pdf: bytes, page: int = 0) -> Image.Image:
    return pdfium.PdfDocument(pdf)[page].render(scale=DPI / 72).to_pil().convert("L")


def label_box_px(sheet, position: int, offset=(0.0, 0.0)) -> tuple[int, int, int, int]:
    x, y = sheet.label_origin_mm(position)
    w, h = sheet.label_size_mm
    px = DPI / 25.4
    return (round((x + offset[0]) * px), round((y + offset[1]) * px), round((x + offset[0] + w) * px), round((y + offset[1] + h) * px))


def phone_photo(image: Image.Image, modules: int) -> Image.Image:
    """About 3.5 pixels per module, blurred, turned 15 degrees, saved as a poor JPEG."""
    corners = read_qr(image)[0].position  # where the QR is, to scale it precisely
    qr_width_px = corners.top_right.x - corners.top_left.x
    scale = 3.5 / (qr_width_px / modules)
    small = image.resize((max(1, round(image.width * scale)), max(1, round(image.height * scale))), Image.LANCZOS)
    blurred = small.filter(ImageFilter.GaussianBlur(0.8)).rotate(15, expand=True, fillcolor=255, resample=Image.BICUBIC)
    out = BytesIO()
    blurred.save(out, format="JPEG", quality=40)
    return Image.open(BytesIO(out.getvalue()))


@pytest.mark.parametrize("slug", sorted(SHEETS))
def test_every_qr_on_a_full_page_decodes_to_its_url(slug):
    sheet = SHEETS[slug]
    labels = make_labels(sheet.labels_per_page)
    page = rasterise(render_pdf(sheet, labels, FONT))
    # Read as one picture, a page of 21 codes can also yield a "ghost" (finder patterns of neighbouring labels taken for
    # one small symbol: "7222" once failed CI); what matters is that every label's own address is read, once.
    decoded = sorted(result.text for result in read_qr(page) if "/T/" in result.text)
    assert decoded == sorted(label_url(BASE, label.code) for label in labels)


@pytest.mark.parametrize("slug", sorted(SHEETS))
def test_every_label_still_decodes_from_a_poor_phone_photo(slug):
    sheet = SHEETS[slug]
    labels = make_labels(sheet.labels_per_page)
    page = rasterise(render_pdf(sheet, labels, FONT))
    for position, label in enumerate(labels):
        photo = phone_photo(page.crop(label_box_px(sheet, position)), label.qr.size)
        assert [r.text for r in read_qr(photo)] == [label_url(BASE, label.code)], f"{slug} position {position}"


@pytest.mark.parametrize("slug", sorted(SHEETS))
def test_text_stays_inside_each_label_and_chinese_names_can_be_extracted(slug):
    sheet = SHEETS[slug]
    labels = make_labels(sheet.labels_per_page)
    document = pdfium.PdfDocument(render_pdf(sheet, labels, FONT))
    text_page = document[0].get_textpage()
    page_height_pt = sheet.page_size_mm[1] / 25.4 * 72
    boxes = []
    for position in range(sheet.labels_per_page):
        x, y = sheet.label_origin_mm(position)
        w, h = sheet.label_size_mm
        boxes.append((x / 25.4 * 72, page_height_pt - (y + h) / 25.4 * 72, (x + w) / 25.4 * 72, page_height_pt - y / 25.4 * 72))
    for i in range(text_page.count_chars()):
        left, bottom, right, top = text_page.get_charbox(i)
        if right - left == 0:
            continue  # line breaks the extractor adds
        centre = ((left + right) / 2, (bottom + top) / 2)
        box = next((b for b in boxes if b[0] <= centre[0] <= b[2] and b[1] <= centre[1] <= b[3]), None)
        assert box is not None, f"character {i} is outside every label"
        assert box[0] - 0.1 <= left and right <= box[2] + 0.1 and box[1] - 0.1 <= bottom and top <= box[3] + 0.1
    text = "".join(text_page.get_text_range().split())
    for label in labels:
        assert label.code[:4] + "-" + label.code[4:] in text
        if "name" in sheet.fields:
            assert "".join(label.name.split()) in text


def test_the_font_is_embedded_and_the_qr_is_vector():
    pdf = render_pdf(SHEETS["a4-3x8"], make_labels(24), FONT)
    assert b"/FontFile2" in pdf  # the TrueType glyphs travel with the document
    objects = list(pdfium.PdfDocument(pdf)[0].get_objects())
    assert objects and not [o for o in objects if o.type == pdfium.raw.FPDF_PAGEOBJ_IMAGE]


def test_printing_starts_at_the_first_free_position_and_continues_on_new_pages():
    sheet = SHEETS["a4-3x8"]
    labels = make_labels(30)
    document = pdfium.PdfDocument(render_pdf(sheet, labels, FONT, start_position=5))
    assert len(document) == 2
    first_page = document[0].render(scale=DPI / 72).to_pil().convert("L")
    assert not read_qr(first_page.crop(label_box_px(sheet, 4)))  # peeled-off positions stay blank
    assert read_qr(first_page.crop(label_box_px(sheet, 5)))[0].text == label_url(BASE, labels[0].code)
    second_page = document[1].render(scale=DPI / 72).to_pil().convert("L")
    assert len(read_qr(second_page)) == 30 - 19
    assert read_qr(second_page.crop(label_box_px(sheet, 0)))[0].text == label_url(BASE, labels[19].code)


def test_printer_offset_moves_every_label():
    sheet = SHEETS["a4-3x8"]
    labels = make_labels(1)
    plain = read_qr(rasterise(render_pdf(sheet, labels, FONT)))[0].position.top_left
    moved = read_qr(rasterise(render_pdf(sheet, labels, FONT, offset_mm=(2.0, 3.0))))[0].position.top_left
    px = DPI / 25.4
    assert moved.x - plain.x == pytest.approx(2.0 * px, abs=2) and moved.y - plain.y == pytest.approx(3.0 * px, abs=2)


def test_upper_case_url_needs_a_smaller_qr():
    code = new_tag_code()
    assert qr_matrix(label_url(BASE, code)).size == 25  # version 2
    assert qr_matrix(label_url(BASE, code, uppercase=False)).size == 29  # version 3


def test_a_qr_too_dense_for_the_sheet_is_refused_not_printed_blurry():
    code = new_tag_code()
    long_url = label_url("https://assets.nanjing-first-middle-school.example.edu.cn/inventory", code)
    label = LabelContent(code=code, qr=qr_matrix(long_url, "H"))
    with pytest.raises(LabelLayoutError, match="at least 0.5 mm"):
        render_pdf(SHEETS["a4-5x13"], [label], FONT)


def test_start_position_outside_the_sheet_is_refused():
    with pytest.raises(LabelLayoutError):
        render_pdf(load_sheet(PROJECT_ROOT / "labels" / "a4-3x8.toml"), make_labels(1), FONT, start_position=24)


@pytest.mark.parametrize("slug", ["thermal-50x30", "thermal-40x30", "thermal-60x40", "roll-62"])
def test_thermal_labels_as_300_dpi_black_and_white_pngs(slug):
    from tagsvc.labels.png import render_pngs

    sheet = SHEETS[slug]
    labels = make_labels(3)
    pngs = render_pngs(sheet, labels, FONT)
    assert len(pngs) == 3
    for png, label in zip(pngs, labels, strict=True):
        image = Image.open(BytesIO(png))
        width_mm, height_mm = sheet.label_size_mm
        assert image.mode == "1" and image.info["dpi"] == pytest.approx((300, 300), abs=0.1)
        assert image.size == (pytest.approx(width_mm / 25.4 * 300, abs=1), pytest.approx(height_mm / 25.4 * 300, abs=1))
        assert [r.text for r in read_qr(image.convert("L"))] == [label_url(BASE, label.code)]


def test_pngs_are_not_made_for_sheets():
    from tagsvc.labels.png import render_pngs

    with pytest.raises(LabelLayoutError, match="thermal"):
        render_pngs(SHEETS["a4-3x8"], make_labels(1), FONT)
