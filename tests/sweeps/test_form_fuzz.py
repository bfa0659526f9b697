"""Every form the app shows, posted by every role with what no form should carry: a NUL, 10,000 characters, emoji,
right-to-left text, numbers no field can hold and dates that do not exist. No answer is a server error. The forms are
found on the pages themselves (every page from the URL map, filled from a whole demo school), so a new form is
swept the day it appears."""
from __future__ import annotations

from html.parser import HTMLParser
from io import BytesIO
from urllib.parse import urljoin, urlsplit

import pytest

from tests.conftest import TEST_PASSWORD
from tests.sweeps.world import build_world, page_urls

PAYLOADS = {
    "nul": "a\x00b",
    "long": "长" * 10_000,
    "emoji": "😀👍🏽🏫",
    "right-to-left": "\u202eexe.jpg مرحبا שלום",
    "not a number": "NaN",
    "too large": "1e309",
    "negative": "-99999999999999999999",
    "no such date": "2026-02-30",
}


class _Forms(HTMLParser):
    """Each POST form: its action, whether it sends files, its fields, and the named buttons that submit it."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._form: dict | None = None

    def handle_starttag(self, tag, attrs) -> None:
        a = dict(attrs)
        if tag == "form":
            self._form = None
            if (a.get("method") or "get").lower() == "post":
                self._form = {"action": a.get("action") or "", "multipart": "multipart" in (a.get("enctype") or ""), "fields": {},
                              "files": [], "buttons": []}
                self.forms.append(self._form)
        elif self._form is not None and a.get("name"):
            name = a["name"]
            kind = (a.get("type") or "").lower()
            if tag == "button" or kind == "submit":
                self._form["buttons"].append((name, a.get("value") or ""))
            elif kind == "file":
                self._form["files"].append(name)
            elif tag in ("input", "select", "textarea"):
                self._form["fields"].setdefault(name, a.get("value") or "")

    def handle_endtag(self, tag) -> None:
        if tag == "form":
            self._form = None


def forms_on(url: str, html: str) -> list[dict]:
    reader = _Forms()
    reader.feed(html)
    for form in reader.forms:
        form["action"] = urlsplit(urljoin(url, form["action"] or url))._replace(scheme="", netloc="").geturl()
    return reader.forms


def _posts(form: dict, payload: str):
    """The form's fields all set to the payload (the CSRF token kept), once for each named button."""
    data = {name: (value if name == "csrf_token" else payload) for name, value in form["fields"].items()}
    for button in form["buttons"] or [None]:
        body = dict(data)
        if button is not None:
            body[button[0]] = button[1]
        if form["multipart"] or form["files"]:
            for name in form["files"]:
                body[name] = (BytesIO(payload.encode("utf-8", "surrogatepass")), "photo.jpg")
            yield body, "multipart/form-data"
        else:
            yield body, None


@pytest.mark.parametrize("role", ["anonymous", "staff", "repairer", "keeper", "office"])
def test_no_form_answers_any_input_with_a_server_error(app, client, role):
    world = build_world()
    user = {"staff": world.staff, "repairer": world.repairer, "keeper": world.keeper, "office": world.office}.get(role)
    if user is not None:
        assert client.post("/login", data={"username": user.username, "password": TEST_PASSWORD}).status_code == 302
    forms: dict[str, dict] = {}  # one form per action and button set: the same form on many pages is posted once
    for _endpoint, url in page_urls(app, world):
        response = client.get(url)
        if response.status_code != 200 or "html" not in (response.content_type or ""):
            continue
        for form in forms_on(url, response.get_data(as_text=True)):
            if form["action"].startswith(("/logout", "/account/sign-out-everywhere")):
                continue  # would end this role's sign-in half-way; posted last
            forms.setdefault(f"{form['action']} {sorted(form['fields'])} {form['buttons']}", form)
    assert len(forms) >= (2 if role == "anonymous" else 5)
    errors = []
    for form in forms.values():
        for kind, payload in PAYLOADS.items():
            for body, content_type in _posts(form, payload):
                response = client.post(form["action"], data=body, content_type=content_type)
                if response.status_code >= 500:
                    errors.append((form["action"], kind, response.status_code))
    assert errors == []


@pytest.mark.parametrize("url", ["/login?next=%00", "/assets?q=a%00b", "/pick/locations?q=%00", "/register/export.xlsx?q=%00",
                                 "/t/ABCD%00/report", "/api/v1/stocktakes/1/devices/%00", "/t?code=%E2%80%AE"])
def test_a_nul_or_a_direction_override_anywhere_in_the_address_is_a_clear_400(client, login_as, app, url):
    from tagsvc.accounts.models import Role
    from tests.factories import make_user

    login_as(make_user(Role.ADMIN))
    response = client.open(url, method="PUT" if "/devices/" in url else "GET", json={"pending": 0} if "/devices/" in url else None)
    assert response.status_code in (400, 422) and "cannot be typed" in response.get_data(as_text=True)
