import gzip

import pytest

from tagsvc.accounts.models import Role
from tagsvc.assets.models import AssetCondition, AssetStatus
from tagsvc.assets.services import replace_tag
from tests.factories import make_asset, make_department, make_location, make_user

SCAN_PAGE_BUDGET = 14 * 1024


@pytest.fixture
def projector(app):
    building = make_location("教学楼")
    room = make_location("301", parent=building)
    return make_asset(
        name="多媒体投影仪", asset_number="DMT-2024-0007", department_id=make_department("高一(3)班").id,
        location_id=room.id, status=AssetStatus.UNDER_REPAIR,
    )


def test_anyone_sees_what_the_item_is(client, projector):
    page = client.get(f"/t/{projector.current_tag.code}").get_data(as_text=True)
    for text in ["多媒体投影仪", "DMT-2024-0007", "高一(3)班", "教学楼 › 301", "Under repair", "This item is being repaired."]:
        assert text in page


def test_anonymous_page_shows_nothing_private(client, projector):
    page = client.get(f"/t/{projector.current_tag.code}").get_data(as_text=True)
    for private in ["3280", "赵老师", "13900001111", projector.invoice_number, "南京教育装备", "History"]:
        assert private not in page


def test_signed_in_staff_also_see_custodian_price_and_history(client, login_as, projector):
    login_as(make_user(Role.STAFF))
    page = client.get(f"/t/{projector.current_tag.code}").get_data(as_text=True)
    for text in ["赵老师", "13900001111", "¥3,280.00", projector.invoice_number, "History", "Registered"]:
        assert text in page


def test_keeper_of_another_department_sees_only_the_public_part(client, login_as, projector):
    login_as(make_user(Role.KEEPER, departments=[make_department()]))
    page = client.get(f"/t/{projector.current_tag.code}").get_data(as_text=True)
    assert "多媒体投影仪" in page and "13900001111" not in page


@pytest.mark.parametrize("transform", [str.lower, str.upper, lambda c: f"{c[:4]}-{c[4:]}"])
def test_code_is_accepted_in_any_case(client, projector, transform):
    assert client.get(f"/t/{transform(projector.current_tag.code)}").status_code == 200


def test_upper_case_url_works_for_alphanumeric_qr(client, projector):
    assert client.get(f"/T/{projector.current_tag.code}").status_code == 200


def test_unknown_code_gets_a_friendly_page_with_a_code_form(client, app):
    response = client.get("/t/ZZZZ2222")
    page = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "No item has the label code ZZZZ-2222" in page and 'name="code"' in page


def test_malformed_code_says_what_a_code_looks_like(client, app):
    response = client.get("/t/hello")
    assert response.status_code == 404 and "eight letters and digits" in response.get_data(as_text=True)


def test_typed_code_redirects_to_the_item(client, projector):
    code = projector.current_tag.code
    response = client.get(f"/t?code={code[:4].lower()} {code[4:].lower()}")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/t/{code}")


def test_replaced_label_says_so_and_points_to_the_current_one(client, projector):
    old = projector.current_tag.code
    new = replace_tag(make_user(Role.ADMIN), projector.id).code
    page = client.get(f"/t/{old}").get_data(as_text=True)
    assert "This label was replaced" in page and f'href="/t/{new}"' in page


def test_scan_page_fits_the_first_round_trip(client, login_as, projector):
    """The page with its inline CSS, compressed, within 14 KB, even signed in with a full history;
    and it needs no other request (no stylesheet, script or font to fetch)."""
    login_as(make_user(Role.ADMIN))
    page = client.get(f"/t/{projector.current_tag.code}", headers={"Accept-Encoding": "gzip"})
    assert page.headers.get("Content-Encoding") == "gzip"
    html = gzip.decompress(page.data).decode()
    assert "多媒体投影仪" in html and "<style>" in html
    assert '<link rel="stylesheet"' not in html and "<script" not in html
    assert len(page.data) <= SCAN_PAGE_BUDGET


def test_scan_page_loads_nothing_from_other_sites(client, projector):
    page = client.get(f"/t/{projector.current_tag.code}").get_data(as_text=True)
    assert "http://" not in page and "https://" not in page


def test_anonymous_page_is_never_stale_after_a_change(client, projector, session):
    url = f"/t/{projector.current_tag.code}"
    assert "Under repair" in client.get(url).get_data(as_text=True)
    admin = make_user(Role.ADMIN)
    from dataclasses import fields

    from tagsvc.assets.services import AssetData, update_asset

    data = {f.name: getattr(projector, f.name) for f in fields(AssetData)}
    update_asset(admin, projector.id, AssetData(**{**data, "status": AssetStatus.IN_USE, "condition": AssetCondition.FAIR}))
    assert "In use" in client.get(url).get_data(as_text=True)
    projector.location.name = "302"
    session.commit()
    assert "教学楼 › 302" in client.get(url).get_data(as_text=True)
