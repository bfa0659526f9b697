"""Both languages: the choice follows the browser, can be switched on every page, and is remembered."""
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

from tests.factories import make_asset

ROOT = Path(__file__).resolve().parent.parent


def test_chinese_browser_gets_chinese(client, app):
    code = make_asset(name="书柜").current_tag.code
    page = client.get(f"/t/{code}", headers={"Accept-Language": "zh-CN,zh;q=0.9"}).get_data(as_text=True)
    assert "资产编号" in page and "在用" in page and 'lang="zh-Hans"' in page


def test_english_browser_gets_english(client, app):
    code = make_asset().current_tag.code
    page = client.get(f"/t/{code}", headers={"Accept-Language": "en-GB,en;q=0.9"}).get_data(as_text=True)
    assert "Asset number" in page and "In use" in page


def test_default_language_is_chinese_unless_configured(make_app):
    client = make_app(DEFAULT_LANGUAGE="zh").test_client()
    assert "登录" in client.get("/").get_data(as_text=True)


def test_switching_language_is_remembered(client, app):
    response = client.get("/lang/zh?next=/t")
    assert response.status_code == 302 and response.headers["Location"] == "/t"
    page = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "学校资产标签" in page and "English" in page


def test_language_switch_never_redirects_off_site(client, app):
    assert client.get("/lang/en?next=https://evil.example/").headers["Location"] == "/"


def test_every_string_a_person_reads_has_a_chinese_translation(tmp_path):
    """Extract the messages from the code as they are now, and check the catalog covers every one."""
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", "--ignore-dirs=.* .venv", "-F", "babel.cfg", "-k", "_l", "-k", "N_", "-o", str(pot), "."],
        cwd=ROOT, check=True, capture_output=True,
    )
    with pot.open("rb") as f:
        wanted = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(f) if m.id}
    with (ROOT / "tagsvc/translations/zh/LC_MESSAGES/messages.po").open("rb") as f:
        catalog = read_po(f)
    translated = {
        (m.id if isinstance(m.id, str) else m.id[0])
        for m in catalog
        if m.id and not m.fuzzy and (all(m.string) if isinstance(m.string, tuple) else m.string)
    }
    assert sorted(wanted - translated) == []


def test_no_text_is_translated_inside_an_f_string():
    """The message extractor does not look into f-strings: "Nothing matches…" inside one stayed English on Chinese pages.
    Sweep: every gettext call in the code stands outside any f-string, where the catalog test above sees it."""
    import ast

    names = {"_", "gettext", "ngettext", "lazy_gettext", "_l", "N_", "pgettext"}
    hidden = []
    for path in (ROOT / "tagsvc").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.JoinedStr):
                hidden += [f"{path.relative_to(ROOT)}:{inner.lineno}" for inner in ast.walk(node)
                           if isinstance(inner, ast.Call) and isinstance(inner.func, ast.Name) and inner.func.id in names]
    assert hidden == []


def test_the_pickers_words_are_in_the_readers_language(client, app):
    from tagsvc.accounts.models import Role
    from tests.conftest import TEST_PASSWORD
    from tests.factories import make_user

    user = make_user(Role.ADMIN)
    client.post("/login", data={"username": user.username, "password": TEST_PASSWORD})
    client.get("/lang/zh")
    page = client.get("/assets/new").get_data(as_text=True)
    assert 'data-empty="没有匹配的结果。请输入名称的其他部分。"' in page and "如 课桌椅" in page and "如 301" in page
