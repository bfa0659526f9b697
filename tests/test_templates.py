"""What every page shares: tagsvc speaks for its own forms, in the person's language."""
import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"


def test_every_form_leaves_its_messages_to_tagsvc_not_the_browser():
    # Browser bubbles ("Please fill out this field") speak the browser's language and skip our checks' words.
    missing = [
        f"{path.relative_to(TEMPLATES)}: {tag[:60]}"
        for path in TEMPLATES.rglob("*.html")
        for tag in re.findall(r"<form\b[^>]*>", path.read_text(encoding="utf-8"))
        if "novalidate" not in tag
    ]
    assert missing == []


def test_a_refusal_page_says_who_is_signed_in_and_where_to_go(client, login_as, app):
    from tagsvc.accounts.models import Role
    from tests.factories import make_user

    login_as(make_user(Role.STAFF, display_name="陈静"))
    page = client.get("/admin/users")
    text = page.get_data(as_text=True)
    assert page.status_code == 403 and "Not allowed" in text and "You are signed in as 陈静 (Teacher / staff)" in text
    assert 'href="/"' in text


def test_signed_in_pages_link_their_stylesheet_under_a_name_that_changes_with_it(client, login_as, app):
    import re

    from tagsvc.accounts.models import Role
    from tests.factories import make_user

    login_as(make_user(Role.ADMIN))
    page = client.get("/assets").get_data(as_text=True)
    href = re.search(r'<link rel="stylesheet" href="(/static/staff\.css\?v=[0-9a-f]{12})">', page).group(1)
    css = client.get(href)
    assert css.status_code == 200 and css.mimetype == "text/css" and "table.list" in css.get_data(as_text=True)
    assert ".menu-toggle" in page  # the header's own rules stay inline


def test_the_public_scan_page_carries_no_signed_in_styles(client, app):
    from tests.factories import make_asset

    page = client.get(f"/t/{make_asset().current_tag.code}").get_data(as_text=True)
    assert ".menu-toggle" not in page and "table.list" not in page and "<link" not in page.replace('<link rel="icon"', "")
