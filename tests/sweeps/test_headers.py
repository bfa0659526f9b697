"""Headers on every answer (no framing, no sniffing, no Referer to other sites, a policy of the school's own server),
swept over every page from the URL map for the public and the office; and every way back ("next") stays on the site."""
from __future__ import annotations

import pytest

from tagsvc.accounts.models import Role
from tests.conftest import TEST_PASSWORD
from tests.factories import make_asset, make_user
from tests.sweeps.world import build_world, page_urls


def _has_every_header(response) -> list[str]:
    missing = []
    policy = response.headers.get("Content-Security-Policy", "")
    if response.headers.get("X-Frame-Options") != "DENY":
        missing.append("X-Frame-Options")
    if "frame-ancestors 'none'" not in policy or "default-src 'self'" not in policy:
        missing.append("Content-Security-Policy")
    if response.headers.get("X-Content-Type-Options") != "nosniff":
        missing.append("X-Content-Type-Options")
    if response.headers.get("Referrer-Policy") != "same-origin":
        missing.append("Referrer-Policy")
    return missing


@pytest.mark.parametrize("role", ["anonymous", "office"])
def test_every_answer_carries_the_security_headers(app, client, role):
    world = build_world()
    if role == "office":
        assert client.post("/login", data={"username": world.office.username, "password": TEST_PASSWORD}).status_code == 302
    urls = [url for _endpoint, url in page_urls(app, world)] + ["/static/app.css", "/nowhere", "/api/v1/openapi.json"]
    without = {url: missing for url in urls if (missing := _has_every_header(client.get(url)))}
    assert without == {}


def test_the_scan_pages_fast_path_carries_them_too(app, client):
    code = make_asset().current_tag.code
    client.get(f"/t/{code}")  # the first visit fills the page memo; the second is answered from it
    response = client.get(f"/t/{code}")
    assert response.status_code == 200 and _has_every_header(response) == []


def test_inline_scripts_run_only_with_the_answers_nonce(client, app):
    page = client.get(f"/t/{make_asset().current_tag.code}/report")
    policy = page.headers["Content-Security-Policy"]
    nonce = policy.split("'nonce-")[1].split("'")[0]
    assert f'<script nonce="{nonce}">' in page.get_data(as_text=True)
    assert "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]


@pytest.mark.parametrize("evil", ["/\t/evil.example", "//evil.example", "https://evil.example/", "/\\evil.example", "/\n/evil.example",
                                  " //evil.example"])
def test_every_way_back_stays_on_the_site(client, app, login_as, evil):
    from tests.stocktake.conftest import build_floor, open_floor_stocktake

    floor = build_floor()
    stocktake = open_floor_stocktake(floor)
    login_as(floor.keeper)
    from sqlalchemy import select

    from tagsvc.extensions import db
    from tagsvc.stocktake.models import StocktakeItem

    item = db.session.scalars(select(StocktakeItem).where(StocktakeItem.stocktake_id == stocktake.id)).first()
    code = floor.items["301-bed1"].current_tag.code
    answers = [
        client.post(f"/stocktakes/{stocktake.id}/confirm", data={"code": code, "next": evil}),
        client.post(f"/stocktakes/{stocktake.id}/items/{item.id}/condition", data={"condition": "good", "next": evil}),
        client.post("/login", data={"username": floor.keeper.username, "password": TEST_PASSWORD}, query_string={"next": evil}),
    ]
    for answer in answers:
        location = answer.headers.get("Location", "")
        assert answer.status_code in (302, 303, 400) and "evil.example" not in location, (evil, location)


def test_a_page_of_the_site_is_still_a_fine_way_back(client, app):
    user = make_user(Role.STAFF)
    response = client.post("/login", data={"username": user.username, "password": TEST_PASSWORD}, query_string={"next": "/assets?page=2"})
    assert response.headers["Location"] == "/assets?page=2"
