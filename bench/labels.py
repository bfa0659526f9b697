"""Benchmark: label sheets. Run by hand:  .venv/bin/python bench/labels.py [--labels 1000] [--big 10000]

Prints, for N labels on A4 3x8 with Chinese names and QR matrices already stored: seconds and bytes of the
tagsvc PDF, beside the naive way (a PNG image of each QR placed on the page) measured in the same run; then
the peak memory of rendering --big labels in a fresh process. Budgets (issue 3): at most 1.0 s and 500 KB for
1,000 labels; 10,000 labels complete with memory below 300 MB.
"""
from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import time
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

NAMES = ["多媒体投影仪", "课桌椅（单人）", "学生床（上下铺）", "交互式电子白板 希沃 MAX 86英寸", "HP LaserJet M1136 激光打印机", "干粉灭火器", "独轮车", "五层钢制书柜"]


def make_labels(count: int):
    from tagsvc.labels.qr import label_url, qr_matrix
    from tagsvc.tags.services import new_tag_code

    labels = []
    for i in range(count):
        code = new_tag_code()
        # Stored matrices: parse what a tag keeps, as printing does.
        matrix = qr_matrix(label_url("https://tags.example.edu", code)).serialize()
        labels.append((code, matrix, NAMES[i % len(NAMES)], f"JX-2024-{i:05d}"))
    return labels


def contents(labels):
    from tagsvc.labels.pdf import LabelContent
    from tagsvc.labels.qr import QrMatrix


    return [LabelContent(code=c, qr=QrMatrix.parse(m), name=n, asset_number=a, place="本部校区 › 教学楼 › 3F › 301", school="南京市第一中学")
            for c, m, n, a in labels]


def naive_pdf(sheet, labels, font_path) -> bytes:
    """What most tools do: draw each QR as a PNG (qrcode + Pillow) and place the image on the page."""
    import qrcode
    from reportlab.lib.units import mm
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen.canvas import Canvas

    from tagsvc.labels.pdf import register_font
    from tagsvc.labels.qr import label_url

    font = register_font(font_path)
    out = BytesIO()
    canvas = Canvas(out, pagesize=(sheet.page_size_mm[0] * mm, sheet.page_size_mm[1] * mm))
    for index, (code, _matrix, name, number) in enumerate(labels):
        position = index % sheet.labels_per_page
        if index and position == 0:
            canvas.showPage()
        x, y = sheet.label_origin_mm(position)
        png = BytesIO()
        qrcode.make(label_url("https://tags.example.edu", code), box_size=10, border=4).save(png, format="PNG")
        png.seek(0)
        top = sheet.page_size_mm[1] - y
        canvas.drawImage(ImageReader(png), (x + 1) * mm, (top - 33) * mm, 30 * mm, 30 * mm)
        canvas.setFont(font, 9)
        canvas.drawString((x + 33) * mm, (top - 8) * mm, name[:10])
        canvas.setFont(font, 7)
        canvas.drawString((x + 33) * mm, (top - 12) * mm, number)
        canvas.drawString((x + 33) * mm, (top - 35) * mm, code)
    canvas.showPage()
    canvas.save()
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--labels", type=int, default=1000)
    parser.add_argument("--big", type=int, default=10000)
    parser.add_argument("--memory-child", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()

    from tagsvc.config import Config
    from tagsvc.labels.pdf import render_pdf
    from tagsvc.labels.sheets import load_sheet

    font = Config({}).LABEL_FONT
    sheet = load_sheet(ROOT / "labels" / "a4-3x8.toml")

    if args.memory_child:
        pdf = render_pdf(sheet, contents(make_labels(args.memory_child)), font)
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"{len(pdf)} {peak_mb:.0f}")
        return

    labels = make_labels(args.labels)
    render_pdf(sheet, contents(labels[:24]), font)  # load the font once, as a running server has
    started = time.perf_counter()
    pdf = render_pdf(sheet, contents(labels), font)
    ours = time.perf_counter() - started
    started = time.perf_counter()
    naive = naive_pdf(sheet, labels, font)
    theirs = time.perf_counter() - started
    print(f"{args.labels:,} labels on {sheet.name}, Chinese names, QR matrices stored:")
    print(f"  tagsvc (vector QR, font subset)  {ours:6.2f} s  {len(pdf) / 1024:8.0f} KB   (budget 1.0 s, 500 KB)")
    print(f"  naive (a PNG per label)          {theirs:6.2f} s  {len(naive) / 1024:8.0f} KB")
    result = subprocess.run([sys.executable, __file__, "--memory-child", str(args.big)], capture_output=True, text=True, check=True)
    size, peak = result.stdout.split()
    print(f"{args.big:,} labels: {int(size) / 1024 / 1024:.1f} MB PDF, peak memory {peak} MB (budget 300 MB)")


if __name__ == "__main__":
    main()
