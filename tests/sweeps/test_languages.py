"""Every page in both languages, for the public and for each role: no interface text of the other language. The
names people typed (departments, places, items, people) are data and stay as typed; what the system writes into
records (history notes, a stocktake's scope, a broken return's report) is said in the reader's language.

How a leak is found: on an English page, a run of Chinese that is neither data nor Chinese the English interface
itself uses (its glosses, such as 账物相符率); on a Chinese page, an English word that is neither data nor English
the Chinese interface uses (Excel, PDF, tagsvc)."""
from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from sqlalchemy import JSON, String, Text, select

from tagsvc.extensions import Base, db
from tagsvc.i18n.views import COOKIE
from tagsvc.ledger.models import LedgerEvent
from tests.conftest import TEST_PASSWORD
from tests.sweeps.world import build_world, page_urls

CATALOG = Path(__file__).resolve().parents[2] / "tagsvc" / "translations" / "zh" / "LC_MESSAGES" / "messages.po"
CHINESE = re.compile(r"[\u3400-\u9fff\u3000-\u303f\uff01-\uff5e]+")
ENGLISH_WORD = re.compile(r"(?<![A-Za-z0-9_./#-])[A-Za-z]{2,}(?:'[a-z]+)?(?![A-Za-z0-9_/-])")
PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|%[sd]|\{\w*\}")
# The language switch names each language in itself.
OWN_NAMES = {"中文", "English"}
# Columns that hold messages the system says when read, not data (see tagsvc.i18n.messages).
SAID_WHEN_READ = {(LedgerEvent.__tablename__, "note_message")}


class _Readable(HTMLParser):
    """What a person reads on a page: its text, the title, placeholders, labels read aloud, image descriptions, and
    the words a page's script shows later (the "words" of its JSON data)."""

    SKIPPED = {"script", "style", "template"}

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skipping = 0
        self._json = False
        self._script = ""

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        for name in ("title", "placeholder", "aria-label", "alt"):
            if values.get(name):
                self.parts.append(values[name])
        if tag == "input" and values.get("type") in ("submit", "button") and values.get("value"):
            self.parts.append(values["value"])
        if tag in self.SKIPPED:
            self._skipping += 1
            self._json = tag == "script" and values.get("type") == "application/json"
            self._script = ""

    def handle_endtag(self, tag):
        if tag in self.SKIPPED and self._skipping:
            self._skipping -= 1
            if self._json:
                self.parts.extend(_words_of(json.loads(self._script or "{}")))
            self._json = False

    def handle_data(self, data):
        if self._skipping:
            self._script += data
        else:
            self.parts.append(data)


def _words_of(value) -> list[str]:
    if isinstance(value, dict):
        return [w for key, item in value.items() for w in (_strings(item) if key == "words" else _words_of(item))]
    if isinstance(value, list):
        return [w for item in value for w in _words_of(item)]
    return []


def _strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for item in value.values() for s in _strings(item)]
    return []


def readable(html: str) -> str:
    reader = _Readable()
    reader.feed(html)
    return "\n".join(reader.parts)


def _data_strings() -> str:
    """Every string the database holds (names, notes, codes, JSON values), but the messages said when read."""
    found: set[str] = set()
    for table in Base.metadata.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, String | Text | JSON) and (table.name, c.name) not in SAID_WHEN_READ]
        if not columns:
            continue
        for row in db.session.execute(select(*columns)):
            for value in row:
                found.update(_strings_in(value))
    return "\x00".join(sorted(found))


def _strings_in(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        if "described" in value:  # a stocktake's scope: its words are said when read
            value = {k: v for k, v in value.items() if k != "described"}
        return [s for item in value.values() for s in _strings_in(item)]
    if isinstance(value, list):
        return [s for item in value for s in _strings_in(item)]
    return []


def _interface() -> tuple[str, set[str]]:
    """The English interface (msgids: the Chinese it uses on purpose) and the English words of the Chinese one."""
    with CATALOG.open("rb") as file:
        catalog = read_po(file)
    english, chinese_words = [], set()
    for entry in catalog:
        ids = entry.id if isinstance(entry.id, tuple) else (entry.id,)
        strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        english.extend(i for i in ids if i)
        for string in strings:
            chinese_words.update(ENGLISH_WORD.findall(PLACEHOLDER.sub(" ", string or "")))
    return "\x00".join(english), chinese_words


def leaks(text: str, language: str, data: str, english_interface: str, chinese_words: set[str]) -> list[str]:
    text = PLACEHOLDER.sub(" ", text)  # a script's words keep their placeholders until it fills them
    if language == "en":
        found = [run for run in CHINESE.findall(text) if run not in OWN_NAMES and run not in data and run not in english_interface]
    else:
        found = [word for word in ENGLISH_WORD.findall(text) if word not in OWN_NAMES and word not in chinese_words and word not in data]
    return sorted(set(found))


@pytest.fixture
def world(app):
    return build_world()


@pytest.mark.parametrize("role", ["anonymous", "office", "keeper", "staff", "repairer", "district"])
def test_every_page_speaks_one_language(app, world, role):
    data = _data_strings()
    english_interface, chinese_words = _interface()
    found, seen = {}, 0
    for language in ("zh", "en"):
        client = app.test_client()  # a browser of each language (a flash said in one is read in the same one)
        client.set_cookie(COOKIE, language)
        if role != "anonymous":
            user = getattr(world, role)
            assert client.post("/login", data={"username": user.username, "password": TEST_PASSWORD}).status_code == 302
        for _endpoint, url in page_urls(app, world):
            if url.startswith("/api/v1/"):
                continue  # answers for programs (their messages follow the same catalog)
            response = client.get(url)
            if response.status_code != 200 or not (response.content_type or "").startswith("text/html"):
                continue
            seen += 1
            if wrong := leaks(readable(response.get_data(as_text=True)), language, data, english_interface, chinese_words):
                found[f"{language} {url}"] = wrong
    assert seen > (20 if role == "anonymous" else 60)
    assert found == {}


def test_the_sweep_finds_a_word_of_the_other_language(app):
    """The sweep itself: an untranslated English phrase on a Chinese page, and Chinese interface text on an English
    page, are found; names are not."""
    english_interface, chinese_words = _interface()
    data = "\x00".join(["教务处", "王小明", "Room 101"])
    assert leaks("教务处 · 王小明 · 请先登录 JY-1", "en", data, english_interface, chinese_words) == ["请先登录"]
    assert leaks("借用 Room 101 · Due back on 2026-12-05 · 用 Excel 导出", "zh", data, english_interface, chinese_words) == ["Due", "back", "on"]
    assert leaks("Reconciliation (账物相符率)", "en", data, english_interface, chinese_words) == []


def test_what_the_system_wrote_is_read_in_the_readers_language(app, world):
    """Written while the school's language was Chinese, read by an English reader: the loan's history line, the
    broken return's report and the stocktake's scope are in English, the names in them as typed."""
    from tagsvc.loans.models import Handout
    from tagsvc.repairs.models import DamageReport
    from tagsvc.stocktake.models import Stocktake

    report = db.session.scalar(select(DamageReport).where(DamageReport.handout_id.is_not(None)))
    loan = db.session.get(Handout, report.handout_id)
    stocktake = db.session.scalar(select(Stocktake).order_by(Stocktake.id))
    pages = {}
    for language in ("en", "zh"):
        client = app.test_client()
        client.set_cookie(COOKIE, language)
        client.post("/login", data={"username": world.office.username, "password": TEST_PASSWORD})
        pages[language] = [readable(client.get(url).get_data(as_text=True))
                           for url in (f"/assets/{report.asset_id}", f"/repairs/{report.id}", f"/stocktakes/{stocktake.id}")]
    history, report_page, overview = pages["en"]
    assert f"{loan.number}: 王小明 (高一(3)班), due back on" in history
    assert f"Damaged on return from loan {loan.number}: 屏幕裂了" in report_page
    assert re.search(r"(Departments|Places|Categories|Property kinds): |The whole school", overview)
    history, report_page, overview = pages["zh"]
    assert f"{loan.number}：王小明 (高一(3)班)，" in history and " 归还" in history
    assert f"借用单 {loan.number} 归还时发现损坏：屏幕裂了" in report_page
    assert re.search(r"(部门|地点|资产分类|资产类型)：|全校", overview)
