"""The browser libraries in tagsvc/static/vendor are exactly the npm releases we chose, with their licences, and
the decoder's wasm is the one its ponyfill expects: a wrong wasm crashes every frame (see FIELD-NOTES)."""
import hashlib
import re
from pathlib import Path

import pytest

VENDOR = Path(__file__).resolve().parent.parent / "tagsvc" / "static" / "vendor"
FILES = {
    "barcode-detector-3.2.2/ponyfill.js": "e3aa2057178b8ea71dd97003270331bbcb46499197b68bc0c7dd18e40c0863ea",
    "zxing-wasm-3.1.3/zxing_reader.wasm": "2ebda08a93eea3efcd8399cda6b276e6a0b1de4fec60b4d8988a047de4c6d1ba",
    "idb-8.0.4/umd.js": "84a1b83a821969a36592964874997757d8bde798dc1b89a5891391bd29e5c08c",
}


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("name, digest", FILES.items())
def test_each_vendored_file_is_the_released_one_with_its_licence(name, digest):
    path = VENDOR / name
    assert sha256(path) == digest
    assert "MIT License" in (path.parent / "LICENSE").read_text() or "ISC License" in (path.parent / "LICENSE").read_text()
    assert digest in (VENDOR / "README.md").read_text()


def test_the_wasm_is_the_one_the_ponyfill_was_built_for():
    ponyfill = (VENDOR / "barcode-detector-3.2.2" / "ponyfill.js").read_text()
    expected = set(re.findall(r"[0-9a-f]{64}", ponyfill))
    assert sha256(VENDOR / "zxing-wasm-3.1.3" / "zxing_reader.wasm") in expected


def test_nothing_else_is_in_the_vendor_folder():
    present = {p.relative_to(VENDOR).as_posix() for p in VENDOR.rglob("*") if p.is_file() and p.name not in ("LICENSE", "README.md")}
    assert present == set(FILES)


def test_the_wasm_is_served_as_wasm(client, app):
    # Browsers compile a .wasm while it downloads only when it comes as application/wasm.
    answer = client.get("/static/vendor/zxing-wasm-3.1.3/zxing_reader.wasm")
    assert answer.status_code == 200 and answer.content_type == "application/wasm"


def test_the_decoder_travels_compressed(client, app):
    """Over a school's Wi-Fi the decoder is the heaviest thing a phone fetches: it goes gzipped."""
    import gzip

    answer = client.get("/static/vendor/zxing-wasm-3.1.3/zxing_reader.wasm", headers={"Accept-Encoding": "gzip"})
    body = answer.get_data()
    assert answer.headers["Content-Encoding"] == "gzip" and len(body) < 500_000
    assert hashlib.sha256(gzip.decompress(body)).hexdigest() == FILES["zxing-wasm-3.1.3/zxing_reader.wasm"]
