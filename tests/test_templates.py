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
